"""The direct path: each customer's slot text shaped with HarfBuzz and written straight
into the letter's PDF, over the background, with no layout engine per letter.

The background (``overlay``) is laid out by WeasyPrint once per batch; from its boxes
``overlay`` reads, for every slot, where it is and, for the slot and each element inside
it, the computed style that decides how text looks (font file, size, colour, letter
spacing, line height, alignment, white space, margins): a ``SlotSpec``. Here, for each
letter, the slot markup the template renders (its overlay HTML) is parsed, white space is
processed as CSS does, each run of text is shaped (``fonts``), lines are broken at spaces
where they no longer fit and placed as WeasyPrint places them (each line as high as the
struts of the fonts on it, margins between blocks collapsed), and the glyphs are written
as PDF text (``content``) — with the fonts' subsets, that is the letter's overlay.

Where this path could differ from WeasyPrint, a letter goes another way (``Unfit``,
with the reason counted by the renderer) when its markup is not the background's, a
character is missing from the font or is one this path does not handle (right-to-left
scripts, control and format characters), a line must break inside a word or next to a
character where the Unicode line-breaking rules might allow a break this path does not
make, or the text does not fit its slot. ``overlay.build_background`` also lays out the
background's own made-up slot text through this path and compares every line with
WeasyPrint's boxes; a template where they differ does not get the direct path at all.

What this module must not do: import WeasyPrint, read its boxes (``overlay`` does), or
print text outside its slot's box.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser

from amsplan.adapters.letters.fonts import PANGO_SCALE, EmbeddedFont, FontFace

__all__ = [
    "Element",
    "Line",
    "Node",
    "Piece",
    "RunStyle",
    "SlotSpec",
    "Unfit",
    "content",
    "layout_slot",
    "parse_overlay",
]

#: How far text may reach past its slot's box (CSS px; WeasyPrint lays out in px, a CSS
#: point is 4/3 px; 0.5 px is 0.13 mm).
FIT_SLACK = 0.5

# Characters after which, or before which, Unicode line breaking (UAX #14, what Pango
# follows) never breaks inside a word: letters, marks, digits and apostrophes. A line that
# has to break before a word holding anything else goes another way (Pango might break
# inside that word: after a hyphen or a slash, say).
_SAFE_IN_WORD = {"L", "M", "N"}
_SAFE_PUNCTUATION = "'’"
_OPENING = "([{«“‘\"'+"  # "+" before digits: a number ("+4740001234")
_CLOSING = ".,:;!?)]}»”’\"'"
_NO_BREAK_BEFORE = ",.:;!?)]}/»”’"
_NO_BREAK_AFTER = "([{«“‘"
_QUOTES = "\"'«»“”‘’"
_BIDI_RTL = {"R", "AL", "AN", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "FSI", "PDF", "PDI"}
_SPACE_CHARS = " \t\n"  # after CR and CR LF became LF, as an HTML parser does


class Unfit(Exception):
    """This letter's slot cannot be printed directly; ``reason`` says why (no user data)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RunStyle:
    """How a run of text looks: everything that moves or changes a glyph."""

    face: int  # index into the background's fonts
    size: int  # Pango units
    color: tuple[float, float, float]
    spacing: int  # letter spacing, Pango units (0: none)
    line_height: float  # the strut's height, px
    baseline: float  # the strut's baseline below its top, px


@dataclass(frozen=True)
class Element:
    """One element of a slot (in document order), as the background laid it out."""

    tag: str
    block: bool
    style: RunStyle
    attrs: tuple[tuple[str, str], ...] = ()  # sorted: what a style may depend on
    margin_top: float = 0.0
    margin_bottom: float = 0.0
    align: str = "left"  # left, center or right
    white_space: str = "normal"  # normal, pre-line or nowrap


@dataclass(frozen=True)
class SlotSpec:
    """A slot: its content box on the page (px) and its elements, the slot first."""

    name: str
    x: float
    y: float
    width: float
    height: float
    elements: tuple[Element, ...]


@dataclass
class Node:
    """An element of a letter's slot markup: its tag and its children (text or nodes)."""

    tag: str
    children: list[str | Node] = field(default_factory=list)
    attrs: tuple[tuple[str, str], ...] = ()  # sorted


@dataclass
class Piece:
    """Text of one style on one line, where it is drawn and its glyphs."""

    style: RunStyle
    x: float  # px, left of the first glyph's origin
    baseline: float  # px
    text: str
    width: float  # px, as WeasyPrint's text box
    #: Each glyph as Pango has it: id, width, x and y offset (Pango units; letter
    #: spacing included as Pango spreads it: half before a cluster, half after).
    glyphs: list[tuple[int, int, int, int]]
    texts: list[str]  # the text each glyph shows ("" for a second glyph of a cluster)


@dataclass
class Line:
    pieces: list[Piece]


# -- the markup ---------------------------------------------------------------------------


class _OverlayParser(HTMLParser):
    """The overlay HTML of a chunk: per letter (section), per slot (div[data-slot])."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.letters: list[dict[str, Node]] = []
        self._stack: list[Node] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.letters.append({})
            self._stack = []
            return
        node = Node(tag, attrs=_attrs(attrs))
        if not self._stack:
            name = dict(attrs).get("data-slot")
            if name is None or not self.letters:
                return
            self.letters[-1][name] = node
        else:
            self._stack[-1].children.append(node)
        if tag not in ("br", "img", "wbr", "hr", "input"):
            self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._stack:
            self._stack[-1].children.append(Node(tag, attrs=_attrs(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._stack = []
        elif self._stack and self._stack[-1].tag == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._stack[-1].children.append(data)


def _attrs(attrs: Sequence[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value or "") for name, value in attrs))


_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[^\s=>/]+(?:=\"[^\"<>]*\")?)*)\s*(/?)>|([^<]+)"
)
_ATTRIBUTE = re.compile(r'([^\s=>/]+)(?:="([^"<>]*)")?')
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)


def parse_overlay(html: str) -> list[dict[str, Node]]:
    """The slots of each letter of an overlay document: [{slot name: its root node}].

    The document is what the template renders (tags, attributes in double quotes, text
    escaped by Jinja): its body is read by a small tokenizer; anything else in it (a
    comment, a processing instruction, an unquoted attribute) is left to Python's HTML
    parser, which reads any HTML, slower."""
    parser = _OverlayParser()
    body = _BODY.search(html)
    if body is not None and _tokenize(body.group(1), parser):
        return parser.letters
    parser = _OverlayParser()
    parser.feed(html)
    parser.close()
    return parser.letters


def _tokenize(body: str, parser: _OverlayParser) -> bool:
    """Feed ``body`` to ``parser`` token by token; False if it holds anything else."""
    position = 0
    for match in _TOKEN.finditer(body):
        if match.start() != position:
            return False
        position = match.end()
        closing, tag, attributes, self_closing, text = match.groups()
        if text is not None:
            parser.handle_data(html_unescape(text))
        elif closing:
            parser.handle_endtag(tag.lower())
        else:
            attrs: list[tuple[str, str | None]] = [
                (name.lower(), None if value is None else html_unescape(value))
                for name, value in _ATTRIBUTE.findall(attributes)
            ]
            if self_closing:
                parser.handle_startendtag(tag.lower(), attrs)
            else:
                parser.handle_starttag(tag.lower(), attrs)
    return position == len(body)


# -- layout -------------------------------------------------------------------------------


@dataclass
class _Leaf:
    """A block's inline content: runs of (text, element), after white-space processing."""

    container: Element
    runs: list[tuple[str, Element]]
    margin: float  # collapsed margin above it, px


def _leaves(root: Node, elements: Sequence[Element]) -> list[_Leaf]:
    """The blocks with text in a slot, in order, each with the margin above it."""
    leaves: list[_Leaf] = []
    pending = 0.0
    index = 0

    def element(node: Node) -> Element:
        nonlocal index
        index += 1
        if index >= len(elements) or (elements[index].tag, elements[index].attrs) != (
            node.tag,
            node.attrs,
        ):
            raise Unfit("markup")  # another element, or other attributes (a class?)
        return elements[index]

    def inline(node: Node, own: Element, runs: list[tuple[str, Element]]) -> None:
        if not any(isinstance(c, Node) or c for c in node.children):
            raise Unfit("an empty inline element")  # WeasyPrint keeps its line height
        for child in node.children:
            if isinstance(child, str):
                runs.append((child, own))
                continue
            nested = element(child)
            if nested.block:
                raise Unfit("markup")
            inline(child, nested, runs)

    def block(node: Node, own: Element) -> None:
        nonlocal pending
        runs: list[tuple[str, Element]] = []
        for child in node.children:
            if isinstance(child, str):
                runs.append((child, own))
                continue
            nested = element(child)
            if nested.block:
                flush(runs, own)
                runs = []
                pending = max(pending, nested.margin_top)
                block(child, nested)
                pending = max(pending, nested.margin_bottom)
            else:
                inline(child, nested, runs)
        flush(runs, own)

    def flush(runs: list[tuple[str, Element]], container: Element) -> None:
        nonlocal pending
        processed = _white_space(runs, container.white_space)
        if processed:
            leaves.append(_Leaf(container, processed, pending))
            pending = 0.0

    block(root, elements[0])
    if index != len(elements) - 1:
        raise Unfit("markup")
    return leaves


def _white_space(runs: list[tuple[str, Element]], mode: str) -> list[tuple[str, Element]]:
    """Runs with white space processed as CSS does (normal, nowrap, pre-line)."""
    out: list[tuple[str, Element]] = []
    space = True  # at the start of a block, white space goes
    for text, element in runs:
        if element.white_space != mode:
            raise Unfit("markup")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        chars: list[str] = []
        for char in text:
            if char == "\n" and mode == "pre-line":
                while chars and chars[-1] == " ":
                    chars.pop()
                if not chars and out and out[-1][0].endswith(" "):
                    out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
                chars.append("\n")
                space = True
            elif char in _SPACE_CHARS:
                if not space:
                    chars.append(" ")
                    space = True
            else:
                chars.append(char)
                space = False
        if chars:
            out.append(("".join(chars), element))
    return [(text, element) for text, element in out if text]


def _checked(text: str, face: FontFace) -> None:
    """Raises Unfit for a character this path does not print."""
    scripts: set[str] = set()
    if text and unicodedata.category(text[0])[0] == "M":
        raise Unfit("a mark without a letter")  # HarfBuzz would draw a dotted circle
    for char in text:
        if char == " " or char == "\n":
            continue
        category = unicodedata.category(char)
        if category[0] in "CZ" and char != "\u00a0":
            raise Unfit("a control or format character")  # also line/paragraph separators
        if unicodedata.bidirectional(char) in _BIDI_RTL:
            raise Unfit("right-to-left text")
        if category[0] == "L" and ord(char) > 0x7F:
            scripts.add(unicodedata.name(char, "?").split(" ", 1)[0])
        if category == "So" and ord(char) > 0x2000:
            # A symbol or an emoji: Pango may take it from another font (a colour emoji
            # font, where one is installed) even when this one has a glyph for it.
            raise Unfit("symbol or emoji")
        if not face.has(char):
            raise Unfit("character missing from the font")
    others = scripts - {"LATIN"}
    if len(others) > 1 or (others and ("LATIN" in scripts or _has_ascii_letter(text))):
        raise Unfit("mixed scripts")  # Pango shapes each script on its own


def _has_ascii_letter(text: str) -> bool:
    return any("a" <= c.lower() <= "z" for c in text)


@dataclass(frozen=True)
class _Shaped:
    """A text shaped at a size, with what line breaking needs (cached: texts repeat).

    Clusters and ends are character indexes into the text. Per character (and one past
    the end): the advances of the glyphs before it and how many clusters start before it,
    so the width of any part is two look-ups."""

    text: str
    glyphs: tuple[int, ...]
    clusters: tuple[int, ...]
    advances: tuple[int, ...]
    x_offsets: tuple[int, ...]
    y_offsets: tuple[int, ...]
    ends: tuple[int, ...]  # where each glyph's cluster text ends
    advance_before: tuple[int, ...]
    clusters_before: tuple[int, ...]


_CACHE_SIZE = 2048  # texts per face: the static ones repeat, names do not


def _shaped(face: FontFace, text: str, size: int, language: str) -> _Shaped:
    """``text`` shaped (raises Unfit for a character this path does not print); cached
    with the face (a batch repeats most of its texts; the cache goes with the renderer)."""
    key = (text, size, language)
    found = face.cache.get(key)
    if found is None:
        if len(face.cache) >= _CACHE_SIZE:
            face.cache.clear()
        try:
            found = _shape_text(face, text, size, language)
        except Unfit as exc:
            found = exc.reason
        face.cache[key] = found
    if isinstance(found, str):
        raise Unfit(found)
    return found


def _shape_text(face: FontFace, text: str, size: int, language: str) -> _Shaped:
    _checked(text, face)
    run = face.shape(text, size, language)
    if 0 in run.glyphs:
        raise Unfit("character missing from the font")
    clusters = run.clusters
    ends = [len(text)] * len(clusters)
    for i in range(len(clusters) - 2, -1, -1):
        ends[i] = clusters[i + 1] if clusters[i + 1] != clusters[i] else ends[i + 1]
    advance = [0] * (len(text) + 1)
    starts = [0] * (len(text) + 1)
    previous = None
    for cluster, width in zip(clusters, run.advances, strict=True):
        advance[cluster + 1] += width
        if cluster != previous:
            starts[cluster + 1] += 1
        previous = cluster
    for k in range(1, len(advance)):
        advance[k] += advance[k - 1]
        starts[k] += starts[k - 1]
    return _Shaped(
        text,
        run.glyphs,
        clusters,
        run.advances,
        run.x_offsets,
        run.y_offsets,
        tuple(ends),
        tuple(advance),
        tuple(starts),
    )


@dataclass
class _Run:
    """A shaped run of a leaf: where it starts in the leaf's text, and its glyphs."""

    start: int
    element: Element
    shaped: _Shaped | None  # None: a preserved line break
    face: FontFace | None = None
    language: str = ""


def _shape(leaf: _Leaf, faces: Sequence[FontFace], language: str) -> tuple[str, list[_Run]]:
    text = ""
    runs: list[_Run] = []
    for run_text, element in leaf.runs:
        style = element.style
        face = faces[style.face]
        parts = run_text.split("\n") if "\n" in run_text else [run_text]
        for i, part in enumerate(parts):
            if i:
                runs.append(_Run(len(text), element, None))
                text += "\n"
            if part:
                shaped = _shaped(face, part, style.size, language)
                runs.append(_Run(len(text), element, shaped, face, language))
                text += part
    return text, runs


def _overlaps(
    runs: Sequence[_Run], start: int, end: int
) -> Iterator[tuple[_Run, _Shaped, int, int]]:
    """Each run with text in the leaf's [start, end), and that part of it (a, b)."""
    for run in runs:
        shaped = run.shaped
        if shaped is None:
            continue
        a = max(start, run.start) - run.start
        b = min(end, run.start + len(shaped.text)) - run.start
        if a < b:
            yield run, shaped, a, b


def _pieces(runs: Sequence[_Run], start: int, end: int) -> list[Piece]:
    """The pieces of the leaf's text [start, end) on one line (x relative to the line)."""
    pieces: list[Piece] = []
    x = 0.0
    for run, shaped, a, b in _overlaps(runs, start, end):
        style = run.element.style
        if b < len(shaped.text) and shaped.text[b - 1] == "-":
            # A line that ends after a hyphen: shaped on its own (Pango shapes the line
            # again; the hyphen must not keep a kerning with the next line's letter).
            assert run.face is not None
            shaped = _shaped(run.face, shaped.text[a:b], style.size, run.language)
            a, b = 0, b - a
        spacing = style.spacing
        left = spacing // 2
        if spacing % PANGO_SCALE == 0:  # PANGO_UNITS_ROUND, as pango_glyph_item_letter_space
            left = (left + PANGO_SCALE // 2) & ~(PANGO_SCALE - 1)
        glyphs: list[list[int]] = []
        texts: list[str] = []
        previous = None
        text = shaped.text
        for i, cluster in enumerate(shaped.clusters):
            if not a <= cluster < b:
                continue
            glyph = [shaped.glyphs[i], shaped.advances[i], shaped.x_offsets[i], shaped.y_offsets[i]]
            if cluster != previous:
                if glyphs and spacing:
                    glyphs[-1][1] += spacing - left
                    glyph[1] += left
                    glyph[2] += left
                texts.append(text[cluster : shaped.ends[i]])
            else:
                texts.append("")
            previous = cluster
            glyphs.append(glyph)
        width = sum(g[1] for g in glyphs) / PANGO_SCALE + spacing / PANGO_SCALE
        pieces.append(
            Piece(
                style,
                x,
                0.0,
                text[a:b],
                width,
                [(g[0], g[1], g[2], g[3]) for g in glyphs],
                texts,
            )
        )
        x += width
    return pieces


def _width(runs: Sequence[_Run], start: int, end: int) -> float:
    """The width of the pieces of [start, end) (as ``_pieces`` gives them), quickly."""
    total = 0.0
    for run, shaped, a, b in _overlaps(runs, start, end):
        total += (shaped.advance_before[b] - shaped.advance_before[a]) / PANGO_SCALE
        spacing = run.element.style.spacing
        if spacing:
            total += spacing * (shaped.clusters_before[b] - shaped.clusters_before[a]) / PANGO_SCALE
    return total


def _unsafe_word(word: str) -> bool:
    """Whether UAX #14 might allow a break inside ``word`` that this path does not make.

    Opening punctuation at its start and closing punctuation at its end never allow one
    there ("(Kari", "KONTAKT,": no break after "(" or before ","): they are left out."""
    word = word.lstrip(_OPENING).rstrip(_CLOSING)
    return any(
        unicodedata.category(c)[0] not in _SAFE_IN_WORD and c not in _SAFE_PUNCTUATION for c in word
    )


def _break_lines(
    text: str, runs: Sequence[_Run], width: float, wrap: bool
) -> list[tuple[int, int]]:
    """Where each line of a leaf starts and ends ([start, end), trailing spaces left out)."""
    lines: list[tuple[int, int]] = []
    for para_start, para_end in _paragraphs(text):
        whole = para_end
        while whole > para_start and text[whole - 1] == " ":
            whole -= 1
        if not wrap or _width(runs, para_start, whole) <= width + 1e-6:
            lines.append((para_start, whole))  # one line: no break to place (most slots)
            continue
        # Break opportunities: after each space (the space stays on the line), and after
        # a hyphen between two letters ("e-posten": UAX #14 breaks after it).
        opportunities = [i + 1 for i in range(para_start, para_end) if _opportunity_after(text, i)]
        if not opportunities or opportunities[-1] != para_end:
            opportunities.append(para_end)
        start = para_start
        while start < para_end:
            stops = [stop for stop in opportunities if stop > start]
            end = None
            for i, stop in enumerate(stops):
                trimmed = stop
                while trimmed > start and text[trimmed - 1] == " ":
                    trimmed -= 1
                if text[trimmed - 1 : trimmed] == "-":  # shaped on its own: see _pieces
                    used = sum(piece.width for piece in _pieces(runs, start, trimmed))
                else:
                    used = _width(runs, start, trimmed)
                if not wrap or used <= width + 1e-6:
                    end = stop
                    continue
                if end is None:
                    raise Unfit("a word wider than its slot")
                # The word that did not fit: Pango could break inside it (but not after
                # a hyphen it ends with: that is a break this path makes too).
                word = text[end : stops[i]].strip(" ")
                if word.endswith("-") and _opportunity_after(text, stops[i] - 1):
                    word = word[:-1]
                if _unsafe_word(word):
                    raise Unfit("a line break this path cannot place")
                break
            assert end is not None
            trimmed = end
            while trimmed > start and text[trimmed - 1] == " ":
                trimmed -= 1
            lines.append((start, trimmed))
            start = end
    return lines


def _opportunity_after(text: str, i: int) -> bool:
    """Whether a line may break after ``text[i]``, as UAX #14 has it for the cases this
    path makes: after a run of spaces (not before closing punctuation or a slash, not
    after opening punctuation: LB13-LB15), and after a hyphen between two letters."""
    char = text[i]
    if char == " ":
        if i + 1 >= len(text) or text[i + 1] == " ":
            return i + 1 >= len(text)
        following = text[i + 1]
        if following in _NO_BREAK_BEFORE or unicodedata.category(following) in ("Pe", "Pf"):
            return False
        before = text[:i].rstrip(" ")[-1:]
        if before and (before in _NO_BREAK_AFTER or unicodedata.category(before) in ("Ps", "Pi")):
            return False
        return not (before in _QUOTES and following == "(")
    return (
        char == "-"
        and 0 < i < len(text) - 1
        and unicodedata.category(text[i - 1])[0] == "L"
        and unicodedata.category(text[i + 1])[0] == "L"
    )


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for i, char in enumerate(text):
        if char == "\n":
            out.append((start, i))
            start = i + 1
    out.append((start, len(text)))
    return out


def layout_slot(
    spec: SlotSpec, root: Node, faces: Sequence[FontFace], language: str = ""
) -> list[Line]:
    """The lines of a slot for one letter, placed on the page. Raises Unfit."""
    lines: list[Line] = []
    y = spec.y
    for leaf in _leaves(root, spec.elements):
        text, runs = _shape(leaf, faces, language)
        y += leaf.margin
        container = leaf.container
        wrap = container.white_space != "nowrap"
        for start, end in _break_lines(text, runs, spec.width, wrap):
            pieces = _pieces(runs, start, end)
            struts = [container.style] + [p.style for p in pieces]
            above = max(s.baseline for s in struts)
            below = max(s.line_height - s.baseline for s in struts)
            used = sum(p.width for p in pieces)
            if container.align == "center":
                x0 = spec.x + (spec.width - used) / 2
            elif container.align == "right":
                x0 = spec.x + spec.width - used
            else:
                x0 = spec.x
            for piece in pieces:
                piece.x += x0
                piece.baseline = y + above
                if piece.x < spec.x - FIT_SLACK or (
                    piece.x + piece.width > spec.x + spec.width + FIT_SLACK
                ):
                    raise Unfit("text wider than its slot")
            y += above + below
            lines.append(Line(pieces))
    if y > spec.y + spec.height + FIT_SLACK:
        raise Unfit("text taller than its slot")
    return lines


# -- PDF ----------------------------------------------------------------------------------


def _number(value: float) -> bytes:
    """A number as WeasyPrint (pydyf) writes it: six decimals, trailing zeros dropped."""
    text = f"{value:f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


def content(lines: Sequence[Line], page_height: float, fonts: dict[int, EmbeddedFont]) -> bytes:
    """The content stream drawing ``lines`` (px, y down) on a page ``page_height`` pt
    high; ``fonts``: face index -> its subset (resource name /F<face index>).

    Glyphs are placed as WeasyPrint places them (``weasyprint.draw.text``): each glyph's
    advance is its width in the font's /W array, then corrected towards Pango's position
    by a whole number of thousandths of the font size (WeasyPrint truncates the correction
    to an integer, so do we: else text drifts from WeasyPrint's by a fraction of a pixel
    along a line); an x offset is divided by the font size in px, a y offset by 1000, as
    there: the same numbers as WeasyPrint writes.
    """
    out = [b"q 0.75 0 0 -0.75 0 %s cm BT" % _number(page_height)]
    font_key: tuple[int, int] | None = None
    color: tuple[float, float, float] | None = None
    for line in lines:
        for piece in line.pieces:
            style = piece.style
            if not piece.glyphs:
                continue
            if style.color != color:
                color = style.color
                out.append(b"%s %s %s rg" % tuple(_number(c) for c in color))
            size = style.size / PANGO_SCALE
            if (style.face, style.size) != font_key:
                font_key = (style.face, style.size)
                out.append(b"/F%d %s Tf" % (style.face, _number(size)))
            codes = fonts[style.face].codes
            advance = fonts[style.face].widths.__getitem__
            ratio = 1000 / PANGO_SCALE / size
            out.append(b"1 0 0 -1 %s %s Tm" % (_number(piece.x), _number(piece.baseline)))
            array: list[bytes] = []
            for gid, width, x_offset, y_offset in piece.glyphs:
                code = codes[gid]
                offset = x_offset / size if x_offset else 0
                if y_offset:
                    if array:
                        out.append(b"[" + b"".join(array) + b"] TJ")
                        array = []
                    shift = b"%r" % -offset if offset else b""
                    out.append(b"%s Ts [%s%s] TJ 0 Ts" % (_number(-y_offset / 1000), shift, code))
                else:
                    if offset:
                        array.append(b" %r" % -offset)  # exactly as WeasyPrint
                    array.append(code)
                kerning = int(advance(gid) + offset - width * ratio)
                if kerning:
                    array.append(b" %d" % kerning)
            if array:
                out.append(b"[" + b"".join(array) + b"] TJ")
    out.append(b"ET Q")
    return b"\n".join(out)


def form(
    lines: Sequence[Line],
    media_box: tuple[float, float, float, float],
    fonts: dict[int, EmbeddedFont],
    font_numbers: dict[int, int],
) -> bytes:
    """The overlay as a Form XObject ("<< ... >> stream ... endstream")."""
    data = zlib.compress(content(lines, media_box[3] - media_box[1], fonts), 6)
    resources = b" ".join(b"/F%d %d 0 R" % (face, font_numbers[face]) for face in sorted(fonts))
    return (
        b"<</Type /XObject /Subtype /Form /BBox [%s] /Resources <</Font <<%s>>>>"
        b" /Filter /FlateDecode /Length %d>>\nstream\n%s\nendstream"
        % (b" ".join(_number(v) for v in media_box), resources, len(data), data)
    )
