"""Running `amsplan` in-process, as a user would, and what every error must look like."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from amsplan.cli import app

runner = CliRunner()


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    """`amsplan ARGS...` in the current folder (the test's workspace)."""
    return runner.invoke(app, [str(a) for a in args], env=env)


def ok(*args: object, env: dict[str, str] | None = None) -> Result:
    """Run; it must succeed (exit code 0)."""
    result = run(*args, env=env)
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exc_info}"
    return result


def data(*args: object, env: dict[str, str] | None = None) -> Any:
    """Run a command that takes --json; its parsed standard output."""
    return json.loads(ok(*args, "--json", env=env).stdout)


def fails(code: int, *args: object, env: dict[str, str] | None = None) -> Result:
    """Run; it must exit with `code`, with no traceback and no unexpected exception."""
    result = run(*args, env=env)
    assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def error(code: int, *args: object, env: dict[str, str] | None = None) -> str:
    """Run a command that must fail with `code` and one `Error:` line; all of its stderr."""
    result = fails(code, *args, env=env)
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert lines[0].startswith("Error:"), result.stderr
    # Anything after the Error: line is an indented list of problems, one per line.
    assert all(line.startswith("  ") for line in lines[1:]), result.stderr
    return result.stderr


def statuses() -> dict[str, int]:
    """`amsplan status --json` without the zero counts."""
    return {status: n for status, n in data("status").items() if n}


def order(order_no: str) -> dict[str, Any]:
    """`amsplan orders show ORDER --json`."""
    return data("orders", "show", order_no)


def row(output: str, *words: str) -> str:
    """The one line of a printed table that holds all `words`."""
    found = [line for line in output.splitlines() if all(w in line for w in words)]
    assert len(found) == 1, f"{words} in {len(found)} lines of:\n{output}"
    return found[0]
