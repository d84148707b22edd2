"""The --json of letters, e-mail, replies, SMS, reminders and notify against
docs/json.md (tests/jsondoc.py): the documented keys, times with their offset in the
configured zone, booking codes with their dash; the same in Norwegian."""

from __future__ import annotations

import json

from amsplan.domain.codes import format_code
from tests import jsondoc
from tests.cli.support import order, run
from tests.helpers import assign_all, locked, seed
from tests.integration.test_bookmail import FROM, configure, give

NOW = {"AMSPLAN_NOW": "2026-04-15T10:30"}


def checked(words: str, *args: object, env: dict[str, str] | None = None, code: int = 0):
    """`amsplan WORDS ARGS --json`, checked against its example in docs/json.md."""
    result = run(*words.split(), *args, "--json", env=env)
    assert result.exit_code == code, result.output
    return jsondoc.check(words, result.stdout)


def test_letters_and_email_json(workspace):
    (first, _code), (second, second_code), _third = locked(workspace, 3)
    configure(workspace, transport="folder", folder="ut", **{"from": FROM})
    give(workspace, {second: "bjorn@kunde.example"})
    dry = checked("letters email", "--dry-run")
    assert dry["would_send"] == [{"order_no": second, "to": "bjorn@kunde.example"}]
    sent = checked("letters email")
    assert [s["order_no"] for s in sent["sent"]] == [second]
    generated = checked("letters generate")
    assert len(generated["generated"]) == 2 and generated["skipped"] == []
    pending = checked("letters pending")
    assert pending[0]["status_label"] == "Awaiting response"
    reprinted = checked("letters reprint", first)
    assert len(reprinted["reprinted"]) == 1
    withdrawn = checked("letters withdrawn")
    assert withdrawn[0]["order_no"] == first
    printed = checked("letters printed", "--all")
    assert len(printed["printed"]) == 2
    (mail,) = checked("email list")
    assert (mail["booking_code"], mail["state_label"]) == (format_code(second_code), "sent")


def sms_booked(ws) -> dict[str, str]:
    """Three orders booked by SMS (on the default clock): {order_no: code as printed}."""
    numbers = seed(ws, 3)
    assign_all(ws, numbers)
    booked = checked("sms book", *numbers)
    assert booked["refused"] == []
    return {b["order_no"]: b["code"] for b in booked["booked"]}


def test_sms_replies_and_reminders_json(workspace):
    code = sms_booked(workspace)
    listed = checked("sms list")
    assert {m["status"] for m in listed} == {"queued"} and listed[0]["status_label"] == "queued"
    exported = checked("sms export", workspace.path / "ut.csv", env=NOW)
    assert exported["count"] == 3
    dispatched = checked("sms dispatch")
    assert dispatched["provider"] == "file"
    (workspace.path / "svar.csv").write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-15 10:00;+4740000001;{code['AMS-00001']} OK\n"
        f"2026-04-15 10:05;+4740000002;{code['AMS-00002']} Det passer ikke\n"
        "2026-04-15 10:07;+4799999904;Hei, kan dere komme en annen dag?\n",
        encoding="utf-8",
    )
    ingested = checked("replies ingest", "svar.csv", env=NOW)
    assert ingested["outcomes"] == {"confirmed": 1, "followup": 1, "no_code": 1}
    (unmatched,) = checked("replies unmatched")
    assert unmatched["received_at"] == "2026-04-15T10:07:00+02:00"
    handled = checked("replies handle", unmatched["id"], "--comment", "Ringte kunden")
    assert handled["handled"] == [unmatched["id"]]
    reminded = checked("reminders run", "--dry-run", "--now", "2026-04-21T08:00")
    assert [(a["kind"], a["order_no"]) for a in reminded["actions"]] == [
        ("booking_reminder", "AMS-00003"), ("appointment_reminder", "AMS-00001")
    ]  # fmt: skip
    rules = checked("notify rules")
    assert rules["rules"] == []


NB = {"AMSPLAN_LANGUAGE": "nb"}
# English words and internal keys a Norwegian planner must not see on these screens.
NOT_NORWEGIAN = ("order", "skipped", "waiting", "customer replied", "reply",
                 "queued", "awaiting_response", "ready_for_execution", "followup",
                 "no_code", "booking_reminder", "Error:")  # fmt: skip


def norwegian(*args: object, code: int = 0) -> str:
    """`amsplan ARGS` in Norwegian: its output (stdout and stderr), with no English."""
    result = run(*args, env={**NOW, **NB})
    assert result.exit_code == code, result.output
    for word in NOT_NORWEGIAN:
        assert word not in result.output, f"{word!r} in:\n{result.output}"
    return result.output


def test_letters_and_replies_speak_norwegian(workspace):
    code = dict(locked(workspace, 2))
    assert "2 brev i" in norwegian("letters", "generate")
    pending = norwegian("letters", "pending")
    assert "fil" in pending and "kunde" in pending and "2 brev venter på utskrift" in pending
    (workspace.path / "svar.csv").write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-15 10:00;+4740000001;{code['AMS-00001']} Det passer ikke\n"
        "2026-04-15 10:07;+4799999904;Hei, kan dere komme en annen dag?\n",
        encoding="utf-8",
    )
    ingested = norwegian("replies", "ingest", "svar.csv")
    assert "oppfølging" in ingested and "ingen kode" in ingested and "betydning" in ingested
    unmatched = norwegian("replies", "unmatched")
    assert "Hei, kan dere komme en annen dag?" in unmatched  # the customer's words as written
    assert "1 svar må følges opp av en person" in unmatched
    # the reason is in the planner's language, the customer's answer as written
    assert order("AMS-00001")["followup_reason"] == "kunden svarte: Det passer ikke"
    message = norwegian("letters", "printed", "nope.pdf", code=5)
    assert "Feil:" in message and "ingenting ble registrert som skrevet ut" in message
    assert "ikke et brev amsplan har laget" in message


def test_sms_and_json_in_norwegian(workspace):
    numbers = seed(workspace, 2)
    assign_all(workspace, numbers)
    english = jsondoc.check("sms book", run("sms", "book", numbers[0], "--json", env=NOW).stdout)
    booked = run("sms", "book", numbers[1], "--json", env={**NOW, **NB})
    assert jsondoc.check("sms book", booked.stdout).keys() == english.keys()  # the same keys
    listed = norwegian("sms", "list")
    assert "i kø" in listed and "booking" in listed and "sendes fra" in listed
    (first, *_rest) = json.loads(run("sms", "list", "--json", env={**NOW, **NB}).stdout)
    assert (first["status"], first["status_label"]) == ("queued", "i kø")
    assert first["appointment"].endswith("+02:00")
    dispatched = norwegian("sms", "dispatch")
    assert "Leverandør file: 2 meldinger i" in dispatched
    reminded = norwegian("reminders", "run", "--dry-run", "--now", "2026-04-21T08:00")
    assert "Ville gjort" in reminded and "2 påminnelser ville blitt behandlet" in reminded


def test_email_and_serve_speak_norwegian(workspace):
    (_first, _code), (second, _second_code) = locked(workspace, 2)
    configure(workspace, transport="folder", folder="ut", **{"from": FROM})
    give(workspace, {second: "bjorn@kunde.example"})
    sent = norwegian("letters", "email")
    assert "1 sendt, 0 feilet, 0 uvisst, 0 hoppet over" in sent
    listed = norwegian("email", "list")
    assert "tilstand" in listed and "sendt" in listed and "1 melding" in listed
    refused = norwegian("serve", code=3)
    assert 'Feil: sms.provider er "file": det finnes ingen leverandør å høre fra' in refused
