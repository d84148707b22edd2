"""What every HTTP provider does alike: a request whose transport errors become Retry,
an answer whose status becomes Rejected or Retry, and error texts with no number in them.

A request that timed out after it was sent, whose connection broke on the way back, or
that a gateway answered 502/504 for (the provider behind it may have got it), may have
reached the provider: it raises `Unanswered` (a Retry), and the dispatcher never sends
that message again blindly: it looks it up, now or in a later run.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from amsplan.adapters.sms.base import Rejected, Retry
from amsplan.errors import ConfigError

_NUMBERS = re.compile(r"\+?\d[\d ]{5,}\d")


class Unanswered(Retry):
    """The request went out but no answer came back: the provider may have it."""


def scrub(text: str, *numbers: str, limit: int = 160) -> str:
    """A provider's error text fit for a log and a comment: `numbers` (the recipient as
    it was sent) and anything else that looks like a phone number (seven or more digits)
    blanked, one line, at most `limit` characters."""
    text = str(text)
    for known in sorted(filter(None, numbers), key=len, reverse=True):
        text = text.replace(known, "[number]")
    clean = " ".join(_NUMBERS.sub("[number]", text).split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Make the request; transport failures become Retry (or Unanswered when the
    provider may have received it)."""
    try:
        return client.request(method, url, **kwargs)
    except (httpx.ConnectTimeout, httpx.PoolTimeout):
        raise Retry("timed out connecting to the provider") from None
    except httpx.TimeoutException:
        raise Unanswered("no answer from the provider within the timeout") from None
    except httpx.ConnectError:
        raise Retry("could not connect to the provider") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError):
        # Nothing left this machine: the provider's address is wrong.
        raise ConfigError("the SMS provider's base_url is not a usable address") from None
    except httpx.TransportError as e:
        raise Unanswered(f"the connection to the provider broke ({type(e).__name__})") from None


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a 429 or 503 asks us to wait (Retry-After in seconds), if it says."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: rare; the backoff decides
        return None


def raise_for(response: httpx.Response, name: str, error: str) -> None:
    """Rejected for a 4xx other than 429, Unanswered for 502 and 504 (a gateway lost
    the provider's answer), Retry for 429 and other 5xx (`error`: the provider's own
    error code and words, already scrubbed)."""
    status = response.status_code
    if status in (502, 504):
        raise Unanswered(f"{name} HTTP {status}, the provider's answer lost on the way")
    if status == 429 or status >= 500:
        raise Retry(f"{name} HTTP {status}{': ' + error if error else ''}", retry_after(response))
    if status >= 400:
        raise Rejected(f"{name} HTTP {status}{': ' + error if error else ''}")


def json_of(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
