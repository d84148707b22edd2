"""Sending e-mail at most once: record, commit, send, settle (services.outmail) against a
real SMTP server on 127.0.0.1."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta

import pytest

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


def test_a_message_left_sending_by_a_dead_run_becomes_unknown_after_a_while(workspace):
    with SmtpServer() as server:
        _configure(workspace, **server.settings())
        ctx = workspace.context(now=NOW)
        message_id, _, _ = _draft(ctx, "aase@kunde.example")  # recorded, never sent
    calls = Calls()
    soon = workspace.context(now=NOW + outmail.LEFT_AFTER - timedelta(seconds=1))
    assert outmail.settle_left(soon, {EmailKind.DIGEST: calls}) == 0
    later = workspace.context(now=NOW + outmail.LEFT_AFTER + timedelta(seconds=1))
    assert outmail.settle_left(later, {EmailKind.DIGEST: calls}) == 1
    assert calls == [(message_id, EmailState.UNKNOWN)]
    with later.session() as s:
        assert store.messages(s, [message_id])[0].state is EmailState.UNKNOWN


def test_the_folder_transport_delivers_into_a_maildir(workspace):
    _configure(workspace, transport="folder", folder="ut", **{"from": "post@nett.example"})
    ctx = workspace.context(now=NOW)
    message_id, header_id, mime = _draft(ctx, "aase@kunde.example")
    (outcome,) = outmail.send(ctx, [(message_id, mime)], Calls())
    assert outcome.state is EmailState.SENT
    (delivered,) = list(mailbox.Maildir(workspace.path / "ut", create=False))
    assert delivered["Message-ID"] == header_id
    assert (workspace.path / "ut").stat().st_mode & 0o077 == 0
