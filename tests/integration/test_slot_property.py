"""Property: whatever a planner does, no technician ever has two orders in one slot."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from amsplan.domain.slots import overlaps
from amsplan.errors import AmsplanError
from amsplan.services import booking, planning
from amsplan.services.technicians import add_technician
from amsplan.store.models import Order, Technician
from tests.helpers import DAY, seed

ORDERS = [f"AMS-{n:05d}" for n in range(1, 5)]
TECHS = ["T01", "T02"]
ACTIONS = ["assign", "hold", "resume", "reschedule", "move", "unassign", "unlock", "cancel",
           "lock", "sms_book"]  # fmt: skip

steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from(ORDERS),
        st.sampled_from(TECHS),
        st.integers(0, 1),  # day
        st.integers(8, 10),  # start hour
        st.sampled_from([60, 90]),  # minutes
    ),
    min_size=1,
    max_size=15,
)


def _do(ctx, action, order_no, tech, day: date, hour: int, minutes: int) -> None:
    at, length = time(hour), timedelta(minutes=minutes)
    if action == "assign":
        planning.assign(ctx, [order_no], tech, day, at, length)
    elif action == "hold":
        booking.transition_orders(ctx, [order_no], "hold", until=date(2026, 6, 1))
    elif action == "resume":
        booking.transition_orders(ctx, [order_no], "resume")
    elif action == "reschedule":
        planning.reschedule(ctx, order_no, day, at, length, tech)
    elif action == "move":
        other = TECHS[1 - TECHS.index(tech)]
        planning.move(ctx, tech, day, other, DAY + timedelta(days=1 - (day - DAY).days))
    elif action in ("unassign", "unlock"):
        name = action if action == "unlock" else (
            lambda o: "unassign_held" if o.status == "on_hold" else "unassign"
        )  # fmt: skip
        booking.transition_orders(ctx, [order_no], name)
    elif action == "cancel":
        booking.transition_orders(
            ctx, [order_no], lambda o: "cancel_open" if o.status == "open" else "cancel_started"
        )
    elif action == "lock":
        planning.lock(ctx, [order_no])
    elif action == "sms_book":
        booking.book_by_sms(ctx, [order_no])


def _double_bookings(ctx) -> list[tuple[str, str]]:
    tz = ctx.settings.tz
    with ctx.session(readonly=True) as s:
        rows = s.exec(
            select(Order).where(
                Order.technician_id.is_not(None),
                Order.planned_start.is_not(None),
                Order.status.not_in(["open", "closed"]),  # the rule, written out
            )
        ).all()
        visits = [(o.order_no, o.technician_id, planning.visit_of(o, tz)) for o in rows]
    return [
        (a, b)
        for (a, ta, va), (b, tb, vb) in combinations(visits, 2)
        if ta == tb and overlaps(va.start, va.end, vb.start, vb.end)
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_never_two_orders_in_one_technicians_slot(workspace, sequence):
    ctx = workspace.context()
    with ctx.session(readonly=True) as s:
        fresh = s.get(Technician, "T01") is None
    if fresh:  # the examples share the database: any state reached must keep the rule
        seed(workspace, len(ORDERS))
        add_technician(ctx, "T02", "Per Vikar", "", "07:00", "16:00")
    for action, order_no, tech, day, hour, minutes in sequence:
        try:
            _do(ctx, action, order_no, tech, DAY + timedelta(days=day), hour, minutes)
        except AmsplanError:
            pass  # refused with a reason: fine
        assert _double_bookings(ctx) == [], (action, order_no, tech, day, hour)
