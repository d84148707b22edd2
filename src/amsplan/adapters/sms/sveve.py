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

import hmac
from datetime import datetime
from typing import ClassVar

import httpx

from amsplan.adapters.replyfiles import sveve_message_id
from amsplan.adapters.sms import http
from amsplan.adapters.sms.base import (
    Accepted,
    Answer,
    CannotLookUp,
    DeliveryReport,
    InboundSms,
    Outgoing,
    Rejected,
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

    def body(self, message: Outgoing) -> dict[str, str]:
        """The JSON body of SendMessage for this message (Sveve's "option 1")."""
        body = {
            "user": self.option("user"),
            "passwd": self.option("passwd"),
            "to": number(message.to),
            "msg": message.text,
            "ref": message.reference,
            "f": "json",
        }
        sender = self.option("from", "")
        if sender:
            body["from"] = sender
        return body

    def send(self, client: httpx.Client, message: Outgoing) -> Accepted:
        """POST /SMS/SendMessage with a JSON body. Sveve answers 200 also when it refuses:
        {"response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [42824112]}}, or with
        "fatalError" (the whole request) or "errors" ([{number, message}]) instead."""
        url = f"{self.base_url}/SMS/SendMessage"
        response = http.request(client, "POST", url, json=self.body(message))
        answer = http.json_of(response)
        reply = answer.get("response") if isinstance(answer, dict) else None
        error = _error(reply, message.to, number(message.to))
        http.raise_for(response, "Sveve", error)
        if not isinstance(reply, dict):
            raise Rejected(f"Sveve HTTP {response.status_code} without a JSON response")
        ids = reply.get("ids") or []
        if reply.get("fatalError") or reply.get("errors") or not ids:
            raise Rejected(f"Sveve: {error or 'no message id in the answer'}")
        return Accepted(str(ids[0]))

    def find(self, client: httpx.Client, message: Outgoing, since: datetime) -> Accepted | None:
        raise CannotLookUp("Sveve offers no look-up of a sent message by its reference")

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
        message_id = sveve_message_id(
            number, text, fields.get("prefix", ""), fields.get("shortnumber", "")
        )
        return [InboundSms(message_id, number, text, fields.get("shortnumber", ""))]

    def answer(self, kind: str) -> Answer:
        return Answer()  # an empty answer: no automatic receipt to the customer


def number(e164: str) -> str:
    """The number as Sveve's examples write it: a Norwegian mobile as its 8 digits, any
    other with 00 and its country code ("+4791234567" -> "91234567")."""
    if e164.startswith("+47") and len(e164) == 11:
        return e164[3:]
    return "00" + e164[1:] if e164.startswith("+") else e164


def _error(reply: object, *numbers: str) -> str:
    """Sveve's fatalError or its errors' messages, in a few words without `numbers`."""
    if not isinstance(reply, dict):
        return ""
    words = [str(reply["fatalError"])] if reply.get("fatalError") else []
    words += [str(e.get("message", "")) for e in reply.get("errors") or [] if isinstance(e, dict)]
    return http.scrub("; ".join(w for w in words if w), *numbers)


PROVIDER = Sveve
