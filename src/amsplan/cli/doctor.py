"""amsplan doctor: files that hold personal data, and who may read them (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from amsplan.cli.output import console, context, count, print_json
from amsplan.cli.params import Json

if TYPE_CHECKING:
    from amsplan.domain.filemodes import Finding

# Exit code when something is (still) wrong: cron mails it, monitoring alerts on it.
FOUND = 10
SHOWN = 50  # findings printed; --json lists them all


def doctor(
    ctx: typer.Context,
    fix: Annotated[
        bool, typer.Option("--fix", help="Tighten the modes and groups found wrong.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Check that the files holding personal data are private: the SQLite database and
    its WAL, backups, the letters folder, exports, a configuration file with a password.

    Each file wider than allowed (mode, group, owner) is listed with the command that
    fixes it. Exit code 0: all is well; 10: something is wrong (docs/files.md).

    Examples: amsplan doctor
              amsplan doctor --fix
    """
    from amsplan.services.doctor import check, repair

    report = repair(context(ctx)) if fix else check(context(ctx))
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "findings": [_data(f) for f in report.findings],
                "fixed": [_data(f) for f in report.fixed],
                "not_fixed": [{**_data(f), "why": why} for f, why in report.not_fixed],
                "notes": report.notes,
            }
        )
    else:
        for note in report.notes:
            say(f"Note: {note}")
        for finding in report.fixed:
            say(f"fixed  {finding.path}: {finding.fix}")
        for finding, why in report.not_fixed:
            say(f"not fixed  {finding.path}: {why}")
        for finding in report.findings[:SHOWN]:
            say(f"{finding.check}  {finding.path}: {finding.problem}")
            say(f"    fix: {finding.fix}")
        if len(report.findings) > SHOWN:
            say(f"... and {len(report.findings) - SHOWN} more (--json lists all)")
        checked = count(report.checked, "file or folder", "files and folders")
        if report.ok:
            say(f"All is well: {checked} that hold personal data checked.")
        else:
            fixable = sum(f.fixable for f in report.findings)
            hint = f"; amsplan doctor --fix repairs {fixable}" if fixable and not fix else ""
            say(f"{count(len(report.findings), 'problem', 'problems')} in {checked}{hint}.")
    if not report.ok:
        raise typer.Exit(FOUND)


def say(line: str) -> None:
    console.print(line, soft_wrap=True)  # a path is never broken: it is copied


def _data(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "path": finding.path,
        "problem": finding.problem,
        "fix": finding.fix,
        "fixable": finding.fixable,
    }


def register(app: typer.Typer) -> None:
    """Add `doctor` to the root."""
    app.command("doctor")(doctor)
