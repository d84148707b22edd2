"""Creating a configuration and a database (`init`), upgrading the schema, backups.

The database, its backups and the letters folder are created private (docs/files.md).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from amsplan.adapters import private
from amsplan.config import CONFIG_NAME, Settings, load_settings
from amsplan.domain.filemodes import Kind
from amsplan.errors import ConfigError, InputError
from amsplan.services import access
from amsplan.services.context import Context
from amsplan.store import db

CONFIG_TEMPLATE = """\
# amsplan configuration. Relative paths are relative to this file.
# Every setting is optional; the values shown are the defaults.

[database]
# SQLite file for one planner; a team uses PostgreSQL:
#   url = "postgresql:///amsplan?host=/var/run/postgresql"   (each planner's own login)
url = "sqlite:///amsplan.db"
# PostgreSQL: the group roles amsplan_planner, amsplan_viewer, amsplan_cron (docs/team.md);
# two amsplan databases on one server need different names.
# roles = "amsplan"

[letters]
# The planner's inbox: generated letters land here; remove them once printed.
folder = "letters"
# A folder with your own letters/booking.html, letters/booking.css or sms/*.txt
# templates = "templates"

[files]
# Letters and exports are readable by their owner only (0600, folders 0700). A team that
# shares the letters folder names its group (files 0640, folders 0770): docs/files.md.
# group = "planners"
# The folder backups are kept in (amsplan doctor checks it; beside the database always).
# backups = "backup"

[company]
name = "{company}"
address = ""
phone = ""

[replies]
# The SMS number customers reply to, and the words that confirm or ask for contact.
# Letters and SMS tell customers to reply "CODE <keyword_ok>"; a reply that is exactly
# that word (any case) confirms, any other text (keyword_contact too) goes to follow-up.
sms_number = "2222"
keyword_ok = "OK"
keyword_contact = "KONTAKT"

[time]
zone = "Europe/Oslo"
locale = "nb_NO"

[reminders]
# No answer after this long: reminder SMS and manual follow-up.
letter_after_days = 7
sms_after_hours = 48
email_after_hours = 72
# An SMS the day before a confirmed appointment.
appointment_reminder = true

[resolutions]
# Why a visit failed ("bomtur"), as technicians report it. OK and Kansellert always exist.
failed_visit = [
    "Kunde ikke hjemme", "Ikke plass i sikringsskapet", "Farlig anlegg", "Ingen adgang",
    "Kunden nekter", "Manglende nøkkel", "Manglende utstyr", "Feil informasjon",
    "Materiellproblem", "Manglende infrastruktur", "Annet",
]

[planning]
# When a booked time changes (followup reschedule, move): true = a change SMS and the
# order waits for a new answer; false = the change SMS only. Without a mobile number
# the order goes back to ready to print for a new letter either way.
change_needs_answer = true

[sms]
# Mobile numbers are validated for this country. Messages are only handed to the
# provider between send_from and send_until (local time); others wait.
country = "NO"
send_from = "09:00"
send_until = "21:00"

# E-mail (docs/email.md): booking letters as PDFs in e-mails (`letters email`), the
# customers' answers from a mailbox (`replies fetch`), digests to planners (`notify run`).
# Passwords only in the environment: AMSPLAN_EMAIL_PASSWORD, AMSPLAN_IMAP_PASSWORD.
# [email]
# booking = true
# host = "smtp.example.no"
# port = 587
# security = "starttls"        # starttls | tls | none
# user = "amsplan"
# from = "{company} <kundeservice@example.no>"
# reply_to = "svar@example.no"  # the mailbox replies fetch reads
# [imap]
# host = "imap.example.no"
# user = "svar@example.no"
# folder = "INBOX"
# done_folder = "amsplan/behandlet"
# [notify]
# team = "planlegging@example.no"
# [[notify.rule]]
# when = ["reply_other", "email_undelivered", "followup:cancelled"]
# to = ["owner", "team"]

# Labels and colours of the statuses (keys: open, planning, ready_to_print, ...).
# [statuses.labels]
# manual_followup = "Manuell oppfølging"
# [statuses.colours]
# manual_followup = "#e53935"
"""


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
        raise ConfigError(f"the letters folder {letters} is a file, not a folder")
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
        raise InputError("--company may not contain quotes, backslashes or newlines")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG_TEMPLATE.format(company=company), encoding="utf-8")
    return path


def backup(settings: Settings, target: Path) -> int:
    """A consistent copy of a live SQLite database (the online backup API); its size."""
    import sqlite3

    url = settings.database_url
    if not url.startswith("sqlite:///"):
        raise InputError(
            "amsplan db backup copies SQLite databases; for PostgreSQL use pg_dump, "
            "e.g. pg_dump -Fc -f amsplan.dump 'postgresql://...'"
        )
    source_path = Path(url.removeprefix("sqlite:///"))
    db.require_file(url)
    target = Path(target)
    if target.exists():
        raise InputError(f"{target} exists; choose a new file name")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent} does not exist")
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
