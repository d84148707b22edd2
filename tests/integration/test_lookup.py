"""Order numbers as planners type them: in any case, many at once."""

from __future__ import annotations

import pytest

from amsplan.errors import InputError, NotFound
from amsplan.services import planning
from amsplan.services.orders import import_orders
from tests.helpers import order_row, write_orders


def test_load_orders_finds_many_numbers_in_any_case_in_the_given_order(workspace):
    ctx = workspace.context()
    rows = [order_row(n) for n in range(1, 2001)]
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))
    typed = [f"ams-{n:05d}" if n % 2 else f"AMS-{n:05d}" for n in range(2000, 0, -1)]

    with ctx.session() as s:
        loaded = planning.load_orders(s, typed)

    assert [o.order_no for o in loaded] == [n.upper() for n in typed]
    with ctx.session() as s, pytest.raises(NotFound, match="no such order: ams-09999"):
        planning.load_orders(s, ["AMS-00001", "ams-09999"])
    with (
        ctx.session() as s,
        pytest.raises(InputError, match="given twice: AMS-00001 and ams-00001"),
    ):
        planning.load_orders(s, ["AMS-00001", "ams-00001"])
