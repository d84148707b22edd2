"""Orders: import from the customer system, and the order detail with its timeline."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from amsplan.adapters.tables import (
    Problem,
    map_columns,
    parse_flag,
    read_csv,
)
from amsplan.domain import cells, reimport
from amsplan.domain.cells import CONTROL_CHARS, CONTROL_CHARS_MULTILINE
from amsplan.domain.followups import FollowupKind
from amsplan.domain.phones import mobile_number
from amsplan.domain.statuses import Status
from amsplan.errors import InputError
from amsplan.i18n import N_, _, pgettext
from amsplan.services import follow, workflow
from amsplan.services.context import Context
from amsplan.services.geo import read_coordinate
from amsplan.store import db, timeline
from amsplan.store import orders as store
from amsplan.store.models import InboundMessage, Order, Technician, search_text_of
from amsplan.store.orders import get_order, load_orders
from amsplan.store.technicians import find_technician

# field -> header aliases (Norwegian first); matched ignoring case, spaces, '-' and '_'.
ORDER_COLUMNS: dict[str, list[str]] = {
    "order_no": ["Ordrenr", "Ordrenummer", "Arbeidsordre", "order_number"],
    "meter_point_id": ["Målepunkt-ID", "Målepunkt", "MålepunktID", "metering_point_id", "mpid"],
    "meter_number": ["Målernr", "Målernummer", "meter_no"],
    "customer_name": ["Navn", "Kundenavn", "Kunde", "name"],
    "street": ["Adresse", "Gateadresse", "address"],
    "postcode": ["Postnr", "Postnummer", "zip", "postal_code"],
    "city": ["Poststed", "Sted", "post_town"],
    "municipality_no": ["Kommunenr", "Kommunenummer", "municipality"],
    "phone": ["Telefon", "Tlf", "Telefonnr", "telephone"],
    "mobile_phone": ["Mobil", "Mobiltelefon", "Mobilnr", "mobile"],
    "email": ["E-post", "Epost", "E-postadresse", "email", "e-mail"],
    "stage": ["Etappe"],
    "latitude": ["Breddegrad", "Lat", "lat"],
    "longitude": ["Lengdegrad", "Lon", "Lng", "lon"],
    "description": ["Beskrivelse", "Kommentar", "notes"],
    "important_info": ["Viktig info", "Viktig", "important"],
    "difficult_meter": ["Vanskelig måler", "Vanskelig", "difficult"],
    "no_sms": ["Ikke SMS", "Reservert SMS", "sms_opt_out"],
}
REQUIRED = ("order_no", "meter_point_id")
TEXT_FIELDS = (
    "meter_point_id", "meter_number", "customer_name", "street", "postcode", "city",
    "municipality_no", "phone", "mobile_phone", "stage", "description",
)  # fmt: skip
_MAX_TEXT = 500
_CHECKED = ("order_no", *TEXT_FIELDS)  # no control characters, at most _MAX_TEXT long
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


@dataclass
class ImportResult:
    file: str
    encoding: str
    delimiter: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    changed_after_booking: int = 0  # booked orders whose name, address, phone, e-mail changed
    purged_kept: int = 0  # purged orders whose personal data the file would have restored
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None


def _validate(line: int, rec: dict[str, str], region: str) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []
    values: dict = {}

    def bad(column: str, message: str) -> None:
        problems.append(Problem(line, ORDER_COLUMNS[column][0], message))

    # What Excel does to numbers: repaired (in rec) when the value is certain, else refused.
    for name in ("phone", "mobile_phone"):
        if rec.get(name):
            problem = cells.phone_problem(rec[name])
            if problem:
                bad(name, problem)
            rec[name] = cells.whole_number(rec[name])
    for name in ("postcode", "municipality_no"):
        if rec.get(name):
            rec[name] = cells.padded_code(rec[name])
    if "email" in rec:  # "" is no address
        values["email"], problem = cells.email_address(rec["email"])
        if problem:
            bad("email", problem)
    texts = {name: rec[name] for name in _CHECKED if name in rec}
    values.update(texts)
    description = texts.pop("description", "")
    if (  # each field on its own only when one of them is wrong (rare; most of an import)
        CONTROL_CHARS.search("".join(texts.values()))
        or CONTROL_CHARS_MULTILINE.search(description)
        or max(map(len, texts.values()), default=0) > _MAX_TEXT
        or len(description) > _MAX_TEXT
    ):
        for name in _CHECKED:
            if name in rec:
                value = rec[name]
                control = CONTROL_CHARS_MULTILINE if name == "description" else CONTROL_CHARS
                if control.search(value):
                    bad(name, _("contains control characters"))
                elif len(value) > _MAX_TEXT:
                    bad(name, _("longer than {n} characters").format(n=_MAX_TEXT))
    order_no = rec.get("order_no", "")
    if not order_no:
        bad("order_no", _("missing"))
    elif len(order_no) > 80:
        bad("order_no", _("longer than {n} characters").format(n=80))
    problem = cells.meter_point_problem(rec.get("meter_point_id", ""))
    if problem:
        bad("meter_point_id", problem)
    if rec.get("postcode") and not _FOUR_DIGITS.fullmatch(rec["postcode"]):
        bad("postcode", _("{value!r} is not a 4-digit postcode").format(value=rec["postcode"]))
    if rec.get("municipality_no") and not _FOUR_DIGITS.fullmatch(rec["municipality_no"]):
        bad(
            "municipality_no",
            _("{value!r} is not a 4-digit municipality number").format(
                value=rec["municipality_no"]
            ),
        )
    for name in ("latitude", "longitude"):
        if name in rec:
            try:
                values[name] = read_coordinate(rec[name], name)
            except ValueError as err:
                bad(name, str(err))
    for name in ("important_info", "difficult_meter", "no_sms"):
        if name in rec:
            flag = parse_flag(rec[name])
            if flag is None:
                bad(name, _("{value!r} is not Ja/Nei").format(value=rec[name]))
            values[name] = bool(flag)
    # The mobile column if there is one, else the phone column if it holds a mobile number.
    mobile_raw = values.pop("mobile_phone", "")
    if "phone" in values or mobile_raw:
        values["mobile"] = mobile_number(mobile_raw, region) or mobile_number(
            values.get("phone", ""), region
        )
        if not values.get("phone"):
            values["phone"] = mobile_raw
    return values, problems


def import_orders(
    ctx: Context, path: Path, skip_invalid: bool = False, rejects: Path | None = None
) -> ImportResult:
    """Validate the whole file, then create or update orders by order number (all or nothing).

    Orders the customer system changed after they were booked are recorded and put into
    follow-up (see workflow.reimport); purged orders keep their anonymised personal data.
    """
    if rejects is not None and not Path(rejects).parent.is_dir():
        raise InputError(
            _("--rejects: the folder {folder} does not exist").format(folder=Path(rejects).parent)
        )
    table = map_columns(read_csv(path), ORDER_COLUMNS, REQUIRED)
    result = ImportResult(str(path), table.encoding, table.delimiter, ignored_columns=table.ignored)
    region = ctx.settings.country
    good: dict[str, dict] = {}
    bad_lines: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    cells_by_line = dict(table.rows)
    for line, rec in table.records():
        values, row_problems = _validate(line, rec, region)
        order_no = values.get("order_no", "")
        if order_no and order_no in first_line:
            row_problems.append(
                Problem(
                    line,
                    "Ordrenr",
                    _("{order!r} already on line {line}").format(
                        order=order_no, line=first_line[order_no]
                    ),
                )
            )
        elif order_no:
            first_line[order_no] = line
        if row_problems:
            problems.extend(row_problems)
            bad_lines.append((line, cells_by_line[line]))
        else:
            good[order_no] = values
    name, total = Path(path).name, len(table.rows)

    def refuse_or_reject() -> None:
        if problems and not skip_invalid:
            raise InputError(
                _("{file}: {bad} of {total} rows are invalid; nothing was imported").format(
                    file=name, bad=len(bad_lines), total=total
                ),
                [p.render(name) for p in sorted(problems, key=lambda p: p.line)],
            )
        if problems:
            result.invalid = len(bad_lines)
            out = rejects or Path(path).with_name(Path(path).stem + ".rejected.csv")
            _write_rejects(out, table.headers, sorted(bad_lines), problems, table.delimiter)
            result.rejects_file = str(out)

    if problems and not skip_invalid:
        refuse_or_reject()  # before touching the database

    now = ctx.now()
    with ctx.session() as s:
        db.serialise(s, "orders-import")  # two imports of new orders never collide
        # Plain rows, not ORM objects: at hundreds of thousands of orders the difference
        # is most of the time. Statuses are never touched; updates bump the version.
        # Booked orders whose contact data changes (few) take the ORM path below.
        fields = sorted({k for values in good.values() for k in values} | set(_SEARCHED))
        state = ("status", "booking_code", "booking_channel", "purged_at")
        existing = store.existing_rows(s, list(good), [*fields, *state])
        new_rows, changed_rows, booked = [], [], []
        for order_no, values in good.items():
            old = existing.get(order_no)
            if old is None:
                row = {**_defaults(), **values, "created_at": now, "updated_at": now}
                row["search_text"] = _search_text(row)
                new_rows.append(row)
                continue
            if reimport.is_purged(old["purged_at"], old["customer_name"]):
                values, restored = reimport.without_personal(old, values)
                result.purged_kept += restored
            if not any(old[k] != v for k, v in values.items()):
                result.unchanged += 1
            elif reimport.is_booked(old["status"], old["booking_code"]):
                gone = reimport.blanked(old, values, old["booking_channel"])
                line = first_line[order_no]
                if gone:
                    problems.extend(
                        Problem(line, ORDER_COLUMNS[f][0],
                                _("would blank the {field} of a booked order ({status})").format(
                                    field=_(_LABELS[f]), status=ctx.settings.label(old["status"])))
                        for f in gone
                    )  # fmt: skip
                    bad_lines.append((line, cells_by_line[line]))
                elif contact := reimport.contact_changes(old, values):
                    booked.append((old, values, contact))
                else:
                    changed_rows.append(_merged(old, values))
            else:
                changed_rows.append(_merged(old, values))
        refuse_or_reject()
        store.insert_rows(s, new_rows)
        columns = [f for f in [*fields, "search_text"] if f != "order_no"]
        store.update_rows(s, changed_rows, columns, now)
        _changed_after_booking(s, ctx, booked, now)
        result.created, result.updated = len(new_rows), len(changed_rows)
        result.changed_after_booking = len(booked)
    return result


# The contact fields a re-import may change (reimport.CONTACT_FIELDS), as planners call them.
_CONTACT_LABELS = {
    "customer_name": N_("name"), "street": N_("street"), "postcode": N_("postcode"),
    "city": N_("city"), "phone": N_("phone"), "mobile": N_("mobile"), "email": N_("e-mail"),
}  # fmt: skip
# The same fields where a booked order may not lose them: the phone and e-mail are the
# channel a booking went by.
_LABELS = {
    **_CONTACT_LABELS,
    "phone": N_("mobile number"),  # checked only for orders booked by SMS
    "email": N_("e-mail address"),  # checked only for orders booked by e-mail
}
# What free-text search finds an order by (store.models.search_text_of, in its order).
_SEARCHED = ("customer_name", "street", "city", "phone", "mobile", "email")


def _search_text(row: dict[str, Any]) -> str:
    """Order.search_text of an order's plain row (every field of _SEARCHED in it)."""
    return search_text_of(*(row[f] for f in _SEARCHED))


def _refresh_search_text(order: Order) -> None:
    """Order.search_text after a field of _SEARCHED changed."""
    order.search_text = _search_text({f: getattr(order, f) for f in _SEARCHED})


def _merged(old: dict, values: dict) -> dict:
    """The plain row for the bulk update of `old` with `values`."""
    merged = {
        k: v
        for k, v in old.items()
        if k not in ("status", "booking_code", "booking_channel", "purged_at")
    }
    merged.update(values)
    merged["search_text"] = _search_text(merged)
    merged["_id"] = merged.pop("id")
    return merged


def _changed_after_booking(
    s: Session,
    ctx: Context,
    booked: list[tuple[dict[str, Any], dict[str, Any], list[str]]],
    now: datetime,
) -> None:
    """Booked orders whose name, address, phone or e-mail the customer system changed: taken,
    recorded in the timeline, and put into follow-up (stale letters are withdrawn)."""
    by_id = {old["id"]: (old, values, contact) for old, values, contact in booked}
    labels = {f: _(label) for f, label in _CONTACT_LABELS.items()}  # in the planner's words
    for order_id, order in store.orders_by_id(s, by_id).items():
        old, values, contact = by_id[order_id]
        for key, value in values.items():
            setattr(order, key, value)
        _refresh_search_text(order)
        order.updated_at = now
        s.add(order)
        workflow.add_comment(
            s, ctx, order,
            _("Changed in the customer system after booking: {changes}").format(
                changes=reimport.change_text(old, values, contact, labels)),
            kind="import",
        )  # fmt: skip
        fields = ", ".join(labels.get(f, f) for f in contact)
        workflow.flag_followup(
            s, ctx, order, FollowupKind.CHANGED,
            _("changed after booking: {fields}").format(fields=fields),
        )  # fmt: skip
        untrue = _("the name or address changed") if reimport.letter_untrue(contact) else ""
        follow.order_changed(s, ctx, order, _("changed after booking"), withdraw_letters=untrue)


def _defaults() -> dict:
    return {
        "meter_point_id": "", "meter_number": "", "customer_name": "", "street": "",
        "postcode": "", "city": "", "municipality_no": "", "phone": "", "mobile": None,
        "email": "",
        "stage": "", "latitude": None, "longitude": None, "description": "",
        "important_info": False, "difficult_meter": False, "no_sms": False,
        "status": Status.OPEN, "cancelled": False, "version": 1,
    }  # fmt: skip


def _write_rejects(out, headers, bad_lines, problems, delimiter) -> None:
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.line, []).append(f"{p.column}: {p.message}")
    with open(out, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f, delimiter=delimiter or ";")  # a workbook has no delimiter
        writer.writerow(["Linje", "Feil", *headers])
        for line, cells in bad_lines:
            writer.writerow([line, "; ".join(reasons.get(line, [])), *cells])


# --- detail ------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    text: str
    transition: str | None = None  # the key of a status change ("plan")


@dataclass
class OrderDetail:
    order: Order
    technician: Technician | None
    live_code: str | None
    timeline: list[TimelineEntry]


def order_detail(ctx: Context, order_no: str) -> OrderDetail:
    with ctx.session(readonly=True) as s:
        order = get_order(s, order_no)
        tech = find_technician(s, order.technician_id) if order.technician_id else None
        rows = timeline.of_order(s, order)
        label, word = ctx.settings.label, _timeline_words()
        reply, sms = _("from {sender}: {text!r} → {outcome}"), _("{kind} to {to} ({status})")

        def said(key: object) -> str:
            return word.get(str(key), str(key))

        entries = [
            TimelineEntry(
                h.at,
                "status",
                h.actor,
                (f"{label(h.from_status)} → " if h.from_status else "")
                + label(h.to_status)
                + (f": {h.comment}" if h.comment else ""),
                h.transition,
            )
            for h in rows.history
        ]
        entries += [TimelineEntry(c.at, c.kind, c.actor, c.text) for c in rows.comments]
        entries += [
            TimelineEntry(lt.generated_at, "letter", lt.actor, f"{lt.file_name} ({said(lt.state)})")
            for lt in rows.letters
        ]
        entries += [
            TimelineEntry(
                r.ingested_at,
                "reply",
                r.actor,
                reply.format(sender=r.sender, text=r.text, outcome=said(r.outcome)),
            )  # fmt: skip
            for r in rows.replies
        ]
        entries += [
            TimelineEntry(
                m.created_at,
                "sms",
                m.created_by,
                sms.format(kind=said(m.kind), to=m.to, status=said(m.status)),
            )  # fmt: skip
            for m in rows.messages
        ]
        entries += [  # returns and upstream: by number
            TimelineEntry(
                m.happened_at or m.ingested_at,
                MESSAGE_KINDS[m.source],
                m.actor,
                _message_text(m, said),
            )  # fmt: skip
            for m in rows.inbound
        ]
        entries.sort(key=lambda e: e.at)
        return OrderDetail(order, tech, order.booking_code, entries)


MESSAGE_KINDS = {"returns": "return", "upstream": "upstream"}


def _message_text(m: InboundMessage, said: Callable[[object], str]) -> str:
    """A return or upstream message in the timeline: what it said, what came of it, and
    who handled it."""
    text = f"{m.kind}" + (f": {m.detail}" if m.detail else "")
    text += f" ({m.source_file}:{m.line_no}) → {said(m.outcome)}"
    if m.outcome != "applied" and m.reason:
        text += f": {m.reason}"
    if m.handled_by:
        text += _("; handled by {who}").format(who=m.handled_by)
        text += f": {m.handled_note}" if m.handled_note else ""
    return text


def _timeline_words() -> dict[str, str]:
    """The states and outcomes the timeline names, in the planner's words (once per order;
    a key without a word here is shown as it is): letters, SMS states and kinds, replies,
    returns and upstream messages."""
    return {
        "staged": pgettext("timeline", "staged"),
        "delivered": pgettext("timeline", "delivered"),
        "printed": pgettext("timeline", "printed"),
        "withdrawn": pgettext("timeline", "withdrawn"),
        "queued": pgettext("timeline", "queued"),
        "exported": pgettext("timeline", "exported"),
        "sending": pgettext("timeline", "sending"),
        "sent": pgettext("timeline", "sent"),
        "failed": pgettext("timeline", "failed"),
        "unknown": pgettext("timeline", "unknown"),
        "booking": pgettext("timeline", "booking"),
        "booking_reminder": pgettext("timeline", "booking reminder"),
        "appointment_reminder": pgettext("timeline", "appointment reminder"),
        "confirmation": pgettext("timeline", "confirmation"),
        "change": pgettext("timeline", "change"),
        "free_text": pgettext("timeline", "free text"),
        "confirmed": pgettext("timeline", "confirmed"),
        "followup": pgettext("timeline", "to follow-up"),
        "matched_by_phone": pgettext("timeline", "matched by phone"),
        "late_reply": pgettext("timeline", "late reply"),
        "repeat": pgettext("timeline", "repeated"),
        "superseded": pgettext("timeline", "superseded"),
        "cancelled_order": pgettext("timeline", "order cancelled"),
        "retired_code": pgettext("timeline", "old code"),
        "not_awaiting": pgettext("timeline", "not awaiting"),
        "unknown_code": pgettext("timeline", "unknown code"),
        "no_code": pgettext("timeline", "no code"),
        "duplicate": pgettext("timeline", "duplicate"),
        "opt_out": pgettext("timeline", "STOP"),
        "opt_in": pgettext("timeline", "START"),
        "auto_reply": pgettext("timeline", "automatic reply"),
        "bounced": pgettext("timeline", "bounced"),
        "applied": pgettext("timeline", "applied"),
        "refused": pgettext("timeline", "refused"),
        "unknown_order": pgettext("timeline", "unknown order"),
    }


# --- editing -----------------------------------------------------------------

EDITABLE = ("description", "phone", "email", "no_sms", "important_info", "difficult_meter")


def edit_order(ctx: Context, order_no: str, **changes) -> list[str]:
    """Change the fields a planner may edit; each change is kept in the timeline (by the
    field's name). What changed, in the planner's words ("E-mail: '' → 'kari@...'")."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InputError(_("cannot edit {fields}").format(fields=", ".join(sorted(unknown))))
    if "phone" in changes and CONTROL_CHARS.search(changes["phone"] or ""):
        raise InputError(_("the phone number contains control characters"))
    if "description" in changes and len(changes["description"] or "") > 2000:
        raise InputError(_("the description is longer than 2000 characters"))
    if changes.get("email") is not None:  # validated as on import; "" clears it
        changes["email"], problem = cells.email_address(changes["email"])
        if problem:
            raise InputError(_("--email: {problem}").format(problem=problem))
    done, shown, label = [], [], _edit_labels()
    with ctx.session() as s:
        order = get_order(s, order_no)
        _check_not_blanked(order, changes, ctx.settings.country)
        for key, value in changes.items():
            if value is None or getattr(order, key) == value:
                continue
            old = getattr(order, key)
            done.append(f"{key}: {old!r} → {value!r}")  # the history keeps the field names
            shown.append(f"{label[key]}: {_edited(old)} → {_edited(value)}")
            setattr(order, key, value)
            if key == "phone":
                order.mobile = mobile_number(value, ctx.settings.country)
            if key in _SEARCHED:
                _refresh_search_text(order)
        if done:
            order.updated_at = ctx.now()
            s.add(order)
            workflow.add_comment(s, ctx, order, "Endret " + "; ".join(done), kind="edit")
    return shown


def _edit_labels() -> dict[str, str]:
    """The fields `orders edit` changes, as the planner calls them."""
    return {
        "description": _("Description"), "phone": _("Phone"), "email": _("E-mail"),
        "no_sms": _("No SMS"), "important_info": _("Important info"),
        "difficult_meter": _("Difficult meter"),
    }  # fmt: skip


def _edited(value: object) -> str:
    """A value before or after an edit: text quoted, a flag as yes or no."""
    if isinstance(value, bool):
        return pgettext("flag", "yes") if value else pgettext("flag", "no")
    return repr(value or "")


def _check_not_blanked(order: Order, changes: dict[str, Any], country: str) -> None:
    """An edit may not empty what a booked order's booking went by (the phone of an SMS
    booking, the address of an e-mail booking): the same rule as a re-import's."""
    if not reimport.is_booked(order.status, order.booking_code):
        return
    new = {k: v for k, v in changes.items() if k in ("phone", "email") and v is not None}
    if "phone" in new:
        new["mobile"] = mobile_number(new["phone"], country)
    old = {k: getattr(order, k) for k in ("phone", "mobile", "email")}
    gone = reimport.blanked(old, new, order.booking_channel)
    if gone:
        raise InputError(
            _(
                "{order} was booked by {channel}: an edit cannot empty its {fields} (unlock or"
                " unassign it first, or give the new one)"
            ).format(
                order=order.order_no,
                channel=_channel(order.booking_channel),
                fields=", ".join(_(_LABELS[f]) if f in _LABELS else f for f in gone),
            )
        )


def _channel(channel: str | None) -> str:
    """What a booking went by, in the planner's words."""
    words = {
        "letter": pgettext("booked by", "letter"), "sms": pgettext("booked by", "SMS"),
        "email": pgettext("booked by", "e-mail"),
    }  # fmt: skip
    return words.get(channel or "", channel or "")


def comment_order(ctx: Context, order_no: str, text: str) -> None:
    text = text.strip()
    if not text:
        raise InputError(_("the comment is empty"))
    if len(text) > 2000:
        raise InputError(_("the comment is longer than 2000 characters"))
    with ctx.session() as s:
        workflow.add_comment(s, ctx, get_order(s, order_no), text, kind="note")


def set_owner(ctx: Context, order_nos: list[str], owner: str, dry_run: bool = False) -> int:
    """Make `owner` the responsible planner of the orders; how many changed (a dry run
    reads only, no write lock, and counts)."""
    owner = owner.strip()
    if not owner or CONTROL_CHARS.search(owner):
        raise InputError(_("name the responsible planner"))
    with ctx.session(readonly=dry_run) as s:
        changing = [o for o in load_orders(s, order_nos, lock=not dry_run) if o.owner != owner]
        if not dry_run:
            for order in changing:
                workflow.add_comment(s, ctx, order, f"Ansvarlig: {owner}", kind="owner")
                order.owner = owner
                s.add(order)
    return len(changing)
