"""The interface every SMS provider implements, and the plain values it speaks.

A provider sends one message (`send`), may look a message up after a crash
(`find`), checks that a callback really comes from it (`verify`), and reads the
callbacks it makes: delivery reports (`delivery_reports`) and customers' messages
(`inbound`), and the rows of its own file of delivery reports (`receipt`). It never
touches the database and never logs: no secret and no customer text leaves it except in
the request to the provider.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

import httpx

from amsplan.config import Settings
from amsplan.domain.states import Delivery
from amsplan.errors import ConfigError

# Where `amsplan serve` takes a provider's callbacks (kind: "status" or "inbound"); the
# status callback URL sent with each message is built from the same pattern.
CALLBACK_ROUTE = "/sms/{provider}/{kind}"


def callback_url(base: str, provider: str, kind: str) -> str:
    """The public URL of a provider's callbacks of `kind` under `base` ([sms] callback_url)."""
    return base.rstrip("/") + CALLBACK_ROUTE.format(provider=provider, kind=kind)


@dataclass(frozen=True)
class Outgoing:
    reference: str  # amsplan's unique reference of this message (Sms.reference)
    to: str  # E.164, "+4791234567"
    text: str
    status_callback: str | None = None  # where the provider reports delivery, if asked


@dataclass(frozen=True)
class Accepted:
    provider_id: str  # the provider's id of the message


class Rejected(Exception):
    """The provider refused the message for good (4xx other than 429): do not retry.
    The text names the provider's error, never the message or the number."""


class Retry(Exception):
    """Try again later (429, 5xx, timeout, connection refused)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after  # seconds the provider asked us to wait (Retry-After)


class FieldError(ValueError):
    """A row of a provider's file that cannot be read: the column and what is wrong
    (never the value: it may be a customer's number)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class CannotLookUp(Exception):
    """The provider offers no way to find a message by what amsplan knows of it."""


@dataclass(frozen=True)
class Request:
    """An HTTP request a provider made to `amsplan serve`, as the provider reads it."""

    method: str
    url: str  # the full public URL the provider called (scheme and host as it saw them)
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    form: Mapping[str, str]  # the body's form fields (empty for other bodies)
    body: bytes = b""


@dataclass(frozen=True)
class DeliveryReport:
    provider_message_id: str
    delivery: Delivery
    raw_state: str  # the provider's own word ("undelivered", "false")
    reference: str | None = None  # amsplan's reference, when the provider echoes it
    error: str = ""  # the provider's error code and text
    at: datetime | None = None  # when it happened, when the provider says


@dataclass(frozen=True)
class InboundSms:
    provider_message_id: str
    sender: str  # as the provider wrote it
    text: str
    to: str = ""
    received: datetime | None = None  # when the provider says; else when it reached us
    opt_out: str | None = None  # the provider's own opt-out flag (Twilio OptOutType)
    # For a provider that sends no message id (provider_message_id ""): the pushed
    # fields that make the message, from which amsplan makes its id with the sender and
    # when it arrived (domain.callbacks.pushed_id). Never stored or logged.
    content_key: str = ""


@dataclass(frozen=True)
class Answer:
    """What to answer a provider's callback with once it is stored."""

    content_type: str = "text/plain"
    body: bytes = b""
    extra: dict[str, str] = field(default_factory=dict)


class Configured:
    """What every provider module starts from: its settings ([sms.<name>] and the
    environment) and its base URL (configurable, so tests point it at a local server)."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def option(self, key: str, default: str | None = None) -> str:
        return self.settings.sms_option(self.name, key, default)

    @property
    def base_url(self) -> str:
        url = self.option("base_url", self.default_base_url).rstrip("/")
        if not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", url):
            raise ConfigError(f"[sms.{self.name}] base_url must be an http(s):// address")
        return url


class Provider(Protocol):
    name: ClassVar[str]
    # The columns of the provider's file of delivery reports (`sms receipts`): the names
    # receipt() reads -> the headers they may have, the first two required.
    receipt_columns: ClassVar[dict[str, list[str]]]

    def send(self, client: httpx.Client, message: Outgoing) -> Accepted:
        """Send one message; Rejected or Retry when it was not accepted."""
        ...

    def find(self, client: httpx.Client, message: Outgoing, since: datetime) -> Accepted | None:
        """The provider's record of a message sent with this reference since `since`
        (None: the provider has no such message); CannotLookUp if it cannot tell."""
        ...

    def verify(self, request: Request) -> bool:
        """True when the callback is signed by (or carries the secret of) this provider."""
        ...

    def delivery_reports(self, request: Request) -> list[DeliveryReport]:
        """The delivery reports in a status callback (ValueError: malformed)."""
        ...

    def inbound(self, request: Request) -> list[InboundSms]:
        """The customers' messages in an inbound callback (ValueError: malformed)."""
        ...

    def answer(self, kind: str) -> Answer:
        """The body to answer a stored callback of `kind` ("status", "inbound") with."""
        ...

    def receipt(self, record: Mapping[str, str]) -> DeliveryReport | None:
        """One row of the provider's delivery reports file (keys of receipt_columns) as
        the report its status callback would be; None for a row that is no report (an
        inbound message in an export); FieldError when it cannot be read."""
        ...
