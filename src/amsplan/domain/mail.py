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

_SPACE = r"[^\S\n]"  # whitespace within one line
_VERB = r"\b(?:skrev|wrote|schrieb|a\ écrit)\b"
_QUOTE_WORD = re.compile(_VERB, re.IGNORECASE | re.VERBOSE)
# How a date starts an attribution ("Den tir. 1. apr.", "On Tue,", "Am Di.,", "1. apr.").
_DATE_START = re.compile(r"(?:den|on|am|le)\s|\d", re.IGNORECASE)
_SENT = r"\*?(?:sendt|sent|skickat|gesendet|envoyé|dato|date|datum)"
_SUBJECT = r"\*?(?:emne|subject|ämne|betreff|objet|onderwerp)"


def _within_block(field: str) -> str:
    """Outlook's header block: after "Fra:", the `field` within the next 6 lines."""
    return rf"(?=[^\n]{{0,500}}(?:\n[^\n]{{0,500}}){{0,5}}?\n{_SPACE}*{field}{_SPACE}*:)"


# The lines own_text looks at; the others are the customer's own, taken in bulk (and so
# are runs of blank lines). Every repetition that is not a whole run of lines is
# bounded: a header is short. A quick look at the line's first character, or its ":" at
# the end, comes first: most lines are nothing and fail there.
_LOOK = re.compile(
    rf"""^(?:
        (?P<blank>\n+|(?:{_SPACE}*\n)+)
      | (?P<quoted>(?:{_SPACE}*>[^\n]*(?:\n|\Z))+)
      | (?={_SPACE}*[-_*\ddoalefvshg]|[^\n]{{0,500}}:{_SPACE}*$)(?:
          (?P<cut>  # everything from here on is quoted, or the signature
              {_SPACE}*\*?(?:fra|from|från|von|de|van){_SPACE}*:
              {_within_block(_SENT)}{_within_block(_SUBJECT)}
            | --\ ?$)
        | (?P<separator>  # ----- Original Message -----, Outlook on the web's ________
              {_SPACE}*(?:-{{3,}}{_SPACE}*[^\W\d_][^\n]{{0,100}}?-{{3,}}|_{{20,}}){_SPACE}*$)
        | (?P<signature>  # a phone's one line
              {_SPACE}*(?:(?:sendt|sent|skickat|skickad|hentet|envoyé|enviado){_SPACE}+
                          (?:fra|from|från|de|via){_SPACE}[^\n]{{1,60}}
                        | get\ outlook\ for\ \w+ | von\ meinem\ [^\n]{{1,40}}\ gesendet)
              {_SPACE}*$)
        | (?P<attribution>  # "... skrev ...:" on one line, or a date's first of two
              (?=[^\n]{{0,500}}:{_SPACE}*$)(?=[^\n]{{0,500}}?{_VERB})
            | {_SPACE}*(?:(?:den|on|am|le)\s|\d)(?=[^\n]{{0,500}}\n[^\n]{{0,500}}:{_SPACE}*$)
              (?=[^\n]{{0,500}}?{_VERB}|[^\n]{{0,500}}\n[^\n]{{0,500}}?{_VERB}))
      )
    )""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _attribution(text: str) -> tuple[bool, bool]:
    """(is `text` an attribution line ending with ":" and naming who wrote, is it a strong
    one: it starts like a date or names an address after the verb)."""
    text = text.strip()
    verb = _QUOTE_WORD.search(text)
    if not text.endswith(":") or verb is None:
        return False, False
    strong = _DATE_START.match(text) is not None or "@" in text[verb.end() :]
    bare = text[: verb.start()].strip() != "" and not text[verb.end() : -1].strip()
    return strong or bare, strong


def _attribution_at(lines: list[str], i: int) -> tuple[int, bool]:
    """(lines the attribution at line i spans, 0 when there is none; whether it is a
    bare "<name> wrote:", which only counts when "> " lines follow it)."""
    found, strong = _attribution(lines[i])
    if found:
        return 1, not strong
    if i + 1 < len(lines):  # wrapped over two lines: a date's, long for its address
        joined = f"{lines[i].strip()} {lines[i + 1].strip()}"
        if "@" in joined and _attribution(joined)[1]:
            return 2, False
    return 0, False


def _next_quoted(lines: list[str], start: int) -> bool:
    """Is the first non-blank line from `start` on (within three) a "> " line?"""
    for line in lines[start : start + 3]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def own_text(body: str) -> tuple[str, str]:
    """(the customer's own new text, the rest: quoted earlier messages and signature).

    Never raises; linear in the length of the body: one regular expression finds the
    lines worth a look (a run of "> " lines at once) and only those are examined.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    own: list[str] = []
    rest: list[str] = []
    done = 0  # the lines before this one are placed
    cut = len(lines)  # the lines from this one on are quoted (or the signature)
    index, counted = 0, 0  # the line a match starts on, and where newlines were counted to
    for found in _LOOK.finditer(text):
        index += text.count("\n", counted, found.start())
        counted = found.start()
        if index < done:  # the second line of a two-line attribution
            continue
        own.extend(lines[done:index])
        done = index + 1
        kind = found.lastgroup
        if kind in ("blank", "quoted"):
            done = index + found.group().count("\n") + (not found.group().endswith("\n"))
            (own if kind == "blank" else rest).extend(lines[index:done])
        elif kind == "signature":
            rest.append(lines[index])
        elif kind == "cut":
            cut = index
            break
        else:
            span, bare = _attribution_at(lines, index) if kind == "attribution" else (1, False)
            if span and _next_quoted(lines, index + span):
                rest.extend(lines[index : index + span])  # it introduces the "> " lines
                done = index + span
            elif span and not bare:
                cut = index
                break
            else:
                own.append(lines[index])
    own.extend(lines[done:cut])
    rest.extend(lines[cut:])
    signed = _signed(own)
    return _own(own[:signed]), "\n".join(own[signed:] + rest)


# A closing line: the sign-off alone or with a name ("Mvh", "Hilsen Kari", "Med vennlig
# hilsen", "Best regards, Ola"). Only letters, spaces and name punctuation after it.
_WORD = r"[^\W\d_](?:[^\W\d_]|[.'-])*"
_NAME = rf"(?:[,.]?[^\S\n]+{_WORD}(?:[^\S\n]+{_WORD}){{0,3}})?"
_SIGN_OFF = re.compile(
    rf"""[^\S\n]*(?:(?:med[^\S\n]+)?(?:vennlig(?:st|e)?[^\S\n]+)?hilsen(?:er)?|mvh\.?|vh
       |(?:best|kind|warm|with[^\S\n]+best)[^\S\n]+(?:regards|wishes)|regards|cheers
       |med[^\S\n]+venlig[^\S\n]+hilsen|vänliga[^\S\n]+hälsningar|mvh)
       ,?{_NAME}[^\S\n]*""",
    re.IGNORECASE | re.VERBOSE,
)
_SIGNED_BELOW = 4  # lines a signature under the sign-off may have (name, title, phone)


def _signed(lines: list[str]) -> int:
    """Where a sign-off starts in the own lines (len(lines) when there is none): a closing
    line after the answer, followed by at most a few short lines and no question. The
    lines from there on are the signature, not the answer ("OK" + "Mvh" + "Kari" is OK)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for i in filled[1:]:
        if _SIGN_OFF.fullmatch(lines[i]):
            below = [line for line in lines[i + 1 :] if line.strip()]
            if len(below) <= _SIGNED_BELOW and all(
                len(line) <= 60 and "?" not in line for line in below
            ):
                return i
            return len(lines)
    return len(lines)


def _own(lines: list[str]) -> str:
    """The own lines as one text: no space at the ends of lines, one blank line at most
    where the quoted lines between them were."""
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", "\n".join(lines))).strip()


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
