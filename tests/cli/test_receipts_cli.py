"""amsplan sms receipts: delivery reports from the provider's own file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amsplan.domain.rules import utc
from tests import jsondoc
from tests.cli.support import data, error, ok, order, row
from tests.integration.test_callbacks import booked, message, twilio_workspace

HEADER = "Sid,From,To,Body,Status,SentDate,ErrorCode,Direction,Price,PriceUnit"


@pytest.fixture
def ws(workspace, monkeypatch):
    return twilio_workspace(workspace, monkeypatch)


def export(ws, rows: list[str], name: str = "twilio.csv"):
    """A Twilio console export of messages."""
    path = ws.path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_twilio_export_applies_each_report_once(ws):
    ((order_no, _),) = booked(ws)
    sid = message(ws).provider_id
    export(ws, [
        f"{sid},+4759440000,+4740000001,Hei,undelivered,2026-04-15T10:00:05Z,30003,outbound-api,,",
        "SMin1,+4740000001,+4759440000,OK,received,2026-04-15T10:01:00Z,,inbound,,",
        "SMother,+4759440000,+4740000009,Hei,delivered,\"Wed, 15 Apr 2026 10:00:00 +0000\",0,"
        "outbound-api,,",
    ])  # fmt: skip

    out = ok("sms", "receipts", "twilio.csv").stdout
    assert "1" in row(out, "applied") and "1" in row(out, "no message of ours")
    assert "2 reports read, 1 inbound rows skipped" in out
    shown = order(order_no)
    assert shown["status"] == "manual_followup"
    # dated by the report (10:00:05 UTC, 12:00 in Oslo), not by when the file was read
    assert shown["followup_reason"] == (
        "SMS failed: undelivered (Twilio error 30003, rapportert 15.04.2026 12:00)"
    )
    assert utc(message(ws).delivery_at) == datetime(2026, 4, 15, 10, 0, 5, tzinfo=UTC)

    again = data("sms", "receipts", "twilio.csv")
    assert (again["reports"], again["outcomes"]) == (2, {})  # already stored: nothing new
    (unmatched,) = data("sms", "receipts", "--unmatched")
    assert unmatched["provider_message_id"] == "SMother" and "payload" not in unmatched


def test_a_sveve_file_names_messages_by_reference(ws):
    ((order_no, _),) = booked(ws)
    ref = message(ws).reference
    path = ws.path / "sveve.csv"
    path.write_text(f"id;status;ref;errorCode;errorDesc;time\n"
                    f"77;false;{ref};4;Ugyldig nummer;2026-04-15 12:04\n")  # fmt: skip
    result = jsondoc.check(
        "sms receipts", ok("sms", "receipts", "sveve.csv", "--provider", "sveve", "--json").stdout
    )
    assert result["outcomes"] == {"applied": 1}
    assert order(order_no)["followup_reason"] == (
        "SMS failed: false (4 Ugyldig nummer, rapportert 15.04.2026 12:04)"
    )
    # local time in the file: 12:04 in Oslo is 10:04 UTC
    assert utc(message(ws).delivery_at) == datetime(2026, 4, 15, 10, 4, tzinfo=UTC)


def test_failed_callbacks_are_listed_without_their_content(ws):
    from amsplan.store.models import Callback

    with ws.context().session() as s:
        s.add(Callback(provider="sveve", kind="inbound", dedup="sveve:inbound:x",
                       provider_message_id="sveve-x",
                       received_at=datetime(2026, 4, 15, 8, tzinfo=UTC),
                       payload='{"text": "hemmelig"}', outcome="error: KeyError (try 3)",
                       processed_at=datetime(2026, 4, 15, 8, 2, tzinfo=UTC)))  # fmt: skip
    (item,) = data("sms", "receipts", "--failed")
    assert (item["provider_message_id"], item["outcome"]) == ("sveve-x", "error: KeyError (try 3)")
    assert "payload" not in item
    out = ok("sms", "receipts", "--failed").stdout
    assert "KeyError" in out and "hemmelig" not in out
    assert data("sms", "receipts", "--unmatched") == []


def test_a_bad_file_names_file_line_and_field_and_applies_nothing(ws):
    ((order_no, _),) = booked(ws)
    sid = message(ws).provider_id
    export(ws, [
        f"{sid},+4759440000,+4740000001,Hei,undelivered,2026-04-15T10:00:05Z,30003,outbound-api,,",
        "SMx,+4759440000,+4740000002,Hei,exploded,2026-04-15T10:00:05Z,,outbound-api,,",
        "SMy,+4759440000,+4740000003,Hei,failed,i går,,outbound-api,,",
    ])  # fmt: skip
    err = error(5, "sms", "receipts", "twilio.csv")
    assert "twilio.csv: 2 invalid rows; nothing was read" in err
    assert "twilio.csv:3: status: 'exploded' is not a Twilio message status" in err
    assert "twilio.csv:4: at: 'i går' is not a date and time" in err
    assert order(order_no)["status"] == "awaiting_response"
    assert data("sms", "receipts", "--unmatched") == []
    error(5, "sms", "receipts", "twilio.csv", "--provider", "nosuch")
    error(5, "sms", "receipts")
