"""amsplan db roles | grant: PostgreSQL's group roles and personal logins; the one line a
missing right becomes (issue 18). Who acts is decided in Context (domain.access.actor)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from amsplan.domain import access
from amsplan.errors import ConfigError, InputError, NotFound, PermissionDenied
from amsplan.i18n import _
from amsplan.services.context import Context
from amsplan.store import access as store
from amsplan.store import db


def _postgres(ctx: Context) -> None:
    if ctx.settings.database_url.startswith("sqlite"):
        raise ConfigError(
            _(
                "roles and logins are PostgreSQL's: a SQLite database is guarded by its file's"
                " permissions; run `amsplan doctor`"
            )
        )


@dataclass
class Roles:
    statements: list[str]
    groups: list[str]  # the three group roles' names
    tables: int
    sequences: int
    applied: bool


def roles(ctx: Context, apply: bool = False) -> Roles:
    """The SQL that makes the three group roles with their rights on every table and
    sequence of amsplan's schema; run as the owner when `apply`."""
    _postgres(ctx)
    prefix = ctx.settings.database_roles
    with ctx.session(readonly=not apply) as s:
        catalog = store.catalog(s)
        if catalog is None:  # require_schema found alembic_version: only a race gets here
            raise ConfigError(_("amsplan's tables are not there: run `amsplan db upgrade`"))
        statements = access.role_statements(prefix, catalog)
        if apply:
            store.run(s, statements)
    return Roles(
        statements=statements,
        groups=[access.group_name(prefix, r) for r in access.Role],
        tables=len(catalog.tables),
        sequences=len(catalog.sequences),
        applied=apply,
    )


def renew_after_upgrade(engine: Engine, prefix: str) -> bool:
    """After `db upgrade` migrated a PostgreSQL database whose roles `db roles --apply`
    made: the roles' rights again, so the new version's tables get theirs; whether it
    did."""
    if engine.dialect.name != "postgresql":
        return False
    with db.session_scope(engine) as s:
        catalog = store.catalog(s)
        if catalog is None or not store.role_exists(s, access.group_name(prefix, access.PLANNER)):
            return False
        store.run(s, access.role_statements(prefix, catalog))
    return True


@dataclass
class Granted:
    login: str
    group: str
    created: bool  # the login did not exist: created (LOGIN, no password)
    changed: bool  # False: it was already a member (grant) or was not one (revoke)


def grant(ctx: Context, login: str, role: str, revoke: bool = False) -> Granted:
    """Make a personal login a member of a group role (created when missing), or take the
    membership back (`revoke`; the login stays)."""
    _postgres(ctx)
    name, wanted = access.check_login(login), access.parse_role(role)
    prefix = ctx.settings.database_roles
    group = access.group_name(prefix, wanted)
    if name in (access.group_name(prefix, r) for r in access.Role):
        raise InputError(
            _("{name} is one of amsplan's group roles, not a person's login").format(name=name)
        )
    with ctx.session() as s:
        if not store.role_exists(s, group):
            raise ConfigError(
                _("there is no role {group} yet: run `amsplan db roles --apply`").format(
                    group=group
                )
            )
        existed = store.role_exists(s, name)
        if revoke and not existed:
            raise NotFound(_("there is no login {name}").format(name=name))
        was_member = existed and store.is_member(s, name, group)
        store.run(s, access.grant_statements(prefix, name, wanted, revoke))
    return Granted(login=name, group=group, created=not existed, changed=was_member == revoke)


def denied(ctx: Context, path: str, words: Sequence[str]) -> PermissionDenied:
    """The one line PostgreSQL's "permission denied" becomes: what the command `path`
    (with its `words`) needs and the roles the login is in now, read on a connection of
    its own (the failed transaction was rolled back)."""
    command, need = access.need_of(path, [w for w in words if w.startswith("--")])
    prefix = ctx.settings.database_roles
    try:
        found = store.membership(ctx.engine)
    except DBAPIError:  # the server went away meanwhile: say what the command needs
        return PermissionDenied(access.denied_message(command, need, prefix, None))
    return PermissionDenied(access.denied_message(command, need, prefix, found))
