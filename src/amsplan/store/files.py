"""Queries of the files amsplan wrote that hold customer data (ExportFile)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from amsplan.store.models import ExportFile


def not_removed(session: Session) -> list[ExportFile]:
    """Every recorded file not removed yet."""
    return list(session.exec(select(ExportFile).where(col(ExportFile.removed_at).is_(None))))
