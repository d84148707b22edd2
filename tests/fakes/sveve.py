"""A fake Sveve SMS API (https://sveve.no/apidok/send) on 127.0.0.1.

POST /SMS/SendMessage with a JSON body (or form fields, or GET with a query): user and
passwd, to (a Norwegian mobile as 8 digits, others with 00), msg (UTF-8, at most 1071
characters), from (at most 11 characters), ref (at most 36), f=json. Sveve answers 200
also when it refuses: {"response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [...]}},
or "fatalError" for the whole request, or "errors": [{"number", "message"}].
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.runner import Running, Script

NUMBER = re.compile(r"[49]\d{7}|00[1-9]\d{6,14}")


class FakeSveve:
    def __init__(self, user: str = "grid", passwd: str = "sv-secret-pass"):
        self.user, self.passwd = user, passwd
        self.script = Script()
        self.messages: list[dict[str, Any]] = []  # every message taken
        self.requests = 0
        self.lock = threading.Lock()
        self._ids = itertools.count(42824112)
        self.app = Starlette(routes=[Route("/SMS/SendMessage", self.send, methods=["GET", "POST"])])

    def serve(self) -> Running:
        return Running(self.app)

    def bodies(self) -> list[str]:
        return [m["msg"] for m in self.messages]

    async def _fields(self, request: Request) -> dict[str, Any] | None:
        if request.method == "GET":
            return dict(request.query_params)
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            try:
                fields = json.loads((await request.body()).decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return None
            return fields if isinstance(fields, dict) else None
        try:  # form fields (python-multipart is not needed for these)
            return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return None

    async def send(self, request: Request) -> Response:
        with self.lock:
            self.requests += 1
        await asyncio.sleep(self.script.latency)
        behaviour = self.script.next()
        if behaviour == "hang":
            await asyncio.sleep(self.script.hang)
            return PlainTextResponse("Service Unavailable", 503)
        if behaviour == "drop":
            await self.script.wait_released()
            return PlainTextResponse("Service Unavailable", 503)
        if isinstance(behaviour, tuple) and behaviour[0] == "429":
            return PlainTextResponse("Too Many Requests", 429, {"Retry-After": str(behaviour[1])})
        if isinstance(behaviour, tuple) and behaviour[0] == "status":
            return PlainTextResponse("Internal Server Error", behaviour[1])
        fields = await self._fields(request)
        if fields is None:
            return PlainTextResponse("Bad Request", 400)
        if fields.get("f") != "json":
            return Response("<response><fatalError>use f=json</fatalError></response>", 200,
                            media_type="text/xml")  # fmt: skip
        if fields.get("user") != self.user or fields.get("passwd") != self.passwd:
            return _answer({"fatalError": "Feil brukernavn/passord"})
        to, msg = str(fields.get("to") or ""), fields.get("msg")
        if not to or not msg:
            return _answer({"fatalError": "Mangler mottaker eller meldingstekst"})
        if len(msg) > 1071 or len(str(fields.get("from", ""))) > 11:
            return _answer({"fatalError": "For lang melding eller avsender"})
        if len(str(fields.get("ref", ""))) > 36:
            return _answer({"fatalError": "For lang ref"})
        if not NUMBER.fullmatch(to):
            errors = [{"number": to, "message": f"Ugyldig nummer: {to}"}]
            return _answer({"msgOkCount": 0, "stdSMSCount": 0, "errors": errors})
        message_id = next(self._ids)
        with self.lock:
            self.messages.append({**fields, "id": message_id})
        if behaviour == "hold":
            await self.script.wait_released()
        return _answer({"msgOkCount": 1, "stdSMSCount": 1, "ids": [message_id]})


def _answer(response: dict[str, Any]) -> Response:
    return JSONResponse({"response": response})
