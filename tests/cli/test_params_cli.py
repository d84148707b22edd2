"""The shared command-line pieces: enumerated options as choices, the transition
commands from one table, and a command line that stays thin and quick to start."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from amsplan.cli import app, params, transitions
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import SmsState
from tests.cli.support import error, run


def test_the_formats_are_the_writers_own():
    from amsplan.adapters.writers import FORMATS

    assert tuple(dict.fromkeys(FORMATS.values())) == params.FORMATS


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        (("orders", "list"), params.SORTS),
        (("followup", "list"), tuple(FollowupKind)),
        (("report", "failed-visits"), params.FAILED_VISITS_BY),
        (("report", "progress"), params.PERIODS),
        (("export", "mobile"), params.FORMATS),
        (("sms", "list"), tuple(SmsState)),
    ],
    ids=" ".join,
)
def test_help_lists_the_choices(args, listed):
    out = run(*args, "--help").output
    assert all(value in out for value in listed), out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("followup", "list", "--reason", "bored"), "--reason 'bored': use one of cancelled,"),
        (("orders", "list", "--sort", "random"), "--sort 'random': use one of appointment,"),
        (("report", "failed-visits", "--by", "month"), "--by 'month': use reason, tech or week"),
        (("report", "progress", "--by", "year"), "--by 'year': use day, week or month"),
        (("export", "validation", "x.csv", "--format", "XML"), "--format 'xml': use csv, json"),
        (("sms", "list", "--status", "lost"), "--status 'lost': use one of queued, exported"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_a_bad_choice_is_a_bad_argument_before_anything_runs(args, message):
    """Exit code 5 with the message scripts know (README: 5, a bad argument), checked
    while the command line is read: no configuration or database is needed."""
    assert message in error(5, *args)


def test_the_format_is_read_in_any_case_as_before():
    out = run("export", "validation", "v.xlsx", "--format", " CSV ")
    assert "--format" not in out.output  # accepted: it fails later, for want of `init`
    assert out.exit_code == 3


def test_every_transition_command_is_registered_with_its_example():
    command = typer.main.get_command(app)
    for spec in transitions.COMMANDS:
        group = command.commands[spec.group] if spec.group else command
        assert spec.name in group.commands, spec.name
        args = (spec.group, spec.name) if spec.group else (spec.name,)
        out = run(*args, "--help").output
        assert "Example: amsplan" in out and "--comment" in out and "--filter" in out
        assert ("--dry-run" in out) == (spec.asks is not None), spec.name


def test_the_command_line_starts_without_the_database_layer():
    """`amsplan --help` and `amsplan status` import no service, store, SQLAlchemy or HTTP
    stack until a command runs (the services are imported inside the commands)."""
    code = (
        "import sys; import amsplan.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('amsplan.services', "
        "'amsplan.store', 'amsplan.adapters.sms', 'sqlalchemy', 'sqlmodel', 'weasyprint', "
        "'httpx', 'starlette', 'uvicorn'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_command_group_help_starts_without_the_database_layer():
    """`amsplan <group> --help` (for each group: sms, email, notify, …) loads no service,
    store, SQLAlchemy, mail or HTTP stack either: help ends in click's Exit, which the
    error handler must let through without loading the database layer to look at it."""
    from typer.main import get_command

    from amsplan.cli import app

    groups = [name for name, cmd in get_command(app).commands.items() if hasattr(cmd, "commands")]
    assert {"sms", "email", "notify", "replies"} <= set(groups)
    code = (
        "import sys\nfrom amsplan.cli import main\n"
        f"for group in {groups!r}:\n"
        "    sys.argv = ['amsplan', group, '--help']\n"
        "    try: main()\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('amsplan.services', "
        "'amsplan.store', 'sqlalchemy', 'sqlmodel', 'weasyprint', 'httpx', 'starlette', "
        "'imap_tools', 'email_validator', 'aiosmtpd'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout[-2000:]


def test_config_sections_named_in_help_are_shown():
    """`[email]`, `[imap]`, `[notify]`, `[replies]` … in a command's help are shown as
    written: an unescaped one is rich markup and vanishes from the help text."""
    import re

    from typer.main import get_command

    from amsplan.cli import app

    def commands(group, path=()):
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                yield from commands(cmd, (*path, name))
            else:
                yield (*path, name), cmd

    eaten = []
    for path, cmd in commands(get_command(app)):
        texts = [cmd.help or "", *(getattr(p, "help", None) or "" for p in cmd.params)]
        for section in re.findall(r"(?<!\\)\[[a-z_.]+\]", "\n".join(texts)):
            eaten.append(f"amsplan {' '.join(path)}: {section}")
    assert eaten == [], "escape them as \\\\[section]: " + ", ".join(eaten)
