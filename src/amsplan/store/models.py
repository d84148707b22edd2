"""Database tables (SQLModel). Every datetime is timezone-aware and stored in UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import (
    Delivery,
    EmailKind,
    EmailState,
    LetterState,
    SmsKind,
    SmsState,
)
from amsplan.domain.statuses import Status


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain text value (a VARCHAR, as before: no database enum
    type and no migration); reading gives the enum member back, writing checks it."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int | None) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def search_text_of(
    name: str,
    street: str,
    city: str,
    phone: str = "",
    mobile: str | None = None,
    email: str = "",
) -> str:
    """Name and address case-folded, then the phone number's digits (as written, and the
    mobile number's digits with and without the country code), then the e-mail address
    case-folded, for free-text search.

    Orders stored before e-mail addresses existed (schema 0008) have no address, so their
    search text needs no migration; it is written again whenever a searched field changes.
    """
    text = " ".join((name or "", street or "", city or "")).casefold()
    numbers = [digits for digits in (_digits(phone), _digits(mobile)) if digits]
    if mobile and mobile.startswith("+47") and len(mobile) == 11:
        numbers.append(mobile[3:])
    words = [text, *dict.fromkeys(numbers)] + ([email.casefold()] if email else [])
    return " ".join(words)


def _digits(text: str | None) -> str:
    return _NOT_DIGITS.sub("", text or "")


_NOT_DIGITS = re.compile(r"[^0-9]+")  # all but the ASCII digits


class Technician(SQLModel, table=True):
    __tablename__ = "technician"

    id: str = Field(primary_key=True, max_length=40)
    name: str
    phone: str = ""
    work_start: time = time(7, 30)
    work_end: time = time(15, 30)
    active: bool = True
    # ISO weekdays the technician works ("12345" = Monday to Friday).
    working_days: str = Field(default="12345", max_length=7)
    # Where the technician's day starts and ends (home or depot), WGS84 degrees.
    start_lat: float | None = None
    start_lon: float | None = None


class Absence(SQLModel, table=True):
    """A technician away (ill, holiday, course) from first_day to last_day, inclusive."""

    __tablename__ = "technician_absence"

    id: int | None = Field(default=None, primary_key=True)
    technician_id: str = Field(foreign_key="technician.id", index=True, max_length=40)
    first_day: date
    last_day: date
    reason: str = ""
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)


_ORDER_VERSION = Column("version", Integer, nullable=False, default=1)


def _not_null(column: str) -> dict[str, Any]:
    """A partial index's condition, on both databases: `column` is not null."""
    condition = text(f"{column} IS NOT NULL")
    return {"sqlite_where": condition, "postgresql_where": condition}


class Order(SQLModel, table=True):
    __tablename__ = "work_order"
    __table_args__ = (
        # Partial: for the orders that have a technician, a follow-up reason, an owner
        # (queries name one); most orders of a roll-out have none (migration 0009).
        Index(
            "ix_work_order_tech_start",
            "technician_id",
            "planned_start",
            **_not_null("technician_id"),
        ),
        Index("ix_work_order_followup_kind", "followup_kind", **_not_null("followup_kind")),
        Index("ix_work_order_owner", "owner", **_not_null("owner")),
        Index("ix_work_order_status_start", "status", "planned_start"),
        # Order numbers are found whatever their case.
        Index("ix_work_order_order_no_upper", text("upper(order_no)")),
        # A reply by e-mail is linked to the waiting order of its sender's address.
        Index("ix_work_order_email_lower", text("lower(email)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_no: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    meter_point_id: str = Field(default="", index=True)
    meter_number: str = ""
    customer_name: str = ""
    street: str = ""
    postcode: str = Field(default="", index=True)
    city: str = ""
    municipality_no: str = Field(default="", index=True)
    phone: str = ""
    mobile: str | None = None  # normalised E.164 mobile number, when the phone is one
    # The customer's e-mail address (validated on import; domain in lower case), "" none.
    email: str = Field(default="", sa_column=Column(String(320), nullable=False, default=""))
    stage: str = Field(default="", index=True)
    latitude: float | None = None
    longitude: float | None = None
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    important_info: bool = False
    difficult_meter: bool = False
    no_sms: bool = False

    status: Status = Field(
        default=Status.OPEN,
        sa_column=Column(EnumText(Status, 32), nullable=False, default="open"),
    )
    technician_id: str | None = Field(default=None, foreign_key="technician.id")
    planned_start: datetime | None = None
    estimate_minutes: int | None = None
    booking_seq: int | None = None
    booking_code: str | None = Field(default=None, unique=True, max_length=16)
    booking_channel: str | None = None  # "letter" or "sms"
    awaiting_since: datetime | None = None
    followup_kind: FollowupKind | None = Field(
        default=None, sa_column=Column(EnumText(FollowupKind, 20))
    )
    followup_reason: str | None = None
    resolution: str | None = None
    resolved_at: datetime | None = None
    validation_exported_at: datetime | None = Field(default=None, index=True)
    cancelled: bool = False
    hold_until: date | None = None
    owner: str | None = None  # the responsible planner
    purged_at: datetime | None = None  # personal data removed (privacy purge); stays removed
    # Name and address, case-folded in Python (SQLite and a C-locale PostgreSQL fold only
    # ASCII), for free-text search: kept in step by search_text_of() wherever they change.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    # Optimistic locking: an UPDATE that finds another process changed the row fails.
    version: int = Field(default=1, sa_column=_ORDER_VERSION)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    __mapper_args__ = {"version_id_col": _ORDER_VERSION}


class BookingCode(SQLModel, table=True):
    """Every code ever issued; a code is live until retired_at is set."""

    __tablename__ = "booking_code"

    code: str = Field(primary_key=True, max_length=16)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None


class History(SQLModel, table=True):
    """One row per applied transition. Append-only."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_at", "at"),)  # `notify run`: the changes since

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    at: datetime = Field(default_factory=utcnow)  # when amsplan recorded it
    # The event's own time when it has one (a return's field time, a reply's receipt
    # time, an upstream message's time); None: `at` is its time (reports count by it).
    happened_at: datetime | None = None
    actor: str
    transition: str
    from_status: Status = Field(sa_column=Column(EnumText(Status, None), nullable=False))
    to_status: Status = Field(sa_column=Column(EnumText(Status, None), nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    technician_id: str | None = None  # the order's technician at the time
    resolution: str | None = None  # for resolve and close: the resolution code
    # The database login that acted for `actor`, when they differ (issue 18); None else.
    login: str | None = None
    # SHA-256 (hex) of the previous row's hash for the order and this row (domain.chain),
    # set as the row is written (store.pending); `amsplan db verify` checks the chain.
    hash: str | None = Field(default=None, max_length=64)


@event.listens_for(History, "before_update")
@event.listens_for(History, "before_delete")
def _history_is_append_only(mapper, connection, target) -> None:
    raise RuntimeError("history rows are never changed or deleted")


class Comment(SQLModel, table=True):
    __tablename__ = "comment"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str
    kind: str = "note"
    text: str = Field(sa_column=Column(Text, nullable=False))
    login: str | None = None  # the database login that acted for `actor`, if another


class Letter(SQLModel, table=True):
    """A generated letter.

    state: staged (rendered, order moved) -> delivered (in the folder) -> printed (recorded
    as printed and posted); delivered or staged -> withdrawn (no longer true: the order
    changed time, technician, code or status, or was purged).
    """

    __tablename__ = "letter"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    booking_code: str
    file_name: str = Field(max_length=255, index=True)
    generated_at: datetime = Field(default_factory=utcnow)
    actor: str
    state: LetterState = Field(
        default=LetterState.STAGED,
        sa_column=Column(EnumText(LetterState, None), nullable=False),
    )
    # What the letter tells the customer, to know when it is no longer true.
    planned_start: datetime | None = None
    technician_id: str | None = None
    printed_at: datetime | None = None
    printed_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None


class Reply(SQLModel, table=True):
    """Every reply line ever ingested, with what happened to it."""

    __tablename__ = "reply"
    __table_args__ = (UniqueConstraint("source_sha256", "line_no", name="uq_reply_source_line"),)

    id: int | None = Field(default=None, primary_key=True)
    source_file: str
    source_sha256: str = Field(max_length=64)
    line_no: int
    received_at: datetime | None = None
    sender: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    provider_id: str | None = None
    fingerprint: str = Field(index=True, max_length=64)
    code: str | None = Field(default=None, index=True)
    order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    outcome: str = Field(index=True)
    handled: bool = False
    handled_at: datetime | None = None
    handled_by: str | None = None
    handled_note: str | None = None
    ingested_at: datetime = Field(default_factory=utcnow)
    actor: str = ""
    channel: str = Field(default="sms", max_length=8)  # sms | email
    subject: str | None = None  # an e-mail's subject


_ONE_REMINDER = text(
    "kind IN ('booking_reminder', 'appointment_reminder') AND status != 'withdrawn'"
)


class Sms(SQLModel, table=True):
    """The SMS outbox: queued in the same transaction as the change that caused it."""

    __tablename__ = "sms"
    __table_args__ = (
        # A reminder is sent once per order, kind and appointment, whoever queues it.
        Index(
            "uq_sms_one_reminder", "order_id", "kind", "appointment", unique=True,
            sqlite_where=_ONE_REMINDER, postgresql_where=_ONE_REMINDER,
        ),
        Index("ix_sms_status_due", "status", "due_at"),
        Index("ix_sms_order_status", "order_id", "status"),  # an order's queued messages
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="work_order.id")
    kind: SmsKind = Field(sa_column=Column(EnumText(SmsKind, None), nullable=False))
    to: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    due_at: datetime = Field(default_factory=utcnow)
    appointment: datetime | None = None  # the appointment a reminder is about
    status: SmsState = Field(
        default=SmsState.QUEUED, sa_column=Column(EnumText(SmsState, 12), nullable=False)
    )
    batch: str | None = None
    exported_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = None
    # Sending through a provider's API (`sms dispatch`): the provider, amsplan's unique
    # reference (set with status "sending" and committed before the request), the
    # provider's message id once accepted, the attempts made and the last error.
    provider: str | None = Field(default=None, max_length=20)
    reference: str | None = Field(default=None, max_length=40, unique=True, index=True)
    provider_id: str | None = Field(default=None, max_length=64, index=True)
    attempts: int = 0
    sending_at: datetime | None = None
    sent_at: datetime | None = None
    error: str | None = None
    # The provider's delivery report (Delivery), when it came and why it failed.
    delivery: Delivery | None = Field(
        default=None, sa_column=Column(EnumText(Delivery, 12), nullable=True)
    )
    delivery_at: datetime | None = None
    delivery_error: str | None = None


class Callback(SQLModel, table=True):
    """Every request a provider made to `amsplan serve` (and every row of a receipts
    file), stored before it is answered and applied once: `dedup` is unique."""

    __tablename__ = "sms_callback"

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    kind: str = Field(max_length=12)  # status | inbound
    dedup: str = Field(max_length=200, unique=True, index=True)  # provider:kind:message id[:state]
    provider_message_id: str = Field(default="", max_length=64, index=True)
    received_at: datetime = Field(default_factory=utcnow)
    payload: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    processed_at: datetime | None = Field(default=None, index=True)
    outcome: str | None = None


class InboundMessage(SQLModel, table=True):
    """Every row of a technician returns or upstream file, with what happened to it."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("source_sha256", "line_no", name="uq_inbound_source_line"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str  # returns | upstream
    source_file: str
    source_sha256: str = Field(max_length=64)
    line_no: int
    order_no: str = Field(index=True)
    kind: str  # started, resolved, rejection, cancellation
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    happened_at: datetime | None = None
    outcome: str = Field(index=True)  # applied | refused | unknown_order
    reason: str = ""
    handled: bool = False
    handled_at: datetime | None = None
    handled_by: str | None = None
    handled_note: str | None = None
    ingested_at: datetime = Field(default_factory=utcnow)
    actor: str = ""


class FollowupFlag(SQLModel, table=True):
    """One reason an order needs a person. Reasons accumulate; the order's followup_kind
    and followup_reason show the most important open one. cleared_at is set when the
    reason is settled."""

    __tablename__ = "followup_flag"
    __table_args__ = (Index("ix_followup_flag_at", "at"),)  # `notify run`: the changes since

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="work_order.id", index=True)
    kind: FollowupKind = Field(
        sa_column=Column(EnumText(FollowupKind, 20), nullable=False, index=True)
    )
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = Field(default_factory=utcnow)
    actor: str = ""
    cleared_at: datetime | None = None
    cleared_by: str | None = None


class ExportFile(SQLModel, table=True):
    """A file amsplan wrote that holds customer data (letters batch, SMS or mobile export),
    with the orders in it, so a privacy purge can find and remove it."""

    __tablename__ = "export_file"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    path: str = Field(sa_column=Column(Text, nullable=False))
    order_ids: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    removed_at: datetime | None = None


class SavedFilter(SQLModel, table=True):
    """A named order search (`orders list --save-as NAME`, `--filter NAME`)."""

    __tablename__ = "saved_filter"

    name: str = Field(primary_key=True, max_length=100)
    criteria: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class EmailMessage(SQLModel, table=True):
    """Every e-mail amsplan sends: recorded with its Message-ID (state "sending") and
    committed before the SMTP conversation, so a crash never sends one twice blindly."""

    __tablename__ = "email_message"
    __table_args__ = (Index("ix_email_message_state", "state", "sending_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: EmailKind = Field(sa_column=Column(EnumText(EmailKind, 12), nullable=False))
    order_id: int | None = Field(default=None, foreign_key="work_order.id", index=True)
    booking_code: str | None = None  # a booking e-mail: the code it tells
    to: str = Field(sa_column=Column(Text, nullable=False))  # the recipient address(es)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    message_id: str = Field(sa_column=Column(String(250), unique=True, nullable=False))
    state: EmailState = Field(
        default=EmailState.SENDING, sa_column=Column(EnumText(EmailState, 12), nullable=False)
    )
    created_by: str = ""
    sending_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    error: str | None = None  # the server's answer (code and words), never the address
    bounced_at: datetime | None = None
    settled_at: datetime | None = None  # a person settled it (state was unknown)
    settled_by: str | None = None


class Notice(SQLModel, table=True):
    """A change (a history row or a follow-up flag) notified to one recipient: each
    change goes to each recipient once, whatever runs overlap (`notify run`)."""

    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("source", "source_id", "recipient", name="uq_notice_change_recipient"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=8)  # history | flag
    source_id: int
    recipient: str = Field(max_length=320)
    email_id: int | None = Field(default=None, foreign_key="email_message.id", index=True)
    at: datetime = Field(default_factory=utcnow)
