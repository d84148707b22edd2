"""amsplan privacy purge: anonymise old closed orders, keep the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from amsplan.services import booking, exports
from amsplan.services.privacy import ANONYMOUS, purge
from amsplan.services.replies import ingest
from amsplan.store.models import Comment, History, Order, Reply
from tests.cli.support import data, fails, ok
from tests.helpers import awaiting


def closed_with_reply(ws, tmp_path):
    booked = awaiting(ws, 3)
    rows = [f"2026-04-15 10:0{i};+4790000001;{code} Ring meg, Kari her" for i, (_, code)
            in enumerate(booked)]  # fmt: skip
    (tmp_path / "svar.csv").write_text("Mottatt;Avsender;Melding\n" + "\n".join(rows) + "\n")
    ingest(ws.context(), tmp_path / "svar.csv")
    first, second, _ = (n for n, _ in booked)
    ctx = ws.context(now=datetime(2026, 5, 1, 10, tzinfo=UTC))
    booking.transition_orders(ctx, [first, second], "close", "Kari ville ikke", resolution="Annet")
    return first, second


def test_purge_anonymises_closed_orders_and_keeps_statistics(workspace, tmp_path):
    first, second = closed_with_reply(workspace, tmp_path)
    before = exports.failed_visits(workspace.context())
    assert purge(workspace.context(), date(2026, 5, 1)).orders == 0  # closed that day: kept
    dry = purge(workspace.context(), date(2026, 5, 2), dry_run=True)
    assert (dry.orders, dry.replies) == (2, 2)
    with workspace.context().session() as s:
        assert s.exec(select(Order).where(Order.order_no == first)).one().customer_name != (
            ANONYMOUS
        )
    result = purge(workspace.context(), date(2026, 5, 2))
    assert result.orders == 2
    with workspace.context().session() as s:
        orders = {o.order_no: o for o in s.exec(select(Order))}
        replies = s.exec(select(Reply)).all()
        comments = s.exec(select(Comment)).all()
        history = s.exec(select(History)).all()
    gone = orders[first]
    assert (gone.customer_name, gone.street, gone.phone, gone.mobile) == (ANONYMOUS, "", "", None)
    assert (gone.postcode, gone.status, gone.resolution) == ("2317", "closed", "Annet")
    assert orders["AMS-00003"].customer_name == "Kari Nordmann 3"  # not closed: kept
    assert sorted(r.text for r in replies).count(ANONYMOUS) == 2
    assert not any("Kari" in c.text for c in comments if c.order_id == gone.id)
    assert all(h.comment == "" for h in history if h.order_id == gone.id)
    assert [h.transition for h in history if h.order_id == gone.id][-1] == "close"
    assert exports.failed_visits(workspace.context()) == before
    assert purge(workspace.context(), date(2026, 5, 2)).orders == 0  # done once


def test_purge_command_shows_the_count_and_asks(workspace, tmp_path):
    closed_with_reply(workspace, tmp_path)
    dry = data("privacy", "purge", "--closed-before", "2026-05-02", "--dry-run")
    assert dry["orders"] == 2
    fails(1, "privacy", "purge", "--closed-before", "2026-05-02")  # no answer: aborted
    assert data("privacy", "purge", "--closed-before", "2026-05-02", "--dry-run")["orders"] == 2
    out = ok("privacy", "purge", "--closed-before", "2026-05-02", "--yes").stdout
    assert "2 orders closed before 02.05.2026 were anonymised" in out
