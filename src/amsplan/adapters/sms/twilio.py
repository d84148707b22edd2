"""Twilio Programmable Messaging (https://www.twilio.com/docs/messaging/api).

Settings, [sms.twilio]: account_sid, auth_token (secret: AMSPLAN_SMS_TWILIO_AUTH_TOKEN),
from (a number or sender id) or messaging_service_sid, base_url (default
https://api.twilio.com; tests point it at a local server).

Callbacks are signed: X-Twilio-Signature is base64(HMAC-SHA1(auth token, the full URL
Twilio called + every POST field name and value, sorted by name)). amsplan's reference
of a message travels in its StatusCallback URL (?ref=...), so a status callback names
the message even before the send's answer was stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

import httpx

from amsplan import clock
from amsplan.adapters.replyfiles import twilio_time
from amsplan.adapters.sms import http
from amsplan.adapters.sms.base import (
    Accepted,
    Answer,
    CannotLookUp,
    Configured,
    DeliveryReport,
    FieldError,
    InboundSms,
    Outgoing,
    Rejected,
    Request,
)
from amsplan.domain.states import Delivery
from amsplan.errors import InputError

UTC_ZONE = ZoneInfo("UTC")

# Twilio's MessageStatus values and what they mean for the customer.
STATES = {
    "accepted": Delivery.SENT, "scheduled": Delivery.SENT, "queued": Delivery.SENT,
    "sending": Delivery.SENT, "sent": Delivery.SENT, "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED, "undelivered": Delivery.FAILED, "failed": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}  # fmt: skip

TWIML_EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signature(auth_token: str, url: str, form: dict[str, str] | None = None) -> str:
    """The X-Twilio-Signature Twilio sends for a request to `url` with these POST fields."""
    data = url + "".join(f"{k}{v}" for k, v in sorted((form or {}).items()))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Twilio(Configured):
    name: ClassVar[str] = "twilio"
    default_base_url: ClassVar[str] = "https://api.twilio.com"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.option('account_sid')}/Messages.json"

    def _auth(self) -> tuple[str, str]:
        return self.option("account_sid"), self.option("auth_token")

    def fields(self, message: Outgoing) -> dict[str, str]:
        """The form fields of Messages.json for this message."""
        fields = {"To": message.to, "Body": message.text}
        service = self.option("messaging_service_sid", "")
        if service:
            fields["MessagingServiceSid"] = service
        else:
            fields["From"] = self.option("from")
        if message.status_callback:
            fields["StatusCallback"] = message.status_callback
        return fields

    def send(self, client: httpx.Client, message: Outgoing) -> Accepted:
        response = http.request(
            client, "POST", self.messages_url, data=self.fields(message), auth=self._auth()
        )
        body = http.json_of(response)
        http.raise_for(response, "Twilio", _error(body, message.to))
        sid = body.get("sid") if isinstance(body, dict) else None
        if not sid:
            raise Rejected(f"Twilio HTTP {response.status_code} without a message sid")
        return Accepted(str(sid))

    def find(self, client: httpx.Client, message: Outgoing, since: datetime) -> Accepted | None:
        """Twilio's list of messages to the number (newest first, paged through
        next_page_uri): the one with this text created at or after `since`. No DateSent
        filter: a message Twilio has accepted but not yet sent has no date_sent, and is
        exactly what is sought. A message to the number since then with another text
        (Twilio may rewrite a body, e.g. Smart Encoding) may be this one: CannotLookUp,
        so a person decides rather than the customer getting it twice."""
        params: dict[str, str] | None = {"To": message.to, "PageSize": "100"}
        url, other = self.messages_url, False
        while url:
            response = http.request(client, "GET", url, params=params, auth=self._auth())
            body = http.json_of(response)
            http.raise_for(response, "Twilio", _error(body, message.to))
            if not isinstance(body, dict):
                raise http.Retry("Twilio answered the message list without JSON")
            for found in body.get("messages") or []:
                if _created(found) < since:
                    continue
                if found.get("body") == message.text:
                    return Accepted(str(found["sid"]))
                other = True
            next_page = body.get("next_page_uri")
            url, params = (f"{self.base_url}{next_page}", None) if next_page else ("", None)
        if other:
            raise CannotLookUp("Twilio lists a message to the number since then with another text")
        return None

    def verify(self, request: Request) -> bool:
        given = request.headers.get("x-twilio-signature", "")
        if not given:
            return False
        expected = signature(self.option("auth_token"), request.url, dict(request.form))
        return hmac.compare_digest(given.encode(), expected.encode())

    def delivery_reports(self, request: Request) -> list[DeliveryReport]:
        form = request.form
        sid, state = form.get("MessageSid", ""), form.get("MessageStatus", "").lower()
        if not sid or state not in STATES:
            raise ValueError("a status callback needs MessageSid and a known MessageStatus")
        ref = request.query.get("ref") or None
        return [DeliveryReport(sid, STATES[state], state, ref, error_text(form.get("ErrorCode")))]

    def inbound(self, request: Request) -> list[InboundSms]:
        form = request.form
        sid, sender = form.get("MessageSid", ""), form.get("From", "")
        if not sid or not sender or "Body" not in form:
            raise ValueError("an inbound message needs MessageSid, From and Body")
        opt_out = form.get("OptOutType", "").upper() or None
        return [InboundSms(sid, sender, form["Body"], form.get("To", ""), None, opt_out)]

    def answer(self, kind: str) -> Answer:
        if kind == "inbound":  # TwiML: no automatic answer to the customer
            return Answer("text/xml", TWIML_EMPTY)
        return Answer()

    # The console's export of messages (Monitor → Messaging → Export CSV) and the API's
    # field names.
    receipt_columns: ClassVar[dict[str, list[str]]] = {
        "provider_id": ["Sid", "MessageSid"], "status": ["Status", "MessageStatus"],
        "error": ["ErrorCode"], "at": ["SentDate", "DateSent"], "direction": ["Direction"],
    }  # fmt: skip

    def receipt(self, record: Mapping[str, str]) -> DeliveryReport | None:
        """A row of the export: its inbound rows are no delivery reports; SentDate is UTC
        ("2026-04-15 10:04:00 UTC", RFC 2822 or ISO)."""
        if record.get("direction", "outbound").lower().startswith("inbound"):
            return None
        state = record["status"].lower()
        if state not in STATES:
            raise FieldError("status", f"{record['status']!r} is not a Twilio message status")
        at = None
        if record.get("at"):
            try:
                at = clock.parse_moment(twilio_time(record["at"]), UTC_ZONE)
            except InputError:
                raise FieldError("at", f"{record['at']!r} is not a date and time") from None
        error = error_text(record.get("error"))
        return DeliveryReport(record["provider_id"], STATES[state], state, None, error, at)


def error_text(code: str | None) -> str:
    """Twilio's ErrorCode as the message's delivery error; none for no code or "0"
    (Twilio's exports write 0 for no error)."""
    return f"Twilio error {code}" if code and code.strip() != "0" else ""


def _error(body: object, to: str) -> str:
    """Twilio's error JSON ({code, message, more_info, status}) in a few words without
    the number `to` (Twilio's message often repeats it)."""
    if not isinstance(body, dict) or "code" not in body:
        return ""
    return f"error {body.get('code')} {http.scrub(body.get('message') or '', to)}".strip()


def _created(found: dict[str, object]) -> datetime:
    """A listed message's date_created (RFC 2822, "Wed, 01 Apr 2026 08:00:00 +0000")."""
    try:
        return parsedate_to_datetime(str(found.get("date_created")))
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


PROVIDER = Twilio
