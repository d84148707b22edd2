"""WeasyPrint: the HTML of letters laid out into pages, and whole letters written as PDF.

``Layout`` holds what WeasyPrint needs for every document (the parsed stylesheet, the
fonts, the URL fetcher: local files and data: URIs only, never the network).
``whole_letters`` is the slow path: a batch laid out as one document (each letter starts
on a new page), written once and cut into one PDF per letter where each letter's start
marker is (``page_ranges``), so letters of one, two or more pages are all split
correctly. A template whose markers cannot be found is laid out letter by letter.

What this module must not do: read WeasyPrint internals (only its public API: HTML, CSS,
Document.pages, Page.anchors, write_pdf; the fast path's reading of page boxes is in
``overlay``), or be imported where nothing is rendered: WeasyPrint is imported when a
Layout is built, it is slow to import. It does not lock: its caller serialises the use of
one Layout (WeasyPrint and Pango are not thread-safe).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from amsplan.adapters.letters.pdf import split_pdf
from amsplan.adapters.letters.template import (
    ANCHOR_PREFIX,
    LetterData,
    LetterTemplate,
    pdf_title,
)

__all__ = ["Layout", "local_url_fetcher", "page_ranges"]

LOGGER = logging.getLogger(__name__)


class Layout:
    """WeasyPrint set up for one letter template: lays out its HTML, writes PDFs."""

    def __init__(self, template: LetterTemplate):
        import weasyprint  # lazy: importing weasyprint is slow
        from weasyprint.text.fonts import FontConfiguration

        self.template = template
        self.weasyprint: Any = weasyprint
        self.version = str(weasyprint.__version__)
        self.producer = f"WeasyPrint {self.version} (amsplan)"
        self.url_fetcher = local_url_fetcher(weasyprint)
        self.font_config = FontConfiguration()
        css_path = template.css_path
        self.css = weasyprint.CSS(
            string=css_path.read_text(encoding="utf-8"),
            base_url=css_path.parent.as_uri() + "/",
            url_fetcher=self.url_fetcher,
            font_config=self.font_config,
        )

    def stylesheet(self, text: str) -> Any:
        """An extra stylesheet (parsed once, then given to ``document`` as often as needed)."""
        return self.weasyprint.CSS(string=text, font_config=self.font_config)

    def document(self, html: str, extra_css: Any = None) -> Any:
        """``html`` laid out with the template's stylesheet (and ``extra_css``)."""
        document = self.weasyprint.HTML(
            string=html, base_url=self.template.base_url, url_fetcher=self.url_fetcher
        )
        stylesheets = [self.css] if extra_css is None else [self.css, extra_css]
        return document.render(font_config=self.font_config, stylesheets=stylesheets)

    def whole_letters(self, letters: Sequence[LetterData]) -> list[bytes]:
        """One PDF per letter, laid out whole (the slow path)."""
        document = self.document(self.template.html(letters))
        ranges = page_ranges(document, len(letters))
        if ranges is None:
            if len(letters) == 1:
                return [document.write_pdf()]
            LOGGER.warning(
                "letter template %s: cannot tell where each letter starts "
                "(missing .letter-start marker or page break); rendering letters one by one",
                self.template.template_path,
            )
            return [self.document(self.template.html([letter])).write_pdf() for letter in letters]
        return split_pdf(document.write_pdf(), ranges, [pdf_title(letter) for letter in letters])


def local_url_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher for letters: local files and data: URIs, never the network.

    A template may refer to a logo next to it or inline an image; nothing is fetched from
    a server (printing must not depend on one, nor tell it what is printed).
    """
    return weasyprint.URLFetcher(allowed_protocols={"file", "data"})


def page_ranges(document: Any, count: int) -> list[range] | None:
    """Pages of each letter, from the page holding each letter's start anchor.

    None unless every letter's marker is found at the top of its own page, in order
    (a template override without the marker or without the page break gives None).
    """
    starts: dict[int, tuple[int, float]] = {}
    for page_number, page in enumerate(document.pages):
        for name, (_x1, y1, _x2, _y2) in page.anchors.items():
            suffix = name.removeprefix(ANCHOR_PREFIX)
            if suffix != name and suffix.isdigit():
                starts.setdefault(int(suffix), (page_number, y1))
    if len(starts) != count or set(starts) != set(range(count)):
        return None
    first_pages = [starts[i][0] for i in range(count)]
    if first_pages[0] != 0:
        return None
    if any(b <= a for a, b in zip(first_pages, first_pages[1:], strict=False)):
        return None
    # Each marker must be at the top of its page like the first one: then nothing of
    # the previous letter shares the page.
    top = starts[0][1]
    if any(abs(starts[i][1] - top) > 0.5 for i in range(count)):
        return None
    ends = first_pages[1:] + [len(document.pages)]
    return [range(a, b) for a, b in zip(first_pages, ends, strict=True)]
