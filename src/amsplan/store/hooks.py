"""Work to run when a session's transaction commits (the unit of work's hooks)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlmodel import Session

Hook = Callable[[Session], None]


def on_commit(session: Session, before: Hook, after: Hook) -> None:
    """Call `before(session)` just before each commit of the session (inside the
    transaction: what it changes is committed too), `after(session)` right after it."""
    event.listen(session, "before_commit", before)
    event.listen(session, "after_commit", after)
