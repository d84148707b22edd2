"""Technician returns, upstream rejections and cancellations, exports, failed visits."""

from __future__ import annotations

import csv
import json

import pytest
from sqlmodel import select

from amsplan.config import DEFAULT_FAILED_VISIT_CODES
from amsplan.domain.statuses import Status
from amsplan.errors import InputError
from amsplan.services import booking, exports, field
from amsplan.services.views import followup_list
from amsplan.store.models import History, Order, Sms
from tests.helpers import awaiting, seed


def orders(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def set_status(ws, order_no: str, status: str, **fields) -> None:
    with ws.context().session() as s:  # test set-up only
        order = s.exec(select(Order).where(Order.order_no == order_no)).one()
        order.status = status
        for key, value in fields.items():
            setattr(order, key, value)
        s.add(order)


def write(path, header: str, rows: list[str]):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


RETURNS = "Ordrenr;Hendelse;Løsningskode;Tidspunkt;Montør;Merknad"
UPSTREAM = "Ordrenr;Type;Tidspunkt;Årsak"


def confirmed(ws, count: int) -> list[str]:
    booked = [n for n, _ in awaiting(ws, count)]
    booking.transition_orders(ws.context(), booked, "follow_up_manually")
    booking.transition_orders(ws.context(), booked, "send_to_execution")
    return booked


def test_return_ok_closes_and_is_exported_for_validation_exactly_once(workspace, tmp_path):
    first, second = confirmed(workspace, 2)
    path = write(tmp_path / "retur.csv", RETURNS, [
        f"{first};startet;;2026-04-22 08:05;T01;",
        f"{first};løst;OK;2026-04-22 08:40;T01;Byttet uten problemer",
        f"{second};løst;ok;2026-04-22 09:30;T01;",
    ])  # fmt: skip
    result = field.ingest_returns(workspace.context(), path)
    assert result.outcomes == {"applied": 3} and result.refused == []
    stored = orders(workspace)
    assert [stored[n].status for n in (first, second)] == ["closed", "closed"]
    assert stored[first].resolution == "OK" and stored[first].booking_code is None
    with workspace.context().session() as s:
        trail = [h.transition for h in s.exec(select(History).order_by(History.id))
                 if h.order_id == stored[first].id]  # fmt: skip
    assert trail[-3:] == ["start_work", "resolve", "close"]
    out = tmp_path / "validering.csv"
    assert exports.export_validation(workspace.context(), out).count == 2
    with open(out, encoding="utf-8-sig") as f:
        assert [r["order_no"] for r in csv.DictReader(f, delimiter=";")] == [first, second]
    again = exports.export_validation(workspace.context(), tmp_path / "v2.csv")
    assert again.count == 0


@pytest.mark.parametrize("code", DEFAULT_FAILED_VISIT_CODES)
def test_every_failed_visit_code_makes_a_failed_visit_for_follow_up(workspace, tmp_path, code):
    (order_no,) = confirmed(workspace, 1)
    path = write(tmp_path / "retur.csv", RETURNS, [f"{order_no};løst;{code.upper()};;T01;"])
    field.ingest_returns(workspace.context(), path)
    order = orders(workspace)[order_no]
    assert (order.status, order.resolution) == ("resolved", code)
    (item,) = followup_list(workspace.context())
    assert (item.order_no, item.kind) == (order_no, "failed_visit")
    assert code in item.reason
    report = exports.failed_visits(workspace.context(), "reason")
    assert report.counts == [(code, 1)] and report.total == 1
    assert exports.failed_visits(workspace.context(), "tech").counts == [("T01", 1)]


def test_reopen_and_replan_a_failed_visit(workspace, tmp_path):
    (order_no,) = confirmed(workspace, 1)
    field.ingest_returns(workspace.context(), write(tmp_path / "r.csv", RETURNS,
                         [f"{order_no};løst;Kunde ikke hjemme;;T01;"]))  # fmt: skip
    booking.transition_orders(workspace.context(), [order_no], "reopen")
    assert followup_list(workspace.context()) == []
    booking.transition_orders(workspace.context(), [order_no], "plan")
    assert orders(workspace)[order_no].status == "planning"


def test_returns_file_is_checked_whole_and_ingested_once(workspace, tmp_path):
    (order_no,) = confirmed(workspace, 1)
    bad = write(tmp_path / "retur.csv", RETURNS, [
        f"{order_no};løst;Kunden var sur;;T01;",
        f"{order_no};kanskje;OK;;T01;",
        ";løst;OK;;T01;",
        f"{order_no};løst;OK;i går;T01;",
    ])  # fmt: skip
    with pytest.raises(InputError) as err:
        field.ingest_returns(workspace.context(), bad)
    problems = "\n".join(err.value.problems)
    assert "retur.csv:2: Løsningskode: unknown resolution code 'Kunden var sur'" in problems
    assert "retur.csv:3: Hendelse: 'kanskje' is not startet or løst" in problems
    assert "retur.csv:4: Ordrenr: missing" in problems
    assert "retur.csv:5: Tidspunkt:" in problems
    assert orders(workspace)[order_no].status == "ready_for_execution"
    good = write(tmp_path / "retur.csv", RETURNS, [f"{order_no};løst;OK;;T01;",
                                                    "AMS-99999;løst;OK;;T01;"])  # fmt: skip
    first = field.ingest_returns(workspace.context(), good)
    second = field.ingest_returns(workspace.context(), good)
    assert first.outcomes == {"applied": 1, "unknown_order": 1}
    assert (second.new, second.already_ingested) == (0, 2)
    (left,) = field.unapplied(workspace.context(), "returns")
    assert (left.order_no, left.outcome) == ("AMS-99999", "unknown_order")


def test_a_return_for_an_order_not_ready_is_kept_for_a_person(workspace, tmp_path):
    (order_no,) = seed(workspace, 1)
    result = field.ingest_returns(
        workspace.context(), write(tmp_path / "r.csv", RETURNS, [f"{order_no};løst;OK;;T01;"])
    )
    assert result.outcomes == {"refused": 1}
    assert "the order is Open" in result.refused[0][2]
    assert orders(workspace)[order_no].status == "open"


def test_rejection_moves_a_closed_order_and_the_planner_follows_up(workspace, tmp_path):
    (order_no,) = confirmed(workspace, 1)
    field.ingest_returns(workspace.context(), write(tmp_path / "r.csv", RETURNS,
                         [f"{order_no};løst;OK;;T01;"]))  # fmt: skip
    path = write(tmp_path / "q.csv", UPSTREAM, [f"{order_no};avvist;;Feil målernummer"])
    assert field.ingest_upstream(workspace.context(), path).outcomes == {"applied": 1}
    (item,) = followup_list(workspace.context())
    assert (item.kind, item.reason) == ("rejected", "rejected upstream: Feil målernummer")
    booking.transition_orders(workspace.context(), [order_no], "to_manual", "Sjekker")
    assert orders(workspace)[order_no].status == "manual_followup"
    assert field.ingest_upstream(workspace.context(), path).already_ingested == 1


STARTED = [
    "planning", "on_hold", "ready_to_print", "awaiting_response", "manual_followup",
    "ready_for_execution", "reopened", "rejected_quant", "in_progress",
]  # fmt: skip


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_cancellation_from_every_status(workspace, tmp_path, status):
    (order_no,) = seed(workspace, 1)
    extra = {"resolution": "Ingen adgang"} if status == "resolved" else {}
    set_status(workspace, order_no, status, **extra)
    with workspace.context().session() as s:  # an unsent reminder that must be withdrawn
        order = s.exec(select(Order)).one()
        s.add(Sms(order_id=order.id, kind="booking_reminder", to="+4740000001", text="x"))
    path = write(tmp_path / "q.csv", UPSTREAM, [f"{order_no};kansellert;;Anlegget er revet"])
    result = field.ingest_upstream(workspace.context(), path)
    order = orders(workspace)[order_no]
    with workspace.context().session() as s:
        notes = [h.comment for h in s.exec(select(History).order_by(History.id))]
        queued = [m for m in s.exec(select(Sms)) if m.status == "queued"]
    if status == "open":
        assert (order.status, order.resolution, order.cancelled) == ("closed", "Kansellert", True)
        assert "KANSELLERT" in notes[-1]
    elif status in STARTED:
        assert (order.status, order.cancelled) == ("manual_followup", True)
        label = workspace.settings.label(status)
        assert f"forrige status {label}" in notes[-1] and "Anlegget er revet" in notes[-1]
        (item,) = followup_list(workspace.context())
        assert item.kind == "cancelled"
    elif status == "resolved":  # a failed visit: reopened, then manual follow-up
        assert (order.status, order.cancelled) == ("manual_followup", True)
        with workspace.context().session() as s:
            moves = [(h.from_status, h.to_status) for h in s.exec(select(History))]
        assert moves == [("resolved", "reopened"), ("reopened", "manual_followup")]
        assert "løsningsstatus Ingen adgang" in notes[-1]
    else:  # closed: refused and reported
        assert status == "closed"
        assert result.outcomes == {"refused": 1}
        assert order.status == "closed" and not order.cancelled
        (left,) = field.unapplied(workspace.context(), "upstream")
        assert "closed" in left.reason
        return
    assert result.outcomes == {"applied": 1}
    assert queued == []  # unsent SMS withdrawn


def test_close_by_planner_after_cancellation(workspace, tmp_path):
    (order_no,) = confirmed(workspace, 1)
    path = write(tmp_path / "q.csv", UPSTREAM, [f"{order_no};kansellert;;"])
    field.ingest_upstream(workspace.context(), path)
    result = booking.transition_orders(workspace.context(), [order_no], "close",
                                       "Kunde informert", resolution="Kansellert")  # fmt: skip
    assert result.refused == []
    order = orders(workspace)[order_no]
    assert (order.status, order.resolution) == ("closed", "Kansellert")
    assert followup_list(workspace.context()) == []


def test_mobile_export_lists_confirmed_orders_with_flags_and_neutralised_text(workspace, tmp_path):
    first, second = confirmed(workspace, 2)
    with workspace.context().session() as s:
        order = s.exec(select(Order).where(Order.order_no == first)).one()
        order.customer_name, order.important_info = '=HYPERLINK("http://x")', True
        s.add(order)
    out = tmp_path / "mobil.csv"
    assert exports.export_mobile(workspace.context(), out, "T01").count == 2
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert [r["order_no"] for r in rows] == [first, second]
    assert rows[0]["customer_name"].startswith("'=")
    assert rows[0]["important_info"] == "True" and rows[0]["phone"] == "+4740000001"
    assert rows[0]["start"] == "2026-04-22T08:00:00"
    as_json = tmp_path / "mobil.json"
    exports.export_mobile(workspace.context(), as_json, fmt="json")
    data = json.loads(as_json.read_text(encoding="utf-8"))
    assert data[0]["customer_name"] == '=HYPERLINK("http://x")'  # JSON is not a spreadsheet


def test_returns_comments_show_in_the_timeline(workspace, tmp_path):
    (order_no,) = confirmed(workspace, 1)
    field.ingest_returns(workspace.context(), write(tmp_path / "r.csv", RETURNS,
                         [f"{order_no};løst;Farlig anlegg;;T01;Rustent skap"]))  # fmt: skip
    with workspace.context().session() as s:
        last = s.exec(select(History).order_by(History.id.desc())).first()
    assert last.comment == "Farlig anlegg (T01): Rustent skap"
    assert last.resolution == "Farlig anlegg" and last.technician_id == "T01"
