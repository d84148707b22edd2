"""amsplan email list|settle|test against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from tests import jsondoc
from tests.cli.support import data, error, fails, ok, order, row, statuses
from tests.fakes.smtp import Behaviour, SmtpServer, free_port
from tests.integration.test_bookmail import FROM, booked, configure


def test_a_test_message_goes_through_the_settings_and_says_what_the_server_answered(
    workspace, monkeypatch
):
    with SmtpServer(Behaviour(users={"amsplan": "hemmelig"})) as server:
        configure(workspace, **server.settings(user="amsplan"))
        monkeypatch.delenv("AMSPLAN_EMAIL_PASSWORD", raising=False)
        assert "AMSPLAN_EMAIL_PASSWORD" in error(3, "email", "test", "--to", "it@nett.example")
        monkeypatch.setenv("AMSPLAN_EMAIL_PASSWORD", "feil")
        err = error(8, "email", "test", "--to", "it@nett.example")
        assert "refused the login of 'amsplan'" in err and "feil" not in err
        monkeypatch.setenv("AMSPLAN_EMAIL_PASSWORD", "hemmelig")
        out = ok("email", "test", "--to", "it@nett.example").stdout
        assert f"through 127.0.0.1:{server.port}: sent, the server took it" in out
        (got,) = server.wait_for(1)
    assert got.rcpt_tos == ["it@nett.example"] and got.message["Subject"] == "amsplan: testmelding"
    assert "testmelding fra amsplan" in got.message.get_body(("plain",)).get_content()
    listed = data("email", "list")  # the refused login too: recorded like every message
    assert [(m["to"], m["kind"], m["state"]) for m in listed] == [
        ("it@nett.example", "digest", "sent"), ("it@nett.example", "digest", "failed")
    ]  # fmt: skip


def test_a_refused_test_message_is_exit_code_1_and_a_bad_address_exit_code_5(workspace):
    refused = {"it@nett.example": "550 5.7.1 <it@nett.example> relaying denied"}
    with SmtpServer(Behaviour(refuse=refused)) as server:
        configure(workspace, **server.settings())
        out = fails(1, "email", "test", "--to", "it@nett.example").stdout
        assert "failed, the server refused it: 550 5.7.1 <address> relaying denied" in out
    assert "give one e-mail address" in error(5, "email", "test", "--to", "a@b, c@d")
    configure(workspace, port=free_port(), host="127.0.0.1", security="none", **{"from": FROM})
    assert "cannot reach the mail server" in error(8, "email", "test", "--to", "it@nett.example")


def test_a_test_message_follows_the_one_rule_for_addresses_outside_ascii(workspace):
    """A domain outside ASCII (also written in its xn-- form) goes in its IDNA form
    through a server without SMTPUTF8; a mailbox name outside ASCII only through one
    with it, else refused for good with RFC 6531's code (exit code 1, not 8)."""
    with SmtpServer(Behaviour(smtputf8=False)) as server:
        configure(workspace, **server.settings())
        out = ok("email", "test", "--to", "it@bølgen.no").stdout
        assert "to it@bølgen.no through" in out and "sent, the server took it" in out
        ok("email", "test", "--to", "ola@xn--blgen-vua.no")
        out = fails(1, "email", "test", "--to", "åse@nett.example").stdout
        assert "failed, the server refused it: 553 5.6.7" in out and "SMTPUTF8" in out
        assert [r.rcpt_tos for r in server.wait_for(2)] == [
            ["it@xn--blgen-vua.no"], ["ola@xn--blgen-vua.no"]
        ]  # fmt: skip
    with SmtpServer(Behaviour(smtputf8=True)) as server:
        configure(workspace, **server.settings())
        answer = jsondoc.check(
            "email test", ok("email", "test", "--to", "åse@nett.example", "--json").stdout
        )
        assert answer["state"] == "sent"
        assert [r.rcpt_tos for r in server.wait_for(1)] == [["åse@nett.example"]]


def test_a_booking_in_doubt_is_listed_flagged_and_settled_by_a_person(workspace):
    with SmtpServer(Behaviour(hang_data=2)) as server:
        configure(workspace, **server.settings(timeout=0.5))
        booked(workspace, 2, {1: "kari@kunde.example", 2: "ola@kunde.example"})
        out = fails(1, "letters", "email").stdout
        assert "amsplan email settle 1 --sent | --not-sent" in row(out, "AMS-00001", "in doubt")
        assert "0 sent, 0 failed, 2 in doubt" in out
    unknown = data("email", "list", "--state", "unknown")
    assert [(m["id"], m["order_no"], m["kind"]) for m in unknown] == [
        (2, "AMS-00002", "booking"), (1, "AMS-00001", "booking")
    ]  # fmt: skip
    listed = ok("email", "list", "--state", "unknown").stdout
    assert "unknown" in row(listed, "AMS-00001", "kari@kunde.example")
    assert data("email", "list", "--state", "sent") == []
    followups = {f["order_no"]: f for f in data("followup", "list")}
    assert followups["AMS-00001"]["kind"] == "email_failed"
    assert "booking e-mail 1 in doubt" in followups["AMS-00001"]["reason"]

    assert "--sent or --not-sent" in error(5, "email", "settle", "1")
    assert "no such e-mail message: 9" in error(4, "email", "settle", "1", "9", "--sent")
    out = ok("email", "settle", "1", "--sent", "--comment", "in the server's log").stdout
    assert "1 message settled as sent" in out
    settled = jsondoc.check(
        "email settle", ok("email", "settle", "2", "--not-sent", "--json").stdout
    )
    assert [(m["id"], m["state"]) for m in settled] == [(2, "failed")]
    assert order("AMS-00001")["status"] == "awaiting_response"
    assert order("AMS-00001")["booking_channel"] == "email"
    assert statuses() == {"awaiting_response": 1, "ready_to_print": 1}
    assert data("followup", "list") == []
    err = error(5, "email", "settle", "1", "--not-sent")
    assert "1: is sent; only a message in doubt (unknown) is settled" in err
    settled = {m["id"]: m for m in data("email", "list")}
    assert settled[1]["error"] == "settled by tester as sent: in the server's log"
    assert settled[2]["state"] == "failed" and settled[2]["settled_by"] == "tester"
    assert "bad" in error(5, "email", "list", "--state", "bad")
