from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from amsplan.adapters.letters import render
from amsplan.adapters.letters.layout import local_url_fetcher
from amsplan.adapters.letters.render import (
    LetterData,
    LetterRenderer,
    LetterRenderError,
    combine_pdfs,
)
from amsplan.paths import shipped_templates_dir

NASTY_NAME = '<script>alert("x")</script> {{ 7*7 }} & Sønn <b>AS</b>'
LONG_STREET = " ".join(f"Lengstegårdsvegen{i}" for i in range(16))


def _letter(**overrides) -> LetterData:
    values = dict(
        order_no="WO-1001",
        customer_name="Kari Nordmann",
        street="Storgata 1",
        postcode="0155",
        city="OSLO",
        meter_point_id="707057500012345678",
        meter_number="MTR-100001",
        start=datetime(2026, 4, 21, 10, 0),
        end=datetime(2026, 4, 21, 11, 0),
        technician_name="Ola Montør",
        booking_code="ACDE-FH34",
        company_name="Nettselskapet AS",
        reply_number="2222",
        keyword_ok="OK",
        keyword_contact="KONTAKT",
        letter_date=date(2026, 4, 10),
        company_address="Postboks 1, 0101 Oslo",
        company_phone="22 22 22 22",
    )
    values.update(overrides)
    return LetterData(**values)


LETTERS = [
    _letter(),
    _letter(
        order_no="WO-2002",
        customer_name="Per Hansen",
        street=LONG_STREET,
        postcode="9990",
        city="BÅTSFJORD",
        meter_point_id="707057500098765432",
        meter_number="MTR-200002",
        start=datetime(2026, 1, 5, 8, 0),
        end=datetime(2026, 1, 5, 9, 30),
        booking_code="KMNP-QR78",
    ),
    _letter(
        order_no="WO-3003",
        customer_name=NASTY_NAME,
        street="Fjordveien 77B",
        postcode="5003",
        city="BERGEN",
        meter_point_id="707057500055555555",
        meter_number="MTR-300003",
        start=datetime(2026, 4, 22, 12, 0),
        end=datetime(2026, 4, 22, 13, 0),
        booking_code="WXYZ-2345",
    ),
]

WINDOWS = [
    "tirsdag 21. april 2026 mellom kl. 10.00 og 11.00",
    "mandag 5. januar 2026 mellom kl. 08.00 og 09.30",
    "onsdag 22. april 2026 mellom kl. 12.00 og 13.00",
]


def _own_strings(letter: LetterData, window: str) -> list[str]:
    return [
        letter.customer_name,
        letter.street,
        f"{letter.postcode} {letter.city}",
        letter.meter_point_id,
        letter.meter_number,
        letter.booking_code,
        letter.order_no,
        window,
    ]


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _pages(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    return LetterRenderer()


@pytest.fixture(scope="module")
def pdfs(renderer: LetterRenderer) -> list[bytes]:
    return renderer.render_batch(LETTERS)


LETTER_MODULES = ("render", "template", "layout", "overlay", "compose", "pool", "pdf")


def test_import_is_cheap() -> None:
    modules = ", ".join(f"amsplan.adapters.letters.{name}" for name in LETTER_MODULES)
    code = f"import sys, {modules}; assert 'weasyprint' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_one_pdf_per_letter_in_order(pdfs: list[bytes]) -> None:
    assert len(pdfs) == len(LETTERS)
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)
    # A normal letter is one page; the absurdly long address spills onto a second one.
    assert [_pages(pdf) for pdf in pdfs] == [1, 2, 1]


def test_each_pdf_holds_its_own_letter_and_no_other(pdfs: list[bytes]) -> None:
    texts = [_text(pdf) for pdf in pdfs]
    for i, text in enumerate(texts):
        for own in _own_strings(LETTERS[i], WINDOWS[i]):
            assert own in text, f"letter {i}: {own!r} missing"
        for j, other in enumerate(LETTERS):
            if j != i:
                for foreign in _own_strings(other, WINDOWS[j]):
                    assert foreign not in text, f"letter {i} holds {foreign!r} of letter {j}"


def test_letter_content(pdfs: list[bytes]) -> None:
    text = _text(pdfs[0])
    for expected in (
        "Nettselskapet AS",
        "Vi skal bytte strømmåleren din",
        "10. april 2026",
        "Ola Montør",
        "Send SMS til 2222 med teksten: ACDE-FH34 OK",
        "ACDE-FH34 KONTAKT",
        "Med vennlig hilsen Nettselskapet AS",
    ):
        assert expected in text


def test_user_data_is_escaped_in_html(renderer: LetterRenderer) -> None:
    html = renderer.render_html(LETTERS[2])
    assert "<script>" not in html
    assert "<b>AS</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "{{ 7*7 }} &amp; Sønn &lt;b&gt;AS&lt;/b&gt;" in html
    assert "tirsdag" not in html
    assert WINDOWS[2] in html


def test_user_data_prints_literally(pdfs: list[bytes]) -> None:
    text = _text(pdfs[2])
    assert NASTY_NAME in text
    assert "49" not in text.replace("707057500", "")


def test_empty_batch(renderer: LetterRenderer) -> None:
    assert renderer.render_batch([]) == []


def test_template_override_dir(tmp_path: Path) -> None:
    shipped = (shipped_templates_dir() / "letters" / "booking.html").read_text(encoding="utf-8")
    heading = "Vi skal bytte strømmåleren din"
    assert heading in shipped
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "booking.html").write_text(
        shipped.replace(heading, "Overstyrt overskrift"), encoding="utf-8"
    )
    renderer = LetterRenderer(template_dir=tmp_path)
    # The CSS is not overridden: it comes from the shipped templates.
    assert renderer.template_path == tmp_path / "letters" / "booking.html"
    assert renderer.css_path == shipped_templates_dir() / "letters" / "booking.css"
    html = renderer.render_html(LETTERS[0])
    assert "Overstyrt overskrift" in html
    assert heading not in html
    (pdf,) = renderer.render_batch(LETTERS[:1])
    assert "Overstyrt overskrift" in _text(pdf)


def test_override_without_markers_still_splits_correctly(tmp_path: Path) -> None:
    # A bare template: no start markers, no page breaks, all letters would share one page.
    (tmp_path / "letters").mkdir()
    (tmp_path / "letters" / "booking.html").write_text(
        "<html><body>{% for l in letters %}<p>{{ l.customer_name }} {{ l.booking_code }}"
        "</p>{% endfor %}</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "letters" / "booking.css").write_text("@page { size: A5 }", encoding="utf-8")
    renderer = LetterRenderer(template_dir=tmp_path)
    pdfs = renderer.render_batch([LETTERS[0], LETTERS[2]])
    assert [_pages(pdf) for pdf in pdfs] == [1, 1]
    first, second = (_text(pdf) for pdf in pdfs)
    assert LETTERS[0].booking_code in first and LETTERS[2].booking_code not in first
    assert LETTERS[2].booking_code in second and LETTERS[0].booking_code not in second


def test_missing_template_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        LetterRenderer(template_dir=tmp_path / "nope")


def test_combine_pdfs(tmp_path: Path, pdfs: list[bytes]) -> None:
    paths = []
    for i, pdf in enumerate(pdfs):
        path = tmp_path / f"{i:03d}.pdf"
        path.write_bytes(pdf)
        paths.append(path)
    out = tmp_path / "samlet.pdf"
    combine_pdfs(paths, out)
    combined = PdfReader(out)
    assert len(combined.pages) == sum(_pages(pdf) for pdf in pdfs)
    assert LETTERS[0].booking_code in combined.pages[0].extract_text()
    assert LETTERS[2].booking_code in combined.pages[-1].extract_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_nothing_is_fetched_from_the_network() -> None:
    import weasyprint

    fetch = local_url_fetcher(weasyprint)
    for url in ("https://example.com/logo.png", "http://example.com/", "ftp://example.com/x"):
        with pytest.raises(ValueError):
            fetch(url)
    assert fetch(_png(1))  # a data: URI is fine


def test_relative_template_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine" / "letters").mkdir(parents=True)
    (tmp_path / "mine" / "letters" / "booking.css").write_text(
        "@page { size: A4 } .letter { break-before: page }", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    renderer = LetterRenderer(template_dir=Path("mine"))
    assert renderer.css_path == tmp_path / "mine" / "letters" / "booking.css"
    assert renderer.template_path == shipped_templates_dir() / "letters" / "booking.html"


def test_appointment_ending_before_it_starts_is_an_error(renderer: LetterRenderer) -> None:
    bad = _letter(end=datetime(2026, 4, 21, 9, 0))
    with pytest.raises(LetterRenderError, match="WO-1001"):
        renderer.render_batch([bad])


# -- the fast path: background laid out once, each letter's slots printed over it ---------

CUSTOMERS = [
    # name, street, postcode, city
    ("Kari Nordmann", "Storgata 1", "0155", "OSLO"),
    ("Ola Åsheim", "Kongens gate 12B", "7011", "TRONDHEIM"),
    ("Brumund Elektro og Rør AS", "Hernesvegen 7", "2408", "ELVERUM"),
    ("Gunvor Sørlie", "Børstadvegen 86", "2321", "HAMAR"),
    ("Per-Øyvind Bjørnstad-Kristiansen", "Nedre Storgate 128", "2211", "KONGSVINGER"),
    ("Æsa Ødegård", "Fjordveien 77B", "5003", "BERGEN"),
]


def _batch(count: int) -> list[LetterData]:
    out = []
    for i in range(count):
        name, street, postcode, city = CUSTOMERS[i % len(CUSTOMERS)]
        out.append(
            _letter(
                order_no=f"AMS-2026-{1000 + i:07d}",
                customer_name=f"{name} {i:02d}",
                street=f"{street}{'' if i < len(CUSTOMERS) else f' H{i:04d}'}",
                postcode=postcode,
                city=city,
                meter_point_id=f"7070575000{i:08d}",
                meter_number=f"MTR-{500000 + i}",
                start=datetime(2026, 4, 22, 10 + i % 6, 0),
                end=datetime(2026, 4, 22, 11 + i % 6, 0),
                technician_name=f"Montør Nummer {i:02d}",
                booking_code=f"K{i:03d}-{'ACDEFHJK'[i % 8]}M7P",
            )
        )
    return out


def _window(letter: LetterData) -> str:
    return f"onsdag 22. april 2026 mellom kl. {letter.start:%H.%M} og {letter.end:%H.%M}"


def _strings(letter: LetterData) -> list[str]:
    return [
        letter.customer_name,
        letter.street,
        f"{letter.postcode} {letter.city}",
        _window(letter),
        letter.technician_name,
        letter.meter_point_id,
        letter.meter_number,
        letter.booking_code,
        letter.order_no,
    ]


@pytest.fixture(scope="module")
def fast() -> LetterRenderer:
    return LetterRenderer(processes=1)


def test_fast_path_is_used_for_normal_letters() -> None:
    renderer = LetterRenderer(processes=1)
    pdfs = renderer.render_batch(LETTERS)
    # The absurdly long street cannot fit its slots: that letter alone is laid out whole.
    assert (renderer.stats.fast, renderer.stats.full, renderer.stats.backgrounds) == (2, 1, 1)
    assert [_pages(pdf) for pdf in pdfs] == [1, 2, 1]


def test_batch_every_letter_its_own_data_and_no_other(fast: LetterRenderer) -> None:
    letters = _batch(13)
    before = fast.stats.fast
    pdfs = fast.render_batch(letters)
    assert fast.stats.fast - before == len(letters)
    texts = [_text(pdf) for pdf in pdfs]
    assert "onsdag 22. april 2026 mellom kl. 10.00 og 11.00" in texts[0]
    for i, (letter, text, pdf) in enumerate(zip(letters, texts, pdfs, strict=True)):
        assert _pages(pdf) == 1
        for own in _strings(letter):
            assert own in text, f"letter {i}: {own!r} missing"
        assert f"Nettselskapet AS · Ordrenr. {letter.order_no}" in text  # the footer
        # In the text layer the background comes first, then the slots (reading order).
        assert "oppgi ordrenummer" in text and f"{letter.order_no}." in text
        assert f"{letter.booking_code} KONTAKT" in text
        assert f"Send SMS til 2222 med teksten: {letter.booking_code} OK" in text
        for j, other in enumerate(letters):
            if j != i:
                for foreign in (other.customer_name, other.order_no, other.booking_code,
                                other.meter_point_id, other.meter_number,
                                other.technician_name):  # fmt: skip
                    assert foreign not in text, f"letter {i} holds {foreign!r} of letter {j}"


def test_fast_and_full_render_print_the_same_words(fast: LetterRenderer) -> None:
    full = LetterRenderer(processes=1, fast=False)
    letters = _batch(3) + [LETTERS[2]]
    for quick, slow in zip(fast.render_batch(letters), full.render_batch(letters), strict=True):
        assert sorted(_text(quick).split()) == sorted(_text(slow).split())
    assert full.stats.fast == 0


def test_fast_letter_is_one_small_valid_pdf(fast: LetterRenderer) -> None:
    pdf, _ = fast.render_batch(_batch(2))
    reader = PdfReader(BytesIO(pdf), strict=True)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in pt
    assert reader.metadata.title == "Bookingbrev AMS-2026-0001000"
    assert len(pdf) < 64 * 1024


def test_fast_path_escapes_like_the_full_one(fast: LetterRenderer) -> None:
    nasty = _letter(
        customer_name=NASTY_NAME,
        street="<b>Gate</b> {{ 6*7 }}",
        city="<script>x</script>",
        technician_name="{% raw %}<i>Ola</i>",
    )
    before = fast.stats.fast
    text = _text(fast.render_batch([nasty, LETTERS[0]])[0])
    assert fast.stats.fast == before + 2
    for literal in (NASTY_NAME, "<b>Gate</b> {{ 6*7 }}", "0155 <script>x</script>", "<i>Ola</i>"):
        assert literal in text
    assert "42" not in text and "49" not in text.replace("707057500", "")


def test_long_names_wrap_inside_their_slots(fast: LetterRenderer) -> None:
    long_name = "Kristine Margrethe Andersen-Bjørnstad og Hans Petter Kristiansen-Aamodt"
    long_street = "Øvre Slottsgate 128B"
    letter = _letter(customer_name=long_name, street=long_street, city="KONGSVINGER")
    before = fast.stats.fast
    pdf, _ = fast.render_batch([letter, LETTERS[0]])
    assert fast.stats.fast == before + 2  # two lines of name, two of address: they fit
    text = _text(pdf)
    assert long_name in text and long_street in text
    assert _pages(pdf) == 1


def test_what_does_not_fit_is_laid_out_whole_and_never_cut(fast: LetterRenderer) -> None:
    letters = [
        _letter(order_no="WO-A", end=datetime(2026, 4, 23, 2, 0)),  # over midnight: long
        _letter(order_no="WO-B", customer_name="Navn " * 40),
        _letter(order_no="WO-C", booking_code="ACDE-FH34-ACDE-FH34-ACDE"),
        _letter(order_no="WO-D", meter_number="M" * 60),
        _letter(order_no="WO-E"),
    ]
    before = (fast.stats.fast, fast.stats.full)
    pdfs = fast.render_batch(letters)
    assert (fast.stats.fast - before[0], fast.stats.full - before[1]) == (1, 4)
    texts = [_text(pdf) for pdf in pdfs]
    assert "fra tirsdag 21. april 2026 kl. 10.00 til torsdag 23. april 2026 kl. 02.00" in texts[0]
    assert " ".join(["Navn"] * 40) in texts[1]
    assert "ACDE-FH34-ACDE-FH34-ACDE OK" in texts[2]
    assert "M" * 60 in texts[3].replace(" ", "")
    assert all(f"WO-{c}" in t for c, t in zip("ABCDE", texts, strict=True))


def test_one_background_per_company(fast: LetterRenderer) -> None:
    other = _letter(order_no="WO-9", company_name="Annet Nett AS", company_phone="")
    pdfs = fast.render_batch([LETTERS[0], other, LETTERS[2]])
    assert "Annet Nett AS" in _text(pdfs[1]) and "Nettselskapet AS" not in _text(pdfs[1])
    assert "Nettselskapet AS" in _text(pdfs[0]) and "Annet Nett AS" not in _text(pdfs[0])
    assert "Har du spørsmål, svarer vi gjerne. Når du kontakter oss" in _text(pdfs[1])


def _override(tmp_path: Path, html: str | None = None, css: str | None = None) -> Path:
    (tmp_path / "letters").mkdir(exist_ok=True)
    if html is not None:
        (tmp_path / "letters" / "booking.html").write_text(html, encoding="utf-8")
    if css is not None:
        (tmp_path / "letters" / "booking.css").write_text(css, encoding="utf-8")
    return tmp_path


SHIPPED_HTML = (shipped_templates_dir() / "letters" / "booking.html").read_text(encoding="utf-8")
SHIPPED_CSS = (shipped_templates_dir() / "letters" / "booking.css").read_text(encoding="utf-8")


def test_customer_data_outside_slots_means_whole_letters(tmp_path: Path) -> None:
    html = SHIPPED_HTML.replace(
        "<h1>Vi skal bytte strømmåleren din</h1>",
        "<h1>Hei {{ l.customer_name }}, vi bytter måleren {{ l.start.year }}</h1>",
    )
    renderer = LetterRenderer(template_dir=_override(tmp_path, html=html), processes=1)
    pdfs = renderer.render_batch(LETTERS[:1] + LETTERS[2:])
    assert renderer.stats.fast == 0
    assert "Hei Kari Nordmann, vi bytter måleren 2026" in _text(pdfs[0])
    assert f"Hei {NASTY_NAME}" in _text(pdfs[1])


def test_slot_styled_by_its_context_means_whole_letters(tmp_path: Path) -> None:
    # .slot sets its own font and colour, but not text-transform: that would leak in.
    css = SHIPPED_CSS + "\n.appointment { text-transform: uppercase; color: #900 }\n"
    renderer = LetterRenderer(template_dir=_override(tmp_path, css=css), processes=1)
    pdf, _ = renderer.render_batch(_batch(2))
    assert renderer.stats.fast == 0 and renderer.stats.full == 2
    assert _window(_batch(1)[0]).upper() in _text(pdf)


def test_old_template_without_slots_is_rendered_whole(tmp_path: Path) -> None:
    # An override made from the template before slots: every field printed in place.
    html = """<html><body>{% for l in letters %}<section class="letter">
<div class="letter-start" id="{{ l.anchor }}"></div>
<h1>Brev til {{ l.customer_name }}</h1><p>{{ l.street }}, {{ l.postcode }} {{ l.city }}</p>
<p>{{ l.appointment }} · {{ l.booking_code }} · {{ l.order_no }}</p></section>
{% endfor %}</body></html>"""
    css = "@page { size: A4 } .letter { break-before: page }"
    renderer = LetterRenderer(template_dir=_override(tmp_path, html, css), processes=1)
    pdfs = renderer.render_batch(LETTERS)
    assert renderer.stats.fast == 0 and renderer.stats.backgrounds == 0
    assert [_pages(pdf) for pdf in pdfs] == [1, 1, 1]
    for i, text in enumerate(_text(pdf).replace(" ", "") for pdf in pdfs):
        assert f"Brev til {LETTERS[i].customer_name}".replace(" ", "") in text
        own = f"{WINDOWS[i]} · {LETTERS[i].booking_code} · {LETTERS[i].order_no}"
        assert own.replace(" ", "") in text


def test_css_without_slot_sizes_still_prints_everything(tmp_path: Path) -> None:
    css = "@page { size: A4; margin: 20mm } .letter { break-before: page }"
    renderer = LetterRenderer(template_dir=_override(tmp_path, css=css), processes=1)
    letters = _batch(4)
    for letter, pdf in zip(letters, renderer.render_batch(letters), strict=True):
        text = _text(pdf)
        assert all(own in text for own in _strings(letter))


def test_worker_processes_give_the_same_letters_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small batches spread over the workers as large ones are (quicker to test).
    monkeypatch.setattr(render, "PARALLEL_MIN_LETTERS", 8)
    letters = _batch(14)
    alone = LetterRenderer(processes=1, overlay_chunk_size=3).render_batch(letters)
    with LetterRenderer(processes=2, overlay_chunk_size=3) as renderer:
        assert not renderer.workers_ready()  # started on the first large batch only
        assert renderer.render_batch(letters) == alone  # starts the worker
        assert renderer.workers_ready(timeout=120)
        pdfs = renderer.render_batch(letters)
        # The service's way: the next batch is rendered while it writes this one.
        batches = list(renderer.render_batches([letters[:9], letters, [], letters[2:12]]))
        assert renderer.processes == 2
        assert renderer.stats.workers > 0  # the worker did render some of them
    assert not renderer.workers_ready()  # closed
    # A worker's letters are byte for byte those this process makes.
    assert pdfs == alone
    assert [len(b) for b in batches] == [9, len(letters), 0, 10]
    for batch, expected in zip(batches, [letters[:9], letters, [], letters[2:12]], strict=True):
        for pdf, letter in zip(batch, expected, strict=True):
            assert letter.order_no in _text(pdf)
            assert _pages(pdf) == 1


def test_only_large_batches_start_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "PARALLEL_MIN_LETTERS", 8)
    with LetterRenderer(processes=2) as renderer:
        renderer.render_batch(_batch(7))
        assert not renderer.workers_ready(timeout=0.5)
        renderer.render_batch(_batch(8))
        assert renderer.workers_ready(timeout=120)


def test_render_batches_without_workers() -> None:
    renderer = LetterRenderer(processes=1)
    out = list(renderer.render_batches([LETTERS[:1], [], LETTERS[1:]]))
    assert [len(b) for b in out] == [1, 0, 2]
    assert LETTERS[2].order_no in _text(out[2][1])


@pytest.mark.parametrize("direct", [True, False])
def test_overlay_slots_not_in_place_means_whole_letters(tmp_path: Path, direct: bool) -> None:
    """Without their classes the overlay's slots would be laid out out of place: the
    WeasyPrint overlay sees it and lays the letters out whole; the direct path does not
    use the overlay's CSS at all (each slot's place and style come from the background)
    and prints the letters as they are."""
    placed = '<div class="slot slot-{{ name }}" data-slot="{{ name }}">'
    assert placed in SHIPPED_HTML
    html = SHIPPED_HTML.replace(placed, '<div class="slot" data-slot="{{ name }}">')
    renderer = LetterRenderer(
        template_dir=_override(tmp_path, html=html), processes=1, direct=direct
    )
    pdfs = renderer.render_batch(LETTERS[:1] + LETTERS[2:])
    assert renderer.stats.overlay == 0
    assert (renderer.stats.direct, renderer.stats.full) == ((2, 0) if direct else (0, 2))
    assert all(own in _text(pdfs[0]) for own in _own_strings(LETTERS[0], WINDOWS[0]))


def test_a_single_letter_is_laid_out_whole_until_there_is_a_background() -> None:
    renderer = LetterRenderer(processes=1)
    (first,) = renderer.render_batch(LETTERS[:1])  # recover() renders one letter
    assert (renderer.stats.fast, renderer.stats.full) == (0, 1)
    renderer.render_batch(_batch(2))
    (again,) = renderer.render_batch(LETTERS[:1])
    assert (renderer.stats.fast, renderer.stats.full) == (3, 1)
    assert sorted(_text(first).split()) == sorted(_text(again).split())


def _png(width: int) -> str:
    import base64
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(range(width)))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    png += chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_a_letter_carries_only_what_its_own_overlay_uses(tmp_path: Path) -> None:
    # The overlay pages of a chunk share one resource dictionary: the image in one
    # letter's slot must not end up (unseen) in the files of the others.
    start = '{%- if name == "recipient" -%}\n'
    assert start in SHIPPED_HTML
    image = (
        f'<img src="{{% if l.order_no == "WO-1001" %}}{_png(1)}{{% else %}}{_png(2)}'
        '{% endif %}" style="width: 4px">'
    )
    html = SHIPPED_HTML.replace(start, start + image)
    renderer = LetterRenderer(template_dir=_override(tmp_path, html=html), processes=1)
    pdfs = renderer.render_batch([LETTERS[0], LETTERS[2]])
    assert renderer.stats.fast == 2
    for pdf, width in zip(pdfs, (1, 2), strict=True):
        assert pdf.count(b"/Subtype /Image") == 1
        assert b"/Width %d" % width in pdf


@pytest.mark.parametrize("direct", [True, False])
def test_text_on_the_overlay_outside_slots_means_whole_letters(
    tmp_path: Path, direct: bool
) -> None:
    """Text outside the slots would be printed twice by a WeasyPrint overlay (whole
    letters instead); the direct path prints only what is in the slots."""
    section = '<section class="letter overlay" id="{{ l.anchor }}">'
    assert section in SHIPPED_HTML
    html = SHIPPED_HTML.replace(section, section + "<p>Viktig!</p>")
    renderer = LetterRenderer(
        template_dir=_override(tmp_path, html=html), processes=1, direct=direct
    )
    pdfs = renderer.render_batch(_batch(2))
    assert renderer.stats.overlay == 0
    assert (renderer.stats.direct, renderer.stats.full) == ((2, 0) if direct else (0, 2))
    assert "Viktig!" not in _text(pdfs[0])  # the full layout has no such text


def test_a_letter_attached_to_a_booking_e_mail_says_the_customer_may_answer_the_e_mail():
    """The letter of a booking e-mail tells the customer to answer the e-mail (or send the
    SMS); a printed letter keeps the SMS wording. Both in one batch: each gets its own."""
    renderer = LetterRenderer(shipped_templates_dir())
    emailed, printed = renderer.render_batch([_letter(by_email=True), _letter()])
    emailed_text = " ".join(PdfReader(BytesIO(emailed)).pages[0].extract_text().split())
    printed_text = " ".join(PdfReader(BytesIO(printed)).pages[0].extract_text().split())
    assert "Svar på e-posten dette brevet kom med" in emailed_text
    assert "Svar oss på e-post eller SMS" in emailed_text
    assert "Svar på e-posten" not in printed_text and "Svar oss på SMS" in printed_text
    assert "ACDE-FH34" in emailed_text and "ACDE-FH34" in printed_text
