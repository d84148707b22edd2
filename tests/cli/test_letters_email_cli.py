"""amsplan letters email: booking letters by e-mail through a real SMTP server, as a
planner and cron run it (summary, exit codes), and what `letters generate` says then."""

from __future__ import annotations

from tests.cli.support import data, error, fails, ok, order, row, statuses
from tests.fakes.smtp import Behaviour, SmtpServer, free_port
from tests.integration.test_bookmail import FROM, booked, configure

ADDRESSES = {1: "kari@kunde.example", 2: "nobody@kunde.example"}
REFUSED = {"nobody@kunde.example": "550 5.1.1 <nobody@kunde.example>: no such user"}


def test_a_dry_run_lists_who_would_get_an_e_mail_and_sends_nothing(workspace):
    with SmtpServer() as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        out = ok("letters", "email", "--dry-run").stdout
        assert "kari@kunde.example" in row(out, "AMS-00001")
        assert "2 orders would get a booking e-mail; nothing sent (dry run)" in out
        assert "1 order without a usable address left for `amsplan letters generate`" in out
        listed = data("letters", "email", "--dry-run")
        assert listed["would_send"] == [
            {"order_no": "AMS-00001", "to": "kari@kunde.example"},
            {"order_no": "AMS-00002", "to": "nobody@kunde.example"},
        ]
        assert server.received == []
    assert statuses() == {"ready_to_print": 3}
    assert data("email", "list") == []


def test_sent_failed_and_left_in_the_summary_with_exit_code_1(workspace):
    with SmtpServer(Behaviour(refuse=REFUSED)) as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        result = fails(1, "letters", "email")
        out = result.stdout
        assert "e-mail 1" in row(out, "AMS-00001", "sent")
        assert "550 5.1.1 <address>: no such user" in row(out, "AMS-00002", "failed")
        assert "nobody@" not in result.output
        assert "1 sent, 1 failed, 0 in doubt, 0 skipped" in out
        assert "1 order without a usable address left for `amsplan letters generate`" in out
        assert len(server.wait_for(1)) == 1
        assert "0 sent, 0 failed" in ok("letters", "email").stdout  # nothing is sent twice
        assert len(server.received) == 1
    assert statuses() == {"awaiting_response": 1, "ready_to_print": 2}
    assert order("AMS-00001")["booking_channel"] == "email"
    followups = data("followup", "list")
    assert [(f["order_no"], f["kind"]) for f in followups] == [("AMS-00002", "email_failed")]
    out = ok("letters", "generate").stdout  # the refused one and the one without an address
    assert "2 letters in" in out and "left for `amsplan letters email`" not in out


def test_generate_says_how_many_orders_it_left_for_letters_email(workspace):
    configure(workspace, transport="folder", **{"from": FROM})
    booked(workspace, 3, ADDRESSES)
    out = ok("letters", "generate").stdout
    assert "1 letter in" in out
    assert "2 orders booked by e-mail left for `amsplan letters email`" in out
    assert data("letters", "generate")["left_for_email"] == 2
    assert "2 sent" in ok("letters", "email").stdout  # the folder transport: the demo
    assert len(list((workspace.path / "e-post-ut" / "new").iterdir())) == 2


def test_a_server_that_cannot_be_reached_is_exit_code_8_and_moves_nothing(workspace):
    configure(workspace, host="127.0.0.1", port=free_port(), security="none", **{"from": FROM})
    booked(workspace, 2, ADDRESSES)
    err = error(8, "letters", "email")
    assert "cannot reach the mail server 127.0.0.1" in err
    assert statuses() == {"ready_to_print": 2}
    assert data("email", "list") == []  # nothing recorded while the server is down
    error(8, "letters", "email")  # nor by the next run
    assert data("email", "list") == [] and data("followup", "list") == []


def test_booking_by_e_mail_off_or_without_a_server_is_a_configuration_error(workspace):
    booked(workspace, 1, ADDRESSES)
    assert "set [email] booking = true" in error(3, "letters", "email")
    configure(workspace)
    assert "[email] host is not set" in error(3, "letters", "email", "--dry-run")


def test_a_dry_run_says_why_an_order_would_be_skipped(workspace):
    """A planner naming an order whose address was refused for good sees why in the dry
    run's table, not only in --json."""
    with SmtpServer(Behaviour(refuse=REFUSED)) as server:
        configure(workspace, **server.settings())
        booked(workspace, 3, ADDRESSES)
        fails(1, "letters", "email")
        out = fails(1, "letters", "email", "AMS-00002", "--dry-run").stdout
    assert "the address was refused" in row(out, "AMS-00002", "be skipped")
