"""A history nobody can rewrite (issue 18): the hash chain amsplan writes, what
`db verify` finds when someone changed history behind amsplan's back, the triggers that
refuse rewrites, and the privacy purge, the one rewrite, recorded."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from amsplan.domain import chain
from amsplan.errors import AmsplanError
from amsplan.services import audit, booking
from amsplan.services.context import Context
from amsplan.services.privacy import purge
from amsplan.store import db
from amsplan.store.models import Comment, History, Order
from tests.helpers import DAY, assign_all, awaiting, seed
from tests.integration.test_privacy import closed_with_reply


def outside(ws, *statements: str) -> None:
    """SQL run as someone at the database would, not through amsplan: the sqlite3 module
    on the file (no amsplan triggers on its connection); on PostgreSQL the owner, who
    sets the rewrite flag in the transaction as a privacy purge does."""
    if ws.url.startswith("sqlite"):
        con = sqlite3.connect(ws.url.removeprefix("sqlite:///"))
        with con:
            for sql in statements:
                con.execute(sql)
        con.close()
        return
    import psycopg

    with psycopg.connect(ws.url) as con:
        con.execute("SELECT set_config('amsplan.rewrite', 'by hand', true)")
        for sql in statements:
            con.execute(sql)


def rows_of(ws, order_no: str) -> list[History]:
    with ws.context().session(readonly=True) as s:
        order = s.exec(select(Order).where(Order.order_no == order_no)).one()
        return list(
            s.exec(select(History).where(History.order_id == order.id).order_by(History.id))
        )


def found(ws) -> list[tuple[str, str, str]]:
    """`db verify`'s findings: (order, local time, kind)."""
    result = audit.verify(ws.context())
    tz = ws.settings.tz
    return [(f.order_no, f.at and f"{f.at.astimezone(tz):%d.%m.%Y %H:%M}", f.kind)
            for f in result.findings]  # fmt: skip


def login_beside(workspace, given: str | None) -> str | None:
    """The login recorded beside a test's actor: on SQLite the one the context names; on
    PostgreSQL the real login (the test server's superuser, acting for the test's users)."""
    return "postgres" if workspace.url.startswith("postgresql") else given


def test_the_history_ordinary_commands_write_verifies_whole(workspace, tmp_path):
    first, _ = closed_with_reply(workspace, tmp_path)  # letters, replies, close: 3 orders
    result = audit.verify(workspace.context())
    with workspace.context().session(readonly=True) as s:
        history = s.exec(select(History)).all()
    assert result.whole and result.findings == []
    assert (result.rows, result.orders) == (len(history), 3) and len(history) >= 12
    assert all(len(h.hash or "") == 64 for h in history)
    assert {h.login for h in history} == {login_beside(workspace, None)}
    mine = rows_of(workspace, first)
    assert mine[0].hash == chain.link(chain.GENESIS, mine[0].model_dump())
    assert all(b.hash == chain.link(a.hash or "", b.model_dump()) for a, b in pairwise(mine))


def test_a_login_acting_for_a_user_is_recorded_beside_it(workspace):
    awaiting(workspace, 1)
    cron = Context(settings=workspace.settings, user="svc-cron", login="cron")
    booking.transition_orders(cron, ["AMS-00001"], "follow_up_manually", "Ringer kunden")
    last = rows_of(workspace, "AMS-00001")[-1]
    assert (last.actor, last.login, last.transition) == (
        "svc-cron", login_beside(workspace, "cron"), "follow_up_manually"
    )  # fmt: skip
    assert audit.verify(workspace.context()).whole


def test_a_row_changed_outside_amsplan_is_reported_with_its_order_and_time(workspace):
    awaiting(workspace, 3)
    middle = rows_of(workspace, "AMS-00002")[1]
    outside(workspace, f"UPDATE history SET actor = 'ola' WHERE id = {middle.id}")
    assert found(workspace) == [("AMS-00002", "01.04.2026 08:00", "changed")]
    (finding,) = audit.verify(workspace.context()).findings
    assert middle.transition in finding.detail


def test_a_removed_middle_row_and_a_removed_last_row_are_reported(workspace):
    awaiting(workspace, 3)
    middle, last = rows_of(workspace, "AMS-00001")[1], rows_of(workspace, "AMS-00003")[-1]
    outside(workspace, f"DELETE FROM history WHERE id IN ({middle.id}, {last.id})")
    result = audit.verify(workspace.context())
    assert [(f.order_no, f.kind) for f in result.findings] == [
        ("AMS-00001", "removed"), ("AMS-00003", "removed"),
    ]  # fmt: skip
    # Each status by its label, and its key for whoever compares with the database.
    assert f"from {workspace.settings.label(middle.to_status)} ({middle.to_status})" in (
        result.findings[0].detail
    )
    assert "is Awaiting response (awaiting_response) but its history ends at Ready to print " \
        f"({last.from_status})" in result.findings[1].detail  # fmt: skip


def test_a_row_inserted_outside_amsplan_is_reported(workspace):
    awaiting(workspace, 1)
    last = rows_of(workspace, "AMS-00001")[-1]
    outside(workspace, (
        "INSERT INTO history (order_id, at, actor, transition, from_status, to_status, comment)"
        f" SELECT order_id, at, 'ola', 'confirm', to_status, 'ready_for_execution', ''"
        f" FROM history WHERE id = {last.id}"
    ))  # fmt: skip
    kinds = [kind for _, _, kind in found(workspace)]
    assert kinds == ["inserted"]  # the status then disagrees too, but that break says why


def test_amsplan_itself_cannot_update_or_delete_history_or_comments(workspace):
    awaiting(workspace, 1)
    ctx = workspace.context()
    with ctx.session() as s:  # a comment to try it on
        s.add(Comment(order_id=1, at=ctx.now(), actor="tester", text="Ringte"))
    for sql in ("UPDATE history SET actor = 'ola'", "DELETE FROM history",
                "UPDATE comment SET text = 'x'", "DELETE FROM comment"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"), ctx.session() as s:
            s.execute(text(sql))
    assert audit.verify(ctx).whole
    with ctx.session(readonly=True) as s:
        assert [c.text for c in s.exec(select(Comment))] == ["Ringte"]


@pytest.fixture
def pg_login(workspace):
    """A PostgreSQL login (unique name) that got every table right by mistake; dropped
    after. Its URL."""
    if not workspace.url.startswith("postgresql"):
        pytest.skip("PostgreSQL logins")
    import psycopg

    name = f"amsplan_intruder_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(workspace.url, autocommit=True) as con:
        con.execute(f"CREATE ROLE {name} LOGIN")
        con.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {name}")
        con.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {name}")
    yield workspace.url.replace("postgresql://postgres@", f"postgresql://{name}@", 1)
    with psycopg.connect(workspace.url, autocommit=True) as con:
        con.execute(f"DROP OWNED BY {name}")
        con.execute(f"DROP ROLE {name}")


def test_a_login_with_table_rights_cannot_rewrite_history_on_postgresql(workspace, pg_login):
    import psycopg

    awaiting(workspace, 1)
    with psycopg.connect(pg_login) as con:  # it may read and add ...
        assert con.execute("SELECT count(*) FROM history").fetchone()[0] == 3
    for sql in ("UPDATE history SET actor = 'ola'", "DELETE FROM history",
                "TRUNCATE history", "UPDATE comment SET text = ''"):  # fmt: skip
        for flag in (False, True):  # ... not rewrite, even with the purge's flag
            refused = pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only")
            with refused, psycopg.connect(pg_login) as con:
                if flag:
                    con.execute("SELECT set_config('amsplan.rewrite', 'purge', true)")
                con.execute(sql)
    assert audit.verify(workspace.context()).whole
    assert {h.actor for h in rows_of(workspace, "AMS-00001")} == {"tester"}


def test_a_purge_by_a_login_that_is_not_the_owner_is_refused_before_anything(
    workspace, tmp_path, pg_login
):
    first, _ = closed_with_reply(workspace, tmp_path)
    settings = dataclasses.replace(workspace.settings, database_url=pg_login)
    intruder = Context(settings=settings, user=pg_login.split("://", 1)[1].split("@", 1)[0])
    with pytest.raises(AmsplanError, match=r"needs the owner of amsplan's tables \(postgres\)"):
        purge(intruder, date(2026, 5, 2))
    intruder.close()
    with workspace.context().session(readonly=True) as s:
        assert s.exec(select(Order).where(Order.order_no == first)).one().purged_at is None


def test_the_purge_is_recorded_and_the_chain_still_verifies(workspace, tmp_path):
    first, second = closed_with_reply(workspace, tmp_path)
    assert any(h.comment for h in rows_of(workspace, first))  # "Kari ville ikke"
    owner = Context(settings=workspace.settings, user="kari", login="drift")
    owner.now = lambda: datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert purge(owner, date(2026, 5, 2)).orders == 2
    assert audit.verify(workspace.context()).whole
    assert all(h.comment == "" for h in rows_of(workspace, first))
    with workspace.context().session(readonly=True) as s:
        notes = s.exec(select(Comment, Order.order_no).join(Order).where(Comment.kind == "privacy"))
        recorded = {no: (c.actor, c.login, c.text, c.at) for c, no in notes}
    assert set(recorded) == {first, second}
    actor, login, note, at = recorded[first]
    assert (actor, login, at.astimezone(UTC)) == (
        "kari",
        login_beside(workspace, "drift"),
        owner.now(),
    )
    assert note.startswith("Personopplysninger slettet") and "02.05.2026" in note


def test_a_purge_does_not_hide_a_break_made_before_it(workspace, tmp_path):
    first, second = closed_with_reply(workspace, tmp_path)
    changed = rows_of(workspace, second)[1]
    outside(workspace, f"UPDATE history SET actor = 'ola' WHERE id = {changed.id}")
    assert purge(workspace.context(), date(2026, 5, 2)).orders == 2
    assert [(no, kind) for no, _, kind in found(workspace)] == [(second, "changed")]


def test_a_database_before_the_chain_gets_it_on_upgrade(empty_database_url):
    engine = db.make_engine(empty_database_url)
    db.upgrade(engine, "0009")
    at = datetime(2026, 4, 10, 8, 0, 0, 250000, tzinfo=UTC)
    with engine.begin() as conn:  # history as amsplan 0009 wrote it
        for n in (1, 2):
            conn.execute(text(
                "INSERT INTO work_order (order_no, meter_point_id, meter_number, customer_name,"
                " street, postcode, city, municipality_no, phone, email, stage, description,"
                " important_info, difficult_meter, no_sms, status, cancelled, search_text,"
                " version, created_at, updated_at) VALUES (:no, '', '', '', '', '', '', '',"
                " '', '', '', '', false, false, false, 'planning', false, '', 1, :at, :at)"
            ), {"no": f"AMS-{n}", "at": at})  # fmt: skip
        for order_id, moves in ((1, ["open", "planning", "on_hold", "planning"]),
                                (2, ["open", "planning"])):  # fmt: skip
            for before, after in pairwise(moves):
                conn.execute(text(
                    "INSERT INTO history (order_id, at, actor, transition, from_status,"
                    " to_status, comment) VALUES (:o, :at, 'kari', 'x', :f, :t, 'Åse')"
                ), {"o": order_id, "at": at, "f": before, "t": after})  # fmt: skip
    db.upgrade(engine)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM history ORDER BY id"))]
    engine.dispose()
    assert [r["hash"] for r in rows] == [
        chain.link("", {**rows[0], "at": at}),
        chain.link(rows[0]["hash"], {**rows[1], "at": at}),
        chain.link(rows[1]["hash"], {**rows[2], "at": at}),
        chain.link("", {**rows[3], "at": at}),
    ]


def test_the_bench_fixture_writes_a_whole_chain(workspace):
    from tests.integration.test_bench_fixture import _plan, fixture

    order_nos = seed(workspace, 8)
    summary = {"plans": 0, "assigned": 0, "done": 0, "refused": 0}
    fixture.in_bulk(workspace.context(user="bench-fixture"), "lock", [_plan("T01", order_nos)],
                    summary)  # fmt: skip
    result = audit.verify(workspace.context())
    assert (result.whole, result.rows, summary["done"]) == (True, 16, 8)


def test_two_processes_moving_the_same_orders_at_once_keep_the_chain_whole(workspace):
    from tests.integration.test_concurrency import together

    order_nos = seed(workspace, 8)
    assign_all(workspace, order_nos)
    results = together(
        workspace, ["lock", "--tech", "T01", "--date", DAY.isoformat()], ["lock", *order_nos[2:]]
    )
    assert all(r.returncode in (0, 1) for r in results), [r.stderr for r in results]
    result = audit.verify(workspace.context())
    assert (result.whole, result.rows) == (True, 16)  # plan and lock, each order once
