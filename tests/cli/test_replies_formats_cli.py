"""amsplan replies ingest of the providers' own files: a Twilio console export (in
ISO-8859-1, with outbound rows), Sveve's received messages, --format, and the error for a
file in no format amsplan knows."""

from __future__ import annotations

import csv
import io

from tests.cli.support import data, error, ok, order, row
from tests.cli.test_replies_cli import waiting

TWILIO_HEADER = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,"
    "Price,PriceUnit"
)
ACCOUNT = "AC" + "0" * 32


def twilio_export(ws, code: dict[str, str]):
    """Two replies (one OK, one with æøå) among the messages sent, written as ISO-8859-1."""
    rows = [
        ("+4740000001", "+4759440000", f"{code['AMS-00001']} ok", "2026-04-15 10:04:00 UTC",
         "1", "inbound"),
        ("+4759440000", "+4740000002", "Svar med koden og OK", "2026-04-14 09:00:00 UTC",
         "2", "outbound-api"),
        ("004740000002", "+4759440000", f"{code['AMS-00002']} Kan dere komme på fredag? Bjørn",
         "Wed, 15 Apr 2026 10:05:00 +0000", "3", "inbound"),
        ("+4759440000", "+4740000002", "Takk for svaret", "2026-04-15 10:06:00 UTC",
         "4", "outbound-reply"),
    ]  # fmt: skip
    out = io.StringIO()
    out.write(TWILIO_HEADER + "\n")
    writer = csv.writer(out, lineterminator="\n")  # quotes the RFC 2822 date's comma
    for sender, to, body, sent, sid, direction in rows:
        writer.writerow([sender, to, body, "received", sent, "2010-04-01", "1", "", ACCOUNT,
                         f"SM{sid * 32}", direction, "-0.0079", "USD"])  # fmt: skip
    path = ws.path / "Messages.csv"
    path.write_bytes(out.getvalue().encode("iso-8859-1"))
    return path


def test_a_twilio_export_in_iso_8859_1_is_read_and_its_outbound_rows_skipped(workspace):
    code = waiting(workspace, 2)
    twilio_export(workspace, code)

    out = ok("replies", "ingest", "Messages.csv").stdout

    assert "Messages.csv (twilio)" in out
    assert "2" in row(out, "not a reply", "outbound")
    assert "1" in row(out, "confirmed")
    assert order("AMS-00001")["status"] == "ready_for_execution"
    second = order("AMS-00002")
    assert second["status"] == "manual_followup"
    assert "Kan dere komme på fredag? Bjørn" in second["followup_reason"]


def test_the_same_export_again_changes_nothing(workspace):
    code = waiting(workspace, 2)
    twilio_export(workspace, code)
    first = data("replies", "ingest", "Messages.csv")
    assert (first["format"], first["new"], first["skipped"]) == ("twilio", 2, 2)

    again = data("replies", "ingest", "Messages.csv")

    assert (again["new"], again["already_ingested"], again["outcomes"]) == (0, 2, {})


def test_a_sveve_file_matches_numbers_written_without_plus(workspace):
    code = waiting(workspace, 1)
    (workspace.path / "sveve.csv").write_text(
        f"number;msg;prefix;shortnumber\n4740000001;{code['AMS-00001']} OK;AMS;2229\n"
    )

    result = data("replies", "ingest", "sveve.csv")

    assert (result["format"], result["outcomes"]) == ("sveve", {"confirmed": 1})


def test_format_forces_a_format_and_names_the_missing_columns(workspace):
    waiting(workspace, 1)
    # amsplan's own names, so detected as amsplan; as Twilio's it lacks SentDate, Direction
    (workspace.path / "svar.csv").write_text("date,From,Body\n2026-04-15 10:00,+4740000001,Hei\n")
    assert data("replies", "ingest", "svar.csv", "--format", "AMSPLAN")["format"] == "amsplan"

    err = error(5, "replies", "ingest", "svar.csv", "--format", "twilio")

    assert "missing column received_at (SentDate, DateSent)" in err
    assert "missing column direction (Direction)" in err
    assert "--format 'excel': use one of twilio, sveve, amsplan" in error(
        5, "replies", "ingest", "svar.csv", "--format", "excel"
    )


def test_an_unknown_header_lists_the_formats_and_their_columns(workspace):
    waiting(workspace, 1)
    (workspace.path / "export.csv").write_text("Nummer;Innhold\n+4740000001;OK\n")

    err = error(5, "replies", "ingest", "export.csv")

    assert "export.csv:1: not a reply file amsplan knows" in err
    assert "twilio: Twilio console export of messages: columns From; Body;" in err
    assert "sveve: Sveve received messages" in err and "columns number; msg" in err
    assert "amsplan: amsplan's reply file: columns Mottatt or Tidspunkt or Tid;" in err
    assert order("AMS-00001")["status"] == "awaiting_response"
