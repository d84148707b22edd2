"""Sending e-mail at most once: record, commit, send, settle (services.outmail) against a
real SMTP server on 127.0.0.1."""

from __future__ import annotations

import mailbox
import os
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy.exc import OperationalError

from amsplan.domain import bookmail
from amsplan.domain.states import EmailKind, EmailState
from amsplan.errors import ConfigError, Unavailable
from amsplan.services import outmail
from amsplan.store import mail as store
from tests.fakes.smtp import Behaviour, SmtpServer, free_port

NOW = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def _configure(ws, **email: object) -> None:
    lines = [f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in email.items()]
    path = ws.path / "amsplan.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[email]\n" + "\n".join(lines) + "\n")


def _draft(ctx, to: str, subject: str = "Bytte av strømmåler – Åse Ørnes"):
    with ctx.session() as s:
        row = outmail.record(s, ctx, EmailKind.DIGEST, to, subject)
        mime = outmail.mime(ctx, row, "Hei Åse,\nvi kommer.", "<p>Hei Åse,</p>")
        return row.id, row.message_id, mime


class Calls(list):
    def __call__(self, s, ctx, message, state) -> None:
        self.append((message.id, state))


def test_a_message_is_recorded_before_it_is_sent_and_settled_sent(workspace):
    with SmtpServer() as server:
        _configure(workspace, **server.settings(reply_to="kundesenter@nett.example"))
        ctx = workspace.context(now=NOW)
        message_id, header_id, mime = _draft(ctx, "aase@kunde.example")
        with ctx.session() as s:  # committed "sending" before the conversation
            (row,) = store.messages(s, [message_id])
            assert row.state is EmailState.SENDING
        calls = Calls()
        (outcome,) = outmail.send(ctx, [(message_id, mime)], calls)
        assert outcome.state is EmailState.SENT and calls == [(message_id, EmailState.SENT)]
        (got,) = server.wait_for(1)
    assert got.rcpt_tos == ["aase@kunde.example"] and got.mail_from == "post@nett.example"
    msg = got.message
    assert msg["Message-ID"] == header_id
    assert msg["Subject"] == "Bytte av strømmåler – Åse Ørnes"
    assert msg["Reply-To"] == "kundesenter@nett.example"
    # Dated now, in Oslo time with its offset (not Oslo's wall clock labelled UTC).
    assert msg["Date"].datetime == NOW and msg["Date"].datetime.utcoffset() == timedelta(hours=2)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert "Hei Åse" in msg.get_body(("plain",)).get_content()
    assert "<p>Hei Åse,</p>" in msg.get_body(("html",)).get_content()
    with ctx.session() as s:
        (row,) = store.messages(s, [message_id])
        assert row.state is EmailState.SENT and row.sent_at is not None


def test_a_refused_recipient_is_failed_without_the_address_in_the_error(workspace):
    behaviour = Behaviour(
        refuse={"nobody@kunde.example": "550 5.1.1 <nobody@kunde.example> unknown"}
    )
    with SmtpServer(behaviour) as server:
        _configure(workspace, **server.settings())
        ctx = workspace.context(now=NOW)
        first = _draft(ctx, "nobody@kunde.example")
        second = _draft(ctx, "aase@kunde.example")
        calls = Calls()
        outcomes = outmail.send(ctx, [first[::2], second[::2]], calls)
        assert [o.state for o in outcomes] == [EmailState.FAILED, EmailState.SENT]
        assert outcomes[0].error == "550 5.1.1 <address> unknown"
        assert len(server.wait_for(1)) == 1  # the next message still went


def test_a_message_the_server_took_without_answering_is_unknown_never_failed(workspace):
    with SmtpServer(Behaviour(hang_data=3)) as server:
        _configure(workspace, **server.settings(timeout=1))
        ctx = workspace.context(now=NOW)
        message_id, _, mime = _draft(ctx, "aase@kunde.example")
        (outcome,) = outmail.send(ctx, [(message_id, mime)], Calls())
        assert outcome.state is EmailState.UNKNOWN
        assert len(server.received) == 1  # it did reach the server


def test_a_server_that_cannot_be_reached_fails_every_message_and_says_so(workspace):
    _configure(workspace, host="127.0.0.1", port=free_port(), security="none",
               **{"from": "post@nett.example"})  # fmt: skip
    ctx = workspace.context(now=NOW)
    drafts = [_draft(ctx, f"k{i}@kunde.example")[::2] for i in range(2)]
    calls = Calls()
    with pytest.raises(Unavailable, match="cannot reach the mail server 127.0.0.1"):
        outmail.send(ctx, drafts, calls)
    assert [state for _, state in calls] == [EmailState.FAILED, EmailState.FAILED]


def test_a_login_refused_names_the_user_and_the_password_variable(workspace, monkeypatch):
    with SmtpServer(Behaviour(users={"amsplan": "riktig"})) as server:
        _configure(workspace, **server.settings(user="amsplan"))
        ctx = workspace.context(now=NOW)
        message = _draft(ctx, "aase@kunde.example")[::2]
        monkeypatch.delenv(outmail.PASSWORD_ENV, raising=False)
        with pytest.raises(ConfigError, match="AMSPLAN_EMAIL_PASSWORD"):
            outmail.send(ctx, [message], Calls())
        monkeypatch.setenv(outmail.PASSWORD_ENV, "feil")
        with pytest.raises(Unavailable, match="refused the login of 'amsplan'") as err:
            outmail.send(ctx, [_draft(ctx, "b@kunde.example")[::2]], Calls())
        assert "feil" not in str(err.value)
        monkeypatch.setenv(outmail.PASSWORD_ENV, "riktig")
        (outcome,) = outmail.send(ctx, [_draft(ctx, "c@kunde.example")[::2]], Calls())
        assert outcome.state is EmailState.SENT


@pytest.mark.parametrize(("timeout", "minutes"), [(30, 15), (600, 100)])
def test_a_message_left_sending_by_a_dead_run_becomes_unknown_after_a_while(
    workspace, timeout, minutes
):
    """A while: never less than 15 minutes, and ten times [email] timeout (one
    conversation with a slow server may take several steps of it)."""
    with SmtpServer() as server:
        _configure(workspace, **server.settings(timeout=timeout))
        ctx = workspace.context(now=NOW)
        message_id, _, _ = _draft(ctx, "aase@kunde.example")  # recorded, never sent
    calls = Calls()
    left_after = timedelta(minutes=minutes)
    assert bookmail.left_after(workspace.settings.email_timeout) == left_after
    soon = workspace.context(now=NOW + left_after - timedelta(seconds=1))
    assert outmail.settle_left(soon, {EmailKind.DIGEST: calls}) == 0
    later = workspace.context(now=NOW + left_after + timedelta(seconds=1))
    assert outmail.settle_left(later, {EmailKind.DIGEST: calls}) == 1
    assert calls == [(message_id, EmailState.UNKNOWN)]
    with later.session() as s:
        assert store.messages(s, [message_id])[0].state is EmailState.UNKNOWN


def test_an_unexpected_error_fails_the_messages_not_tried_and_leaves_the_one_on_its_way(
    workspace,
):
    """E.g. the database locked while the first answer is settled: that message went
    (its answer is lost: it stays "sending", shown in doubt later); the others were
    never tried: failed, "not sent", and the error is raised, its words not stored."""

    def settled(s, ctx, message, state) -> None:
        if state is EmailState.SENT:
            raise OperationalError("UPDATE … 'aase@kunde.example'", {}, Exception("locked"))

    with SmtpServer() as server:
        _configure(workspace, **server.settings())
        ctx = workspace.context(now=NOW)
        drafts = [_draft(ctx, f"k{i}@kunde.example")[::2] for i in range(3)]
        with pytest.raises(OperationalError):
            outmail.send(ctx, drafts, settled)
        assert len(server.wait_for(1)) == 1
    with ctx.session() as s:
        rows = store.messages(s, [i for i, _ in drafts])
    assert [r.state for r in rows] == [EmailState.SENDING, EmailState.FAILED, EmailState.FAILED]
    assert rows[1].error == rows[2].error == "not sent: the run stopped (OperationalError)"


def test_a_folder_that_cannot_be_written_mid_run_is_unavailable_and_nothing_left_in_doubt(
    workspace,
):
    _configure(workspace, transport="folder", folder="ut", **{"from": "post@nett.example"})
    ctx = workspace.context(now=NOW)
    drafts = [_draft(ctx, f"k{i}@kunde.example")[::2] for i in range(3)]
    folder = workspace.path / "ut"

    def progress(done: int) -> None:  # the folder goes away after the first message
        if done == 1:
            folder.rename(workspace.path / "gone")

    with pytest.raises(Unavailable, match=f"cannot write e-mail into {folder}"):
        outmail.send(ctx, drafts, Calls(), progress)
    with ctx.session() as s:
        rows = store.messages(s, [i for i, _ in drafts])
    assert [r.state for r in rows] == [EmailState.SENT, EmailState.FAILED, EmailState.FAILED]
    assert rows[1].error.startswith("not sent: cannot write e-mail into")
    assert len(list(mailbox.Maildir(workspace.path / "gone", create=False))) == 1


def test_the_folder_transport_delivers_into_a_private_maildir(workspace):
    """Private even when the folder was there before, readable by others: the folder,
    tmp/, new/ and cur/ 0700, each message 0600."""
    folder = workspace.path / "ut"
    for sub in ("", "tmp", "new", "cur"):
        (folder / sub).mkdir(exist_ok=True)
        (folder / sub).chmod(0o755)
    _configure(workspace, transport="folder", folder="ut", **{"from": "post@nett.example"})
    ctx = workspace.context(now=NOW)
    message_id, header_id, mime = _draft(ctx, "aase@kunde.example")
    (outcome,) = outmail.send(ctx, [(message_id, mime)], Calls())
    assert outcome.state is EmailState.SENT
    (delivered,) = list(mailbox.Maildir(folder, create=False))
    assert delivered["Message-ID"] == header_id
    assert "Hei Åse" in delivered.get_payload(0).get_payload(decode=True).decode()
    for sub in ("", "tmp", "new", "cur"):
        assert (folder / sub).stat().st_mode & 0o777 == 0o700, sub
    (name,) = os.listdir(folder / "new")
    assert (folder / "new" / name).stat().st_mode & 0o777 == 0o600
    assert os.listdir(folder / "tmp") == []


def test_the_folder_transport_writes_addresses_outside_ascii_as_mail_readers_read_them(
    workspace,
):
    """A mailbox name outside ASCII in UTF-8 headers (RFC 6532), never an encoded word
    inside the address; a domain outside ASCII in its IDNA form."""
    _configure(workspace, transport="folder", folder="ut", **{"from": "post@nett.example"})
    ctx = workspace.context(now=NOW)
    drafts = [_draft(ctx, "åse@nett.example")[::2], _draft(ctx, "ola@bølgen.no")[::2]]
    assert [o.state for o in outmail.send(ctx, drafts, Calls())] == [EmailState.SENT] * 2
    files = [(workspace.path / "ut" / "new" / n).read_bytes()
             for n in os.listdir(workspace.path / "ut" / "new")]  # fmt: skip
    tos = sorted(str(message_from_bytes(f, policy=policy.default)["To"]) for f in files)
    assert tos == ["ola@xn--blgen-vua.no", "åse@nett.example"]
    assert any("\nTo: åse@nett.example\n".encode() in f for f in files)  # raw UTF-8


@pytest.mark.parametrize("smtputf8", [False, True])
def test_a_mailbox_name_outside_ascii_goes_only_where_the_server_takes_it(workspace, smtputf8):
    with SmtpServer(Behaviour(smtputf8=smtputf8)) as server:
        _configure(workspace, **server.settings())
        ctx = workspace.context(now=NOW)
        draft = _draft(ctx, "åse@kunde.example")[::2]
        (outcome,) = outmail.send(ctx, [draft], Calls())
        if smtputf8:
            assert outcome.state is EmailState.SENT
            (got,) = server.wait_for(1)
            assert got.rcpt_tos == ["åse@kunde.example"]
        else:  # refused for good with RFC 6531's code, never a traceback nor "sending"
            assert outcome.state is EmailState.FAILED and server.received == []
            assert (outcome.error or "").startswith("553 5.6.7 ") and "SMTPUTF8" in outcome.error
            assert bookmail.refused_for_good(outcome.state, outcome.error)


def test_a_domain_outside_ascii_goes_in_its_idna_form_without_smtputf8(workspace):
    with SmtpServer(Behaviour(smtputf8=False)) as server:
        _configure(workspace, **server.settings(reply_to="Svar <svar@bølgen.no>"))
        ctx = workspace.context(now=NOW)
        (outcome,) = outmail.send(ctx, [_draft(ctx, "ola@bølgen.no")[::2]], Calls())
        assert outcome.state is EmailState.SENT
        (got,) = server.wait_for(1)
    assert got.rcpt_tos == ["ola@xn--blgen-vua.no"]
    assert got.message["To"] == "ola@xn--blgen-vua.no"
    assert got.message["Reply-To"] == "Svar <svar@xn--blgen-vua.no>"
