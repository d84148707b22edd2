"""Issue 13: the configured reply words ([replies] keyword_ok / keyword_contact) are the ones
letters and SMS ask for, and the ones the reply ingest understands.

A company that configures JA/NEI: the letter and the booking SMS say "CODE JA", a reply
"CODE JA" confirms, and "CODE OK" (no longer the word) is an answer for a person.
"""

from __future__ import annotations

from pypdf import PdfReader

from amsplan.domain.codes import format_code
from tests.cli.support import data, ok, order
from tests.helpers import order_row, write_orders


def sms_codes(result: dict) -> dict[str, str]:
    """Order number -> booking code, from `sms book --json`."""
    return {b["order_no"]: b["code"] for b in result["booked"]}


def at(moment: str) -> dict[str, str]:
    return {"AMSPLAN_NOW": moment}


def configure(ws, keyword_ok: str, keyword_contact: str) -> None:
    config = ws.path / "amsplan.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[replies]\nkeyword_ok = "{keyword_ok}"\nkeyword_contact = "{keyword_contact}"\n',
        encoding="utf-8",
    )


def booked(ws) -> dict[str, str]:
    """AMS-00001/2 booked by letter, AMS-00003/4 by SMS: {order_no: code as printed}."""
    ok("techs", "add", "T01", "--name", "Ola Montør", "--start", "07:00", "--end", "16:00")
    rows = [order_row(n) for n in range(1, 5)]
    ok("orders", "import", write_orders(ws.path / "o.csv", rows))
    numbers = [f"AMS-{n:05d}" for n in range(1, 5)]
    ok("assign", *numbers, "--tech", "T01", "--date", "2026-04-22", "--start", "08:00")
    codes = {
        x["order_no"]: x["code"].replace("-", "") for x in data("lock", *numbers[:2])["locked"]
    }
    ok("letters", "generate")
    by_sms = sms_codes(data("sms", "book", *numbers[2:], env=at("2026-04-01T10:00")))
    codes |= {no: code.replace("-", "") for no, code in by_sms.items()}
    return {no: format_code(code) for no, code in codes.items()}


def letter_text(ws, order_no: str) -> str:
    (path,) = ws.letters.glob(f"*_{order_no}.pdf")
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(text.replace("\x00", "").split())


def reply(ws, name: str, lines: list[str]) -> dict:
    path = ws.path / name
    path.write_text("\n".join(["Mottatt;Avsender;Melding", *lines]) + "\n", encoding="utf-8")
    return data("replies", "ingest", path, env=at("2026-04-01T12:00"))


def test_a_company_that_asks_for_ja_gets_ja_understood(workspace):
    configure(workspace, "JA", "NEI")
    code = booked(workspace)

    # What the customers are told to send.
    for no in ("AMS-00001", "AMS-00002"):
        text = letter_text(workspace, no)
        assert f"{code[no]} JA" in text and f"{code[no]} NEI" in text, text
        assert f"{code[no]} OK" not in text
    for no in ("AMS-00003", "AMS-00004"):
        (sms,) = data("sms", "list", "--order", no)
        assert f"{code[no]} JA" in sms["text"] and f"{code[no]} NEI" in sms["text"], sms
        assert f"{code[no]} OK" not in sms["text"]

    # What they send: JA (any case) confirms; OK is no longer the word.
    result = reply(
        workspace,
        "svar.csv",
        [
            f"2026-04-01 11:00;+4740000001;{code['AMS-00001']} JA",
            f"2026-04-01 11:01;+4740000003;{code['AMS-00003']} ja",
            f"2026-04-01 11:02;+4740000002;{code['AMS-00002']} OK",
            f"2026-04-01 11:03;+4740000004;{code['AMS-00004']} ok",
        ],
    )
    assert result["outcomes"] == {"confirmed": 2, "followup": 2}, result
    for no in ("AMS-00001", "AMS-00003"):
        assert order(no)["status"] == "ready_for_execution", no
    for no, answer in (("AMS-00002", "OK"), ("AMS-00004", "ok")):
        shown = order(no)
        assert shown["status"] == "manual_followup", no
        assert shown["followup_reason"] == f"customer replied: {answer}"
    assert any("Reply JA" in e["text"] for e in order("AMS-00001")["timeline"])

    # The contact word is an answer for a person; a newer one is the customer's last word.
    later = reply(workspace, "svar2.csv", [f"2026-04-01 11:30;+4740000001;{code['AMS-00001']} NEI"])
    assert later["outcomes"] == {"followup": 1}, later
    shown = order("AMS-00001")
    assert (shown["status"], shown["followup_reason"]) == (
        "manual_followup",
        "customer replied: NEI",
    )


def test_the_default_words_are_ok_and_kontakt(workspace):
    code = booked(workspace)
    assert f"{code['AMS-00001']} OK" in letter_text(workspace, "AMS-00001")
    (sms,) = data("sms", "list", "--order", "AMS-00003")
    assert f"{code['AMS-00003']} KONTAKT" in sms["text"]

    result = reply(
        workspace,
        "svar.csv",
        [
            f"2026-04-01 11:00;+4740000001;{code['AMS-00001']} Ok",
            f"2026-04-01 11:02;+4740000002;{code['AMS-00002']} JA",
        ],
    )
    assert result["outcomes"] == {"confirmed": 1, "followup": 1}, result
    assert order("AMS-00002")["followup_reason"] == "customer replied: JA"
