"""amsplan doctor: files that hold personal data, and who may read them (issue 18)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from amsplan.cli.output import console, context, print_json
from amsplan.cli.params import Json
from amsplan.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from amsplan.domain.filemodes import Finding

# Exit code when something is (still) wrong: cron mails it, monitoring alerts on it.
FOUND = 10
SHOWN = 50  # findings printed; --json lists them all
#: What each check looks at (services.doctor's checks), as the planner reads it.
CHECKS = {
    "config": N_("config"), "database": N_("database"), "backups": N_("backups"),
    "letters": N_("letters"), "exports": N_("exports"),
}  # fmt: skip


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
            say(_("Note: {note}").format(note=note))
        for finding in report.fixed:
            say(_("fixed  {path}: {fix}").format(path=finding.path, fix=finding.fix))
        for finding, why in report.not_fixed:
            say(_("not fixed  {path}: {why}").format(path=finding.path, why=why))
        fix_line = _("    fix: {fix}")
        checks = {key: _(label) for key, label in CHECKS.items()}
        for finding in report.findings[:SHOWN]:
            say(f"{checks.get(finding.check, finding.check)}  {finding.path}: {finding.problem}")
            say(fix_line.format(fix=finding.fix))
        if len(report.findings) > SHOWN:
            say(_("... and {n} more (--json lists all)").format(n=len(report.findings) - SHOWN))
        checked = ngettext("{n} file or folder", "{n} files and folders", report.checked).format(
            n=report.checked
        )
        if report.ok:
            say(_("All is well: {checked} that hold personal data checked.").format(
                checked=checked))  # fmt: skip
        else:
            fixable = sum(f.fixable for f in report.findings)
            problems = ngettext("{n} problem", "{n} problems", len(report.findings)).format(
                n=len(report.findings)
            )
            if fixable and not fix:
                say(_("{problems} in {checked}; amsplan doctor --fix repairs {n}.").format(
                    problems=problems, checked=checked, n=fixable))  # fmt: skip
            else:
                say(_("{problems} in {checked}.").format(problems=problems, checked=checked))
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
