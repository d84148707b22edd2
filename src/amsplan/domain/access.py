"""Who may do what on a shared PostgreSQL database (issue 18), as data and pure rules.

- Three group roles with least privilege: `planner` (everything a planner does), `viewer`
  (reads only) and `cron` (what cron runs); their names carry a prefix from the settings
  (`[database] roles`), so two amsplan databases on one cluster keep theirs apart.
- `TABLE_RIGHTS`: the rights each role has on each table. The SQL of `amsplan db roles`
  is generated from it (`role_statements`); a test checks every table is in it.
- `COMMANDS`: what each command needs, for the one line a missing right becomes.
- `actor`: the login acts; only a login that may act for others (in the cron role, the
  owner of amsplan's tables, or a superuser) acts in another name, and both are recorded.

Pure: the store reads the catalog and runs the statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from amsplan.errors import InputError, PermissionDenied
from amsplan.i18n import _


class Role(StrEnum):
    """A group role (NOLOGIN); personal logins are granted one (`amsplan db grant`)."""

    PLANNER = "planner"
    VIEWER = "viewer"
    CRON = "cron"


PLANNER, VIEWER, CRON = Role.PLANNER, Role.VIEWER, Role.CRON

READ = frozenset({"SELECT"})
APPEND = READ | {"INSERT"}  # history and comments: nobody but the owner rewrites them
WRITE = APPEND | {"UPDATE"}
ALL = WRITE | {"DELETE"}
NONE: frozenset[str] = frozenset()
RIGHTS_ORDER = ("SELECT", "INSERT", "UPDATE", "DELETE")

# table -> role -> rights. Planners do everything but rewrite history and comments;
# viewers read; cron reads what its runs read (not absences or saved filters) and writes
# only what replies, returns, upstream messages, reminders, SMS, e-mail, digests and
# exports write: no order, technician, booking code or letter is created by cron (it
# changes orders' states, retires codes and withdraws letters), and nothing is deleted
# but the notices of a digest that did not go. A table missing here gets no rights (a
# test checks every table of the schema is here).
TABLE_RIGHTS: dict[str, dict[Role, frozenset[str]]] = {
    "alembic_version": {PLANNER: READ, VIEWER: READ, CRON: READ},
    "technician": {PLANNER: ALL, VIEWER: READ, CRON: READ},
    "technician_absence": {PLANNER: ALL, VIEWER: READ, CRON: NONE},
    "saved_filter": {PLANNER: ALL, VIEWER: READ, CRON: NONE},
    "work_order": {PLANNER: ALL, VIEWER: READ, CRON: READ | {"UPDATE"}},
    "booking_code": {PLANNER: ALL, VIEWER: READ, CRON: READ | {"UPDATE"}},
    "history": {PLANNER: APPEND, VIEWER: READ, CRON: APPEND},
    "comment": {PLANNER: APPEND, VIEWER: READ, CRON: APPEND},
    "followup_flag": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "letter": {PLANNER: ALL, VIEWER: READ, CRON: READ | {"UPDATE"}},
    "reply": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "sms": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "sms_callback": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "inbound_message": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "email_message": {PLANNER: ALL, VIEWER: READ, CRON: WRITE},
    "notice": {PLANNER: ALL, VIEWER: READ, CRON: ALL},
    "export_file": {PLANNER: ALL, VIEWER: READ, CRON: APPEND},
}


class Need(StrEnum):
    """What a command needs on PostgreSQL."""

    VIEW = "view"  # reads only: the viewer role (or planner)
    PLAN = "plan"  # changes what a planner changes: the planner role
    CRON = "cron"  # what cron runs: the cron role (or planner)
    OWN = "own"  # the owner of amsplan's tables
    ADMIN = "admin"  # the owner, allowed to create roles (CREATEROLE)


V, P, C = Need.VIEW, Need.PLAN, Need.CRON

# Command path (as typed after `amsplan`) -> what it needs. A key with an option
# ("orders list --save-as") is for that command given that option. A test walks the
# whole command tree: every command is here.
COMMANDS: dict[str, Need] = {
    "init": Need.OWN, "db upgrade": Need.OWN, "db version": V, "db backup": V,
    "db verify": V, "db roles": V, "db roles --apply": Need.ADMIN, "db grant": Need.ADMIN,
    "doctor": V,
    "assign": P, "move": P, "unassign": P, "lock": P, "unlock": P, "plan": P, "route": P,
    "map": V, "transition": P, "calendar": V, "status": V, "serve": C,
    "orders import": P, "orders show": V, "orders reopen": P, "orders replan": P,
    "orders close": P, "orders to-manual": P, "orders uncancel": P, "orders list": V,
    "orders list --save-as": P, "orders edit": P, "orders comment": P,
    "orders set-owner": P,
    "techs add": P, "techs list": V, "techs import": P, "techs absent": P,
    "techs absences": V, "techs absence-remove": P,
    # pending and withdrawn tidy the letters folder, recording letters no longer true
    "letters generate": P, "letters email": C, "letters pending": P, "letters printed": P,
    "letters reprint": P, "letters withdrawn": P,
    # list first makes messages a dead run left "sending" "unknown" (locking them)
    "email list": P, "email settle": P, "email test": C,
    "replies ingest": C, "replies unmatched": V, "replies handle": P, "replies fetch": C,
    "sms book": P, "sms send": P, "sms export": C, "sms dispatch": C, "sms list": V,
    "sms receipts": C,
    "reminders run": C, "notify run": C, "notify rules": V,
    "followup list": V, "followup send-to-execution": P, "followup confirm": P,
    "followup manual": P, "followup hold": P, "followup resume": P,
    "followup reschedule": P,
    "returns ingest": C, "returns unapplied": V, "returns handle": P, "returns retry": P,
    "upstream ingest": C, "upstream unapplied": V, "upstream handle": P,
    "upstream retry": P,
    "export mobile": C, "export validation": C,
    "report failed-visits": V, "report progress": V, "report dashboard": V,
    "privacy purge": Need.OWN,
    "filters list": V, "filters show": V, "filters delete": P,
    "workflow show": V,
}  # fmt: skip

_ROLES_OF_NEED: dict[Need, tuple[Role, ...]] = {
    Need.VIEW: (VIEWER, PLANNER),
    Need.PLAN: (PLANNER,),
    Need.CRON: (CRON, PLANNER),
    Need.OWN: (),
    Need.ADMIN: (),
}

PREFIX_PATTERN = r"[a-z][a-z0-9_]{0,40}"
_LOGIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}")


def group_name(prefix: str, role: Role) -> str:
    """The group role's name on the server: amsplan_planner."""
    return f"{prefix}_{role.value}"


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InputError(
            _("{text!r} is not a role: use {roles}").format(
                text=text, roles=", ".join(r.value for r in Role)
            )
        ) from None


def check_login(name: str) -> str:
    """A personal login's name as `db grant` takes it (letters, digits, _ . @ -)."""
    if not _LOGIN.fullmatch(name) or name.startswith("pg_"):
        raise InputError(
            _(
                "{name!r} is not a login name: letters, digits and _ . @ - (at most 63),"
                " not starting with pg_"
            ).format(name=name)
        )
    return name


# --- who acts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """The database login of a connection, as the catalog describes it."""

    name: str
    may_act_for_others: bool  # in the cron role, owner of amsplan's tables, or superuser
    reads: bool = True  # False: amsplan's tables exist and this login may not read them


@dataclass(frozen=True)
class Actor:
    user: str  # recorded as the actor
    login: str | None  # the login acting for `user`, when they differ


def actor(login: Login, asked: str | None, asked_by: str | None, prefix: str) -> Actor:
    """Who acts on PostgreSQL: the login; a name asked for (`asked`, given by `asked_by`:
    "--user" or "AMSPLAN_USER") that differs is refused unless the login may act for
    others, and then it acts with the login recorded beside it."""
    if not login.reads:
        roles = ", ".join(group_name(prefix, r) for r in Role)
        raise PermissionDenied(
            _(
                "your login {login} is in none of amsplan's roles ({roles}): the owner"
                " runs `amsplan db grant {login} planner` (or viewer, cron)"
            ).format(login=login.name, roles=roles)
        )
    if not asked or asked == login.name:
        return Actor(login.name, None)
    if login.may_act_for_others:
        return Actor(asked, login.name)
    given = f"--user {asked}" if asked_by in (None, "--user") else f"{asked_by}={asked}"
    raise PermissionDenied(
        _(
            "you are logged in to the database as {login}: {given} is refused; only the"
            " cron role or the owner may act for others"
        ).format(login=login.name, given=given)
    )


# --- a missing right --------------------------------------------------------------------


def need_of(path: str, options: Iterable[str] = ()) -> tuple[str, Need | None]:
    """What the command at `path` ("orders list") needs given its options, and the
    command as the message names it ("orders list --save-as"); None: not in COMMANDS."""
    for option in options:
        key = f"{path} {option.split('=', 1)[0]}"
        if key in COMMANDS:
            return key, COMMANDS[key]
    return path, COMMANDS.get(path)


@dataclass(frozen=True)
class Membership:
    """A login, every role it is in (directly or through another), and the owner of
    amsplan's tables ("" while there are none)."""

    login: str
    member_of: Sequence[str]
    owner: str


def denied_message(path: str, need: Need | None, prefix: str, found: Membership | None) -> str:
    """The one line a permission error becomes: what the command needs and the roles the
    login is in (`found`; None: unknown). Never the statement (it may hold customer data)."""
    roles = [group_name(prefix, r) for r in _ROLES_OF_NEED[need]] if need else []
    either = _(" or ")
    if need in (Need.OWN, Need.ADMIN):
        owner = f" ({found.owner})" if found and found.owner else ""
        wanted = _("the owner of amsplan's tables{owner}").format(owner=owner)
        if need is Need.ADMIN:
            wanted += _(" with the right to create roles (CREATEROLE)")
    elif need is not None:
        names = either.join(r.value for r in _ROLES_OF_NEED[need])
        wanted = _("the {names} role ({roles})").format(names=names, roles=either.join(roles))
    else:
        wanted = _("a right its role lacks")
    line = _("amsplan {command} needs {wanted}").format(command=path, wanted=wanted)
    if found is None:
        return line
    if found.member_of:
        has = _("; your login {login} is in: {roles}")
    else:
        has = _("; your login {login} is in no role")
    line += has.format(login=found.login, roles=", ".join(found.member_of))
    if set(roles) & set(found.member_of):  # the role is right: its rights are not
        line += _("; the roles may be out of date: the owner runs `amsplan db roles --apply`")
    return line


# --- the SQL of `amsplan db roles` and `amsplan db grant` -------------------------------


@dataclass(frozen=True)
class Catalog:
    """What the SQL is for: the database, the schema holding amsplan's tables, its
    tables, and its sequences with the table each belongs to (None: no table)."""

    database: str
    schema: str
    tables: Sequence[str]
    sequences: Mapping[str, str | None]


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string."""
    return "'" + text.replace("'", "''") + "'"


def _create_role(name: str, login: bool) -> str:
    kind = "LOGIN" if login else "NOLOGIN"
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(name)})"
        f" THEN CREATE ROLE {ident(name)} {kind}; END IF; END $$"
    )


def role_statements(prefix: str, catalog: Catalog) -> list[str]:
    """The statements that make the three group roles and give each exactly its rights
    on every table and sequence of the schema (idempotent: they run again unchanged,
    after every `db upgrade` too). Tables not in TABLE_RIGHTS lose the roles' rights."""
    groups = {role: group_name(prefix, role) for role in Role}
    everyone = ", ".join(["PUBLIC", *(ident(g) for g in groups.values())])
    schema = ident(catalog.schema)
    out = [_create_role(g, login=False) for g in groups.values()]
    out += [
        f"GRANT CONNECT ON DATABASE {ident(catalog.database)} TO "
        + ", ".join(ident(g) for g in groups.values()),
        f"GRANT USAGE ON SCHEMA {schema} TO " + ", ".join(ident(g) for g in groups.values()),
    ]
    for table in sorted(catalog.tables):
        name = f"{schema}.{ident(table)}"
        out.append(f"REVOKE ALL ON TABLE {name} FROM {everyone}")
        for role, rights in TABLE_RIGHTS.get(table, {}).items():
            if rights:
                listed = ", ".join(r for r in RIGHTS_ORDER if r in rights)
                out.append(f"GRANT {listed} ON TABLE {name} TO {ident(groups[role])}")
    for sequence, owner in sorted(catalog.sequences.items()):
        name = f"{schema}.{ident(sequence)}"
        out.append(f"REVOKE ALL ON SEQUENCE {name} FROM {everyone}")
        inserting = [
            ident(groups[role])
            for role, rights in TABLE_RIGHTS.get(owner or "", {}).items()
            if "INSERT" in rights
        ]
        if inserting:  # nextval() for an INSERT's new id
            out.append(f"GRANT USAGE, SELECT ON SEQUENCE {name} TO {', '.join(inserting)}")
    return out


def grant_statements(prefix: str, login: str, role: Role, revoke: bool = False) -> list[str]:
    """Make `login` (a personal login, created when missing: no password, it signs in by
    peer authentication, .pgpass or PGPASSWORD) a member of the role, or no longer."""
    group = ident(group_name(prefix, role))
    if revoke:
        return [f"REVOKE {group} FROM {ident(login)}"]
    return [_create_role(login, login=True), f"GRANT {group} TO {ident(login)}"]


def rights_table(prefix: str) -> list[tuple[str, dict[str, str]]]:
    """(table, group role -> its rights as words) for every table: what docs/team.md
    shows and `db roles` explains."""
    return [
        (table, {group_name(prefix, role): ", ".join(r for r in RIGHTS_ORDER if r in rights)
                 or "-" for role, rights in per_role.items()})
        for table, per_role in sorted(TABLE_RIGHTS.items())
    ]  # fmt: skip
