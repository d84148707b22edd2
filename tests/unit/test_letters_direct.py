"""The letters' direct path (issue 17, point 1): its pure functions, its reasons for not
printing a letter directly, a template it must refuse, the PDF it writes, and the chunk
writer of letter files.

What the direct path prints is proved equal to the full WeasyPrint layout, pixel by pixel,
in tests/unit/test_letters_equivalence.py; this file tests what that one does not: how
``direct`` processes white space, breaks lines and parses the overlay markup (no
WeasyPrint: a real DejaVu Sans shaped by HarfBuzz), that every letter it refuses is
counted by its reason and still printed right, that a style it does not implement turns
it off for the whole template, that a direct letter embeds each font once and is no larger
than before, and that ``write_private_files`` writes what it is given, owner-only.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, StreamObject

from amsplan.adapters import writers
from amsplan.adapters.letters import direct
from amsplan.adapters.letters.direct import Element, Node, RunStyle, SlotSpec, Unfit
from amsplan.adapters.letters.fonts import PANGO_SCALE, FontFace
from amsplan.adapters.letters.render import LetterData, LetterRenderer
from amsplan.paths import shipped_templates_dir
from tests import pdfcompare
from tests.unit.test_letters_equivalence import _added, _customers, _letter

# -- pure functions: white space, line breaking, the overlay markup ----------------------


def _font_file() -> Path:
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "sans-serif"], capture_output=True, text=True, check=True
    ).stdout
    assert "DejaVuSans" in found, f"these tests expect DejaVu Sans as sans-serif, not {found}"
    return Path(found)


@pytest.fixture(scope="module")
def face() -> FontFace:
    return FontFace(_font_file().read_bytes())


STYLE = RunStyle(
    face=0,
    size=16 * PANGO_SCALE,  # 16 px (12 pt)
    color=(0.0, 0.0, 0.0),
    spacing=0,
    line_height=20.0,
    baseline=15.0,
)
NORMAL = Element("div", True, STYLE)
BOLD = Element("strong", False, STYLE)
PRE_LINE = Element("div", True, STYLE, white_space="pre-line")
NOWRAP = Element("div", True, STYLE, white_space="nowrap")


def test_white_space_normal_collapses_runs_across_inline_elements_and_drops_leading_space():
    runs = [("  \tKari \t\n Nord", NORMAL), ("  mann\r\n", BOLD), ("  AS", NORMAL)]
    # One space where a run of spaces, tabs and new lines was, even across elements (in
    # the run where the run of white space starts); none at the start of the block. A
    # trailing space stays (the line breaker leaves it out of the line).
    assert direct._white_space(runs, "normal") == [
        ("Kari Nord", NORMAL),
        (" mann ", BOLD),
        ("AS", NORMAL),
    ]
    # A run left with nothing (its space went to the run before) is dropped.
    runs = [("Kari ", NORMAL), ("  \n ", BOLD), (" Ola", NORMAL)]
    assert direct._white_space(runs, "normal") == [("Kari ", NORMAL), ("Ola", NORMAL)]


def test_white_space_pre_line_keeps_new_lines_and_drops_the_spaces_around_them():
    pre = Element("strong", False, STYLE, white_space="pre-line")
    text = "  Kari  Nordmann \n  Storgata\t 1\n\n0155 OSLO"
    assert direct._white_space([(text, PRE_LINE)], "pre-line") == [
        ("Kari Nordmann\nStorgata 1\n\n0155 OSLO", PRE_LINE)
    ]
    # The space before a new line goes even when it ends the run before.
    assert direct._white_space([("Kari ", PRE_LINE), ("  \nOla", pre)], "pre-line") == [
        ("Kari", PRE_LINE),
        ("\nOla", pre),
    ]


def test_white_space_nowrap_collapses_as_normal_and_a_mixed_block_is_refused():
    assert direct._white_space([(" ACDE-FH34 \n OK ", NOWRAP)], "nowrap") == [
        ("ACDE-FH34 OK ", NOWRAP)
    ]
    with pytest.raises(Unfit) as refused:
        direct._white_space([("Kari", PRE_LINE), ("Nordmann", BOLD)], "pre-line")
    assert refused.value.reason == "markup"


def _shaped(text: str, face: FontFace) -> tuple[str, list[Any]]:
    leaf = direct._Leaf(NORMAL, [(text, NORMAL)], 0.0)
    return direct._shape(leaf, [face], "nb")


def _lines(text: str, face: FontFace, width: float, wrap: bool = True) -> list[str]:
    """The lines ``_break_lines`` makes of ``text`` at ``width`` px, as texts."""
    shaped, runs = _shaped(text, face)
    return [shaped[a:b] for a, b in direct._break_lines(shaped, runs, width, wrap)]


def _width(text: str, face: FontFace) -> float:
    _, runs = _shaped(text, face)
    return direct._width(runs, 0, len(text))


def _unfit(text: str, face: FontFace, width: float) -> str:
    with pytest.raises(Unfit) as refused:
        _lines(text, face, width)
    return refused.value.reason


def test_lines_break_greedily_at_spaces_and_trailing_spaces_do_not_count(face: FontFace):
    text = "Kari Nordmann Storgata"
    fits = _width("Kari Nordmann", face)
    assert _width("Kari Nordmann ", face) > fits  # the space has a width ...
    # ... but a line ending in it is as wide as its text: "Kari Nordmann" fits exactly.
    assert _lines(text, face, fits) == ["Kari Nordmann", "Storgata"]
    shaped, runs = _shaped(text, face)
    assert direct._break_lines(shaped, runs, fits, True) == [(0, 13), (14, 22)]
    # A hair narrower: "Nordmann" goes to the next line, and takes "Storgata" along
    # only if both fit there.
    assert _width("Nordmann Storgata", face) > fits
    assert _lines(text, face, fits - 0.01) == ["Kari", "Nordmann", "Storgata"]
    assert _lines(text, face, 1000) == [text]
    # nowrap: one line, however narrow the slot (layout_slot refuses what overflows).
    assert _lines(text, face, 10, wrap=False) == [text]


def test_lines_break_after_a_hyphen_between_letters(face: FontFace):
    text = "Svar på e-posten nå"
    assert _lines(text, face, _width("Svar på e-", face)) == ["Svar på e-", "posten nå"]
    # Not even room for "e-": the line breaks before it (the hyphen that ends the part
    # that did not fit is a break this path makes, not one it cannot place).
    assert _lines(text, face, _width("Svar på e", face) - 0.01) == ["Svar på", "e-posten", "nå"]


def test_no_break_inside_an_order_number_it_overflows_and_is_refused(face: FontFace):
    number = "AMS-2026-0000001"
    text = f"ordrenummer {number}."
    assert _lines(text, face, _width(text, face)) == [text]
    # Room for "ordrenummer AMS-" but not the whole number: no break after "AMS-" (a
    # hyphen before a digit); the word would overflow, and Pango might place it
    # otherwise: not this path's to print.
    assert _unfit(text, face, _width("ordrenummer AMS-2026-", face)) == (
        "a line break this path cannot place"
    )
    assert _unfit(number, face, _width(number, face) - 0.5) == "a word wider than its slot"


def test_a_word_wider_than_the_line_is_refused(face: FontFace):
    word = "Jernbanestasjonsrestaurantdriftsselskapsaksjonærene"
    assert _unfit(word, face, 200) == "a word wider than its slot"
    # After another word: it goes to a line of its own, and does not fit there either.
    assert _unfit(f"Kari {word}", face, 200) == "a word wider than its slot"


def test_punctuation_that_closes_or_opens_a_word_does_not_stop_a_break(face: FontFace):
    text = "med teksten: KONTAKT, så ringer"
    width = _width("med teksten: KONTAKT,", face) - 0.01
    assert _lines(text, face, width) == ["med teksten:", "KONTAKT, så ringer"]
    assert _lines("Hei (Kari) og Ola", face, _width("Hei (Kari)", face) - 0.01)[:2] == [
        "Hei",
        "(Kari) og",
    ]
    # What the check is for: a slash inside the word that wraps is not safe.
    assert _unfit("med teksten: KONTAKT/RING, så", face, width) == (
        "a line break this path cannot place"
    )


def test_new_lines_of_pre_line_text_are_paragraphs(face: FontFace):
    assert _lines("Kari\nStorgata 1\n\nOSLO", face, 1000) == ["Kari", "Storgata 1", "", "OSLO"]


def test_a_slot_is_laid_out_aligned_line_by_line_and_refused_where_it_does_not_fit(
    face: FontFace,
):
    def slot(element: Element, height: float = 100.0) -> SlotSpec:
        return SlotSpec("recipient", 50.0, 100.0, 300.0, height, (element,))

    root = Node("div", ["Kari Nordmann\nStorgata 1\n0155 OSLO"])
    lines = direct.layout_slot(slot(PRE_LINE), root, [face])
    assert [[p.text for p in line.pieces] for line in lines] == [
        ["Kari Nordmann"],
        ["Storgata 1"],
        ["0155 OSLO"],
    ]
    assert [line.pieces[0].baseline for line in lines] == [115.0, 135.0, 155.0]
    assert {line.pieces[0].x for line in lines} == {50.0}

    # Centred: its middle in the slot's (50 + 300 / 2); right: its end at the slot's.
    for align, point, where in (("center", 0.5, 200.0), ("right", 1.0, 350.0)):
        placed = direct.layout_slot(slot(replace(PRE_LINE, align=align)), root, [face])
        for line in placed:
            (piece,) = line.pieces
            assert piece.x + point * piece.width == pytest.approx(where), (align, piece.text)
            assert piece.width == pytest.approx(_width(piece.text, face))

    refusals = {
        "text taller than its slot": (slot(PRE_LINE, height=59.0), root),
        "text wider than its slot": (
            slot(NOWRAP),
            Node("div", ["Kari Nordmann og Ola Nordmann og Per Hansen"]),
        ),
        "markup": (slot(NORMAL), Node("div", ["Kari ", Node("b", ["Nordmann"])])),
    }
    for reason, (spec, node) in refusals.items():
        with pytest.raises(Unfit) as refused:
            direct.layout_slot(spec, node, [face])
        assert refused.value.reason == reason


def _plain(node: Node) -> Node:
    """The node without attributes (compared in test_an_element_with_other_attributes_...)."""
    return Node(node.tag, [c if isinstance(c, str) else _plain(c) for c in node.children])


def test_parse_overlay_gives_each_letters_slots_with_entities_decoded():
    html = (
        '<!DOCTYPE html><html lang="nb"><head><title>Bookingbrev</title></head>'
        '<body class="mode-overlay">'
        '<section class="letter overlay" id="amsplan-letter-0">'
        '<div class="slot slot-recipient" data-slot="recipient">'
        "Kari &amp; Ola &lt;b&gt;Nordmann&lt;/b&gt;\nStorgata 1</div>"
        '<div class="slot slot-reply" data-slot="reply"><p><strong>Passer</strong> '
        'tidspunktet? <span class="sms">ACDE-FH34 OK</span></p><p>Ring oss.</p></div>'
        "</section>"
        '<section class="letter overlay" id="amsplan-letter-1">stray'
        '<div class="slot slot-recipient" data-slot="recipient">Per &#216;sth&oslash;&#x142;'
        "</div>"
        '<div class="slot slot-reply" data-slot="reply"></div>'
        "</section></body></html>"
    )
    assert [{k: _plain(v) for k, v in letter.items()} for letter in direct.parse_overlay(html)] == [
        {
            "recipient": Node("div", ["Kari & Ola <b>Nordmann</b>\nStorgata 1"]),
            "reply": Node(
                "div",
                [
                    Node(
                        "p",
                        [
                            Node("strong", ["Passer"]),
                            " tidspunktet? ",
                            Node("span", ["ACDE-FH34 OK"]),
                        ],
                    ),
                    Node("p", ["Ring oss."]),
                ],
            ),
        },
        {"recipient": Node("div", ["Per Østhøł"]), "reply": Node("div", [])},
    ]


# -- letters the direct path refuses: counted, and printed right --------------------------


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    """The renderer under test (its background cached for the module)."""
    return LetterRenderer(processes=1)


@pytest.fixture(scope="module")
def reference() -> LetterRenderer:
    """Every letter laid out whole by WeasyPrint."""
    return LetterRenderer(processes=1, fast=False)


@dataclass(frozen=True)
class Batch:
    letters: list[LetterData]
    pdfs: list[bytes]
    counts: dict[str, Any]  # what rendering the batch added to RenderStats


def _render(renderer: LetterRenderer, letters: list[LetterData]) -> Batch:
    before = copy.deepcopy(renderer.stats)
    pdfs = renderer.render_batch(letters)
    return Batch(letters, pdfs, _added(renderer.stats, before))


#: (what, customer name, the reason the renderer counts as the code spells it, the words
#: of the name PDFium reads on the page: it drops soft hyphens, zero-width spaces and what
#: has no glyph)
REFUSED = [
    ("emoji the font lacks", "Kari Festmo 🎉", "symbol or emoji", "Kari Festmo"),
    ("emoji the font has", "Kari Festmo 😀", "symbol or emoji", "Kari Festmo"),
    ("Chinese", "王小明 Wang", "character missing from the font", "Wang"),
    ("Hebrew", "שרה כהן", "right-to-left text", "שרה כהן"),
    ("Arabic", "محمد علي", "right-to-left text", "محمد علي"),
    ("soft hyphen", "Kari Nord\u00admann", "a control or format character", "Kari Nordmann"),
    ("zero-width space", "Kari Nord\u200bmann", "a control or format character", "Kari Nordmann"),
    ("too long for its slot", " ".join(["Kristine Margrethe Andersen"] * 12),
     "text taller than its slot", "Kristine Margrethe Andersen"),
]  # fmt: skip
ORDINARY = 2


@pytest.fixture(scope="module")
def refused(renderer: LetterRenderer, reference: LetterRenderer) -> tuple[Batch, list[bytes]]:
    """Two ordinary letters and one for each REFUSED case, in one batch; and each laid
    out whole."""
    letters = [
        *_customers([("Kari Nordmann", "Storgata 1", "0155", "OSLO")] * ORDINARY),
        *(
            _letter(order_no=f"AMS-2026-{200 + i:06d}", customer_name=name)
            for i, (_, name, *_) in enumerate(REFUSED)
        ),
    ]
    return _render(renderer, letters), reference.render_batch(letters)


def test_each_refused_letter_is_counted_by_its_reason(refused: tuple[Batch, list[bytes]]):
    batch, _ = refused
    counts = batch.counts
    assert counts["fallbacks"] == Counter(reason for _, _, reason, _ in REFUSED), counts
    assert counts["direct"] == ORDINARY, counts
    assert counts["direct"] + sum(counts["fallbacks"].values()) == len(batch.letters)
    assert counts["overlay"] + counts["full"] == len(REFUSED), counts


@pytest.mark.parametrize("i", range(len(REFUSED)), ids=[what for what, *_ in REFUSED])
def test_a_refused_letter_still_prints_its_own_text_as_the_full_layout(
    refused: tuple[Batch, list[bytes]], i: int
):
    batch, whole = refused
    pdf, reference = batch.pdfs[ORDINARY + i], whole[ORDINARY + i]
    words = pdfcompare.words(pdf)
    texts = {w.text for w in words}
    expected = set(REFUSED[i][3].split())  # its own customer's name
    assert expected <= texts, f"{REFUSED[i][0]}: {expected - texts} not on the page"
    missing, extra = pdfcompare.word_differences(words, pdfcompare.words(reference))
    assert not missing and not extra, (
        f"{REFUSED[i][0]}: missing {', '.join(map(str, missing))}; "
        f"extra {', '.join(map(str, extra))}"
    )


# -- a template the direct path must refuse as a whole ------------------------------------

#: Styles the direct path does not implement, each on one slot of an override of the
#: shipped booking.css; and how the renderer names the reason (after "template: ").
OVERRIDES = {
    "lowercase": (".slot-code { text-transform: lowercase }", "text-transform: lowercase"),
    "underline": (".slot-order-no { text-decoration: underline }", "text-decoration-line"),
    "justify": (".slot-reply p { text-align: justify }", "text-align: justify"),
}


@pytest.mark.parametrize("name", list(OVERRIDES))
def test_a_style_the_direct_path_does_not_implement_turns_it_off_for_the_template(
    tmp_path: Path, name: str
):
    css, reason = OVERRIDES[name]
    folder = tmp_path / "templates"
    (folder / "letters").mkdir(parents=True)
    shutil.copy(shipped_templates_dir() / "letters" / "booking.css", folder / "letters")
    with open(folder / "letters" / "booking.css", "a", encoding="utf-8") as f:
        f.write(f"\n{css}\n")
    letters = _customers([("Kari Nordmann", "Storgata 1", "0155", "OSLO")] * 2)

    fast = _render(LetterRenderer(folder, processes=1), letters)
    whole = LetterRenderer(folder, processes=1, fast=False).render_batch(letters)

    counts = fast.counts
    assert counts["direct"] == 0, counts
    assert sum(counts["fallbacks"].values()) == len(letters), counts
    (key,) = counts["fallbacks"]
    assert key.startswith(f"template: {reason}"), key
    for i, (pdf, reference) in enumerate(zip(fast.pdfs, whole, strict=True)):
        a, b = pdfcompare.first_page(pdf), pdfcompare.first_page(reference)
        comparison = pdfcompare.compare_pixels(a.pixels, b.pixels)
        assert comparison.same, f"{name}-{i}: {comparison}"
        missing, extra = pdfcompare.word_differences(
            pdfcompare.words(pdf), pdfcompare.words(reference)
        )
        assert not missing and not extra, f"{name}-{i}: {missing} {extra}"
    if name == "lowercase":  # the style is in effect: the code is printed in lowercase
        assert letters[0].booking_code.lower() in {w.text for w in pdfcompare.words(fast.pdfs[0])}


# -- the PDF ------------------------------------------------------------------------------


def _font_programs(pdf: bytes) -> dict[str, list[int]]:
    """Each font face embedded in ``pdf`` (its PostScript name, hyphens left out: pango
    and HarfBuzz spell "DejaVu-Sans" and "DejaVuSans") -> the object numbers of its
    font programs (FontFile2), over every object in the file."""
    reader = PdfReader(BytesIO(pdf))
    numbers = sorted({n for table in reader.xref.values() for n in table} | set(reader.xref_objStm))
    found: dict[str, list[int]] = {}
    for number in numbers:
        obj = reader.get_object(number)
        if not isinstance(obj, DictionaryObject) or obj.get("/Type") != "/FontDescriptor":
            continue
        assert not {"/FontFile", "/FontFile3"} & set(obj), obj  # TrueType only
        face = str(obj["/FontName"]).partition("+")[2].replace("-", "")
        program = obj.raw_get("/FontFile2")
        assert isinstance(program, IndirectObject), obj
        found.setdefault(face, []).append(program.idnum)
    return found


def _font_program(pdf: bytes, face: str) -> TTFont:
    """The one font program of ``face`` in ``pdf``."""
    reader = PdfReader(BytesIO(pdf))
    (number,) = _font_programs(pdf)[face]
    program = reader.get_object(number)
    assert isinstance(program, StreamObject)
    return TTFont(BytesIO(program.get_data()))


@pytest.fixture(scope="module")
def ordinary(renderer: LetterRenderer) -> tuple[Batch, list[bytes]]:
    """Ten ordinary letters made directly, and by a WeasyPrint overlay (before issue 17)."""
    letters = _customers(
        [
            ("Håkon Pedersen", "Aslak Bolts gate 74", "2315", "HAMAR"),
            ("Tor Grønlund", "Kirkegata 28", "2316", "HAMAR"),
            ("Trine Sæther", "Lirabakken 26", "2317", "HAMAR"),
            ("Jørgen Andersen", "Bjørkeveien 19", "2315", "HAMAR"),
            ("Anne Olsen", "Bjørkeveien 54", "2315", "HAMAR"),
            ("Elisabeth Fossum", "Hjellumvegen 135", "2317", "HAMAR"),
            ("Kari Nordmann", "Storgata 1", "0155", "OSLO"),
            ("Per Hansen", "Kongens gate 12B", "7011", "TRONDHEIM"),
            ("Gunvor Sørlie", "Børstadvegen 86", "2321", "HAMAR"),
            ("Ola Åsheim", "Nedre Storgate 128", "2211", "KONGSVINGER"),
        ]
    )
    overlay = LetterRenderer(processes=1, direct=False)
    return _render(renderer, letters), overlay.render_batch(letters)


def test_a_direct_letter_embeds_each_font_face_once(ordinary: tuple[Batch, list[bytes]]):
    batch, _ = ordinary
    assert batch.counts["direct"] == len(batch.letters), batch.counts
    for pdf in batch.pdfs:
        programs = _font_programs(pdf)
        # The background's text, the customer's and the bold booking code: each face one
        # font program, shared by the background and the customer's text.
        assert {"DejaVuSans", "DejaVuSansBold", "DejaVuSansMonoBold"} <= set(programs)
        assert all(len(numbers) == 1 for numbers in programs.values()), programs


def test_a_direct_letter_is_no_larger_than_one_made_with_a_weasyprint_overlay(
    ordinary: tuple[Batch, list[bytes]],
):
    batch, overlay = ordinary
    direct_size = sum(map(len, batch.pdfs)) / len(batch.pdfs)
    overlay_size = sum(map(len, overlay)) / len(overlay)
    assert direct_size <= overlay_size, (direct_size, overlay_size)


def test_a_sami_name_goes_direct_and_embeds_its_glyphs(
    renderer: LetterRenderer, ordinary: tuple[Batch, list[bytes]]
):
    name = "Ánte Ŋuolggaš Čáđđa"
    batch = _render(renderer, [*ordinary[0].letters[:1], _letter(customer_name=name)])
    assert batch.counts["direct"] == 2, batch.counts
    assert set(name.split()) <= {w.text for w in pdfcompare.words(batch.pdfs[1])}
    full = TTFont(_font_file())
    ids = {char: full.getGlyphID(full.getBestCmap()[ord(char)]) for char in "ŊČđš"}
    plain = _font_program(ordinary[0].pdfs[0], "DejaVuSans")
    sami = _font_program(batch.pdfs[1], "DejaVuSans")
    for char, gid in ids.items():
        # Glyph ids of the full font kept; the glyph drawn in the Sámi letter's font only.
        assert sami["glyf"][sami.getGlyphOrder()[gid]].numberOfContours != 0, char
        assert plain["glyf"][plain.getGlyphOrder()[gid]].numberOfContours == 0, char


# -- write_private_files ------------------------------------------------------------------


@pytest.fixture
def open_umask():
    """Files would be readable by everyone but for the mode they are created with."""
    old = os.umask(0)
    yield
    os.umask(old)


def _check_written(folder: Path, files: list[tuple[str, bytes]], paths: list[Path]) -> None:
    assert paths == [folder / name for name, _ in files]
    for path, (_, data) in zip(paths, files, strict=True):
        assert path.read_bytes() == data
        assert path.stat().st_mode & 0o777 == 0o600, oct(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_write_private_files_writes_each_file_owner_only_and_returns_the_paths(tmp_path: Path):
    (tmp_path / "b.pdf").write_bytes(b"an older, longer file of the same name")
    os.chmod(tmp_path / "b.pdf", 0o600)
    files = [("a.pdf", b"%PDF-1.7 a"), ("b.pdf", b"%PDF-1.7 b"), ("c.pdf", b"")]

    paths = writers.write_private_files(tmp_path, files)

    _check_written(tmp_path, files, paths)
    assert writers.write_private_files(tmp_path, []) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf", "c.pdf"]


@pytest.mark.usefixtures("open_umask")
def test_write_private_files_without_syncfs_syncs_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A C library without syncfs (not Linux): one fsync per file, same files."""
    synced: list[int] = []
    fsync = os.fsync

    def counted(fd: int) -> None:
        synced.append(fd)
        fsync(fd)

    monkeypatch.setattr(writers, "_LIBC", False)
    monkeypatch.setattr(os, "fsync", counted)
    files = [("a.pdf", b"a"), ("b.pdf", b"b")]

    paths = writers.write_private_files(tmp_path, files)

    _check_written(tmp_path, files, paths)
    assert len(synced) == len(files)


# -- what a review found printed differently, now the same or refused ---------------------

#: (what, fields of the letter): each printed as the full layout prints it, with every
#: word within WORDS_PT of its place (a stricter look than the equivalence test's pixels).
REVIEWED = [
    ("no break before a comma after a space",
     {"customer_name": "Dødsbo etter Kristine Margrethe Nordmann , v/ verge"}),
    ("no break after an opening parenthesis", {"street": "Øvre Slottsgate 128 ( bakgården )"}),
    ("no break between a quote and a parenthesis",
     {"customer_name": "Lund-Johansen Øvre-Ålgård Yvonne «Kari» (Kari) c/o 'Kaia' Dødsbo «Kari»"}),
    ("a hyphen at a line end kerned on its own (-T)",
     {"customer_name": "Margrethe Ole Margrethe Sofie Sofie Bakke-Tveit"}),
    ("a hyphen at a line end kerned on its own (-J)",
     {"customer_name": "Nordmann Margrethe Mal Jan Kristine Lund-Johansen"}),
    ("two scripts in one run", {"customer_name": "Иван Петров AVA Tøyen"}),
    ("a combining mark first", {"customer_name": "\u0301Kari Nordmann"}),
    ("a lone carriage return", {"customer_name": "Kari\rNordmann"}),
    ("a form feed", {"customer_name": "Kari\fNordmann"}),
]  # fmt: skip
WORDS_PT = 0.1


def _same_letter(fast: bytes, reference: bytes, what: str) -> None:
    pixels = pdfcompare.compare_pixels(
        pdfcompare.first_page(fast).pixels, pdfcompare.first_page(reference).pixels
    )
    assert pixels.same, f"{what}: {pixels.different} pixels differ"
    missing, extra = pdfcompare.word_differences(
        pdfcompare.words(fast), pdfcompare.words(reference)
    )
    assert not missing and not extra, f"{what}: {[str(w) for w in missing + extra][:4]}"
    fast_words = {(w.text, round(w.x, 1), round(w.y, 1)) for w in pdfcompare.words(fast)}
    for word in pdfcompare.words(reference):
        assert any(
            text == word.text and abs(x - word.x) <= WORDS_PT and abs(y - word.y) <= WORDS_PT
            for text, x, y in fast_words
        ), f"{what}: {word} moved"


@pytest.fixture(scope="module")
def reviewed(renderer: LetterRenderer, reference: LetterRenderer):
    letters = [
        _letter(order_no=f"AMS-2026-{300 + i:06d}", **fields)
        for i, (_, fields) in enumerate(REVIEWED)
    ]
    before = copy.deepcopy(renderer.stats)
    fast = renderer.render_batch(letters)
    return letters, fast, _added(renderer.stats, before), reference


@pytest.mark.parametrize("index", range(len(REVIEWED)), ids=[what for what, _ in REVIEWED])
def test_what_a_review_found_prints_as_the_full_layout(reviewed, index: int) -> None:
    letters, fast, _counts, reference = reviewed
    (expected,) = reference.render_batch([letters[index]])
    _same_letter(fast[index], expected, REVIEWED[index][0])


def test_what_a_review_found_goes_direct_or_is_counted(reviewed) -> None:
    _letters, _fast, counts, _reference = reviewed
    # The hyphen and carriage-return letters go direct; the others are refused, each for
    # its reason.
    assert counts["direct"] >= 3, counts
    assert {"mixed scripts", "a mark without a letter", "a control or format character"} <= set(
        counts["fallbacks"]
    ), counts
    assert counts["direct"] + sum(counts["fallbacks"].values()) == len(REVIEWED)


def test_a_reply_number_with_a_plus_goes_direct(renderer: LetterRenderer) -> None:
    letters = [
        _letter(order_no=f"AMS-2026-{350 + i:06d}", reply_number="+4740001234") for i in range(2)
    ]
    before = copy.deepcopy(renderer.stats)
    renderer.render_batch(letters)
    assert _added(renderer.stats, before)["direct"] == 2


#: Template overrides the direct path must print as WeasyPrint does, or refuse.
REVIEWED_OVERRIDES = [
    ("a hidden element in a slot", ".slot-reply .sms { visibility: hidden }", False),
    ("a background in a slot", ".slot-reply strong { background: #ff0 }", False),
    ("letter-spacing of a whole px", ".slot-recipient { letter-spacing: 1px }", True),
]


@pytest.mark.parametrize(
    ("what", "css", "goes_direct"), REVIEWED_OVERRIDES, ids=[o[0] for o in REVIEWED_OVERRIDES]
)
def test_template_overrides_print_as_the_full_layout(
    tmp_path: Path, what: str, css: str, goes_direct: bool
) -> None:
    folder = tmp_path / "templates"
    (folder / "letters").mkdir(parents=True)
    shutil.copy(shipped_templates_dir() / "letters" / "booking.css", folder / "letters")
    with open(folder / "letters" / "booking.css", "a", encoding="utf-8") as f:
        f.write("\n" + css + "\n")
    fast = LetterRenderer(folder, processes=1)
    letters = [_letter(order_no=f"AMS-2026-{400 + i:06d}") for i in range(2)]
    pdfs = fast.render_batch(letters)
    assert (fast.stats.direct == len(letters)) is goes_direct, fast.stats
    (expected,) = LetterRenderer(folder, processes=1, fast=False).render_batch(letters[:1])
    _same_letter(pdfs[0], expected, what)


def test_an_element_with_other_attributes_than_the_background_is_refused(face: FontFace) -> None:
    """A class that depends on the data (its style may differ) is not the background's
    element: that letter goes the WeasyPrint way."""
    spec = SlotSpec(
        "technician", 0, 0, 500, 100,
        (
            Element("div", True, STYLE),
            Element("span", False, STYLE, attrs=(("class", "tech"),)),
        ),
    )  # fmt: skip
    other = Node("div", [Node("span", ["Ola"], attrs=(("class", "no-tech"),))])
    with pytest.raises(Unfit, match="markup"):
        direct.layout_slot(spec, other, [face])
    same = Node("div", [Node("span", ["Ola"], attrs=(("class", "tech"),))])
    assert direct.layout_slot(spec, same, [face])
    empty = Node("div", [Node("span", [], attrs=(("class", "tech"),)), " Ola"])
    with pytest.raises(Unfit, match="an empty inline element"):
        direct.layout_slot(spec, empty, [face])
