"""One-page PDFs made of a shared background page and a per-letter overlay page.

WeasyPrint writes the background (everything every letter has in common) once and the
overlays (what differs) for many letters as one document. Each letter's file is then put
together here, without parsing or rewriting any content stream: the background page and
the letter's overlay page become two Form XObjects drawn one over the other on a new page
(``/Bg Do /Ov Do``). Each keeps its own resources, so their font names can never clash.

The objects of the background are serialised once per background, those the overlay pages
share (fonts) once per overlay document, so a letter costs little more than copying bytes.
Objects keep the numbers WeasyPrint gave them, shifted into separate ranges; the
cross-reference table lists the numbers in use in subsections.

What this module must not do: parse, rewrite or re-encode a content stream (a page's
content is copied as it is, or inflated and deflated once if it comes in parts), lay out
anything, or patch up input it cannot read: that is a ComposeError.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

__all__ = [
    "ComposeError",
    "FontSubset",
    "PageSource",
    "compose_page",
    "first_free_number",
    "overlay_page",
]

# Numbers 1..7 are the objects written for each letter; then the background's, then the
# overlay's objects.
_CATALOG, _PAGES, _PAGE, _BG_FORM, _OV_FORM, _CONTENT, _INFO = range(1, 8)
_FIRST_FREE = 8
_PAGE_CONTENT = b"q /Bg Do Q q /Ov Do Q"


class ComposeError(ValueError):
    """Input that is not a PDF with the pages asked for: refused, never patched up."""


class PageSource:
    """The pages of one PDF (as written by WeasyPrint), ready to be used as Form XObjects.

    ``offset`` shifts every object number of this PDF; ``pdf`` is the file's bytes.
    """

    def __init__(self, pdf: bytes, offset: int):
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError

        try:
            self._reader = PdfReader(BytesIO(pdf))
            size = self._reader.trailer.get("/Size")
            pages = len(self._reader.pages)
        except (PyPdfError, KeyError, TypeError, ValueError) as exc:
            raise ComposeError(f"not a readable PDF: {exc}") from exc
        if not isinstance(size, int) or size < 1:
            raise ComposeError("not a readable PDF: its trailer has no object count (/Size)")
        if pages < 1:
            raise ComposeError("the PDF has no pages")
        self.offset = offset
        self.version = self._reader.pdf_header.encode("ascii", "replace")
        self._objects: dict[int, bytes] = {}  # original number -> "N 0 obj ... endobj"
        self._closures: dict[int, tuple[int, ...]] = {}
        #: Above every number this PDF uses: where the next PDF's range can start.
        self.size = int(size)

    def __len__(self) -> int:
        return len(self._reader.pages)

    def media_box(self, index: int) -> tuple[float, float, float, float]:
        box = self._page(index).mediabox
        return (float(box.left), float(box.bottom), float(box.right), float(box.top))

    def _page(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise ComposeError(f"page {index + 1} asked for, the PDF has {len(self)}")
        return self._reader.pages[index]

    # -- serialisation ------------------------------------------------------------------

    def _write(self, obj, out: BytesIO) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

        if isinstance(obj, IndirectObject):
            out.write(b"%d 0 R" % (obj.idnum + self.offset))
        elif isinstance(obj, StreamObject):
            data = obj._data
            self._write_dict(obj, out, skip=("/Length",), extra=b"/Length %d" % len(data))
            out.write(b"\nstream\n")
            out.write(data)
            out.write(b"\nendstream")
        elif isinstance(obj, DictionaryObject):
            self._write_dict(obj, out)
        elif isinstance(obj, ArrayObject):
            out.write(b"[")
            for i, item in enumerate(obj):
                if i:
                    out.write(b" ")
                self._write(item, out)
            out.write(b"]")
        else:
            obj.write_to_stream(out)

    def _write_dict(self, obj, out: BytesIO, skip: tuple[str, ...] = (), extra=b"") -> None:
        out.write(b"<<")
        for key, value in obj.items():
            if key in skip:
                continue
            out.write(b"\n")
            key.write_to_stream(out)
            out.write(b" ")
            self._write(value, out)
        if extra:
            out.write(b"\n" + extra)
        out.write(b"\n>>")

    def serialised(self, obj) -> bytes:
        """A direct object (dictionary, array, ...) with this PDF's numbering."""
        out = BytesIO()
        self._write(obj, out)
        return out.getvalue()

    def object_bytes(self, number: int) -> bytes:
        """Indirect object ``number`` (original numbering) as ``N 0 obj ... endobj``."""
        cached = self._objects.get(number)
        if cached is None:
            from pypdf.generic import IndirectObject

            out = BytesIO()
            out.write(b"%d 0 obj\n" % (number + self.offset))
            self._write(IndirectObject(number, 0, self._reader).get_object(), out)
            out.write(b"\nendobj\n")
            cached = self._objects[number] = out.getvalue()
        return cached

    def closure(self, obj) -> tuple[int, ...]:
        """Original numbers of the indirect objects ``obj`` refers to, directly or not.

        ``/Parent`` links are not followed (they lead to the page tree).
        """
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

        found: list[int] = []
        seen: set[int] = set()
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                number = item.idnum
                if number in seen:
                    continue
                seen.add(number)
                cached = self._closures.get(number)
                if cached is not None:
                    for n in cached:
                        if n not in seen:
                            seen.add(n)
                            found.append(n)
                    found.append(number)
                    continue
                found.append(number)
                stack.append(item.get_object())
            elif isinstance(item, DictionaryObject):
                stack.extend(v for k, v in item.items() if k != "/Parent")
            elif isinstance(item, ArrayObject):
                stack.extend(item)
        return tuple(found)

    # -- fonts ----------------------------------------------------------------------------

    def font_subsets(self, index: int) -> list[FontSubset]:
        """The Type 0 / CIDFontType2 fonts page ``index`` uses, with their glyphs."""
        from pypdf.generic import IndirectObject, NameObject

        resources = self._page(index).get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        out: list[FontSubset] = []
        for reference in fonts.get_object().values() if fonts is not None else ():
            if not isinstance(reference, IndirectObject):
                continue
            font: Any = reference.get_object()
            if font.get("/Subtype") != "/Type0" or "/ToUnicode" not in font:
                continue
            descendant = font["/DescendantFonts"][0].get_object()
            if descendant.get("/Subtype") != "/CIDFontType2":
                continue
            identity = descendant.get("/CIDToGIDMap") == NameObject("/Identity")
            out.append(
                FontSubset(
                    number=reference.idnum,
                    base_name=str(font.get("/BaseFont", "")).lstrip("/"),
                    identity=identity and font.get("/Encoding") == "/Identity-H",
                    widths=_widths(descendant.get("/W")),
                    texts=_unicode_map(font["/ToUnicode"].get_object().get_data()),
                    objects=self.closure(reference),
                )
            )
        return out

    # -- pages as forms -----------------------------------------------------------------

    def form(self, index: int) -> tuple[bytes, tuple[int, ...]]:
        """Page ``index`` as a Form XObject: (dictionary and stream, objects it needs).

        The bytes are "<< ... >> stream ... endstream", to be wrapped in "N 0 obj".
        """
        from pypdf.generic import ArrayObject

        page = self._page(index)
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        box = self.media_box(index)
        parts = [b"/Type /XObject /Subtype /Form", b"/BBox [%s]" % _numbers(box)]
        data = b""
        if isinstance(contents, ArrayObject):
            decoded = b"\n".join(c.get_object().get_data() for c in contents)
            data = zlib.compress(decoded)
            parts.append(b"/Filter /FlateDecode")
        elif contents is not None:
            decoded = contents.get_data()
            data = contents._data
            for key in ("/Filter", "/DecodeParms"):
                if key in contents:
                    parts.append(key.encode() + b" " + self.serialised(contents[key]))
        else:
            decoded = b""
        needed: list[int] = []
        resources = page.get("/Resources")
        if resources is not None:
            resources = _used_resources(resources.get_object(), decoded)
            parts.append(b"/Resources " + self.serialised(resources))
            needed.extend(self.closure(resources))
        group = page.get("/Group")
        if group is not None:
            parts.append(b"/Group " + self.serialised(group))
            needed.extend(self.closure(group))
        parts.append(b"/Length %d" % len(data))
        head = b"<<" + b"\n".join(parts) + b">>"
        return head + b"\nstream\n" + data + b"\nendstream", tuple(dict.fromkeys(needed))


@dataclass(frozen=True)
class FontSubset:
    """A font of a page: its object number, name, glyphs (ids -> widths, texts)."""

    number: int  # of the Type 0 font, in the PDF's own numbering
    base_name: str  # "ABCDEF+DejaVu-Sans"
    identity: bool  # glyph ids of the full font (Identity-H, CIDToGIDMap /Identity)
    widths: dict[int, int]
    texts: dict[int, str]
    objects: tuple[int, ...]  # the font's objects (the Type 0 font's closure)


def _widths(array: Any) -> dict[int, int]:
    """A CIDFont's /W array as {glyph id: width}."""
    out: dict[int, int] = {}
    items = list(array.get_object()) if array is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1].get_object()
        if isinstance(following, list):
            for k, width in enumerate(following):
                out[first + k] = round(float(width))
            i += 2
        else:
            for gid in range(first, int(following) + 1):
                out[gid] = round(float(items[i + 2]))
            i += 3
    return out


_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def _unicode_map(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar and bfrange entries as {code: text}."""
    out: dict[int, str] = {}
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, start in _BFRANGE.findall(section):
            first = int(start, 16)
            for k, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                out[code] = chr(first + k)
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in _BFCHAR.findall(section):
            out[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    return out


_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _used_resources(resources, content: bytes):
    """``resources`` with only the named resources ``content`` uses.

    The pages of one WeasyPrint document share one resource dictionary: without this, a
    letter's file would carry whatever any other letter of the chunk needed (an image,
    say), unseen but there.
    """
    from pypdf.generic import DictionaryObject, NameObject

    used = {
        "/" + _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")
        for name in _NAME.findall(content)
    }
    out = DictionaryObject()
    for category, entries in resources.items():
        entries_obj = entries.get_object()
        if isinstance(entries_obj, DictionaryObject):
            kept = DictionaryObject({NameObject(k): v for k, v in entries_obj.items() if k in used})
            if kept:
                out[NameObject(category)] = kept
        else:  # /ProcSet
            out[NameObject(category)] = entries
    return out


def _numbers(values: Iterable[float]) -> bytes:
    return b" ".join(b"%g" % v for v in values)


def _text_string(text: str) -> bytes:
    from pypdf.generic import TextStringObject

    out = BytesIO()
    TextStringObject(text).write_to_stream(out)
    return out.getvalue()


def compose_page(
    background: PageSource,
    background_form: tuple[bytes, tuple[int, ...]],
    overlay: PageSource,
    overlay_index: int,
    title: str,
    producer: str = "",
) -> bytes:
    """A one-page PDF: the background page with overlay page ``overlay_index`` over it."""
    ov_form, ov_needed = overlay.form(overlay_index)
    objects = [
        (original + overlay.offset, overlay.object_bytes(original)) for original in ov_needed
    ]
    version = max(background.version, overlay.version)
    return overlay_page(background, background_form, ov_form, objects, title, producer, version)


def overlay_page(
    background: PageSource,
    background_form: tuple[bytes, tuple[int, ...]],
    overlay_form: bytes,
    overlay_objects: Iterable[tuple[int, bytes]],
    title: str,
    producer: str = "",
    version: bytes = b"",
) -> bytes:
    """A one-page PDF: the background page with an overlay form over it.

    ``overlay_form`` is "<< ... >> stream ... endstream"; ``overlay_objects`` the objects
    it needs, each (number, "N 0 obj ... endobj"), numbered above the background's range.
    """
    bg_form, bg_needed = background_form
    box = _numbers(background.media_box(0))
    info = b"<</Title " + _text_string(title)
    if producer:
        info += b" /Producer " + _text_string(producer)
    info += b">>"
    own = [
        (_CATALOG, b"<</Type /Catalog /Pages %d 0 R>>" % _PAGES),
        (_PAGES, b"<</Type /Pages /Kids [%d 0 R] /Count 1>>" % _PAGE),
        (
            _PAGE,
            b"<</Type /Page /Parent %d 0 R /MediaBox [%s]"
            b" /Resources <</XObject <</Bg %d 0 R /Ov %d 0 R>>>> /Contents %d 0 R>>"
            % (_PAGES, box, _BG_FORM, _OV_FORM, _CONTENT),
        ),
        (_BG_FORM, bg_form),
        (_OV_FORM, overlay_form),
        (_CONTENT, b"<</Length %d>>\nstream\n%s\nendstream" % (len(_PAGE_CONTENT), _PAGE_CONTENT)),
        (_INFO, info),
    ]
    out = BytesIO()
    out.write(max(background.version, version) + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number, body in own:
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    for original in bg_needed:
        offsets[original + background.offset] = out.tell()
        out.write(background.object_bytes(original))
    for number, body in overlay_objects:
        offsets[number] = out.tell()
        if body.startswith(b"%d 0 obj" % number):
            out.write(body)
        else:
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n")
    numbers = sorted(offsets)
    out.write(b"0 1\n0000000000 65535 f\r\n")
    run: list[int] = []
    for number in numbers:
        if run and number != run[-1] + 1:
            _write_xref_run(out, run, offsets)
            run = []
        run.append(number)
    if run:
        _write_xref_run(out, run, offsets)
    out.write(
        b"trailer\n<</Size %d /Root %d 0 R /Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
        % (numbers[-1] + 1, _CATALOG, _INFO, xref)
    )
    return out.getvalue()


def _write_xref_run(out: BytesIO, run: list[int], offsets: dict[int, int]) -> None:
    out.write(b"%d %d\n" % (run[0], len(run)))
    out.write(b"".join(b"%010d 00000 n\r\n" % offsets[n] for n in run))


def first_free_number() -> int:
    """The first object number not used by the objects written for each letter."""
    return _FIRST_FREE
