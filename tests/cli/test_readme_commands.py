"""The README's command table and the command tree agree: every command amsplan has is in
the table, and every command the table names exists (as sqlite-utils checks its docs)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli.support import run
from tests.cli.test_help import LEAVES

README = Path(__file__).resolve().parents[2] / "README.md"
_WORD = re.compile(r"[a-z][a-z-]*(?:\\\|[a-z][a-z-]*)*")


def table_commands() -> list[str]:
    """The commands the first column of the table under `## Commands` names; `filters
    list\\|show\\|delete` names three."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for cell in re.findall(r"(?m)^\| `([^`]+)` \|", section):
        path: list[list[str]] = []
        for word in cell.split():
            if not _WORD.fullmatch(word):
                break
            path.append(word.split("\\|"))
        prefix = " ".join(p[0] for p in path[:-1])
        found += [f"{prefix} {last}".strip() for last in path[-1]]
    return found


def test_the_table_parser_reads_the_rows():
    names = table_commands()
    assert {"init", "filters list", "filters delete", "letters printed", "db verify"} <= set(names)
    assert len(names) == len(set(names)), "a command is in the table twice"


def test_every_command_is_in_the_readme_table():
    leaves = {" ".join(path) for path in LEAVES}
    assert sorted(leaves - set(table_commands())) == []


def test_every_command_in_the_readme_table_exists():
    leaves = {" ".join(path) for path in LEAVES}
    assert sorted(set(table_commands()) - leaves) == []


# --- docs/systemd: every job is a real amsplan command line ----------------------------

SYSTEMD = README.parent / "docs" / "systemd"
AMSPLAN = "/opt/amsplan/bin/amsplan"
DATE = re.compile(r"\$\(date [^)]*\)")


def amsplan_args(line: str) -> list[str]:
    """The arguments after `/opt/amsplan/bin/amsplan` in a shell command line (a `$(date
    ...)` stands for a date), up to a redirection or the next command."""
    words = shlex.split(DATE.sub("2026-04-22", line))
    start = words.index(AMSPLAN) + 1
    end = next((i for i in range(start, len(words)) if words[i] in ("&&", ";", "|", "||")
                or words[i].startswith(">")), len(words))  # fmt: skip
    return words[start:end]


def exec_lines() -> list[tuple[str, list[str]]]:
    found = []
    for unit in sorted(SYSTEMD.glob("*.service")):
        (line,) = re.findall(r"(?m)^ExecStart=(.*)$", unit.read_text(encoding="utf-8"))
        line = line.replace("$$", "$").replace("%%", "%")  # systemd's escapes
        words = shlex.split(line)
        if words[:2] == ["/bin/sh", "-c"]:
            line = words[2]
        found.append((unit.name, amsplan_args(line)))
    return found


def cron_lines() -> list[tuple[str, list[str]]]:
    text = (SYSTEMD / "crontab").read_text(encoding="utf-8")
    jobs = [line for line in text.splitlines() if line and not line.startswith("#")
            and not re.match(r"\w+=", line)]  # fmt: skip
    return [(line, amsplan_args(line.replace("\\%", "%"))) for line in jobs]


JOBS = exec_lines() + cron_lines()


def test_the_examples_are_found():
    assert len(exec_lines()) == 10 and len(cron_lines()) == 9


@pytest.mark.parametrize(("where", "args"), JOBS, ids=[j[0][:40] for j in JOBS])
def test_each_job_is_an_amsplan_command_line(where, args):
    path = [w for w in args if not w.startswith("-")]
    if args[:1] == ["--user"]:
        path = path[1:]  # the user's name
    assert any(tuple(path[: len(leaf)]) == leaf for leaf in LEAVES), (where, args)
    result = run(*args, "--help")
    assert result.exit_code == 0, (where, result.output)
    assert "Usage" in result.output


def test_each_unit_runs_as_the_dedicated_user_with_the_configuration():
    for unit in SYSTEMD.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        for line in ("User=planbot", "UMask=0027", "WorkingDirectory=/srv/amsplan",
                     "Environment=AMSPLAN_CONFIG=/etc/amsplan/amsplan.toml"):  # fmt: skip
            assert f"\n{line}\n" in text, (unit.name, line)
        timer = unit.with_suffix(".timer")
        assert timer.exists() == ("Type=oneshot" in text), unit.name
