"""Reply ingestion: outcomes, idempotency, retired codes, phone matching."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlmodel import select

from amsplan.domain import codes
from amsplan.errors import InputError
from amsplan.services import letters, planning, workflow
from amsplan.services.replies import ingest, unmatched
from amsplan.store.models import Order, Reply
from tests.helpers import assign_all, awaiting, locked


def write_replies(path, rows, header="Mottatt;Avsender;Melding"):
    lines = [header] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def by_no(ws) -> dict[str, Order]:
    with ws.context().session() as s:
        return {o.order_no: o for o in s.exec(select(Order))}


def test_ok_confirms_and_anything_else_needs_a_person(workspace, tmp_path):
    booked = awaiting(workspace, 5)
    c = [codes.format_code(code) for _, code in booked]
    path = write_replies(tmp_path / "svar.csv", [
        ("2026-04-15 10:00", "+4790000001", f"{c[0]} OK"),
        ("2026-04-15 10:01", "+4790000002", f"ok {c[1].lower().replace('-', ' ')}"),
        ("2026-04-15 10:02", "+4790000003", f"{c[2]} Ok!!"),
        ("2026-04-15 10:03", "+4790000004", f"{c[3]} KONTAKT"),
        ("2026-04-15 10:04", "+4790000005", f"{c[4]}: Det er greit"),
    ])  # fmt: skip
    result = ingest(workspace.context(), path)
    assert result.outcomes == {"confirmed": 2, "followup": 3}
    orders = by_no(workspace)
    assert [orders[n].status for n, _ in booked] == [
        "ready_for_execution", "ready_for_execution",
        "manual_followup", "manual_followup", "manual_followup",
    ]  # fmt: skip
    assert orders[booked[2][0]].followup_reason == "customer replied: Ok!!"
    assert orders[booked[3][0]].followup_reason == "customer replied: KONTAKT"


def test_the_same_file_twice_changes_nothing(workspace, tmp_path):
    booked = awaiting(workspace, 1)
    code = codes.format_code(booked[0][1])
    path = write_replies(tmp_path / "svar.csv", [("2026-04-15 10:00", "+4790000001", f"{code} OK")])
    first = ingest(workspace.context(), path)
    second = ingest(workspace.context(), path)
    assert (first.new, second.new, second.already_ingested) == (1, 0, 1)
    with workspace.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == 1


def test_the_same_message_in_another_file_is_a_duplicate(workspace, tmp_path):
    booked = awaiting(workspace, 1)
    row = ("2026-04-15 10:00", "+4790000001", f"{codes.format_code(booked[0][1])} KONTAKT")
    ingest(workspace.context(), write_replies(tmp_path / "a.csv", [row]))
    again = ingest(workspace.context(), write_replies(tmp_path / "b.csv", [row, row]))
    assert again.outcomes == {"duplicate": 2}
    with workspace.context().session() as s:
        assert len(s.exec(select(Reply)).all()) == 3  # every reply is stored


def test_unknown_mistyped_and_codeless_replies_are_listed_for_a_person(workspace, tmp_path):
    booked = awaiting(workspace, 1)
    code = booked[0][1]
    typo = code[:-1] + ("A" if code[-1] != "A" else "C")
    path = write_replies(tmp_path / "svar.csv", [
        ("2026-04-15 10:00", "+4790000001", f"{codes.format_code(codes.generate())} OK"),
        ("2026-04-15 10:01", "+4790000002", f"{typo} OK"),
        ("2026-04-15 10:02", "+4790000003", "Hva er dette?"),
    ])  # fmt: skip
    result = ingest(workspace.context(), path)
    assert result.outcomes == {"unknown_code": 1, "no_code": 2}
    assert by_no(workspace)[booked[0][0]].status == "awaiting_response"
    listed = unmatched(workspace.context())
    assert [(r.outcome, r.sender, linked) for r, linked in listed] == [
        ("unknown_code", "+4790000001", None),
        ("no_code", "+4790000002", None),
        ("no_code", "+4790000003", None),
    ]


def test_an_old_code_never_confirms_the_new_time(workspace, tmp_path):
    ((order_no, old),) = awaiting(workspace, 1)
    ctx = workspace.context()
    with ctx.session() as s:
        order = s.exec(select(Order)).one()
        order.status = "manual_followup"
        s.add(order)
    assign_all(workspace, [order_no], start=time(13))
    planning.lock(ctx, [order_no])
    letters.generate(ctx)
    path = write_replies(tmp_path / "svar.csv", [("2026-04-15 10:00", "+4790000001", f"{old} OK")])
    result = ingest(ctx, path)
    assert result.outcomes == {"retired_code": 1}
    order = by_no(workspace)[order_no]
    assert order.status == "manual_followup"
    assert order.followup_reason.startswith("replied with an old code")


def test_the_customers_last_word_decides_within_a_file(workspace, tmp_path):
    ((order_no, code),) = awaiting(workspace, 1)
    rows = [("2026-04-15 11:00", "+4790000001", f"{code} KONTAKT"),
            ("2026-04-15 10:00", "+4790000001", f"{code} OK")]  # fmt: skip
    result = ingest(workspace.context(), write_replies(tmp_path / "svar.csv", rows))
    assert result.outcomes == {"confirmed": 1, "followup": 1}
    order = by_no(workspace)[order_no]
    assert (order.status, order.followup_reason) == ("manual_followup", "customer replied: KONTAKT")
    assert unmatched(workspace.context()) == []


def test_a_reply_for_an_order_not_waiting_is_kept_for_a_person(workspace, tmp_path):
    ((order_no, code),) = locked(workspace, 1)  # a code, but no letter yet
    rows = [("2026-04-15 10:00", "+4790000001", f"{code} OK")]
    result = ingest(workspace.context(), write_replies(tmp_path / "svar.csv", rows))
    assert result.outcomes == {"not_awaiting": 1}
    assert by_no(workspace)[order_no].status == "ready_to_print"
    ((reply, linked),) = unmatched(workspace.context())
    assert (reply.text, linked) == (f"{code} OK", order_no)


def test_a_codeless_reply_from_the_customers_mobile_goes_to_followup(workspace, tmp_path):
    booked = awaiting(workspace, 2)
    mobile = by_no(workspace)[booked[0][0]].mobile
    rows = [("2026-04-15 10:00", mobile.replace("+47", ""), "Passer fint!")]
    result = ingest(workspace.context(), write_replies(tmp_path / "svar.csv", rows))
    assert result.outcomes == {"matched_by_phone": 1}
    order = by_no(workspace)[booked[0][0]]
    assert order.status == "manual_followup"  # never a confirmation without a code


def test_a_bad_file_stores_nothing(workspace, tmp_path):
    awaiting(workspace, 1)
    rows = [("2026-04-15 10:00", "+4790000001", "OK"), ("igår", "+4790000002", "OK")]
    with pytest.raises(InputError) as err:
        ingest(workspace.context(), write_replies(tmp_path / "svar.csv", rows))
    assert err.value.problems == [
        "svar.csv:3: received: received time 'igår' is not a date and time"
    ]
    with workspace.context().session() as s:
        assert s.exec(select(Reply)).all() == []


def test_provider_message_ids_and_english_headers(workspace, tmp_path):
    ((order_no, code),) = awaiting(workspace, 1)
    path = write_replies(
        tmp_path / "svar.csv",
        [("2026-04-15T10:00:00+02:00", "4790000001", f"{code} OK", "m-1")],
        header="received;from;message;message_id",
    )
    assert ingest(workspace.context(), path).outcomes == {"confirmed": 1}
    with workspace.context().session() as s:
        reply = s.exec(select(Reply)).one()
    assert reply.provider_id == "m-1" and reply.code == code


def test_a_late_answer_keeps_the_order_in_followup_with_the_answer_as_reason(workspace, tmp_path):
    ((order_no, code),) = awaiting(workspace, 1)
    ctx = workspace.context()
    with ctx.session() as s:  # no answer in time: the reminder moved it to follow-up
        order = s.exec(select(Order)).one()
        workflow.apply(s, ctx, order, "booking_reminder", reason="no answer by 17.04")
    rows = [("2026-04-18 10:00", "+4790000001", f"{code} OK")]
    result = ingest(ctx, write_replies(tmp_path / "svar.csv", rows))
    assert result.outcomes == {"late_reply": 1}
    order = by_no(workspace)[order_no]
    assert order.status == "manual_followup"  # a person confirms it, not the parser
    assert (order.followup_kind, order.followup_reason) == ("reply", "customer replied late: OK")
    assert unmatched(ctx) == []


def test_sveve_files_without_times_keep_every_stop_and_start(workspace, tmp_path):
    """Sveve gives no message id: STOP, START, STOP in files are three messages (a file
    and its line), and the customer ends opted out."""
    booked = awaiting(workspace, 1)
    for n, text in enumerate(["STOPP", "START", "STOPP"]):
        rows = [("4740000001", text), ("4790000099", f"hei {n}")]  # a file is its content
        path = write_replies(tmp_path / f"sveve-{n}.csv", rows, header="number;msg")
        ctx = workspace.context(now=datetime(2026, 4, 15, 8, 10 * n, tzinfo=UTC))  # read then
        assert ingest(ctx, path).outcomes["opt_in" if n == 1 else "opt_out"] == 1
    assert by_no(workspace)[booked[0][0]].no_sms is True
