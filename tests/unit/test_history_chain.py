"""The history's hash chain (domain.chain): one canonical encoding, whatever gave the
values, and what a broken link is called."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from amsplan.domain import chain
from amsplan.domain.statuses import Status

OSLO = ZoneInfo("Europe/Oslo")
AT = datetime(2026, 4, 1, 6, 0, 0, 123456, tzinfo=UTC)  # 08:00:00.123456 in Oslo
ROW = {
    "order_id": 1, "at": AT, "actor": "kari", "login": None, "transition": "plan",
    "from_status": Status.OPEN, "to_status": Status.PLANNING, "comment": "Ringte Åse",
    "technician_id": "T01", "resolution": None,
}  # fmt: skip
# The hash of ROW first in its order. Stored hashes depend on it: a change of the encoding
# needs a migration that recomputes every chain.
EXPECTED = "686a1391244acbf107993789509398e4526c4e96cb8b8e74bbdffc229dab4c26"


def test_the_encoding_is_pinned():
    assert chain.canonical("", ROW) == (
        b'["",1,"2026-04-01T06:00:00.123456+00:00","kari",null,"plan","open","planning",'
        b'"Ringte \\u00c5se","T01",null]'
    )
    assert chain.link("", ROW) == EXPECTED


def test_the_encoding_is_json():
    """Whatever a comment holds: quotes, backslashes, control characters, emoji."""
    odd = 'Sa "nei" \\ C:\\temp\n\t\x00 \u2028 Åse 😀 \ud800'
    row = {**ROW, "comment": odd, "actor": "ø", "login": "", "order_id": 12345678901}
    values = ["x", 12345678901, "2026-04-01T06:00:00.123456+00:00", "ø", "", "plan", "open",
              "planning", odd, "T01", None]  # fmt: skip
    assert chain.canonical("x", row) == json.dumps(values, separators=(",", ":")).encode()


def test_the_event_s_own_time_is_hashed_only_where_a_row_has_one():
    """Rows before schema 0011 (no happened_at) keep their hashes; a row with one is
    hashed with it, so setting or clearing it outside amsplan breaks the link."""
    assert chain.link("", {**ROW, "happened_at": None}) == EXPECTED
    field = datetime(2026, 3, 31, 23, 30, tzinfo=OSLO)  # a return's own time, local
    row = {**ROW, "happened_at": field}
    values = ["", 1, "2026-04-01T06:00:00.123456+00:00", "kari", None, "plan", "open",
              "planning", "Ringte Åse", "T01", None,
              "2026-03-31T21:30:00.000000+00:00"]  # fmt: skip
    assert chain.canonical("", row) == json.dumps(values, separators=(",", ":")).encode()
    assert chain.link("", row) != EXPECTED


def test_the_time_hashes_alike_from_python_sqlite_and_postgresql():
    naive = AT.replace(tzinfo=None)  # SQLite gives UTC without an offset
    local = AT.astimezone(OSLO)  # Python code may hold local time
    for at in (naive, local, AT.astimezone(ZoneInfo("America/New_York"))):
        assert chain.link("", {**ROW, "at": at}) == EXPECTED
    assert chain.link("", {**ROW, "at": AT.replace(microsecond=123457)}) != EXPECTED


def test_statuses_hash_as_their_values_and_none_is_not_empty():
    assert chain.link("", {**ROW, "from_status": "open", "to_status": "planning"}) == EXPECTED
    assert chain.link("", {**ROW, "login": ""}) != EXPECTED
    assert chain.link("", {**ROW, "resolution": ""}) != EXPECTED


def test_every_field_and_the_previous_hash_count():
    for name, other in [("order_id", 2), ("actor", "ola"), ("login", "cron"),
                        ("transition", "lock"), ("to_status", Status.ON_HOLD),
                        ("comment", "Ringte Ase"), ("technician_id", "T02"),
                        ("resolution", "Annet")]:  # fmt: skip
        assert chain.link("", {**ROW, name: other}) != EXPECTED, name
    assert chain.link(EXPECTED, ROW) != EXPECTED


def rows_of(*moves: tuple[str, str], order_id: int = 1) -> list[dict]:
    """An order's chained rows for these (from, to) moves, an hour apart."""
    rows, previous = [], chain.GENESIS
    for i, (before, after) in enumerate(moves):
        row = {**ROW, "order_id": order_id, "id": 10 * order_id + i, "from_status": before,
               "to_status": after, "at": AT.replace(hour=6 + i), "transition": f"t{i}"}  # fmt: skip
        row["hash"] = previous = chain.link(previous, row)
        rows.append(row)
    return rows


MOVES = [
    ("open", "planning"),
    ("planning", "ready_to_print"),
    ("ready_to_print", "awaiting_response"),
]


def test_a_whole_chain_has_no_break():
    assert list(chain.check(rows_of(*MOVES) + rows_of(*MOVES, order_id=2))) == []


def test_a_changed_row_is_one_break_not_one_per_row_after_it():
    rows = rows_of(*MOVES)
    rows[1]["actor"] = "someone else"
    (found,) = chain.check(rows)
    assert (found.order_id, found.row_id, found.kind) == (1, 11, "changed")
    assert found.at == AT.replace(hour=7)


def test_a_removed_row_is_told_by_where_the_next_one_starts():
    rows = rows_of(*MOVES)
    (middle,) = chain.check([rows[0], rows[2]])
    assert (middle.row_id, middle.kind) == (12, "removed")
    assert "from ready_to_print" in middle.detail and "left it planning" in middle.detail
    (first,) = chain.check(rows[1:])
    assert (first.row_id, first.kind) == (11, "removed")


def test_a_row_without_a_hash_was_inserted_outside_amsplan_and_the_chain_goes_on():
    rows = rows_of(*MOVES)
    intruder = {**rows[2], "id": 99, "hash": None, "from_status": "awaiting_response"}
    (found,) = chain.check([*rows, intruder])
    assert (found.row_id, found.kind) == (99, "inserted")


def test_rechaining_a_change_keeps_the_chain_whole_and_a_break_broken():
    rows = rows_of(*MOVES)
    new = dict(chain.rechain(rows, comment=""))
    blanked = [{**row, "comment": "", "hash": new[row["id"]]} for row in rows]
    assert list(chain.check(blanked)) == []
    rows[0]["actor"] = "changed outside amsplan"
    new = dict(chain.rechain(rows, comment=""))
    blanked = [{**row, "comment": "", "hash": new[row["id"]]} for row in rows]
    assert [(b.row_id, b.kind) for b in chain.check(blanked)] == [(10, "changed")]


def test_the_same_row_read_back_from_each_database_has_the_same_hash(workspace):
    """Written by amsplan (store.pending), read back by the driver: same hash, the
    pinned one, on SQLite and on PostgreSQL."""
    from amsplan.store import pending
    from amsplan.store.models import History
    from tests.helpers import seed

    seed(workspace, 1)
    with workspace.context().session() as s:
        pending.add(s, History, {**ROW, "at": AT.astimezone(OSLO)})
    with workspace.context().session() as s:
        stored = s.exec(select(History)).one()
    assert stored.hash == EXPECTED
    assert chain.link("", stored.model_dump()) == EXPECTED
    assert stored.at.microsecond == 123456


def test_an_order_with_no_history_left_says_so():
    found = chain.last_row_missing(7, "planning", None, None)
    assert (found.order_id, found.row_id, found.at, found.kind) == (7, None, None, "removed")
    assert "no history left" in found.detail
