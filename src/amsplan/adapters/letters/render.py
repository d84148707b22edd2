"""Booking letters: Jinja2 HTML + CSS rendered to one PDF per order with WeasyPrint.

Importing this module is cheap: WeasyPrint is only imported when a LetterRenderer is built.

Fast path ("background + overlay", for templates with slots, as the shipped one). Most of
a letter is the same for every customer. The renderer lays the letter out ONCE with every
customer-specific slot hidden: the background, one for each set of STATIC_FIELDS (the
company fields and the letter date, the same for a whole batch). It measures where each
slot is, and then lays out, for a chunk of letters, only the slots of each letter,
absolutely positioned on an otherwise empty page: the overlays, little text and cheap to
lay out. Each letter's PDF is the background page with its overlay page drawn over it
(``amsplan.adapters.letters.compose``: two Form XObjects; no content stream is parsed or rewritten).

Nothing is taken on trust. The background must be one page and must not show any of the
made-up values its hidden slots were laid out with (else the template prints customer data
outside its slots). On every overlay page each slot must be where it is in the background,
have the same computed text style (for it and every element inside it) and hold all its
lines inside its box. A letter that fails (a very long address) is laid out whole, the slow
way, with slots that grow; so is every letter of a template without slots (an override
made from an older template) or that fails the background check. Nothing is cut off.

Slow path ("full"): batches are laid out as one WeasyPrint document per chunk of letters
(each letter starts on a new page), written to PDF once, and split into one PDF per letter
with pypdf. The page where each letter starts is found from an anchor (the id of the
``.letter-start`` marker), so letters of one, two or more pages are all split correctly.

Large batches can be spread over processes (``processes``): each worker builds its own
renderer once; this process renders too.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import tempfile
import threading
import types
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2

from amsplan.adapters.letters.dates import appointment_text, long_date
from amsplan.paths import shipped_templates_dir

__all__ = ["LetterData", "LetterRenderer", "LetterRenderError", "combine_pdfs"]

LOGGER = logging.getLogger(__name__)

TEMPLATE_NAME = "letters/booking.html"
CSS_NAME = "letters/booking.css"

#: Letters laid out together in one WeasyPrint document on the slow path. Bigger chunks are
#: barely faster but hold more pages in memory; 50 letters are a few tens of MB.
DEFAULT_CHUNK_SIZE = 50

#: Overlays laid out together in one WeasyPrint document on the fast path (small pages).
#: 25 to 50 are the fastest per letter here; WeasyPrint gets slower per page above 100.
DEFAULT_OVERLAY_CHUNK_SIZE = 50

#: Batches smaller than this are rendered in the calling process only.
PARALLEL_MIN_LETTERS = 40

_ANCHOR_PREFIX = "amsplan-letter-"

#: The LetterData fields that are the same for a whole batch: part of the background.
STATIC_FIELDS = (
    "company_name",
    "company_address",
    "company_phone",
    "reply_number",
    "keyword_ok",
    "keyword_contact",
    "letter_date",
)

# The background is laid out with these values in the (hidden) slots. They are of usual
# lengths (a slot without a fixed size, as the reply text, takes their size: a booking code
# is always 9 characters of a monospace font) and easy to spot: if one of them shows up
# in the background's text, the template prints customer data outside its slots.
_MARK = "qzx"
_SENTINEL_YEAR = 1901
_SENTINEL = {
    "order_no": "QZX-2026-0000001",
    "customer_name": "Qzxkari Qzxnordmann",
    "street": "Qzxstorgata 10",
    "postcode": "QZX0",
    "city": "QZXBY",
    "meter_point_id": "QZX707057500000000",
    "meter_number": "QZX10000000",
    "start": datetime(_SENTINEL_YEAR, 1, 1, 10, 0),
    "end": datetime(_SENTINEL_YEAR, 1, 1, 11, 0),
    "technician_name": "Qzxola Qzxmontør",
    "booking_code": "QZXQ-ZXQZ",
}

# A point of CSS is 4/3 px; WeasyPrint lays out in px. Slack when checking that the lines
# of a slot are inside its box (0.5 px is 0.13 mm).
_FIT_SLACK = 0.5

_SLOT_NAME = re.compile(r"[A-Za-z0-9_-]+")

_MARGIN_BOXES = [
    f"{side}-{where}"
    for side, places in (
        ("top", ("left-corner", "left", "center", "right", "right-corner")),
        ("bottom", ("left-corner", "left", "center", "right", "right-corner")),
        ("left", ("top", "middle", "bottom")),
        ("right", ("top", "middle", "bottom")),
    )
    for where in places
]


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


@dataclass
class _Background:
    """One background page and where its slots are."""

    source: Any  # compose.PageSource
    form: tuple[bytes, tuple[int, ...]]
    css: Any  # weasyprint.CSS placing each slot in the overlay
    signatures: dict[str, tuple]  # slot name -> computed style of its elements
    boxes: dict[str, tuple[float, float, float, float]]  # slot name -> x, y, width, height


@dataclass
class RenderStats:
    """How the letters of a renderer were made (for benchmarks and tests)."""

    overlay: int = 0  # background + overlay
    full: int = 0  # laid out whole (no slots, or a slot did not fit)
    backgrounds: int = 0


class LetterRenderer:
    """Renders booking letters. Build one and reuse it: template and CSS are parsed once.

    ``template_dir`` may override ``letters/booking.html`` and/or ``letters/booking.css``;
    whatever it lacks comes from the shipped templates. The renderer serialises its own
    WeasyPrint work with a lock (WeasyPrint/Pango are not thread-safe), so sharing one
    between threads is safe but not parallel.

    ``processes``: how many processes may render one large batch (of at least
    PARALLEL_MIN_LETTERS letters): this one plus ``processes - 1`` workers, started on the
    first large batch and kept until ``close()``. None: as many as there are usable CPUs.
    ``fast=False`` always lays out whole letters (the slow path).
    """

    def __init__(
        self,
        template_dir: Path | None = None,
        locale: str = "nb_NO",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        overlay_chunk_size: int = DEFAULT_OVERLAY_CHUNK_SIZE,
        processes: int | None = None,
        fast: bool = True,
    ):
        if chunk_size < 1 or overlay_chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        if processes is not None and processes < 1:
            raise ValueError("processes must be at least 1")
        self.locale = locale
        self.chunk_size = chunk_size
        self.overlay_chunk_size = overlay_chunk_size
        self.processes = processes if processes is not None else _usable_cpus()
        self.fast = fast
        self.stats = RenderStats()
        shipped = shipped_templates_dir()
        search_path: list[Path] = []
        if template_dir is not None:
            template_dir = Path(template_dir).expanduser().resolve()
            if not template_dir.is_dir():
                raise FileNotFoundError(f"letter template folder not found: {template_dir}")
            search_path.append(template_dir)
        search_path.append(shipped)
        self.search_path = tuple(search_path)
        self._template_dir = template_dir

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
        self._producer = f"WeasyPrint {weasyprint.__version__} (amsplan)"
        self._backgrounds: dict[tuple, _Background | None] = {}
        self._pool = None
        self._pool_ready: list = []
        self._pool_finalizer = None

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

    def _html(
        self, letters: Sequence[LetterData], mode: str = "full", slots: Sequence[str] = ()
    ) -> str:
        try:
            return self._template.render(
                letters=[self._context(letter, i) for i, letter in enumerate(letters)],
                mode=mode,
                slots=list(slots),
            )
        except jinja2.TemplateError as exc:
            raise LetterRenderError(f"letter template {self.template_path}: {exc}") from exc

    def render_html(self, letter: LetterData) -> str:
        """The HTML of one letter (all user data escaped)."""
        return self._html([letter])

    # -- PDF, slow path ---------------------------------------------------------------

    def _layout(self, html: str, extra_css=None):
        document = self._weasyprint.HTML(
            string=html, base_url=self._base_url, url_fetcher=self._url_fetcher
        )
        stylesheets = [self._css] if extra_css is None else [self._css, extra_css]
        return document.render(font_config=self._font_config, stylesheets=stylesheets)

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
        """Whole letters laid out as one document and split (the slow path)."""
        with self._lock:
            self.stats.full += len(letters)
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

    # -- PDF, fast path ---------------------------------------------------------------

    def _background(self, letter: LetterData) -> _Background | None:
        """The background for the company fields of ``letter`` (None: no fast path)."""
        key = _static_key(letter)
        if key not in self._backgrounds:
            if len(self._backgrounds) >= 16:  # a batch has one company; bound it anyway
                self._backgrounds.pop(next(iter(self._backgrounds)))
            self._backgrounds[key] = self._build_background(letter)
        return self._backgrounds[key]

    def _build_background(self, letter: LetterData) -> _Background | None:
        from pypdf import PdfReader

        from amsplan.adapters.letters.compose import PageSource, first_free_number

        sentinel = replace(letter, **_SENTINEL)
        document = self._layout(self._html([sentinel], mode="background"))
        if len(document.pages) != 1:
            return self._no_fast_path("the letter does not fit on one page")
        page_box = document.pages[0]._page_box
        slots = _slot_boxes(page_box)
        if not slots:
            return None  # a template without slots: the slow path, quietly
        pdf = document.write_pdf()
        text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
        if _MARK in text.casefold() or str(_SENTINEL_YEAR) in text:
            return self._no_fast_path("it prints customer data outside its slots")
        if not all(_SLOT_NAME.fullmatch(name) for name in slots):
            return self._no_fast_path("a slot name is not made of letters, digits, - and _")
        # Each slot where it is in the background: one stylesheet, parsed once (inline
        # styles would be parsed again for every letter).
        origin_x, origin_y = page_box.content_box_x(), page_box.content_box_y()
        rules = []
        boxes = {}
        for name, box in slots.items():
            x, y = box.content_box_x() - origin_x, box.content_box_y() - origin_y
            boxes[name] = (box.content_box_x(), box.content_box_y(), box.width, box.height)
            rules.append(
                f".overlay > .slot-{name} {{ position: absolute !important; "
                f"left: {x:.3f}px !important; top: {y:.3f}px !important; "
                f"width: {box.width:.3f}px !important; height: {box.height:.3f}px !important; "
                "margin: 0 !important; padding: 0 !important; border: 0 none !important; "
                "min-width: 0 !important; min-height: 0 !important; "
                "max-width: none !important; max-height: none !important }"
            )
        # No margin boxes on the overlay pages: the background has them (a page number
        # there would be the letter's place in the chunk, and static text twice).
        rules.append(
            "@page { "
            + " ".join(f"@{box} {{ content: none !important }}" for box in _MARGIN_BOXES)
            + " }"
        )
        css = self._weasyprint.CSS(string="\n".join(rules), font_config=self._font_config)
        source = PageSource(pdf, offset=first_free_number())
        self.stats.backgrounds += 1
        return _Background(
            source=source,
            form=source.form(0),
            css=css,
            signatures={name: _signature(box) for name, box in slots.items()},
            boxes=boxes,
        )

    def _no_fast_path(self, why: str) -> None:
        LOGGER.warning(
            "letter template %s: %s; rendering whole letters (slower)", self.template_path, why
        )
        return None

    def _render_overlays(
        self, background: _Background, letters: Sequence[LetterData]
    ) -> list[bytes | None]:
        """Each letter as background + overlay; None where its slots do not fit."""
        from amsplan.adapters.letters.compose import PageSource, compose_page

        html = self._html(letters, mode="overlay", slots=list(background.signatures))
        document = self._layout(html, background.css)
        ranges = self._page_ranges(document, len(letters))
        if ranges is None or any(len(pages) != 1 for pages in ranges):
            return [None] * len(letters)
        fits = []
        for letter, pages in zip(letters, ranges, strict=True):
            misfit = _misfit(document.pages[pages[0]]._page_box, background)
            if misfit is not None:
                LOGGER.debug("letter %s: slot %s does not fit", letter.order_no, misfit)
            fits.append(misfit is None)
        if not any(fits):
            return [None] * len(letters)
        pdf = document.write_pdf()
        del document
        overlay = PageSource(pdf, offset=background.source.offset + background.source.size)
        size = background.source.media_box(0)
        out: list[bytes | None] = []
        for letter, pages, fit in zip(letters, ranges, fits, strict=True):
            if not fit or overlay.media_box(pages[0]) != size:
                out.append(None)
                continue
            out.append(
                compose_page(
                    background.source,
                    background.form,
                    overlay,
                    pages[0],
                    title=f"Bookingbrev {letter.order_no}",
                    producer=self._producer,
                )
            )
        self.stats.overlay += sum(pdf is not None for pdf in out)
        return out

    def _render_here(self, letters: Sequence[LetterData]) -> list[bytes]:
        """One PDF per letter, in this process."""
        out: list[bytes | None] = [None] * len(letters)
        slow: list[int] = []
        if self.fast:
            groups: dict[tuple, list[int]] = {}
            for i, letter in enumerate(letters):
                groups.setdefault(_static_key(letter), []).append(i)
            for key, indexes in groups.items():
                if len(indexes) == 1 and key not in self._backgrounds:
                    slow.extend(indexes)  # one letter: a background would cost more
                    continue
                with self._lock:
                    background = self._background(letters[indexes[0]])
                if background is None:
                    slow.extend(indexes)
                    continue
                for piece in _pieces(indexes, self.overlay_chunk_size):
                    with self._lock:
                        pdfs = self._render_overlays(background, [letters[i] for i in piece])
                    for i, pdf in zip(piece, pdfs, strict=True):
                        if pdf is None:
                            slow.append(i)
                        else:
                            out[i] = pdf
        else:
            slow = list(range(len(letters)))
        slow.sort()
        for piece in _pieces(slow, self.chunk_size):
            for i, pdf in zip(piece, self._render_chunk([letters[i] for i in piece]), strict=True):
                out[i] = pdf
        return out  # type: ignore[return-value]

    # -- batches ----------------------------------------------------------------------

    def render_batch(self, letters: Sequence[LetterData]) -> list[bytes]:
        """One PDF (bytes) per letter, in the order given."""
        return self._schedule(list(letters)).collect()

    def render_batches(self, batches: Iterable[Sequence[LetterData]]) -> Iterator[list[bytes]]:
        """``render_batch`` of each batch, in order, one list of PDFs per batch.

        With worker processes, the next batch is handed to them before a batch is
        returned: they go on rendering while the caller writes and commits this one.
        """
        iterator = iter(batches)
        first = next(iterator, None)
        scheduled = self._schedule(list(first)) if first is not None else None
        following = None
        try:
            while scheduled is not None:
                upcoming = next(iterator, None)
                following = self._schedule(list(upcoming)) if upcoming is not None else None
                yield scheduled.collect()
                scheduled, following = following, None
        finally:
            for pending in (scheduled, following):
                if pending is not None:
                    pending.cancel()

    def _schedule(self, letters: list[LetterData]) -> _Scheduled:
        """A batch cut in pieces, handed to the workers if there are any and they are ready.

        The workers start on the first large batch and are used once they are ready (they
        take a second or two to import WeasyPrint); until then this process works alone.
        """
        if self.processes < 2 or len(letters) < PARALLEL_MIN_LETTERS:
            return _Scheduled(self, [letters], [None])
        pool, ready = self._get_pool(letters[0])
        if pool is None or not ready.done():
            return _Scheduled(self, [letters], [None])
        if ready.exception() is not None:
            self._workers_failed(ready.exception())
            return _Scheduled(self, [letters], [None])
        if len(letters) <= self.processes * self.overlay_chunk_size:
            size = -(-len(letters) // self.processes)  # one piece each
        else:
            size = self.overlay_chunk_size
        pieces = [letters[i : i + size] for i in range(0, len(letters), size)]
        # The workers take the pieces from the front; this process, when it collects,
        # takes those not started yet from the back.
        futures = [_submit(pool, _worker_render, piece) for piece in pieces[:-1]] + [None]
        return _Scheduled(self, pieces, futures)

    def _workers_failed(self, exc: BaseException) -> None:
        LOGGER.warning("letter worker processes failed (%s); using this one only", exc)
        self.close()
        self.processes = 1

    def _get_pool(self, letter: LetterData):
        """The worker pool and the future of their warm-up (None, None: no workers)."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes - 1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(
                        self._template_dir,
                        self.locale,
                        self.chunk_size,
                        self.overlay_chunk_size,
                        self.fast,
                        os.getpid(),
                    ),
                )
                # Each worker lays out the background before it is given letters.
                self._pool_ready = [
                    _submit(self._pool, _worker_warm, letter) for _ in range(self.processes - 1)
                ]
            except (OSError, ImportError, NotImplementedError, RuntimeError) as exc:
                LOGGER.warning("cannot start letter worker processes (%s); using one", exc)
                self._pool = None
                self.processes = 1
                return None, None
            self._pool_finalizer = weakref.finalize(self, _shutdown_pool, self._pool)
        return self._pool, _AllDone(self._pool_ready)

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool_finalizer is not None:
            self._pool_finalizer()
        self._pool = None
        self._pool_ready = []
        self._pool_finalizer = None

    def __enter__(self) -> LetterRenderer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# -- the fast path's checks -------------------------------------------------------------


def _boxes(box) -> Iterator:
    """A box and all its descendants, absolutely positioned ones included (pre-order)."""
    stack = [box]
    while stack:
        item = stack.pop()
        item = getattr(item, "_box", item)  # an AbsolutePlaceholder: the box it holds
        yield item
        children = getattr(item, "children", None)
        if children:
            stack.extend(reversed(children))


def _slot_boxes(page_box) -> dict[str, Any]:
    """The outermost box of each slot element on a page, by slot name."""
    slots: dict[str, Any] = {}
    seen: set[int] = set()
    for box in _boxes(page_box):
        element = getattr(box, "element", None)
        if element is None or id(element) in seen:
            continue
        name = element.get("data-slot")
        if name is None:
            continue
        seen.add(id(element))
        if name in slots:  # two slots of one name: not something we can place
            return {}
        slots[name] = box
    return slots


def _text_outside_slots(page_box) -> bool:
    """Whether a page shows any text that is not inside a slot."""
    from weasyprint.formatting_structure.boxes import TextBox

    stack = [(page_box, False)]
    while stack:
        box, inside = stack.pop()
        box = getattr(box, "_box", box)
        element = getattr(box, "element", None)
        inside = inside or (element is not None and element.get("data-slot") is not None)
        if not inside and isinstance(box, TextBox) and box.text.strip():
            return True
        stack.extend((child, inside) for child in getattr(box, "children", None) or ())
    return False


# What decides how text looks: the inherited properties, but visibility (the background's
# slots are hidden) and those of tables and pages.
_NOT_TEXT = {
    "visibility",
    "border_collapse",
    "border_spacing",
    "caption_side",
    "empty_cells",
    "orphans",
    "widows",
}


@functools.cache
def _style_keys() -> tuple[str, ...]:
    from weasyprint.css.properties import INHERITED

    return tuple(sorted(INHERITED - _NOT_TEXT))


def _signature(slot) -> tuple:
    """The computed text style of a slot and of each element inside it, in order.

    The slot's own tag is left out: in the overlay every slot is a div.
    """
    keys = _style_keys()
    out = []
    seen: set[int] = set()
    for box in _boxes(slot):
        element = getattr(box, "element", None)
        if element is None or id(element) in seen:
            continue
        seen.add(id(element))
        tag = box.element_tag if out else ""
        style = box.style
        out.append((tag, tuple([style[k] for k in keys])))
    return tuple(out)


def _misfit(page_box, background: _Background) -> str | None:
    """Why an overlay page cannot be used: the slot that does not fit, or None if all do.

    Each slot must be where it is in the background, look as there (same computed text
    style, for it and for every element inside it) and hold all its lines inside its box;
    there must be no text outside the slots (it would be printed twice).
    """
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    slots = _slot_boxes(page_box)
    if slots.keys() != background.signatures.keys():
        return "(the slots differ from the background's)"
    if _text_outside_slots(page_box):
        return "(text outside the slots)"
    for name, slot in slots.items():
        left, top = slot.content_box_x(), slot.content_box_y()
        where = (left, top, slot.width, slot.height)
        if any(abs(a - b) > 0.01 for a, b in zip(where, background.boxes[name], strict=True)):
            return f"{name} (not where it is in the background)"
        if _signature(slot) != background.signatures[name]:
            return f"{name} (styled otherwise than in the background)"
        right, bottom = left + slot.width + _FIT_SLACK, top + slot.height + _FIT_SLACK
        left, top = left - _FIT_SLACK, top - _FIT_SLACK
        for box in _boxes(slot):
            if not isinstance(box, (LineBox, TextBox)):
                continue
            if box.position_y < top or box.position_y + box.margin_height() > bottom:
                return name
            if isinstance(box, TextBox) and (
                box.position_x < left or box.position_x + box.margin_width() > right
            ):
                return name
    return None


def _static_key(letter: LetterData) -> tuple:
    return tuple(getattr(letter, name) for name in STATIC_FIELDS)


def _pieces(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


# -- worker processes -------------------------------------------------------------------

_WORKER: LetterRenderer | None = None


def _init_worker(template_dir, locale, chunk_size, overlay_chunk_size, fast, parent) -> None:
    global _WORKER
    _WORKER = LetterRenderer(
        template_dir,
        locale,
        chunk_size,
        overlay_chunk_size=overlay_chunk_size,
        processes=1,
        fast=fast,
    )
    # A worker must not outlive its parent (killed, crashed): it checks once a second.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


class _Scheduled:
    """Pieces of a batch, each rendered by a worker (a future) or by this process (None)."""

    def __init__(self, renderer: LetterRenderer, pieces: list[list[LetterData]], futures):
        self._renderer = renderer
        self._pieces = pieces
        self._futures = futures

    def collect(self) -> list[bytes]:
        from concurrent.futures.process import BrokenProcessPool

        results: list[list[bytes] | None] = [None] * len(self._pieces)
        try:
            for i in reversed(range(len(self._pieces))):
                future = self._futures[i]
                if future is None or future.cancel():  # not started by a worker: ours
                    results[i] = self._renderer._render_here(self._pieces[i])
            for i, future in enumerate(self._futures):
                if results[i] is None:
                    results[i] = future.result()
        except BrokenProcessPool as exc:
            self._renderer._workers_failed(exc)
            for i, piece in enumerate(self._pieces):
                if results[i] is None:
                    results[i] = self._renderer._render_here(piece)
        except BaseException:
            self.cancel()
            raise
        return [pdf for piece in results for pdf in piece]  # type: ignore[union-attr]

    def cancel(self) -> None:
        for future in self._futures:
            if future is not None:
                future.cancel()


def _submit(pool, function, *args):
    # The pool starts its workers in submit(). A spawned process runs the main module
    # again unless it is guarded by `if __name__ == "__main__"` (a user's script may not
    # be): the workers need nothing from it, so they do not see it at all.
    with _main_module_hidden():
        return pool.submit(function, *args)


class _AllDone:
    """Several futures seen as one: done when all are; the first exception, if any."""

    def __init__(self, futures):
        self._futures = futures

    def done(self) -> bool:
        return all(f.done() for f in self._futures)

    def exception(self):
        return next((f.exception() for f in self._futures if f.exception()), None)


@contextlib.contextmanager
def _main_module_hidden():
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _worker_warm(letter: LetterData) -> bool:
    assert _WORKER is not None
    if _WORKER.fast:
        with _WORKER._lock:
            _WORKER._background(letter)
    return True


def _worker_render(letters: list[LetterData]) -> list[bytes]:
    assert _WORKER is not None
    return _WORKER._render_here(letters)


def _shutdown_pool(pool) -> None:
    pool.shutdown(wait=True, cancel_futures=True)


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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
