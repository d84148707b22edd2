"""Order numbers as planners type them: in any case, many at once."""

from __future__ import annotations

import pytest

from amsplan.errors import InputError, NotFound
from amsplan.services.orders import import_orders
from amsplan.store import orders as store_orders
from tests.helpers import order_row, write_orders


def test_load_orders_finds_many_numbers_in_any_case_in_the_given_order(workspace):
    ctx = workspace.context()
    rows = [order_row(n) for n in range(1, 2001)]
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))
    typed = [f"ams-{n:05d}" if n % 2 else f"AMS-{n:05d}" for n in range(2000, 0, -1)]

    with ctx.session() as s:
        loaded = store_orders.load_orders(s, typed)

    assert [o.order_no for o in loaded] == [n.upper() for n in typed]
    with ctx.session() as s, pytest.raises(NotFound, match="no such order: ams-09999"):
        store_orders.load_orders(s, ["AMS-00001", "ams-09999"])
    with (
        ctx.session() as s,
        pytest.raises(InputError, match="given twice: AMS-00001 and ams-00001"),
    ):
        store_orders.load_orders(s, ["AMS-00001", "ams-00001"])


def ascii_swapcase(text: str) -> str:
    return "".join(ch.swapcase() if ch.isascii() else ch for ch in text)


@pytest.mark.parametrize("number", ["AMS-00001", "Mål-Nordland-Nord-1"])  # 3 and 15 letters
def test_same_number_matches_a_column_in_any_case(workspace, number):
    from sqlmodel import select

    from amsplan.store.models import InboundMessage
    from amsplan.store.orders import same_number

    lower = "".join(ch.lower() if ch.isascii() else ch for ch in number)
    written = [number, lower, ascii_swapcase(number), number + "0", number[1:]]
    with workspace.context().session() as s:
        for i, order_no in enumerate(written):
            s.add(InboundMessage(source="returns", source_file="r.csv", source_sha256="x",
                                 line_no=i, order_no=order_no, kind="started",
                                 outcome="applied"))  # fmt: skip
    with workspace.context().session() as s:
        query = select(InboundMessage.order_no).where(
            same_number(InboundMessage.order_no, ascii_swapcase(lower))
        )
        assert sorted(s.exec(query)) == sorted(written[:3])
