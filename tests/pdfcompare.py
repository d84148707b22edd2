"""Do two PDFs print the same page? Page 1 rasterised and compared, and the words on it.

Used by tests/unit/test_letters_equivalence.py to prove that the fast letters print what
the full WeasyPrint layout prints. Both readers are independent of the PDF writers under
test: PDFium (pypdfium2, Chromium's PDF engine) rasterises and reads the text; pypdf reads
the text a second time.

Pixels. Page 1 is rendered at DPI dots per inch in 8-bit grey (0 black, 255 white); an A4
page is 827 x 1170 pixels. PDFium draws every glyph at a whole-pixel origin: two PDFs that
place a glyph 0.01 pt apart may get it drawn one pixel apart (shifting a whole letter by
0.02 pt moves over a thousand of its pixels by more than 64 levels). So a pixel counts as
different only if no pixel of the other page within NEAR pixels (its 3 x 3 neighbourhood)
is within INK grey levels of it, looked at from both pages (else a thin extra glyph on one
page would hide between white neighbours). Two pages are the same if at most MAX_SHARE of
their pixels differ and no 8-connected group of different pixels is larger than
MAX_CLUSTER pixels.

What that allows and what it does not: glyphs a fraction of a point apart (PDFium's pixel
snapping, anti-aliasing) and one-pixel moves (0.25 mm on paper) pass; a word moved by two
pixels (0.5 mm) or more, a missing or extra glyph of the letters' body text (a full stop
added at 9 pt is a group of 4 different pixels) or another booking code does not. At 100
dpi some glyphs are too alike to tell apart ("Berit" and "Berlt" differ by one pixel; a
full stop at the footer's 7.5 pt is one): the words catch those (below). Lines and boxes
are not snapped: a box edge drawn a fraction of a pixel elsewhere is a group of different
pixels as long as the edge. The fast letters draw no boxes of their own (the background
is the full layout's), so none is allowed.

Words. PDFium's text of page 1, each word (a run of characters between white space) with
the centre of its box. The same page has the same words, each at the same place within
WORD_SLACK_PT. The order of the words in the file is not compared: it is the order in which
the PDF draws them (a fast letter draws its background first, then the customer's text;
even WeasyPrint draws the floated return address before the letterhead), not the order in
which a reader reads them. The same words at the same places read the same in any order.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader

DPI = 100
#: Grey levels (of 255) by which a pixel must differ from every pixel near it on the other
#: page: a quarter of the way from white to black. Anti-aliased edges of the same glyph
#: drawn a fraction of a pixel apart differ by less; a glyph that is not there, by more.
INK = 64
#: Pixels: how far on the other page a pixel may find its match (PDFium's glyph snapping).
NEAR = 1
#: At most this share of the page's pixels (0.05 %, 483 of an A4 page) may differ ...
MAX_SHARE = 0.0005
#: ... and no 8-connected group of different pixels may be larger than this. A full stop at
#: 9 pt missing or added is 4; stray single pixels of anti-aliasing pass.
MAX_CLUSTER = 3
#: Points (1/72 inch) by which the centres of the same word may be apart on the two pages.
WORD_SLACK_PT = 1.0
#: Points by which the page sizes may differ (a writer rounds 595.2756 to 595.276).
SIZE_SLACK_PT = 0.01


@dataclass(frozen=True)
class FirstPage:
    """Page 1 of a PDF: how many pages the PDF has, the page's size and its pixels."""

    pages: int
    size: tuple[float, float]  # width, height in points
    pixels: np.ndarray  # uint8, DPI dots per inch, 0 black .. 255 white


def first_page(pdf: bytes) -> FirstPage:
    """Page 1 of ``pdf`` rasterised by PDFium (greyscale, DPI)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=DPI / 72, grayscale=True)
        pixels = np.array(bitmap.to_numpy(), dtype=np.uint8)  # a copy: the bitmap goes
        width, height = page.get_size()
        return FirstPage(len(document), (width, height), pixels)
    finally:
        document.close()


def different_pixels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The pixels of ``a`` and ``b`` (same shape) that differ (see the module docstring)."""
    a16, b16 = a.astype(np.int16), b.astype(np.int16)
    height, width = a.shape
    pad_a = np.pad(a16, NEAR, mode="edge")
    pad_b = np.pad(b16, NEAR, mode="edge")
    a_to_b = np.full(a.shape, 255, dtype=np.int16)  # how far each pixel of a is from b
    b_to_a = np.full(a.shape, 255, dtype=np.int16)
    for dy in range(2 * NEAR + 1):
        for dx in range(2 * NEAR + 1):
            np.minimum(a_to_b, np.abs(a16 - pad_b[dy : dy + height, dx : dx + width]), out=a_to_b)
            np.minimum(b_to_a, np.abs(b16 - pad_a[dy : dy + height, dx : dx + width]), out=b_to_a)
    return np.maximum(a_to_b, b_to_a) > INK


def cluster_sizes(mask: np.ndarray) -> list[int]:
    """The sizes of the 8-connected groups of True pixels in ``mask``, largest first."""
    todo = set(zip(*(axis.tolist() for axis in np.nonzero(mask)), strict=True))
    sizes = []
    while todo:
        stack = [todo.pop()]
        size = 0
        while stack:
            y, x = stack.pop()
            size += 1
            for near in ((y + dy, x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)):
                if near in todo:
                    todo.remove(near)
                    stack.append(near)
        sizes.append(size)
    return sorted(sizes, reverse=True)


@dataclass(frozen=True)
class PixelComparison:
    """How two rasterised pages differ."""

    mask: np.ndarray  # True where the pages differ
    clusters: list[int]  # sizes of the groups of different pixels, largest first

    @property
    def different(self) -> int:
        return int(self.mask.sum())

    @property
    def allowed(self) -> int:
        return int(MAX_SHARE * self.mask.size)

    @property
    def same(self) -> bool:
        return self.different <= self.allowed and max(self.clusters, default=0) <= MAX_CLUSTER

    def __str__(self) -> str:
        return (
            f"{self.different} of {self.mask.size} pixels differ (at most {self.allowed}), "
            f"largest group {max(self.clusters, default=0)} (at most {MAX_CLUSTER}), "
            f"groups: {self.clusters[:8]}{' ...' if len(self.clusters) > 8 else ''}"
        )


def compare_pixels(a: np.ndarray, b: np.ndarray) -> PixelComparison:
    """Compare two rasterised pages of the same size."""
    mask = different_pixels(a, b)
    return PixelComparison(mask, cluster_sizes(mask))


def same_size(a: FirstPage, b: FirstPage) -> bool:
    return all(abs(x - y) <= SIZE_SLACK_PT for x, y in zip(a.size, b.size, strict=True))


def save_evidence(folder: Path, name: str, a: np.ndarray, b: np.ndarray) -> list[Path]:
    """PNGs of both pages and of their difference (different pixels red on page ``a``)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}-fast.png", folder / f"{name}-reference.png"]
    Image.fromarray(a).save(paths[0])
    Image.fromarray(b).save(paths[1])
    if a.shape == b.shape:
        mask = different_pixels(a, b)
        faint = (a // 2 + 128).astype(np.uint8)
        rgb = np.stack([faint, faint, faint], axis=-1)
        rgb[mask] = (255, 0, 0)
        paths.append(folder / f"{name}-difference.png")
        Image.fromarray(rgb).save(paths[2])
    return paths


@dataclass(frozen=True)
class Word:
    """A word on the page and the centre of its box, in points from the bottom left."""

    text: str
    x: float
    y: float

    def __str__(self) -> str:
        return f"{self.text!r} at ({self.x:.1f}, {self.y:.1f}) pt"


def words(pdf: bytes) -> list[Word]:
    """The words of page 1 as PDFium reads them, in the order the file draws them.

    One character at a time (FPDFText_GetUnicode: ``get_text_range`` is limited to UCS-2
    and would lose an emoji), white space (the PDF's or PDFium's own, between lines)
    separating words; a word's place is the centre of its characters' boxes. A hyphen that
    ends a line ends its word, as pypdf reads it (PDFium would join the two halves). A
    word's text is in NFC: a font maps each glyph to one text, so the glyph é reads the
    same whether the data had "é" or "e" and a combining accent.
    """
    document = pdfium.PdfDocument(pdf)
    try:
        text = document[0].get_textpage()
        out: list[Word] = []
        chars: list[str] = []
        boxes: list[tuple[float, float, float, float]] = []

        def end_word() -> None:
            if chars:
                x0, y0, x1, y1 = (
                    (min(b[0] for b in boxes), min(b[1] for b in boxes),
                     max(b[2] for b in boxes), max(b[3] for b in boxes))
                    if boxes else (0.0, 0.0, 0.0, 0.0)
                )  # fmt: skip
                text = unicodedata.normalize("NFC", "".join(chars))
                out.append(Word(text, (x0 + x1) / 2, (y0 + y1) / 2))
                chars.clear()
                boxes.clear()

        for i in range(text.count_chars()):
            char = chr(pdfium_c.FPDFText_GetUnicode(text, i))
            if char.isspace() or char == "\0":
                end_word()
                continue
            box = text.get_charbox(i)
            if box[2] > box[0] or box[3] > box[1]:  # zero-width characters have no box
                boxes.append(box)
            if char == "\x02":  # PDFium's hyphen at the end of a line ("Bjørnstad-")
                chars.append("-")
                end_word()
            else:
                chars.append(char)
        end_word()
        return out
    finally:
        document.close()


def word_differences(fast: list[Word], reference: list[Word]) -> tuple[list[Word], list[Word]]:
    """The words of ``reference`` that ``fast`` lacks at their place, and those it adds."""
    unmatched = list(fast)
    missing = []
    for word in reference:
        match = next(
            (
                w
                for w in unmatched
                if w.text == word.text
                and abs(w.x - word.x) <= WORD_SLACK_PT
                and abs(w.y - word.y) <= WORD_SLACK_PT
            ),
            None,
        )
        if match is None:
            missing.append(word)
        else:
            unmatched.remove(match)
    return missing, unmatched


def pypdf_words(pdf: bytes) -> Counter[str]:
    """The words of page 1 as pypdf reads them (pypdf gives no places: counted)."""
    return Counter(PdfReader(BytesIO(pdf)).pages[0].extract_text().split())
