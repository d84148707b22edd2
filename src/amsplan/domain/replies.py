"""Customer replies: find booking codes and the answer in a reply's text ("ACDE-7FHA OK"),
decide what a reply does to its order (`decide`), what an automatic e-mail answer and a
bounce do (`decide_auto_reply`, `decide_bounce`; domain.mail says which a mail is), and
what a STOP or START does to the sender's orders (`opt_word`, `decide_opt`, at the end).

The text is normalised (:func:`amsplan.domain.codes.normalise`: upper case, Greek/Cyrillic
look-alikes and fullwidth forms folded to Latin, zero-width characters dropped) and split
into tokens: maximal runs of letters and digits (with any combining marks on them);
everything else separates tokens. A code is either one token of 8 symbols, or consecutive
tokens separated only by whitespace and/or dashes whose lengths add up to exactly 8
("ACDE 7FHA", "AC-DE-7F-HA", "A C D E 7 F H A"); all symbols must be in the alphabet and
the check character must be right. A code is never cut out of a longer token
("XACDE7FHAX" holds no code).

Every such code is a :class:`Candidate`, in order of appearance. Callers should look every
candidate up, not only the first: a customer's phone number can, by chance, also pass the
check (1 in 23 of the 8-digit numbers made only of 3, 4, 6, 7 and 9).

The answer is cut out of the original text, so it keeps the customer's wording and case.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import accumulate, count, islice
from operator import mul
from zoneinfo import ZoneInfo

from amsplan import clock
from amsplan.domain import codes, delivery
from amsplan.domain.followups import FollowupKind
from amsplan.domain.states import EmailState
from amsplan.domain.statuses import Status
from amsplan.domain.steps import Apply, Flag, Note, SetNoSms, Step
from amsplan.i18n import N_, _, in_every_language

# At most this many candidates per reply. Each candidate holds its own copy of the answer,
# so a huge text full of codes would otherwise cost (number of codes x text length) memory.
# A real reply holds one code; a text with more than this is for a person to read anyway.
MAX_CANDIDATES = 32

_CODE_LENGTH = codes.CODE_LENGTH
# A token character: a letter or digit, or one of the common combining diacritics, so that
# an accented letter stays part of its word and never ends a code ("ACDE7FHA\u0301").
_TOKEN_CHAR = r"(?:[^\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])"
_SYMBOL = f"[{re.escape(codes.ALPHABET)}]"
_GAP = codes._SEPARATOR_CLASS + "+"  # whitespace and dashes, what may split a code
# One whole token of 1..8 alphabet symbols.
_SHORT_TOKEN = f"(?<!{_TOKEN_CHAR}){_SYMBOL}{{1,{_CODE_LENGTH}}}(?!{_TOKEN_CHAR})"
# A maximal chain of such tokens joined by gaps: every code lies inside one chain.
_CHAIN = re.compile(f"{_SHORT_TOKEN}(?:{_GAP}{_SHORT_TOKEN})*")
_GAP_SPLIT = re.compile(f"({_GAP})")
_VALUE = {symbol: value for value, symbol in enumerate(codes.ALPHABET)}

# Stripped between the code and the answer (in the normalised text): whitespace, " :;,-",
# and the other dashes that may split a code.
_ANSWER_STRIP = (
    "".join(ch for ch in map(chr, range(0x10000)) if ch.isspace())
    + ":;,-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b"
)


@dataclass(frozen=True)
class Candidate:
    """A valid code found in a reply, and the reply text with that code cut out."""

    code: str
    answer: str


@dataclass(frozen=True)
class ParsedReply:
    text: str
    candidates: tuple[Candidate, ...]

    def first(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def is_confirmation(answer: str, keyword_ok: str) -> bool:
    """True only for exactly the configured confirming word (`[replies] keyword_ok`, e.g.
    "OK" or "JA") in any case, after trimming whitespace ("Ok!!" is not; neither is "OK"
    when the word is "JA")."""
    return answer.strip().upper() == keyword_ok.strip().upper()


class _Normalised:
    """The normalised text, with a way back to indices in the original text.

    Most characters normalise to exactly one character; only the others ("changers":
    zero-width characters, ligatures, some compatibility forms) shift indices. The map
    from normalised to original indices is kept as segments, one per stretch of
    unchanged length and one per changer, found with bisect.
    """

    def __init__(self, text: str) -> None:
        self.original = text
        self._starts: list[int] = []  # normalised index where each segment starts
        self._origins: list[int] = []  # original index where it starts
        self._expanded: list[bool] = []  # True: the whole segment comes from one character
        if text.isascii():
            self.text = text.upper()
        else:
            table = {ch: codes.normalise(ch) for ch in set(text)}
            self.text = text.translate({ord(ch): norm for ch, norm in table.items()})
            changers = [ch for ch, norm in table.items() if len(norm) != 1]
            if changers:
                self._segment(text, table, changers)
        # Whitespace at the start and at the end of the normalised text.
        self.lead = len(self.text) - len(self.text.lstrip())
        self.trail = len(self.text) - len(self.text.rstrip())

    def _segment(self, text: str, table: dict[str, str], changers: list[str]) -> None:
        norm_pos = orig_pos = 0
        for match in re.finditer("[" + "".join(map(re.escape, changers)) + "]", text):
            index = match.start()
            if index > orig_pos:
                self._add(norm_pos, orig_pos, False)
                norm_pos += index - orig_pos
            length = len(table[match.group()])
            if length:
                self._add(norm_pos, index, True)
                norm_pos += length
            orig_pos = index + 1
        if orig_pos < len(text):
            self._add(norm_pos, orig_pos, False)

    def _add(self, start: int, origin: int, expanded: bool) -> None:
        self._starts.append(start)
        self._origins.append(origin)
        self._expanded.append(expanded)

    def _origin(self, index: int) -> int:
        """Index in the original text of the character that gave normalised ``index``."""
        if not self._starts:
            return index
        segment = bisect_right(self._starts, index) - 1
        if self._expanded[segment]:
            return self._origins[segment]
        return self._origins[segment] + index - self._starts[segment]

    def original_slice(self, start: int, end: int) -> str:
        """The original text behind normalised ``text[start:end]`` ("" when empty)."""
        if start >= end:
            return ""
        return self.original[self._origin(start) : self._origin(end - 1) + 1]


def _codes_in(norm: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, code) in the normalised text for each distinct valid code, in order.

    Linear in the length of the text: every code lies in one chain, and within a chain a
    code starts at a token start and ends at a token end exactly 8 symbols further on.
    """
    seen: set[str] = set()
    for chain in _CHAIN.finditer(norm):
        chain_start, chain_end = chain.span()
        if chain_end - chain_start < _CODE_LENGTH:
            continue
        parts = _GAP_SPLIT.split(norm[chain_start:chain_end])  # token, gap, token, ...
        positions = list(accumulate(map(len, parts), initial=chain_start))
        tokens = parts[0::2]
        compact = "".join(tokens)
        # Token i starts at offsets[i] in compact and ends at offsets[i + 1].
        offsets = list(accumulate(map(len, tokens), initial=0))
        token_ending_at = {offset: i - 1 for i, offset in enumerate(offsets) if i}
        short = [len(t) < 4 for t in tokens]
        # Prefix sums of v and of index * v, for the weighted sum of any window.
        values = [_VALUE[symbol] for symbol in compact]
        sums = list(accumulate(values, initial=0))
        index_sums = list(accumulate(map(mul, count(), values), initial=0))
        for first, offset in enumerate(offsets[:-1]):
            last = token_ending_at.get(offset + _CODE_LENGTH)
            if last is None:
                continue
            # A code typed in small groups is all of its run of small groups: taking 8 of 9
            # symbols ("Y 4 H H F P 3 E N", "CF-AH-M3-ME-V": a code with one symbol too
            # many) could read as another live code.
            if (short[first] and first > 0 and short[first - 1]) or (
                short[last] and last + 1 < len(tokens) and short[last + 1]
            ):
                continue
            # sum over the body of (position in code, from 1) * value, minus the check value
            check_end = offset + codes.BODY_LENGTH
            weighted = (index_sums[check_end] - index_sums[offset]) - (offset - 1) * (
                sums[check_end] - sums[offset]
            )
            if (weighted - values[check_end]) % len(codes.ALPHABET):
                continue
            code = compact[offset : offset + _CODE_LENGTH]
            if code in seen or not codes.is_valid(code):  # is_valid: belt and braces
                continue
            seen.add(code)
            yield positions[2 * first], positions[2 * last + 1], code


def _answer(norm: _Normalised, start: int, end: int) -> str:
    """The original text without the code at normalised ``[start, end)``.

    The text before the code loses its trailing whitespace and separators, the text after
    it its leading ones; the two are joined by one space when both are non-empty, and the
    result is stripped. Separators and whitespace are found in the normalised text (where
    fullwidth "：", no-break spaces and en dashes are plain, and zero-width characters are
    gone); the kept parts are then cut out of the original text.
    """
    text = norm.text
    before_end = len(text[:start].rstrip(_ANSWER_STRIP))
    after_start = len(text) - len(text[end:].lstrip(_ANSWER_STRIP))
    before = norm.original_slice(norm.lead, before_end)
    after = norm.original_slice(after_start, len(text) - norm.trail)
    joined = f"{before} {after}" if before and after else before + after
    return joined.strip()


def parse(text: str) -> ParsedReply:
    """Every valid code in ``text`` (first occurrence of each, at most MAX_CANDIDATES).

    Never raises on a str; time is linear in the length of the text.
    """
    norm = _Normalised(text)
    found = islice(_codes_in(norm.text), MAX_CANDIDATES)
    candidates = tuple(
        Candidate(code=code, answer=_answer(norm, start, end)) for start, end, code in found
    )
    return ParsedReply(text=text, candidates=candidates)


# --- the decision: what a reply does to its order ----------------------------------------


class ReplyOutcome(StrEnum):
    """What happened to a reply (stored as its text in reply.outcome)."""

    CONFIRMED = "confirmed"
    FOLLOWUP = "followup"
    MATCHED_BY_PHONE = "matched_by_phone"
    LATE_REPLY = "late_reply"
    REPEAT = "repeat"
    SUPERSEDED = "superseded"
    CANCELLED_ORDER = "cancelled_order"
    RETIRED_CODE = "retired_code"
    NOT_AWAITING = "not_awaiting"
    UNKNOWN_CODE = "unknown_code"
    NO_CODE = "no_code"
    DUPLICATE = "duplicate"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    AUTO_REPLY = "auto_reply"
    BOUNCED = "bounced"


R = ReplyOutcome

# What each outcome means (`replies outcomes`, `replies unmatched`).
OUTCOMES: dict[ReplyOutcome, str] = {
    R.CONFIRMED: N_("code and the confirming word ([replies] keyword_ok): ready for execution"),
    R.FOLLOWUP: N_("code and other text: manual follow-up"),
    R.MATCHED_BY_PHONE: N_(
        "no valid code, sender (mobile or e-mail address) matched one waiting order: "
        "manual follow-up"
    ),
    R.LATE_REPLY: N_("answer after the order went to manual follow-up: kept there, reason added"),
    R.REPEAT: N_("the same answer again, to an order already where that answer leads"),
    R.SUPERSEDED: N_("older than an answer already applied to the order: noted, changes nothing"),
    R.CANCELLED_ORDER: N_("the order was cancelled upstream: answer noted, it stays in follow-up"),
    R.RETIRED_CODE: N_("an old (retired) code"),
    R.NOT_AWAITING: N_("the order is not waiting for a reply"),
    R.UNKNOWN_CODE: N_("a valid-looking code that was never issued"),
    R.NO_CODE: N_("no valid booking code (none, or mistyped)"),
    R.DUPLICATE: N_("the same message was ingested before"),
    R.OPT_OUT: N_("STOP: the sender's orders get no more SMS; waiting SMS bookings to follow-up"),
    R.OPT_IN: N_("START: the sender's orders may get SMS again"),
    R.AUTO_REPLY: N_("an automatic e-mail answer (out of office and the like): changes nothing"),
    R.BOUNCED: N_("a bounce: the e-mail it returns did not arrive (a booking: order to follow-up)"),
}

# Each outcome in a word or two (the tables' outcome column; OUTCOMES says what it means).
OUTCOME_LABELS: dict[ReplyOutcome, str] = {
    R.CONFIRMED: N_("confirmed"),
    R.FOLLOWUP: N_("follow-up"),
    R.MATCHED_BY_PHONE: N_("matched by sender"),
    R.LATE_REPLY: N_("late reply"),
    R.REPEAT: N_("repeat"),
    R.SUPERSEDED: N_("superseded"),
    R.CANCELLED_ORDER: N_("order cancelled"),
    R.RETIRED_CODE: N_("old code"),
    R.NOT_AWAITING: N_("not waiting"),
    R.UNKNOWN_CODE: N_("unknown code"),
    R.NO_CODE: N_("no code"),
    R.DUPLICATE: N_("duplicate"),
    R.OPT_OUT: N_("STOP"),
    R.OPT_IN: N_("START"),
    R.AUTO_REPLY: N_("automatic answer"),
    R.BOUNCED: N_("bounced"),
}

# Outcomes where the reply was the customer's answer to the order (the newest of them is
# the customer's last word: an older reply never overrides it).
ANSWERED: tuple[ReplyOutcome, ...] = (
    R.CONFIRMED, R.FOLLOWUP, R.MATCHED_BY_PHONE, R.LATE_REPLY, R.REPEAT, R.CANCELLED_ORDER,
)  # fmt: skip


class CodeState(StrEnum):
    """What is known of the code a reply names."""

    NONE = "none"  # the reply holds no valid code
    UNKNOWN = "unknown"  # valid-looking codes, none ever issued
    RETIRED = "retired"  # issued, since retired
    LIVE = "live"  # the order's live code


@dataclass(frozen=True)
class Incoming:
    """One reply as the decision reads it."""

    text: str
    sender: str
    received: datetime  # aware UTC
    answer: str = ""  # the text without the code (Candidate.answer); "" without a code
    duplicate: bool = False  # the same message was ingested before
    # False: the code is echoed (an e-mail's subject or quoted text, not the customer's own
    # words) from another address than the order's: the reply never confirms (domain.mail)
    may_confirm: bool = True


@dataclass(frozen=True)
class OrderState:
    """What the decision reads of the order a reply names (or of the one order waiting for
    an answer from the sender's mobile, for a reply without a known code)."""

    status: Status
    cancelled: bool = False
    followup_reason: str | None = None
    newest_answer: datetime | None = None  # received time of its newest applied answer
    last_transition: tuple[str, datetime] | None = None  # its newest transition, and when


@dataclass(frozen=True)
class Decision:
    outcome: ReplyOutcome
    handled: bool = False  # False: a person must look at it (`replies unmatched`)
    steps: tuple[Step, ...] = ()
    last_word: bool = False  # the customer's newest answer to the order so far


def decide(
    reply: Incoming, code: CodeState, order: OrderState | None, keyword_ok: str, tz: ZoneInfo
) -> Decision:
    """What one reply does (pure). `order`: the order of the code (LIVE, RETIRED), or for
    a reply without a known code (NONE, UNKNOWN) the one order waiting for an answer from
    the sender, if exactly one is (else None). Only exactly `keyword_ok` confirms; the
    contact word ([replies] keyword_contact) and any other text go to manual follow-up.
    """
    if reply.duplicate:
        return Decision(R.DUPLICATE, handled=True)
    text = reply.text
    if code in (CodeState.NONE, CodeState.UNKNOWN):
        outcome = R.UNKNOWN_CODE if code is CodeState.UNKNOWN else R.NO_CODE
        if order is None:
            return Decision(outcome)
        note = _("Reply without a valid code from {sender}: {text}").format(
            sender=reply.sender, text=text
        )
        step = Apply(
            "reply_other",
            _("Reply without a valid code"),
            {"text": note, "reason": _("replied without a valid code: {text}").format(text=text)},
        )
        return Decision(R.MATCHED_BY_PHONE, True, (step,))
    if order is None:
        raise ValueError("a reply with an issued code needs the code's order")
    if code is CodeState.RETIRED:
        if order.status is not Status.AWAITING_RESPONSE:
            return Decision(R.RETIRED_CODE)
        step = Apply(
            "reply_other",
            _("Reply with an old code"),
            {
                "text": _("Reply with an old code: {text}").format(text=text),
                "reason": _("replied with an old code: {text}").format(text=text),
            },
        )
        return Decision(R.RETIRED_CODE, True, (step,))
    if order.newest_answer is not None and reply.received < order.newest_answer:
        # The customer has said something newer already: this changes nothing.
        when = clock.to_local(reply.received, tz)
        note = _("Older reply (received {when}, before a newer one): {text}").format(
            when=f"{when:%d.%m.%Y %H:%M}", text=text
        )
        return Decision(R.SUPERSEDED, True, (Note(note),))
    return _answered(reply, order, keyword_ok, tz)


def _answered(reply: Incoming, order: OrderState, keyword_ok: str, tz: ZoneInfo) -> Decision:
    """The customer's answer (their newest so far) to the order of its live code."""
    text = reply.text
    answer = reply.answer or _("(no text)")
    ok = reply.may_confirm and is_confirmation(reply.answer, keyword_ok)
    status = order.status
    if order.cancelled:  # noted; never moves it out of follow-up nor hides the cancellation
        steps: tuple[Step, ...] = (
            Note(_("Reply after cancellation: {text}").format(text=text)),
            Flag(
                FollowupKind.REPLY,
                _("customer replied after cancellation: {answer}").format(answer=answer),
            ),
        )
        return Decision(R.CANCELLED_ORDER, True, steps, last_word=True)
    again: tuple[Step, ...] = ()
    if status is not Status.AWAITING_RESPONSE:
        if (ok and status is Status.READY_FOR_EXECUTION) or (
            not ok and order.followup_reason in _replied(answer)
        ):
            same = Note(_("Same reply again: {text}").format(text=text))
            return Decision(R.REPEAT, True, (same,), last_word=True)
        why = reconsider(order.last_transition, reply.received)
        if why is None:
            if status is not Status.MANUAL_FOLLOWUP:
                return Decision(R.NOT_AWAITING)
            # A late answer (e.g. to the reminder): the planner decides, with the answer at hand.
            steps = (
                Note(_("Reply (late): {text}").format(text=text)),
                Flag(
                    FollowupKind.REPLY, _("customer replied late: {answer}").format(answer=answer)
                ),
            )
            return Decision(R.LATE_REPLY, True, steps, last_word=True)
        when = clock.to_local(reply.received, tz)
        said = (_("Reply received {when}, before the reminder")
                if why == "answered_before_reminder"
                else _("New reply received {when}"))  # fmt: skip
        comment = said.format(when=f"{when:%d.%m.%Y %H:%M}")
        again = (Apply("reply_again", comment, {"reconsider": why}),)
    if ok:
        confirmed = Apply("reply_ok", _("Reply {keyword}").format(keyword=keyword_ok))
        return Decision(R.CONFIRMED, True, (*again, confirmed), True)
    reason = _(REPLIED).format(answer=answer)
    if not reply.may_confirm and is_confirmation(reply.answer, keyword_ok):
        reason = _(
            "replied {answer} from another address than the booking went to"
            " (the code only quoted): check who answered"
        ).format(answer=reply.answer.strip())
    other = Apply("reply_other", _("Reply received"), {"text": text, "reason": reason})
    return Decision(R.FOLLOWUP, True, (*again, other), last_word=True)


REPLIED = N_("customer replied: {answer}")


def _replied(answer: str) -> set[str]:
    """The follow-up reason a reply `answer` wrote, in each language (it is written in the
    planner's language of the day)."""
    return {said.format(answer=answer) for said in in_every_language(REPLIED)}


def reconsider(last: tuple[str, datetime] | None, received: datetime) -> str | None:
    """Why a reply to an order no longer waiting is still the customer's last word (see
    transitions.RECONSIDER), or None: the order moved on since (a planner, the field).
    `last`: the order's newest transition and when."""
    transition, at = last or ("", received)
    if transition == "booking_reminder" and received < at:
        return "answered_before_reminder"
    if transition in ("reply_ok", "reply_other", "reply_again"):
        return "own_reply"
    return None


# --- e-mail: automatic answers and bounces ---------------------------------------------------


def decide_auto_reply(
    reply: Incoming, subject: str, linked: bool, for_person: bool = False
) -> Decision:
    """An automatic answer (out of office, a read receipt, ...): stored and handled, never
    the customer's answer nor their last word, never a status change; a note on the order
    it is linked to (by a code, or the sender's address), if any. `for_person`: the mail
    system's words amsplan cannot read (domain.mail.MailKind.NOTICE): the same, but left
    for a person (`replies unmatched`)."""
    if not linked:
        return Decision(R.AUTO_REPLY, handled=not for_person)
    note = f"Automatisk svar på e-post fra {reply.sender} («{subject}»): ikke et svar fra kunden"
    return Decision(R.AUTO_REPLY, not for_person, (Note(note),))


def decide_bounce(
    sent: EmailState | None, order: Status | None, booking_channel: str | None, reason: str
) -> Decision:
    """A bounce of an e-mail amsplan sent (`sent`: its state; None: no e-mail amsplan
    knows, so a person looks) that was the booking of an order (`order`: its status; None:
    no order, a digest) for `reason` (status code and words, no address): the order is
    handled as delivery.email_failure_steps says, once (a second bounce of the same
    e-mail changes nothing)."""
    if sent is None:
        return Decision(R.BOUNCED)
    if sent is EmailState.BOUNCED or order is None:
        return Decision(R.BOUNCED, handled=True)
    steps = delivery.email_failure_steps(
        order, booking_channel, _("bounced: {reason}").format(reason=reason)
    )
    return Decision(R.BOUNCED, True, steps)


# --- opt-out: STOP and START -------------------------------------------------------------

STOP, START = "STOP", "START"
# The word alone, with whitespace and punctuation around it ("Stopp.", "STOP!", "«stopp»"),
# maybe followed by "SMS" ("STOPP SMS"), maybe next to something shaped like a booking
# code that is not a valid one (a mistyped code: "ACDE-7FHB STOP").
_CODE_SHAPE = r"(?:[A-Z0-9]{4}[\s-]?[A-Z0-9]{4})"
_OPT_TEXT = re.compile(
    rf"[\W_]*(?:{_CODE_SHAPE}[\W_]+)?(STOPP?|START)(?:[\W_]+SMS)?(?:[\W_]+{_CODE_SHAPE})?[\W_]*",
    re.IGNORECASE,
)
OPT_OUT_REASON = N_("customer answered STOP: book by letter or call")
WITHDRAW_REASON = "the customer answered STOP"


def opt_word(parsed: ParsedReply, flag: str | None = None) -> str | None:
    """STOP or START when the reply is one (else None): the provider's own opt-out flag
    (Twilio's OptOutType "STOP" or "START"; "HELP" and others are no opt-out), or a text
    that is the word STOP, STOPP or START alone, in any case, with whitespace and
    punctuation around it, maybe followed by "SMS", and maybe a booking code (valid or
    mistyped) before or after it. Other words with it ("ikke stopp strømmen") are no
    opt-out: a person reads those."""
    if flag and flag.strip().upper() in (STOP, START):
        return flag.strip().upper()
    answers = [c.answer for c in parsed.candidates] or [parsed.text]
    for answer in answers:
        found = _OPT_TEXT.fullmatch(answer)
        if found:
            return START if found[1].upper() == START else STOP
    return None


@dataclass(frozen=True)
class Holder:
    """An order whose mobile number is the sender's, as the opt-out decision reads it."""

    id: int
    status: Status
    booking_channel: str | None
    no_sms: bool


@dataclass(frozen=True)
class OptDecision:
    outcome: ReplyOutcome
    withdraw: str | None = None  # withdraw every queued SMS to the number, for this reason
    steps: tuple[tuple[int, Step], ...] = ()  # (order id, step), in order


def decide_opt(
    reply: Incoming, word: str, holders: Sequence[Holder], named: int | None
) -> OptDecision:
    """What a STOP or START does (pure); always handled. `holders`: the orders whose mobile
    is the sender's number; `named`: the order of the booking code in the reply, if any.

    STOP: the sender's number opts out. Every holder gets no_sms (with a comment), every
    queued SMS to the number is withdrawn, and a holder waiting for an answer to an SMS
    booking moves to manual follow-up (transition opt_out): it needs a letter or a call.
    START: the holders that had no_sms may get SMS again; nothing else moves. An order
    named by its code whose mobile is another number only gets a comment: the sender's
    number is the one that opted out or in.
    """
    if reply.duplicate:
        return OptDecision(R.DUPLICATE)
    steps: list[tuple[int, Step]] = []
    if word == STOP:
        comment = f"Kunden svarte {reply.text.strip()!r}: ingen flere SMS til dette nummeret"
        for order in holders:
            moves = order.status is Status.AWAITING_RESPONSE and order.booking_channel == "sms"
            if not order.no_sms:  # the transition's comment says it when the order moves
                steps.append((order.id, SetNoSms(True, "" if moves else comment)))
            if moves:
                params = {"text": comment, "reason": _(OPT_OUT_REASON)}
                steps.append((order.id, Apply("opt_out", comment, params)))
    else:
        comment = f"Kunden svarte {reply.text.strip()!r}: SMS til dette nummeret igjen"
        steps += [(o.id, SetNoSms(False, comment)) for o in holders if o.no_sms]
    if named is not None and all(o.id != named for o in holders):
        what = "reserverte seg mot" if word == STOP else "ba om"
        note = (f"{reply.sender}, et annet nummer enn kundens mobil, {what} SMS med koden "
                f"til denne ordren: {reply.text}")  # fmt: skip
        steps.append((named, Note(note)))
    if word == STOP:
        return OptDecision(R.OPT_OUT, WITHDRAW_REASON, tuple(steps))
    return OptDecision(R.OPT_IN, None, tuple(steps))
