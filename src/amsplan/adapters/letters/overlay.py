"""The fast path: one background page per batch, each letter's slots laid out over it.

Most of a letter is the same for every customer. The letter is laid out ONCE with every
customer-specific slot hidden: the background, one for each set of STATIC_FIELDS (the
company fields and the letter date, the same for a whole batch). Where each slot is gets
measured; then, for a chunk of letters, only the slots of each letter are laid out,
absolutely positioned on an otherwise empty page: the overlays, little text and cheap to
lay out. Each letter's PDF is the background page with its overlay page drawn over it
(``compose``: two Form XObjects; no content stream is parsed or rewritten).

Nothing is taken on trust. The background must be one page and must not show any of the
made-up values its hidden slots were laid out with (else the template prints customer data
outside its slots). On every overlay page each slot must be where it is in the background,
have the same computed text style (for it and every element inside it) and hold all its
lines inside its box. A letter that fails (a very long address) gets None here and is laid
out whole by the caller, the slow way, with slots that grow; so is every letter of a
template without slots (an override made from an older template) or that fails the
background check (``build_background`` gives None). Nothing is cut off.

To measure, this module reads WeasyPrint internals: the page boxes (``Page._page_box``),
the box classes (``weasyprint.formatting_structure.boxes``), the computed styles and the
list of inherited properties (``weasyprint.css.properties.INHERITED``). Every such read
happens inside ``_internals``: if one fails (a WeasyPrint release changed them), it raises
FastPathUnavailable, and the caller lays out whole letters instead.

What this module must not do: read WeasyPrint internals outside ``_internals``; print a
letter whose slots it has not checked; cache anything (the caller keeps the backgrounds).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any

from amsplan.adapters.letters import direct
from amsplan.adapters.letters.compose import (
    PageSource,
    compose_page,
    first_free_number,
    overlay_page,
)
from amsplan.adapters.letters.direct import Element, RunStyle, SlotSpec, Unfit
from amsplan.adapters.letters.fonts import PANGO_SCALE, EmbeddedFont, FontFace
from amsplan.adapters.letters.layout import Layout, page_ranges
from amsplan.adapters.letters.template import LetterData, pdf_title

__all__ = [
    "Background",
    "DirectPath",
    "FastPathUnavailable",
    "build_background",
    "render_direct",
    "render_overlays",
]

LOGGER = logging.getLogger(__name__)

# The background is laid out with these values in the (hidden) slots. They are of usual
# lengths (a slot without a fixed size, as the reply text, takes their size: a booking code
# is always 9 characters of a monospace font) and easy to spot: if one of them shows up
# in the background's text, the template prints customer data outside its slots.
_MARK = "qzx"
_SENTINEL_YEAR = 1901


def _sentinel(letter: LetterData) -> LetterData:
    """``letter`` with every customer field made up (the company fields kept)."""
    return replace(
        letter,
        order_no="QZX-2026-0000001",
        customer_name="Qzxkari Qzxnordmann",
        street="Qzxstorgata 10",
        postcode="QZX0",
        city="QZXBY",
        meter_point_id="QZX707057500000000",
        meter_number="QZX10000000",
        start=datetime(_SENTINEL_YEAR, 1, 1, 10, 0),
        end=datetime(_SENTINEL_YEAR, 1, 1, 11, 0),
        technician_name="Qzxola Qzxmontør",
        booking_code="QZXQ-ZXQZ",
    )


# How far text may reach past its slot's box (CSS px), the same for both fast ways.
_FIT_SLACK = direct.FIT_SLACK

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

Box = tuple[float, float, float, float]  # x, y, width, height (CSS px)


class FastPathUnavailable(RuntimeError):
    """A WeasyPrint internal the fast path reads failed: lay out whole letters instead.

    The message names the step and the kind of error only (never box text: customer data).
    """

    def __init__(self, step: str, error: BaseException):
        super().__init__(f"{type(error).__name__} while {step}")
        self.step = step


@contextlib.contextmanager
def _internals(step: str) -> Iterator[None]:
    """Reading WeasyPrint internals: any failure becomes FastPathUnavailable."""
    try:
        yield
    except FastPathUnavailable:
        raise
    except Exception as exc:
        raise FastPathUnavailable(step, exc) from exc


@dataclass
class DirectPath:
    """What the direct path needs of a background: each slot and the fonts they use."""

    slots: dict[str, SlotSpec]
    faces: list[FontFace]
    language: str
    first_font_number: int  # the objects of font k are numbered from here + 5 k
    #: The background as a form, without the fonts the letters' text shares with it
    #: (their objects are written with the letter's subset of each).
    background_form: tuple[bytes, tuple[int, ...]] = (b"", ())


@dataclass
class Background:
    """One background page and where its slots are."""

    source: PageSource
    form: tuple[bytes, tuple[int, ...]]
    css: Any  # weasyprint.CSS placing each slot in the overlay
    style_keys: tuple[str, ...]  # the computed style properties compared
    signatures: dict[str, tuple[Any, ...]]  # slot name -> computed style of its elements
    boxes: dict[str, Box]  # slot name -> x, y, width, height on the page
    direct: DirectPath | None = None  # None: letters are laid out by WeasyPrint
    why_not_direct: str = ""


def build_background(layout: Layout, letter: LetterData) -> Background | None:
    """The background for the company fields of ``letter`` (None: no fast path).

    Raises FastPathUnavailable if the WeasyPrint internals cannot be read.
    """
    from pypdf import PdfReader

    template = layout.template
    document = layout.document(template.html([_sentinel(letter)], mode="background"))
    if len(document.pages) != 1:
        _no_fast_path(layout, "the letter does not fit on one page")
        return None
    with _internals("reading the background's page boxes"):
        page_box = document.pages[0]._page_box
        slots = _slot_boxes(page_box)
        if not slots:
            return None  # a template without slots: the slow path, quietly
        keys = _style_keys()
        origin_x, origin_y = page_box.content_box_x(), page_box.content_box_y()
        boxes: dict[str, Box] = {
            name: (box.content_box_x(), box.content_box_y(), box.width, box.height)
            for name, box in slots.items()
        }
        signatures = {name: _signature(box, keys) for name, box in slots.items()}
    pdf = document.write_pdf()
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    if _MARK in text.casefold() or str(_SENTINEL_YEAR) in text:
        _no_fast_path(layout, "it prints customer data outside its slots")
        return None
    if not all(_SLOT_NAME.fullmatch(name) for name in slots):
        _no_fast_path(layout, "a slot name is not made of letters, digits, - and _")
        return None
    # Each slot where it is in the background: one stylesheet, parsed once (inline
    # styles would be parsed again for every letter).
    rules = []
    for name, (x, y, width, height) in boxes.items():
        rules.append(
            f".overlay > .slot-{name} {{ position: absolute !important; "
            f"left: {x - origin_x:.3f}px !important; top: {y - origin_y:.3f}px !important; "
            f"width: {width:.3f}px !important; height: {height:.3f}px !important; "
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
    source = PageSource(pdf, offset=first_free_number())
    background = Background(
        source=source,
        form=source.form(0),
        css=layout.stylesheet("\n".join(rules)),
        style_keys=keys,
        signatures=signatures,
        boxes=boxes,
    )
    sentinel = _sentinel(letter)
    with _internals("reading the slots for the direct path"):
        try:
            background.direct = _direct_path(layout, slots, sentinel, source, background.form)
        except Unfit as exc:
            background.why_not_direct = exc.reason
            LOGGER.info(
                "letter template %s: no direct path (%s); slots laid out by WeasyPrint",
                layout.template.template_path,
                exc.reason,
            )
    return background


def _no_fast_path(layout: Layout, why: str) -> None:
    LOGGER.warning(
        "letter template %s: %s; rendering whole letters (slower)",
        layout.template.template_path,
        why,
    )


def render_overlays(
    layout: Layout, background: Background, letters: Sequence[LetterData]
) -> list[bytes | None]:
    """Each letter as background + overlay; None where its slots do not fit.

    Raises FastPathUnavailable if the WeasyPrint internals cannot be read.
    """
    html = layout.template.html(letters, mode="overlay", slots=list(background.signatures))
    document = layout.document(html, background.css)
    ranges = page_ranges(document, len(letters))
    if ranges is None or any(len(pages) != 1 for pages in ranges):
        return [None] * len(letters)
    with _internals("checking the overlay pages"):
        misfits = [_misfit(document.pages[pages[0]]._page_box, background) for pages in ranges]
    fits = []
    for letter, misfit in zip(letters, misfits, strict=True):
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
                title=pdf_title(letter),
                producer=layout.producer,
            )
        )
    return out


def render_direct(
    layout: Layout, background: Background, letters: Sequence[LetterData]
) -> list[bytes | str]:
    """Each letter's PDF, its slots written directly; or why not (a reason, no user data)."""
    path = background.direct
    assert path is not None
    html = layout.template.html(letters, mode="overlay", slots=list(background.signatures))
    parsed = direct.parse_overlay(html)
    if len(parsed) != len(letters):
        return ["markup"] * len(letters)
    media_box = background.source.media_box(0)
    out: list[bytes | str] = []
    for letter, slots in zip(letters, parsed, strict=True):
        try:
            lines = _direct_lines(path, slots)
        except Unfit as exc:
            out.append(exc.reason)
            continue
        except Exception as exc:  # a bug here must not cost the batch: the slow way
            LOGGER.warning(
                "letters: the direct path failed (%s); laid out instead", type(exc).__name__
            )
            out.append(f"error in the direct path ({type(exc).__name__})")
            continue
        used: dict[int, dict[int, str]] = {
            face: {} for face, font in enumerate(path.faces) if font.shared is not None
        }
        for line in lines:
            for piece in line.pieces:
                glyphs = used.setdefault(piece.style.face, {})
                for (gid, *_geometry), text in zip(piece.glyphs, piece.texts, strict=True):
                    if text or gid not in glyphs:
                        glyphs.setdefault(gid, text)
        fonts: dict[int, EmbeddedFont] = {
            face: path.faces[face].embed(glyphs) for face, glyphs in used.items()
        }
        firsts = {face: path.first_font_number + 5 * face for face in fonts}
        objects = [obj for face, font in fonts.items() for obj in font.objects(firsts[face])]
        numbers = {face: font.font_number(firsts[face]) for face, font in fonts.items()}
        out.append(
            overlay_page(
                background.source,
                path.background_form,
                direct.form(lines, media_box, fonts, numbers),
                objects,
                title=pdf_title(letter),
                producer=layout.producer,
            )
        )
    return out


def _direct_lines(path: DirectPath, slots: dict[str, direct.Node]) -> list[direct.Line]:
    if slots.keys() != path.slots.keys():
        raise Unfit("markup")
    lines: list[direct.Line] = []
    for name, spec in path.slots.items():
        lines += direct.layout_slot(spec, slots[name], path.faces, path.language)
    return lines


# -- the direct path's view of the background (WeasyPrint internals) ---------------------

_SUPPORTED_WHITE_SPACE = {"normal", "nowrap", "pre-line"}
_ALIGN = {"start": "left", "left": "left", "center": "center", "end": "right", "right": "right"}
_NORMAL = {
    "font_variant_ligatures": "normal",
    "font_variant_position": "normal",
    "font_variant_caps": "normal",
    "font_variant_numeric": "normal",
    "font_variant_alternates": "normal",
    "font_variant_east_asian": "normal",
    "font_feature_settings": "normal",
    "font_variation_settings": "normal",
    "font_language_override": "normal",
    "text_transform": "none",
    "text_decoration_line": "none",
    "direction": "ltr",
    "unicode_bidi": "normal",
    "font_kerning": "auto",
    "float": "none",
}


def _direct_path(
    layout: Layout,
    slots: dict[str, Any],
    sentinel: LetterData,
    source: PageSource,
    form: tuple[bytes, tuple[int, ...]],
) -> DirectPath:
    """The slots as the direct path sees them, checked against WeasyPrint's own layout of
    the background's made-up slot text. Raises Unfit where the direct path cannot follow."""
    faces: list[FontFace] = []
    by_font: dict[tuple[bytes, int], int] = {}
    specs: dict[str, SlotSpec] = {}
    language = ""
    for name, slot in slots.items():
        elements = [_element(box, box is slot, faces, by_font) for box in _element_boxes(slot)]
        language = language or (slot.style["lang"] or "")
        specs[name] = SlotSpec(
            name,
            slot.content_box_x(),
            slot.content_box_y(),
            slot.width,
            slot.height,
            tuple(elements),
        )
    path = DirectPath(specs, faces, language, source.offset + source.size, form)
    html = layout.template.html([sentinel], mode="overlay", slots=list(slots))
    parsed = direct.parse_overlay(html)
    if len(parsed) != 1:
        raise Unfit("the overlay markup has no letter")
    for name, slot in slots.items():
        ours = [
            (piece.text, piece.x, piece.baseline, piece.width)
            for line in direct.layout_slot(specs[name], parsed[0][name], faces, language)
            for piece in line.pieces
            if piece.text.strip()
        ]
        theirs = [
            (box.text, box.position_x, box.position_y + box.baseline, box.width)
            for box in _boxes(slot)
            if _is_text(box) and box.text.strip()
        ]
        if len(ours) != len(theirs) or any(
            a[0] != b[0] or any(abs(x - y) > 0.01 for x, y in zip(a[1:], b[1:], strict=True))
            for a, b in zip(ours, theirs, strict=True)
        ):
            raise Unfit(f"slot {name} is not laid out as WeasyPrint lays it out")
    path.background_form = _share_fonts(faces, source, form)
    return path


def _share_fonts(
    faces: list[FontFace], source: PageSource, form: tuple[bytes, tuple[int, ...]]
) -> tuple[bytes, tuple[int, ...]]:
    """Each face the background also uses becomes one font for the background and the
    letter's text (``FontFace.share``); the background form without those fonts."""
    replaced: set[int] = set()
    for subset in source.font_subsets(0):
        name = subset.base_name.partition("+")[2]
        face = next((f for f in faces if name in f.pdf_names and f.shared is None), None)
        if face is None or not subset.identity:
            continue
        face.share(subset.widths, subset.texts, subset.number + source.offset)
        replaced.update(subset.objects)
    form_bytes, needed = form
    return form_bytes, tuple(n for n in needed if n not in replaced)


def _css(value: Any) -> str:
    """A computed value as CSS spells it (a set of keywords: space-separated)."""
    if isinstance(value, (set, frozenset, tuple, list)):
        return " ".join(sorted(str(v) for v in value))
    return str(value)


def _is_text(box: Any) -> bool:
    from weasyprint.formatting_structure.boxes import TextBox

    return isinstance(box, TextBox)


def _element(
    box: Any,
    is_slot: bool,
    faces: list[FontFace],
    by_font: dict[tuple[bytes, int], int],
) -> Element:
    from weasyprint.formatting_structure.boxes import BlockBox, InlineBox

    style = box.style
    for key, value in _NORMAL.items():
        if str(style[key]) != value:
            raise Unfit(f"{key.replace('_', '-')}: {_css(style[key])}")
    if style["white_space"] not in _SUPPORTED_WHITE_SPACE:
        raise Unfit(f"white-space: {style['white_space']}")
    align = _ALIGN.get(style["text_align_all"])
    if align is None:
        raise Unfit(f"text-align: {style['text_align_all']}")
    if style["word_spacing"] or style["hyphens"] == "auto" or style["opacity"] != 1:
        raise Unfit("word-spacing, hyphens or opacity")
    # What the direct path does not draw. (Visibility: the background's slots are hidden,
    # so it is read as set on the element itself, not as inherited.)
    if not is_slot and "visibility" in getattr(style, "cascaded", {}):
        raise Unfit("visibility inside a slot")
    *_channels, background_alpha = style["background_color"]
    if background_alpha or any(image[0] != "none" for image in style["background_image"]):
        raise Unfit("a background inside a slot")
    if style["box_shadow"] not in ((), "none") or style["outline_style"] != "none":
        raise Unfit("box-shadow or outline inside a slot")
    if style["text_indent"].value or style["tab_size"] != 8:
        raise Unfit("text-indent or tab-size")
    block = isinstance(box, BlockBox) or is_slot
    if not is_slot:
        if not isinstance(box, (BlockBox, InlineBox)) or style["position"] != "static":
            raise Unfit(f"a {box.element_tag} that is not a plain block or inline")
        sides = ("top", "right", "bottom", "left")
        if any(
            getattr(box, f"padding_{side}") or getattr(box, f"border_{side}_width")
            for side in sides
        ):
            raise Unfit("padding or border inside a slot")
        margins = [style[f"margin_{side}"] for side in sides]
        if any(getattr(m, "value", m) != 0 for m in margins[1::2]) or (
            not block and any(getattr(m, "value", m) != 0 for m in margins[::2])
        ):
            raise Unfit("side margins inside a slot")
        if not block and style["vertical_align"] != "baseline":
            raise Unfit("vertical-align inside a slot")
    return Element(
        tag=box.element_tag,
        block=block,
        attrs=tuple(sorted((str(k), str(v or "")) for k, v in box.element.items())),
        style=_run_style(style, faces, by_font),
        margin_top=0.0 if is_slot else box.margin_top,
        margin_bottom=0.0 if is_slot else box.margin_bottom,
        align=align,
        white_space=style["white_space"],
    )


def _run_style(
    style: Any, faces: list[FontFace], by_font: dict[tuple[bytes, int], int]
) -> RunStyle:
    from weasyprint.text.ffi import ffi, harfbuzz, pango
    from weasyprint.text.fonts import get_hb_object_data, get_pango_font_hb_face, get_pango_font_key
    from weasyprint.text.line_break import Layout as TextLayout
    from weasyprint.text.line_break import strut

    text_layout = TextLayout(style)
    text_layout.set_text("x")
    line, _ = text_layout.get_first_line()
    run = line.runs
    glyph_item = ffi.cast("PangoGlyphItem *", run.data)
    pango_font = glyph_item.item.analysis.font
    _key, _description, size = get_pango_font_key(pango_font)  # size and gravity unset
    hb_face = get_pango_font_hb_face(pango_font)
    data = get_hb_object_data(hb_face)
    index = harfbuzz.hb_face_get_index(hb_face)
    key = (bytes(data), index)
    face = by_font.get(key)
    if face is None:
        candidate = FontFace(bytes(data), index)
        if not candidate.embeddable:
            raise Unfit("a font that is not TrueType (glyf) or is variable")
        face = by_font[key] = len(faces)
        faces.append(candidate)
    # The name WeasyPrint writes for this font (weasyprint.pdf.fonts.Font.name).
    described = ffi.string(pango.pango_font_description_to_string(_description)).decode()
    faces[face].pdf_names.add(re.split(" [#@]", described)[0].replace(" ", "-"))
    *channels, alpha = style["color"]
    if alpha != 1 or style["color"].space != "srgb":
        raise Unfit("a colour that is not opaque sRGB")
    color = tuple(float(c) for c in style["color"].to("srgb").coordinates)
    spacing = style["letter_spacing"]
    line_height, baseline = strut(style)
    return RunStyle(
        face=face,
        size=round(size * PANGO_SCALE),
        color=(color[0], color[1], color[2]),
        spacing=0 if spacing == "normal" else int(spacing * PANGO_SCALE),
        line_height=line_height,
        baseline=baseline,
    )


# -- the checks (WeasyPrint internals: only called inside _internals) -------------------


def _boxes(box: Any) -> Iterator[Any]:
    """A box and all its descendants, absolutely positioned ones included (pre-order)."""
    stack = [box]
    while stack:
        item = stack.pop()
        item = getattr(item, "_box", item)  # an AbsolutePlaceholder: the box it holds
        yield item
        children = getattr(item, "children", None)
        if children:
            stack.extend(reversed(children))


def _element_boxes(slot: Any) -> Iterator[Any]:
    """The first box of the slot's element and of each element inside it, in order."""
    seen: set[int] = set()
    for box in _boxes(slot):
        element = getattr(box, "element", None)
        if element is not None and id(element) not in seen:
            seen.add(id(element))
            yield box


def _slot_boxes(page_box: Any) -> dict[str, Any]:
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


def _text_outside_slots(page_box: Any) -> bool:
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


def _style_keys() -> tuple[str, ...]:
    from weasyprint.css.properties import INHERITED

    return tuple(sorted(INHERITED - _NOT_TEXT))


def _signature(slot: Any, keys: Sequence[str]) -> tuple[Any, ...]:
    """The computed text style of a slot and of each element inside it, in order.

    The slot's own tag is left out: in the overlay every slot is a div.
    """
    out: list[tuple[str, tuple[Any, ...]]] = []
    for box in _element_boxes(slot):
        tag = box.element_tag if out else ""
        style = box.style
        out.append((tag, tuple([style[k] for k in keys])))
    return tuple(out)


def _misfit(page_box: Any, background: Background) -> str | None:
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
        if _signature(slot, background.style_keys) != background.signatures[name]:
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
