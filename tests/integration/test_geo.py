"""services.geo.locate: each selected order placed exactly, approximately (its
postcode's centre) or not at all, with the reason, from the database."""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from amsplan.errors import NotFound
from amsplan.services.geo import locate
from amsplan.services.orders import import_orders
from amsplan.store.models import Order
from tests.helpers import order_row, write_orders


def ids(ws) -> dict[str, int]:
    with ws.context().session() as s:
        return {o.order_no: o.id for o in s.exec(select(Order))}


def test_orders_are_placed_exactly_approximately_or_not_with_the_reason(workspace):
    rows = [
        order_row(1, postcode="2317", lat="60,80", lon="11,00"),
        order_row(2, postcode="2317", lat="60,70", lon="11,20"),
        order_row(3, postcode="2317", lat="", lon=""),  # centre of 2317
        order_row(4, postcode="2318", lat="61,00", lon=""),  # half: 2318 has no coordinates
        order_row(5, postcode="", lat="", lon=""),
        order_row(6, postcode="2380", lat="60,9", lon="10,9"),  # not selected, not counted
    ]
    import_orders(workspace.context(), write_orders(workspace.path / "orders.csv", rows))
    by_no = ids(workspace)
    placed = locate(workspace.context(), [by_no[f"AMS-{n:05d}"] for n in (1, 2, 3, 4, 5)])

    assert [p.order_no for p in placed.exact] == ["AMS-00001", "AMS-00002"]
    [approx] = placed.approximate
    assert approx.order_no == "AMS-00003"
    assert math.isclose(approx.lat, 60.75) and math.isclose(approx.lon, 11.10)
    assert "postcode 2317" in approx.reason
    reasons = {p.order_no: p.reason for p in placed.unplaceable}
    assert reasons == {
        "AMS-00004": "no coordinates (only one of latitude/longitude), and no order in "
        "postcode 2318 has any",
        "AMS-00005": "no coordinates and no postcode",
    }


def test_an_unknown_order_id_is_not_found(workspace):
    import_orders(workspace.context(), write_orders(workspace.path / "o.csv", [order_row(1)]))
    with pytest.raises(NotFound, match="no order with id 999999"):
        locate(workspace.context(), [*ids(workspace).values(), 999999])
