"""bench/fixture.py writes in bulk what the service calls write: the same orders, timeline,
codes and messages (its figures are only worth the state they are measured on).

Two technicians with the same name and hours get a day each: orders 1-8 through the
services (`amsplan assign`, then `sms book` or `lock`), orders 9-16 (the same customer)
in bulk; every row either path wrote is compared, order by order, with ids, order
numbers, technician ids and booking codes taken out."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from amsplan.errors import InputError
from amsplan.services.technicians import add_technician
from tests.helpers import DAY, seed

_spec = importlib.util.spec_from_file_location(
    "bench_fixture", Path(__file__).resolve().parents[2] / "bench" / "fixture.py"
)
assert _spec and _spec.loader
fixture = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fixture
_spec.loader.exec_module(fixture)

AT = datetime(2026, 4, 14, 19, 30, tzinfo=UTC)  # in quiet hours: the SMS waits for 09:00
SAME = {"name": "Kari Nordmann", "phone": "41234567", "street": "Storgata 1"}
# Per table: the order column, and the columns that differ between two orders anyway.
TABLES = {
    "work_order": ("id", {"id", "order_no", "meter_point_id", "meter_number", "version"}),
    "history": ("order_id", {"id", "order_id", "hash"}),  # the hash covers the order id
    "booking_code": ("order_id", {"order_id"}),
    "sms": ("order_id", {"id", "order_id"}),
    "comment": ("order_id", {"id", "order_id"}),
    "followup_flag": ("order_id", {"id", "order_id"}),
    "letter": ("order_id", {"id", "order_id"}),
}


def _plan(tech: str, order_nos: list[str]) -> dict:
    return {"tech": tech, "date": DAY.isoformat(), "start": "08:00", "slot_minutes": 60,
            "orders": order_nos, "at": AT.isoformat()}  # fmt: skip


def _rows(ws, order_nos: list[str]) -> dict[str, list[tuple]]:
    """Every row of the orders, per table, in order-number order, comparable between
    the two technicians' orders."""
    ctx = ws.context()
    out: dict[str, list[tuple]] = {}
    with ctx.session(readonly=True) as s:
        ids = dict(s.execute(text("SELECT order_no, id FROM work_order")).all())
        codes = {c for (c,) in s.execute(text("SELECT code FROM booking_code"))}
        wanted = [ids[n] for n in order_nos]
        for table, (by, differ) in TABLES.items():
            result = s.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            names = list(result.keys())
            rows = [dict(zip(names, r, strict=True)) for r in result]
            per_order = {i: [] for i in wanted}
            for row in rows:
                if row[by] in per_order:
                    per_order[row[by]].append(
                        tuple(_same(v, codes) for k, v in sorted(row.items()) if k not in differ)
                    )
            out[table] = [sorted(per_order[i], key=repr) for i in wanted]
    return out


def _same(value, codes: set[str]):
    """A value with what tells the two technicians and the codes apart taken out."""
    if isinstance(value, str):
        value = value.replace("T02", "T01")
        for code in codes:
            value = value.replace(code, "CODE").replace(f"{code[:4]}-{code[4:]}", "CODE")
        value = re.sub(r"\bAMS-\d{5}\b", "AMS-N", value)
    return value


@pytest.mark.parametrize("action", ["assign", "sms_book", "lock"])
def test_the_bulk_fixture_writes_what_the_services_write(workspace, action):
    order_nos = seed(workspace, 16, **SAME)
    ctx = workspace.context(user="bench-fixture")
    add_technician(ctx, "T02", "Ola Montør", "41234567", "07:00", "16:00")
    summaries = []
    for build, tech, orders in ((fixture.through_services, "T01", order_nos[:8]),
                                (fixture.in_bulk, "T02", order_nos[8:])):  # fmt: skip
        summary = {"plans": 0, "assigned": 0, "done": 0, "refused": 0}
        build(workspace.context(user="bench-fixture"), action, [_plan(tech, orders)], summary)
        summaries.append(summary)
    assert summaries[0] == summaries[1] == {
        "plans": 1, "assigned": 8, "done": 0 if action == "assign" else 8, "refused": 0,
    }  # fmt: skip
    services, bulk = _rows(workspace, order_nos[:8]), _rows(workspace, order_nos[8:])
    assert services == bulk
    written = {table: sum(map(len, rows)) for table, rows in bulk.items() if any(rows)}
    assert (
        written
        == {
            "assign": {"work_order": 8, "history": 8},
            "sms_book": {"work_order": 8, "history": 16, "booking_code": 8, "sms": 8},
            "lock": {"work_order": 8, "history": 16, "booking_code": 8},
        }[action]
    )


def test_the_bulk_fixture_refuses_a_day_the_services_refuse(workspace):
    order_nos = seed(workspace, 2)
    saturday = {**_plan("T01", order_nos), "date": "2026-04-25"}
    with pytest.raises(InputError, match="nothing was assigned") as refused:
        fixture.in_bulk(workspace.context(), "sms_book", [saturday], {})
    assert "not one of the technician's working days" in refused.value.problems[0]
    with workspace.context().session(readonly=True) as s:
        assert s.execute(text("SELECT count(*) FROM history")).scalar() == 0
