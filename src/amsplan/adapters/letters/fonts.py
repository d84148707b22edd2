"""Fonts for the direct path: shaping with HarfBuzz and embedding subsets in a PDF.

A ``FontFace`` is one font file (the very bytes Pango chose when the background was laid
out, so the letters print in the font WeasyPrint used). It shapes text with HarfBuzz at a
size given in Pango units (1/1024 px: Pango rounds font sizes and positions to them, and
so must we to print every glyph where WeasyPrint would) and answers which characters it
has. ``embed`` turns the glyphs one letter uses into the PDF objects of a subset font
(Type 0 / CIDFontType2, Identity-H, with a ToUnicode map so text can be copied and
searched). Subsets are cached: the glyphs of printable ASCII and the Nordic letters (the
"base") are always in them, so most letters of a batch share one subset byte for byte
and no letter pays for subsetting; a letter with other glyphs (a Sámi name, say) gets the
base plus its own.

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

#: Always in a subset: what nearly every Norwegian letter prints.
BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "ÆØÅæøåÄÖÜäöüÉéÈèÁáÓóÍí–—·«»’“”…"

_SUBSET_CACHE_SIZE = 128
_SHAPE_CACHE_SIZE = 8192
_DROP_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT")


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
        self._shaped: dict[tuple[str, int, str], ShapedRun] = {}
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

    def metrics(self, size_units: int) -> tuple[int, int]:
        """Ascent and descent (both positive, Pango units) at a size."""
        extents = self._font(size_units).get_font_extents("ltr")
        return extents.ascender, -extents.descender

    def shape(self, text: str, size_units: int, language: str = "") -> ShapedRun:
        """``text`` shaped at a size (cached: a batch repeats most of its texts)."""
        key = (text, size_units, language)
        found = self._shaped.get(key)
        if found is None:
            if len(self._shaped) >= _SHAPE_CACHE_SIZE:
                self._shaped.clear()
            found = self._shaped[key] = self._shape(text, size_units, language)
        return found

    def _shape(self, text: str, size_units: int, language: str) -> ShapedRun:
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

    def width_1000(self, gid: int) -> int:
        """A glyph's advance in PDF glyph space (1/1000 of the font size)."""
        return self._widths[gid]

    # -- embedding ----------------------------------------------------------------------

    def base_glyphs(self) -> dict[int, str]:
        if self._base is None:
            self._base = {}
            for char in BASE_CHARS:
                gid = self._cmap.get(ord(char))
                if gid:
                    self._base.setdefault(gid, char)
        return self._base

    def embed(self, used: Mapping[int, str]) -> EmbeddedFont:
        """The subset font with the base glyphs and ``used`` (glyph id -> its text)."""
        base = self.base_glyphs()
        extra = frozenset((g, t) for g, t in used.items() if t and base.get(g) != t)
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
        subset_input.flags = hb.SubsetFlags.NO_HINTING
        plan = hb.SubsetPlan(self.face, subset_input)
        old_to_new = dict(plan.old_to_new_glyph_mapping.items())
        program = plan.execute().blob.data
        tag = hashlib.sha256(self._digest.encode() + repr(sorted(glyphs.items())).encode()).digest()
        name = "".join(chr(65 + b % 26) for b in tag[:6]) + "+" + self.ps_name
        return EmbeddedFont(
            name=name,
            program=zlib.compress(program, 6),
            program_length=len(program),
            old_to_new=old_to_new,
            widths={old_to_new[g]: self.width_1000(g) for g in glyphs if g in old_to_new},
            to_unicode={old_to_new[g]: t for g, t in glyphs.items() if g in old_to_new},
            bbox=tuple(round(v * 1000 / self.upem) for v in self._head),
            ascent=round(self._hhea[0] * 1000 / self.upem),
            descent=round(self._hhea[1] * 1000 / self.upem),
        )


@dataclass(frozen=True)
class EmbeddedFont:
    """A subset font, ready to be written as PDF objects (``objects``)."""

    name: str
    program: bytes  # the subset font file, deflated
    program_length: int
    old_to_new: dict[int, int]  # glyph id in the full font -> in the subset
    widths: dict[int, int]  # subset glyph id -> advance (1/1000 em)
    to_unicode: dict[int, str]  # subset glyph id -> the text it shows
    bbox: tuple[int, ...]
    ascent: int
    descent: int
    #: glyph id in the full font -> its code in a content stream ("<0012>")
    codes: dict[int, bytes] = field(default_factory=dict, compare=False)
    _objects: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.codes.update({old: b"<%04X>" % new for old, new in self.old_to_new.items()})

    def objects(self, first: int) -> list[tuple[int, bytes]]:
        """The font's five objects, numbered from ``first`` (``first`` is the font)."""
        found = self._objects.get(first)
        if found is None:
            found = self._objects[first] = self._make_objects(first)
        return found

    def _make_objects(self, first: int) -> list[tuple[int, bytes]]:
        font, cid, descriptor, program, cmap = range(first, first + 5)
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
    items = [(g, t) for g, t in sorted(mapping.items()) if t]
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
