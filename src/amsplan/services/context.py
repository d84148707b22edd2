"""What every use case gets: settings, the acting user, the database and the clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from amsplan import clock
from amsplan.config import Settings
from amsplan.domain import access
from amsplan.store import access as access_store
from amsplan.store import db


@dataclass
class Context:
    settings: Settings
    user: str  # who is acting: recorded in history, comments and every "by" column
    # The database login that acts for `user` when they differ (PostgreSQL: a role allowed
    # to act for others, e.g. cron), recorded beside it; None when the user is the login.
    login: str | None = None
    # Where `user` came from: "--user" or "AMSPLAN_USER" (a name asked for), or None (the
    # OS login, a default: on PostgreSQL the database login acts instead).
    asked_by: str | None = "--user"
    now: Callable[[], datetime] = clock.now
    _engine: Engine | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            db.require_file(self.settings.database_url)
            self._engine = db.make_engine(self.settings.database_url)
        return self._engine

    @contextmanager
    def session(self, readonly: bool = False) -> Iterator[Session]:
        """One transaction on a database at the current schema version (read-only: it
        never takes the write lock, the schema check neither)."""
        if not self._checked:
            if self.engine.dialect.name == "postgresql":
                self._act_as_login()
            db.require_schema(self.engine, self.settings.database_url)  # reads only
            self._checked = True
        with db.session_scope(self.engine, readonly=readonly) as session:
            yield session

    def _act_as_login(self) -> None:
        """PostgreSQL: the database login acts; another name only for a login that may
        act for others, recorded beside it (domain.access.actor)."""
        login = access_store.login(self.engine, self.settings.database_roles)
        asked = self.user if self.asked_by else None
        actor = access.actor(login, asked, self.asked_by, self.settings.database_roles)
        self.user, self.login = actor.user, actor.login

    def __post_init__(self) -> None:
        # AMSPLAN_NOW="2026-04-21T08:00" (local time, or with an offset) runs every command
        # as if it were then: for tests, demos, replays and catching up.
        fixed = os.environ.get("AMSPLAN_NOW")
        if fixed and self.now is clock.now:
            moment = clock.parse_moment(fixed, self.settings.tz, "AMSPLAN_NOW")
            self.now = lambda: moment

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
