"""Letters and queued SMS follow their order (issue 11.3): a letter or message that no
longer tells the truth is withdrawn (or re-rendered) before it can be printed or sent;
printed letters are recorded; a lost letter is reprinted; a purge removes the files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from amsplan.cli import app
from amsplan.domain.codes import format_code
from tests.cli.support import data, error, ok, order, row, runner
from tests.helpers import assign_all, locked, seed

NAMES = [
    "2026-04-22_T01_001_AMS-00001.pdf",
    "2026-04-22_T01_002_AMS-00002.pdf",
    "2026-04-22_T01_003_AMS-00003.pdf",
]
LATER = {"AMSPLAN_NOW": "2026-04-01T10:00"}  # in the SMS sending window


def pending(ws=None) -> list[str]:
    return [p["file_name"] for p in data("letters", "pending")]


def letters_out(workspace, count: int = 3) -> dict[str, str]:
    codes = dict(locked(workspace, count))
    ok("letters", "generate")
    return codes


def withdrawn_files(ws) -> list[str]:
    return sorted(p.name for p in (ws.letters / "withdrawn").glob("*.pdf"))


def text_of(path: Path) -> str:
    return PdfReader(path).pages[0].extract_text()


def exported(path: Path) -> list[dict]:
    rows = []
    for file in sorted(path.glob("sms-*.csv")):
        with open(file, encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f, delimiter=";"))
    return rows


def upstream_cancel(ws, order_no: str) -> None:
    path = ws.path / "quant.csv"
    path.write_text(f"Ordrenr;Type;Tidspunkt;Årsak\n{order_no};kansellert;;Flyttet\n", "utf-8")
    ok("upstream", "ingest", path)


# --- letters follow the order ---------------------------------------------------


def test_a_rescheduled_order_s_letter_is_withdrawn_not_printed(workspace):
    letters_out(workspace)
    ok("followup", "manual", "AMS-00001")  # the letter is still in the folder, unprinted

    ok("followup", "reschedule", "AMS-00001", "--date", "2026-04-24", "--start", "12:00")

    assert pending() == NAMES[1:]
    assert withdrawn_files(workspace) == [NAMES[0]]
    assert not (workspace.letters / NAMES[0]).exists()
    out = ok("letters", "withdrawn").stdout
    assert "the time changed" in row(out, NAMES[0], "AMS-00001")
    assert "2 letters waiting" in ok("letters", "pending").stdout


def test_hold_cancel_and_close_withdraw_the_letter(workspace):
    letters_out(workspace)

    ok("followup", "hold", "AMS-00001", "--until", "2026-06-01")
    upstream_cancel(workspace, "AMS-00002")
    ok("orders", "close", "AMS-00003", "--resolution", "Kunden nekter")

    assert pending() == []
    assert withdrawn_files(workspace) == NAMES
    reasons = {w["order_no"]: w["reason"] for w in data("letters", "withdrawn")}
    assert reasons == {
        "AMS-00001": "the order is on hold",
        "AMS-00002": "the order was cancelled",
        "AMS-00003": "the order is closed",
    }


def test_a_new_lock_gives_a_new_letter_with_the_new_code(workspace):
    old = letters_out(workspace, 1)["AMS-00001"]
    ok("followup", "hold", "AMS-00001", "--until", "2026-06-01")
    ok("followup", "resume", "AMS-00001")

    new = {x["order_no"]: x["code"].replace("-", "") for x in data("lock", "AMS-00001")["locked"]}[
        "AMS-00001"
    ]
    ok("letters", "generate")

    assert new != old
    assert pending() == NAMES[:1]
    assert format_code(new) in text_of(workspace.letters / NAMES[0])
    assert format_code(old) in text_of(workspace.letters / "withdrawn" / NAMES[0])


def test_a_letter_the_customer_answered_stays_true(workspace):
    letters_out(workspace, 2)
    ok("followup", "manual", "AMS-00001", "--comment", "Kunden ringte")
    ok("followup", "send-to-execution", "AMS-00001")
    assert pending() == NAMES[:2]


# --- printed and reprinted ------------------------------------------------------


def test_printed_letters_are_recorded_and_leave_the_folder(workspace):
    letters_out(workspace)

    out = ok("letters", "printed", NAMES[0], env={"AMSPLAN_NOW": "2026-04-03T09:30"}).stdout

    assert "1 letter recorded as printed" in out
    assert pending() == NAMES[1:]
    assert (workspace.letters / "printed" / NAMES[0]).exists()
    shown = order("AMS-00001")
    assert shown["awaiting_since"] == "2026-04-03T09:30:00+02:00"
    assert any(
        e["kind"] == "letter" and "printed and posted" in e["text"] for e in shown["timeline"]
    )
    # A letter is printed once; an unknown name records nothing.
    assert "already recorded as printed by tester" in error(5, "letters", "printed", NAMES[0])
    message = error(5, "letters", "printed", NAMES[1], "nope.pdf")
    assert "nope.pdf: not a letter amsplan generated" in message
    assert pending() == NAMES[1:]
    assert "2 letters recorded" in ok("letters", "printed", "--all").stdout
    assert pending() == []


def test_printed_all_before_a_time(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    ok("lock", *order_nos)
    ok("letters", "generate", "AMS-00001")
    ok("letters", "generate", "AMS-00002", env={"AMSPLAN_NOW": "2026-04-01T12:00"})

    ok("letters", "printed", "--all", "--before", "2026-04-01T10:00")

    assert pending() == NAMES[1:2]
    assert "--before" in error(5, "letters", "printed", NAMES[1], "--before", "2026-04-01T10:00")
    assert "not both" in error(5, "letters", "printed")


def test_the_booking_reminder_counts_from_printing(workspace):
    letters_out(workspace, 2)
    ok("letters", "printed", NAMES[0], env={"AMSPLAN_NOW": "2026-04-06T08:00"})

    ok("reminders", "run", "--now", "2026-04-09T08:00")  # 8 days after the letters

    assert order("AMS-00001")["status"] == "awaiting_response"  # posted 3 days ago
    assert order("AMS-00002")["status"] == "manual_followup"


def test_the_booking_reminder_can_count_from_generating(workspace):
    config = workspace.path / "amsplan.toml"
    config.write_text(
        config.read_text("utf-8") + '\n[reminders]\nletter_from = "generated"\n', "utf-8"
    )
    letters_out(workspace, 1)
    ok("letters", "printed", NAMES[0], env={"AMSPLAN_NOW": "2026-04-06T08:00"})
    ok("reminders", "run", "--now", "2026-04-09T08:00")
    assert order("AMS-00001")["status"] == "manual_followup"


def test_reprint_makes_the_same_letter_again(workspace):
    code = letters_out(workspace, 2)["AMS-00001"]
    ok("letters", "printed", "--all")

    out = ok("letters", "reprint", "AMS-00001", "--comment", "Kom i retur").stdout

    assert f"New letter {NAMES[0]}" in out
    assert pending() == NAMES[:1]
    assert format_code(code) in text_of(workspace.letters / NAMES[0])
    assert order("AMS-00001")["booking_code"].replace("-", "") == code.replace("-", "")
    assert order("AMS-00001")["status"] == "awaiting_response"
    assert any("Kom i retur" in e["text"] for e in order("AMS-00001")["timeline"])
    # Reprinted again before printing: the unprinted one is withdrawn, one stays pending.
    ok("letters", "reprint", "AMS-00001")
    assert pending() == NAMES[:1]
    assert [w["reason"] for w in data("letters", "withdrawn")] == ["replaced by a reprint"]


def test_reprint_refuses_an_order_without_a_letter_booking(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    message = error(5, "letters", "reprint", "AMS-00001", "AMS-00002")
    assert "AMS-00001: is Planning" in message and "AMS-00002: is Planning" in message
    assert pending() == []


# --- queued SMS follow the order --------------------------------------------------


def test_a_queued_booking_sms_of_an_order_put_on_hold_or_closed_is_not_sent(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    ok("sms", "book", *order_nos)

    ok("followup", "hold", "AMS-00001", "--until", "2026-06-01")
    ok("orders", "close", "AMS-00002", "--resolution", "Kunden nekter")
    outbox = workspace.path / "ut"
    outbox.mkdir()
    ok("sms", "export", outbox, env=LATER)

    assert [m["order_no"] for m in exported(outbox)] == ["AMS-00003"]
    withdrawn = {m["order_no"]: m for m in data("sms", "list", "--status", "withdrawn")}
    assert withdrawn["AMS-00001"]["withdrawn_reason"] == "the order is on hold"
    assert withdrawn["AMS-00002"]["withdrawn_reason"] == "the order is closed"


def test_a_queued_confirmation_tells_the_new_time(workspace):
    letters_out(workspace, 1)
    ok("followup", "manual", "AMS-00001")
    ok("followup", "confirm", "AMS-00001")

    # Agreed with the customer on the phone: no change notice, the order stays confirmed.
    ok("followup", "reschedule", "AMS-00001", "--date", "2026-04-24", "--start", "12:00",
       "--agreed")  # fmt: skip
    outbox = workspace.path / "ut"
    outbox.mkdir()
    ok("sms", "export", outbox, env=LATER)

    (message,) = exported(outbox)
    assert message["kind"] == "confirmation"
    assert "fredag 24. april 2026 mellom kl. 12.00 og 13.00" in message["text"]
    assert "22. april" not in message["text"]


def test_a_free_text_about_the_old_time_is_withdrawn(workspace):
    letters_out(workspace, 1)
    ok("followup", "manual", "AMS-00001")
    ok("sms", "send", "AMS-00001", "Montøren kommer litt senere enn avtalt.")

    ok("followup", "reschedule", "AMS-00001", "--date", "2026-04-24", "--start", "12:00",
       "--agreed")  # fmt: skip

    (message,) = data("sms", "list", "--order", "AMS-00001")
    assert (message["status"], message["withdrawn_reason"]) == (
        "withdrawn",
        "the time of the visit changed",
    )


# --- privacy purge ------------------------------------------------------------------


def test_purge_removes_letters_batches_and_exports_and_says_so(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    ok("lock", *order_nos)
    ok("letters", "generate", "--combined")
    ok("letters", "printed", NAMES[1])
    ok("followup", "manual", "AMS-00001")
    ok("sms", "send", "AMS-00001", "Vi ringer deg i morgen.")
    outbox = workspace.path / "ut"
    outbox.mkdir()
    ok("sms", "export", outbox, env=LATER)
    ok("orders", "close", *order_nos, "--resolution", "Kunden nekter")
    (batch,) = (workspace.letters / "combined").glob("*.pdf")
    (sms_file,) = outbox.glob("sms-*.csv")

    dry = ok("privacy", "purge", "--closed-before", "2026-04-02", "--dry-run").stdout
    assert "4 files with their data would be removed" in dry and batch.exists()

    out = ok("privacy", "purge", "--closed-before", "2026-04-02", "--yes").stdout

    assert "2 orders closed before 02.04.2026 were anonymised" in out
    assert "4 files with their data were removed" in out
    for path in (batch, sms_file, workspace.letters / "withdrawn" / NAMES[0],
                 workspace.letters / "printed" / NAMES[1]):  # fmt: skip
        assert str(path.resolve()) in out
        assert not path.exists()
    assert list(workspace.letters.rglob("*.pdf")) == []
    again = ok("privacy", "purge", "--closed-before", "2026-04-02", "--yes").stdout
    assert "files" not in again


# A copied folder carries its own database only on SQLite.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_copied_project_folder_purges_its_own_files_never_the_originals(workspace, tmp_path):
    """Export files are recorded relative to the project folder: a copy (a restored
    backup, a test folder) removes its own copies and leaves the original alone."""
    order_nos = seed(workspace, 1)
    assign_all(workspace, order_nos)
    ok("lock", *order_nos)
    ok("letters", "generate", "--combined")
    ok("orders", "close", *order_nos, "--resolution", "Kunden nekter")
    copy = tmp_path.parent / (tmp_path.name + "-copy")
    shutil.copytree(workspace.path, copy)
    config = copy / "amsplan.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(str(workspace.path), str(copy)),
        encoding="utf-8",
    )
    (original_batch,) = (workspace.letters / "combined").glob("*.pdf")
    (copied_batch,) = (copy / "letters" / "combined").glob("*.pdf")

    out = runner.invoke(
        app,
        [
            "--config",
            str(copy / "amsplan.toml"),
            "privacy",
            "purge",
            "--closed-before",
            "2026-04-02",
            "--yes",
        ],  # fmt: skip
    )

    assert out.exit_code == 0, out.output
    assert str(copied_batch.resolve()) in out.stdout
    assert not copied_batch.exists()
    assert original_batch.exists()
