"""Sending through the provider (`sms dispatch`) and what a failed delivery means.

Temporary in this branch: only `sms_failed`, which the delivery reports of `amsplan
serve` and `sms receipts` call; the dispatch branch owns this module.
"""

from __future__ import annotations

from sqlmodel import Session

from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import SmsKind
from amsplan.domain.statuses import Status
from amsplan.services import workflow
from amsplan.services.context import Context
from amsplan.store.models import Order, Sms


def sms_failed(session: Session, ctx: Context, message: Sms, order: Order, reason: str) -> None:
    """The provider could not deliver `message`: a booking SMS whose order still awaits
    the reply goes to manual follow-up; any other message leaves a comment and the
    follow-up reason sms_failed."""
    text = f"SMS kunne ikke leveres: {reason}"
    if message.kind == SmsKind.BOOKING and order.status == Status.AWAITING_RESPONSE:
        workflow.apply(session, ctx, order, "sms_undelivered", comment=text, text=text,
                       reason=text)  # fmt: skip
        return
    workflow.add_comment(session, ctx, order, text, kind="sms_failed")
    workflow.flag_followup(session, ctx, order, FollowupKind.SMS_FAILED, text)
