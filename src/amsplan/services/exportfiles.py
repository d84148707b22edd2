"""Files amsplan wrote that hold customer data, recorded so a privacy purge finds them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session

from amsplan.services import follow
from amsplan.services.context import Context
from amsplan.store import files, letters
from amsplan.store.files import record_export
from amsplan.store.models import ExportFile


def record(
    session: Session, ctx: Context, kind: str, path: Path | str, order_ids: Iterable[int | None]
) -> None:
    """Record (in the caller's transaction) that `path` holds data of these orders
    (a file with no order in it holds no customer data: nothing is recorded)."""
    record_export(session, kind, path, order_ids, ctx.settings.base_dir, ctx.now(), ctx.user)


def order_ids(row: ExportFile) -> set[int]:
    return {int(part) for part in row.order_ids.split(",") if part}


def purge_files(
    session: Session, ctx: Context, ids: Iterable[int], dry_run: bool = False
) -> list[str]:
    """Remove every file that holds data of these orders: their letters (in the folder,
    printed/, withdrawn/, the staging folder), every combined batch and every recorded
    export holding one of them. The paths removed (or, dry run, that would be)."""
    wanted = set(ids)
    if not wanted:
        return []
    now = ctx.now()
    folder = ctx.settings.letters_dir
    places = [folder, folder / follow.PRINTED_FOLDER, folder / follow.WITHDRAWN_FOLDER]
    staging = folder / ".staging"
    found: list[Path] = []
    names = letters.file_names_of(session, sorted(wanted))
    if not dry_run:
        letters.withdraw_live_of(
            session, sorted(wanted), now, "the order's personal data was purged"
        )
    for name in sorted(names):
        found += [place / name for place in places if (place / name).is_file()]
        if staging.is_dir():
            found += sorted(staging.glob(f"{name}.*"))
    exports = [row for row in files.not_removed(session) if order_ids(row) & wanted]
    for row in exports:
        path = Path(ctx.settings.base_dir) / row.path  # an absolute path stays as it is
        if path.is_file():
            found.append(path)
        if not dry_run:
            row.removed_at = now
            session.add(row)
    if not dry_run:
        for path in found:
            path.unlink(missing_ok=True)
    return [str(p) for p in dict.fromkeys(found)]
