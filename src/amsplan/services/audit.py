"""amsplan db verify: is the history whole? (issue 18; docs/audit.md)"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from amsplan.config import Settings
from amsplan.domain import chain
from amsplan.domain.statuses import Status
from amsplan.services.context import Context
from amsplan.store import history
from amsplan.store.orders import orders_by_id


@dataclass
class Finding:
    """One broken link: the order, the row's time (None: the order has no row left),
    what is wrong (changed, removed, inserted) and in words."""

    order_no: str
    at: datetime | None
    kind: str
    detail: str


@dataclass
class Verification:
    rows: int  # history rows read
    orders: int  # orders with history
    findings: list[Finding] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.findings


def verify(ctx: Context) -> Verification:
    """Recompute every order's hash chain (domain.chain.check), streaming the history
    order by order, and compare each order's status with where its history leaves it
    (an order whose last rows were removed). Reads only."""
    with ctx.session(readonly=True) as s:
        counted = _Counted(history.chain_rows(s))
        name = _status_name(ctx.settings)
        breaks = list(chain.check(counted, name))
        broken_rows = {b.row_id for b in breaks}
        for order_id, status, last_to, at, last_id in history.status_mismatches(s):
            if last_id is None or last_id not in broken_rows:  # else that break says why
                breaks.append(chain.last_row_missing(order_id, status, last_to, at, name))
        numbers = {i: o.order_no for i, o in orders_by_id(s, {b.order_id for b in breaks}).items()}
    findings = [
        Finding(numbers.get(b.order_id, f"#{b.order_id}"), b.at, b.kind, b.detail)
        for b in sorted(breaks, key=lambda b: (b.order_id, b.row_id is None, b.row_id or 0))
    ]
    return Verification(counted.rows, counted.orders, findings)


def _status_name(settings: Settings) -> Callable[[str], str]:
    """A status as a finding names it: its label and, for whoever compares it with the
    database, its key: "Awaiting response (awaiting_response)". A value no status has
    (the row was changed) as it is."""
    statuses = {s.value for s in Status}

    def name(value: str) -> str:
        return f"{settings.label(value)} ({value})" if value in statuses else value

    return name


class _Counted:
    """The rows, counted (and their orders) as they stream past."""

    def __init__(self, rows: Iterator[Mapping[str, Any]]) -> None:
        self._rows = rows
        self.rows = self.orders = 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        last = None
        for row in self._rows:
            self.rows += 1
            if row["order_id"] != last:
                self.orders, last = self.orders + 1, row["order_id"]
            yield row
