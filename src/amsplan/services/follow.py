"""Letters and queued messages follow the order.

`order_changed` is called in the caller's transaction whenever an order's status, time,
technician or booking code may have changed (every transition, every reschedule, move,
unassign, re-import of a booked order). It withdraws (or re-renders) whatever no longer
tells the truth: a queued SMS about an old time, status or code, and a letter still in
the letters folder that names an old time, technician or code. It is idempotent.

Files follow the database: a withdrawn letter's PDF is moved out of the letters folder
by `sweep_letters` (after the commit, and at the start of every letters command), so a
crash between the two never lets a withdrawn letter count as pending.
"""

from __future__ import annotations

from sqlmodel import Session

from amsplan.models import Order
from amsplan.services.context import Context


def order_changed(session: Session, ctx: Context, order: Order, why: str) -> None:
    """Withdraw or re-render what no longer matches `order` (see the module docstring)."""
    # Implemented by the "letters and messages follow the order" work (issue 11.3).
    return None
