"""Status counts and the follow-up list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from amsplan.domain import codes
from amsplan.errors import NotFound
from amsplan.services import workflow
from amsplan.services.replies import ingest
from amsplan.services.views import followup_list, status_counts
from amsplan.store.models import Order
from tests.helpers import awaiting, seed


def test_status_counts_cover_every_status(workspace):
    seed(workspace, 4)
    counts = status_counts(workspace.context())
    assert counts["open"] == 4 and sum(counts.values()) == 4 and len(counts) == 12


def test_followup_list_says_why_and_sorts_by_appointment(workspace, tmp_path):
    booked = awaiting(workspace, 3)
    rows = [
        f"2026-04-15 10:00;+4790000001;{codes.format_code(booked[2][1])} KONTAKT",
        f"2026-04-15 10:01;+4790000002;{codes.format_code(booked[0][1])} Ok!!",
    ]
    (tmp_path / "svar.csv").write_text("Mottatt;Avsender;Melding\n" + "\n".join(rows) + "\n")
    ingest(workspace.context(), tmp_path / "svar.csv")
    ctx = workspace.context()
    with ctx.session() as s:  # the planner gives up waiting for the second customer
        order = s.exec(select(Order).where(Order.order_no == booked[1][0])).one()
        workflow.apply(s, ctx, order, "follow_up_manually", comment="Ringte, ingen svar")
    items = followup_list(ctx)
    assert [(f.order_no, f.reason) for f in items] == [
        (booked[0][0], "customer replied: Ok!!"),
        (booked[1][0], "Ringte, ingen svar"),
        (booked[2][0], "customer replied: KONTAKT"),
    ]
    assert [f.appointment.hour for f in items] == [8, 9, 10]
    assert len(followup_list(ctx, tech_id="T01")) == 3
    with pytest.raises(NotFound):
        followup_list(ctx, tech_id="T02")


def test_holds_show_up_when_their_date_has_passed(workspace):
    (order_no,) = seed(workspace, 1)
    ctx = workspace.context()
    with ctx.session() as s:
        order = s.exec(select(Order)).one()
        order.status = "planning"
        workflow.apply(s, ctx, order, "hold", until=date(2026, 5, 1))
    before = workspace.context(now=datetime(2026, 4, 30, 12, tzinfo=UTC))
    after = workspace.context(now=datetime(2026, 5, 1, 12, tzinfo=UTC))
    assert followup_list(before) == []
    (item,) = followup_list(after)
    assert (item.order_no, item.reason) == (order_no, "hold date 01.05.2026 has passed")
