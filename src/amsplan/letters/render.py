"""Booking letters: Jinja2 HTML + CSS rendered to one PDF per order with WeasyPrint.

Importing this module is cheap: WeasyPrint is only imported when a LetterRenderer is built.

Batches are laid out as one WeasyPrint document per chunk of letters (each letter starts on
a new page), written to PDF once, and split into one PDF per letter with pypdf. The page
where each letter starts is found from an anchor (the id of the ``.letter-start`` marker),
so letters of one, two or more pages are all split correctly.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2

from amsplan.letters.dates import appointment_text, long_date
from amsplan.paths import shipped_templates_dir

__all__ = ["LetterData", "LetterRenderer", "LetterRenderError", "combine_pdfs"]

LOGGER = logging.getLogger(__name__)

TEMPLATE_NAME = "letters/booking.html"
CSS_NAME = "letters/booking.css"

#: Letters laid out together in one WeasyPrint document. Bigger chunks are barely faster
#: but hold more pages in memory; 50 letters are a few tens of MB.
DEFAULT_CHUNK_SIZE = 50

_ANCHOR_PREFIX = "amsplan-letter-"


class LetterRenderError(RuntimeError):
    """A letter could not be rendered (template error, bad template override, ...)."""


@dataclass(frozen=True)
class LetterData:
    """Everything printed on one booking letter. Plain data: no database objects."""

    order_no: str
    customer_name: str
    street: str
    postcode: str
    city: str
    meter_point_id: str
    meter_number: str
    start: datetime  # naive local wall-clock time of the appointment
    end: datetime  # start + estimate
    technician_name: str
    booking_code: str  # already formatted for print, e.g. "ACDE-FH34"
    company_name: str
    reply_number: str  # SMS number the customer replies to, e.g. "2222"
    keyword_ok: str  # "OK"
    keyword_contact: str  # "KONTAKT"
    letter_date: date
    company_address: str = ""
    company_phone: str = ""


class LetterRenderer:
    """Renders booking letters. Build one and reuse it: template and CSS are parsed once.

    ``template_dir`` may override ``letters/booking.html`` and/or ``letters/booking.css``;
    whatever it lacks comes from the shipped templates. The renderer serialises its own
    WeasyPrint work with a lock (WeasyPrint/Pango are not thread-safe), so sharing one
    between threads is safe but not parallel: for parallel rendering use one renderer per
    process.
    """

    def __init__(
        self,
        template_dir: Path | None = None,
        locale: str = "nb_NO",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ):
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.locale = locale
        self.chunk_size = chunk_size
        shipped = shipped_templates_dir()
        search_path: list[Path] = []
        if template_dir is not None:
            template_dir = Path(template_dir).expanduser().resolve()
            if not template_dir.is_dir():
                raise FileNotFoundError(f"letter template folder not found: {template_dir}")
            search_path.append(template_dir)
        search_path.append(shipped)
        self.search_path = tuple(search_path)

        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self._env.filters["long_date"] = lambda d: long_date(d, self.locale)
        self._env.globals["appointment_text"] = lambda start, end: appointment_text(
            start, end, self.locale
        )
        try:
            self._template = self._env.get_template(TEMPLATE_NAME)
        except jinja2.TemplateError as exc:
            raise LetterRenderError(f"letter template {TEMPLATE_NAME}: {exc}") from exc
        html_path = Path(self._template.filename or shipped / TEMPLATE_NAME).resolve()
        # Relative URLs in the template (a logo next to it, say) resolve from its folder.
        self._base_url = html_path.parent.as_uri() + "/"
        css_path = next(p / CSS_NAME for p in search_path if (p / CSS_NAME).is_file()).resolve()
        self.template_path = html_path
        self.css_path = css_path

        import weasyprint  # lazy: importing weasyprint is slow
        from weasyprint.text.fonts import FontConfiguration

        self._weasyprint = weasyprint
        self._lock = threading.Lock()
        self._url_fetcher = _local_url_fetcher(weasyprint)
        self._font_config = FontConfiguration()
        self._css = weasyprint.CSS(
            string=css_path.read_text(encoding="utf-8"),
            base_url=css_path.parent.as_uri() + "/",
            url_fetcher=self._url_fetcher,
            font_config=self._font_config,
        )

    # -- HTML -------------------------------------------------------------------------

    def _context(self, letter: LetterData, index: int) -> dict[str, Any]:
        ctx = {f.name: getattr(letter, f.name) for f in fields(LetterData)}
        try:
            ctx["appointment"] = appointment_text(letter.start, letter.end, self.locale)
        except ValueError as exc:
            raise LetterRenderError(f"order {letter.order_no}: {exc}") from exc
        ctx["letter_date_text"] = long_date(letter.letter_date, self.locale)
        ctx["anchor"] = f"{_ANCHOR_PREFIX}{index}"
        return ctx

    def _html(self, letters: Sequence[LetterData]) -> str:
        try:
            return self._template.render(
                letters=[self._context(letter, i) for i, letter in enumerate(letters)]
            )
        except jinja2.TemplateError as exc:
            raise LetterRenderError(f"letter template {self.template_path}: {exc}") from exc

    def render_html(self, letter: LetterData) -> str:
        """The HTML of one letter (all user data escaped)."""
        return self._html([letter])

    # -- PDF --------------------------------------------------------------------------

    def _layout(self, html: str):
        document = self._weasyprint.HTML(
            string=html, base_url=self._base_url, url_fetcher=self._url_fetcher
        )
        return document.render(font_config=self._font_config, stylesheets=[self._css])

    @staticmethod
    def _page_ranges(document, count: int) -> list[range] | None:
        """Pages of each letter, from the page holding each letter's start anchor.

        None unless every letter's marker is found at the top of its own page, in order
        (a template override without the marker or without the page break gives None).
        """
        starts: dict[int, tuple[int, float]] = {}
        for page_number, page in enumerate(document.pages):
            for name, (_x1, y1, _x2, _y2) in page.anchors.items():
                suffix = name.removeprefix(_ANCHOR_PREFIX)
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

    def _split(self, pdf: bytes, ranges: list[range], letters: Sequence[LetterData]):
        from pypdf import PdfReader, PdfWriter

        reader = PdfReader(BytesIO(pdf))
        out: list[bytes] = []
        for letter, pages in zip(letters, ranges, strict=True):
            writer = PdfWriter()
            for i in pages:
                writer.add_page(reader.pages[i])
            writer.add_metadata({"/Title": f"Bookingbrev {letter.order_no}"})
            buffer = BytesIO()
            writer.write(buffer)
            out.append(buffer.getvalue())
        return out

    def _render_chunk(self, letters: Sequence[LetterData]) -> list[bytes]:
        with self._lock:
            document = self._layout(self._html(letters))
            ranges = self._page_ranges(document, len(letters))
            if ranges is None:
                if len(letters) == 1:
                    return [document.write_pdf()]
                LOGGER.warning(
                    "letter template %s: cannot tell where each letter starts "
                    "(missing .letter-start marker or page break); rendering letters one by one",
                    self.template_path,
                )
                return [self._layout(self._html([letter])).write_pdf() for letter in letters]
            pdf = document.write_pdf()
        return self._split(pdf, ranges, letters)

    def render_batch(self, letters: Sequence[LetterData]) -> list[bytes]:
        """One PDF (bytes) per letter, in the order given."""
        letters = list(letters)
        out: list[bytes] = []
        for first in range(0, len(letters), self.chunk_size):
            out.extend(self._render_chunk(letters[first : first + self.chunk_size]))
        return out


def _local_url_fetcher(weasyprint):
    """Only local files and data: URIs; nothing is ever fetched from the network."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 66
        return weasyprint.URLFetcher(allowed_protocols={"file", "data"})

    def fetch(url: str, *args, **kwargs):  # older WeasyPrint: a plain function
        if not url.lower().startswith(("file:", "data:")):
            raise ValueError(f"letters never fetch from the network: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def combine_pdfs(paths: Sequence[Path], out: Path) -> None:
    """Concatenate PDFs into one file for the print house (written atomically)."""
    from pypdf import PdfWriter

    if not paths:
        raise ValueError("no PDFs to combine")
    out = Path(out)
    writer = PdfWriter()
    for path in paths:
        writer.append(str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer.write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
