"""`amsplan doctor`: are the files that hold personal data private (issue 18)?

Each check in CHECKS looks at one kind of file (the database and its WAL, backups, the
letters folder, exports, the configuration file) and returns what is wrong with it: the
rules are domain.filemodes, stat is adapters.private. `repair` fixes what a mode or a
group fixes, then looks again. A new check is a function added to CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from amsplan.adapters import private
from amsplan.config import Settings, is_secret
from amsplan.domain.filemodes import Account, Finding, Kind, Policy, Seen, judge, unsafe_folder
from amsplan.errors import AmsplanError
from amsplan.i18n import _
from amsplan.services import dispatch
from amsplan.services.context import Context
from amsplan.store.files import paths_not_removed

SQLITE_FILES = ("", "-wal", "-shm", "-journal")  # the database and SQLite's files beside it
# The first bytes of a backup: an SQLite database (`db backup`), a pg_dump -Fc file.
BACKUP_MAGIC = (b"SQLite format 3\x00", b"PGDMP")


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)  # what is (still) wrong
    fixed: list[Finding] = field(default_factory=list)  # repaired by --fix
    not_fixed: list[tuple[Finding, str]] = field(default_factory=list)  # --fix failed: why
    notes: list[str] = field(default_factory=list)
    checked: int = 0  # files and folders looked at

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass
class Scope:
    """What every check gets, and what it counts."""

    ctx: Context
    policy: Policy
    me: Account
    exports: list[Path] | None  # the export files amsplan recorded (None: unknown)
    looked: set[str] = field(default_factory=set)  # each path is judged once

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def judge(self, check: str, seen: Iterable[Seen], kind: Kind) -> list[Finding]:
        """What is wrong with each file or folder not judged before."""
        return [f for one in self._new(seen) for f in judge(check, one, kind, self.policy,
                                                           self.me)]  # fmt: skip

    def judge_folder(self, check: str, seen: Iterable[Seen]) -> list[Finding]:
        """What makes each folder (not amsplan's own) unfit to hold personal data."""
        return [f for one in self._new(seen)
                for f in unsafe_folder(check, one, self.policy, self.me)]  # fmt: skip

    def _new(self, seen: Iterable[Seen]) -> Iterable[Seen]:
        for one in seen:
            if one.path not in self.looked:
                self.looked.add(one.path)
                yield one


def _sqlite_file(settings: Settings) -> Path | None:
    url = settings.database_url
    path = url.removeprefix("sqlite:///")
    return Path(path) if url.startswith("sqlite:///") and path != ":memory:" else None


def _looked(paths: Iterable[Path]) -> list[Seen]:
    return [seen for seen in map(private.look, paths) if seen is not None]


def check_config(scope: Scope) -> list[Finding]:
    """The configuration file, when it holds a password (owner only)."""
    settings = scope.settings
    secret = urlsplit(settings.database_url).password or any(
        is_secret(key) for options in settings.sms_options.values() for key in options
    )
    if settings.config_file is None or not secret:
        return []
    return scope.judge("config", _looked([settings.config_file]), Kind.PRIVATE)


def check_database(scope: Scope) -> list[Finding]:
    """The SQLite database, its WAL and shared memory (owner only)."""
    path = _sqlite_file(scope.settings)
    if path is None:
        return []
    files = [path.with_name(path.name + suffix) for suffix in SQLITE_FILES]
    return scope.judge("database", _looked(files), Kind.PRIVATE)


def check_backups(scope: Scope) -> list[Finding]:
    """Backups (SQLite databases and pg_dump files) beside the SQLite database and in
    [files] backups (owner only)."""
    settings = scope.settings
    database = _sqlite_file(settings)
    folders = [database.parent] if database else []
    if settings.files_backups:
        folders.append(settings.base_dir / settings.files_backups)  # an absolute one stays
    skip = {database.with_name(database.name + s) for s in SQLITE_FILES} if database else set()
    backups = [
        path
        for folder in dict.fromkeys(folders)
        for path in private.files_in(folder)
        if path not in skip and private.starts_with(path, BACKUP_MAGIC)
    ]
    return scope.judge("backups", _looked(backups), Kind.PRIVATE)


def check_letters(scope: Scope) -> list[Finding]:
    """The letters folder and everything in it (printed/, withdrawn/, combined/, the
    staging folder): the owner's, and the configured group's."""
    return scope.judge("letters", private.walk(scope.settings.letters_dir), Kind.SHARED)


def check_exports(scope: Scope) -> list[Finding]:
    """The export files amsplan recorded writing, and the folders they are in; the SMS
    export folder and the e-mail folder transport's Maildir with all in them."""
    settings = scope.settings
    found: list[Finding] = []
    for folder in (dispatch.export_folder(scope.ctx), Path(settings.email_folder)):
        folder = settings.base_dir / folder  # an absolute one stays as it is
        found += scope.judge("exports", private.walk(folder), Kind.SHARED)
    files = _looked(scope.exports or [])
    found += scope.judge("exports", files, Kind.SHARED)
    parents = _looked(dict.fromkeys(Path(seen.path).parent for seen in files))
    return found + scope.judge_folder("exports", parents)


CHECKS: tuple[Callable[[Scope], list[Finding]], ...] = (
    check_config, check_database, check_backups, check_letters, check_exports,
)  # fmt: skip


def check(ctx: Context) -> Report:
    """What is wrong with the files that hold personal data (nothing is changed)."""
    report = Report()
    scope = Scope(ctx, private.resolve(ctx.settings.files_group), private.me(),
                  _exports(ctx, report.notes))  # fmt: skip
    if _sqlite_file(ctx.settings) is None:
        report.notes.append(
            _(
                "the database is on a server: who may read it is up to its roles (amsplan db"
                " roles), not file modes; the files below are checked"
            )
        )
    for one in CHECKS:
        report.findings += one(scope)
    report.checked = len(scope.looked)
    return report


def repair(ctx: Context) -> Report:
    """`doctor --fix`: tighten every mode and group found wrong, then check again (what
    needs root, such as another owner, is left and reported)."""
    first = check(ctx)
    fixed, not_fixed = [], []
    for finding in first.findings:
        if not finding.fixable:
            continue
        try:
            private.repair(finding)
        except OSError as err:
            not_fixed.append((finding, err.strerror or str(err)))
        else:
            fixed.append(finding)
    report = check(ctx) if fixed or not_fixed else first
    report.fixed, report.not_fixed = fixed, not_fixed
    return report


def _exports(ctx: Context, notes: list[str]) -> list[Path] | None:
    """The export files amsplan recorded (None, and a note, when the database cannot
    be read: the other files are checked all the same)."""
    try:
        with ctx.session(readonly=True) as s:
            paths = paths_not_removed(s)
    except AmsplanError as err:
        notes.append(_("recorded exports not checked: {error}").format(error=err))
        return None
    except SQLAlchemyError as err:
        why = str(getattr(err, "orig", None) or err).splitlines()[0]
        notes.append(
            _("recorded exports not checked: the database cannot be read ({why})").format(why=why)
        )
        return None
    finally:
        ctx.close()  # SQLite removes its WAL files again: the database check sees the rest
    return [ctx.settings.base_dir / path for path in paths]  # an absolute path stays
