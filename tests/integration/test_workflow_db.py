"""Transitions applied to stored orders: history, effects, and refusals leave no trace."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from amsplan.domain.statuses import Status
from amsplan.domain.transitions import TABLE
from amsplan.errors import TransitionRefused
from amsplan.services import workflow
from amsplan.store.models import BookingCode, Comment, History, Letter
from amsplan.store.orders import get_order
from tests.helpers import assign_all, seed

PARAMS = {
    "resolution": "OK", "until": date(2026, 5, 1), "text": "KONTAKT", "reconsider": "own_reply",
}  # fmt: skip


def test_every_transition_from_every_status_on_a_stored_order(workspace):
    (order_no,) = seed(workspace, 1)
    assign_all(workspace, [order_no])
    ctx = workspace.context(user="kari")
    for transition in TABLE:
        for status in Status:
            with ctx.session() as s:
                order = get_order(s, order_no)
                order.status = status.value  # test set-up only
                s.add(order)
            with ctx.session() as s:
                order = get_order(s, order_no)
                before = len(s.exec(select(History).where(History.order_id == order.id)).all())
                params = dict(PARAMS)
                if "letter" in transition.effects:
                    params["letter_file"] = f"{transition.name}-{status.value}.pdf"
                if status in transition.sources:
                    workflow.apply(s, ctx, order, transition.name, comment="test", **params)
                    s.flush()
                    rows = s.exec(select(History).where(History.order_id == order.id)).all()
                    assert len(rows) == before + 1
                    last = max(rows, key=lambda h: h.id)
                    assert (last.transition, last.from_status, last.to_status, last.actor) == (
                        transition.name, status.value, transition.target.value, "kari"
                    )  # fmt: skip
                    assert order.status == transition.target.value
                else:
                    with pytest.raises(TransitionRefused):
                        workflow.apply(s, ctx, order, transition.name, **params)
                    assert order.status == status.value


def test_lock_issues_a_new_code_and_retires_the_old_one(workspace):
    (order_no,) = seed(workspace, 1)
    assign_all(workspace, [order_no])
    ctx = workspace.context()
    with ctx.session() as s:
        order = get_order(s, order_no)
        workflow.apply(s, ctx, order, "lock")
        first = order.booking_code
    with ctx.session() as s:
        order = get_order(s, order_no)
        order.status = Status.PLANNING.value
        workflow.apply(s, ctx, order, "lock")
        second = order.booking_code
    assert first and second and first != second
    with ctx.session() as s:
        codes = {c.code: c for c in s.exec(select(BookingCode))}
        assert codes[first].retired_at is not None
        assert codes[second].retired_at is None


def test_reply_other_keeps_the_text_as_a_comment_and_the_reason(workspace):
    (order_no,) = seed(workspace, 1)
    ctx = workspace.context()
    with ctx.session() as s:
        order = get_order(s, order_no)
        order.status = Status.AWAITING_RESPONSE.value
        workflow.apply(s, ctx, order, "reply_other", text="Kan dere komme etter 12?",
                       reason="customer replied: Kan dere komme etter 12?")  # fmt: skip
    with ctx.session() as s:
        order = get_order(s, order_no)
        assert order.status == "manual_followup"
        assert order.followup_reason == "customer replied: Kan dere komme etter 12?"
        comments = s.exec(select(Comment).where(Comment.order_id == order.id)).all()
        assert [c.text for c in comments] == ["Kan dere komme etter 12?"]


def test_a_refused_transition_writes_nothing(workspace):
    (order_no,) = seed(workspace, 1, street="")
    assign_all(workspace, [order_no])
    ctx = workspace.context()
    with pytest.raises(TransitionRefused, match="missing street"), ctx.session() as s:
        workflow.apply(s, ctx, get_order(s, order_no), "lock")
    with ctx.session() as s:
        order = get_order(s, order_no)
        assert order.status == "planning" and order.booking_code is None
        assert s.exec(select(BookingCode)).all() == []
        assert s.exec(select(Letter)).all() == []
        assert [h.transition for h in s.exec(select(History))] == ["plan"]
