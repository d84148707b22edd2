"""Fonts for the direct path: shaping with HarfBuzz and embedding subsets in a PDF.

A ``FontFace`` is one font file (the very bytes Pango chose when the background was laid
out, so the letters print in the font WeasyPrint used). It shapes text with HarfBuzz at a
size given in Pango units (1/1024 px: Pango rounds font sizes and positions to them, and
so must we to print every glyph where WeasyPrint would) and answers which characters it
has. ``embed`` turns the glyphs one letter uses into the PDF objects of a subset font
(Type 0 / CIDFontType2, Identity-H, glyph ids of the full font kept, with a ToUnicode map
so text can be copied and searched). A face the background also uses is ``share``d: one
font program for the background's text and the letter's (the background's own subset of
it is left out of the letter), with the background's widths and texts, under the
background's object number. Subsets are cached: the background's glyphs and those of
letters, digits and the commonest punctuation (the "base") are always in them, so most
letters of a batch share one subset byte for byte and pay nothing for subsetting; a letter
with other glyphs (a Sámi name, say) gets the base plus its own.

What this module must not do: read WeasyPrint (the caller hands over the font bytes), lay
out lines, or write anything but the font objects.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BASE_CHARS", "EmbeddedFont", "FontFace", "PANGO_SCALE", "ShapedRun"]

#: Pango's unit: 1/1024 of a CSS px.
PANGO_SCALE = 1024

#: Always in a subset: what nearly every Norwegian letter prints. Every glyph costs bytes
#: in every letter (about 50 each): letters, digits and the commonest punctuation only;
#: a letter that needs more gets a subset of its own (cached for the next such letter).
BASE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,-:ÆØÅæøå"

_SUBSET_CACHE_SIZE = 128
#: Tables a PDF viewer does not read from an embedded TrueType font (it gets the glyph
#: ids, widths and text from the PDF): left out of every subset, smaller and quicker.
_DROP_TABLES = (
    "BASE", "DSIG", "EBDT", "EBLC", "EBSC", "FFTM", "GDEF", "GPOS", "GSUB", "JSTF", "LTSH",
    "MATH", "PCLT", "STAT", "VDMX", "cmap", "gasp", "hdmx", "kern", "meta", "name", "post",
)  # fmt: skip


@dataclass(frozen=True)
class ShapedRun:
    """Glyphs of a text at one size: per glyph its id, cluster (index of its first
    character in the text), advance and offsets, all in Pango units."""

    glyphs: tuple[int, ...]
    clusters: tuple[int, ...]
    advances: tuple[int, ...]
    x_offsets: tuple[int, ...]
    y_offsets: tuple[int, ...]


class FontFace:
    """One font file (``data``, face ``index``) for shaping and embedding."""

    def __init__(self, data: bytes, index: int = 0):
        import uharfbuzz as hb

        self._hb = hb
        self.data = data
        self.index = index
        blob = hb.Blob(data)
        self.face = hb.Face(blob, index)
        self.upem = self.face.upem
        self._fonts: dict[int, Any] = {}
        #: For the caller: shaped texts of this face (``direct`` keeps its runs here, so
        #: they go when the renderer goes).
        self.cache: dict[Any, Any] = {}
        self._cmap = _cmap(self.face)
        tables = set(self.face.table_tags)
        #: TrueType outlines only (glyf): what CIDFontType2 embeds.
        self.embeddable = "glyf" in tables and "loca" in tables and "fvar" not in tables
        self._head = _head(self.face.reference_table("head").data)
        self._hhea = _hhea(self.face.reference_table("hhea").data)
        self._advances = _advances(
            self.face.reference_table("hmtx").data, self._hhea[2], self.face.glyph_count
        )
        self._widths = [round(a * 1000 / self.upem) for a in self._advances]
        self.ps_name = _ps_name(self.face) or "Font"
        self._subsets: OrderedDict[frozenset[tuple[int, str]], EmbeddedFont] = OrderedDict()
        self._base: dict[int, str] | None = None
        #: The background's subset of this font: its widths, texts and object number.
        self.shared: tuple[dict[int, int], dict[int, str], int] | None = None
        #: The names WeasyPrint gives this font in a PDF ("DejaVu-Sans-Bold").
        self.pdf_names: set[str] = set()
        self._digest = hashlib.sha256(data).hexdigest()[:16]

    # -- text ---------------------------------------------------------------------------

    def has(self, char: str) -> bool:
        return ord(char) in self._cmap

    def _font(self, size_units: int) -> Any:
        font = self._fonts.get(size_units)
        if font is None:
            font = self._hb.Font(self.face)
            font.scale = (size_units, size_units)
            self._fonts[size_units] = font
        return font

    def shape(self, text: str, size_units: int, language: str = "") -> ShapedRun:
        """``text`` shaped at a size (left to right; the script guessed from the text)."""
        hb = self._hb
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.direction = "ltr"
        if language:
            buffer.language = language
        hb.shape(self._font(size_units), buffer)
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        return ShapedRun(
            tuple(i.codepoint for i in infos),
            tuple(i.cluster for i in infos),
            tuple(p.x_advance for p in positions),
            tuple(p.x_offset for p in positions),
            tuple(p.y_offset for p in positions),
        )

    # -- embedding ----------------------------------------------------------------------

    def share(self, widths: Mapping[int, int], texts: Mapping[int, str], number: int) -> None:
        """Embed this face as one font with the background's subset of it: the
        background's glyphs (``widths``, ``texts``: its /W and ToUnicode) are kept with
        its widths, and the font object gets the background's object ``number``, so the
        background page and the letter's text draw with one font program, not two."""
        self.shared = (dict(widths), dict(texts), number)
        self._base = None
        self._subsets.clear()

    def base_glyphs(self) -> dict[int, str]:
        """The glyphs every subset has (the background's and the base characters')."""
        if self._base is None:
            base: dict[int, str] = {}
            for char in BASE_CHARS:
                gid = self._cmap.get(ord(char))
                if gid:
                    base.setdefault(gid, char)
            if self.shared is not None:
                base.update(self.shared[1])
            self._base = base
        return self._base

    def embed(self, used: Mapping[int, str]) -> EmbeddedFont:
        """The subset font with the base glyphs and ``used`` (glyph id -> its text)."""
        base = self.base_glyphs()
        # A glyph the base has keeps the base's text (one text per glyph in a font: the
        # background's text must read the same, whatever a letter's text made of it).
        extra = frozenset((g, t) for g, t in used.items() if g not in base)
        found = self._subsets.get(extra)
        if found is not None:
            self._subsets.move_to_end(extra)
            return found
        glyphs = {**base, **dict(extra)}
        font = self._subset(glyphs)
        self._subsets[extra] = font
        if len(self._subsets) > _SUBSET_CACHE_SIZE:
            self._subsets.popitem(last=False)
        return font

    def _subset(self, glyphs: Mapping[int, str]) -> EmbeddedFont:
        hb = self._hb
        subset_input = hb.SubsetInput()
        subset_input.glyph_set.update(set(glyphs) | {0})
        subset_input.drop_table_tag_set.update(
            {int.from_bytes(tag.encode("ascii"), "big") for tag in _DROP_TABLES}
        )
        # Glyph ids kept: the background's text and ours use the ids of the full font.
        subset_input.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.RETAIN_GIDS
        program = hb.subset(self.face, subset_input).blob.data
        tag = hashlib.sha256(self._digest.encode() + repr(sorted(glyphs.items())).encode()).digest()
        shared_widths = self.shared[0] if self.shared is not None else {}
        return EmbeddedFont(
            name="".join(chr(65 + b % 26) for b in tag[:6]) + "+" + self.ps_name,
            program=zlib.compress(program, 6),
            program_length=len(program),
            widths={g: shared_widths.get(g, self._widths[g]) for g in sorted(glyphs)},
            to_unicode=dict(glyphs),
            bbox=tuple(round(v * 1000 / self.upem) for v in self._head),
            ascent=round(self._hhea[0] * 1000 / self.upem),
            descent=round(self._hhea[1] * 1000 / self.upem),
            number=self.shared[2] if self.shared is not None else None,
        )


@dataclass(frozen=True)
class EmbeddedFont:
    """A subset font (glyph ids of the full font kept), ready to be written as PDF
    objects (``objects``)."""

    name: str
    program: bytes  # the subset font file, deflated
    program_length: int
    widths: dict[int, int]  # glyph id -> advance in the PDF (1/1000 em), as in /W
    to_unicode: dict[int, str]  # glyph id -> the text it shows
    bbox: tuple[int, ...]
    ascent: int
    descent: int
    #: The background's number for this font (its objects replace the background's
    #: subset of the same font), or None: a font of the letter's text only.
    number: int | None = None
    #: glyph id -> its code in a content stream ("<0012>")
    codes: dict[int, bytes] = field(default_factory=dict, compare=False)
    _objects: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.codes.update({gid: b"<%04X>" % gid for gid in self.widths})

    def objects(self, first: int) -> list[tuple[int, bytes]]:
        """The font's objects, numbered from ``first`` (the font itself: ``number`` if
        it has one, else ``first``); ``font_number(first)`` is what refers to it."""
        found = self._objects.get(first)
        if found is None:
            found = self._objects[first] = self._make_objects(first)
        return found

    def font_number(self, first: int) -> int:
        return self.number if self.number is not None else first

    def _make_objects(self, first: int) -> list[tuple[int, bytes]]:
        font = self.font_number(first)
        cid, descriptor, program, cmap = range(first + 1, first + 5)
        name = _name(self.name)
        widths = b" ".join(b"%d [%d]" % (g, w) for g, w in sorted(self.widths.items()))
        cmap_data = zlib.compress(_to_unicode(self.to_unicode), 6)
        return [
            (
                font,
                b"<</Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H"
                b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R>>" % (name, cid, cmap),
            ),
            (
                cid,
                b"<</Type /Font /Subtype /CIDFontType2 /BaseFont /%s"
                b" /CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>>"
                b" /FontDescriptor %d 0 R /CIDToGIDMap /Identity /W [%s]>>"
                % (name, descriptor, widths),
            ),
            (
                descriptor,
                b"<</Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [%s]"
                b" /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80"
                b" /FontFile2 %d 0 R>>"
                % (
                    name,
                    b" ".join(b"%d" % v for v in self.bbox),
                    self.ascent,
                    self.descent,
                    self.ascent,
                    program,
                ),
            ),
            (
                program,
                b"<</Length %d /Length1 %d /Filter /FlateDecode>>\nstream\n%s\nendstream"
                % (len(self.program), self.program_length, self.program),
            ),
            (
                cmap,
                b"<</Length %d /Filter /FlateDecode>>\nstream\n%s\nendstream"
                % (len(cmap_data), cmap_data),
            ),
        ]


def _name(text: str) -> bytes:
    """A PDF name's characters (anything but plain ASCII letters and digits escaped)."""
    return b"".join(
        bytes([c]) if chr(c).isalnum() and c < 128 or c in b"+-_" else b"#%02X" % c
        for c in text.encode("utf-8")
    )


def _to_unicode(mapping: Mapping[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <FFFF>",
        b"endcodespacerange",
    ]
    items = sorted(mapping.items())  # "" for a second glyph of a cluster: <gid> <>
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(b"%d beginbfchar" % len(chunk))
        for gid, text in chunk:
            lines.append(b"<%04X> <%s>" % (gid, text.encode("utf-16-be").hex().upper().encode()))
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cmap(face: Any) -> dict[int, int]:
    import uharfbuzz as hb

    font = hb.Font(face)
    out: dict[int, int] = {}
    for codepoint in face.unicodes:
        gid = font.get_nominal_glyph(codepoint)
        if gid:
            out[codepoint] = gid
    return out


def _head(data: bytes) -> tuple[int, int, int, int]:
    import struct

    return struct.unpack(">hhhh", data[36:44])  # xMin, yMin, xMax, yMax


def _hhea(data: bytes) -> tuple[int, int, int]:
    import struct

    ascender, descender = struct.unpack(">hh", data[4:8])
    (metrics,) = struct.unpack(">H", data[34:36])
    return ascender, descender, metrics


def _advances(data: bytes, count: int, glyphs: int) -> list[int]:
    import struct

    advances = [struct.unpack_from(">H", data, 4 * i)[0] for i in range(count)]
    last = advances[-1] if advances else 0
    return advances + [last] * max(0, glyphs - count)


def _ps_name(face: Any) -> str:
    import uharfbuzz as hb

    try:
        name = face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or ""
    except Exception:  # an odd name table: the name is cosmetic
        name = ""
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-_")) or "Font"
