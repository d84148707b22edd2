"""Creating a configuration and a database (`init`), upgrading the schema, backups.

The database, its backups and the letters folder are created private (docs/files.md).
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from amsplan.adapters import private
from amsplan.config import (
    CONFIG_NAME,
    TABLES,
    Settings,
    load_settings,
    schema,
    toml_default,
    toml_value,
)
from amsplan.domain.filemodes import Kind
from amsplan.errors import ConfigError, InputError
from amsplan.i18n import _
from amsplan.services import access
from amsplan.services.context import Context
from amsplan.store import db

# Keys `amsplan init` writes set (to their default); the others are shown commented out,
# and so are the headers of sections not named here: a section appended to the file later
# ([email], docs/email.md) is then no duplicate.
_SET = {
    "database": ("url",), "letters": ("folder",), "company": ("name", "address", "phone"),
    "replies": ("sms_number", "keyword_ok", "keyword_contact"), "time": ("zone",),
    "reminders": ("letter_after_days", "sms_after_hours", "email_after_hours",
                  "appointment_reminder"),
    "resolutions": ("failed_visit",), "planning": ("change_needs_answer",),
    "sms": ("country", "send_from", "send_until"), "files": (),
}  # fmt: skip
_HEAD = """\
# amsplan configuration. Relative paths are relative to this file. Every setting is
# optional and shown with its default; docs/configuration.md describes each one.
# Never a password here: AMSPLAN_EMAIL_PASSWORD, AMSPLAN_IMAP_PASSWORD,
# AMSPLAN_SMS_<PROVIDER>_<KEY> in the environment; PostgreSQL: ~/.pgpass or peer login.
"""


def config_template(company: str) -> str:
    """The commented amsplan.toml `amsplan init` writes: every section and key of the
    schema with its description (config.py holds them) and default."""
    out = [_HEAD.rstrip("\n")]
    for section, keys in schema().items():
        header = f"[{section}]"  # commented out when every key is: append one freely
        out.append("\n" + (header if section in _SET else _commented(header)))
        for key, entry in keys.items():
            value = toml_value(company) if (section, key) == ("company", "name") else None
            value = value or toml_default(section, key) or entry.example
            if not value:
                continue
            out += textwrap.wrap(entry.doc, 86, initial_indent="# ", subsequent_indent="# ")
            line = f"{key} = {_wrapped(value)}"
            out.append(line if key in _SET.get(section, ()) else _commented(line))
    for _table, doc, example in TABLES:
        out.append("")
        out += textwrap.wrap(doc, 86, initial_indent="# ", subsequent_indent="# ")
        out += [_commented(line) for line in example.splitlines()]
    return "\n".join(out) + "\n"


def _wrapped(value: str) -> str:
    """A long TOML list one item a line."""
    if not value.startswith("[") or len(value) < 70:
        return value
    return "[\n" + "".join(f"    {item},\n" for item in value[1:-1].split(", ")) + "]"


def _commented(text: str) -> str:
    return "\n".join(f"# {line}" for line in text.splitlines())


@dataclass
class Initialised:
    config: Path
    kept: bool  # an existing configuration file was kept (no --force)
    database: str  # its URL, without a password
    before: str | None  # the schema version before (None: a new database)
    after: str
    letters: Path


def init(named: str | None, folder: Path | None, company: str, force: bool) -> Initialised:
    """`amsplan init`: a commented configuration file (unless there is one, or `force`),
    the database at the current schema, and the letters folder.

    The file is `named` (--config), else AMSPLAN_CONFIG, else amsplan.toml in `folder`
    (default: the current folder)."""
    named = named or os.environ.get("AMSPLAN_CONFIG")
    path = Path(named) if named else (folder or Path.cwd()) / CONFIG_NAME
    existed = path.exists()
    write_config(path, company, force)
    settings = load_settings(path)
    private.use(settings.files_group)  # as every command does at its start
    letters = settings.letters_dir
    if letters.exists() and not letters.is_dir():
        raise ConfigError(
            _("the letters folder {folder} is a file, not a folder").format(folder=letters)
        )
    private.ready_folder(letters, "letters folder")
    before, after = upgrade_database(settings)
    return Initialised(
        config=path,
        kept=existed and not force,
        database=db.display_url(settings.database_url),
        before=before,
        after=after,
        letters=letters,
    )


def schema_versions(ctx: Context) -> tuple[str | None, str]:
    """The database's schema version (None: none yet) and the one this amsplan needs."""
    return db.schema_version(ctx.engine), db.SCHEMA_HEAD


def write_config(path: Path, company: str, force: bool = False) -> Path:
    """Write a commented configuration file, unless there is one (or force)."""
    if path.exists() and not force:
        return path
    if '"' in company or "\\" in company or "\n" in company:
        raise InputError(_("--company may not contain quotes, backslashes or newlines"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_template(company), encoding="utf-8")
    return path


def backup(settings: Settings, target: Path) -> int:
    """A consistent copy of a live SQLite database (the online backup API); its size."""
    import sqlite3

    url = settings.database_url
    if not url.startswith("sqlite:///"):
        raise InputError(
            _(
                "amsplan db backup copies SQLite databases; for PostgreSQL use pg_dump, "
                "e.g. pg_dump -Fc -f amsplan.dump 'postgresql://...'"
            )
        )
    source_path = Path(url.removeprefix("sqlite:///"))
    db.require_file(url)
    target = Path(target)
    if target.exists():
        raise InputError(_("{file} exists; choose a new file name").format(file=target))
    if not target.parent.is_dir():
        raise InputError(_("{folder} does not exist").format(folder=target.parent))
    private.check_folder(target.parent, "backup folder")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)  # left by a backup that crashed
    private.new_file(tmp, Kind.PRIVATE)
    source = sqlite3.connect(source_path, timeout=db.BUSY_TIMEOUT_MS / 1000)
    try:
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)  # a consistent snapshot, while others keep working
        finally:
            dest.close()
    finally:
        source.close()
    tmp.replace(target)
    return target.stat().st_size


def upgrade_database(settings: Settings) -> tuple[str | None, str]:
    """Create or upgrade the schema; (version before, version after). A new SQLite file
    is created private (0600) first: its WAL and shared-memory files take its mode."""
    engine = db.make_engine(settings.database_url)
    try:
        if settings.database_url.startswith("sqlite:///"):
            path = Path(settings.database_url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.name != ":memory:" and not path.exists():
                with contextlib.suppress(FileExistsError):  # another process was quicker
                    private.new_file(path, Kind.PRIVATE)
        before = db.schema_version(engine)
        db.upgrade(engine)
        after = db.schema_version(engine) or ""
        if after != before:  # PostgreSQL: a new version's tables get the roles' rights
            access.renew_after_upgrade(engine, settings.database_roles)
        return before, after
    finally:
        engine.dispose()
