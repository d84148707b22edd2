"""The root command: --version, --debug, usage errors; and the real `amsplan` process."""

from __future__ import annotations

import os
import subprocess
import sys

from amsplan import __version__
from amsplan.errors import NotFound
from tests.cli.support import error, ok, run


def amsplan(*args: str, cwd) -> subprocess.CompletedProcess:
    """`python -m amsplan ARGS...` as a separate process, the way cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "amsplan", *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version():
    result = ok("--version")
    assert result.stdout.strip() == f"amsplan {__version__}"


def test_version_needs_no_configuration_or_database(tmp_path):
    (tmp_path / "amsplan.toml").write_text("this is not toml", encoding="utf-8")
    assert ok("--version").stdout.strip() == f"amsplan {__version__}"


def test_an_error_is_one_line_with_its_exit_code(workspace):
    stderr = error(4, "orders", "show", "AMS-404")
    assert stderr.strip() == "Error: no order 'AMS-404'"


def test_debug_raises_the_error_instead(workspace):
    result = run("--debug", "orders", "show", "AMS-404")
    assert isinstance(result.exception, NotFound)
    assert "Error:" not in result.output


def test_debug_shows_a_traceback_in_a_real_process(workspace):
    plain = amsplan("orders", "show", "AMS-404", cwd=workspace.path)
    assert plain.returncode == 4
    assert plain.stderr.strip() == "Error: no order 'AMS-404'"
    assert "Traceback" not in plain.stderr + plain.stdout

    debug = amsplan("--debug", "orders", "show", "AMS-404", cwd=workspace.path)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr
    assert "NotFound" in debug.stderr and "AMS-404" in debug.stderr


def test_unknown_command_and_option_are_usage_errors(workspace):
    for args in (["plan-everything"], ["status", "--colour"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
