"""Reply files as providers write them (adapters.replyfiles): the format found from the
header, each format's rows, Twilio's outbound rows skipped, the encodings, and the error
for a header no format has."""

from __future__ import annotations

from pathlib import Path

import pytest

from amsplan.adapters.replyfiles import FORMATS, read, twilio_time
from amsplan.adapters.sms.base import Request
from amsplan.adapters.sms.sveve import Sveve
from amsplan.config import Settings
from amsplan.domain.phones import mobile_number
from amsplan.errors import InputError

TWILIO_HEADER = (
    "From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,"
    "Price,PriceUnit"
)
ACCOUNT = "AC" + "0" * 32


def twilio_row(sender: str, to: str, body: str, sent: str, sid: str, direction: str) -> str:
    return (f"{sender},{to},{body},received,{sent},2010-04-01,1,0,{ACCOUNT},{sid},{direction},"
            "-0.0075,USD")  # fmt: skip


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "svar.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_twilio_export_gives_its_inbound_messages_and_skips_the_outbound(tmp_path):
    sid_in, sid_out = "SM" + "a" * 32, "SM" + "b" * 32
    path = write(tmp_path, "\n".join([
        TWILIO_HEADER,
        twilio_row("+4791234567", "+4759440000", "ACDE-7FHA OK", "2026-04-15 10:04:00 UTC",
                   sid_in, "inbound"),
        twilio_row("+4759440000", "+4791234567", "Hei! Svar OK", "2026-04-14 09:00:00 UTC",
                   sid_out, "outbound-api"),
        twilio_row("+4759440000", "+4791234567", "Takk", "2026-04-15 10:05:00 UTC",
                   "SM" + "c" * 32, "outbound-reply"),
    ]) + "\n")  # fmt: skip

    found = read(path)

    assert (found.format, found.skipped, found.timed) == ("twilio", 2, True)
    assert found.rows == [(2, {
        "sender": "+4791234567", "text": "ACDE-7FHA OK",
        "received_at": "2026-04-15 10:04:00+00:00", "provider_id": sid_in,
    })]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2026-04-15 10:04:00 UTC", "2026-04-15 10:04:00+00:00"),
        ("Wed, 15 Apr 2026 10:04:00 +0000", "2026-04-15T10:04:00+00:00"),
        ("2026-04-15T10:04:00Z", "2026-04-15T10:04:00Z"),
        ("yesterday", "yesterday"),  # left for the caller to refuse, with its line
    ],
)
def test_twilio_times(written, iso):
    assert twilio_time(written) == iso


def test_a_sveve_file_without_times_or_ids_knows_its_rows_by_file_and_line(tmp_path):
    """Sveve gives no id: a row of a file without times is that file's line, so the
    same text sent twice (STOP, START, STOP) is two messages, not a duplicate."""
    text = "number;msg;prefix;shortnumber\n4791234567;STOPP;AMS;2229\n4791234567;STOPP;AMS;2229\n"
    path = write(tmp_path, text)

    found = read(path)

    assert (found.format, found.skipped, found.timed) == ("sveve", 0, False)
    [(line, rec), (line2, rec2)] = found.rows
    assert (line, line2) == (2, 3)
    assert {k: v for k, v in rec.items() if k != "provider_id"} == {
        "sender": "4791234567", "text": "STOPP", "received_at": ""}  # fmt: skip
    assert rec["provider_id"].startswith("sveve-file-") and rec["provider_id"].endswith("-2")
    assert rec["provider_id"] != rec2["provider_id"]
    assert read(path).rows == found.rows  # the same file again: the same ids
    assert mobile_number(rec["sender"]) == "+4791234567"


def test_a_timed_sveve_file_without_ids_is_known_by_received_time(tmp_path):
    path = write(tmp_path, "Mottatt;number;msg\n2026-04-15 10:00;4791234567;STOPP\n")
    [(_, rec)] = read(path).rows
    assert rec == {"received_at": "2026-04-15 10:00", "sender": "4791234567", "text": "STOPP",
                   "provider_id": ""}  # fmt: skip


def test_a_sveve_push_has_no_id_of_its_own_but_its_content():
    """amsplan makes the id (with the time it arrived): domain.callbacks.pushed_id."""
    fields = {"number": "4791234567", "msg": "ACDE7FHA ok", "prefix": "AMS", "shortnumber": "2229"}
    request = Request("POST", "https://amsplan.example/sveve/inbound", {}, {}, fields)
    [pushed] = Sveve(Settings(base_dir=Path("."))).inbound(request)
    assert (pushed.provider_message_id, pushed.sender, pushed.text) == (
        "", "4791234567", "ACDE7FHA ok")  # fmt: skip
    assert pushed.content_key == "ACDE7FHA ok\x1fAMS\x1f2229"


def test_a_sveve_file_with_times_and_ids_keeps_them(tmp_path):
    path = write(tmp_path, "Mottatt;number;msg;id\n2026-04-15 10:00;004791234567;Stopp;77\n")

    found = read(path)

    assert (found.format, found.timed) == ("sveve", True)
    assert found.rows == [(2, {"received_at": "2026-04-15 10:00", "sender": "004791234567",
                               "text": "Stopp", "provider_id": "77"})]  # fmt: skip


def test_amsplans_own_file_is_read_as_before(tmp_path):
    path = write(tmp_path, "Mottatt;Avsender;Melding\n2026-04-15 10:00;+4791234567;OK\n")

    found = read(path)

    assert (found.format, found.skipped, found.timed) == ("amsplan", 0, True)
    assert found.rows == [(2, {"received_at": "2026-04-15 10:00", "sender": "+4791234567",
                               "text": "OK", "provider_id": ""})]  # fmt: skip


@pytest.mark.parametrize("encoding", ["iso-8859-1", "cp1252", "utf-8", "utf-8-sig"])
def test_norwegian_letters_in_any_of_the_encodings_providers_write(tmp_path, encoding):
    text = "Kan dere komme på fredag? Æ, Ø og Å – hilsen Bjørn"
    if encoding == "iso-8859-1":
        text = text.replace("–", "-")  # no en dash in ISO-8859-1
    path = write(tmp_path, f"number;msg\n4791234567;{text}\n", encoding)

    [(_, rec)] = read(path).rows

    assert rec["text"] == text


def test_the_format_can_be_forced(tmp_path):
    # "From" and "Body" are names amsplan's own file takes as well
    path = write(tmp_path, "date,From,Body\n2026-04-15 10:00,+4791234567,OK\n")
    assert read(path).format == "amsplan"
    with pytest.raises(InputError) as refused:
        read(path, "twilio")
    assert any("missing column direction" in d for d in refused.value.problems)


def test_an_unknown_header_names_the_file_line_and_every_format_with_its_columns(tmp_path):
    path = write(tmp_path, "\n+4791234567;ACDE7FHA OK\n+4791234568;STOPP\n")

    with pytest.raises(InputError) as refused:
        read(path)

    message = str(refused.value)
    assert message.startswith(f"{path}:2: not a reply file amsplan knows")
    assert "--format" in message
    details = refused.value.problems
    assert [d.split(":")[0] for d in details] == list(FORMATS) == ["twilio", "sveve", "amsplan"]
    assert "From; Body; SentDate or DateSent; Direction" in details[0]
    assert "number; msg" in details[1]
    assert "Mottatt or Tidspunkt or Tid; Avsender or Fra or Telefon" in details[2]
    # the header line is a customer's number and text here: never repeated
    assert "4791234567" not in message + "".join(details)


@pytest.mark.parametrize(
    ("header", "closest", "missing"),
    [
        ("Avsender;Melding", "amsplan", "missing column received_at (Mottatt, Tidspunkt)"),
        ("From,Body,SentDate,Sid", "twilio", "missing column direction (Direction)"),
        ("number;tekst", "sveve", "missing column text (msg)"),
    ],
)
def test_a_header_with_some_of_a_formats_columns_names_the_missing_ones(
    tmp_path, header, closest, missing
):
    delimiter = "," if "," in header else ";"
    path = write(tmp_path, header + "\n" + delimiter.join(["x"] * (header.count(delimiter) + 1)))

    with pytest.raises(InputError) as refused:
        read(path)

    assert f"not usable as {closest}" in str(refused.value)
    assert any(missing in problem for problem in refused.value.problems)


def test_a_problem_in_the_rows_of_a_detected_format_is_told_as_it_is(tmp_path):
    path = write(tmp_path, "Mottatt;Avsender;Melding\n2026-04-15 10:00;+4791234567\n")

    with pytest.raises(InputError) as refused:
        read(path)

    assert "wrong number of fields" in str(refused.value)
