"""SMS booking, the outbox, quiet hours and export exactly once."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from amsplan.domain import codes
from amsplan.errors import InputError, NotFound, TransitionRefused
from amsplan.services import booking, outbox
from amsplan.services.views import followup_list
from amsplan.store.models import Comment, Order, Sms
from tests.helpers import DAY, assign_all, seed

# 10:00 in Oslo (summer time): inside the default sending window 09:00-21:00
DAYTIME = datetime(2026, 4, 15, 8, 0, tzinfo=UTC)
NIGHT = datetime(2026, 4, 15, 21, 30, tzinfo=UTC)  # 23:30 in Oslo


def planned(ws, count=3, **overrides) -> list[str]:
    order_nos = seed(ws, count, **overrides)
    assign_all(ws, order_nos)
    return order_nos


def messages(ws) -> list[Sms]:
    with ws.context().session() as s:
        return list(s.exec(select(Sms).order_by(Sms.id)))


def read_export(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def test_sms_booking_issues_a_code_and_queues_the_booking_sms(workspace):
    order_nos = planned(workspace, 2)
    result = booking.book_by_sms(workspace.context(now=DAYTIME), tech_id="T01", day=DAY)
    assert [n for n, _ in result.moved] == order_nos and result.refused == []
    sent = messages(workspace)
    assert [m.kind for m in sent] == ["booking", "booking"]
    code = codes.format_code(result.moved[0][1])
    assert code in sent[0].text
    assert "onsdag 22. april 2026 mellom kl. 08.00 og 09.00" in sent[0].text
    assert "Svar " + code + " OK til 2222" in sent[0].text
    assert sent[0].to == "+4740000001"
    with workspace.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == order_nos[0])).one()
    assert (order.status, order.booking_channel) == ("awaiting_response", "sms")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"phone": ""}, "no valid mobile number"), ({"phone": "62 51 23 45"}, "no valid mobile")],
)
def test_an_order_without_a_mobile_is_not_moved_and_gets_a_comment(workspace, overrides, reason):
    (order_no,) = planned(workspace, 1, **overrides)
    result = booking.book_by_sms(workspace.context(now=DAYTIME), [order_no])
    assert result.moved == [] and reason in result.refused[0][1]
    with workspace.context().session() as s:
        order = s.exec(select(Order)).one()
        comments = [c.text for c in s.exec(select(Comment))]
    assert order.status == "planning" and order.booking_code is None
    assert any(c.startswith("SMS kunne ikke sendes") for c in comments)
    assert messages(workspace) == []
    (item,) = followup_list(workspace.context())
    assert (item.order_no, item.kind) == (order_no, "sms_failed")


def test_opted_out_customers_never_get_an_sms(workspace):
    (order_no,) = planned(workspace, 1)
    with workspace.context().session() as s:
        order = s.exec(select(Order)).one()
        order.no_sms = True
        s.add(order)
    result = booking.book_by_sms(workspace.context(now=DAYTIME), [order_no])
    assert result.refused == [(order_no, "customer does not want SMS")]
    with pytest.raises(TransitionRefused, match="does not want SMS"):
        outbox.send_free_text(workspace.context(), order_no, "Hei")
    assert messages(workspace) == []


def test_messages_queued_in_quiet_hours_wait_for_the_morning(workspace, tmp_path):
    planned(workspace, 1)
    booking.book_by_sms(workspace.context(now=NIGHT), tech_id="T01", day=DAY)
    (message,) = messages(workspace)
    assert message.due_at == datetime(2026, 4, 16, 7, 0, tzinfo=UTC)  # 09:00 Oslo
    early = outbox.export(workspace.context(now=datetime(2026, 4, 16, 6, 59, tzinfo=UTC)),
                          tmp_path)  # fmt: skip
    assert early.count == 0 and list(tmp_path.glob("sms-*.csv")) == []
    later = outbox.export(workspace.context(now=datetime(2026, 4, 16, 7, 0, tzinfo=UTC)), tmp_path)
    assert later.count == 1


def test_export_writes_each_message_exactly_once(workspace, tmp_path):
    planned(workspace, 3)
    booking.book_by_sms(workspace.context(now=DAYTIME), tech_id="T01", day=DAY)
    first = outbox.export(workspace.context(now=DAYTIME), tmp_path / "a.csv")
    second = outbox.export(workspace.context(now=DAYTIME), tmp_path / "b.csv")
    assert (first.count, second.count) == (3, 0)
    rows = read_export(tmp_path / "a.csv")
    assert [r["order_no"] for r in rows] == ["AMS-00001", "AMS-00002", "AMS-00003"]
    assert {r["batch"] for r in rows} == {first.batch}
    assert not (tmp_path / "b.csv").exists()
    assert {m.status for m in messages(workspace)} == {"exported"}


def test_a_batch_can_be_exported_again_and_files_are_not_overwritten(workspace, tmp_path):
    planned(workspace, 2)
    booking.book_by_sms(workspace.context(now=DAYTIME), tech_id="T01", day=DAY)
    first = outbox.export(workspace.context(now=DAYTIME), tmp_path / "a.csv")
    again = outbox.export(workspace.context(now=DAYTIME), tmp_path / "again.csv", first.batch)
    assert read_export(tmp_path / "again.csv") == read_export(tmp_path / "a.csv")
    assert again.count == 2
    with pytest.raises(InputError, match="exists"):
        outbox.export(workspace.context(now=DAYTIME), tmp_path / "a.csv", first.batch)
    with pytest.raises(NotFound):
        outbox.export(workspace.context(now=DAYTIME), tmp_path / "x.csv", "no-such-batch")


def test_free_text_is_queued_and_kept_as_a_comment(workspace):
    (order_no,) = seed(workspace, 1)
    message = outbox.send_free_text(workspace.context(now=DAYTIME), order_no,
                                    "Montøren er forsinket ca. 30 minutter.")  # fmt: skip
    assert (message.kind, message.text) == ("free_text", "Montøren er forsinket ca. 30 minutter.")
    with workspace.context().session() as s:
        assert [c.text for c in s.exec(select(Comment))] == [
            "SMS: Montøren er forsinket ca. 30 minutter."
        ]
    with pytest.raises(InputError):
        outbox.send_free_text(workspace.context(), order_no, "   ")


def test_customer_data_in_sms_templates_is_inserted_literally():
    from amsplan.adapters import smstexts as sms

    text = sms.render("free_text", {"text": "{{ 7*7 }} <b>hei</b>\x07"})
    assert text == "{{ 7*7 }} <b>hei</b>"
