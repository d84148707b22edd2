"""The transition table: every status change an order can make, as data.

Validators are pure functions of the order (and the transition's parameters) that
return a reason to refuse, or None. Effects are names of side effects that the
service layer performs in the same transaction (amsplan.services.workflow.EFFECTS).
A transition into manual follow-up names why the order needs a person (`followup`);
amsplan.services.workflow.apply records it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status

S = Status


class OrderLike(Protocol):
    """What validators read from an order (the ORM row satisfies it)."""

    order_no: str
    status: Status
    technician_id: str | None
    planned_start: Any
    estimate_minutes: int | None
    customer_name: str
    street: str
    postcode: str
    city: str
    mobile: str | None
    no_sms: bool
    cancelled: bool


Validator = Callable[[OrderLike, Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[Status]
    target: Status
    label: str
    trigger: str
    validators: tuple[Validator, ...] = ()
    effects: tuple[str, ...] = ()
    followup: FollowupKind | None = None  # why an order it puts in manual follow-up needs a person


def ready_to_lock(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    """Everything a letter needs; lists every missing field at once."""
    missing = [
        name
        for name, present in (
            ("technician", order.technician_id),
            ("planned start", order.planned_start),
            ("estimate", order.estimate_minutes),
            ("customer name", (order.customer_name or "").strip()),
            ("street", (order.street or "").strip()),
            ("postcode", (order.postcode or "").strip()),
            ("city", (order.city or "").strip()),
        )
        if not present
    ]
    return f"missing {', '.join(missing)}" if missing else None


def scheduled(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    if not order.technician_id or not order.planned_start or not order.estimate_minutes:
        return "missing technician, planned start or estimate"
    return None


class Reachable(Protocol):
    """What `sms_refusal` reads from an order."""

    mobile: str | None
    no_sms: bool


def sms_refusal(order: Reachable) -> str | None:
    """Why this customer may not get an SMS, or None: the one rule for every SMS."""
    if order.no_sms:
        return "customer does not want SMS"
    if not order.mobile:
        return "no valid mobile number"
    return None


def sms_allowed(order: Reachable) -> bool:
    """May this customer get an SMS (a mobile number, and not opted out)?"""
    return sms_refusal(order) is None


def can_receive_sms(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return sms_refusal(order)


def needs_resolution(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("resolution") else "a resolution code is required"


def needs_until(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("until") else "an approximate return date is required"


def needs_text(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("text") is not None else "the reply text is required"


def not_cancelled(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    """A cancelled order goes nowhere near execution until a planner lifts the cancellation."""
    if getattr(order, "cancelled", False):
        return (
            "cancelled by the customer system: close it, or "
            f"`orders uncancel {order.order_no} --comment ...`"
        )
    return None


# Why a reply may take an order back to waiting for the customer's answer.
RECONSIDER = {
    "own_reply": "a newer answer than the customer's own last answer",
    "answered_before_reminder": "an answer received before the no-answer reminder ran",
}


def newer_answer(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    if params.get("reconsider") in RECONSIDER:
        return None
    return "only for " + " or ".join(RECONSIDER.values())


_NOT_CLOSED = frozenset(s for s in Status if s is not S.CLOSED)
_STARTED = frozenset(
    {
        S.PLANNING, S.ON_HOLD, S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
        S.READY_FOR_EXECUTION, S.REOPENED, S.REJECTED_QUANT, S.IN_PROGRESS,
    }
)  # fmt: skip


F = FollowupKind


def _t(
    name: str,
    sources: set[Status] | frozenset[Status],
    target: Status,
    label: str,
    trigger: str,
    validators: tuple[Validator, ...] = (),
    effects: tuple[str, ...] = (),
    followup: FollowupKind | None = None,
) -> Transition:
    return Transition(
        name, frozenset(sources), target, label, trigger, validators, effects, followup
    )


TABLE: tuple[Transition, ...] = (
    _t("plan", {S.OPEN, S.REOPENED, S.MANUAL_FOLLOWUP}, S.PLANNING,
       "Planlegg", "planner; assigning an open order plans it", (not_cancelled,)),
    _t("lock", {S.PLANNING}, S.READY_TO_PRINT,
       "Lås avtale", "amsplan lock", (ready_to_lock,), ("new_booking_code",)),
    _t("print", {S.READY_TO_PRINT}, S.AWAITING_RESPONSE,
       "PC_TRANSITION_PRINTED", "amsplan letters generate", (ready_to_lock,),
       ("letter", "start_waiting")),
    _t("email_sent", {S.READY_TO_PRINT}, S.AWAITING_RESPONSE,
       "E-post sendt", "amsplan letters email: the mail server accepted the booking e-mail",
       (ready_to_lock,), ("start_waiting",)),
    _t("booking_sent", {S.PLANNING}, S.AWAITING_RESPONSE,
       "PC_TRANSITION_BOOKING_SENT", "amsplan sms book",
       (scheduled, can_receive_sms, not_cancelled),
       ("new_booking_code", "booking_sms", "start_waiting")),
    _t("reply_ok", {S.AWAITING_RESPONSE}, S.READY_FOR_EXECUTION,
       "Svar OK", "reply with a valid code and exactly the [replies] keyword_ok word",
       (not_cancelled,), ("confirmed",)),
    _t("reply_again", {S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION}, S.AWAITING_RESPONSE,
       "Nytt svar", "a reply that is the customer's last word: newer than their own last "
       "answer, or received before the no-answer reminder ran; then reply_ok or reply_other",
       (newer_answer, not_cancelled), ("withdraw_no_answer_sms",)),
    _t("reply_other", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "Svar annet", "reply keyword_contact (KONTAKT) or any other text", (needs_text,),
       ("comment",), F.REPLY),
    _t("follow_up_manually", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "Følg opp manuelt", "planner gives up waiting", (), (), F.MANUAL),
    _t("booking_reminder", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "Bookingpåminnelse", "cron: no reply in time", (), ("reminder_sms",), F.NO_ANSWER),
    _t("sms_undelivered", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "SMS ikke levert", "the SMS provider reports that the booking SMS did not arrive",
       (needs_text,), ("comment",), F.SMS_FAILED),
    _t("email_undelivered", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "E-post ikke levert", "the booking e-mail bounced (a delivery status notification)",
       (needs_text,), ("comment",), F.EMAIL_FAILED),
    _t("opt_out", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       "Reservert mot SMS", "the customer answered STOP: a letter or a call instead",
       (needs_text,), ("comment",), F.REPLY),
    _t("send_to_execution", {S.MANUAL_FOLLOWUP}, S.READY_FOR_EXECUTION,
       "Send til utførelse", "planner, after agreeing with the customer",
       (scheduled, not_cancelled),
       ("confirmed",)),
    _t("confirm_sms", {S.MANUAL_FOLLOWUP}, S.READY_FOR_EXECUTION,
       "Bookingbekreftelse", "planner; queues a confirmation SMS",
       (scheduled, can_receive_sms, not_cancelled),
       ("confirmed", "confirmation_sms")),
    _t("hold", {S.PLANNING, S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                S.READY_FOR_EXECUTION}, S.ON_HOLD,
       "Sett på vent", "planner, with an approximate return date", (needs_until,),
       ("hold_until", "withdraw_reminders")),
    _t("resume", {S.ON_HOLD}, S.PLANNING, "Gjenoppta", "planner, or when the hold date has passed",
       (not_cancelled,)),
    _t("start_work", {S.READY_FOR_EXECUTION}, S.IN_PROGRESS, "Start arbeid", "technician return"),
    _t("resolve", {S.READY_FOR_EXECUTION, S.IN_PROGRESS}, S.RESOLVED,
       "Løs", "technician return with a resolution code", (needs_resolution,), ("resolution",)),
    _t("reopen", {S.RESOLVED}, S.REOPENED, "Re-åpne sak", "planner, to try a failed visit again"),
    _t("close", _NOT_CLOSED, S.CLOSED,
       "Lukk sak", "planner decision, or a resolution OK", (needs_resolution,),
       ("resolution", "retire_booking_code", "withdraw_reminders")),
    _t("reject_quant", {S.CLOSED}, S.REJECTED_QUANT,
       "Avvist i Quant", "message from the meter-data system"),
    _t("to_manual", {S.REJECTED_QUANT}, S.MANUAL_FOLLOWUP, "Til manuell oppfølging", "planner",
       (), (), F.REJECTED),
    _t("cancel_open", {S.OPEN}, S.CLOSED,
       "Kansellert", "cancellation of an open order", (),
       ("cancelled", "resolution_cancelled", "withdraw_all_sms")),
    _t("cancel_started", _STARTED, S.MANUAL_FOLLOWUP,
       "Kansellert", "cancellation of a started order", (),
       ("cancelled", "withdraw_all_sms"), F.CANCELLED),
    _t("cancel_failed_visit", {S.RESOLVED}, S.REOPENED,
       "Kansellert", "cancellation of a failed visit; then cancel_started", (),
       ("cancelled",)),
    _t("unlock", {S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                  S.READY_FOR_EXECUTION}, S.PLANNING,
       "Lås opp", "amsplan unlock: back to planning, the code retired", (),
       ("retire_booking_code", "unbooked", "withdraw_all_sms")),
    _t("change_sms", {S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION},
       S.AWAITING_RESPONSE, "Endringsmelding", "reschedule or move of a booked order: change "
       "SMS, wait for a new answer", (scheduled, can_receive_sms),
       ("new_time_sms", "start_waiting")),
    _t("change_letter", {S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION},
       S.READY_TO_PRINT, "Nytt brev", "reschedule or move of a booked order without SMS: "
       "a new letter (code kept)", (ready_to_lock,), ("unbooked",)),
    _t("unassign", {S.PLANNING, S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                    S.READY_FOR_EXECUTION}, S.OPEN,
       "Fjern fra montør", "amsplan unassign: off the technician, the slot freed", (),
       ("retire_booking_code", "unbooked", "clear_slot", "withdraw_all_sms")),
    _t("unassign_held", {S.ON_HOLD}, S.ON_HOLD,
       "Fjern fra montør", "amsplan unassign of a held order: it stays on hold, slot freed",
       (), ("clear_slot",)),
    _t("replan", {S.REOPENED, S.MANUAL_FOLLOWUP}, S.PLANNING,
       "Planlegg på nytt", "amsplan orders replan; a failed or cancelled visit's slot is freed",
       (), ("clear_old_slot",)),
)  # fmt: skip

TRANSITIONS: dict[str, Transition] = {t.name: t for t in TABLE}


def unassign_transition(status: Status) -> str:
    """The transition that takes an order off its technician: a held order stays on hold
    and only loses its slot."""
    return "unassign_held" if status is Status.ON_HOLD else "unassign"
