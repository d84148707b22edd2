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
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar

import httpx

from amsplan.adapters.sms import http
from amsplan.adapters.sms.base import (
    Accepted,
    Answer,
    DeliveryReport,
    InboundSms,
    Outgoing,
    Rejected,
    Request,
)
from amsplan.config import Settings
from amsplan.domain.states import Delivery

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


class Twilio:
    name: ClassVar[str] = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def option(self, key: str, default: str | None = None) -> str:
        return self.settings.sms_option(self.name, key, default)

    @property
    def base_url(self) -> str:
        return self.option("base_url", "https://api.twilio.com").rstrip("/")

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
        """Twilio's list of messages to the number (paged through next_page_uri): the one
        with this text created at or after `since`. No DateSent filter: a message Twilio
        has accepted but not yet sent has no date_sent, and is exactly what is sought."""
        params: dict[str, str] | None = {"To": message.to, "PageSize": "100"}
        url = self.messages_url
        while url:
            response = http.request(client, "GET", url, params=params, auth=self._auth())
            body = http.json_of(response)
            http.raise_for(response, "Twilio", _error(body, message.to))
            if not isinstance(body, dict):
                raise http.Retry("Twilio answered the message list without JSON")
            for found in body.get("messages") or []:
                if found.get("body") == message.text and _created(found) >= since:
                    return Accepted(str(found["sid"]))
            next_page = body.get("next_page_uri")
            url, params = (f"{self.base_url}{next_page}", None) if next_page else ("", None)
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
        error = form.get("ErrorCode", "")
        return [
            DeliveryReport(
                sid, STATES[state], state, request.query.get("ref") or None,
                f"Twilio error {error}" if error else "",
            )
        ]  # fmt: skip

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
