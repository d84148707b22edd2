"""The field and upstream: technician returns, messages from the meter-data system
(rejections, cancellations), and exports to the technicians' mobile system and for
validation upstream.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlmodel import Session

from amsplan import clock
from amsplan.adapters.tables import Problem, map_columns, read_csv
from amsplan.config import RESOLUTION_CANCELLED, RESOLUTION_OK
from amsplan.domain import cancellation
from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status
from amsplan.errors import AmsplanError, InputError, TransitionRefused
from amsplan.i18n import N_, _, ngettext, pgettext
from amsplan.services import workflow, worklist
from amsplan.services.booking import BatchResult
from amsplan.services.context import Context
from amsplan.store import db, inbound
from amsplan.store.models import InboundMessage, Order
from amsplan.store.orders import find_orders, load_orders

RETURN_COLUMNS = {
    "order_no": ["Ordrenr", "Ordre", "order"],
    "event": ["Hendelse", "Type", "Status", "event"],
    "resolution": ["Løsningskode", "Løsningsstatus", "Løsning", "resolution_code", "code"],
    "time": ["Tidspunkt", "Tid", "Dato", "timestamp", "at"],
    "technician": ["Montør", "Montørnr", "tech", "technician_id"],
    "note": ["Merknad", "Kommentar", "Notat", "comment"],
}
UPSTREAM_COLUMNS = {
    "order_no": ["Ordrenr", "Ordre", "order"],
    "kind": ["Type", "Meldingstype", "Melding", "message_type"],
    "time": ["Tidspunkt", "Tid", "Dato", "timestamp", "at"],
    "reason": ["Årsak", "Begrunnelse", "Tekst", "Feil", "text", "message"],
}
EVENTS = {
    "startet": "started", "started": "started", "start": "started",
    "løst": "resolved", "lost": "resolved", "resolved": "resolved", "utført": "resolved",
    "ferdig": "resolved", "": "resolved",
}  # fmt: skip
UPSTREAM_KINDS = {
    "avvist": "rejection", "avvisning": "rejection", "rejection": "rejection",
    "rejected": "rejection", "reject": "rejection",
    "kansellert": "cancellation", "kansellering": "cancellation",
    "cancellation": "cancellation", "cancelled": "cancellation", "cancel": "cancellation",
}  # fmt: skip


@dataclass
class IngestResult:
    file: str
    new: int = 0
    already_ingested: int = 0
    outcomes: Counter = field(default_factory=Counter)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, order, reason)


@dataclass
class _Row:
    line: int
    order_no: str
    kind: str
    at: datetime | None
    values: dict[str, str]


def _read(ctx: Context, path: Path, columns, required, parse) -> tuple[list[_Row], str]:
    """The whole file, checked; InputError listing every bad row."""
    path = Path(path)
    table = map_columns(read_csv(path), columns, required)
    problems: list[Problem] = []
    rows: list[_Row] = []
    for line, rec in table.records():
        try:
            rows.append(parse(ctx, line, rec))
        except AmsplanError as err:
            problems.append(Problem(line, getattr(err, "column", ""), str(err)))
    if problems:
        name = path.name
        raise InputError(
            ngettext(
                "{file}: {n} invalid row; nothing was ingested",
                "{file}: {n} invalid rows; nothing was ingested",
                len(problems),
            ).format(file=name, n=len(problems)),
            [p.render(name) for p in problems],
        )
    return rows, hashlib.sha256(path.read_bytes()).hexdigest()


class _RowError(InputError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _when(ctx: Context, rec: dict[str, str], column: str) -> datetime | None:
    if not rec.get("time"):
        return None
    try:
        return clock.parse_moment(rec["time"], ctx.settings.tz, "time")
    except AmsplanError as err:
        raise _RowError(column, str(err)) from None


def _check_order_no(rec: dict[str, str]) -> None:
    if not rec["order_no"]:
        raise _RowError("Ordrenr", _("missing"))
    if len(rec["order_no"]) > 80:
        raise _RowError("Ordrenr", _("longer than 80 characters: no order has such a number"))


def _parse_return(ctx: Context, line: int, rec: dict[str, str]) -> _Row:
    _check_order_no(rec)
    event = EVENTS.get(rec.get("event", "").casefold())
    if event is None:
        raise _RowError(
            "Hendelse", _("{value} is not startet or løst").format(value=repr(rec["event"]))
        )
    values = dict(rec)
    if event == "resolved":
        code = ctx.settings.resolution_code(rec.get("resolution", ""))
        if code is None or code == RESOLUTION_CANCELLED:
            known = ", ".join(ctx.settings.resolution_codes[:-1])
            raise _RowError(
                "Løsningskode",
                _("unknown resolution code {code} ({known})").format(
                    code=repr(rec.get("resolution", "")), known=known
                ),
            )
        values["resolution"] = code
    return _Row(line, rec["order_no"], event, _when(ctx, rec, "Tidspunkt"), values)


def _parse_upstream(ctx: Context, line: int, rec: dict[str, str]) -> _Row:
    _check_order_no(rec)
    kind = UPSTREAM_KINDS.get(rec["kind"].casefold())
    if kind is None:
        raise _RowError(
            "Type", _("{value} is not avvist or kansellert").format(value=repr(rec["kind"]))
        )
    return _Row(line, rec["order_no"], kind, _when(ctx, rec, "Tidspunkt"), dict(rec))


def _ingest(
    ctx: Context, path: Path, source: str, rows: list[_Row], digest: str, apply
) -> IngestResult:
    result = IngestResult(str(path))
    name = Path(path).name
    with ctx.session() as s:
        db.serialise(s, f"{source}:{digest}")
        seen = inbound.message_lines(s, digest)
        try:
            orders = find_orders(s, (r.order_no for r in rows), lock=True)  # any case
        except InputError as err:  # two orders differ only by case
            raise InputError(
                _("{file}: {error}; nothing was ingested").format(file=name, error=err)
            ) from None
        for row in rows:
            if row.line in seen:
                result.already_ingested += 1
                continue
            message = InboundMessage(
                source=source, source_file=name, source_sha256=digest, line_no=row.line,
                order_no=row.order_no, kind=row.kind, happened_at=row.at, actor=ctx.user,
                detail="; ".join(f"{k}={v}" for k, v in row.values.items()
                                 if v and k != "order_no"),
                outcome="applied", handled=True, ingested_at=ctx.now(),
            )  # fmt: skip
            order = orders.get(row.order_no)
            if order is None:
                message.outcome, message.handled, message.reason = (
                    "unknown_order",
                    False,
                    _("no such order"),
                )
            else:
                try:
                    apply(s, ctx, order, row)
                except TransitionRefused as refused:
                    message.outcome, message.handled = "refused", False
                    message.reason = refused.reason
            if not message.handled:
                result.refused.append((row.line, row.order_no, message.reason))
            s.add(message)
            result.new += 1
            result.outcomes[message.outcome] += 1
    return result


# --- technician returns -------------------------------------------------------


def _apply_return(s: Session, ctx: Context, order: Order, row: _Row) -> None:
    note = row.values.get("note", "")
    tech = row.values.get("technician", "")
    who = f" ({tech})" if tech else ""
    if row.kind == "started":
        workflow.apply(s, ctx, order, "start_work", at=row.at,
                       comment=f"Startet{who}" + (f": {note}" if note else ""))  # fmt: skip
        return
    code = row.values["resolution"]
    comment = f"{code}{who}" + (f": {note}" if note else "")
    workflow.apply(s, ctx, order, "resolve", comment=comment, resolution=code, at=row.at)
    if code == RESOLUTION_OK:  # a successful change closes the order at once
        workflow.apply(s, ctx, order, "close", comment=_("Done"), resolution=RESOLUTION_OK,
                       at=row.at)  # fmt: skip
    else:
        failed = _("failed visit: {comment}").format(comment=comment)
        workflow.flag_followup(s, ctx, order, FollowupKind.FAILED_VISIT, failed)


def ingest_returns(ctx: Context, path: Path) -> IngestResult:
    """Technician returns: started, or resolved with a code (OK closes; others fail)."""
    rows, digest = _read(ctx, path, RETURN_COLUMNS, ("order_no",), _parse_return)
    return _ingest(ctx, path, "returns", rows, digest, _apply_return)


# --- upstream messages ----------------------------------------------------------


def _apply_upstream(s: Session, ctx: Context, order: Order, row: _Row) -> None:
    reason = row.values.get("reason", "")
    if row.kind == "rejection":
        workflow.apply(s, ctx, order, "reject_quant", at=row.at,
                       comment=f"Avvist i Quant: {reason}".rstrip(": "))  # fmt: skip
        workflow.flag_followup(
            s,
            ctx,
            order,
            FollowupKind.REJECTED,
            _("rejected upstream: {reason}").format(reason=reason),
        )
        return
    cancel(s, ctx, order, reason, row.at)


def cancel(
    s: Session, ctx: Context, order: Order, reason: str = "", at: datetime | None = None
) -> None:
    """Cancellation from the customer system, by the order's status (SPEC: Cancellation;
    the route: domain.cancellation.route); `at`: the message's own time."""
    status = order.status
    steps = cancellation.route(
        order.order_no, status, order.resolution, ctx.settings.label(status), reason
    )
    for step in steps:
        workflow.apply(s, ctx, order, step.transition, comment=step.comment, at=at,
                       **({"reason": step.reason} if step.reason else {}))  # fmt: skip


def uncancel(ctx: Context, order_nos: list[str], comment: str) -> BatchResult:
    """A planner lifts a cancellation (with a comment): the order may go toward execution
    again. Its other follow-up reasons stay; a closed order stays closed."""
    comment = comment.strip()
    if not comment:
        raise InputError(_("--comment is required: why is the cancellation lifted?"))
    if not order_nos:
        raise InputError(_("name at least one order"))
    result = BatchResult()
    with ctx.session() as s:
        for order in load_orders(s, order_nos):
            if not order.cancelled:
                result.refused.append((order.order_no, _("the order is not cancelled")))
                continue
            if order.status == Status.CLOSED:
                result.refused.append((order.order_no, _("the order is closed; it stays closed")))
                continue
            order.cancelled = False
            order.updated_at = ctx.now()
            workflow.add_comment(s, ctx, order, f"Kansellering opphevet: {comment}")
            workflow.clear_followups(s, ctx, order, kinds=(FollowupKind.CANCELLED,))
            if order.status == Status.MANUAL_FOLLOWUP:
                reason = _("cancellation lifted: {comment}").format(comment=comment)
                workflow.flag_followup(s, ctx, order, FollowupKind.MANUAL, reason)
            s.add(order)
            result.moved.append((order.order_no, order.status))
    return result


def ingest_upstream(ctx: Context, path: Path) -> IngestResult:
    """Messages from the meter-data system: rejections and cancellations."""
    rows, digest = _read(ctx, path, UPSTREAM_COLUMNS, ("order_no", "kind"), _parse_upstream)
    return _ingest(ctx, path, "upstream", rows, digest, _apply_upstream)


def unapplied(ctx: Context, source: str) -> list[InboundMessage]:
    """Return or upstream messages nobody could apply (for a person)."""
    with ctx.session(readonly=True) as s:
        return inbound.unapplied(s, source)


# --- work lists that end: handled by a person, or retried after a fix ------------------

SOURCE_NAMES = {"returns": N_("Return"), "upstream": N_("Message from Quant")}
_DETAIL_KEYS = sorted({*RETURN_COLUMNS, *UPSTREAM_COLUMNS})
_DETAIL_SPLIT = re.compile("; (?=(?:" + "|".join(_DETAIL_KEYS) + ")=)")


def handle(
    ctx: Context, source: str, ids: list[int], comment: str, dry_run: bool = False
) -> worklist.HandleResult:
    """A person has dealt with these messages: they leave `unapplied`, and the comment is
    kept in the order's timeline (worklist.HandleResult; dry_run: which would be handled)."""
    comment = worklist.check_comment(comment)
    what = "return" if source == "returns" else "upstream message"
    with ctx.session(readonly=dry_run) as s:
        items = worklist.load(
            s, InboundMessage, ids, what, InboundMessage.source == source, lock=not dry_run
        )
        orders = find_orders(s, [m.order_no for m in items if not m.handled])

        def order_of(item: object) -> Order | None:
            return orders.get(cast(InboundMessage, item).order_no)

        name = _(SOURCE_NAMES[source])

        def describe(item: object) -> str:
            m = cast(InboundMessage, item)
            return f"{name} ({m.source_file}:{m.line_no}: {message_text(m)})"

        return worklist.mark_handled(s, ctx, items, comment, order_of, describe, dry_run)


@dataclass
class RetryResult:
    applied: list[tuple[int, str]] = field(default_factory=list)  # (id, order)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (id, order, reason)
    already: list[int] = field(default_factory=list)  # handled before: nothing done


def retry(ctx: Context, source: str, ids: list[int] | None) -> RetryResult:
    """Apply again the unapplied messages (`ids`, or all when None) with the same rules as
    ingest, e.g. after the order was fixed by hand. Each is applied at its own time, in
    the order the events happened; one that applies now is handled ("retried"), one that
    is still refused keeps its place in the list with the reason as it is now."""
    apply = {"returns": _apply_return, "upstream": _apply_upstream}[source]
    what = "return" if source == "returns" else "upstream message"
    result = RetryResult()
    with ctx.session() as s:
        if ids is None:
            items = inbound.unapplied(s, source, lock=True)
        else:
            items = worklist.load(s, InboundMessage, ids, what, InboundMessage.source == source)
        result.already = [m.id for m in items if m.handled and m.id is not None]
        todo = sorted(
            (m for m in items if not m.handled),
            key=lambda m: (m.happened_at or m.ingested_at, m.id),
        )
        orders = find_orders(s, [m.order_no for m in todo], lock=True)
        for message in todo:
            assert message.id is not None  # a stored row
            order = orders.get(message.order_no)
            if order is None:
                message.outcome, message.reason = "unknown_order", _("no such order")
            else:
                try:
                    apply(s, ctx, order, _row_of(message))
                except TransitionRefused as refused:
                    message.outcome, message.reason = "refused", refused.reason
                else:
                    message.outcome, message.handled = "applied", True
                    message.handled_at, message.handled_by = ctx.now(), ctx.user
                    message.handled_note = "retried"
                    result.applied.append((message.id, order.order_no))
            s.add(message)
            if not message.handled:
                result.refused.append((message.id, message.order_no, message.reason))
    return result


def message_text(message: InboundMessage) -> str:
    """What a message from the field or upstream said, as a planner reads it: its kind in
    words, then the values of the file's row ("løst OK; T01; Lapp i postkassen")."""
    kinds = {
        "started": pgettext("message", "started"), "resolved": pgettext("message", "resolved"),
        "rejection": pgettext("message", "rejected"),
        "cancellation": pgettext("message", "cancelled"),
    }  # fmt: skip
    values = [v for k, v in _row_of(message).values.items() if v and k not in _NOT_SHOWN]
    return " ".join([kinds.get(message.kind, message.kind), "; ".join(values)]).strip()


_NOT_SHOWN = {"order_no", "kind", "event", "time"}  # shown in columns of their own, or the kind


def _row_of(message: InboundMessage) -> _Row:
    """The row as ingest read it, from what the message stored."""
    values = {"order_no": message.order_no}
    for part in _DETAIL_SPLIT.split(message.detail) if message.detail else []:
        key, _, value = part.partition("=")
        values[key] = value
    return _Row(message.line_no, message.order_no, message.kind, message.happened_at, values)
