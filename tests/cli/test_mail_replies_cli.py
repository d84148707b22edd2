"""amsplan replies ingest of e-mail: a Maildir folder, an mbox file, an .eml file."""

from __future__ import annotations

import os

from amsplan.domain import codes
from tests.cli.support import data, error, ok, order, row, statuses
from tests.data.mail.build import booked_by_email, bounce, maildir, mbox, reply
from tests.unit.test_mailin import BROKEN


def mails(workspace) -> list[bytes]:
    """An OK, a KONTAKT with the code only in the subject, an out-of-office answer and a
    bounce of the third booking e-mail, for four orders booked by e-mail."""
    (_, code1, address1), (_, code2, address2), (_, _, address3), _ = booked_by_email(workspace, 4)
    return [
        reply(f"Kari Nordmann <{address1}>", f"{codes.format_code(code1)} OK"),
        reply(address2, "KONTAKT, jeg er bortreist", f"SV: kode {code2}"),
        reply(address3, "Jeg er på ferie.", "Fraværsmelding: Bytte av strømmåler"),
        bounce("<booking-4@nettselskap.no>"),
    ]


def test_ingest_a_maildir_prints_the_outcomes(workspace):
    folder = maildir(workspace.path / "Svar", mails(workspace))

    out = ok("replies", "ingest", folder).stdout

    assert "Svar (e-mail)" in out
    assert "1" in row(out, "confirmed", "ready for execution")
    assert "1" in row(out, "follow-up", "manual follow-up")
    assert "1" in row(out, "automatic answer", "out of office")
    assert "1" in row(out, "bounced", "did not arrive")
    assert order("AMS-00001")["status"] == "ready_for_execution"
    assert order("AMS-00002")["followup_reason"] == "customer replied: KONTAKT, jeg er bortreist"
    bounced = order("AMS-00004")
    assert bounced["followup_kind"] == "email_failed"
    assert bounced["followup_reason"].startswith("e-mail bounced: 550 5.1.1")
    assert statuses() == {"ready_for_execution": 1, "manual_followup": 2, "awaiting_response": 1}

    again = ok("replies", "ingest", folder).stdout
    assert "4" in row(again, "already ingested", "messages read before")


def test_ingest_an_mbox_and_an_eml_file_as_json(workspace):
    path = mbox(workspace.path / "svar.mbox", mails(workspace))
    result = data("replies", "ingest", path)
    assert result["format"] == "e-mail" and result["new"] == 4
    assert result["outcomes"] == {"confirmed": 1, "followup": 1, "auto_reply": 1, "bounced": 1}
    (workspace.path / "en.eml").write_bytes(reply("ny@example.no", "Hei", "Spørsmål"))
    assert data("replies", "ingest", "en.eml")["outcomes"] == {"no_code": 1}


def test_a_folder_that_is_no_maildir_is_named(workspace):
    booked_by_email(workspace, 1)
    os.mkdir(workspace.path / "tom")
    stderr = error(5, "replies", "ingest", "tom")
    assert "tom: not an e-mail file (.eml), a Maildir folder" in stderr


def test_broken_random_and_huge_mail_never_a_traceback(workspace):
    booked_by_email(workspace, 1)
    huge = reply("kari1@example.no", "OK, se vedlegg", "Bilde").replace(
        b"\n\nOK, se vedlegg",
        b"\n\nOK, se vedlegg\n" + b"A" * 30_000_000,  # a body far beyond what is kept
    )
    folder = maildir(workspace.path / "Svar", [*BROKEN, huge, os.urandom(5000), b""])

    result = data("replies", "ingest", folder)

    assert result["new"] == len(BROKEN) + 3
    assert set(result["outcomes"]) <= {"no_code", "matched_by_phone", "auto_reply", "bounced"}
