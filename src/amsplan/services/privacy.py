"""Privacy: anonymise customers of orders closed long ago, keeping the statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from amsplan import clock
from amsplan.domain.reimport import ANONYMOUS
from amsplan.services import exportfiles
from amsplan.services.context import Context
from amsplan.store import privacy as store
from amsplan.store.chunks import chunks

__all__ = ["ANONYMOUS", "PurgeResult", "purge"]


@dataclass
class PurgeResult:
    closed_before: date
    orders: int
    replies: int
    messages: int  # SMS
    emails: int
    dry_run: bool
    files: list[str] = field(default_factory=list)  # PDFs and exports removed


def purge(ctx: Context, closed_before: date, dry_run: bool = False) -> PurgeResult:
    """Anonymise name, address, phone, e-mail address, texts of orders closed before the date.

    Kept: order number, meter point and meter number, postcode, city, municipality,
    stage, statuses, resolution and every history row's who/when/from/to (free-text
    comments of the history are blanked: planners may have written names there).
    A dry run reads only (no write lock) and counts what would go.
    """
    start, _ = clock.day_bounds(closed_before, ctx.settings.tz)
    with ctx.session(readonly=dry_run) as s:
        ids = store.closed_before(s, start, ANONYMOUS)
        replies = messages = emails = 0
        files = exportfiles.purge_files(s, ctx, ids, dry_run)
        for chunk in chunks(ids):
            found = store.count_texts(s, chunk)
            replies, messages, emails = replies + found[0], messages + found[1], emails + found[2]
            if not dry_run:
                store.anonymise(s, chunk, ANONYMOUS, ctx.now())
        return PurgeResult(closed_before, len(ids), replies, messages, emails, dry_run, files)
