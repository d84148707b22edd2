"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

The tests send through amsplan's own SMTP client and parse what arrived. The server can
be told to refuse a recipient (`refuse`), to ask for a login (`users`), to refuse the
data with a code (`refuse_data`), or to never answer the end of the data (`hang_data`:
the client times out while the server has the message — the case where amsplan cannot
know whether it went).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Behaviour:
    refuse: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 no such user"
    refuse_data: str | None = None  # e.g. "452 4.3.1 insufficient storage"
    hang_data: float = 0.0  # seconds to sit on the end of the data before answering
    users: dict[str, str] = field(default_factory=dict)  # login -> password (empty: no AUTH)


class _Handler:
    def __init__(self, behaviour: Behaviour, received: list[Received]) -> None:
        self.behaviour = behaviour
        self.received = received
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:  # fmt: skip
        refusal = self.behaviour.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.behaviour.hang_data:
            import asyncio

            with self.lock:  # it is taken, but the client never hears so
                self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                              bytes(envelope.content)))  # fmt: skip
            await asyncio.sleep(self.behaviour.hang_data)
            return "250 OK"
        if self.behaviour.refuse_data:
            return self.behaviour.refuse_data
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.content)))  # fmt: skip
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """A started server (context manager): `port`, `received`, `behaviour`."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.received: list[Received] = []
        self.port = free_port()

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         data: Any) -> AuthResult:  # fmt: skip
            ok = (
                isinstance(data, LoginPassword)
                and self.behaviour.users.get(data.login.decode()) == data.password.decode()
            )
            return AuthResult(success=ok, handled=False)  # fmt: skip

        options: dict[str, Any] = {}
        if self.behaviour.users:
            options = {"authenticator": authenticate, "auth_require_tls": False}
        self.controller = Controller(_Handler(self.behaviour, self.received),
                                     hostname="127.0.0.1", port=self.port,
                                     **options)  # fmt: skip

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.received)

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The [email] settings that send here (security none: plain SMTP on 127.0.0.1)."""
        return {"transport": "smtp", "host": "127.0.0.1", "port": self.port,
                "security": "none", "from": "Nettselskapet AS <post@nett.example>",
                **extra}  # fmt: skip
