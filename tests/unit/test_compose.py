"""compose: the hand-written PDF writer of the fast path, on its own.

Pages are laid out by WeasyPrint (the writer's real input), put together by compose, and
the output is read by two independent readers, pypdf and pdfminer.six, and checked by
hand where neither looks: every cross-reference offset, the page's own content stream.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from io import BytesIO
from typing import Any

import pytest
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LTFigure, LTImage
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pypdf import PdfReader

from amsplan.adapters.letters.compose import (
    ComposeError,
    PageSource,
    compose_page,
    first_free_number,
)


def _png(width: int, height: int = 2) -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
    return "data:image/png;base64," + base64.b64encode(png + chunk(b"IEND", b"")).decode()


CSS = "@page { size: A5; margin: 10mm } body { font-family: serif; font-size: 11pt }"
BACKGROUND_HTML = f"""<html><body>
<h1>Vi bytter strømmåleren din</h1>
<p>Bakgrunnstekst for alle brev.</p>
<img src="{_png(3)}" style="width: 30px">
</body></html>"""
# The overlay: one page per letter, text in another font, an image on the first only.
OVERLAY_HTML = """<html><body style="font-family: monospace">{pages}</body></html>"""
PAGE = '<section style="break-before: page"><p style="margin-top: 80mm">{text}</p>{img}</section>'
CUSTOMERS = ["Kari Nordmann ÆØÅ", "Per Hansen", "Ola Åsheim"]


def _pdf(html: str) -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string=html).write_pdf(stylesheets=[weasyprint.CSS(string=CSS)]))


@pytest.fixture(scope="module")
def sources() -> tuple[PageSource, PageSource]:
    background = PageSource(_pdf(BACKGROUND_HTML), offset=first_free_number())
    pages = "".join(
        PAGE.format(text=name, img=f'<img src="{_png(5)}" style="width: 9px">' if i == 0 else "")
        for i, name in enumerate(CUSTOMERS)
    )
    overlay = PageSource(
        _pdf(OVERLAY_HTML.format(pages=pages)), offset=background.offset + background.size
    )
    return background, overlay


@pytest.fixture(scope="module")
def letters(sources: tuple[PageSource, PageSource]) -> list[bytes]:
    background, overlay = sources
    form = background.form(0)
    return [
        compose_page(background, form, overlay, i, title=f"Bookingbrev Ø-{i}", producer="test")
        for i in range(len(overlay))
    ]


def _xref_offsets(pdf: bytes) -> dict[int, int]:
    start = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[start:].startswith(b"xref\n")
    lines = pdf[start:].split(b"trailer", 1)[0].splitlines()[1:]
    offsets: dict[int, int] = {}
    i = 0
    while i < len(lines):
        first, count = map(int, lines[i].split())
        for n in range(count):
            offset, _generation, kind = lines[i + 1 + n].split()
            if kind == b"n":
                offsets[first + n] = int(offset)
        i += 1 + count
    return offsets


def _pdfminer_document(pdf: bytes) -> PDFDocument:
    return PDFDocument(PDFParser(BytesIO(pdf)))


def _fonts(resources: Any, found: dict[str, Any]) -> None:
    """Every font reachable from a resource dictionary (through Form XObjects), by name."""
    resources = resolve1(resources) or {}
    for name, font in (resolve1(resources.get("Font")) or {}).items():
        found[name] = resolve1(font)
    for xobject in (resolve1(resources.get("XObject")) or {}).values():
        stream = resolve1(xobject)
        if stream.attrs.get("Subtype").name == "Form":
            _fonts(stream.attrs.get("Resources"), found)


# -- what both readers see --------------------------------------------------------------


def test_one_page_each_the_size_of_the_background(
    letters: list[bytes], sources: tuple[PageSource, PageSource]
) -> None:
    background, _ = sources
    for pdf in letters:
        reader = PdfReader(BytesIO(pdf), strict=True)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        # Written with 6 significant digits (%g): 0.0005 pt at most from WeasyPrint's.
        assert (float(box.left), float(box.bottom), float(box.right), float(box.top)) == (
            pytest.approx(background.media_box(0), abs=0.001)
        )
        assert len(list(PDFPage.create_pages(_pdfminer_document(pdf)))) == 1


def test_each_letter_shows_the_background_and_its_own_overlay_only(letters: list[bytes]) -> None:
    for i, pdf in enumerate(letters):
        for text in (
            PdfReader(BytesIO(pdf)).pages[0].extract_text(),
            extract_text(BytesIO(pdf)),
        ):
            assert "Vi bytter strømmåleren din" in text
            assert "Bakgrunnstekst for alle brev." in text
            assert CUSTOMERS[i] in text
            assert all(other not in text for other in CUSTOMERS if other != CUSTOMERS[i])


def test_title_and_producer(letters: list[bytes]) -> None:
    metadata = PdfReader(BytesIO(letters[1])).metadata
    assert metadata is not None
    assert (metadata.title, metadata.producer) == ("Bookingbrev Ø-1", "test")
    info = resolve1(_pdfminer_document(letters[1]).info[0])
    assert resolve1(info["Producer"]) == b"test"


def test_fonts_are_embedded(letters: list[bytes]) -> None:
    document = _pdfminer_document(letters[0])
    (page,) = PDFPage.create_pages(document)
    fonts: dict[str, Any] = {}
    _fonts(page.resources, fonts)
    assert len(fonts) >= 2  # the background's serif and the overlay's monospace
    for font in fonts.values():
        descendants = resolve1(font.get("DescendantFonts")) or [font]
        descriptor = resolve1(resolve1(descendants[0]).get("FontDescriptor"))
        assert any(key in descriptor for key in ("FontFile", "FontFile2", "FontFile3"))
        program = resolve1(next(descriptor[k] for k in ("FontFile", "FontFile2", "FontFile3")
                                if k in descriptor))  # fmt: skip
        assert len(program.get_data()) > 100


def test_images_are_embedded_where_they_are_used(letters: list[bytes]) -> None:
    def images(pdf: bytes) -> list[LTImage]:
        out: list[LTImage] = []
        stack: list[Any] = list(extract_pages(BytesIO(pdf)))
        while stack:
            item = stack.pop()
            if isinstance(item, LTImage):
                out.append(item)
            elif isinstance(item, (LTFigure,)) or hasattr(item, "_objs"):
                stack.extend(item)
        return out

    # The background's image in every letter; the first overlay's image in the first only.
    assert [len(images(pdf)) for pdf in letters] == [2, 1, 1]
    assert [pdf.count(b"/Subtype /Image") for pdf in letters] == [2, 1, 1]
    assert b"/Width 5" in letters[0] and b"/Width 5" not in letters[1]


# -- the file's structure, by hand --------------------------------------------------------


def test_every_cross_reference_points_at_its_object(letters: list[bytes]) -> None:
    for pdf in letters:
        offsets = _xref_offsets(pdf)
        assert 1 in offsets and len(offsets) == pdf.count(b" 0 obj\n")
        for number, offset in offsets.items():
            assert pdf[offset:].startswith(b"%d 0 obj\n" % number), number
        size = int(re.search(rb"/Size (\d+)", pdf).group(1))  # type: ignore[union-attr]
        assert size == max(offsets) + 1
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_the_page_draws_the_background_then_the_overlay(letters: list[bytes]) -> None:
    reader = PdfReader(BytesIO(letters[0]))
    page = reader.pages[0]
    assert page.get_contents().get_data() == b"q /Bg Do Q q /Ov Do Q"  # type: ignore[union-attr]
    xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
    assert sorted(xobjects) == ["/Bg", "/Ov"]
    for name in ("/Bg", "/Ov"):
        form = xobjects[name].get_object()
        assert form["/Subtype"] == "/Form"
        assert "/Font" in form["/Resources"]  # each form keeps its own resources


def test_object_numbers_of_background_and_overlay_never_meet(
    sources: tuple[PageSource, PageSource], letters: list[bytes]
) -> None:
    background, overlay = sources
    assert first_free_number() == background.offset
    assert overlay.offset >= background.offset + background.size
    numbers = sorted(_xref_offsets(letters[0]))
    own = [n for n in numbers if n < first_free_number()]
    bg = [n for n in numbers if first_free_number() <= n < overlay.offset]
    ov = [n for n in numbers if n >= overlay.offset]
    assert own == list(range(1, first_free_number())) and bg and ov


def test_the_overlay_content_is_copied_as_it_is(sources: tuple[PageSource, PageSource]) -> None:
    _, overlay = sources
    original = overlay._reader.pages[1].get_contents()
    assert original is not None
    form, _needed = overlay.form(1)
    head, data = form.split(b"\nstream\n", 1)
    data = data.rsplit(b"\nendstream", 1)[0]
    if b"/Filter /FlateDecode" in head:
        data = zlib.decompress(data)
    assert data == original.get_data()


# -- what it refuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"],
    ids=["empty", "garbage", "no xref"],
)
def test_an_unreadable_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(ComposeError, match="not a readable PDF"):
        PageSource(data, offset=first_free_number())


def test_a_truncated_pdf_is_refused(sources: tuple[PageSource, PageSource]) -> None:
    whole = _pdf(BACKGROUND_HTML)
    with pytest.raises(ComposeError, match="not a readable PDF"):
        PageSource(whole[: len(whole) // 3], offset=first_free_number())


def test_a_page_that_is_not_there_is_refused(sources: tuple[PageSource, PageSource]) -> None:
    background, overlay = sources
    with pytest.raises(ComposeError, match="page 4 asked for, the PDF has 3"):
        compose_page(background, background.form(0), overlay, 3, title="x")
    with pytest.raises(ComposeError, match="page 2 asked for, the PDF has 1"):
        background.form(1)
    with pytest.raises(ComposeError):
        overlay.media_box(-1)
