"""Search: every filter field, saved filters, and the calendar's gaps and overlaps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from amsplan.domain.statuses import Status
from amsplan.errors import InputError, NotFound
from amsplan.services import booking, calendar, planning
from amsplan.services.search import (
    OrderFilter,
    delete_filter,
    list_filters,
    resolve_selection,
    save_filter,
    search,
)
from amsplan.store.models import Order
from tests.helpers import DAY, assign_all, order_row, seed, write_orders


@pytest.fixture
def data(workspace, tmp_path):
    """Six orders that differ in one field each, three of them planned and locked."""
    seed(workspace, 1)
    rows = [
        order_row(1),
        order_row(2, stage="Etappe 2", postcode="2380", city="BRUMUNDDAL", municipality="3411"),
        order_row(3, name="Åse Ødegård", street="Bjørkeveien 3", important="Ja"),
        order_row(4, difficult="Ja", mpid="707057500999999997"),
        order_row(5, name="Per 100% Hansen_x"),
        order_row(6),
    ]
    from amsplan.services.orders import import_orders

    import_orders(workspace.context(), write_orders(tmp_path / "o.csv", rows))
    assign_all(workspace, ["AMS-00001", "AMS-00002"])
    assign_all(workspace, ["AMS-00003"], day=DAY + timedelta(days=1))
    result = planning.lock(workspace.context(), ["AMS-00001"])
    return workspace, result.locked[0][1]


def found(ws, **criteria) -> list[str]:
    orders, total = search(ws.context(), OrderFilter(**criteria), sort="order")
    assert total == len(orders)
    return [o.order_no for o in orders]


def test_each_filter_field(data):
    ws, code = data
    assert found(ws, status=["ready_to_print"]) == ["AMS-00001"]
    assert found(ws, status=["open", "planning"]) == [
        "AMS-00002", "AMS-00003", "AMS-00004", "AMS-00005", "AMS-00006"
    ]  # fmt: skip
    assert found(ws, tech="T01") == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert found(ws, date_from=DAY, date_to=DAY) == ["AMS-00001", "AMS-00002"]
    assert found(ws, date_from=DAY + timedelta(days=1)) == ["AMS-00003"]
    assert found(ws, stage="Etappe 2") == ["AMS-00002"]
    assert found(ws, municipality="3411") == ["AMS-00002"]
    assert found(ws, postcode="2380") == ["AMS-00002"]
    assert found(ws, important=True) == ["AMS-00003"]
    assert found(ws, difficult=True) == ["AMS-00004"]
    assert found(ws, cancelled=True) == []
    assert found(ws, text="ødegård") == ["AMS-00003"]  # any case, in the name
    assert found(ws, text="bjørkeveien") == ["AMS-00003"]  # in the address
    assert found(ws, text="100%") == ["AMS-00005"]  # % and _ are literal
    assert found(ws, text="n_x") == ["AMS-00005"]
    assert found(ws, code=code.lower()) == ["AMS-00001"]
    assert found(ws, code=code[:-1] + ("A" if code[-1] != "A" else "C")) == []  # a typo
    assert found(ws, meter_point="707057500999999997") == ["AMS-00004"]
    assert found(ws, stage="Etappe 1", status=["open"]) == ["AMS-00004", "AMS-00005", "AMS-00006"]


def test_values_are_bound_never_spliced_into_sql(data):
    ws, _ = data
    assert found(ws, text="' OR 1=1 --") == []
    assert found(ws, stage="x'; DROP TABLE work_order; --") == []
    assert len(found(ws)) == 6


def test_bad_criteria_are_clear_errors(data):
    ws, _ = data
    with pytest.raises(InputError, match="--status 'lost'"):
        OrderFilter(status=["lost"])
    with pytest.raises(InputError, match="--to is before --from"):
        OrderFilter(date_from=DAY, date_to=DAY - timedelta(days=1))
    with pytest.raises(NotFound):
        search(ws.context(), OrderFilter(tech="T99"))
    with pytest.raises(InputError, match="--sort"):
        search(ws.context(), OrderFilter(), sort="random")


def test_saved_filters_are_stored_listed_used_and_deleted(data):
    ws, _ = data
    save_filter(ws.context(), "Etappe 1 åpne", OrderFilter(stage="Etappe 1", status=["open"]))
    names = [n for n, _, _ in list_filters(ws.context())]
    assert "Etappe 1 åpne" in names and "Alle ordre klar til utskrift" in names
    assert resolve_selection(ws.context(), None, "Etappe 1 åpne") == [
        "AMS-00004", "AMS-00005", "AMS-00006"
    ]  # fmt: skip
    assert resolve_selection(ws.context(), None, "Alle ordre klar til utskrift") == ["AMS-00001"]
    with pytest.raises(InputError, match="not both"):
        resolve_selection(ws.context(), ["AMS-00001"], "Etappe 1 åpne")
    with pytest.raises(InputError, match="predefined"):
        delete_filter(ws.context(), "Alle bomturer")
    delete_filter(ws.context(), "Etappe 1 åpne")
    with pytest.raises(NotFound):
        resolve_selection(ws.context(), None, "Etappe 1 åpne")


def test_mass_transition_moves_the_allowed_and_reports_the_refused(data):
    ws, _ = data
    everything = [f"AMS-0000{n}" for n in range(1, 7)]
    dry = booking.transition_orders(ws.context(), everything, "hold", dry_run=True,
                                    until=date(2026, 6, 1))  # fmt: skip
    assert [n for n, _ in dry.moved] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    with ws.context().session() as s:
        assert {o.status for o in s.exec(select(Order))} >= {"ready_to_print", "planning"}
    result = booking.transition_orders(ws.context(), everything, "hold", until=date(2026, 6, 1))
    assert [n for n, _ in result.moved] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert [n for n, _ in result.refused] == ["AMS-00004", "AMS-00005", "AMS-00006"]
    assert all("the order is Open" in reason for _, reason in result.refused)
    assert found(ws, status=[Status.ON_HOLD.value]) == ["AMS-00001", "AMS-00002", "AMS-00003"]


def test_calendar_day_with_gaps(data):
    ws, _ = data
    day = calendar.technician_day(ws.context(), "T01", DAY)
    assert [(v.sequence, v.start.time(), v.order_no) for v in day.visits] == [
        (1, time(8), "AMS-00001"), (2, time(9), "AMS-00002")
    ]  # fmt: skip
    assert [(a.time(), b.time()) for a, b in day.gaps] == [(time(7), time(8)), (time(10), time(16))]
    assert day.overlaps == [] and day.booked_minutes == 120 and day.working_minutes == 540
    loads = {ld.tech_id: ld for ld in calendar.load(ws.context(), DAY)}
    assert (loads["T01"].visits, loads["T01"].booked_minutes) == (2, 120)


def test_calendar_shows_overlaps(data):
    ws, _ = data
    with ws.context().session() as s:  # two visits at once (e.g. data from another system)
        order = s.exec(select(Order).where(Order.order_no == "AMS-00003")).one()
        first = s.exec(select(Order).where(Order.order_no == "AMS-00001")).one()
        order.planned_start = first.planned_start + timedelta(minutes=30)
        s.add(order)
    day = calendar.technician_day(ws.context(), "T01", DAY)
    assert day.overlaps == [("AMS-00001", "AMS-00003"), ("AMS-00003", "AMS-00002")]
    week = calendar.week(ws.context(), "T01", DAY)
    assert [d.day.weekday() for d in week] == [0, 1, 2, 3, 4]
    assert isinstance(week[2].work_start, datetime)


def test_the_postcode_sort_is_the_visiting_order_assign_uses(workspace, tmp_path):
    """orders list --sort postcode shows the order assign --filter places them in: by
    postcode, then street in natural order ("Stangevegen 7" before "Stangevegen 12")."""
    rows = [
        order_row(1, street="Stangevegen 12", postcode="2335"),
        order_row(2, street="Stangevegen 7", postcode="2335"),
        order_row(3, street="Aveien 1", postcode="2340"),
        order_row(4, street="Stangevegen 57", postcode="2335"),
    ]
    from amsplan.services.orders import import_orders

    import_orders(workspace.context(), write_orders(tmp_path / "o.csv", rows))
    expected = ["AMS-00002", "AMS-00001", "AMS-00004", "AMS-00003"]

    listed, total = search(workspace.context(), OrderFilter(), sort="postcode")
    assert [o.order_no for o in listed] == expected and total == 4
    first_two, _ = search(workspace.context(), OrderFilter(), sort="postcode", limit=2)
    assert [o.order_no for o in first_two] == expected[:2]
