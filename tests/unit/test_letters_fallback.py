"""WeasyPrint internals the fast path reads, taken away one at a time from the real module:
the letters still come out, whole, the same words, with one warning and no customer data
in it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import pytest

from amsplan.adapters.letters import render
from amsplan.adapters.letters.render import LetterRenderer
from tests.unit.test_letters_render import LETTERS, _batch, _text


def _without_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.css.properties

    monkeypatch.delattr(weasyprint.css.properties, "INHERITED")


def _without_boxes_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if a release moved weasyprint.formatting_structure.boxes: WeasyPrint keeps its
    # own reference (bound at import), only a new import of the module fails.
    monkeypatch.setitem(sys.modules, "weasyprint.formatting_structure.boxes", None)


def _without_page_box(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if a release renamed Page._page_box: WeasyPrint's pages keep their box under
    # another name (and still paint themselves from it).
    import weasyprint.document

    class RenamedPage(weasyprint.document.Page):  # type: ignore[misc]
        def __init__(self, page_box: Any):
            super().__init__(page_box)
            self._renamed_box = self.__dict__.pop("_page_box")

        def paint(self, *args: Any, **kwargs: Any) -> Any:
            self._page_box = self._renamed_box
            try:
                return super().paint(*args, **kwargs)
            finally:
                del self.__dict__["_page_box"]

    monkeypatch.setattr(weasyprint.document, "Page", RenamedPage)


REMOVALS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "css.properties.INHERITED": _without_inherited,
    "formatting_structure.boxes": _without_boxes_module,
    "Page._page_box": _without_page_box,
}


@pytest.fixture(scope="module")
def letters() -> list[Any]:
    return _batch(4) + LETTERS


@pytest.fixture(scope="module")
def whole(letters: list[Any]) -> list[bytes]:
    return LetterRenderer(processes=1, fast=False).render_batch(letters)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """amsplan's warnings (not WeasyPrint's own, about the CSS say)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("amsplan")
    ]


@pytest.mark.parametrize("internal", REMOVALS)
def test_a_missing_internal_means_whole_letters_and_one_warning(
    internal: str,
    letters: list[Any],
    whole: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    REMOVALS[internal](monkeypatch)
    renderer = LetterRenderer(processes=1)
    with caplog.at_level(logging.WARNING):
        pdfs = renderer.render_batch(letters)
        again = renderer.render_batch(letters[:3])
    assert renderer.stats.fast == 0 and renderer.fast is False
    assert [_text(pdf) for pdf in pdfs] == [_text(pdf) for pdf in whole]
    assert pdfs == whole  # the very letters the slow path makes
    assert [_text(pdf) for pdf in again] == [_text(pdf) for pdf in whole[:3]]
    (warning,) = _warnings(caplog)
    assert "fast path" in warning and "whole letters" in warning
    for letter in letters:  # no customer data in it
        for value in (letter.customer_name, letter.order_no, letter.street, letter.booking_code):
            assert value not in warning


def test_the_fast_path_works_with_every_internal_in_place(
    letters: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    renderer = LetterRenderer(processes=1)
    with caplog.at_level(logging.WARNING):
        renderer.render_batch(letters)
    assert renderer.stats.fast > 0 and renderer.fast is True
    assert _warnings(caplog) == []


def test_with_workers_the_warning_is_given_once(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The workers are fresh processes with WeasyPrint intact: this process finds the
    # internal missing before it starts them, and they are told to lay out whole letters.
    _without_inherited(monkeypatch)
    monkeypatch.setattr(render, "PARALLEL_MIN_LETTERS", 8)  # small batches: quicker
    letters = _batch(10)
    alone = LetterRenderer(processes=1, fast=False).render_batch(letters)
    with LetterRenderer(processes=2, chunk_size=2, overlay_chunk_size=2) as renderer:
        with caplog.at_level(logging.WARNING):
            renderer.render_batch(letters)
            assert renderer.workers_ready(timeout=120)
            pdfs = renderer.render_batch(letters)
        assert renderer.stats.workers > 0
    assert [_text(pdf) for pdf in pdfs] == [_text(pdf) for pdf in alone]
    assert len(_warnings(caplog)) == 1
    assert "fast path" not in capfd.readouterr().err  # nothing from the workers
