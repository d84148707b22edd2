"""Queries for the files amsplan wrote that hold customer data (export_file)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from amsplan.store.models import ExportFile


def record_export(
    session: Session,
    kind: str,
    path: Path | str,
    order_ids: Iterable[int | None],
    base_dir: Path,
    at: datetime,
    user: str,
) -> None:
    """Record (in the caller's transaction) that `path` holds data of these orders
    (a file with no order in it holds no customer data: nothing is recorded). A path
    inside the project folder `base_dir` is kept relative to it, so a copied or moved
    folder purges its own files and never another folder's; others stay absolute."""
    ids = sorted({i for i in order_ids if i is not None})
    if not ids:
        return
    resolved, base = Path(path).resolve(), Path(base_dir).resolve()
    stored = str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(resolved)
    session.add(
        ExportFile(
            kind=kind, path=stored, order_ids=",".join(map(str, ids)), created_at=at,
            created_by=user,
        )
    )  # fmt: skip


def not_removed(session: Session) -> list[ExportFile]:
    """Every recorded file not removed yet."""
    return list(session.exec(select(ExportFile).where(col(ExportFile.removed_at).is_(None))))


def paths_not_removed(session: Session) -> list[str]:
    """The paths of every recorded file not removed yet (as recorded: relative to the
    project folder, or absolute)."""
    query = select(ExportFile.path).where(col(ExportFile.removed_at).is_(None)).distinct()
    return list(session.exec(query))
