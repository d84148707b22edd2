"""Planning, the workflow and follow-up in one language at a time, and their JSON as
docs/json.md documents it (tests/jsondoc.py): objects, times with their offset, codes
with their dash, the same in every language."""

from __future__ import annotations

import json
import re

from amsplan.services.orders import import_orders
from amsplan.services.technicians import add_technician
from tests import jsondoc
from tests.cli.support import fails, ok
from tests.helpers import assign_all, awaiting, order_row, seed, write_orders

NB = {"AMSPLAN_LANGUAGE": "nb"}
DATE = "2026-04-22"
# Words a Norwegian screen must not show: English, and internal keys where labels belong.
ENGLISH = re.compile(
    r"\b(order|orders|refused|locked|moved|result|reason|allowed|planning|ready_to_print|"
    r"manual_followup|open|Monday|Tuesday|Wednesday|Thursday|Friday|need|follow-up|"
    r"transition|from|checks|effects|cancelled)\b"
)


def no_english(text: str) -> None:
    found = ENGLISH.findall(text.replace("AMS-", ""))
    assert not found, f"{found} in:\n{text}"


def replied(ws) -> dict[str, str]:
    """AMS-00002 answered "Det passer ikke": it needs a person."""
    code = dict(awaiting(ws, 2))
    (ws.path / "svar.csv").write_text(
        "Mottatt;Avsender;Melding\n"
        f"2026-04-15 10:05;+4799999902;{code['AMS-00002']} Det passer ikke\n",
        encoding="utf-8",
    )
    ok("replies", "ingest", "svar.csv")
    return code


# --- assign, lock ----------------------------------------------------------------------


def test_assign_and_lock_in_norwegian(workspace):
    ctx = workspace.context()
    add_technician(ctx, "T01", "Ola Montør", "", "07:00", "16:00")
    rows = [order_row(1), order_row(2), order_row(3, street="")]  # AMS-00003: refused
    import_orders(ctx, write_orders(workspace.path / "orders.csv", rows))

    out = ok("assign", "AMS-00001", "AMS-00002", "AMS-00003", "--tech", "T01", "--date", DATE,
             env=NB).stdout  # fmt: skip
    assert "T01 onsdag 22.04.2026" in out and "ordre" in out
    no_english(out)

    locked = fails(1, "lock", "--tech", "T01", "--date", DATE, env=NB).stdout
    assert "bookingkode / årsak" in locked and "2 låst, 1 avvist" in locked
    assert "mangler gate" in locked
    no_english(locked)

    err = fails(5, "assign", "AMS-00001", "--tech", "T01", "--date", "2026-04-25", env=NB).stderr
    assert err.startswith("Feil: ")
    assert "ingenting ble tildelt" in err
    assert "er Klar til utskrift; bare ordre med status Åpen, Under planlegging" in err
    assert "lørdag 25.04.2026 er ikke en av montørens arbeidsdager (man-fre)" in err
    no_english(err)


def test_lock_json_is_the_same_in_every_language(workspace):
    order_nos = seed(workspace, 2)
    assign_all(workspace, order_nos)
    nb = jsondoc.check("lock", ok("lock", "AMS-00001", "--json", env=NB).stdout)
    en = jsondoc.check("lock", ok("lock", "AMS-00002", "--json").stdout)
    assert [x["order_no"] for x in nb["locked"] + en["locked"]] == order_nos
    assert all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", x["code"]) for x in nb["locked"])
    refused = jsondoc.check("lock", fails(1, "lock", "AMS-00001", "--json", env=NB).stdout)
    assert refused["locked"] == [] and refused["refused"][0]["order_no"] == "AMS-00001"


def test_assign_move_and_reschedule_json(workspace):
    seed(workspace, 3)
    add_technician(workspace.context(), "T02", "Kari Montør", "", "07:00", "16:00")
    slots = jsondoc.check("assign", ok("assign", "AMS-00001", "AMS-00002", "--tech", "T01",
                                       "--date", DATE, "--json").stdout)  # fmt: skip
    assert slots[0]["start"] == "2026-04-22T08:00:00+02:00"
    filled = json.loads(ok("assign", "AMS-00003", "--tech", "T01", "--date", DATE, "--fill",
                           "--json").stdout)  # fmt: skip
    assert set(filled) == {"placed", "left"} and filled["left"] == []
    assert not jsondoc.problems(jsondoc.examples()["assign"][0], filled["placed"][0])
    moved = ok("move", "--from-tech", "T01", "--date", DATE, "--to-tech", "T02", "--dry-run",
               "--json")  # fmt: skip
    assert len(jsondoc.check("move", moved.stdout)) == 3
    again = ok("followup", "reschedule", "AMS-00001", "--date", "2026-04-23", "--start", "12:00",
               "--json")  # fmt: skip
    assert jsondoc.check("followup reschedule", again.stdout)[0]["start"] == (
        "2026-04-23T12:00:00+02:00"
    )


# --- transitions --------------------------------------------------------------------------


def test_unlock_unassign_and_transition_json(workspace):
    order_nos = seed(workspace, 3)
    assign_all(workspace, order_nos)
    ok("lock", "AMS-00001", "AMS-00002")
    unlocked = fails(1, "unlock", "AMS-00001", "AMS-00003", "--yes", "--json", env=NB).stdout
    out = jsondoc.check("unlock", unlocked)
    assert out["moved"] == [
        {"order_no": "AMS-00001", "status": "planning", "status_label": "Under planlegging"}
    ]
    assert out["refused"][0]["order_no"] == "AMS-00003"
    assert "ready_to_print" not in out["refused"][0]["reason"]
    unassigned = ok("unassign", "AMS-00001", "--yes", "--json").stdout
    assert jsondoc.check("unassign", unassigned)["moved"][0]["status"] == "open"
    held = ok("transition", "hold", "AMS-00002", "--until", "2026-06-01", "--yes", "--json")
    assert jsondoc.check("transition", held.stdout)["moved"] == [
        {"order_no": "AMS-00002", "status": "on_hold", "status_label": "On hold"}
    ]


def test_a_refused_transition_names_labels_in_norwegian(workspace):
    seed(workspace, 1)
    out = fails(1, "transition", "resume", "AMS-00001", "--yes", env=NB).stdout
    assert "ordren er Åpen; tillatt fra På vent" in out and "0 flyttet, 1 avvist" in out
    no_english(out)
    err = fails(5, "transition", "print", "AMS-00001", env=NB).stderr
    assert "Brev skrevet ut (print) har sin egen kommando: amsplan letters generate" in err


# --- followup list, status, workflow show -----------------------------------------------


def test_followup_list_in_norwegian_and_its_json(workspace):
    replied(workspace)
    out = ok("followup", "list", env=NB).stdout
    assert "1 ordre trenger oppfølging" in out and "Manuell oppfølging" in out
    assert "kunde" in out and "årsak" in out
    no_english(out.replace("customer replied", ""))  # the stored reason is data
    nb = jsondoc.check("followup list", ok("followup", "list", "--json", env=NB).stdout)
    en = jsondoc.check("followup list", ok("followup", "list", "--json").stdout)
    assert nb[0]["status_label"] == "Manuell oppfølging" and en[0]["status_label"] == (
        "Manual follow-up"
    )
    assert {k: v for k, v in nb[0].items() if k != "status_label"} == {
        k: v for k, v in en[0].items() if k != "status_label"
    }
    assert nb[0]["appointment"] == "2026-04-22T09:00:00+02:00"


def test_followup_reasons_are_listed_in_help(workspace):
    out = ok("followup", "list", "--help").stdout
    assert "failed_visit" in out and "no_answer" in out and "hold_passed" in out


def test_status_and_workflow_show_in_norwegian(workspace):
    seed(workspace, 2)
    out = ok("status", env=NB).stdout
    assert "Åpen" in out and "Totalt" in out
    no_english(out)
    jsondoc.check("status", ok("status", "--json", env=NB).stdout)

    shown = ok("workflow", "show", env=NB).stdout
    assert (
        "Send til utførelse" in shown and "Arbeidsflyt" in shown and "(send_to_execution)" in shown
    )
    assert "alt et brev trenger" in shown and "ny bookingkode" in shown
    assert "ready_to_lock" not in shown and "new_booking_code" not in shown
    table = jsondoc.check("workflow show", ok("workflow", "show", "--json", env=NB).stdout)
    plan = next(t for t in table if t["name"] == "plan")
    assert (plan["label"], plan["to"], plan["to_label"]) == ("Planlegg", "planning",
                                                            "Under planlegging")  # fmt: skip
