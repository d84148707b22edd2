"""amsplan replies fetch: e-mail replies from the IMAP mailbox (a real Dovecot)."""

from __future__ import annotations

import subprocess
import sys

from sqlmodel import select

from amsplan.domain.codes import format_code
from amsplan.store.models import Reply
from tests import jsondoc
from tests.cli.support import data, error, ok, order, row
from tests.fakes.dovecot import DONE, RECEIVED, mail
from tests.helpers import awaiting


def configure(ws, account) -> None:
    with open(ws.path / "amsplan.toml", "a", encoding="utf-8") as f:
        f.write(account.toml())


def replies(ws) -> list[Reply]:
    with ws.context().session() as s:
        return list(s.exec(select(Reply)))


def test_help_shows_the_options_and_an_example():
    out = ok("replies", "fetch", "--help").output
    assert "--dry-run" in out and "--limit" in out and "--json" in out
    assert "AMSPLAN_IMAP_PASSWORD" in out and "Example: amsplan replies fetch" in out


def test_help_does_not_load_the_imap_client():
    code = (
        "import sys; from amsplan.cli import app\n"
        "try: app(['replies', 'fetch', '--help'], prog_name='amsplan')\n"
        "except SystemExit: pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(('imap_tools', "
        "'amsplan.adapters.imap', 'amsplan.services'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout, out.stdout


def test_fetch_prints_what_happened_and_how_many_were_moved(workspace, imap_account):
    booked = awaiting(workspace, 2)
    configure(workspace, imap_account)
    imap_account.deliver(mail(f"{format_code(booked[0][1])} OK"), at=RECEIVED)
    imap_account.deliver(
        mail(f"{format_code(booked[1][1])} Kan dere komme etter kl. 12?"), at=RECEIVED
    )

    out = ok("replies", "fetch").stdout

    assert f"imap:{imap_account.user}@127.0.0.1/INBOX" in out
    assert "1" in row(out, "confirmed", "ready for execution")
    assert "1" in row(out, "follow-up", "manual follow-up")
    assert "2" in row(out, "moved", "to amsplan/behandlet")
    assert order(booked[0][0])["status"] == "ready_for_execution"
    assert len(imap_account.messages(DONE)) == 2
    again = data("replies", "fetch")
    assert (again["found"], again["new"], again["moved"]) == (0, 0, 0)


def test_replies_for_a_person_are_listed_and_the_run_still_exits_0(workspace, imap_account):
    """As `replies ingest` of an SMS file: a stored reply is a run that did its job."""
    awaiting(workspace, 1)
    configure(workspace, imap_account)
    imap_account.deliver(mail("Hei, hvem er dere?", sender="ukjent@example.no"), at=RECEIVED)

    fetched = jsondoc.check("replies fetch", ok("replies", "fetch", "--json").stdout)
    assert fetched["outcomes"] == {"no_code": 1}  # exit code 0

    (listed,) = data("replies", "unmatched")
    assert (listed["sender"], listed["outcome"]) == ("ukjent@example.no", "no_code")


def test_dry_run_changes_nothing(workspace, imap_account):
    booked = awaiting(workspace, 1)
    configure(workspace, imap_account)
    raw = mail(f"{format_code(booked[0][1])} OK")
    imap_account.deliver(raw, at=RECEIVED)

    out = ok("replies", "fetch", "--dry-run").stdout

    assert f"1 message in imap:{imap_account.user}@127.0.0.1/INBOX would be read" in out
    assert imap_account.messages() == [raw] and imap_account.messages(DONE) == []
    assert replies(workspace) == []
    assert order(booked[0][0])["status"] == "awaiting_response"
    with imap_account.mailbox() as box:  # the done folder is not even created
        assert not box.folder.exists(DONE)


def test_a_wrong_password_is_one_error_line_without_the_password(
    workspace, imap_account, monkeypatch
):
    configure(workspace, imap_account)
    imap_account.deliver(mail("Hei"), at=RECEIVED)
    monkeypatch.setenv("AMSPLAN_IMAP_PASSWORD", "feil-passord-123")

    stderr = error(8, "replies", "fetch")  # Unavailable: nothing lost, run again later

    assert "refused the login" in stderr and "feil-passord-123" not in stderr
    assert len(imap_account.messages()) == 1


def test_without_imap_settings_it_says_what_to_set(workspace):
    assert "[imap] host and user must be set" in error(3, "replies", "fetch")
