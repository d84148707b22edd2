"""amsplan db verify: quiet and 0 when the history is whole; one line per broken link
and exit code 11 when it is not, as cron needs it."""

from __future__ import annotations

import json

from amsplan.cli.audit import BROKEN
from tests.cli.support import data, fails, ok, run
from tests.helpers import awaiting
from tests.integration.test_audit import outside, rows_of


def test_a_whole_history_is_quiet_and_exits_0(workspace):
    awaiting(workspace, 2)
    assert ok("db", "verify").stdout == ""  # not on a terminal: cron mails nothing
    assert data("db", "verify") == {"whole": True, "rows": 6, "orders": 2, "findings": []}


def test_broken_links_are_one_line_each_and_exit_11(workspace):
    awaiting(workspace, 3)
    changed, removed = rows_of(workspace, "AMS-00001")[1], rows_of(workspace, "AMS-00003")[-1]
    outside(
        workspace,
        f"UPDATE history SET comment = 'Kari' WHERE id = {changed.id}",
        f"DELETE FROM history WHERE id = {removed.id}",
    )
    assert BROKEN == 11
    lines = fails(11, "db", "verify").stdout.splitlines()
    assert lines[0].startswith("AMS-00001  01.04.2026 08:00  changed: lock: ")
    assert lines[1].startswith("AMS-00003  01.04.2026 08:00  removed: the order is ")
    assert lines[2] == "History NOT whole: 2 broken links in 2 orders (8 rows of 3 orders read)"
    assert "Kari" not in "\n".join(lines)  # what the row says is never printed
    result = run("db", "verify", "--json")
    assert result.exit_code == 11
    found = json.loads(result.stdout)
    assert (found["whole"], found["rows"], found["orders"]) == (False, 8, 3)
    assert [(f["order_no"], f["at"], f["kind"]) for f in found["findings"]] == [
        ("AMS-00001", "2026-04-01T08:00:00+02:00", "changed"),
        ("AMS-00003", "2026-04-01T08:00:00+02:00", "removed"),
    ]


def test_help_tells_the_exit_codes():
    out = ok("db", "verify", "--help").stdout
    assert "0 when the history is whole, 11 when it is not" in " ".join(out.split())
