"""Replies by e-mail: the customer's own words, automatic answers, and where a code may
come from (pure; the mail itself is read by adapters.mailin).

The answer is the customer's own new text (:func:`own_text`): what they typed, without
the earlier messages their mail client quotes below (or around) it and without their
signature. Lines starting with ">" are quoted wherever they are, so an inline or
bottom-posted answer (new text below "> " lines) keeps its own lines. Everything from
the first quote header on is quoted: an attribution line ("Den tir. 1. apr. 2026 kl.
10:00 skrev Netteier AS <booking@nett.no>:", "1. apr. 2026 kl. 10:00 skrev ...:", "Den
01.04.2026 10:00, Netteier AS skrev:", "On Tue, 1 Apr 2026 at 10:00, ... wrote:",
also wrapped over two lines; an attribution followed by "> " lines only marks the
start of those lines), Outlook's "-----Opprinnelig melding-----" / "-----Original
Message-----" (any "----- words -----" line), Outlook's header block ("Fra:"/"From:"
with "Sendt:"/"Sent:"/"Date:" and "Emne:"/"Subject:" within the next lines), and
Outlook on the web's "________________________________" line. A signature is not the
answer: the lines after "-- " and the phone's one-liners ("Sendt fra min iPhone",
"Sent from my iPhone", "Hentet fra Outlook for Android", "Get Outlook for iOS", ...).

Where the booking code may come from, in this order: the customer's own text, else
the subject, else the booking e-mail the message answers (its In-Reply-To/References
name a booking e-mail amsplan sent, `email_message.message_id`), else the quoted text.
A code found anywhere but the own text is *echoed*: our own words coming back. It links
the reply to the code's order, but it confirms only when the sender's address is the
order's e-mail address (case-insensitive); from any other address the reply goes to
manual follow-up like any other text. The answer is always the own text (with the code
cut out when the code was in it), and only exactly the configured confirming word
confirms (domain.replies.is_confirmation). So a reply whose quoted part holds another
customer's code never confirms that order, and nothing in quoted text ever confirms.

Automatic answers (:func:`is_auto_reply`: out of office and the like) and delivery
status notifications (bounces) are stored and never count as the customer's answer
(:func:`kind`; what they do: domain.replies.decide_auto_reply and decide_bounce).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

# Lines longer than this are never a quote header or a signature line (and are not
# examined as one: the text may be megabytes long).
_HEADER_MAX = 500
# How many lines after "Fra:"/"From:" Outlook's header block may hold its other fields.
_BLOCK_LINES = 6

_QUOTE_WORD = re.compile(r"\b(?:skrev|wrote|schrieb|a écrit)\b", re.IGNORECASE)
# How a date starts an attribution ("Den tir. 1. apr.", "On Tue,", "Am Di.,", "1. apr.").
_DATE_START = re.compile(r"(?:den|on|am|le|el|op)\s|\d", re.IGNORECASE)
_BLOCK_FROM = re.compile(r"\*?(?:fra|from|från|von|de|van)\s*:", re.IGNORECASE)
_BLOCK_SENT = re.compile(
    r"\*?(?:sendt|sent|skickat|gesendet|envoyé|dato|date|datum)\s*:", re.IGNORECASE
)
_BLOCK_SUBJECT = re.compile(r"\*?(?:emne|subject|ämne|betreff|objet|onderwerp)\s*:", re.I)
_PHONE_SIGNATURE = re.compile(
    r"(?:(?:sendt|sent|skickat|skickad|hentet|envoyé|enviado)\s+(?:fra|from|från|de|via)\s"
    r".{1,60}|get outlook for \w+|von meinem .{1,40} gesendet)",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITERS = ("-- ", "--")


def _quoted(line: str) -> bool:
    return line.lstrip(" \t").startswith(">")


def _attribution(text: str) -> tuple[bool, bool]:
    """(is `text` an attribution line ending with ":" and naming who wrote, is it a strong
    one: it starts like a date or names an address after the verb)."""
    text = text.strip()
    if not text.endswith(":"):
        return False, False
    verb = _QUOTE_WORD.search(text)
    if verb is None:
        return False, False
    strong = _DATE_START.match(text) is not None or "@" in text[verb.end() :]
    bare = text[: verb.start()].strip() != "" and not text[verb.end() : -1].strip()
    return strong or bare, strong


def _separator(line: str) -> bool:
    """Outlook's "-----Opprinnelig melding-----", Gmail's "---------- Forwarded message
    ---------", Outlook on the web's "________________________________"."""
    if len(line) >= 20 and not line.strip("_"):
        return True
    words = line.strip("-").strip()
    return line.startswith("---") and line.endswith("---") and any(c.isalpha() for c in words)


def _header_at(lines: list[str], i: int) -> tuple[int, bool]:
    """(lines the quote header at line i spans, 0 when none; whether it is a bare
    "<name> wrote:", which only counts when "> " lines follow it)."""
    line = lines[i].strip()
    if not line or len(line) > _HEADER_MAX:
        return 0, False
    found, strong = _attribution(line)
    if found:
        return 1, not strong
    if i + 1 < len(lines) and _DATE_START.match(line):  # a date attribution on two lines
        nxt = lines[i + 1].strip()
        if nxt and len(nxt) <= _HEADER_MAX and _attribution(f"{line} {nxt}")[1]:
            return 2, False
    if _separator(line):
        return 1, False
    if _BLOCK_FROM.match(line):
        after = [s.strip() for s in lines[i + 1 : i + 1 + _BLOCK_LINES]]
        if any(_BLOCK_SENT.match(s) for s in after) and any(_BLOCK_SUBJECT.match(s) for s in after):
            return 1, False
    return 0, False


def _next_quoted(lines: list[str], start: int) -> bool:
    """Is the first non-blank line from `start` on a "> " line?"""
    for line in lines[start : start + 3]:
        if line.strip():
            return _quoted(line)
    return False


def own_text(body: str) -> tuple[str, str]:
    """(the customer's own new text, the rest: quoted earlier messages and signature).

    Never raises; linear in the length of the body (a line is examined as a possible
    header only when it is short, and an Outlook block is looked for a few lines ahead).
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    own: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _quoted(line):
            rest.append(line)
            i += 1
            continue
        span, bare = _header_at(lines, i)
        if span and _next_quoted(lines, i + span):
            rest.extend(lines[i : i + span])  # it only introduces the "> " lines
            i += span
            continue
        if (span and not bare) or line in _SIGNATURE_DELIMITERS:
            rest.extend(lines[i:])
            break
        stripped = line.strip()
        if len(stripped) <= 100 and _PHONE_SIGNATURE.fullmatch(stripped):
            rest.append(line)
        else:
            own.append(line.rstrip())
        i += 1
    return "\n".join(own).strip(), "\n".join(rest)


# --- automatic answers ---------------------------------------------------------------------

# The headers is_auto_reply reads (lower case): what adapters.mailin keeps of a mail's.
AUTO_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "precedence", "x-autogenerated")

# Out-of-office subjects: at the start of the subject (after any "Re:"/"SV:"), ...
_AUTO_PREFIXES = (
    "auto:", "autosvar", "automatisk svar", "automatiskt svar", "automatic reply",
    "autoreply", "auto-reply", "auto reply", "automatische antwort", "abwesenheit",
    "abwesend", "fraværsmelding", "fraværende", "frånvaro", "fraværsbesked",
    "ikke på kontoret", "ikke til stede", "inte på kontoret", "out of office",
    "out of the office", "ooo:", "away from the office",
)  # fmt: skip
# ... or anywhere in it.
_AUTO_ANYWHERE = (
    "out of office", "fraværsmelding", "frånvaromeddelande", "abwesenheitsnotiz",
    "automatic reply", "automatisk svar", "automatiskt svar", "autosvar", "autoreply",
    "auto-reply", "automatische antwort", "ikke på kontoret",
)  # fmt: skip
_REPLY_PREFIX = re.compile(r"(?:\s*(?:re|sv|aw|vs|antw|fw|fwd|vb)\s*:)+\s*", re.IGNORECASE)


def is_auto_reply(headers: Mapping[str, str], subject: str) -> bool:
    """An automatic answer, not a person's: Auto-Submitted present and not "no" (RFC
    3834), X-Autoreply, X-Autorespond, X-Autogenerated: Reply, Precedence: auto_reply, or
    an out-of-office subject (Norwegian, Swedish, Danish, English, German)."""
    found = {name.lower(): value.strip().lower() for name, value in headers.items()}
    if found.get("auto-submitted", "no") != "no":
        return True
    if "x-autoreply" in found or "x-autorespond" in found:
        return True
    if found.get("x-autogenerated") == "reply" or found.get("precedence") == "auto_reply":
        return True
    lowered = subject.strip().lower()
    prefix = _REPLY_PREFIX.match(lowered)
    bare = lowered[prefix.end() :] if prefix else lowered
    return bare.startswith(_AUTO_PREFIXES) or any(p in lowered for p in _AUTO_ANYWHERE)


class MailKind(StrEnum):
    """What a message in the replies mailbox is."""

    REPLY = "reply"  # a person's answer
    AUTO_REPLY = "auto_reply"  # an automatic answer (out of office, a delayed-delivery note)
    BOUNCE = "bounce"  # a delivery status notification: a message did not arrive


def kind(headers: Mapping[str, str], subject: str, dsn_action: str | None) -> MailKind:
    """A delivery status notification (`dsn_action`: its Action, "" when it names none;
    None: the mail is none) is a bounce when delivery failed, else (delayed, delivered,
    relayed) an automatic answer; otherwise is_auto_reply decides."""
    if dsn_action is not None:
        return MailKind.BOUNCE if dsn_action in ("failed", "") else MailKind.AUTO_REPLY
    return MailKind.AUTO_REPLY if is_auto_reply(headers, subject) else MailKind.REPLY
