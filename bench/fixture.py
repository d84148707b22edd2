#!/usr/bin/env python3
"""Build a roll-out history quickly: many technician-days assigned, booked or locked.

Not a benchmark. Through the CLI every `amsplan assign` is a new process (most of a
second each); a history of 100,000 booked orders is 12,500 technician-days. Run it in
the bench folder (it reads ./amsplan.toml):

    python bench/fixture.py plans.json              # in bulk (the default)
    python bench/fixture.py --services plans.json   # through the service calls

plans.json: {"action": "sms_book" | "lock" | "assign",
             "plans": [{"tech": "T001", "date": "2026-05-04", "start": "07:30",
                        "slot_minutes": 60, "orders": ["AMS-..."],
                        "at": "2026-04-20T08:00:00+00:00"}, ...]}

Each plan is what `amsplan assign ORDER... --tech --date --start --slot`, then (action)
`amsplan sms book --tech --date` or `amsplan lock --tech --date` do to one technician's
day, at the time `at` (the clock is set to it).

--services calls those commands' service functions (services.planning.assign,
services.booking.book_by_sms, services.planning.lock), each technician-day in its own
transactions as the CLI would: faithful by construction, and about 15 ms an order at a
million orders (100,000 booked orders: half an hour).

In bulk (the default), the plans sharing one `at` (a calendar day of the history) are
one transaction that writes the same rows in a few statements: every technician-day is
checked first exactly as `amsplan assign` checks it (planning.place, dry run: free
slots, working day and hours, not in the past) and the transitions are the domain
engine's (engine.apply: its guards, source and target statuses); the timeline notes,
booking codes and SMS texts come from the services' own functions (planning.schedule_note,
workflow.fresh_codes, outbox.render and next_send_time). Only fresh orders are taken
(open, nothing to follow up, no letter or message): for them the rest of what a
transition does (settling follow-ups, withdrawing untrue letters and messages) has
nothing to do. An order's version is bumped once (the services bump it once per
flush). A refused plan stops the run with its reasons.

Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import groupby
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ACTIONS = ("assign", "sms_book", "lock")
# The transitions after `plan` of each action, and the effects (domain.transitions) the
# bulk path writes as rows; an engine that asks for another effect stops the run.
FOLLOWING = {"assign": None, "sms_book": "booking_sent", "lock": "lock"}
EFFECTS = {"plan": set(), "booking_sent": {"new_booking_code", "booking_sms", "start_waiting"},
           "lock": {"new_booking_code"}}  # fmt: skip
# What the engine, the SMS text and the bulk writes read of an order.
FIELDS = (
    "id", "order_no", "status", "technician_id", "planned_start", "estimate_minutes",
    "booking_seq", "booking_code", "booking_channel", "awaiting_since", "customer_name",
    "street", "postcode", "city", "mobile", "no_sms", "cancelled", "followup_kind",
)  # fmt: skip
SMS = {"channel": "sms"}  # booking_sent's parameter (`amsplan sms book`)
WRITTEN = ("status", "technician_id", "planned_start", "estimate_minutes", "booking_seq",
           "booking_code", "booking_channel", "awaiting_since")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plans", type=Path)
    parser.add_argument(
        "--services", action="store_true", help="through the service calls (slow, the reference)"
    )
    args = parser.parse_args()
    from amsplan.config import load_settings
    from amsplan.services.context import Context

    spec = json.loads(args.plans.read_text(encoding="utf-8"))
    action = spec["action"]
    if action not in ACTIONS:
        raise SystemExit(f"fixture: unknown action {action!r}")
    ctx = Context(settings=load_settings(None), user="bench-fixture")
    started = time.perf_counter()
    summary = {"action": action, "plans": 0, "assigned": 0, "done": 0, "refused": 0}
    build = through_services if args.services else in_bulk
    try:
        build(ctx, action, spec["plans"], summary)
    finally:
        ctx.close()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary))


def _at(plan: dict) -> Callable[[], datetime]:
    moment = datetime.fromisoformat(plan["at"])
    return lambda: moment


def _slots(plan: dict, count: int) -> list[tuple[datetime, timedelta]]:
    """The plan's slots one after the other from its start (as `amsplan assign`)."""
    from amsplan.domain import slots as rules

    start = datetime.combine(date.fromisoformat(plan["date"]), dtime.fromisoformat(plan["start"]))
    return rules.consecutive(start, [timedelta(minutes=plan["slot_minutes"])] * count)


def through_services(ctx: Any, action: str, plans: list[dict], summary: dict) -> None:
    from amsplan.services import booking, planning

    for plan in plans:
        ctx.now = _at(plan)
        day = date.fromisoformat(plan["date"])
        start = dtime.fromisoformat(plan["start"])
        slot = timedelta(minutes=plan["slot_minutes"])
        planning.assign(ctx, plan["orders"], plan["tech"], day, start, slot)
        summary["assigned"] += len(plan["orders"])
        if action == "sms_book":
            result = booking.book_by_sms(ctx, tech_id=plan["tech"], day=day)
            summary["done"] += len(result.moved)
            summary["refused"] += len(result.refused)
        elif action == "lock":
            locked = planning.lock(ctx, tech_id=plan["tech"], day=day)
            summary["done"] += len(locked.locked)
            summary["refused"] += len(locked.refused)
        summary["plans"] += 1


def in_bulk(ctx: Any, action: str, plans: list[dict], summary: dict) -> None:
    from amsplan.store.technicians import all_technicians

    days = [(p["tech"], p["date"]) for p in plans]
    if len(set(days)) < len(days):
        raise SystemExit("fixture: a technician-day is planned twice")
    for _, group in groupby(plans, key=lambda p: p["at"]):
        group = list(group)
        ctx.now = _at(group[0])
        with ctx.session() as s:
            # Held here, so the technicians stay in the session's identity map for the
            # SMS texts (outbox.render looks each order's technician up).
            technicians = all_technicians(s)
            _book_day(s, ctx, action, group, summary)
            del technicians


def _book_day(s: Any, ctx: Any, action: str, plans: list[dict], summary: dict) -> None:
    from amsplan import clock
    from amsplan.domain import engine
    from amsplan.domain.slots import ASSIGNABLE
    from amsplan.domain.states import SmsKind, SmsState
    from amsplan.domain.statuses import Status
    from amsplan.services import outbox, planning, workflow
    from amsplan.store import pending
    from amsplan.store.bulk import add_rows
    from amsplan.store.letters import live_letters
    from amsplan.store.messages import queued_rows
    from amsplan.store.models import BookingCode, History, Sms
    from amsplan.store.orders import load_orders, update_rows

    tz, at = ctx.settings.tz, ctx.now()
    numbers = [n for plan in plans for n in plan["orders"]]
    found = dict(zip(numbers, load_orders(s, numbers, lock=False), strict=True))
    following = FOLLOWING[action]
    pool = workflow.fresh_codes(s, len(numbers)) if following else []
    updates: list[dict] = []
    history: list[dict] = []
    codes: list[dict] = []
    messages: list[dict] = []

    def step(order: SimpleNamespace, name: str, comment: str = "", **params: Any) -> None:
        change = engine.apply(order, name, params)
        unknown = set(change.transition.effects) - EFFECTS[name]
        if unknown:
            raise SystemExit(f"fixture: {name} now also does {', '.join(sorted(unknown))}")
        history.append({
            "order_id": order.id, "at": at, "actor": ctx.user, "transition": name,
            "from_status": change.from_status, "to_status": change.to_status,
            "comment": comment, "technician_id": order.technician_id, "resolution": None,
            "login": ctx.login,
        })  # fmt: skip

    ids = {o.id: o for o in found.values()}
    busy = {m.order_id for m in queued_rows(s, ids)}
    busy |= {row.order_id for row in live_letters(s, ids)}
    stale = [o.order_no for o in found.values()
             if o.status != Status.OPEN or o.followup_kind or o.id in busy]  # fmt: skip
    if stale:
        raise SystemExit(f"fixture: not fresh open orders: {', '.join(stale[:10])}")
    for plan in plans:
        orders = [found[n] for n in plan["orders"]]
        day = date.fromisoformat(plan["date"])
        # The checks of `amsplan assign` (InputError with every reason); writes nothing.
        slots = planning.place(
            s, ctx, orders, plan["tech"], day, _slots(plan, len(orders)), ASSIGNABLE,
            "assigned", dry_run=True,
        )  # fmt: skip
        for stored, slot in zip(orders, slots, strict=True):
            order = SimpleNamespace(**{f: getattr(stored, f) for f in FIELDS})
            order.technician_id = plan["tech"]
            order.planned_start = clock.to_utc(slot.start, tz)
            order.estimate_minutes = int((slot.end - slot.start).total_seconds() // 60)
            order.booking_seq = slot.sequence
            step(order, "plan", planning.schedule_note("assigned", plan["tech"], slot))
            if following:
                step(order, following, **SMS if following == "booking_sent" else {})
                order.booking_code = pool.pop()
                codes.append({"code": order.booking_code, "order_id": order.id,
                              "created_at": at, "retired_at": None})  # fmt: skip
            if following == "booking_sent":
                order.awaiting_since, order.booking_channel = at, "sms"  # start_waiting
                messages.append({
                    "order_id": order.id, "kind": SmsKind.BOOKING, "to": order.mobile,
                    "text": outbox.render(s, ctx, order, SmsKind.BOOKING),
                    "created_at": at, "created_by": ctx.user,
                    "due_at": outbox.next_send_time(at, ctx.settings),
                    "appointment": order.planned_start, "status": SmsState.QUEUED,
                    "attempts": 0,
                })  # fmt: skip
            updates.append({"_id": order.id, **{f: getattr(order, f) for f in WRITTEN}})
        summary["plans"] += 1
        summary["assigned"] += len(orders)
        summary["done"] += len(orders) if following else 0
    update_rows(s, updates, list(WRITTEN), at)
    for row in history:  # as every history row: chained as written (store.pending)
        pending.add(s, History, row)
    pending.write(s)
    add_rows(s, BookingCode, codes)
    add_rows(s, Sms, messages)


if __name__ == "__main__":
    main()
