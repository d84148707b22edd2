"""Letters and queued messages follow the order.

`order_changed` is called in the caller's transaction whenever an order's status, time,
technician or booking code may have changed (every transition, every reschedule, move,
unassign, re-import of a booked order). It withdraws (or re-renders) whatever no longer
tells the truth: a queued SMS about an old time, status or code, and a letter still in
the letters folder that names an old time, technician or code. It is idempotent.

Cheap: the hook only notes the order; just before the transaction commits, every noted
order is checked at once (one query for their letters, one for their queued messages),
against the order as it is then. The rules are pure (amsplan.domain.truth).

Files follow the database: a withdrawn letter's PDF is moved out of the letters folder
(into letters/withdrawn/) by `sweep_letters` (right after the commit, and at the start
of every letters command), so a crash between the two never lets a withdrawn letter
count as pending.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from amsplan.adapters import private
from amsplan.domain import truth
from amsplan.domain.states import LIVE_LETTER, LetterState
from amsplan.services import outbox
from amsplan.services.context import Context
from amsplan.store import hooks, letters, messages
from amsplan.store.models import Letter, Order
from amsplan.store.orders import key

# Subfolders of the letters folder for the PDFs of withdrawn and of printed letters.
WITHDRAWN_FOLDER = "withdrawn"
PRINTED_FOLDER = "printed"
_NOTED = "amsplan.follow.orders"
_SWEEP = "amsplan.follow.withdrawn_files"


def order_changed(
    session: Session, ctx: Context, order: Order, why: str, withdraw_letters: str = ""
) -> None:
    """Withdraw or re-render what no longer matches `order` (see the module docstring).
    `withdraw_letters`: a reason to withdraw every live letter of the order whatever it
    says (its name or address changed)."""
    noted: dict[int, tuple[Order, Context, str]] | None = session.info.get(_NOTED)
    if noted is None:
        noted = session.info[_NOTED] = {}
        hooks.on_commit(session, _settle, _after_commit)
    earlier = noted.get(key(order))
    noted[key(order)] = (order, ctx, withdraw_letters or (earlier[2] if earlier else ""))


def _settle(session: Session) -> None:
    noted: dict[int, tuple[Order, Context, str]] = session.info.get(_NOTED) or {}
    if not noted:
        return
    session.info[_NOTED] = {}
    ctx = next(iter(noted.values()))[1]
    orders = {order_id: order for order_id, (order, _, _) in noted.items()}
    regardless = {order_id: why for order_id, (_, _, why) in noted.items() if why}
    withdrawn = settle(session, ctx, orders, regardless)
    if withdrawn:
        session.info.setdefault(_SWEEP, (ctx, set()))[1].update(withdrawn)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_SWEEP, None)
    if pending:
        ctx, names = pending
        try:
            move_files(ctx.settings.letters_dir, names, WITHDRAWN_FOLDER)
        except OSError:
            pass  # the next letters command sweeps them


def settle(
    session: Session,
    ctx: Context,
    orders: dict[int, Order],
    regardless: dict[int, str] | None = None,
) -> set[str]:
    """Apply the truth rules to the live letters and queued SMS of `orders` (by id); the
    live letters of the orders in `regardless` are withdrawn with the reason given there.

    Returns the file names of the letters withdrawn (their PDFs are to leave the folder).
    """
    now = ctx.now()
    withdrawn: set[str] = set()
    for row in letters.live_letters(session, orders):
        reason = (regardless or {}).get(row.order_id)
        if reason:
            mark_withdrawn(session, row, reason, now)
            withdrawn.add(row.file_name)
        elif withdraw_letter(session, row, orders[row.order_id], now):
            withdrawn.add(row.file_name)
    # Queued messages as plain rows (thousands after a reply file or the reminders run):
    # withdrawn in one statement; the few to re-render as objects (outbox.check_sms).
    untrue, rerender = [], []
    for row in messages.queued_rows(session, orders):
        verdict = truth.sms_verdict(orders[row.order_id], row.kind, row.text, row.appointment)
        if verdict.action == truth.WITHDRAW:
            untrue.append((row.id, verdict.reason))
        elif verdict.action == truth.RERENDER:
            rerender.append(row.id)
    messages.withdraw_queued(session, untrue, now)
    for message in messages.by_ids(session, rerender).values():
        if message.order_id is not None:
            outbox.check_sms(session, ctx, message, orders[message.order_id], now)
    return withdrawn


def withdraw_letter(session: Session, row: Letter, order: Order, now: datetime) -> bool:
    """Withdraw the letter if it no longer holds for the order; whether it was."""
    reason = truth.letter_withdraw_reason(
        order, row.booking_code, row.planned_start, row.technician_id
    )
    if reason is None:
        return False
    mark_withdrawn(session, row, reason, now)
    return True


def mark_withdrawn(session: Session, row: Letter, reason: str, now: datetime) -> None:
    row.state, row.withdrawn_at, row.withdrawn_reason = LetterState.WITHDRAWN, now, reason
    session.add(row)


# --- files ------------------------------------------------------------------


def _private_dir(folder: Path) -> Path:
    return private.ready_folder(folder, "letters folder")


def move_files(letters_dir: Path, names: Iterable[str], into: str) -> list[str]:
    """Move these PDFs from the letters folder into its subfolder `into`; those moved."""
    moved = []
    target = None
    for name in sorted(set(names)):
        source = letters_dir / name
        if not source.is_file():
            continue
        target = target or _private_dir(letters_dir / into)
        os.replace(source, target / name)
        moved.append(name)
    return moved


def sweep_letters(ctx: Context) -> int:
    """Make the letters folder follow the database; the number of files moved.

    Every PDF in the folder that belongs to a letter still staged or delivered is checked
    against its order (withdrawn if no longer true); a PDF whose letters are all
    withdrawn moves to withdrawn/, one whose newest letter was printed to printed/.
    Unknown files stay (`letters pending` names them).
    """
    folder = ctx.settings.letters_dir
    if not folder.is_dir():
        return 0
    files = sorted(p.name for p in folder.glob("*.pdf"))
    if not files:
        return 0
    now = ctx.now()
    fate: dict[str, LetterState] = {}
    live: set[str] = set()
    with ctx.session() as s:
        for row, order in letters.letters_named(s, files):
            if row.state in LIVE_LETTER and not withdraw_letter(s, row, order, now):
                live.add(row.file_name)
            fate[row.file_name] = row.state  # the newest letter of the name decides
    for name in live:
        fate.pop(name, None)
    moved = 0
    for state, into in ((LetterState.WITHDRAWN, WITHDRAWN_FOLDER),
                        (LetterState.PRINTED, PRINTED_FOLDER)):  # fmt: skip
        moved += len(move_files(folder, [n for n, st in fate.items() if st == state], into))
    return moved
