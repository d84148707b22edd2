"""Privacy: anonymise customers of orders closed long ago, keeping the statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, update
from sqlmodel import select

from amsplan import clock
from amsplan.domain.statuses import Status
from amsplan.services import exportfiles
from amsplan.services.context import Context
from amsplan.store.models import Comment, History, Order, Reply, Sms

ANONYMOUS = "(anonymisert)"


@dataclass
class PurgeResult:
    closed_before: date
    orders: int
    replies: int
    messages: int
    dry_run: bool
    files: list[str] = field(default_factory=list)  # PDFs and exports removed


def purge(ctx: Context, closed_before: date, dry_run: bool = False) -> PurgeResult:
    """Anonymise name, address, phone, texts of orders closed before the date.

    Kept: order number, meter point and meter number, postcode, city, municipality,
    stage, statuses, resolution and every history row's who/when/from/to (free-text
    comments of the history are blanked: planners may have written names there).
    """
    start, _ = clock.day_bounds(closed_before, ctx.settings.tz)
    with ctx.session() as s:
        last_close = (
            select(History.order_id, func.max(History.at).label("at"))
            .where(History.to_status == Status.CLOSED.value)
            .group_by(History.order_id)
            .subquery()
        )
        ids = list(
            s.exec(
                select(Order.id)
                .join(last_close, last_close.c.order_id == Order.id)
                .where(
                    Order.status == Status.CLOSED.value,
                    last_close.c.at < start,
                    Order.customer_name != ANONYMOUS,
                )
            )
        )
        replies = messages = 0
        files = exportfiles.purge_files(s, ctx, ids, dry_run)
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            replies += s.exec(
                select(func.count()).select_from(Reply).where(Reply.order_id.in_(chunk))
            ).one()
            messages += s.exec(
                select(func.count()).select_from(Sms).where(Sms.order_id.in_(chunk))
            ).one()
            if dry_run:
                continue
            s.execute(
                update(Order)
                .where(Order.id.in_(chunk))
                .values(
                    customer_name=ANONYMOUS,
                    search_text=ANONYMOUS,
                    street="",
                    phone="",
                    mobile=None,
                    description="",
                    latitude=None,
                    longitude=None,
                    followup_reason=None,
                    purged_at=ctx.now(),  # a re-import does not bring it back
                )  # fmt: skip
                .execution_options(synchronize_session=False)
            )
            s.execute(
                update(Reply).where(Reply.order_id.in_(chunk)).values(text=ANONYMOUS, sender="")
            )
            s.execute(update(Sms).where(Sms.order_id.in_(chunk)).values(text=ANONYMOUS, to=""))
            s.execute(update(Comment).where(Comment.order_id.in_(chunk)).values(text=ANONYMOUS))
            # The one change history ever gets: free text goes, the structure stays.
            s.execute(update(History).where(History.order_id.in_(chunk)).values(comment=""))
        return PurgeResult(closed_before, len(ids), replies, messages, dry_run, files)
