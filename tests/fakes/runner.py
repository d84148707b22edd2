"""Serve an ASGI app with uvicorn in a thread on 127.0.0.1 at a free port.

Starlette + uvicorn are what `amsplan serve` runs on already: a fake provider is a real
HTTP server (a real socket, real timeouts) with no further test dependency.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn


class Running:
    """A started server; `url` is its base URL. Use as a context manager."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                lifespan="off", timeout_keep_alive=30,
                                timeout_graceful_shutdown=1)  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the fake provider did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Script:
    """How a fake answers its next send requests: each call to `next()` takes the next
    planned behaviour ("ok" once the plan is used up). Behaviours: "ok"; ("status", code)
    an HTTP error; ("429", seconds) with Retry-After; "hang": no answer for `hang`
    seconds, message not taken; "hold": take the message, then answer only when
    `release` is set; "drop": hold without taking it."""

    plan: deque[Any] = field(default_factory=deque)
    latency: float = 0.0  # seconds before every answer
    hang: float = 30.0
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)  # a request is held
    lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *behaviours: Any) -> Script:
        self.plan.extend(behaviours)
        return self

    def next(self) -> Any:
        with self.lock:
            return self.plan.popleft() if self.plan else "ok"

    async def wait_released(self) -> None:
        self.held.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
