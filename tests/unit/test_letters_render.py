from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from amsplan.letters.render import LetterData, LetterRenderer, LetterRenderError, combine_pdfs
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


def test_import_is_cheap() -> None:
    code = "import sys, amsplan.letters.render; assert 'weasyprint' not in sys.modules"
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


def test_nothing_is_fetched_from_the_network(renderer: LetterRenderer) -> None:
    with pytest.raises(ValueError):
        renderer._url_fetcher("https://example.com/logo.png")


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
