"""What a message that did not reach the customer does to its order, and how long to
wait before trying a provider again (an e-mail that did not: `email_failure_steps`).

One rule for every way amsplan learns of it: the provider refused the message when
`sms dispatch` sent it, retries ran out, or a delivery report said "undelivered". A
booking SMS whose order still waits for the reply moves the order to manual follow-up
(the customer never got the code: a letter or a call instead, as the roll-out guide
says); any other message leaves the status alone, notes it on the order and lists it in
`followup list` as sms_failed.
"""

from __future__ import annotations

from datetime import timedelta

from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import SmsKind
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Flag, Note, Step
from amsplan.i18n import N_, _

KIND_WORDS = {
    SmsKind.BOOKING: N_("Booking SMS"),
    SmsKind.BOOKING_REMINDER: N_("Booking reminder"),
    SmsKind.APPOINTMENT_REMINDER: N_("Appointment reminder"),
    SmsKind.CONFIRMATION: N_("Confirmation by SMS"),
    SmsKind.CHANGE: N_("SMS about a change"),
    SmsKind.FREE_TEXT: N_("SMS"),
}
# The same in the follow-up reason. Both are written in the planner's language and stored
# as written.
FAILED_REASONS = {
    SmsKind.BOOKING: N_("booking SMS failed: {reason}"),
    SmsKind.BOOKING_REMINDER: N_("booking reminder SMS failed: {reason}"),
    SmsKind.APPOINTMENT_REMINDER: N_("appointment reminder SMS failed: {reason}"),
    SmsKind.CONFIRMATION: N_("confirmation SMS failed: {reason}"),
    SmsKind.CHANGE: N_("SMS about a change failed: {reason}"),
    SmsKind.FREE_TEXT: N_("SMS failed: {reason}"),
}


def failure_note(kind: SmsKind, reason: str) -> str:
    """The comment on the order: which message did not arrive, and why."""
    return _("{what} could not be delivered (a technical SMS error): {reason}").format(
        what=_(KIND_WORDS[SmsKind(kind)]), reason=reason
    )


def failure_steps(kind: SmsKind, order_status: Status | str, reason: str) -> tuple[Step, ...]:
    """The steps for an order whose message of `kind` failed for `reason` (the
    provider's error code and words, never the customer's number or text)."""
    note = failure_note(kind, reason)
    if kind == SmsKind.BOOKING and order_status == Status.AWAITING_RESPONSE:
        params = {
            "text": note,
            "reason": _("SMS failed: {reason}").format(reason=reason),
            "comment_kind": "sms_failed",
        }
        return (Apply("sms_undelivered", note, params),)
    return (
        Note(note),
        Flag(FollowupKind.SMS_FAILED, _(FAILED_REASONS[SmsKind(kind)]).format(reason=reason)),
    )


def email_failure_steps(
    order_status: Status | str, booking_channel: str | None, reason: str
) -> tuple[Step, ...]:
    """The steps for an order whose booking e-mail did not arrive: `reason` says what
    happened with the server's code and words, never the address ("bounced: 5.1.1 user
    unknown", "refused: 550 5.1.1 ..."). An order still waiting for the answer to its
    e-mail booking moves to manual follow-up (email_undelivered: a letter or a call
    instead); any other order keeps its status, with a note and an email_failed reason."""
    note = _("Booking e-mail could not be delivered: {reason}").format(reason=reason)
    if order_status == Status.AWAITING_RESPONSE and booking_channel == "email":
        params = {
            "text": note,
            "reason": _("e-mail {reason}").format(reason=reason),
            "comment_kind": "email_failed",
        }
        return (Apply("email_undelivered", note, params),)
    why = _("booking e-mail {reason}").format(reason=reason)
    return (Note(note), Flag(FollowupKind.EMAIL_FAILED, why))


BACKOFF_CAP = 30.0  # seconds: the longest wait between two tries of one message
LEFT_AFTER_AT_LEAST = timedelta(minutes=10)


def backoff(
    attempt: int, after: float | None = None, base: float = 0.5, cap: float = BACKOFF_CAP
) -> float:
    """Seconds to wait before try `attempt + 1` after try `attempt` (1, 2, ...) failed
    for a passing reason: the provider's Retry-After when it gave one, else base * 2^(n-1);
    never more than `cap`."""
    wait = after if after is not None and after >= 0 else base * 2 ** (attempt - 1)
    return min(wait, cap)


def left_after(timeout: float) -> timedelta:
    """How long a message may be "sending" before it counts as left by a run that died.
    A live run renews its claim before every try, and between two renewals there is at
    most a request (up to `timeout` per phase), a look-up and one backoff: three times
    that, and never less than ten minutes, can only be a dead run."""
    return max(LEFT_AFTER_AT_LEAST, 3 * timedelta(seconds=3 * timeout + BACKOFF_CAP))


def pace(rate: float, last: float | None, now: float) -> float:
    """Seconds to wait before the next request so that at most `rate` go out a second
    (`last`: when the previous one was let out, on the same monotonic clock as `now`;
    rate 0: no limit)."""
    if rate <= 0 or last is None:
        return 0.0
    return max(0.0, last + 1.0 / rate - now)
