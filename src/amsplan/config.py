"""Settings from one TOML file (plus environment), validated once."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from amsplan import i18n
from amsplan.domain import access, notify
from amsplan.domain.statuses import DEFAULT_COLOURS, DEFAULT_LABELS, Status
from amsplan.errors import ConfigError, InputError
from amsplan.i18n import _

CONFIG_NAME = "amsplan.toml"
MAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_ATTRIBUTION = "&copy; OpenStreetMap contributors"
RESOLUTION_OK = "OK"
RESOLUTION_CANCELLED = "Kansellert"
DEFAULT_FAILED_VISIT_CODES = (
    "Kunde ikke hjemme", "Ikke plass i sikringsskapet", "Farlig anlegg", "Ingen adgang",
    "Kunden nekter", "Manglende nøkkel", "Manglende utstyr", "Feil informasjon",
    "Materiellproblem", "Manglende infrastruktur", "Annet",
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    base_dir: Path
    config_file: Path | None = None
    database_url: str = ""
    # PostgreSQL: the prefix of the group roles (amsplan_planner, amsplan_viewer,
    # amsplan_cron); two amsplan databases on one server need different ones.
    database_roles: str = "amsplan"
    letters_dir: Path = Path("letters")
    templates_dir: Path | None = None
    company_name: str = "Nettselskapet AS"
    company_address: str = ""
    company_phone: str = ""
    reply_number: str = "2222"
    keyword_ok: str = "OK"
    keyword_contact: str = "KONTAKT"
    timezone: str = "Europe/Oslo"
    locale: str = "nb_NO"
    letter_reminder_days: float = 7
    sms_reminder_hours: float = 48
    appointment_reminders: bool = True
    # The booking reminder counts from when the letter was "printed" (recorded with
    # `letters printed`) or from when it was "generated".
    letter_reminder_from: str = "printed"
    failed_visit_codes: tuple[str, ...] = DEFAULT_FAILED_VISIT_CODES
    country: str = "NO"
    sms_send_from: str = "09:00"
    sms_send_until: str = "21:00"
    # Sending through a provider's API (`sms dispatch`); "file": `sms export` only.
    sms_provider: str = "file"
    sms_rate: float = 10.0  # messages per second at most; 0: no limit
    sms_max_attempts: int = 4  # tries per message on 429, 5xx and timeouts
    sms_timeout: float = 10.0  # seconds per request
    # The public address providers call back (behind the reverse proxy), e.g.
    # https://amsplan.example.no; the status callback of a message is built from it.
    sms_callback_url: str = ""
    # [sms.<provider>] tables: the provider's own settings (secrets: see sms_option).
    sms_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # `amsplan serve`
    serve_host: str = "127.0.0.1"
    serve_port: int = 8470
    serve_max_body: int = 64 * 1024
    # A customer whose booked time is changed (reschedule, move) answers again.
    change_needs_answer: bool = True
    # [statuses.labels]: a company's own names (shown as written, in every language);
    # the others are DEFAULT_LABELS in the planner's language.
    labels: dict[Status, str] = field(default_factory=dict)
    # [ui] language: "nb" (bokmål) or "en"; AMSPLAN_LANGUAGE overrides it (amsplan.i18n).
    language: str = i18n.DEFAULT
    colours: dict[Status, str] = field(default_factory=lambda: dict(DEFAULT_COLOURS))
    # [routing]: travel estimates (straight line × detour ÷ speed; docs/routing.md), or
    # an OSRM server's table service at osrm_url ("": no server).
    routing_detour: float = 1.3
    routing_speed_kmh: float = 60.0
    routing_osrm_url: str = ""
    routing_timeout: float = 30.0  # seconds for one OSRM request
    # [planning] for amsplan plan / route (docs/routing.md): a visit's length without an
    # estimate, a difficult meter's; at most this many orders in one plan; the solver's
    # bound (local-search solutions: repeatable) and its wall-clock safety net (seconds).
    plan_visit_minutes: int = 60
    plan_difficult_minutes: int = 90
    plan_max_orders: int = 3000
    plan_solutions: int = 100
    plan_time_limit: float = 30.0
    # [map]: the background tiles of `amsplan map` (docs/map.md).
    map_tile_url: str = MAP_TILES
    map_attribution: str = MAP_ATTRIBUTION
    # [email]: booking letters by e-mail (`letters email`) and digests (`notify run`).
    # The password only from the environment: AMSPLAN_EMAIL_PASSWORD.
    email_booking: bool = False  # `letters email` books the orders that have an address
    email_transport: str = "smtp"  # smtp | folder (a Maildir folder: demo, tests)
    email_host: str = ""
    email_port: int = 587
    email_security: str = "starttls"  # starttls | tls | none
    email_user: str = ""
    email_from: str = ""
    email_reply_to: str = ""
    email_folder: str = "e-post-ut"  # transport "folder": the Maildir messages go into
    email_timeout: float = 30.0  # seconds for one SMTP conversation step
    email_reminder_hours: float = 72  # [reminders] email_after_hours: no answer by then
    # [imap]: replies by e-mail (`replies fetch`); password: AMSPLAN_IMAP_PASSWORD.
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "tls"  # tls | starttls | none
    imap_user: str = ""
    imap_folder: str = "INBOX"
    imap_done_folder: str = "amsplan/behandlet"  # processed messages are moved here
    imap_timeout: float = 30.0
    # [notify]: digests of changes to planners (`notify run`); rules: domain.notify.
    notify_team: str = ""  # the team's address ("team" in a rule's `to`)
    notify_users: dict[str, str] = field(default_factory=dict)  # user name -> address
    notify_rules: tuple[dict[str, Any], ...] = ()  # [[notify.rule]] tables, as written
    notify_horizon_hours: float = 72  # a change older than this when first seen: not sent
    # [files] (docs/files.md): the group that may read letters and exports ("": nobody
    # but the owner), and the folder backups are kept in (`amsplan doctor` checks it).
    files_group: str = ""
    files_backups: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolution_codes(self) -> tuple[str, ...]:
        """Every resolution code: OK, the failed-visit reasons, and Kansellert."""
        return (RESOLUTION_OK, *self.failed_visit_codes, RESOLUTION_CANCELLED)

    def resolution_code(self, text: str) -> str | None:
        """The configured code matching text (ignoring case and spaces), or None."""
        key = " ".join(text.split()).casefold()
        return next((c for c in self.resolution_codes if c.casefold() == key), None)

    def label(self, status: Status | str) -> str:
        status = Status(status)
        return self.labels.get(status) or _(DEFAULT_LABELS[status])

    def parse_status(self, text: str, option: str = "--status") -> Status:
        """The status a planner means by its key (open) or its label (Åpen, Open: either
        language, or the company's own), in any case."""
        key = " ".join(text.split()).casefold()
        for status in Status:
            names = [
                status.value,
                self.label(status),
                *i18n.in_every_language(DEFAULT_LABELS[status]),
            ]
            if key in {" ".join(n.split()).casefold() for n in names}:
                return status
        valid = ", ".join(f"{self.label(s)} ({s.value})" for s in Status)
        raise InputError(
            _("{option} {text!r}: use one of {valid}").format(option=option, text=text, valid=valid)
        )

    def colour(self, status: Status | str) -> str:
        return self.colours[Status(status)]

    def sms_option(self, provider: str, key: str, default: str | None = None) -> str:
        """A provider setting: the environment (AMSPLAN_SMS_<PROVIDER>_<KEY>, the way to
        keep a secret out of the file) before the [sms.<provider>] table."""
        env = f"AMSPLAN_SMS_{provider}_{key}".upper()
        value = os.environ.get(env) or self.sms_options.get(provider, {}).get(key, default)
        if value is None:
            raise ConfigError(
                _("[sms.{provider}] {key} is not set (in {file} or as {env})").format(
                    provider=provider, key=key, file=self.config_file or CONFIG_NAME, env=env
                )
            )
        return str(value)


def find_config_file(explicit: str | Path | None) -> Path | None:
    """--config, then AMSPLAN_CONFIG, then ./amsplan.toml; None when there is none."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(_("configuration file {path} does not exist").format(path=path))
        return path
    env = os.environ.get("AMSPLAN_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(
                _("AMSPLAN_CONFIG names {path}, which does not exist").format(path=path)
            )
        return path
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


class Key(NamedTuple):
    """One setting of amsplan.toml: the Settings field it fills, its TOML type, and what
    it does (docs/configuration.md and the file `amsplan init` writes are made from it)."""

    field: str
    kind: type | tuple[type, ...]
    doc: str
    example: str = ""  # a value to show (TOML) for a key that has no default


_NUMBER = (int, float)

# section -> key -> Key. The descriptions live here, once: scripts/gen_reference.py
# writes docs/configuration.md from them, and `amsplan init` its commented amsplan.toml.
_SCHEMA: dict[str, dict[str, Key]] = {
    "database": {
        "url": Key("database_url", str,
                   "The database: a SQLite file for one planner (relative to this file), or a"
                   " team's PostgreSQL, `postgresql:///amsplan?host=/var/run/postgresql`"
                   " (each person's own login; never a password here: docs/team.md)."),
        "roles": Key("database_roles", str,
                     "PostgreSQL: the prefix of the group roles (`amsplan_planner`,"
                     " `amsplan_viewer`, `amsplan_cron`); two amsplan databases on one server"
                     " need different ones."),
    },
    "letters": {
        "folder": Key("letters_dir", str,
                      "Where letters are written (the planner's inbox; `printed/`,"
                      " `withdrawn/` and `combined/` inside). A team shares one folder."),
        "templates": Key("templates_dir", str,
                         "A folder with your own `letters/booking.html`, `letters/booking.css`"
                         " (a logo next to them), `sms/*.txt` or `email/*.j2`; each file"
                         " found there replaces the shipped one.", '"templates"'),
    },
    "company": {
        "name": Key("company_name", str,
                    "The company's name, in the letter's head, footer and signature, in"
                    " SMS and e-mails."),
        "address": Key("company_address", str,
                       "The company's postal address, in the letter's head (empty: left"
                       " out)."),
        "phone": Key("company_phone", str,
                     "The customer service phone number, in the letter's head and its"
                     " \"Har du spørsmål\" line (empty: the letter gives no number)."),
    },
    "replies": {
        "sms_number": Key("reply_number", str,
                          "The SMS number customers reply to, as letters and SMS show it."),
        "keyword_ok": Key("keyword_ok", str,
                          "The word that confirms a booking: a reply that is exactly the"
                          " code and this word (any case) confirms; letters and SMS say it."),
        "keyword_contact": Key("keyword_contact", str,
                               "The word a customer replies to be called; like any other"
                               " text it puts the order in manual follow-up."),
    },
    "time": {
        "zone": Key("timezone", str,
                    "The time zone of every time amsplan shows and reads (IANA name)."),
        "locale": Key("locale", str, "The locale of dates and numbers in letters."),
    },
    "ui": {
        "language": Key("language", str,
                        'What planners read: "nb" (bokmål) or "en"; AMSPLAN_LANGUAGE'
                        " overrides it (docs/i18n.md)."),
    },
    "reminders": {
        "letter_after_days": Key("letter_reminder_days", _NUMBER,
                                 "No answer this many days after a letter: reminder SMS (if"
                                 " a mobile number) and manual follow-up."),
        "sms_after_hours": Key("sms_reminder_hours", _NUMBER,
                               "No answer this many hours after a booking SMS: the same."),
        "appointment_reminder": Key("appointment_reminders", bool,
                                    "An SMS the day before a confirmed appointment."),
        "letter_from": Key("letter_reminder_from", str,
                           'The letter\'s deadline counts from when it was "printed"'
                           ' (`letters printed`) or "generated".'),
        "email_after_hours": Key("email_reminder_hours", _NUMBER,
                                 "No answer this many hours after a booking e-mail: the"
                                 " same."),
    },
    "resolutions": {
        "failed_visit": Key("failed_visit_codes", list,
                            "Why a visit failed (bomtur), as technicians report it in"
                            " returns; OK and Kansellert always exist."),
    },
    "planning": {
        "change_needs_answer": Key("change_needs_answer", bool,
                                   "When a booked time changes (reschedule, move): true = a"
                                   " change SMS and the order waits for a new answer; false"
                                   " = the change SMS only."),
        "visit_minutes": Key("plan_visit_minutes", int,
                             "`plan`/`route`: a visit's length when the order has no"
                             " estimate (5 to 720)."),
        "difficult_minutes": Key("plan_difficult_minutes", int,
                                 "The same for a difficult meter (5 to 720)."),
        "max_orders": Key("plan_max_orders", int,
                          "`plan` takes at most this many orders at once (1 to 20000)."),
        "solutions": Key("plan_solutions", int,
                         "The route solver's bound on solutions tried (repeatable results)."),
        "time_limit": Key("plan_time_limit", _NUMBER,
                          "The solver's wall-clock safety net, in seconds."),
    },
    "map": {
        "tile_url": Key("map_tile_url", str,
                        "The background tiles of `amsplan map` (docs/map.md)."),
        "attribution": Key("map_attribution", str, "The tiles' attribution (HTML)."),
    },
    "email": {
        "booking": Key("email_booking", bool,
                       "`letters email` books the ready-to-print orders that have an e-mail"
                       " address; `letters generate` prints the rest."),
        "transport": Key("email_transport", str,
                         '"smtp", or "folder" (a Maildir folder instead of a server: demo,'
                         " tests)."),
        "host": Key("email_host", str, "The SMTP server."),
        "port": Key("email_port", int, "Its port (587 STARTTLS, 465 TLS)."),
        "security": Key("email_security", str, '"starttls", "tls" or "none".'),
        "user": Key("email_user", str,
                    "The SMTP login; its password only in AMSPLAN_EMAIL_PASSWORD."),
        "from": Key("email_from", str,
                    'The sender, e.g. "Hedmark Nett AS <kundeservice@hedmarknett.no>".'),
        "reply_to": Key("email_reply_to", str,
                        "Where customers' answers go: the mailbox `replies fetch` reads."),
        "folder": Key("email_folder", str,
                      'Transport "folder": the Maildir the messages go into.'),
        "timeout": Key("email_timeout", _NUMBER,
                       "Seconds for one step of the SMTP conversation (at most 600)."),
    },
    "imap": {
        "host": Key("imap_host", str, "The IMAP server `replies fetch` reads."),
        "port": Key("imap_port", int, "Its port."),
        "security": Key("imap_security", str, '"tls", "starttls" or "none".'),
        "user": Key("imap_user", str,
                    "The mailbox login; its password only in AMSPLAN_IMAP_PASSWORD."),
        "folder": Key("imap_folder", str, "The folder the replies arrive in."),
        "done_folder": Key("imap_done_folder", str,
                           "Each message is moved here once its reply is stored."),
        "timeout": Key("imap_timeout", _NUMBER, "Seconds for one IMAP step (at most 600)."),
    },
    "notify": {
        "team": Key("notify_team", str, 'The team\'s address ("team" in a rule\'s `to`).'),
        "users": Key("notify_users", dict,
                     "User names and their addresses (`{ kari = \"kari@...\" }`): \"owner\""
                     " in a rule's `to` reaches the order's owner."),
        "rule": Key("notify_rules", list,
                    "`[[notify.rule]]` tables: `when` (transitions, follow-up reasons) and"
                    " `to`; see the tables below and docs/email.md."),
        "horizon_hours": Key("notify_horizon_hours", _NUMBER,
                             "A change older than this when `notify run` first sees it is"
                             " not sent."),
    },
    "sms": {
        "country": Key("country", str,
                       "Mobile numbers are validated and normalised for this country (ISO"
                       " code)."),
        "send_from": Key("sms_send_from", str,
                         "SMS go out only from this local time (HH:MM) ..."),
        "send_until": Key("sms_send_until", str, "... until this one; others wait."),
        "provider": Key("sms_provider", str,
                        '"file" (`sms export` writes files), "twilio" or "sveve" (`sms'
                        ' dispatch` sends through the API; docs/sms-providers.md).'),
        "rate": Key("sms_rate", _NUMBER,
                    "Messages a second at most to the provider (0: no limit)."),
        "max_attempts": Key("sms_max_attempts", int,
                            "Tries per message on 429, 5xx and timeouts (1 to 20)."),
        "timeout": Key("sms_timeout", _NUMBER, "Seconds per request to the provider."),
        "callback_url": Key("sms_callback_url", str,
                            "The public address providers call back (`amsplan serve`"
                            " behind the reverse proxy), e.g. https://amsplan.example.no."),
    },
    "serve": {
        "host": Key("serve_host", str,
                    "The address `amsplan serve` listens on (behind a reverse proxy)."),
        "port": Key("serve_port", int, "Its port."),
        "max_body": Key("serve_max_body", int,
                        "The largest callback body accepted, in bytes (at least 1024)."),
    },
    "files": {
        "group": Key("files_group", str,
                     "The group that may read letters and exports (files 0640, folders"
                     " 0770); empty: the owner only (docs/files.md)."),
        "backups": Key("files_backups", str,
                       "The folder backups are kept in; `amsplan doctor` checks it."),
    },
    "routing": {
        "detour": Key("routing_detour", _NUMBER,
                      "Road distance = straight line × this (1 or more)."),
        "speed_kmh": Key("routing_speed_kmh", _NUMBER, "Average driving speed, km/h."),
        "osrm_url": Key("routing_osrm_url", str,
                        "An OSRM server's address for road distances (empty: the estimate"
                        " above; docs/routing.md)."),
        "timeout": Key("routing_timeout", _NUMBER, "Seconds for one OSRM request."),
    },
}  # fmt: skip

# Tables whose keys are not fixed: (how they are written, what they hold, an example).
TABLES: tuple[tuple[str, str, str], ...] = (
    ("[statuses.labels]",
     "A status key (`open`, `planning`, `ready_to_print`, ...) = the company's own label,"
     " shown as written in every language.",
     '[statuses.labels]\nmanual_followup = "Ring kunden"'),
    ("[statuses.colours]",
     "A status key = its colour in tables (a name like `magenta`, or `#e53935`).",
     '[statuses.colours]\nmanual_followup = "#e53935"'),
    ("[sms.<provider>]",
     "The provider's own settings (docs/sms-providers.md). A secret (a key ending in"
     " token, password, passwd, secret, api_key) only in the environment,"
     " AMSPLAN_SMS_<PROVIDER>_<KEY>, or in a file nobody else may read.",
     '[sms.twilio]\naccount_sid = "AC0123456789abcdef0123456789abcdef"\nfrom = "+4759440000"'),
    ("[[notify.rule]]",
     "One rule of `notify run`: `when` = transitions or follow-up reasons, `to` ="
     " `owner`, `team`, user names or addresses (docs/email.md).",
     '[[notify.rule]]\nwhen = ["reply_other", "email_undelivered", "followup:cancelled"]\n'
     'to = ["owner", "planlegging@hedmarknett.no"]'),
)  # fmt: skip

# Environment variables amsplan reads: (name, what it does).
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("AMSPLAN_CONFIG", "The configuration file, when there is no `--config` (else"
     " ./amsplan.toml)."),
    ("AMSPLAN_USER", "Who is acting, when there is no `--user` (else the login name);"
     " recorded on every change."),
    ("AMSPLAN_LANGUAGE", "`nb` or `en`: wins over `[ui] language`."),
    ("AMSPLAN_EMAIL_PASSWORD", "The SMTP password of `[email] user` (never in the file)."),
    ("AMSPLAN_IMAP_PASSWORD", "The mailbox password of `[imap] user` (never in the file)."),
    ("AMSPLAN_SMS_<PROVIDER>_<KEY>", "A provider setting, before `[sms.<provider>] <key>`:"
     " AMSPLAN_SMS_TWILIO_AUTH_TOKEN, AMSPLAN_SMS_SVEVE_PASSWD,"
     " AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN."),
    ("AMSPLAN_SERVE_RETRY_SECONDS", "`amsplan serve`: how often callbacks stored but not yet"
     " applied are tried again."),
    ("AMSPLAN_NOW", "Tests and demos only: a fixed local time for the whole process. Never"
     " where cron or `amsplan serve` run."),
    ("AMSPLAN_CRASH_AT", "Tests only: the crash point at which the process kills itself."),
    ("AMSPLAN_I18N_STRICT", "Tests only: `1` makes a message missing from the catalogs an"
     " error."),
)  # fmt: skip


def schema() -> dict[str, dict[str, Key]]:
    """Every section and key amsplan.toml may have (besides the TABLES)."""
    return _SCHEMA


def toml_default(section: str, key: str) -> str | None:
    """A key's default as it is written in TOML; None when it has none (unset)."""
    entry = _SCHEMA[section][key]
    if entry.field == "database_url":
        return '"sqlite:///amsplan.db"'
    if entry.field == "notify_rules":
        return None
    spec = Settings.__dataclass_fields__[entry.field]
    factory: Any = spec.default_factory
    return toml_value(factory() if spec.default is MISSING else spec.default)


def toml_value(value: Any) -> str | None:
    """A value as TOML writes it (None stays unset)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(toml_value(v)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


# A setting whose name ends so is a secret: a config file holding one must not be
# readable by others (put it in the environment instead).
SECRET_SUFFIXES = ("token", "password", "passwd", "secret", "api_key", "apikey")


# Sections whose secret comes only from the environment.
_PASSWORD_ENV = {"email": "AMSPLAN_EMAIL_PASSWORD", "imap": "AMSPLAN_IMAP_PASSWORD"}


def is_secret(key: str) -> bool:
    return key.lower().endswith(SECRET_SUFFIXES)


def load_settings(config: str | Path | None = None) -> Settings:
    """Read and validate the configuration; without a file, defaults in the current folder."""
    path = find_config_file(config)
    if path is None:
        return _finish(Path.cwd(), None, {})
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(
            _("{path}: not valid TOML: {error}").format(path=path, error=err)
        ) from None
    settings = _finish(path.resolve().parent, path.resolve(), data)
    _check_secrets(path, settings)
    return settings


def _check_secrets(path: Path, settings: Settings) -> None:
    """Refuse a config file that holds a secret and that others can read."""
    secrets = [f"sms.{provider}.{key}" for provider, options in settings.sms_options.items()
               for key in options if is_secret(key)]  # fmt: skip
    if not secrets:
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(
            _(
                "{path} holds a secret ({secret}) and others can read it (mode {mode});"
                " run: chmod 600 {path} (or set it in the environment instead)"
            ).format(path=path, secret=secrets[0], mode=f"{mode:o}")
        )


def _finish(base: Path, path: Path | None, data: dict[str, Any]) -> Settings:
    where = str(path) if path else "defaults"
    values: dict[str, Any] = {}
    labels: dict[Status, str] = {}
    colours = dict(DEFAULT_COLOURS)
    for section, body in data.items():
        if section == "statuses":
            _read_statuses(where, body, labels, colours)
            continue
        keys = _SCHEMA.get(section)
        if keys is None or not isinstance(body, dict):
            raise ConfigError(
                _("{where}: unknown section [{section}]").format(where=where, section=section)
            )
        for key, value in body.items():
            if section == "sms" and isinstance(value, dict):  # [sms.<provider>]
                values.setdefault("sms_options", {})[key] = dict(value)
                continue
            if key not in keys and section in _PASSWORD_ENV and is_secret(key):
                raise ConfigError(_("{where}: {setting}: the password goes in the environment"
                                    " ({variable}), never in amsplan.toml").format(
                    where=where, setting=f"{section}.{key}", variable=_PASSWORD_ENV[section]
                ))  # fmt: skip
            if key not in keys:
                raise ConfigError(
                    _("{where}: unknown setting {setting}").format(
                        where=where, setting=f"{section}.{key}"
                    )
                )
            name, kind = keys[key].field, keys[key].kind
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ConfigError(
                    _("{where}: {setting} has the wrong type ({value})").format(
                        where=where, setting=f"{section}.{key}", value=repr(value)
                    )
                )
            values[name] = value

    if "failed_visit_codes" in values:
        codes = values["failed_visit_codes"]
        if not codes or not all(isinstance(c, str) and c.strip() for c in codes):
            raise ConfigError(
                _("{where}: resolutions.failed_visit must be a list of texts").format(where=where)
            )
        values["failed_visit_codes"] = tuple(" ".join(c.split()) for c in codes)
    for key in ("keyword_ok", "keyword_contact"):
        if key in values:
            values[key] = " ".join(values[key].split())
            if not values[key]:
                raise ConfigError(
                    _("{where}: {setting} must not be empty").format(
                        where=where, setting=f"replies.{key}"
                    )
                )
    ok_word = values.get("keyword_ok", Settings.keyword_ok)
    if ok_word.upper() == values.get("keyword_contact", Settings.keyword_contact).upper():
        raise ConfigError(
            _("{where}: replies.keyword_ok and keyword_contact must differ").format(where=where)
        )
    url = values.pop("database_url", None) or f"sqlite:///{base / 'amsplan.db'}"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url.removeprefix("sqlite:///")
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            url = f"sqlite:///{base / rel}"
    if not (url.startswith("sqlite:") or url.startswith("postgresql")):
        raise ConfigError(
            _("{where}: database.url must be sqlite:/// or postgresql://, not {url}").format(
                where=where, url=url
            )
        )
    letters = base / values.pop("letters_dir", "letters")
    templates = values.pop("templates_dir", None)
    if "notify_rules" in values:
        values["notify_rules"] = tuple(values["notify_rules"])
    settings = Settings(
        base_dir=base,
        config_file=path,
        database_url=url,
        letters_dir=letters,
        templates_dir=base / templates if templates else None,
        labels=labels,
        colours=colours,
        **values,
    )
    try:
        settings.tz  # noqa: B018 - validate once, here
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            _("{where}: unknown time zone {zone}").format(where=where, zone=repr(settings.timezone))
        ) from None
    if settings.language not in i18n.LANGUAGES:
        raise ConfigError(
            _("{where}: ui.language must be one of {languages}").format(
                where=where, languages=", ".join(i18n.LANGUAGES)
            )
        )
    if not re.fullmatch(access.PREFIX_PATTERN, settings.database_roles):
        raise ConfigError(_("{where}: database.roles must be a lower-case name like amsplan"
                          " (letters, digits, _; at most 41)").format(where=where))  # fmt: skip
    if settings.letter_reminder_days <= 0 or settings.sms_reminder_hours <= 0:
        raise ConfigError(_("{where}: reminder times must be positive").format(where=where))
    if settings.letter_reminder_from not in ("printed", "generated"):
        raise ConfigError(
            _('{where}: reminders.letter_from must be "printed" or "generated"').format(where=where)
        )
    if not re.fullmatch(r"[A-Z]{2}", settings.country):
        raise ConfigError(
            _("{where}: sms.country must be a country code like NO").format(where=where)
        )
    for key in ("sms_send_from", "sms_send_until"):
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", getattr(settings, key)):
            raise ConfigError(
                _("{where}: {setting} must be HH:MM").format(
                    where=where, setting=f"sms.{key.removeprefix('sms_')}"
                )
            )
    if settings.sms_send_from >= settings.sms_send_until:
        raise ConfigError(
            _("{where}: sms.send_from must be before sms.send_until").format(where=where)
        )
    if not re.fullmatch(r"[a-z][a-z0-9_]*", settings.sms_provider):
        raise ConfigError(
            _("{where}: sms.provider must be a provider name like twilio").format(where=where)
        )
    if not (
        0 <= settings.sms_rate <= 10_000
        and 0 < settings.sms_timeout <= 300
        and 1 <= settings.sms_max_attempts <= 20
    ):  # also refuses TOML's nan and inf
        raise ConfigError(
            _(
                "{where}: sms.rate must be 0 to 10000 (0: no limit), sms.timeout 0 to 300"
                " seconds and sms.max_attempts 1 to 20"
            ).format(where=where)
        )
    if settings.sms_callback_url and not re.match(r"https?://", settings.sms_callback_url):
        raise ConfigError(
            _("{where}: sms.callback_url must start with https:// (or http://)").format(where=where)
        )
    if not 0 < settings.serve_port < 65536 or settings.serve_max_body < 1024:
        raise ConfigError(
            _("{where}: serve.port must be a port, serve.max_body at least 1024").format(
                where=where
            )
        )
    _check_routing(where, settings)
    _check_mail(where, settings)
    return settings


def _check_mail(where: str, settings: Settings) -> None:
    """[email] and [imap]: the choices and ranges (addresses are checked where used)."""
    if settings.email_transport not in ("smtp", "folder"):
        raise ConfigError(
            _('{where}: email.transport must be "smtp" or "folder"').format(where=where)
        )
    if settings.email_security not in ("starttls", "tls", "none"):
        raise ConfigError(
            _('{where}: email.security must be "starttls", "tls" or "none"').format(where=where)
        )
    if settings.imap_security not in ("starttls", "tls", "none"):
        raise ConfigError(
            _('{where}: imap.security must be "tls", "starttls" or "none"').format(where=where)
        )
    for section, port, timeout in (
        ("email", settings.email_port, settings.email_timeout),
        ("imap", settings.imap_port, settings.imap_timeout),
    ):
        if not 0 < port < 65536 or not 0 < timeout <= 600:
            message = _(
                "{where}: {section}.port must be a port, {section}.timeout 0 to 600 seconds"
            )
            raise ConfigError(message.format(where=where, section=section))
    if not 0 < settings.email_reminder_hours <= 24 * 60:
        raise ConfigError(
            _("{where}: reminders.email_after_hours must be positive").format(where=where)
        )
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in settings.notify_users.items()):
        raise ConfigError(
            _("{where}: notify.users must map user names to addresses").format(where=where)
        )
    if not all(isinstance(rule, dict) for rule in settings.notify_rules):
        raise ConfigError(
            _("{where}: notify.rule must be tables ([[notify.rule]])").format(where=where)
        )
    if not 0 < settings.notify_horizon_hours <= 24 * 365:
        raise ConfigError(_("{where}: notify.horizon_hours must be positive").format(where=where))
    try:
        notify.parse(settings.notify_rules, settings.notify_users, settings.notify_team)
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None  # notify's own message


def _read_statuses(where: str, body: Any, labels: dict, colours: dict) -> None:
    if not isinstance(body, dict):
        raise ConfigError(_("{where}: [statuses] must be a table").format(where=where))
    for part, target in (("labels", labels), ("colours", colours)):
        for key, value in body.get(part, {}).items():
            try:
                status = Status(key)
            except ValueError:
                raise ConfigError(
                    _("{where}: {setting}: unknown status {status}").format(
                        where=where, setting=f"statuses.{part}", status=repr(key)
                    )
                ) from None
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    _("{where}: {setting} must be text").format(
                        where=where, setting=f"statuses.{part}.{key}"
                    )
                )
            target[status] = value
    unknown = set(body) - {"labels", "colours"}
    if unknown:
        raise ConfigError(
            _("{where}: unknown setting {setting}").format(
                where=where, setting=f"statuses.{sorted(unknown)[0]}"
            )
        )


def asked_user(explicit: str | None) -> tuple[str, str] | None:
    """The user asked for and where: (name, "--user") or (name, "AMSPLAN_USER"); None
    when neither is given (on PostgreSQL the database login then acts)."""
    if explicit:
        return explicit, "--user"
    env = os.environ.get("AMSPLAN_USER")
    return (env, "AMSPLAN_USER") if env else None


def user_name(explicit: str | None) -> str:
    """The acting user: --user, AMSPLAN_USER, or the login name."""
    if asked := asked_user(explicit):
        return asked[0]
    try:
        return os.getlogin()
    except OSError:
        import getpass

        return getpass.getuser()


def _check_routing(where: str, settings: Settings) -> None:
    if settings.routing_detour < 1 or settings.routing_speed_kmh <= 0:
        raise ConfigError(
            _("{where}: routing.detour must be 1 or more, routing.speed_kmh positive").format(
                where=where
            )
        )
    if settings.routing_timeout <= 0:
        raise ConfigError(_("{where}: routing.timeout must be positive").format(where=where))
    url = settings.routing_osrm_url
    if url and not re.match(r"https?://[^/\s]+", url):
        raise ConfigError(
            _("{where}: routing.osrm_url must start with http:// or https://").format(where=where)
        )
    if not (
        5 <= settings.plan_visit_minutes <= 720 and 5 <= settings.plan_difficult_minutes <= 720
    ):
        raise ConfigError(
            _(
                "{where}: planning.visit_minutes and planning.difficult_minutes must be 5 to 720"
            ).format(where=where)
        )
    if not (
        1 <= settings.plan_max_orders <= 20000
        and settings.plan_solutions >= 1
        and settings.plan_time_limit > 0
    ):
        raise ConfigError(
            _(
                "{where}: planning.max_orders must be 1 to 20000, planning.solutions and"
                " planning.time_limit positive"
            ).format(where=where)
        )
    if not re.match(r"https?://\S+$", settings.map_tile_url):
        raise ConfigError(
            _("{where}: map.tile_url must start with https:// (or http://)").format(where=where)
        )
