"""`plan` and `route` as a planner uses them: services.routes.propose/apply/route over a
small area around Hamar (two technicians with start points, two working days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from amsplan import clock
from amsplan.domain.search import OrderFilter
from amsplan.errors import InputError, NotFound
from amsplan.services import planning, routes
from amsplan.services.orders import import_orders
from amsplan.services.search import save_filter
from amsplan.services.technicians import add_absence, add_technician
from amsplan.store.models import Comment, History
from tests.helpers import DAY, order_row, write_orders
from tests.plan_area import (
    HOME,
    NEXT,
    area,
    assert_day_is_drivable,
    configure,
    day_visits,
    stored,
    zigzag,
)


def test_plan_fills_the_days_within_hours_with_the_drives_and_applies_as_assign(workspace):
    order_nos = area(workspace)
    ctx = workspace.context()
    proposal = routes.propose(ctx, OrderFilter(), DAY, NEXT)
    assert proposal.selected == 24 and proposal.count == 24 and not proposal.left
    assert {(d.tech_id, d.day) for d in proposal.days} <= {
        (t, d) for t in HOME for d in (DAY, NEXT)
    }
    planned = {v.order_no: (d.tech_id, v.start) for d in proposal.days for v in d.visits}
    assert sorted(planned) == order_nos  # every order once
    for d in proposal.days:
        assert d.figures.visits == len(d.visits) and d.figures.km > 0
        assert d.figures.back <= 16 * 60
    assert set(stored(workspace)[n].status for n in order_nos) == {"open"}  # reads only

    applied = routes.apply(ctx, proposal)
    assert not applied.skipped and len(applied.placed) == 24
    orders = stored(workspace)
    tz = workspace.settings.tz
    for n, (tech, start) in planned.items():
        o = orders[n]
        assert (o.status, o.technician_id) == ("planning", tech)
        assert clock.to_local(o.planned_start, tz) == start
    for tech in HOME:
        for day in (DAY, NEXT):
            assert_day_is_drivable(workspace, tech, day)
            sequence = [orders[v[0]].booking_seq for v in day_visits(workspace, tech, day)]
            assert sequence == list(range(1, len(sequence) + 1))  # booking order = time order
    with workspace.context().session() as s:
        notes = s.exec(select(History).where(History.order_id == orders["AMS-00001"].id)).all()
    tech, start = planned["AMS-00001"]
    assert notes[-1].transition == "plan" and notes[-1].to_status == "planning"
    assert notes[-1].comment.startswith(f"assigned to {tech} {start:%Y-%m-%d %H:%M}-")


def test_visits_already_on_a_day_stay_and_new_ones_go_around_them(workspace):
    order_nos = area(workspace, 12)
    ctx = workspace.context()
    planning.assign(ctx, ["AMS-00010"], "T01", DAY, time(9), timedelta(hours=1))
    planning.assign(ctx, ["AMS-00005"], "T01", DAY, time(13), timedelta(minutes=90))
    planning.lock(ctx, ["AMS-00005"])
    before = {n: stored(workspace)[n] for n in ("AMS-00010", "AMS-00005")}

    proposal = routes.propose(ctx, OrderFilter(), DAY, DAY, ["T01"])
    [day] = proposal.days
    kept = [(v.order_no, v.start.time(), v.minutes) for v in day.visits if v.kept]
    assert kept == [("AMS-00010", time(9), 60), ("AMS-00005", time(13), 90)]
    assert 0 < len(day.new) < 10 and len(day.new) + len(proposal.left) == 10
    routes.apply(ctx, proposal)

    after = stored(workspace)
    for n, o in before.items():
        assert (after[n].planned_start, after[n].status, after[n].booking_code) == (
            o.planned_start, o.status, o.booking_code,
        )  # fmt: skip
    assert after["AMS-00005"].status == "ready_to_print"  # locked, with its code
    assert len(day_visits(workspace, "T01", DAY)) == len(day.new) + 2
    assert_day_is_drivable(workspace, "T01", DAY)
    assert set(order_nos) - {n for n, *_ in day_visits(workspace, "T01", DAY)} == set(proposal.left)


def test_a_day_its_visits_fill_is_kept_as_it_is_and_the_next_day_is_planned(workspace):
    area(workspace, 6)
    ctx = workspace.context()
    # 07:30-10:30 and 11:00-15:30: no gap holds an hour's visit with its drives.
    planning.assign(ctx, ["AMS-00001"], "T01", DAY, time(7, 30), timedelta(hours=3))
    planning.assign(ctx, ["AMS-00002"], "T01", DAY, time(11), timedelta(hours=4, minutes=30))
    before = day_visits(workspace, "T01", DAY)
    proposal = routes.propose(ctx, OrderFilter(), DAY, NEXT, ["T01"])
    assert [(d.day, len(d.new)) for d in proposal.days] == [(NEXT, 4)]
    assert not proposal.left and not proposal.hit_time_limit
    routes.apply(ctx, proposal)
    assert day_visits(workspace, "T01", DAY) == before
    assert_day_is_drivable(workspace, "T01", NEXT)


def test_selection_takes_only_matching_open_and_reopened_orders_without_a_slot(workspace):
    area(
        workspace, 8,
        **{
            "AMS-00002": {"stage": "Etappe 2"},
            "AMS-00003": {"municipality": "3411", "postcode": "2312"},
            "AMS-00004": {"postcode": "2312", "municipality": "3411", "stage": "Etappe 2"},
        },
    )  # fmt: skip
    ctx = workspace.context()
    planning.assign(ctx, ["AMS-00001"], "T01", NEXT, time(8), timedelta(hours=1))

    def chosen(flt: OrderFilter) -> set[str]:
        p = routes.propose(ctx, flt, DAY, DAY)
        return {v.order_no for d in p.days for v in d.new} | set(p.left)

    rest = {f"AMS-{n:05d}" for n in range(5, 9)}
    assert chosen(OrderFilter()) == {"AMS-00002", "AMS-00003", "AMS-00004"} | rest
    assert chosen(OrderFilter(stage="Etappe 2")) == {"AMS-00002", "AMS-00004"}
    assert chosen(OrderFilter(municipality="3411")) == {"AMS-00003", "AMS-00004"}
    assert chosen(OrderFilter(postcode="2317", stage="Etappe 1")) == rest
    save_filter(ctx, "Stange", OrderFilter(postcode="2312"))
    from amsplan.services.search import show_filter

    assert chosen(show_filter(ctx, "Stange")) == {"AMS-00003", "AMS-00004"}
    assert chosen(OrderFilter(status=["planning"])) == set()  # plan never takes them
    with pytest.raises(NotFound, match="no technician 'T99'"):
        routes.propose(ctx, OrderFilter(), DAY, DAY, ["T99"])
    with pytest.raises(InputError, match="--to is before --from"):
        routes.propose(ctx, OrderFilter(), NEXT, DAY)


def test_techs_days_and_positions_that_cannot_be_planned_are_listed_with_the_reason(workspace):
    area(
        workspace, 6,
        **{
            "AMS-00002": {"lat": "", "lon": ""},  # postcode 2317 has others: its centre
            "AMS-00003": {"lat": "", "lon": "", "postcode": "9999"},  # nobody there
        },
    )  # fmt: skip
    ctx = workspace.context()
    add_technician(ctx, "T03", "Uten start", "41234568", "07:00", "16:00")
    add_absence(ctx, "T02", NEXT, NEXT, "kurs")
    friday, monday = date(2026, 4, 24), date(2026, 4, 27)
    proposal = routes.propose(ctx, OrderFilter(), DAY, monday)
    closed = {(c.tech_id, c.day): c for c in proposal.closed}
    assert "T03 has no start point" in closed["T03", DAY].reason
    assert ("T02", NEXT) in closed and not closed["T02", NEXT].routine
    assert closed["T01", date(2026, 4, 25)].routine  # Saturday
    planned_days = {(d.tech_id, d.day) for d in proposal.days}
    assert not planned_days & {("T03", DAY), ("T02", NEXT), ("T01", date(2026, 4, 25)),
                               ("T01", date(2026, 4, 26))}  # fmt: skip
    assert {d.day for d in proposal.days} <= {DAY, NEXT, friday, monday}
    visits = {v.order_no: v for d in proposal.days for v in d.visits}
    assert visits["AMS-00002"].approximate and not visits["AMS-00001"].approximate
    [lost] = proposal.unplaceable
    assert lost.order_no == "AMS-00003" and "no order in postcode 9999" in lost.reason
    assert "AMS-00003" not in visits and "AMS-00003" not in proposal.left
    # Only the named technicians are planned.
    only = routes.propose(ctx, OrderFilter(), DAY, DAY, ["T02"])
    assert {d.tech_id for d in only.days} == {"T02"}


def test_today_plans_from_now_and_a_past_day_is_refused(workspace):
    area(workspace, 4)
    late = workspace.context(now=datetime(2026, 4, 22, 13, 0, tzinfo=UTC))  # 15:00 in Oslo
    proposal = routes.propose(late, OrderFilter(), DAY, DAY)
    assert not proposal.days and len(proposal.left) == 4
    assert not proposal.hit_time_limit  # nothing fits: no search until the time limit
    noon = workspace.context(now=datetime(2026, 4, 22, 10, 0, tzinfo=UTC))  # 12:00
    starts = [v.start for d in routes.propose(noon, OrderFilter(), DAY, DAY).days for v in d.visits]
    assert starts and min(starts) > datetime(2026, 4, 22, 12, 0)
    with pytest.raises(InputError, match=r"--from 21.04.2026 is in the past \(today is 22.04"):
        routes.propose(noon, OrderFilter(), DAY - timedelta(days=1), DAY)


def test_a_day_under_way_or_over_is_listed_not_planned(workspace):
    area(workspace, 6)
    planning.assign(workspace.context(), ["AMS-00001"], "T01", DAY, time(8), timedelta(hours=1))
    ten = workspace.context(now=datetime(2026, 4, 22, 8, 0, tzinfo=UTC))  # 10:00 in Oslo
    proposal = routes.propose(ten, OrderFilter(), DAY, DAY)
    closed = {c.tech_id: c.reason for c in proposal.closed}
    assert closed["T01"].startswith("the day has begun (AMS-00001 at 08:00)")
    assert {d.tech_id for d in proposal.days} == {"T02"}  # T02's day has no visit yet
    night = workspace.context(now=datetime(2026, 4, 22, 20, 0, tzinfo=UTC))  # 22:00
    over = routes.propose(night, OrderFilter(), DAY, DAY)
    assert not over.days and [c.reason for c in over.closed] == ["the working day is over"] * 2


def test_the_calendar_shows_the_day_when_the_osrm_server_is_down(workspace):
    from amsplan.services import calendar

    area(workspace, 3)
    planning.assign(workspace.context(), ["AMS-00001", "AMS-00002"], "T01", DAY, time(8),
                    timedelta(hours=1))  # fmt: skip
    configure(workspace, '\n[routing]\nosrm_url = "http://127.0.0.1:9"\ntimeout = 2\n')
    ctx = workspace.context()
    day = calendar.technician_day(ctx, "T01", DAY)
    assert [v.order_no for v in day.visits] == ["AMS-00001", "AMS-00002"]
    assert day.km is None and "no travel times" in (day.route_unknown or "")
    page = routes.map_page(ctx, [DAY], "T01")
    assert [s.order_no for s in page.routes[0].stops] == ["AMS-00001", "AMS-00002"]


def test_a_public_holiday_is_not_planned_unless_allowed(workspace):
    area(workspace, 4)
    ctx = workspace.context()
    ascension = date(2026, 5, 14)  # Kristi himmelfartsdag, a Thursday
    proposal = routes.propose(ctx, OrderFilter(), ascension, ascension)
    assert not proposal.days and {c.day for c in proposal.closed} == {ascension}
    from amsplan.domain.slots import Allow

    allowed = routes.propose(ctx, OrderFilter(), ascension, ascension, allow=Allow(holiday=True))
    assert allowed.count == 4


def test_orders_taken_meanwhile_are_skipped_and_the_rest_is_placed(workspace):
    area(workspace, 10)
    ctx = workspace.context()
    proposal = routes.propose(ctx, OrderFilter(), DAY, DAY, ["T01"])
    [day] = proposal.days
    first, second, *rest = day.new
    # Another planner assigns `first` elsewhere and puts an order of theirs on `second`'s slot.
    planning.assign(ctx, [first.order_no], "T02", DAY, time(8), timedelta(hours=1))
    intruder = "AMS-00099"  # an order that came in after the proposal
    import_orders(ctx, write_orders(workspace.path / "more.csv", [order_row(99)]))
    planning.assign(ctx, [intruder], "T01", DAY, second.start.time(), timedelta(minutes=30))

    applied = routes.apply(ctx, proposal)
    skipped = dict(applied.skipped)
    assert skipped[first.order_no].startswith("taken meanwhile: now")
    assert "T02 22.04.2026 08:00" in skipped[first.order_no]
    assert skipped[second.order_no] == f"its slot was taken meanwhile by {intruder}"
    assert sorted(p.order_no for p in applied.placed) == sorted(v.order_no for v in rest)
    orders = stored(workspace)
    assert orders[first.order_no].technician_id == "T02"  # untouched
    assert (orders[second.order_no].status, orders[second.order_no].planned_start) == ("open", None)
    for v in rest:
        assert clock.to_local(orders[v.order_no].planned_start, workspace.settings.tz) == v.start


def test_route_reorders_a_zigzag_day_by_driving_and_reslots_it(workspace):
    day = zigzag(workspace)
    ctx = workspace.context()
    before = stored(workspace)
    dry = routes.route(ctx, "T01", DAY, dry_run=True)
    assert dry.after.km < dry.before.km * 0.8  # the zig-zag is much longer
    assert sorted(s.order_no for s in dry.slots) == sorted(day)
    assert [n for n, *_ in day_visits(workspace, "T01", DAY)] == day  # nothing changed
    done = routes.route(ctx, "T01", DAY)
    assert done.after.km == pytest.approx(dry.after.km)
    new_order = [n for n, *_ in day_visits(workspace, "T01", DAY)]
    assert sorted(new_order) == sorted(day) and new_order != day
    assert [s.order_no for s in sorted(done.slots, key=lambda s: s.start)] == new_order
    assert_day_is_drivable(workspace, "T01", DAY)
    again = routes.route(ctx, "T01", DAY, dry_run=True)  # already in driving order
    assert again.after.km <= again.before.km + 1e-9
    with workspace.context().session() as s:
        notes = s.exec(select(Comment).where(Comment.order_id == before[day[0]].id)).all()
    assert any(c.kind == "schedule" and c.text.startswith("routed to T01") for c in notes)


def test_route_refuses_a_locked_day_and_a_day_that_does_not_fit(workspace):
    day = zigzag(workspace)
    ctx = workspace.context()
    planning.lock(ctx, day[:1])
    with pytest.raises(
        InputError, match="T01 Wednesday 22.04.2026 is locked: its customers have their"
    ):
        routes.route(ctx, "T01", DAY)
    # Nine hours of visits in a nine-hour day leave no time to drive.
    planning.assign(ctx, ["AMS-00001", "AMS-00002", "AMS-00003"], "T02", DAY, time(7),
                    timedelta(hours=3))  # fmt: skip
    with pytest.raises(InputError, match="more than the 540 min left of the working day"):
        routes.route(ctx, "T02", DAY, dry_run=True)
    with pytest.raises(InputError, match="T02 has no visits on Thursday 23.04.2026"):
        routes.route(ctx, "T02", NEXT)


def test_route_refuses_a_day_that_has_begun(workspace):
    day = zigzag(workspace)  # from 07:00 local on DAY
    begun = workspace.context(now=datetime(2026, 4, 22, 6, 30, tzinfo=UTC))  # 08:30 in Oslo
    with pytest.raises(
        InputError, match=f"T01's day Wednesday 22.04.2026 has begun \\({day[0]} at 07:00\\)"
    ):
        routes.route(begun, "T01", DAY, dry_run=True)
    early = workspace.context(now=datetime(2026, 4, 22, 4, 30, tzinfo=UTC))  # 06:30 in Oslo
    assert routes.route(early, "T01", DAY, dry_run=True).after.km > 0


def test_map_page_has_one_stop_per_visit_and_lists_orders_without_position(workspace):
    area(workspace, 6, **{"AMS-00006": {"lat": "", "lon": "", "postcode": "9999"}})
    ctx = workspace.context()
    planning.assign(ctx, ["AMS-00001", "AMS-00002", "AMS-00006"], "T01", DAY, time(8),
                    timedelta(hours=1))  # fmt: skip
    planning.assign(ctx, ["AMS-00003"], "T02", NEXT, time(8), timedelta(hours=1))
    page = routes.map_page(ctx, [DAY], "T01")
    [t01] = page.routes
    assert [s.order_no for s in t01.stops] == ["AMS-00001", "AMS-00002"]
    assert [s.number for s in t01.stops] == [1, 2] and t01.start == HOME["T01"]
    assert page.unplaced == ["AMS-00006: no coordinates, and no order in postcode 9999 has any"]
    week = routes.map_page(ctx, [DAY + timedelta(days=i) for i in range(-2, 3)])
    assert sum(len(r.stops) for r in week.routes) == 3 and len(week.routes) == 2
    save_filter(ctx, "open", OrderFilter(status=["open"]))
    opened = routes.map_page(ctx, [DAY], filter_name="open")
    assert {s.order_no for r in opened.routes for s in r.stops} == {"AMS-00004", "AMS-00005"}


def test_plan_uses_the_osrm_servers_durations(workspace):
    from tests.fakes.osrm import FakeOsrm

    class SlowBridge(FakeOsrm):
        """Roads as the fake's, but one order (point `slow`) is an hour from everything."""

        slow: str = ""

        def cell(self, i, j, metres):
            far = i != j and self.slow in (str(i), str(j))
            return super().cell(i, j, metres + (50_000 if far else 0))

    area(workspace, 4)
    ctx = workspace.context()
    plain = routes.propose(ctx, OrderFilter(), DAY, DAY, ["T01"])
    fake = SlowBridge()
    with fake.serve() as running:
        configure(workspace, f'\n[routing]\nosrm_url = "{running.url}"\n')
        fast = routes.propose(workspace.context(), OrderFilter(), DAY, DAY, ["T01"])
        assert fake.requests  # asked the server
        fake.slow = "2"  # the third point (start point, then orders by id): AMS-00002
        slow = routes.propose(workspace.context(), OrderFilter(), DAY, DAY, ["T01"])
    [p], [f], [s] = plain.days, fast.days, slow.days
    assert f.figures.km != pytest.approx(p.figures.km)  # the server's roads, not ours
    assert s.figures.km > f.figures.km + 90  # there and back: twice 50 km
    assert s.figures.drive_minutes > f.figures.drive_minutes + 100
    order = [v.order_no for v in s.visits]
    starts = {v.order_no: v.start for v in s.visits}
    i = order.index("AMS-00002")
    if i > 0:
        prev = s.visits[i - 1]
        assert starts["AMS-00002"] >= prev.start + timedelta(minutes=prev.minutes + 60)
    else:
        assert starts["AMS-00002"] >= datetime.combine(DAY, time(8))


def test_an_order_no_road_reaches_is_named_not_numbered(workspace):
    from tests.fakes.osrm import FakeOsrm

    area(workspace, 3)
    fake = FakeOsrm()
    fake.no_road = {2}  # the third point (start point, then orders by id): AMS-00002
    with fake.serve() as running:
        configure(workspace, f'\n[routing]\nosrm_url = "{running.url}"\n')
        with pytest.raises(InputError, match="no road from T01's start point to AMS-00002: check"):
            routes.propose(workspace.context(), OrderFilter(), DAY, DAY, ["T01"])


def test_a_reopened_failed_visit_is_planned_again(workspace, tmp_path):
    from amsplan.services import booking, field
    from tests.helpers import awaiting

    configure(workspace, "\n[planning]\nsolutions = 10\n")
    [(order_no, _)] = awaiting(workspace, 1)  # T01 on 22.04.2026, locked, letter sent
    ctx = workspace.context()
    add_technician(ctx, "T01", lat="60.7945", lon="11.0680")
    booking.transition_orders(ctx, [order_no], "follow_up_manually")
    booking.transition_orders(ctx, [order_no], "send_to_execution")
    returns = tmp_path / "retur.csv"
    returns.write_text(
        "Ordrenr;Hendelse;Løsningskode;Tidspunkt;Montør;Merknad\n"
        f"{order_no};løst;Kunde ikke hjemme;2026-04-22 08:30;T01;\n",
        encoding="utf-8",
    )
    field.ingest_returns(ctx, returns)
    booking.transition_orders(ctx, [order_no], "reopen")
    later = workspace.context(now=datetime(2026, 4, 23, 6, 0, tzinfo=UTC))
    assert stored(workspace)[order_no].status == "reopened"
    next_week = date(2026, 4, 27)
    proposal = routes.propose(later, OrderFilter(), next_week, next_week)
    assert [v.order_no for d in proposal.days for v in d.new] == [order_no]
    assert not proposal.hit_time_limit  # one visit, one day: nothing to search for 30 s
    applied = routes.apply(later, proposal)
    assert not applied.skipped
    again = stored(workspace)[order_no]
    assert again.status == "planning"
    assert clock.to_local(again.planned_start, workspace.settings.tz).date() == next_week
