"""A fake Twilio Programmable Messaging API (the Messages resource) on 127.0.0.1.

It checks each request as Twilio documents it: HTTP basic auth with the account SID and
auth token, a form-encoded UTF-8 body with To (E.164), Body, and From or
MessagingServiceSid; it answers 201 with the message JSON, or Twilio's error JSON
({code, message, more_info, status}) with 400/401/429/500. GET lists messages (filters
To and DateSent>=, newest first, paged through next_page_uri). It can then call back as
Twilio does: a signed status callback to a message's StatusCallback, and a signed
inbound message to any URL.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from amsplan.adapters.sms.twilio import signature
from tests.fakes.runner import Running, Script

E164 = re.compile(r"\+[1-9]\d{6,14}")


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}  # fmt: skip
    return JSONResponse(body, status, headers=headers)


class FakeTwilio:
    def __init__(self, account_sid: str = "AC" + "a1" * 16, auth_token: str = "tw-secret-token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.script = Script()
        self.invalid: set[str] = set()  # numbers Twilio refuses (error 21211)
        self.messages: list[dict[str, Any]] = []  # every message taken, oldest first
        self.requests = 0  # send requests that reached the server
        self.on_list: Callable[[], None] | None = None  # runs when a GET (look-up) comes in
        self.lock = threading.Lock()
        base = "/2010-04-01/Accounts/{sid}/Messages.json"
        self.app = Starlette(routes=[Route(base, self.endpoint, methods=["GET", "POST"])])

    def serve(self) -> Running:
        return Running(self.app)

    def bodies(self) -> list[str]:
        return [m["body"] for m in self.messages]

    # --- the API -------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return (request.headers.get("authorization") == f"Basic {expected}"
                and request.path_params["sid"] == self.account_sid)  # fmt: skip

    async def endpoint(self, request: Request) -> Response:
        if not self._authorised(request):
            return error(401, 20003, "Authenticate")
        if request.method == "GET":
            if self.on_list:
                self.on_list()
            return self._list(request)
        with self.lock:
            self.requests += 1
        await asyncio.sleep(self.script.latency)
        behaviour = self.script.next()
        if behaviour == "hang":
            await asyncio.sleep(self.script.hang)
            return error(503, 20503, "Service Unavailable")
        if behaviour == "drop":
            await self.script.wait_released()
            return error(503, 20503, "Service Unavailable")
        if isinstance(behaviour, tuple) and behaviour[0] == "429":
            return error(429, 20429, "Too Many Requests", {"Retry-After": str(behaviour[1])})
        if isinstance(behaviour, tuple) and behaviour[0] == "status":
            return error(behaviour[1], 20500, "Internal Server Error")
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return error(400, 20001, "Request body must be form-encoded")
        try:
            raw = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True,
                           strict_parsing=True, errors="strict")  # fmt: skip
        except (UnicodeDecodeError, ValueError):
            return error(400, 20001, "Malformed request body")
        if any(len(v) != 1 for v in raw.values()):
            return error(400, 20001, "A field was given more than once")
        form = {k: v[0] for k, v in raw.items()}
        refusal = self._refusal(form)
        if refusal:
            return refusal
        message = self._take(form)
        if behaviour == "hold":
            await self.script.wait_released()
        return JSONResponse(message, 201)

    def _refusal(self, form: dict[str, str]) -> Response | None:
        to = form.get("To", "")
        if not to:
            return error(400, 21604, "A 'To' phone number is required.")
        if not E164.fullmatch(to) or to in self.invalid:
            return error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not form.get("Body"):
            return error(400, 21602, "Message body is required.")
        if len(form["Body"]) > 1600:
            return error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
        callback = form.get("StatusCallback", "")
        if callback and not re.match(r"https?://", callback):
            return error(400, 21609, "Invalid StatusCallback URL")
        return None

    def _take(self, form: dict[str, str]) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC).replace(microsecond=0))
        sid = "SM" + secrets.token_hex(16)
        message = {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"],
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"], "status": "queued", "direction": "outbound-api",
            "date_created": now, "date_updated": now, "date_sent": None, "num_segments": "1",
            "error_code": None, "error_message": None, "price": None, "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "status_callback": form.get("StatusCallback"),  # kept here, not in Twilio's JSON
        }  # fmt: skip
        with self.lock:
            self.messages.append(message)
        return {k: v for k, v in message.items() if k != "status_callback"}

    def _list(self, request: Request) -> Response:
        q = request.query_params
        size, page = min(int(q.get("PageSize", "50")), 1000), int(q.get("Page", "0"))
        since = date.fromisoformat(q["DateSent>"]) if "DateSent>" in q else None

        def listed(m: dict[str, Any]) -> bool:  # a message not sent yet has no date_sent
            sent = m["date_sent"] and _day(m["date_sent"])
            return m["to"] == q.get("To", m["to"]) and (
                since is None or bool(sent and sent >= since)
            )

        with self.lock:  # newest first
            found = [m for m in reversed(self.messages) if listed(m)]
        chunk = found[page * size : (page + 1) * size]
        path = request.url.path
        keep = {k: v for k, v in q.items() if k not in ("Page", "PageSize")}

        def uri(n: int) -> str:
            return f"{path}?{urlencode({**keep, 'PageSize': size, 'Page': n})}"

        more = (page + 1) * size < len(found)
        return JSONResponse({
            "messages": [{k: v for k, v in m.items() if k != "status_callback"} for m in chunk],
            "page": page, "page_size": size, "uri": uri(page), "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if more else None,
            "previous_page_uri": uri(page - 1) if page else None,
        })  # fmt: skip

    # --- calling back ------------------------------------------------------------------

    def signed_post(self, url: str, form: dict[str, str]) -> httpx.Response:
        """POST `form` to `url` as Twilio does, signed with X-Twilio-Signature."""
        headers = {"X-Twilio-Signature": signature(self.auth_token, url, form),
                   "User-Agent": "TwilioProxy/1.1"}  # fmt: skip
        return httpx.post(url, data=form, headers=headers, timeout=10)

    def status_callback(self, sid: str, status: str, error_code: str = "") -> httpx.Response:
        """Report a message's MessageStatus ("delivered", "undelivered", ...) to the
        StatusCallback it was sent with."""
        message = next(m for m in self.messages if m["sid"] == sid)
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid,
                "From": message["from"] or "", "To": message["to"], "MessageStatus": status,
                "SmsStatus": status, "ApiVersion": "2010-04-01"}  # fmt: skip
        if error_code:
            form["ErrorCode"] = error_code
        return self.signed_post(message["status_callback"], form)

    def inbound(
        self, url: str, sender: str, body: str, to: str = "+4759440000", opt_out: str = ""
    ) -> httpx.Response:
        """A customer's message to `to`, delivered to the webhook `url`."""
        sid = "SM" + secrets.token_hex(16)
        form = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid,
                "AccountSid": self.account_sid, "From": sender, "To": to, "Body": body,
                "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}  # fmt: skip
        if opt_out:
            form["OptOutType"] = opt_out
        return self.signed_post(url, form)


def _day(rfc2822: str) -> date:
    return parsedate_to_datetime(rfc2822).date()
