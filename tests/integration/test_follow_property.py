"""Property (issue 11.3): whatever a planner does to orders, in any order, every letter
`letters pending` lists and every queued SMS matches its order's current time,
technician, code and status."""

from __future__ import annotations

import itertools
from datetime import time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from amsplan.domain.codes import format_code
from amsplan.domain.statuses import Status
from amsplan.errors import AmsplanError
from amsplan.services import booking, field, letters, outbox, planning
from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician
from amsplan.store import orders as store_orders
from amsplan.store.models import Letter, Order, Sms
from tests.helpers import DAY, order_row, write_orders

ORDERS = 3
# Locking and generating letters twice as often: more letters to go stale.
OPS = ("assign", "hold", "resume", "reschedule", "cancel", "close", "lock", "lock", "letters",
       "letters", "sms_book", "manual", "confirm")  # fmt: skip
STEPS = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, ORDERS - 1), st.integers(0, 3)),
    min_size=1,
    max_size=14,
)
LIVE = {Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
        Status.READY_FOR_EXECUTION}  # fmt: skip


def step(ctx, op: str, order_no: str, day, n: int) -> None:
    if op == "assign":
        planning.assign(ctx, [order_no], "T01", day, time(8 + 2 * n), timedelta(hours=1))
    elif op == "reschedule":
        planning.reschedule(ctx, order_no, day + timedelta(days=1), time(8 + 2 * n))
    elif op == "lock":
        planning.lock(ctx, [order_no])
    elif op == "letters":
        letters.generate(ctx)
    elif op == "sms_book":
        booking.book_by_sms(ctx, [order_no])
    elif op == "cancel":
        with ctx.session() as s:
            (order,) = store_orders.load_orders(s, [order_no])
            field.cancel(s, ctx, order, "test")
    else:
        name, params = {
            "hold": ("hold", {"until": day + timedelta(days=30)}),
            "resume": ("resume", {}),
            "close": ("close", {"resolution": "Kunden nekter"}),
            "manual": ("follow_up_manually", {}),
            "confirm": ("confirm_sms", {}),
        }[op]
        booking.transition_orders(ctx, [order_no], name, **params)


def check_invariant(ctx) -> None:
    listed = letters.pending(ctx)
    assert all(p.order_no for p in listed), "a file of a withdrawn letter is still pending"
    names = [p.file_name for p in listed]
    with ctx.session(readonly=True) as s:
        for row, order in s.exec(
            select(Letter, Order)
            .join(Order, Order.id == Letter.order_id)
            .where(Letter.file_name.in_(names), Letter.state.in_(("staged", "delivered")))
        ):
            what = f"{row.file_name} for {order.order_no} ({order.status})"
            assert Status(order.status) in LIVE and not order.cancelled, what
            assert row.booking_code == order.booking_code, what
            assert row.planned_start == order.planned_start, what
            assert row.technician_id == order.technician_id, what
            if order.status == Status.AWAITING_RESPONSE.value:
                assert order.booking_channel == "letter", what
        for message, order in s.exec(
            select(Sms, Order).join(Order, Order.id == Sms.order_id).where(Sms.status == "queued")
        ):
            what = f"{message.kind} SMS for {order.order_no} ({order.status})"
            assert message.appointment == order.planned_start, what
            assert not order.cancelled, what
            if message.kind == "booking":
                assert order.status == Status.AWAITING_RESPONSE.value, what
                assert order.booking_channel == "sms", what
                assert format_code(order.booking_code) in message.text, what
            elif message.kind == "confirmation":
                assert order.status == Status.READY_FOR_EXECUTION.value, what
                assert outbox.appointment_text(order, ctx.settings) in message.text, what


def test_letters_and_queued_sms_always_match_their_order(workspace):
    ctx = workspace.context()
    add_technician(ctx, "T01", "Ola Montør", "41234567", "07:00", "16:00")
    examples = itertools.count()

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(STEPS)
    def run(steps):
        k = next(examples)
        numbers = [k * 10 + i + 1 for i in range(ORDERS)]
        rows = [order_row(n) for n in numbers]
        import_orders(ctx, write_orders(workspace.path / f"orders-{k}.csv", rows))
        order_nos = [f"AMS-{n:05d}" for n in numbers]
        day = DAY + timedelta(days=7 * k)  # a Wednesday
        planning.assign(ctx, order_nos, "T01", day, time(8), timedelta(hours=1))
        for op, i, n in steps:
            try:
                step(ctx, op, order_nos[i], day, n)
            except AmsplanError:
                pass  # refused (e.g. not allowed from this status): nothing changed
            check_invariant(ctx)

    run()
