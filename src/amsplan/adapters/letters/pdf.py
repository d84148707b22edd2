"""Whole PDF files with pypdf: one laid-out batch cut into one file per letter, and the
letters of a run combined into one file for the print house.

What this module must not do: lay anything out (no WeasyPrint) or write a file in place
(``combine_pdfs`` writes a temporary file and renames it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

__all__ = ["combine_pdfs", "split_pdf"]


def split_pdf(pdf: bytes, ranges: Sequence[range], titles: Sequence[str]) -> list[bytes]:
    """One PDF per range of pages of ``pdf``, each with its title."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(BytesIO(pdf))
    out: list[bytes] = []
    for title, pages in zip(titles, ranges, strict=True):
        writer = PdfWriter()
        for i in pages:
            writer.add_page(reader.pages[i])
        writer.add_metadata({"/Title": title})
        buffer = BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


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
