"""The letters' rules, pure: a letter's file name (sorted = print order), and which
orders get a new letter."""

from __future__ import annotations

import re
from datetime import date

from amsplan.domain.statuses import Status
from amsplan.i18n import _

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

REPRINTABLE = (Status.AWAITING_RESPONSE, Status.READY_TO_PRINT)


def safe_part(text: str) -> str:
    """A file-name part that can never leave the folder (no '/', no '..', no dot files)."""
    return _UNSAFE.sub("_", text).strip("_")[:60] or "x"


def file_name(day: date | None, tech_id: str | None, seq: int | None, order_no: str) -> str:
    """Sorted listing = print order: date (local), technician, sequence, order number."""
    return (
        f"{day or date.min:%Y-%m-%d}_{safe_part(tech_id or 'x')}_"
        f"{seq or 0:03d}_{safe_part(order_no)}.pdf"
    )


def reprint_refusal(
    order_no: str, status: Status, channel: str | None, label: str | None = None
) -> str | None:
    """Why the order gets no new letter: only orders awaiting a reply by letter or ready
    to print do. `label`: the status as the planner reads it (else its key)."""
    if status not in REPRINTABLE or (status is Status.AWAITING_RESPONSE and channel != "letter"):
        return _(
            "{order}: is {status}; only orders awaiting a reply by letter or ready "
            "to print get a new letter"
        ).format(order=order_no, status=label or status)
    return None
