"""The follow-up list's rules: why an order needs a person, in words, and which of its
open reasons are shown (pure; the service reads the orders and their open flags)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from amsplan.domain import followups
from amsplan.domain.followups import FollowupKind
from amsplan.domain.statuses import Status
from amsplan.i18n import _


@dataclass(frozen=True)
class Flag:
    """One open reason of an order (newest first when read)."""

    kind: str
    reason: str


@dataclass(frozen=True)
class Why:
    kind: str  # the main reason's kind
    reason: str  # the main reason, then "; also: ..." the others
    kinds: list[str]  # every open reason's kind, most important first


def open_reasons(flags: Iterable[Flag]) -> list[Flag]:
    """An order's open reasons, most important first (newest first within a kind, as
    given), one per kind and reason."""
    unique: dict[tuple[str, str], Flag] = {}
    for flag in sorted(flags, key=lambda f: followups.rank(f.kind)):  # stable
        unique.setdefault((flag.kind, flag.reason), flag)
    return list(unique.values())


def why(
    status: Status,
    hold_until: date | None,
    kind: str | None,
    reason: str | None,
    cancelled: bool,
    flags: list[Flag],
) -> Why:
    """Why the order is on the follow-up list: a hold date passed, rejected upstream, or
    its summary follow-up reason; the other open reasons appended."""
    if status is Status.ON_HOLD:
        main = FollowupKind.HOLD_PASSED.value
        text = _("hold date {day} has passed").format(day=f"{hold_until:%d.%m.%Y}")
        reason = text
    elif status is Status.REJECTED_QUANT:
        main, text = FollowupKind.REJECTED.value, reason or FollowupKind.REJECTED.text
    else:
        main = kind or FollowupKind.MANUAL.value
        text = reason or FollowupKind(main).text
    others = [f for f in flags if (f.kind, f.reason) not in {(main, reason or ""), (main, text)}]
    if others:
        also = "; ".join(_described(f) for f in others)
        text = _("{reason}; also: {others}").format(reason=text, others=also)
    if cancelled and main != FollowupKind.CANCELLED:
        text = _("cancelled; {reason}").format(reason=text)
    return Why(main, text, list(dict.fromkeys([main, *(f.kind for f in others)])))


def _described(flag: Flag) -> str:
    """One more open reason as a planner reads it: what was recorded with it, else its
    kind's text (never the kind's key)."""
    if flag.reason:
        return flag.reason
    return FollowupKind(flag.kind).text if flag.kind in KINDS else flag.kind


KINDS = frozenset(k.value for k in FollowupKind)
