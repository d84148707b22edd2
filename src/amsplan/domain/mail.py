"""Replies by e-mail: the customer's own words, automatic answers, and where a code may
come from (pure; the mail itself is read by adapters.mailin).

The customer's own new text (:func:`own_text`) is what they typed, without the earlier
messages their mail client quotes below (or around) it. Lines starting with ">" are
quoted wherever they are, so an inline or bottom-posted answer (new text below "> "
lines) keeps its own lines. Everything from the first quote header on is quoted: an
attribution line ("Den tir. 1. apr. 2026 kl. 10:00 skrev Netteier AS
<booking@nett.no>:", "1. apr. 2026 kl. 10:00 skrev ...:", "Den 01.04.2026 10:00,
Netteier AS skrev:", "On Tue, 1 Apr 2026 at 10:00, ... wrote:", also wrapped over two
lines; an attribution followed by "> " lines only marks the start of those lines),
Outlook's "-----Opprinnelig melding-----" / "-----Original Message-----" (any "-----
words -----" line), Outlook's header block ("Fra:"/"From:" with "Sendt:"/"Sent:"/"Date:"
and "Emne:"/"Subject:" within the next lines), and Outlook on the web's
"________________________________" line. The lines after "-- " (a signature) and the
phones' one-liners ("Sendt fra min iPhone", "Sent from my iPhone", "Hentet fra Outlook
for Android", "Get Outlook for iOS", ...) are left out too.

The answer is the own text without a sign-off and the signature under it
(:func:`without_signature`): "OK", "Mvh", "Kari Nordmann", "Tlf 900 00 000" on four
lines answer "OK". A sign-off is cut only when every line under it looks like a
signature line (a name, a title, a company, a phone number, an e-mail or web address, a
street, a postcode and place); a "Ps.", a time, a request or a question under it keeps
the whole text as the answer, for a person to read. The own text is what is stored,
signature and all.

Where the booking code may come from, in this order: the customer's own text, else
the subject, else the booking e-mail the message answers (its In-Reply-To/References
name a booking e-mail amsplan sent, `email_message.message_id`), else the quoted text.
A code found anywhere but the own text is *echoed*: our own words coming back. It links
the reply to the code's order, but it confirms only when the sender's address is the
order's e-mail address (case-insensitive); from any other address the reply goes to
manual follow-up like any other text. The answer is always from the own text (with the
code cut out when the code was in it), and only exactly the configured confirming word
confirms (domain.replies.is_confirmation). So a reply whose quoted part holds another
customer's code never confirms that order, and nothing in quoted text ever confirms.

Automatic answers (:func:`is_auto_reply`: out of office and the like; read receipts),
bounces (delivery status notifications, and the mail system's plain-text ones that name
the message they return) and the mail system's other words are stored and never count
as the customer's answer (:func:`kind`; what they do: domain.replies.decide_auto_reply
and decide_bounce).
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
    """(the customer's own new text, signature under a sign-off and all; the rest: quoted
    earlier messages, the lines after "-- " and the phones' one-liners).

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
    return _own(own), "\n".join(rest)


# --- the signature under a sign-off ------------------------------------------------------

# A closing line starts with a sign-off ("Mvh", "Hilsen", "Med vennlig hilsen", "Best
# regards"); what follows it on the line, if anything, is a signature line ("Mvh Kari").
_SIGN_OFF = re.compile(
    r"""\s*(?:(?:med\s+)?(?:vennlig(?:st|e)?\s+)?hilsen(?:er)?|mvh\.?|vh
       |(?:best|kind|warm|with\s+best)\s+(?:regards|wishes)|regards|cheers
       |med\s+venlig\s+hilsen|vänliga\s+hälsningar)(?![^\W\d_])\s*[,.:!]*""",
    re.IGNORECASE | re.VERBOSE,
)
# What a signature line is made of, its parts separated by "," or "|": ...
_PARTS = re.compile(r"\s*[,|·•]\s*")
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[.'-])*")
_PHONE = re.compile(  # ... a phone number (8 to 15 digits, counted apart) ...
    r"(?:(?:tlf|tel|telefon|mob|mobil|mobiltelefon|phone|mobile)\.?:?\s*)?"
    r"[+(]{0,2}[0-9][0-9\s()+-]*",
    re.IGNORECASE,
)
_EMAIL = re.compile(  # ... an e-mail or web address ...
    r"(?:(?:e-?post|e-?mail|mail)\.?:?\s*)?[^\s@,]+@[^\s@,]+\.[^\s@,]+|(?:https?://|www\.)\S+",
    re.IGNORECASE,
)
_STREET = re.compile(  # ... a street ("Storgata 12B", "Karl Johans gate 5") ...
    r"""(?:[^\W\d_](?:[^\W\d_]|[.'-])*\s+){0,3}(?:[^\W\d_]|[.'-])*
        (?:gata|gate|gaten|gt\.|veien|vei|vegen|veg|vn\.|all[éeè]|plass|plassen|stien|sti
          |bakken|bakke|ringen|torget|torg|tunet|svingen|lia|åsen|haugen|jordet|lunden
          |brygga|brygge|kaia|gatan|vägen|väg|vej|road|street|lane|avenue|postboks)
        \s+[0-9]{1,4}(?:\s?[^\W\d_])?""",
    re.IGNORECASE | re.VERBOSE,
)
_POSTCODE = re.compile(r"(?:[^\W\d_]{1,2}-)?(?:[0-9]{4,5}|[0-9]{3}\s[0-9]{2})\s+(.+)")  # 2315 Hamar
# ... or a name, a company or a title: words of letters, each with a capital first letter
# ("Kari Nordmann", "Hamar Bygg AS") or a title ("Daglig leder"), none of these words.
_TITLES = (
    "leder", "sjef", "ansvarlig", "rådgiver", "konsulent", "forvalter", "mester", "sekretær",
    "ingeniør", "direktør", "medlem", "eier", "manager", "director", "officer", "owner",
    "assistent", "assistant", "koordinator", "coordinator", "consultant", "engineer", "advisor",
)  # fmt: skip
_NOT_A_NAME = frozenset((
    "ok", "okay", "ja", "nei", "yes", "no", "ikke", "not", "ps", "pps", "p.s", "kontakt",
    "ring", "kom", "stopp", "stop", "avlys", "flytt", "endre", "cancel", "call",
))  # fmt: skip
_DIGIT = re.compile(r"[0-9]")
_SIGNATURE_LINE_MAX = 120  # characters
_SIGNATURE_LINES = 12  # non-blank lines under a sign-off, at most (an address block)


def _named(words: list[str], most: int) -> bool:
    """Are the words (1 to `most`) a name, a company or a title (see _TITLES)?"""
    return 0 < len(words) <= most and all(
        word == "&"
        or (
            _WORD.fullmatch(word) is not None
            and word.lower().rstrip(".") not in _NOT_A_NAME
            and (word[0].isupper() or word.lower().endswith(_TITLES))
        )
        for word in words
    )


def _place(part: str) -> bool:
    """A postcode and place ("2315 Hamar", "N-0150 OSLO")?"""
    postcode = _POSTCODE.fullmatch(part)
    return postcode is not None and _named(postcode[1].split(), 3)


def _signature_part(part: str) -> bool:
    if _DIGIT.search(part) is None:  # the quick look: most signature lines are names
        return _named(part.split(), 6) or _EMAIL.fullmatch(part) is not None
    if _PHONE.fullmatch(part):
        return 8 <= sum(c.isdigit() for c in part) <= 15
    street = _STREET.match(part)  # a street, maybe followed by its postcode and place
    if street is not None and (street.end() == len(part) or _place(part[street.end() :].strip())):
        return True
    return _place(part) or _EMAIL.fullmatch(part) is not None or _named(part.split(), 6)


def _signature_line(line: str) -> bool:
    """Does the line look like part of a signature: made only of names, titles, company
    names, phone numbers, e-mail and web addresses, streets, postcodes and places? A
    sentence, a time, a question, "Ps." does not."""
    if len(line) > _SIGNATURE_LINE_MAX or "?" in line:
        return False
    parts = [p for p in _PARTS.split(line.strip()) if p]
    return bool(parts) and all(_signature_part(p) for p in parts)


def _sign_off(line: str) -> bool:
    """Is the line a sign-off, alone or followed by a signature line ("Hilsen Kari")?"""
    found = _SIGN_OFF.match(line)
    if found is None:
        return False
    rest = line[found.end() :].strip()
    return not rest or _signature_line(rest)


def without_signature(own: str) -> str:
    """The answer in the customer's own text (own_text's first): without a closing line
    (a sign-off, alone or with a name) after the answer and the signature under it, when
    every line under it is a signature line (_signature_line; a dozen at most): "OK",
    "Mvh", "Kari Nordmann" on lines of their own answer "OK". The first closing line of
    the text's last lines decides: one line under it that is no signature line (a "Ps.",
    a time, a request) keeps the whole text as the answer, for a person to read."""
    # The last lines only (own_text leaves one blank line at most in a row): a signature
    # is at the end. lines[0] is the first line, or all before the last lines.
    lines = own.rsplit("\n", 2 * _SIGNATURE_LINES + 2)
    for i in range(1, len(lines)):
        if _sign_off(lines[i]):
            below = [line for line in lines[i + 1 :] if line.strip()]
            signed = len(below) <= _SIGNATURE_LINES and all(map(_signature_line, below))
            return "\n".join(lines[:i]).rstrip() if signed else own
    return own


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
    AUTO_REPLY = "auto_reply"  # an automatic answer (out of office, a read receipt, a delay)
    BOUNCE = "bounce"  # a delivery status notification: a message did not arrive
    NOTICE = "notice"  # the mail system's words amsplan cannot read: for a person


# The mail system's own addresses (their local part): its bounces and notices come from them.
MAIL_SYSTEM = ("mailer-daemon", "postmaster")


def from_mail_system(sender: str) -> bool:
    """Is the sender's address the mail system's (MAILER-DAEMON@..., postmaster@...)?"""
    return sender.partition("@")[0].lower() in MAIL_SYSTEM


def kind(
    headers: Mapping[str, str],
    subject: str,
    dsn_action: str | None,
    receipt: bool = False,
    sender: str = "",
) -> MailKind:
    """What the mail is. A delivery status notification (`dsn_action`: its Action, "" when
    it names none; None: the mail is none) is a bounce when delivery failed, else
    (delayed, delivered, relayed) an automatic answer; so is a read receipt (`receipt`: a
    message disposition notification). Other mail from the mail system (`sender`
    MAILER-DAEMON or postmaster) is a notice for a person; otherwise is_auto_reply
    decides."""
    if dsn_action is not None:
        return MailKind.BOUNCE if dsn_action in ("failed", "") else MailKind.AUTO_REPLY
    if receipt:
        return MailKind.AUTO_REPLY
    if from_mail_system(sender):
        return MailKind.NOTICE
    return MailKind.AUTO_REPLY if is_auto_reply(headers, subject) else MailKind.REPLY


def shows_delivery(kind: MailKind, report: bool) -> bool:
    """Does a mail that answers a message (its In-Reply-To/References name it) show that
    the message arrived? A person's answer does, and so does an automatic one from the
    recipient's side (out of office, a read receipt); a delivery status notification
    (`report`: even a delayed one, an automatic answer) and the mail system's notices and
    bounces do not."""
    return kind is MailKind.REPLY or (kind is MailKind.AUTO_REPLY and not report)
