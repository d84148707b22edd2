"""What the root command hands to every command: settings and user, built lazily once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the database layer is imported when a command needs it
    from amsplan.services.context import Context


@dataclass
class State:
    config: str | None = None
    user: str | None = None
    debug: bool = False
    _context: Context | None = field(default=None, repr=False)

    def context(self) -> Context:
        if self._context is None:
            from amsplan import i18n
            from amsplan.adapters import private
            from amsplan.config import asked_user, load_settings, user_name
            from amsplan.services.context import Context

            asked = asked_user(self.user)  # None: the OS login (on PostgreSQL: the database's)
            self._context = Context(
                settings=load_settings(self.config),
                user=user_name(self.user),
                asked_by=asked[1] if asked else None,
            )
            private.use(self._context.settings.files_group)  # umask and modes: docs/files.md
            i18n.use(i18n.chosen(self._context.settings.language))
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
