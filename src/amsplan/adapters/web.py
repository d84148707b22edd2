"""The HTTP side of `amsplan serve`: a Starlette app that turns a provider's callback
into a base.Request for the handler the CLI wires in, and its answer into a response.

POST (or GET) /sms/{provider}/status and /sms/{provider}/inbound; GET /health; a task
that retries stored callbacks every minute. A body
larger than max_body is refused with 413 while it is read (Content-Length is not
trusted). Form bodies are decoded in their charset (UTF-8 when none is given, and
ISO-8859-1 when that is not valid UTF-8). No body, form value or query string is ever
logged: a query may carry a token, a body a customer's text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Protocol
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from amsplan.adapters.sms.base import CALLBACK_ROUTE, Answer, Request

log = logging.getLogger("amsplan.serve")


class Handled(Protocol):
    """What the handler answers: an HTTP status and the provider's answer."""

    @property
    def status(self) -> int: ...

    @property
    def answer(self) -> Answer: ...


Handler = Callable[[str, str, Request], Handled]


class TooLarge(Exception):
    pass


def make_app(
    handle: Handler, health: Callable[[], None], max_body: int, callback_url: str = "",
    pending: Callable[[], object] | None = None, every: float = 60.0,
) -> Starlette:  # fmt: skip
    """The app: `handle(provider, kind, request)` stores and applies a callback (it runs
    in a worker thread: the database is used synchronously), `health()` raises unless
    the database answers; callback_url is the public base URL providers call (the URL
    their signatures cover), else the URL the request reached us on. `pending()`, when
    given, runs every `every` seconds while the app runs (callbacks stored but not
    applied are tried again)."""

    async def repeat(work: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await run_in_threadpool(work)
            except Exception as err:  # noqa: BLE001 - the next round tries again
                log.error("applying stored callbacks failed: %s", type(err).__name__)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(repeat(pending)) if pending is not None else None
        yield
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def callback(http: HttpRequest) -> Response:
        provider, kind = http.path_params["provider"], http.path_params["kind"]
        try:
            body = await _body(http, max_body)
        except TooLarge:
            return _done(http, PlainTextResponse("too large", 413))
        try:
            form = _form(body, http.headers.get("content-type", ""))
            query = _pairs(http.url.query.encode("latin-1"), None)
        except UnicodeDecodeError:
            return _done(http, PlainTextResponse("malformed: not decodable", 400))
        request = Request(
            method=http.method, url=_public_url(http, callback_url),
            headers={k.lower(): v for k, v in http.headers.items()}, query=query, form=form,
            body=body,
        )  # fmt: skip
        try:
            result = await run_in_threadpool(handle, provider, kind, request)
        except Exception as err:  # noqa: BLE001 - never a traceback with a customer's text
            log.error("%s %s failed: %s", http.method, http.url.path, type(err).__name__)
            return _done(http, PlainTextResponse("error", 500))
        answer = result.answer
        response = Response(answer.body, result.status, answer.extra, answer.content_type)
        return _done(http, response)

    async def healthy(http: HttpRequest) -> Response:
        try:
            await run_in_threadpool(health)
        except Exception as err:  # noqa: BLE001
            log.error("health check failed: %s", type(err).__name__)
            return PlainTextResponse("database unavailable", 503)
        return PlainTextResponse("ok")

    routes = [
        Route(CALLBACK_ROUTE, callback, methods=["GET", "POST"]),
        Route("/health", healthy, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _done(http: HttpRequest, response: Response) -> Response:
    """The access log line: method, path and status, never the query or the body."""
    log.info("%s %s %d", http.method, http.url.path, response.status_code)
    return response


async def _body(http: HttpRequest, limit: int) -> bytes:
    """The request body, read in pieces and refused as soon as it passes `limit`."""
    declared = http.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in http.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a form body (empty for any other body)."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "application/x-www-form-urlencoded":
        return {}
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return _pairs(body, charset)


def _pairs(raw: bytes, charset: str | None) -> dict[str, str]:
    """Decoded name=value pairs (the last of a repeated name wins): in `charset`, or
    UTF-8 and, when that fails, ISO-8859-1. An unknown charset: UnicodeDecodeError."""
    for encoding in [charset] if charset else ["utf-8", "iso-8859-1"]:
        try:
            text = raw.decode(encoding)
            return dict(parse_qsl(text, keep_blank_values=True, encoding=encoding,
                                  errors="strict"))  # fmt: skip
        except UnicodeDecodeError:
            continue
        except LookupError:
            break
    raise UnicodeDecodeError(charset or "utf-8", raw, 0, len(raw), "not decodable")


def _public_url(http: HttpRequest, callback_url: str) -> str:
    """The URL the provider called: the public base URL + our path and query as they
    came (behind a reverse proxy the Host we see is not the one the provider used)."""
    if not callback_url:
        return str(http.url)
    query = http.url.query
    return callback_url.rstrip("/") + http.url.path + (f"?{query}" if query else "")
