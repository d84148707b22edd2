"""The team lead's reports, the exports, privacy purge, db verify and doctor as a planner
reads them: their --json against docs/json.md (the contract scripts rely on), and the
screens in Norwegian (the default) with no English word and no internal key."""

from __future__ import annotations

import os
import re
from pathlib import Path

from amsplan.cli import app
from tests import jsondoc
from tests.cli.support import error, fails, ok, runner
from tests.cli.test_field_cli import RETURNS, csv_file, ready

NB = {"AMSPLAN_LANGUAGE": "nb"}
# The keys a planner must never see where a word belongs.
KEYS = ("ready_for_execution", "awaiting_response", "closed_ok", "failed_visit", "followup",
        "unplanned", "dropped")  # fmt: skip


def returned(ws) -> list[str]:
    """Three orders back from the field: one closed OK, two failed visits."""
    first, second, third = ready(ws, 3)
    path = csv_file(ws, "retur.csv", [
        RETURNS,
        f"{first};løst;OK;2026-04-22 08:41;T01;",
        f"{second};løst;Kunde ikke hjemme;2026-04-22 09:15;T01;",
        f"{third};løst;Ingen adgang;2026-04-22 10:00;T01;",
    ])  # fmt: skip
    ok("returns", "ingest", path)
    return [first, second, third]


def json_of(*args: object, env: dict[str, str] | None = None) -> str:
    return ok(*args, "--json", env=env).stdout


def test_report_json_is_documented_and_the_same_in_every_language(workspace):
    returned(workspace)
    progress = jsondoc.check("report progress", json_of("report", "progress", "--by", "day"))
    assert progress["generated_at"].endswith("+02:00")  # local time, with its offset
    assert progress["total"]["closed_ok"] == 1 and progress["total"]["failed"] == 2
    assert json_of("report", "progress", env=NB) == json_of("report", "progress")

    counted = jsondoc.check("report failed-visits", json_of("report", "failed-visits"))
    assert sorted(counted["counts"], key=lambda c: c["key"]) == [
        {"key": "Ingen adgang", "failed_visits": 1},
        {"key": "Kunde ikke hjemme", "failed_visits": 1},
    ]
    assert counted["total"] == 2
    assert json_of("report", "failed-visits", env=NB) == json_of("report", "failed-visits")


def test_reports_in_norwegian_show_no_english_and_no_keys(workspace):
    returned(workspace)
    out = ok("report", "progress", "--by", "week", env=NB).stdout
    for words in ("Fremdrift per uke", "lukket OK", "bomturer", "bekreftet", "Totalt",
                  "ikke planlagt", "under booking", "oppfølging", "utført", "utgår",
                  "etappe", "kommune", "Prognose: 2 ordre gjenstår", "Venter på oppfølging",
                  "14 dager og mer"):  # fmt: skip
        assert words in out, (words, out)
    for english in ("Progress", "closed OK", "failed visits", "Forecast", "remain",
                    "Waiting", "days", "unknown", *KEYS):  # fmt: skip
        assert english not in out, (english, out)
    assert not re.search(r"\bTotal\b", out)

    out = ok("report", "failed-visits", "--by", "tech", env=NB).stdout
    assert "montør" in out and "bomturer" in out and "Totalt" in out
    assert "technician" not in out and not re.search(r"\bTotal\b", out)

    message = fails(5, "report", "dashboard", env=NB).stderr
    assert message == "Feil: oppgi en fil å skrive: --html FIL og/eller --pdf FIL\n"
    folder = fails(5, "report", "dashboard", "--html", workspace.path, env=NB).stderr
    assert folder == f"Feil: --html {workspace.path} er en mappe; oppgi filen som skal skrives\n"
    assert "name a file" in error(5, "report", "dashboard")  # English, with its Error:


def test_the_dashboard_follows_the_language(workspace):
    returned(workspace)
    ok("report", "dashboard", "--html", "nb.html", env=NB)
    ok("report", "dashboard", "--html", "en.html")
    nb, en = (Path(f"{lang}.html").read_text(encoding="utf-8") for lang in ("nb", "en"))
    assert '<html lang="nb">' in nb and '<html lang="en">' in en
    for words in ("AMS-utrulling: status og fremdrift", "Nøkkeltall", "Bomturer etter årsak",
                  "Belastning per montør", "Fremdrift per etappe", "Andel utført",
                  "Klar til utførelse", " kl. "):  # fmt: skip
        assert words in nb and words not in en, words
    for words in ("AMS roll-out: status and progress", "Key figures", "Failed visits by reason",
                  "Load per technician", "Progress per stage", "Share done",
                  "Ready for execution", " at "):  # fmt: skip
        assert words in en and words not in nb, words
    # A month's name by the language: the page's date line.
    assert any(month in nb for month in ("januar", "april", "november", "desember"))
    assert any(month in en for month in ("January", "April", "November", "December"))


def test_exports_say_their_count_in_the_language(workspace, tmp_path):
    returned(workspace)
    assert "1 order in" in ok("export", "validation", tmp_path / "v.csv").stdout
    out = ok("export", "validation", tmp_path / "v2.xlsx", env=NB).stdout
    assert out.startswith("0 ordre i ")
    # The upstream system reads its own column names, whatever the planner's language.
    header = (tmp_path / "v.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "order_no;meter_point_id;meter_number;resolution;resolved_at;technician_id"


def test_privacy_purge_json_is_documented_and_norwegian_says_it(workspace):
    returned(workspace)
    dry = jsondoc.check(
        "privacy purge", json_of("privacy", "purge", "--closed-before", "2026-05-01", "--dry-run")
    )
    assert (dry["orders"], dry["dry_run"], dry["closed_before"]) == (1, True, "2026-05-01")
    out = ok("privacy", "purge", "--closed-before", "2026-05-01", "--dry-run", env=NB).stdout
    assert out.startswith("1 ordre lukket før 01.05.2026 ville blitt anonymisert (0 svar,")
    args = ["privacy", "purge", "--closed-before", "2026-05-01"]
    stopped = runner.invoke(app, args, input="n\n", env=NB)
    assert stopped.exit_code == 1 and "Anonymisere 1 ordre lukket før 01.05.2026? [j/N]" in (
        stopped.output
    )


def test_db_verify_json_is_documented(workspace):
    returned(workspace)
    found = jsondoc.check("db verify", json_of("db", "verify"))
    assert found["whole"] is True and found["findings"] == []


def test_doctor_json_is_documented_and_norwegian_says_it(workspace):
    db = workspace.path / "amsplan.db"
    if not db.exists():  # PostgreSQL: the letters folder is the file to find
        db = workspace.path / "letters"
    db.chmod(0o777 if db.is_dir() else 0o644)
    found = jsondoc.check("doctor", fails(10, "doctor", "--json").stdout)
    assert found["ok"] is False and found["findings"][0]["fixable"] is True
    out = fails(10, "doctor", env=NB).stdout
    assert "modus 0" in out and "høyst 0" in out and "rett: chmod" in out
    assert re.search(r"\d problem(er)? i \d+ (fil eller mappe|filer og mapper); amsplan "
                     r"doctor --fix retter \d", out), out  # fmt: skip
    assert "the database is on a server" not in out  # PostgreSQL's note too
    for english in ("may read", "at most", "fix:", "letters ", "problems"):
        assert english not in out, (english, out)
    ok("doctor", "--fix")
    assert os.stat(db).st_mode & 0o077 == 0
