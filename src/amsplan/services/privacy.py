"""Privacy: anonymise customers of orders closed long ago, keeping the statistics."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from amsplan import clock
from amsplan.domain.reimport import ANONYMOUS
from amsplan.errors import PermissionDenied
from amsplan.i18n import _
from amsplan.services import exportfiles, workflow
from amsplan.services.context import Context
from amsplan.store import history
from amsplan.store import privacy as store
from amsplan.store.chunks import chunks
from amsplan.store.orders import orders_by_id

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

    The one rewrite of history and comments amsplan makes (docs/audit.md): only by the
    database's owner on PostgreSQL; the purged orders' hash chains are recomputed (so
    `db verify` stays clean) and each order gets a comment (kind "privacy") that says
    who purged it.
    """
    start = clock.day_bounds(closed_before, ctx.settings.tz)[0]
    with ctx.session(readonly=dry_run) as s:
        ids = store.closed_before(s, start, ANONYMOUS)
        if ids and not dry_run:
            _may_rewrite(s)
        replies = messages = emails = 0
        files = exportfiles.purge_files(s, ctx, ids, dry_run)
        note = f"Personopplysninger slettet: lukket før {closed_before:%d.%m.%Y} (privacy purge)"
        with nullcontext() if dry_run else history.rewriting(s, "purge"):
            for chunk in chunks(ids):
                found = store.count_texts(s, chunk)
                replies, messages, emails = (
                    replies + found[0],
                    messages + found[1],
                    emails + found[2],
                )
                if not dry_run:
                    store.anonymise(s, chunk, ANONYMOUS, ctx.now())
                    for order in orders_by_id(s, chunk).values():
                        workflow.add_comment(s, ctx, order, note, kind="privacy")
        return PurgeResult(closed_before, len(ids), replies, messages, emails, dry_run, files)


def _may_rewrite(s: Session) -> None:
    """Refuse, before anything is removed, a login that may not rewrite history."""
    allowed, login, owner = history.may_rewrite(s)
    if not allowed:
        raise PermissionDenied(
            _(
                "amsplan privacy purge needs the owner of amsplan's tables ({owner}): it "
                "rewrites history and comments, which your login {login} may not "
                "(docs/audit.md)"
            ).format(owner=owner, login=login)
        )
