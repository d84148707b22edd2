"""Booking by SMS, and the planner's follow-up actions (transitions on chosen orders)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from amsplan.domain import engine
from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import sms_refusal
from amsplan.errors import InputError, TransitionRefused
from amsplan.i18n import _
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.services.planning import slot_refusals
from amsplan.store.models import Order
from amsplan.store.orders import load_orders, to_lock


@dataclass
class BatchResult:
    moved: list[tuple[str, str]] = field(default_factory=list)  # (order_no, detail)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (order_no, reason)


def book_by_sms(
    ctx: Context,
    order_nos: list[str] | None = None,
    tech_id: str | None = None,
    day: date | None = None,
) -> BatchResult:
    """booking_sent for each order: code + booking SMS, or a comment why it could not be sent."""
    result = BatchResult()
    with ctx.session() as s:
        orders = to_lock(s, ctx.settings.tz, order_nos, tech_id, day)
        pool = workflow.fresh_codes(s, len(orders))  # unique codes, in one query
        taken = slot_refusals(s, ctx, orders)  # in the past, or another order holds it
        for order in orders:
            try:
                engine.check(order, "booking_sent")
            except TransitionRefused as refused:
                result.refused.append((order.order_no, refused.reason))
                sms_problem = sms_refusal(order)
                if order.status == Status.PLANNING and sms_problem:
                    _sms_failed(s, ctx, order, sms_problem)
                continue
            if order.order_no in taken:
                result.refused.append((order.order_no, taken[order.order_no]))
                continue
            workflow.apply(s, ctx, order, "booking_sent", channel="sms", _code_pool=pool)
            result.moved.append((order.order_no, order.booking_code or ""))
    return result


def _sms_failed(s: Session, ctx: Context, order: Order, reason: str) -> None:
    """The order stays where it is, with a comment, and shows up in the follow-up list."""
    workflow.add_comment(s, ctx, order, f"SMS kunne ikke sendes: {reason}", kind="sms_failed")
    why = _("SMS booking failed: {reason}").format(reason=reason)
    workflow.flag_followup(s, ctx, order, FollowupKind.SMS_FAILED, why)


# Transitions that put an order back on its slot: refused when another order holds it.
SLOT_CHECKED = ("resume",)


def transition_orders(
    ctx: Context,
    order_nos: list[str],
    name: str | Callable[[Order], str],
    comment: str = "",
    dry_run: bool = False,
    **params: Any,
) -> BatchResult:
    """Apply one transition to each order; a refusal of one never blocks the others.

    `name` may be a function of the order (e.g. unassign: another transition for held
    orders). A dry run checks each order with the engine in a read-only transaction (no
    write lock, nothing written) and reports what the real run would."""
    if not order_nos:
        raise InputError(_("name at least one order"))
    if isinstance(name, str):
        engine.get(name)  # an unknown transition is one error, not one per order
    choose = name if callable(name) else (lambda order, name=name: name)
    result = BatchResult()
    with ctx.session(readonly=dry_run) as s:
        orders = load_orders(s, order_nos, lock=not dry_run)
        checked = [o for o in orders if choose(o) in SLOT_CHECKED]
        taken = slot_refusals(s, ctx, checked, past=False, lock=not dry_run) if checked else {}
        for order in orders:
            name = choose(order)
            try:
                if order.order_no in taken:
                    engine.check(order, name, params)
                    raise TransitionRefused(
                        order.order_no, name, taken[order.order_no], engine.get(name).label
                    )
                if dry_run:
                    target = engine.check(order, name, params).target.value
                else:
                    workflow.apply(s, ctx, order, name, comment=comment, **params)
                    target = order.status
            except TransitionRefused as refused:
                result.refused.append((order.order_no, refused.reason))
                continue
            result.moved.append((order.order_no, target))
    return result
