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
from amsplan.i18n import N_, _

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
    label_msgid: str  # English; `label` is it in the planner's language
    trigger: str
    validators: tuple[Validator, ...] = ()
    effects: tuple[str, ...] = ()
    followup: FollowupKind | None = None  # why an order it puts in manual follow-up needs a person

    @property
    def label(self) -> str:
        """The planner's name of the transition, in the planner's language ("Planlegg")."""
        return _(self.label_msgid)


def ready_to_lock(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    """Everything a letter needs; lists every missing field at once."""
    missing = [
        name
        for name, present in (
            (N_("technician"), order.technician_id),
            (N_("planned start"), order.planned_start),
            (N_("estimate"), order.estimate_minutes),
            (N_("customer name"), (order.customer_name or "").strip()),
            (N_("street"), (order.street or "").strip()),
            (N_("postcode"), (order.postcode or "").strip()),
            (N_("city"), (order.city or "").strip()),
        )
        if not present
    ]
    if not missing:
        return None
    return _("missing {fields}").format(fields=", ".join(_(name) for name in missing))


def scheduled(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    if not order.technician_id or not order.planned_start or not order.estimate_minutes:
        return _("missing technician, planned start or estimate")
    return None


class Reachable(Protocol):
    """What `sms_refusal` reads from an order."""

    mobile: str | None
    no_sms: bool


def sms_refusal(order: Reachable) -> str | None:
    """Why this customer may not get an SMS, or None: the one rule for every SMS."""
    if order.no_sms:
        return _("customer does not want SMS")
    if not order.mobile:
        return _("no valid mobile number")
    return None


def sms_allowed(order: Reachable) -> bool:
    """May this customer get an SMS (a mobile number, and not opted out)?"""
    return sms_refusal(order) is None


def can_receive_sms(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return sms_refusal(order)


def needs_resolution(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("resolution") else _("a resolution code is required")


def needs_until(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("until") else _("an approximate return date is required")


def needs_text(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    return None if params.get("text") is not None else _("the reply text is required")


def not_cancelled(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    """A cancelled order goes nowhere near execution until a planner lifts the cancellation."""
    if getattr(order, "cancelled", False):
        return _(
            "cancelled by the customer system: close it, or `orders uncancel {order} --comment ...`"
        ).format(order=order.order_no)
    return None


# Why a reply may take an order back to waiting for the customer's answer.
RECONSIDER = {
    "own_reply": N_("a newer answer than the customer's own last answer"),
    "answered_before_reminder": N_("an answer received before the no-answer reminder ran"),
}


def newer_answer(order: OrderLike, params: Mapping[str, Any]) -> str | None:
    if params.get("reconsider") in RECONSIDER:
        return None
    first, second = (_(text) for text in RECONSIDER.values())
    return _("only for {one} or {other}").format(one=first, other=second)


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
       N_("Plan"), N_("planner; assigning an open order plans it"), (not_cancelled,)),
    _t("lock", {S.PLANNING}, S.READY_TO_PRINT,
       N_("Lock appointment"), N_("amsplan lock"), (ready_to_lock,), ("new_booking_code",)),
    _t("print", {S.READY_TO_PRINT}, S.AWAITING_RESPONSE,
       N_("Letter printed"), N_("amsplan letters generate"), (ready_to_lock,),
       ("letter", "start_waiting")),
    _t("email_sent", {S.READY_TO_PRINT}, S.AWAITING_RESPONSE,
       N_("E-mail sent"), N_("amsplan letters email: the mail server accepted the booking e-mail"),
       (ready_to_lock,), ("start_waiting",)),
    _t("booking_sent", {S.PLANNING}, S.AWAITING_RESPONSE,
       N_("Booking SMS sent"), N_("amsplan sms book"),
       (scheduled, can_receive_sms, not_cancelled),
       ("new_booking_code", "booking_sms", "start_waiting")),
    _t("reply_ok", {S.AWAITING_RESPONSE}, S.READY_FOR_EXECUTION,
       N_("Reply OK"), N_("reply with a valid code and exactly the [replies] keyword_ok word"),
       (not_cancelled,), ("confirmed",)),
    _t("reply_again", {S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION}, S.AWAITING_RESPONSE,
       N_("New reply"), N_("a reply that is the customer's last word: newer than their own last "
       "answer, or received before the no-answer reminder ran; then reply_ok or reply_other"),
       (newer_answer, not_cancelled), ("withdraw_no_answer_sms",)),
    _t("reply_other", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("Other reply"), N_("reply keyword_contact (KONTAKT) or any other text"), (needs_text,),
       ("comment",), F.REPLY),
    _t("follow_up_manually", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("Follow up manually"), N_("planner gives up waiting"), (), (), F.MANUAL),
    _t("booking_reminder", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("Booking reminder"), N_("cron: no reply in time"), (), ("reminder_sms",), F.NO_ANSWER),
    _t("sms_undelivered", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("SMS not delivered"), N_("the SMS provider reports that the booking SMS did not arrive"),
       (needs_text,), ("comment",), F.SMS_FAILED),
    _t("email_undelivered", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("E-mail not delivered"),
       N_("the booking e-mail bounced (a delivery status notification)"),
       (needs_text,), ("comment",), F.EMAIL_FAILED),
    _t("opt_out", {S.AWAITING_RESPONSE}, S.MANUAL_FOLLOWUP,
       N_("Opted out of SMS"), N_("the customer answered STOP: a letter or a call instead"),
       (needs_text,), ("comment",), F.REPLY),
    _t("send_to_execution", {S.MANUAL_FOLLOWUP}, S.READY_FOR_EXECUTION,
       N_("Send to execution"), N_("planner, after agreeing with the customer"),
       (scheduled, not_cancelled),
       ("confirmed",)),
    _t("confirm_sms", {S.MANUAL_FOLLOWUP}, S.READY_FOR_EXECUTION,
       N_("Booking confirmation"), N_("planner; queues a confirmation SMS"),
       (scheduled, can_receive_sms, not_cancelled),
       ("confirmed", "confirmation_sms")),
    _t("hold", {S.PLANNING, S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                S.READY_FOR_EXECUTION}, S.ON_HOLD,
       N_("Put on hold"), N_("planner, with an approximate return date"), (needs_until,),
       ("hold_until", "withdraw_reminders")),
    _t("resume", {S.ON_HOLD}, S.PLANNING,
       N_("Resume"), N_("planner, or when the hold date has passed"),
       (not_cancelled,)),
    _t("start_work", {S.READY_FOR_EXECUTION}, S.IN_PROGRESS,
       N_("Start work"), N_("technician return")),
    _t("resolve", {S.READY_FOR_EXECUTION, S.IN_PROGRESS}, S.RESOLVED,
       N_("Resolve"), N_("technician return with a resolution code"), (needs_resolution,),
       ("resolution",)),
    _t("reopen", {S.RESOLVED}, S.REOPENED,
       N_("Reopen case"), N_("planner, to try a failed visit again")),
    _t("close", _NOT_CLOSED, S.CLOSED,
       N_("Close case"), N_("planner decision, or a resolution OK"), (needs_resolution,),
       ("resolution", "retire_booking_code", "withdraw_reminders")),
    _t("reject_quant", {S.CLOSED}, S.REJECTED_QUANT,
       N_("Rejected in Quant"), N_("message from the meter-data system")),
    _t("to_manual", {S.REJECTED_QUANT}, S.MANUAL_FOLLOWUP, N_("To manual follow-up"), N_("planner"),
       (), (), F.REJECTED),
    _t("cancel_open", {S.OPEN}, S.CLOSED,
       N_("Cancelled"), N_("cancellation of an open order"), (),
       ("cancelled", "resolution_cancelled", "withdraw_all_sms")),
    _t("cancel_started", _STARTED, S.MANUAL_FOLLOWUP,
       N_("Cancelled"), N_("cancellation of a started order"), (),
       ("cancelled", "withdraw_all_sms"), F.CANCELLED),
    _t("cancel_failed_visit", {S.RESOLVED}, S.REOPENED,
       N_("Cancelled"), N_("cancellation of a failed visit; then cancel_started"), (),
       ("cancelled",)),
    _t("unlock", {S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                  S.READY_FOR_EXECUTION}, S.PLANNING,
       N_("Unlock"), N_("amsplan unlock: back to planning, the code retired"), (),
       ("retire_booking_code", "unbooked", "withdraw_all_sms")),
    _t("change_sms", {S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION},
       S.AWAITING_RESPONSE, N_("Change notice"), N_("reschedule or move of a booked order: change "
       "SMS, wait for a new answer"), (scheduled, can_receive_sms),
       ("new_time_sms", "start_waiting")),
    _t("change_letter", {S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP, S.READY_FOR_EXECUTION},
       S.READY_TO_PRINT, N_("New letter"), N_("reschedule or move of a booked order without SMS: "
       "a new letter (code kept)"), (ready_to_lock,), ("unbooked",)),
    _t("unassign", {S.PLANNING, S.READY_TO_PRINT, S.AWAITING_RESPONSE, S.MANUAL_FOLLOWUP,
                    S.READY_FOR_EXECUTION}, S.OPEN,
       N_("Remove from technician"), N_("amsplan unassign: off the technician, the slot freed"), (),
       ("retire_booking_code", "unbooked", "clear_slot", "withdraw_all_sms")),
    _t("unassign_held", {S.ON_HOLD}, S.ON_HOLD,
       N_("Remove from technician"),
       N_("amsplan unassign of a held order: it stays on hold, slot freed"),
       (), ("clear_slot",)),
    _t("replan", {S.REOPENED, S.MANUAL_FOLLOWUP}, S.PLANNING,
       N_("Plan again"), N_("amsplan orders replan; a failed or cancelled visit's slot is freed"),
       (), ("clear_old_slot",)),
)  # fmt: skip

TRANSITIONS: dict[str, Transition] = {t.name: t for t in TABLE}

# What each check asks and each effect does, for `amsplan workflow show` (messages).
CHECKS: dict[str, str] = {
    "ready_to_lock": N_("everything a letter needs"),
    "scheduled": N_("technician, time and estimate"),
    "can_receive_sms": N_("the customer can get an SMS"),
    "needs_resolution": N_("a resolution code"),
    "needs_until": N_("a return date"),
    "needs_text": N_("the reply text"),
    "not_cancelled": N_("not cancelled"),
    "newer_answer": N_("a newer answer"),
}
EFFECTS: dict[str, str] = {
    "new_booking_code": N_("new booking code"),
    "retire_booking_code": N_("booking code retired"),
    "letter": N_("letter"),
    "start_waiting": N_("waits for the answer"),
    "confirmed": N_("confirmed"),
    "comment": N_("comment"),
    "hold_until": N_("hold date"),
    "withdraw_reminders": N_("unsent reminders withdrawn"),
    "withdraw_all_sms": N_("unsent SMS withdrawn"),
    "withdraw_no_answer_sms": N_("no-answer reminder withdrawn"),
    "resolution": N_("resolution code"),
    "cancelled": N_("marked cancelled"),
    "resolution_cancelled": N_("resolution code Kansellert"),
    "booking_sms": N_("booking SMS"),
    "reminder_sms": N_("reminder SMS"),
    "confirmation_sms": N_("confirmation SMS"),
    "new_time_sms": N_("change SMS"),
    "unbooked": N_("booking channel cleared"),
    "clear_slot": N_("slot freed"),
    "clear_old_slot": N_("a past or cancelled slot freed"),
}


def unassign_transition(status: Status) -> str:
    """The transition that takes an order off its technician: a held order stays on hold
    and only loses its slot."""
    return "unassign_held" if status is Status.ON_HOLD else "unassign"
