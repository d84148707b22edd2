"""Work lists that end: a person marks a reply or an inbound message as handled.

Shared by `replies handle`, `returns handle` and `upstream handle`: the items are checked
first (an unknown id changes nothing), then marked handled with the person's comment,
and the comment is kept in the linked order's timeline (kind "handled").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from amsplan.errors import InputError, NotFound
from amsplan.i18n import _, pgettext
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.store import worklist as store
from amsplan.store.models import Order


@dataclass
class HandleResult:
    handled: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # handled before: nothing done


def check_comment(comment: str) -> str:
    comment = " ".join((comment or "").split())
    if not comment:
        raise InputError(_("say what was done: --comment TEXT"))
    if len(comment) > 2000:
        raise InputError(_("the comment is longer than 2000 characters"))
    return comment


def load(
    session: Session, model: Any, ids: list[int], what: str, *where: Any, lock: bool = True
) -> list[Any]:
    """The rows with these ids (locked unless not `lock`, in id order); NotFound naming
    every unknown id."""
    wanted = sorted(set(ids))
    if not wanted:
        raise InputError(_("name the ids to handle (the first column of the list)"))
    rows = store.by_ids(session, model, wanted, *where, lock=lock)
    missing = sorted(set(wanted) - {r.id for r in rows})
    if missing:
        items = {
            "reply": pgettext("work list", "reply"), "return": pgettext("work list", "return"),
            "upstream message": pgettext("work list", "upstream message"),
        }  # fmt: skip
        raise NotFound(
            _("no {what} {ids}").format(
                what=items.get(what, what), ids=", ".join(map(str, missing))
            )
        )
    return rows


def mark_handled(
    session: Session,
    ctx: Context,
    items: list[Any],
    comment: str,
    order_of: Callable[[Any], Order | None],
    describe: Callable[[Any], str],
    dry_run: bool = False,
) -> HandleResult:
    """Mark the items handled; each linked order gets the comment in its timeline.
    dry_run: only tell which would be handled."""
    result = HandleResult()
    now = ctx.now()
    for item in items:
        if item.handled:
            result.already.append(item.id)
            continue
        if dry_run:
            result.handled.append(item.id)
            continue
        item.handled, item.handled_at, item.handled_by = True, now, ctx.user
        item.handled_note = comment
        session.add(item)
        order = order_of(item)
        if order is not None:
            workflow.add_comment(
                session, ctx, order, f"{describe(item)} behandlet: {comment}", kind="handled"
            )
        result.handled.append(item.id)
    return result
