"""Property tests for the domain core (issue 8): replies never confirm without exactly OK,
a mistyped code never matches another live code, the parser finds codes however they are
written and never raises, and the workflow never reaches a status the table does not allow.

What test_codes.py and test_replies.py already cover (the check character on its own,
fixed examples of ways of writing a code) is not repeated here: these tests look at a
whole population of live codes, at random codes spelled with random look-alikes, and at
random walks through the transition table.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from amsplan.domain import codes, engine
from amsplan.domain.codes import ALPHABET, BODY_LENGTH, CODE_LENGTH, canonical, check_character
from amsplan.domain.replies import is_confirmation, parse
from amsplan.domain.statuses import Status
from amsplan.domain.transitions import TABLE, TRANSITIONS
from amsplan.errors import TransitionRefused

bodies = st.text(alphabet=ALPHABET, min_size=BODY_LENGTH, max_size=BODY_LENGTH)
valid_codes = bodies.map(lambda body: body + check_character(body))

# --- a population of live codes -------------------------------------------------------

_rng = random.Random(20260508)
# 10,000 codes, as if 10,000 orders were waiting for a reply (unique, as the caller keeps
# live codes: a unique index and a retry).
LIVE: list[str] = list(dict.fromkeys(codes.generate(_rng.randrange) for _ in range(10_000)))
LIVE_SET = frozenset(LIVE)


def substituted(code: str) -> list[str]:
    return [
        code[:i] + symbol + code[i + 1 :]
        for i in range(CODE_LENGTH)
        for symbol in ALPHABET
        if symbol != code[i]
    ]


def dropped(code: str) -> list[str]:
    return [code[:i] + code[i + 1 :] for i in range(CODE_LENGTH)]


def added(code: str) -> list[str]:
    return [code[:i] + symbol + code[i:] for i in range(CODE_LENGTH + 1) for symbol in ALPHABET]


def swapped(code: str) -> list[str]:
    return [
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(CODE_LENGTH - 1)
        if code[i] != code[i + 1]
    ]


def single_edits(code: str) -> list[str]:
    """Every code with one symbol changed, dropped, added, or swapped with its neighbour."""
    return substituted(code) + dropped(code) + added(code) + swapped(code)


# How a customer may write what they read: the ways the README promises to understand.
WRITINGS = {
    "plain": lambda v: v,
    "lower": lambda v: v.lower(),
    "printed": lambda v: f"{v[:4]}-{v[4:]}",
    "spaced halves": lambda v: f"{v[:4]} {v[4:]}",
    "pairs": lambda v: "-".join(v[i : i + 2] for i in range(0, len(v), 2)),
    "every symbol": lambda v: " ".join(v),
}


def test_the_live_population():
    assert len(LIVE_SET) == 10_000
    assert all(codes.is_valid(code) for code in LIVE)


def test_no_single_edit_of_a_live_code_is_another_live_code():
    # Exhaustive over the edits of 1,000 live codes, each checked against all 10,000. The
    # check character makes every substitution and swap invalid, and a dropped or added
    # symbol changes the length, so canonical() must give None or the code itself.
    checked = 0
    for code in LIVE[:1_000]:
        for variant in single_edits(code):
            assert variant not in LIVE_SET or variant == code, (code, variant)
            found = canonical(variant)
            assert found is None or found == code, (code, variant, found)
            checked += 1
    assert checked > 1_000 * 390


def test_no_added_symbol_written_spaced_out_reads_as_another_live_code():
    # Written one symbol at a time ("A C D E X 7 F H A"), a code with an added symbol is a
    # run of nine single symbols. Two of its windows of eight could be valid codes; over
    # all 10,000 live codes and every added symbol, none may be read as another live code.
    # (Among these codes, Y4HHF3EN typed "Y 4 H H F P 3 E N" holds live 4HHFP3EN: the
    # parser read it as that code until a code typed one symbol at a time had to be its
    # whole run of single symbols.)
    checked = 0
    for code in LIVE:
        for variant in added(code):
            others = {w for w in (variant[:CODE_LENGTH], variant[1:]) if w != code}
            if others & LIVE_SET:  # only then can the parser go wrong: ask it
                text = " ".join(variant) + " OK"
                found = {c.code for c in parse(text).candidates}
                assert not found & others, (code, text, found & others)
                checked += 1
    assert checked >= 1  # the population holds at least one such trap (see above)


def test_a_code_with_an_added_symbol_reads_as_no_other_code_however_it_is_written():
    # Any valid code may be live for some other order, so the parser must not read a code
    # with one symbol too many as any code but its own, in any of the ways of writing it.
    misread = []
    for code in LIVE[:50]:
        for variant in added(code):
            for writing, write in WRITINGS.items():
                text = write(variant) + " OK"
                others = [c.code for c in parse(text).candidates if c.code != code]
                if others:
                    misread.append((code, writing, text, others))
    assert misread == [], misread[:5]


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(LIVE) - 1),
    edit=st.sampled_from(["substituted", "dropped", "added", "swapped"]),
    pick=st.integers(0, 10_000),
    writing=st.sampled_from(sorted(WRITINGS)),
    answer=st.sampled_from(["OK", "ok", "KONTAKT", ""]),
)
def test_a_mistyped_live_code_never_matches_another_live_code(index, edit, pick, writing, answer):
    code = LIVE[index]
    variants = {"substituted": substituted, "dropped": dropped, "added": added,
                "swapped": swapped}[edit](code)  # fmt: skip
    assume(variants)
    variant = variants[pick % len(variants)]
    text = f"{WRITINGS[writing](variant)} {answer}".strip()
    for candidate in parse(text).candidates:
        assert candidate.code == code or candidate.code not in LIVE_SET, (text, candidate)
    found = canonical(WRITINGS[writing](variant))
    assert found is None or found == code


@given(code=valid_codes, position=st.integers(0, CODE_LENGTH), symbol=st.sampled_from(ALPHABET))
def test_a_code_with_an_added_symbol_never_confirms_any_order(code, position, symbol):
    # Whatever the windows of a spaced-out 9-symbol variant read as, the symbol left over
    # stays in the answer: such a reply is never a confirmation, of any order.
    variant = code[:position] + symbol + code[position:]
    for text in (" ".join(variant) + " OK", "OK " + " ".join(variant)):
        for candidate in parse(text).candidates:
            if candidate.code != code:
                assert not is_confirmation(candidate.answer, "OK"), (text, candidate)


# --- a reply whose answer is not exactly OK never confirms -----------------------------

# Where confirmations could sneak in: OK look-alikes, OK with extra characters, and
# whatever else customers write.
NEAR_OK = [
    "OK", "ok", "Ok", "oK", "0K", "O K", "O-K", "OKK", "OOK", "OK!", "Ok!!", "OK.", "OK OK",
    "OKOK", "\u041e\u041a", "\u039f\u039a", "\uff2f\uff2b", "O\u200bK", "\u00d8K", "\u00f6k",
    "o\u0301k", "ok\u0301", "\u2126K", "KONTAKT", "Kontakt", "nei", "ja", "A", "K", "7",
]  # fmt: skip
SPACES = [" ", "  ", "\n", "\t", "\u00a0", ":", ": ", " - ", ",", ";", "-", "\u2013", "\u3000"]
near_ok_text = st.lists(
    st.one_of(st.sampled_from(NEAR_OK), st.sampled_from(SPACES), st.text(max_size=4)),
    max_size=5,
).map("".join)
MODEL_CHARS = frozenset("".join(NEAR_OK + SPACES))
NEXT_TO_CODE = " \t\n\u00a0\u3000:;,-\u2013"  # what is stripped between code and answer
_VISIBLE_DROP = re.compile(codes._SEPARATOR_CLASS + r"|[:;,]")


def assert_confirms_only_on_exactly_ok(text: str) -> None:
    """Model-free: if a candidate confirms, the text minus that code is only O, K and
    separators (and the answer itself is OK in some case, with whitespace around)."""
    for candidate in parse(text).candidates:
        if not is_confirmation(candidate.answer, "OK"):
            continue
        assert candidate.answer.strip().upper() == "OK", (text, candidate)
        compact = _VISIBLE_DROP.sub("", codes.normalise(text))
        assert candidate.code in compact, (text, candidate)
        rest = compact.replace(candidate.code, "", 1)
        assert rest == "OK", (text, candidate, rest)


@given(
    before=near_ok_text,
    after=near_ok_text,
    code=valid_codes,
    writing=st.sampled_from(sorted(WRITINGS)),
    gap_before=st.sampled_from(SPACES),
    gap_after=st.sampled_from(SPACES),
)
def test_a_reply_confirms_only_when_the_rest_is_exactly_ok(
    before, after, code, writing, gap_before, gap_after
):
    text = before + gap_before + WRITINGS[writing](code) + gap_after + after
    assert_confirms_only_on_exactly_ok(text)
    # And with both sides made of the listed pieces only, the documented rule decides: the
    # answer is the text minus the code and the separators next to it, and the reply
    # confirms exactly when that answer is OK.
    found = [c for c in parse(text).candidates if c.code == code]
    if not found:  # typed in small groups next to another small group: a longer run, no code
        assert writing in ("every symbol", "pairs"), (text, parse(text))
        return
    (candidate,) = found
    if set(before + after) <= MODEL_CHARS:
        left, right = before.rstrip(NEXT_TO_CODE), after.lstrip(NEXT_TO_CODE)
        answer = (f"{left} {right}" if left and right else left + right).strip()
        confirms = is_confirmation(candidate.answer, "OK")
        assert confirms == (answer.upper() == "OK"), (text, candidate)


@given(st.text())
def test_no_text_confirms_unless_the_rest_is_ok(text):
    assert_confirms_only_on_exactly_ok(text)


@given(code=valid_codes, answer=st.sampled_from(NEAR_OK), sep=st.sampled_from(SPACES))
def test_look_alikes_of_ok_never_confirm(code, answer, sep):
    assume(answer.upper() not in ("OK",))
    for text in (f"{code}{sep}{answer}", f"{answer}{sep}{code}"):
        for candidate in parse(text).candidates:
            assert not is_confirmation(candidate.answer, "OK"), (text, candidate)


# --- the parser finds codes however they are written -----------------------------------

# Look-alikes for the symbols of the alphabet, written out here (not taken from
# amsplan.domain.codes) so that the test checks the table instead of copying it.
LOOK_ALIKES: dict[str, str] = {
    "A": "\u0391\u03b1\u0410\u0430",  # Greek Alpha, alpha; Cyrillic A, a
    "C": "\u0421\u0441\u03f9\u03f2",  # Cyrillic Es, es; Greek lunate sigma
    "D": "\u0500\u0501",  # Cyrillic Komi De
    "E": "\u0395\u03b5\u0415\u0435",  # Greek Epsilon; Cyrillic Ie
    "F": "\u03dc\u03dd",  # Greek digamma
    "H": "\u0397\u041d\u043d\u04ba\u04bb",  # Greek Eta; Cyrillic En, Shha
    "J": "\u0408\u0458\u037f\u03f3",  # Cyrillic Je; Greek yot
    "K": "\u039a\u03ba\u041a\u043a",  # Greek Kappa; Cyrillic Ka
    "M": "\u039c\u041c\u043c",  # Greek Mu; Cyrillic Em
    "N": "\u039d",  # Greek Nu
    "P": "\u03a1\u03c1\u0420\u0440",  # Greek Rho; Cyrillic Er
    "T": "\u03a4\u03c4\u0422\u0442",  # Greek Tau; Cyrillic Te
    "W": "\u051c\u051d",  # Cyrillic We
    "X": "\u03a7\u03c7\u0425\u0445",  # Greek Chi; Cyrillic Ha
    "Y": "\u03a5\u0423\u0443\u04ae\u04af",  # Greek Upsilon; Cyrillic U, Straight U
    "3": "\u0417\u0437",  # Cyrillic Ze
}


def spellings(symbol: str) -> str:
    """Every way to write one symbol: upper, lower, fullwidth, look-alikes."""
    fullwidth = chr(ord(symbol) + 0xFEE0)
    return symbol + symbol.lower() + fullwidth + fullwidth.lower() + LOOK_ALIKES.get(symbol, "")


def test_look_alike_table_is_understood_one_by_one():
    for symbol in ALPHABET:
        for spelling in spellings(symbol):
            assert codes.normalise(spelling) == symbol, (symbol, spelling, hex(ord(spelling)))


def test_greek_lunate_sigma_reads_as_c():
    # NFKC turns the lunate sigma into a sigma; the look-alike table must win over it.
    code = next(c for c in LIVE if "C" in c)
    for sigma in "\u03f9\u03f2":
        assert codes.normalise(sigma) == "C"
        assert [c.code for c in parse(code.replace("C", sigma) + " OK").candidates] == [code]


@st.composite
def disguised(draw, code: str) -> str:
    """The code with each symbol spelled at random, cut into random parts by spaces/dashes."""
    symbols = [draw(st.sampled_from(spellings(symbol))) for symbol in code]
    joiners = st.sampled_from(["", "", "", " ", "-", " - ", "\u2013", "\u00a0", "  ", "\n"])
    out = symbols[0]
    for symbol in symbols[1:]:
        out += draw(joiners) + symbol
    return out


@settings(max_examples=300)
@given(code=valid_codes, data=st.data())
def test_a_code_is_found_however_it_is_spelled(code, data):
    written = data.draw(disguised(code))
    words = st.text(alphabet="bgilosqzæøåBGILOSQZ0258!?.", min_size=1, max_size=8)
    before = data.draw(st.lists(words, max_size=3).map(" ".join))
    after = data.draw(st.sampled_from(["OK", "ok", "KONTAKT", "", "Ok!!"]))
    text = f"{before} {written} {after}".strip()
    found = [c for c in parse(text).candidates if c.code == code]
    assert found, (text, parse(text))
    assert canonical(written) == code, written
    assert is_confirmation(found[0].answer, "OK") == (after.upper() == "OK" and not before), text


@given(code=valid_codes, position=st.integers(0, CODE_LENGTH - 1), data=st.data())
def test_a_look_alike_of_a_symbol_outside_the_alphabet_is_never_read_as_a_symbol(
    code, position, data
):
    # O, I, L, S, B, Z, G and their Greek/Cyrillic twins are not symbols: nothing maps
    # them onto one, so a code with one of them is no code at all.
    wrong = data.draw(st.sampled_from("0OQ1IL2Z5S8BG\u039f\u041e\u0399\u0406\u0392\u0412\u0405"))
    text = code[:position] + wrong + code[position + 1 :]
    assert canonical(text) is None
    assert parse(f"{text} OK").candidates == ()


any_unicode = st.text(
    alphabet=st.characters(exclude_categories=()),  # every category, surrogates included
    max_size=300,
)


@settings(max_examples=300)
@given(text=any_unicode, code=valid_codes, cut=st.integers(0, 300))
def test_the_parser_never_raises_on_any_text(text, code, cut):
    for sample in (text, text[:cut] + code + text[cut:], text * 50):
        reply = parse(sample)
        assert reply.text == sample
        for candidate in reply.candidates:
            assert codes.is_valid(candidate.code)
            assert isinstance(candidate.answer, str)
        assert canonical(sample) is None or codes.is_valid(canonical(sample))


# --- the workflow engine never reaches a status the table does not allow ----------------

ALLOWED = frozenset((source, t.target) for t in TABLE for source in t.sources)
NAMES = sorted(TRANSITIONS) + ["no_such_transition", "", "PLAN", "close "]
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "resolution": st.sampled_from(["OK", "Kunde ikke hjemme", ""]),
        "until": st.just(date(2026, 6, 1)),
        "text": st.sampled_from(["KONTAKT", ""]),
    },
)


@dataclass
class Order:
    status: str
    order_no: str = "AMS-1"
    technician_id: str | None = "T01"
    planned_start: datetime | None = datetime(2026, 4, 22, 6, tzinfo=UTC)
    estimate_minutes: int | None = 60
    customer_name: str = "Kari Nordmann"
    street: str = "Storgata 1"
    postcode: str = "2317"
    city: str = "HAMAR"
    mobile: str | None = "+4741234567"
    no_sms: bool = False


orders = st.builds(
    Order,
    status=st.sampled_from([s.value for s in Status]),
    technician_id=st.sampled_from(["T01", None]),
    planned_start=st.sampled_from([datetime(2026, 4, 22, 6, tzinfo=UTC), None]),
    estimate_minutes=st.sampled_from([60, None, 0]),
    customer_name=st.sampled_from(["Kari", "", "  "]),
    street=st.sampled_from(["Storgata 1", ""]),
    mobile=st.sampled_from(["+4741234567", None]),
    no_sms=st.booleans(),
)


def step(order: Order, name: str, params: dict) -> None:
    """Apply one transition and check it against the table."""
    before = Status(order.status)
    try:
        change = engine.apply(order, name, params)
    except TransitionRefused:
        assert order.status == before.value, (name, before, order.status)
        return
    after = Status(order.status)
    transition = TRANSITIONS[name]
    assert (before, after) in ALLOWED, (name, before, after)
    assert before in transition.sources and after is transition.target, (name, before, after)
    assert (change.from_status, change.to_status) == (before, after)


@settings(max_examples=300)
@given(
    order=orders,
    walk=st.lists(st.tuples(st.sampled_from(NAMES), PARAMS), max_size=40),
)
def test_a_random_walk_only_takes_steps_of_the_table(order, walk):
    for name, params in walk:
        step(order, name, params)
    assert Status(order.status) in Status


@given(order=orders, name=st.sampled_from(NAMES), params=PARAMS)
def test_check_never_changes_the_order(order, name, params):
    before = dict(order.__dict__)
    try:
        engine.check(order, name, params)
    except TransitionRefused:
        pass
    assert order.__dict__ == before


class WorkflowMachine(RuleBasedStateMachine):
    """An order driven by arbitrary transitions; its data changes between steps."""

    @initialize(order=orders)
    def start(self, order):
        self.order = order
        self.start_status = Status(order.status)
        self.seen = {self.start_status}

    @rule(name=st.sampled_from(NAMES), params=PARAMS)
    def transition(self, name, params):
        step(self.order, name, params)
        self.seen.add(Status(self.order.status))

    @rule(
        field=st.sampled_from(["technician_id", "planned_start", "mobile", "street"]),
        present=st.booleans(),
    )
    def edit(self, field, present):
        defaults = Order(status="open")
        setattr(self.order, field, getattr(defaults, field) if present else None)

    @precondition(lambda self: hasattr(self, "order"))
    @invariant()
    def status_is_known(self):
        assert self.order.status in {s.value for s in Status}
        # every status the walk reached is where it started, or the target of a transition
        assert self.seen <= {self.start_status} | {t.target for t in TABLE}


WorkflowMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, suppress_health_check=[HealthCheck.too_slow]
)
TestWorkflowMachine = WorkflowMachine.TestCase
