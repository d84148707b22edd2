"""Booking letters: one PDF per order, from the letter template (``LetterRenderer``).

This module decides how each letter is made and who makes it; the work is elsewhere:

- ``template``: LetterData and the HTML of letters (Jinja);
- ``layout``: WeasyPrint, and whole letters laid out and split (the slow path);
- ``overlay``: the fast path, a background laid out once and each letter's slots over it;
- ``compose``: the PDF of a fast letter (background and overlay as two Form XObjects);
- ``pool``: worker processes for large batches; ``pdf``: splitting and combining PDFs.

A batch goes the fast way where it can: letters that share a background (same company
fields and letter date) are laid out as overlays, ``overlay_chunk_size`` at a time; a
letter whose slots do not fit, and every letter of a template without a usable background,
is laid out whole, ``chunk_size`` at a time. A lone letter is laid out whole until a
background exists (one would cost more than it saves). If WeasyPrint's internals are not
as the fast path expects, one warning is logged and the renderer lays out whole letters
from then on: same letters, slower.

Large batches (PARALLEL_MIN_LETTERS or more) are cut into pieces and spread over
``processes``: this process and ``processes - 1`` workers, started on the first large batch
and kept until ``close()``. The workers take pieces from the front; this process, when it
collects, takes back those not started yet, from the back. If the workers fail, this
process renders the rest alone (one warning).

What this module must not do: lay out or write PDFs itself, read WeasyPrint internals,
know databases. Importing it is cheap: WeasyPrint is imported when a renderer is built.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amsplan.adapters.letters.layout import Layout
from amsplan.adapters.letters.overlay import (
    Background,
    FastPathUnavailable,
    build_background,
    render_direct,
    render_overlays,
)
from amsplan.adapters.letters.pdf import combine_pdfs
from amsplan.adapters.letters.pool import Pool, PoolBroken, Task
from amsplan.adapters.letters.template import (
    LetterData,
    LetterRenderError,
    LetterTemplate,
    static_key,
)

__all__ = ["LetterData", "LetterRenderer", "LetterRenderError", "RenderStats", "combine_pdfs"]

LOGGER = logging.getLogger(__name__)

#: Letters laid out together in one WeasyPrint document on the slow path. Bigger chunks are
#: barely faster but hold more pages in memory; 50 letters are a few tens of MB.
DEFAULT_CHUNK_SIZE = 50

#: Overlays laid out together in one WeasyPrint document on the fast path (small pages).
#: 25 to 50 are the fastest per letter here; WeasyPrint gets slower per page above 100.
DEFAULT_OVERLAY_CHUNK_SIZE = 50

#: Batches smaller than this are rendered in the calling process only.
PARALLEL_MIN_LETTERS = 40

#: Backgrounds kept per renderer (a batch has one company; bounded all the same).
_MAX_BACKGROUNDS = 16


@dataclass
class RenderStats:
    """How the letters of a renderer were made (for benchmarks, tests and the summary)."""

    # How the letters were made, by this process and its workers:
    direct: int = 0  # background + slots written directly (HarfBuzz)
    overlay: int = 0  # background + overlay laid out by WeasyPrint
    full: int = 0  # laid out whole (no slots, or a slot did not fit)
    backgrounds: int = 0  # laid out in this process
    workers: int = 0  # of all these letters, those made by worker processes
    #: Why letters did not go the direct way (reason -> letters).
    fallbacks: Counter[str] = field(default_factory=Counter)

    @property
    def fast(self) -> int:
        """Letters printed over a background (directly or with a WeasyPrint overlay)."""
        return self.direct + self.overlay

    def add(self, other: RenderStats) -> None:
        """Count in what another renderer (a worker's) did."""
        self.direct += other.direct
        self.overlay += other.overlay
        self.full += other.full
        self.fallbacks.update(other.fallbacks)


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
        direct: bool = True,
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
        self.direct = direct
        self.stats = RenderStats()
        self._template = LetterTemplate(template_dir, locale)
        self.template_path = self._template.template_path
        self.css_path = self._template.css_path
        self._layout = Layout(self._template)
        self._lock = threading.Lock()
        self._backgrounds: dict[tuple[object, ...], Background | None] = {}
        self._pool: Pool | None = None
        self._pool_finalizer: weakref.finalize[[Pool], LetterRenderer] | None = None

    def render_html(self, letter: LetterData) -> str:
        """The HTML of one letter (all user data escaped)."""
        return self._template.html([letter])

    # -- one process ------------------------------------------------------------------

    def _render_here(self, letters: Sequence[LetterData]) -> list[bytes]:
        """One PDF per letter, in this process."""
        out: list[bytes | None] = [None] * len(letters)
        slow: list[int] = []
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, letter in enumerate(letters):
            groups.setdefault(static_key(letter), []).append(i)
        for key, indexes in groups.items():
            if not self.fast or (len(indexes) == 1 and key not in self._backgrounds):
                slow.extend(indexes)  # one letter: a background would cost more
                if not self.fast:  # (a lone letter is made the quickest way: no fallback)
                    self.stats.fallbacks["fast path off"] += len(indexes)
                continue
            with self._lock:
                background = self._fast_background(letters[indexes[0]])
            if background is None:
                if self.fast:
                    self.stats.fallbacks["template: no usable background"] += len(indexes)
                slow.extend(indexes)
                continue
            laid_out = list(indexes)
            if self.direct and background.direct is not None:
                laid_out = []
                with self._lock:
                    made = render_direct(self._layout, background, [letters[i] for i in indexes])
                for i, made_or_why in zip(indexes, made, strict=True):
                    if isinstance(made_or_why, bytes):
                        out[i] = made_or_why
                        self.stats.direct += 1
                    else:
                        self.stats.fallbacks[made_or_why] += 1
                        laid_out.append(i)
            elif self.direct:
                self.stats.fallbacks[f"template: {background.why_not_direct}"] += len(indexes)
            for piece in _pieces(laid_out, self.overlay_chunk_size):
                with self._lock:
                    overlays = self._fast_overlays(background, [letters[i] for i in piece])
                for i, pdf in zip(piece, overlays or [None] * len(piece), strict=True):
                    if pdf is None:
                        slow.append(i)
                    else:
                        out[i] = pdf
                        self.stats.overlay += 1
        slow.sort()
        for piece in _pieces(slow, self.chunk_size):
            with self._lock:
                self.stats.full += len(piece)
                whole = self._layout.whole_letters([letters[i] for i in piece])
            for i, pdf in zip(piece, whole, strict=True):
                out[i] = pdf
        return out  # type: ignore[return-value]  # every letter got its PDF above

    def _fast_background(self, letter: LetterData) -> Background | None:
        """The background for ``letter`` (cached); None: no fast path. Caller holds the lock."""
        if not self.fast:
            return None
        try:
            return self._background(letter)
        except FastPathUnavailable as exc:
            self._fast_path_off(exc)
            return None

    def _fast_overlays(
        self, background: Background, letters: Sequence[LetterData]
    ) -> list[bytes | None] | None:
        """``render_overlays`` (None: the fast path went off). Caller holds the lock."""
        try:
            return render_overlays(self._layout, background, letters)
        except FastPathUnavailable as exc:
            self._fast_path_off(exc)
            return None

    def _fast_path_off(self, exc: FastPathUnavailable) -> None:
        """WeasyPrint's internals failed the fast path: whole letters from now on."""
        LOGGER.warning(
            "letters: WeasyPrint %s is not as the fast path expects (%s); "
            "laying out whole letters (slower)",
            self._layout.version,
            exc,
        )
        self.fast = False

    def _background(self, letter: LetterData) -> Background | None:
        """The background for the company fields of ``letter`` (None: no fast path)."""
        key = static_key(letter)
        if key not in self._backgrounds:
            if len(self._backgrounds) >= _MAX_BACKGROUNDS:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            background = build_background(self._layout, letter)
            self._backgrounds[key] = background
            if background is not None:
                self.stats.backgrounds += 1
        return self._backgrounds[key]

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
        """A batch cut in pieces; all but the last handed to the workers, if there are any.

        Workers take a piece once they are ready (they take a second or two to import
        WeasyPrint); until then this process takes the pieces back when it collects.
        """
        if self.processes < 2 or len(letters) < PARALLEL_MIN_LETTERS:
            return _Scheduled(self, [letters], [None])
        pool = self._get_pool(letters[0])
        if pool is None:
            return _Scheduled(self, [letters], [None])
        if len(letters) <= self.processes * self.overlay_chunk_size:
            size = -(-len(letters) // self.processes)  # one piece each
        else:
            size = self.overlay_chunk_size
        pieces = [letters[i : i + size] for i in range(0, len(letters), size)]
        try:
            tasks: list[Task | None] = [pool.submit(_worker_render, p) for p in pieces[:-1]]
        except PoolBroken as exc:
            self._workers_failed(exc)
            return _Scheduled(self, [letters], [None])
        return _Scheduled(self, pieces, [*tasks, None])

    def _get_pool(self, letter: LetterData) -> Pool | None:
        """The worker pool, started on the first call (None: no workers)."""
        if self._pool is None:
            # This process lays out its background first: if WeasyPrint's internals do
            # not serve the fast path, it warns once and the workers are told so.
            if self.fast:
                with self._lock:
                    self._fast_background(letter)
            try:
                self._pool = Pool(
                    self.processes - 1,
                    initializer=_init_worker,
                    initargs=(
                        self._template.template_dir,
                        self.locale,
                        self.chunk_size,
                        self.overlay_chunk_size,
                        self.fast,
                        self.direct,
                        letter,
                    ),
                )
            except OSError as exc:
                LOGGER.warning("cannot start letter worker processes (%s); using one", exc)
                self.processes = 1
                return None
            self._pool_finalizer = weakref.finalize(self, Pool.close, self._pool)
        return self._pool

    def _workers_failed(self, exc: BaseException) -> None:
        LOGGER.warning("letter worker processes failed (%s); using this one only", exc)
        self.close()
        self.processes = 1

    def workers_ready(self, timeout: float | None = 0) -> bool:
        """Whether worker processes are running and ready (waiting up to ``timeout``)."""
        pool = self._pool
        return pool is not None and pool.wait_ready(timeout)

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool_finalizer is not None:
            self._pool_finalizer()
        self._pool = None
        self._pool_finalizer = None

    def __enter__(self) -> LetterRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Scheduled:
    """Pieces of a batch, each rendered by a worker (a task) or by this process (None)."""

    def __init__(
        self,
        renderer: LetterRenderer,
        pieces: list[list[LetterData]],
        tasks: list[Task | None],
    ):
        self._renderer = renderer
        self._pieces = pieces
        self._tasks = tasks

    def collect(self) -> list[bytes]:
        renderer = self._renderer
        results: list[list[bytes] | None] = [None] * len(self._pieces)
        try:
            for i in reversed(range(len(self._pieces))):
                task = self._tasks[i]
                if task is None or task.cancel():  # not started by a worker: ours
                    results[i] = renderer._render_here(self._pieces[i])
            for i, task in enumerate(self._tasks):
                if results[i] is None and task is not None:
                    results[i], done = task.result()
                    renderer.stats.workers += len(self._pieces[i])
                    renderer.stats.add(done)
        except PoolBroken as exc:
            renderer._workers_failed(exc)
            for i, piece in enumerate(self._pieces):
                if results[i] is None:
                    results[i] = renderer._render_here(piece)
        except BaseException:
            self.cancel()
            raise
        return [pdf for piece in results for pdf in piece or ()]

    def cancel(self) -> None:
        for task in self._tasks:
            if task is not None:
                task.cancel()


def _pieces(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# -- in the worker processes (the pool imports these by name) ----------------------------

_WORKER: LetterRenderer | None = None


def _init_worker(
    template_dir: Path | None,
    locale: str,
    chunk_size: int,
    overlay_chunk_size: int,
    fast: bool,
    direct: bool,
    letter: LetterData,
) -> None:
    """Build this worker's renderer and lay out its background before any letter."""
    global _WORKER
    _WORKER = LetterRenderer(
        template_dir,
        locale,
        chunk_size,
        overlay_chunk_size=overlay_chunk_size,
        processes=1,
        fast=fast,
        direct=direct,
    )
    if fast:
        with _WORKER._lock:
            _WORKER._fast_background(letter)


def _worker_render(letters: list[LetterData]) -> tuple[list[bytes], RenderStats]:
    """The letters, and how they were made (the worker's stats for these letters)."""
    assert _WORKER is not None, "the pool runs _init_worker first"
    _WORKER.stats = RenderStats()
    return _WORKER._render_here(letters), _WORKER.stats
