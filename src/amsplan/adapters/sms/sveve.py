"""Sveve (Norway; https://sveve.no/apidok/): send, delivery reports, received messages.

Settings, [sms.sveve]: user, passwd (secret: AMSPLAN_SMS_SVEVE_PASSWD), from (sender
name, at most 11 characters), callback_token (secret: AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN),
base_url (default https://sveve.no).

Sveve does not sign its callbacks: the URLs registered with Sveve carry a secret token
(`.../sms/sveve/status?token=...`), compared in constant time. Delivery reports carry
number, status (true/false), id, ref (amsplan's reference), errorCode, errorDesc;
received messages carry number, msg, prefix, shortnumber (and no message id, so one is
made from their content).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import ClassVar

import httpx

from amsplan.adapters.sms.base import (
    Accepted,
    Answer,
    DeliveryReport,
    InboundSms,
    Outgoing,
    Request,
)
from amsplan.config import Settings
from amsplan.domain.states import Delivery


class Sveve:
    name: ClassVar[str] = "sveve"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def option(self, key: str, default: str | None = None) -> str:
        return self.settings.sms_option(self.name, key, default)

    @property
    def base_url(self) -> str:
        return self.option("base_url", "https://sveve.no").rstrip("/")

    def send(self, client: httpx.Client, message: Outgoing) -> Accepted:
        raise NotImplementedError  # helper: dispatch

    def find(self, client: httpx.Client, message: Outgoing, since: datetime) -> Accepted | None:
        raise NotImplementedError  # helper: dispatch

    def verify(self, request: Request) -> bool:
        given = request.query.get("token", "")
        expected = self.option("callback_token")
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())

    def _fields(self, request: Request) -> dict[str, str]:
        """Sveve calls with GET (query) or POST (form), as configured with them."""
        fields = {k: v for k, v in request.query.items() if k != "token"}
        fields.update(request.form)
        return fields

    def delivery_reports(self, request: Request) -> list[DeliveryReport]:
        fields = self._fields(request)
        message_id, status = fields.get("id", ""), fields.get("status", "").lower()
        if not message_id or status not in ("true", "false"):
            raise ValueError("a delivery report needs id and status true or false")
        delivery = Delivery.DELIVERED if status == "true" else Delivery.FAILED
        error = " ".join(x for x in (fields.get("errorCode", ""), fields.get("errorDesc", "")) if x)
        return [DeliveryReport(message_id, delivery, status, fields.get("ref") or None, error)]

    def inbound(self, request: Request) -> list[InboundSms]:
        fields = self._fields(request)
        number, text = fields.get("number", ""), fields.get("msg")
        if not number or text is None:
            raise ValueError("a received message needs number and msg")
        made = "\x1f".join((number, text, fields.get("prefix", ""), fields.get("shortnumber", "")))
        message_id = "sveve-" + hashlib.sha256(made.encode()).hexdigest()[:40]
        return [InboundSms(message_id, number, text, fields.get("shortnumber", ""))]

    def answer(self, kind: str) -> Answer:
        return Answer()  # an empty answer: no automatic receipt to the customer


PROVIDER = Sveve
