"""Notifications to planners: the [notify] rules, who gets a change, and the digests.

A rule (`[[notify.rule]]`) names what it is about and to whom it goes:

- `when`: transition names (the transition table, e.g. "reply_other", "cancel_started")
  and follow-up reasons written "followup:<kind>" (e.g. "followup:email_failed");
- `to`: "owner" (the order's responsible planner, through [notify.users]), "team"
  ([notify] team), user names from [notify.users], or e-mail addresses.

A change is one history row (a transition) or one follow-up flag (a reason an order
needs a person). Each recipient gets one digest with every change not yet notified to
them, oldest first. A transition that put the order in manual follow-up and the flag it
set at that moment are one event: one row (the transition's comment and the flag's
reason), both notified with it, whichever of them a rule names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from amsplan import clock
from amsplan.domain.cells import email_address, needs_smtputf8
from amsplan.domain.followups import FollowupKind
from amsplan.domain.transitions import TRANSITIONS

OWNER, TEAM, FOLLOWUP = "owner", "team", "followup:"
HISTORY, FLAG = "history", "flag"  # a change's source (notice.source)
RULE_KEYS = ("when", "to")
_SPACE = re.compile(r"\s+")

Key = tuple[str, int]  # (source, id) of a change


def address(value: str) -> str:
    """A planner's e-mail address, normalised as an order's (domain.cells.email_address:
    the domain in lower case; one written in IDNA form, "xn--...", as its letters) and
    checked without any network look-up; ValueError says what is wrong. An address with
    letters outside ASCII before the @ is refused: it needs SMTPUTF8 all the way, and a
    digest refused for it would be tried on every run (a domain outside ASCII is fine)."""
    found, problem = email_address(value)
    if problem or not found:
        raise ValueError(f"{value!r} is not an e-mail address ({problem or 'empty'})")
    if needs_smtputf8(found):
        raise ValueError(f"{value!r} has letters outside ASCII before the @ (it would need"
                         " SMTPUTF8): give an address without them")  # fmt: skip
    return found


@dataclass(frozen=True)
class Rule:
    number: int  # its place in the configuration, from 1
    when: tuple[str, ...]  # as written: transition names and "followup:<kind>"
    to: tuple[tuple[str, str], ...]  # (as written, its address; "" for "owner")

    @property
    def owner(self) -> bool:
        """The order's owner is among the recipients."""
        return any(name == OWNER for name, _ in self.to)

    @property
    def addresses(self) -> frozenset[str]:
        """Every other recipient's address."""
        return frozenset(a for _, a in self.to if a)


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...] = ()
    users: Mapping[str, str] = field(default_factory=dict)  # user name -> address

    @property
    def events(self) -> frozenset[str]:
        """Every transition name and "followup:<kind>" a rule names."""
        return frozenset(e for r in self.rules for e in r.when)

    @property
    def transitions(self) -> frozenset[str]:
        """The transitions to look at: those the rules name, and those that set a
        follow-up reason the rules name (a transition and its flag are one row)."""
        named = {e for e in self.events if not e.startswith(FOLLOWUP)}
        kinds = {k.removeprefix(FOLLOWUP) for k in self.events - named}
        return frozenset(named | {t.name for t in TRANSITIONS.values() if t.followup in kinds})

    @property
    def kinds(self) -> frozenset[FollowupKind]:
        """The follow-up reasons to look at: those the rules name, and those the rules'
        transitions set."""
        named = {
            FollowupKind(e.removeprefix(FOLLOWUP)) for e in self.events if e.startswith(FOLLOWUP)
        }
        implied = {TRANSITIONS[t].followup for t in self.transitions}
        return frozenset(named | {k for k in implied if k is not None})


def parse(raw: Iterable[Mapping[str, Any]], users: Mapping[str, str], team: str) -> Rules:
    """The [notify] rules, checked: ValueError names the rule's number and the value."""
    known = {}
    for name, value in users.items():
        try:
            known[name] = address(value)
        except ValueError as err:
            raise ValueError(f"notify.users.{name}: {err}") from None
    team_address = ""
    if team.strip():
        try:
            team_address = address(team)
        except ValueError as err:
            raise ValueError(f"notify.team: {err}") from None
    rules = tuple(_rule(n, body, known, team_address) for n, body in enumerate(raw, 1))
    return Rules(rules, known)


def _rule(number: int, body: Mapping[str, Any], users: Mapping[str, str], team: str) -> Rule:
    where = f"notify.rule {number}"
    unknown = sorted(set(body) - set(RULE_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (a rule has `when` and `to`)")
    when, to = (_names(where, key, body.get(key)) for key in RULE_KEYS)
    for event in when:
        if event.startswith(FOLLOWUP):
            if event.removeprefix(FOLLOWUP) not in {k.value for k in FollowupKind}:
                kinds = ", ".join(FOLLOWUP + k.value for k in FollowupKind)
                raise ValueError(f"{where}: unknown follow-up reason {event!r} (one of {kinds})")
        elif event not in TRANSITIONS:
            raise ValueError(f"{where}: unknown transition {event!r} (`amsplan workflow"
                             " show` lists them; follow-up reasons: followup:<kind>)")  # fmt: skip
    return Rule(number, when, tuple((name, _recipient(where, name, users, team)) for name in to))


def _recipient(where: str, name: str, users: Mapping[str, str], team: str) -> str:
    """The address of one name in a rule's `to` ("" for "owner": each order's own)."""
    if name == OWNER:
        return ""
    if name == TEAM:
        if not team:
            raise ValueError(f'{where}: "team" in `to`, but [notify] team is not set')
        return team
    if name in users:
        return users[name]
    if "@" not in name:
        raise ValueError(f'{where}: {name!r} in `to` is not "owner", "team", a user in'
                         " [notify.users] nor an e-mail address")  # fmt: skip
    try:
        return address(name)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _names(where: str, key: str, value: Any) -> tuple[str, ...]:
    """A rule's `when` or `to`: a list of names (one name alone is a list of one)."""
    if value is None:
        raise ValueError(f"{where}: `{key}` is missing")
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f'{where}: `{key}` must be a list of names, e.g. {key} = ["..."]')
    names = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not names:
        raise ValueError(f"{where}: `{key}` is empty")
    return names


@dataclass(frozen=True)
class Change:
    """A transition (source "history") or a follow-up reason set (source "flag"), with
    what a digest shows of it."""

    source: str
    id: int
    order_id: int
    at: datetime  # aware UTC
    event: str  # the transition's name, or "followup:<kind>"
    order_no: str
    customer: str
    owner: str | None
    actor: str
    reason: str  # the transition's comment, or the flag's reason

    @property
    def key(self) -> Key:
        return (self.source, self.id)

    @property
    def label(self) -> str:
        """What happened, as a digest names it: the transition's label, or the reason's text."""
        if self.event.startswith(FOLLOWUP):
            return FollowupKind(self.event.removeprefix(FOLLOWUP)).text
        return TRANSITIONS[self.event].label


def flag_event(kind: str) -> str:
    return FOLLOWUP + str(kind)


@dataclass(frozen=True)
class Recipients:
    addresses: frozenset[str]
    unaddressed: str | None = None  # the owner ("" none) a rule names but who has no address


def recipients(rules: Rules, change: Change) -> Recipients:
    """Who gets this change: every rule about its event, its recipients resolved."""
    found: set[str] = set()
    unaddressed = None
    for rule in rules.rules:
        if change.event not in rule.when:
            continue
        found.update(rule.addresses)
        if rule.owner:
            owner_address = rules.users.get(change.owner or "")
            if owner_address:
                found.add(owner_address)
            else:
                unaddressed = change.owner or ""
    return Recipients(frozenset(found), unaddressed)


@dataclass(frozen=True)
class Row:
    """One line of a digest: a change, and the changes it notifies (with a transition,
    the flag it set; with a flag, the transition that set it)."""

    change: Change
    reason: str  # the transition's comment and the flag's reason, on one line
    claims: tuple[Key, ...]


@dataclass
class Digest:
    recipient: str
    rows: list[Row] = field(default_factory=list)

    @property
    def claims(self) -> list[Key]:
        return [key for row in self.rows for key in row.claims]


@dataclass
class Plan:
    digests: list[Digest]  # by recipient
    # owner ("" none) -> the changes a rule sends the owner, who has no address
    unaddressed: dict[str, list[Change]]

    @property
    def markers(self) -> dict[str, list[Key]]:
        """Marker recipient -> the changes an owner without an address would have got:
        recorded, so that each is reported once."""
        return {unaddressed_marker(owner): [c.key for c in changes]
                for owner, changes in self.unaddressed.items()}  # fmt: skip


def unaddressed_marker(owner: str) -> str:
    """The recipient a change is recorded under when its owner has no address: reported
    once; once the owner has an address, a change still in the horizon goes to it."""
    return f"{OWNER}:{owner}"


def plan(rules: Rules, changes: Iterable[Change], notified: set[tuple[str, int, str]]) -> Plan:
    """The digests: each recipient's changes not in `notified` ((source, id, recipient)),
    oldest first. `changes`: the history rows of `rules.transitions` and the flags of
    `rules.kinds` (a change no rule names only completes its partner's row)."""
    changes = sorted(changes, key=lambda c: (c.at, c.source != HISTORY, c.id))
    partners = _partners(changes)
    digests: dict[str, Digest] = {}
    unaddressed: dict[str, list[Change]] = {}
    shown: dict[str, set[Key]] = {}  # recipient -> changes already in a row of this plan
    for change in changes:
        who = recipients(rules, change)
        if who.unaddressed is not None:
            marker = unaddressed_marker(who.unaddressed)
            if (*change.key, marker) not in notified:
                unaddressed.setdefault(who.unaddressed, []).append(change)
        partner = partners.get(change.key)
        for recipient in sorted(who.addresses):
            done = shown.setdefault(recipient, set())
            if (*change.key, recipient) in notified or change.key in done:
                continue
            claims: tuple[Key, ...] = (change.key,)
            if partner is not None and (*partner.key, recipient) not in notified:
                claims += (partner.key,)
            done.update(claims)
            pair = sorted(
                (change, partner) if partner else (change,), key=lambda c: c.source != HISTORY
            )  # the comment, then the reason
            reason = _joined([one_line(c.reason) for c in pair])
            digests.setdefault(recipient, Digest(recipient)).rows.append(
                Row(change, reason, claims)
            )
    return Plan([digests[r] for r in sorted(digests)], unaddressed)


def _partners(changes: list[Change]) -> dict[Key, Change]:
    """A transition into manual follow-up and the flag it set at the same moment, each
    keyed to the other."""
    flags = {(c.order_id, c.at, c.event): c for c in changes if c.source == FLAG}
    partners: dict[Key, Change] = {}
    for change in changes:
        kind = TRANSITIONS[change.event].followup if change.source == HISTORY else None
        flag = flags.get((change.order_id, change.at, flag_event(kind))) if kind else None
        if flag is not None:
            partners[change.key], partners[flag.key] = flag, change
    return partners


def _joined(texts: list[str]) -> str:
    """The transition's comment and the flag's reason on one line, each said once: a text
    whose detail (after its first ": ") an earlier one already holds is left out ("Booking
    e-mail could not be delivered: bounced: 550 …" holds "e-mail bounced: 550 …")."""
    kept: list[str] = []
    for text in texts:
        if text and not any(text.split(": ", 1)[-1] in before for before in kept):
            kept.append(text)
    return " – ".join(kept)


def one_line(text: str) -> str:
    """Text for one cell of a table: whitespace (line breaks, tabs, control characters)
    as single spaces."""
    return _SPACE.sub(" ", "".join(c if c.isprintable() else " " for c in text)).strip()


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """A change's time as the planner reads it: "01.04.2026 08:03" (local, DST-correct)."""
    return f"{clock.to_local(moment, tz):%d.%m.%Y %H:%M}"


def since(changes: Iterable[Change], now: datetime, tz: ZoneInfo) -> str:
    """The oldest change's local time for a subject: "08:03" today, else "31.03. 16:40"."""
    oldest = clock.to_local(min(c.at for c in changes), tz)
    today = clock.to_local(now, tz).date()
    return f"{oldest:%H:%M}" if oldest.date() == today else f"{oldest:%d.%m. %H:%M}"
