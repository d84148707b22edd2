"""Sveve (Norway; https://sveve.no/apidok/): send, delivery reports, received messages.

Settings, [sms.sveve]: user, passwd (secret: AMSPLAN_SMS_SVEVE_PASSWD), from (sender
name, at most 11 characters), callback_token (secret: AMSPLAN_SMS_SVEVE_CALLBACK_TOKEN),
base_url (default https://sveve.no).

Sveve does not sign its callbacks: the URLs registered with Sveve carry a secret token
(`.../sms/sveve/status?token=...`), compared in constant time. Delivery reports carry
number, status (true/false), id, ref (amsplan's reference), errorCode, errorDesc;
received messages carry number, msg, prefix, shortnumber and no message id (amsplan makes
one from them and when the push arrived: domain.callbacks.pushed_id).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

import httpx

from amsplan import clock
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


class Sveve(Configured):
    name: ClassVar[str] = "sveve"
    default_base_url: ClassVar[str] = "https://sveve.no"

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
        return [_report(message_id, status, fields.get("ref", ""),
                        fields.get("errorCode", ""), fields.get("errorDesc", ""))]  # fmt: skip

    def inbound(self, request: Request) -> list[InboundSms]:
        """A received message: Sveve sends no id, so amsplan makes one from its fields
        and when it arrived (content_key; domain.callbacks.pushed_id)."""
        fields = self._fields(request)
        number, text = fields.get("number", ""), fields.get("msg")
        if not number or text is None:
            raise ValueError("a received message needs number and msg")
        shortnumber = fields.get("shortnumber", "")
        content = "\x1f".join((text, fields.get("prefix", ""), shortnumber))
        return [InboundSms("", number, text, shortnumber, content_key=content)]

    def answer(self, kind: str) -> Answer:
        return Answer()  # an empty answer: no automatic receipt to the customer

    # Sveve's delivery report fields as columns (it documents no export): status
    # true/false or delivered/failed, time local unless it has an offset.
    receipt_columns: ClassVar[dict[str, list[str]]] = {
        "provider_id": ["id", "msgId"], "status": ["status"], "reference": ["ref"],
        "error": ["errorCode"], "error_text": ["errorDesc"], "at": ["time", "tidspunkt"],
    }  # fmt: skip

    def receipt(self, record: Mapping[str, str]) -> DeliveryReport | None:
        status = FILE_STATES.get(record["status"].lower())
        if status is None:
            raise FieldError("status", f"{record['status']!r} is not true/false (delivered/failed)")
        report = _report(record["provider_id"], status, record.get("reference", ""),
                         record.get("error", ""), record.get("error_text", ""))  # fmt: skip
        if not record.get("at"):
            return report
        try:
            at = clock.parse_moment(record["at"], self.settings.tz, "time")
        except InputError:
            raise FieldError("at", f"{record['at']!r} is not a date and time") from None
        return replace(report, at=at)


FILE_STATES = {"true": "true", "delivered": "true", "false": "false", "failed": "false"}


def _report(message_id: str, status: str, ref: str, code: str, text: str) -> DeliveryReport:
    """A delivery report from Sveve's fields (status "true" or "false")."""
    delivery = Delivery.DELIVERED if status == "true" else Delivery.FAILED
    error = http.scrub(" ".join(x for x in (code, text) if x))  # no number in a comment
    return DeliveryReport(message_id, delivery, status, ref or None, error)


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
