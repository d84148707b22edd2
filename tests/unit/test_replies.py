"""Unit tests for amsplan.domain.replies: finding booking codes and the answer in reply texts."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from amsplan.domain.codes import (
    ALPHABET,
    BODY_LENGTH,
    CODE_LENGTH,
    check_character,
    format_code,
    generate,
    is_valid,
    normalise,
)
from amsplan.domain.replies import MAX_CANDIDATES, Candidate, ParsedReply, is_confirmation, parse

bodies = st.text(alphabet=ALPHABET, min_size=BODY_LENGTH, max_size=BODY_LENGTH)
valid_codes = bodies.map(lambda body: body + check_character(body))
# Characters that can never be part of a code: letters and digits outside the alphabet,
# Norwegian letters, punctuation (including the separators stripped around the code).
SAFE_WORD_CHARS = "bgilosqzBGILOSQZæøåÆØÅ0258!?.'\"():;,-"
safe_words = st.text(alphabet=SAFE_WORD_CHARS, min_size=1, max_size=12)
SEPARATORS = " :;,-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b"


def make_code(seed: int) -> str:
    return generate(random.Random(seed).randrange)


def code_starting_with(prefix: str, seed: int = 0) -> str:
    rng = random.Random(seed)
    body = prefix + "".join(rng.choice(ALPHABET) for _ in range(BODY_LENGTH - len(prefix)))
    return body + check_character(body)


def only(reply: ParsedReply) -> Candidate:
    assert len(reply.candidates) == 1, reply
    return reply.candidates[0]


def candidate_for(reply: ParsedReply, code: str) -> Candidate:
    matches = [c for c in reply.candidates if c.code == code]
    assert len(matches) == 1, (code, reply)
    return matches[0]


def reference_answer(before: str, after: str) -> str:
    """The documented answer rule, character by character on the original text.

    A character counts as a separator when its normalised form is only whitespace, one of
    " :;,-" or a dash (or nothing: zero-width characters), and as blank when its
    normalised form is only whitespace or nothing.
    """

    def separator(ch: str) -> bool:
        return all(c.isspace() or c in SEPARATORS for c in normalise(ch))

    def blank(ch: str) -> bool:
        return all(c.isspace() for c in normalise(ch))

    end = len(before)
    while end and separator(before[end - 1]):
        end -= 1
    start = 0
    while start < len(after) and separator(after[start]):
        start += 1
    before, after = before[:end], after[start:]
    while before and blank(before[0]):
        before = before[1:]
    while after and blank(after[-1]):
        after = after[:-1]
    joined = f"{before} {after}" if before and after else before + after
    return joined.strip()


CODE = make_code(1)
PRINTED = format_code(CODE)


# --- the examples -----------------------------------------------------------------------


def test_code_then_ok_confirms():
    candidate = only(parse(f"{PRINTED} OK"))
    assert candidate == Candidate(code=CODE, answer="OK")
    assert is_confirmation(candidate.answer, "OK")


def test_ok_then_lower_case_code_confirms():
    candidate = only(parse(f"ok {CODE.lower()}"))
    assert candidate == Candidate(code=CODE, answer="ok")
    assert is_confirmation(candidate.answer, "OK")


def test_ok_with_exclamation_marks_is_not_a_confirmation():
    candidate = only(parse(f"{CODE[:4]} {CODE[4:]}: Ok!!"))
    assert candidate == Candidate(code=CODE, answer="Ok!!")
    assert not is_confirmation(candidate.answer, "OK")


def test_kontakt():
    candidate = only(parse(f"KONTAKT {CODE}"))
    assert candidate == Candidate(code=CODE, answer="KONTAKT")
    assert not is_confirmation(candidate.answer, "OK")


@pytest.mark.parametrize(
    ("keyword_ok", "keyword_contact"), [("OK", "KONTAKT"), ("JA", "NEI"), (" ja ", "nei")]
)
def test_the_configured_word_confirms_and_nothing_else(keyword_ok, keyword_contact):
    """[replies] keyword_ok decides: exactly that word, any case, trimmed; not "OK" when
    the word is "JA", not the contact word, not the word with more text."""
    word = keyword_ok.strip()
    for answer in (word, word.lower(), word.capitalize(), f"  {word}\t\n"):
        assert is_confirmation(only(parse(f"{PRINTED} {answer}")).answer, keyword_ok), answer
    others = [keyword_contact, f"{word}!!", f"{word} takk", "", "JA" if word == "OK" else "OK"]
    for answer in others:
        assert not is_confirmation(only(parse(f"{PRINTED} {answer}")).answer, keyword_ok), answer


def test_code_in_a_sentence():
    reply = parse(f"Hei, koden er {PRINTED} og det passer fint")
    candidate = only(reply)
    assert candidate == Candidate(code=CODE, answer="Hei, koden er og det passer fint")
    assert not is_confirmation(candidate.answer, "OK")
    assert reply.first() is candidate
    assert reply.text == f"Hei, koden er {PRINTED} og det passer fint"


def test_text_without_a_code():
    for text in ["", "   ", "OK", "KONTAKT", "Ring meg", "ACDE-7FH", "ACDE 7FH0 OK"]:
        reply = parse(text)
        assert reply == ParsedReply(text=text, candidates=())
        assert reply.first() is None


@pytest.mark.parametrize(
    "written",
    [
        CODE,
        CODE.lower(),
        PRINTED,
        PRINTED.lower(),
        f"{CODE[:4]} {CODE[4:]}",
        "-".join(CODE[i : i + 2] for i in range(0, CODE_LENGTH, 2)),
        " ".join(CODE),
        " - ".join(CODE),
        f"{CODE[:4]}\u2013{CODE[4:]}",  # en dash
        f"{CODE[:4]}\u00a0\u00a0{CODE[4:]}",  # no-break spaces
        f"{CODE[:4]}\n{CODE[4:]}",
        "".join(chr(ord(ch) + 0xFEE0) for ch in CODE),  # fullwidth
        f"{CODE[:2]}\u200b{CODE[2:]}",  # zero-width space inside the code
    ],
)
def test_ways_of_writing_the_code(written):
    candidate = only(parse(f"Svar: {written} OK takk"))
    assert candidate == Candidate(code=CODE, answer="Svar OK takk")


def test_greek_and_cyrillic_look_alikes_in_the_code():
    code = code_starting_with("KAMEP", seed=3)
    for spelled in [
        "\u041a\u0391" + code[2:],  # Cyrillic capital K, Greek capital A
        "\u043a\u03b1\u043c\u0435\u0440" + code[5:],  # small Cyrillic/Greek letters
        "\u039a\u0410\u039c\u0415\u03a1" + code[5:].lower(),
    ]:
        text = f"{spelled[:4]}-{spelled[4:]} OK"
        candidate = only(parse(text))
        assert candidate == Candidate(code=code, answer="OK")


def test_a_mistyped_code_is_not_found():
    for code in [make_code(seed) for seed in range(20)]:
        for position in range(CODE_LENGTH):
            for symbol in ALPHABET:
                if symbol != code[position]:
                    typo = code[:position] + symbol + code[position + 1 :]
                    assert parse(f"{format_code(typo)} OK").candidates == ()
        for position in range(CODE_LENGTH - 1):
            if code[position] != code[position + 1]:
                swapped = (
                    code[:position] + code[position + 1] + code[position] + code[position + 2 :]
                )
                assert parse(f"{format_code(swapped)} OK").candidates == ()
        assert parse(f"{code[:-1]} OK").candidates == ()
        assert parse(f"{code}{code[-1]} OK").candidates == ()


def test_look_alikes_outside_the_alphabet_are_not_mapped():
    # O, 0, I, 1, L ... are not symbols and nothing is mapped to them: no code.
    for wrong in "O0QI1L2Z5S8BG\u041e\u039f\u0406\u0392":  # last: Cyrillic O, Greek O, ...
        assert parse(f"{wrong}{CODE[1:]} OK").candidates == (), wrong
        assert parse(f"{CODE[:4]}-{CODE[4:7]}{wrong} OK").candidates == (), wrong


def test_no_code_out_of_the_middle_of_a_longer_token():
    for text in [
        f"X{CODE}X",
        f"X{CODE}",
        f"{CODE}X",
        f"{CODE}OK",
        f"{CODE}9",
        f"ok{CODE}",
        f"{CODE}\u00e9",
        f"{CODE}\u0301 ok",  # combining accent on the last symbol
        f"{CODE[:4]}-{CODE[4:]}K",
        f"A{CODE[:4]} {CODE[4:]}",
    ]:
        assert parse(text).candidates == (), text


def test_only_spaces_and_dashes_join_the_parts_of_a_code():
    for joiner in [".", ",", "/", "_", ":", "+", "·"]:
        assert parse(f"{CODE[:4]}{joiner}{CODE[4:]}").candidates == (), joiner


# --- answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("{code}", ""),
        ("  {printed}  ", ""),
        ("{printed}: OK", "OK"),
        ("{printed} - OK", "OK"),
        ("{printed}-OK", "OK"),
        ("OK - {printed}", "OK"),
        ("OK, {printed}.", "OK ."),
        ("{printed};;  Kontakt meg!  ", "Kontakt meg!"),
        ("Ja.\n{printed}\nOK", "Ja. OK"),
        ("\u200b {printed}\u00a0\uff1a\u200bOK\u200b ", "OK"),  # zero-width, fullwidth colon
        ("Jeg – {printed} – kan ikke", "Jeg kan ikke"),
        ("\ufb01ne \u0416: {printed} \u2014 \u00abok\u00bb", "\ufb01ne \u0416 \u00abok\u00bb"),
        ("A\u200bB: {printed}", "A\u200bB"),
        ("Ring 97 66 44 33 {printed} ok", "Ring 97 66 44 33 ok"),
    ],
)
def test_answer_is_the_text_around_the_code(text, answer):
    reply = parse(text.format(code=CODE, printed=PRINTED))
    assert candidate_for(reply, CODE).answer == answer


@given(
    before=st.lists(safe_words, max_size=6),
    after=st.lists(safe_words, max_size=6),
    code=valid_codes,
    style=st.sampled_from(["plain", "printed", "spaced", "pairs", "every", "dashes"]),
    lower=st.booleans(),
)
def test_code_embedded_in_words_is_found_with_its_answer(before, after, code, style, lower):
    written = {
        "plain": code,
        "printed": format_code(code),
        "spaced": f"{code[:4]} {code[4:]}",
        "pairs": "-".join(code[i : i + 2] for i in range(0, CODE_LENGTH, 2)),
        "every": " ".join(code),
        "dashes": " - ".join([code[:3], code[3:6], code[6:]]),
    }[style]
    if lower:
        written = written.lower()
    text = " ".join([*before, written, *after])
    expected = reference_answer(" ".join(before), " ".join(after))
    assert parse(text).candidates == (Candidate(code=code, answer=expected),)
    # Independently of the reference: the plain rule from the brief for ASCII text.
    strip = " :;,-"
    left = " ".join(before).rstrip(strip)
    right = " ".join(after).lstrip(strip)
    assert expected == (f"{left} {right}" if left and right else left + right).strip()


@given(prefix=st.text(), suffix=st.text(), code=valid_codes, data=st.data())
def test_code_between_arbitrary_unicode_text_is_found(prefix, suffix, code, data):
    # The "." shields keep the random text from joining the code's tokens.
    separator_before = data.draw(st.sampled_from([" ", ": ", " - ", "\u00a0", "\n", "\uff1a"]))
    separator_after = data.draw(st.sampled_from([" ", " ", ", ", "\u2013", "\u200b ", "\t"]))
    before = prefix + "."
    after = "." + suffix
    text = before + separator_before + format_code(code) + separator_after + after
    reply = parse(text)
    assume(all(c.code != code for c in parse(before).candidates + parse(after).candidates))
    assert candidate_for(reply, code).answer == reference_answer(before, after)


def test_several_codes_in_order_without_duplicates():
    first, second = make_code(10), make_code(11)
    text = f"{format_code(second)} eller {first.lower()}? {second} OK"
    reply = parse(text)
    assert [c.code for c in reply.candidates] == [second, first]
    assert reply.first() == Candidate(code=second, answer=f"eller {first.lower()}? {second} OK")
    assert reply.candidates[1] == Candidate(
        code=first, answer=f"{format_code(second)} eller ? {second} OK"
    )


def test_nine_single_symbols_are_no_code_even_when_eight_of_them_would_be():
    # Single symbols s0 .. s8 where both s0..s7 and s1..s8 are valid codes: the customer
    # typed one symbol too many, and which code was meant cannot be known.
    rng = random.Random(42)
    body = "".join(rng.choice(ALPHABET) for _ in range(BODY_LENGTH))
    first = body + check_character(body)
    second = first[1:] + check_character(first[1:])
    symbols = first + second[-1]
    assert parse(" ".join(symbols)).candidates == ()
    assert [c.code for c in parse(" ".join(first)).candidates] == [first]


def test_number_of_candidates_is_capped():
    many = [make_code(seed) for seed in range(100, 100 + MAX_CANDIDATES + 8)]
    assert len(set(many)) == len(many)
    reply = parse(" ".join(many))
    assert [c.code for c in reply.candidates] == many[:MAX_CANDIDATES]


def test_results_are_frozen():
    reply = parse(f"{PRINTED} OK")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.candidates[0].answer = "KONTAKT"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.text = ""  # type: ignore[misc]


# --- confirmation -----------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["OK", "ok", "Ok", "oK", " OK ", "\tok\n", "\u00a0OK\u3000"])
def test_confirmations(answer):
    assert is_confirmation(answer, "OK")


@pytest.mark.parametrize(
    "answer",
    [
        "",
        " ",
        "Ok!!",
        "OK.",
        "ok takk",
        "OKK",
        "O K",
        "0K",
        "KO",
        "OK OK",
        "\u041e\u041a",  # Cyrillic "ОК": deliberately strict, goes to manual follow-up
        "\uff2f\uff2b",  # fullwidth
        "O\u200bK",
        "KONTAKT",
        "Ja",
    ],
)
def test_not_confirmations(answer):
    assert not is_confirmation(answer, "OK")


@given(
    pre=st.text(),
    ok=st.sampled_from(["ok", "OK", "Ok", "oK"]),
    post=st.text(),
)
def test_anything_besides_whitespace_around_ok_is_not_a_confirmation(pre, ok, post):
    expected = pre.strip() == "" and post.strip() == ""
    assert is_confirmation(pre + ok + post, "OK") == expected


@given(st.text().filter(lambda s: s.strip().upper() != "OK"))
def test_a_non_ok_answer_never_confirms(answer):
    assert not is_confirmation(answer, "OK")


@given(st.text())
def test_answer_after_the_code_confirms_only_when_it_is_ok(answer):
    candidate = candidate_for(parse(f"{PRINTED} {answer}"), CODE)
    # Separators and invisible characters next to the code are dropped, nothing else.
    assert candidate.answer == reference_answer("", answer)
    assert is_confirmation(candidate.answer, "OK") == (candidate.answer.upper() == "OK")
    if is_confirmation(candidate.answer, "OK"):
        visible = [ch for ch in answer if normalise(ch).strip().strip(SEPARATORS)]
        assert "".join(visible).upper() == "OK"


@given(answer=st.text(alphabet=SAFE_WORD_CHARS + "OKok ", max_size=12))
def test_confirmation_through_parse(answer):
    candidate = candidate_for(parse(f"{PRINTED} {answer}"), CODE)
    stripped = answer.lstrip(" :;,-").strip()
    assert candidate.answer == stripped
    assert is_confirmation(candidate.answer, "OK") == (stripped.upper() == "OK")


# --- robustness -------------------------------------------------------------------------


def check_invariants(text: str, reply: ParsedReply) -> None:
    assert reply.text == text
    found = [c.code for c in reply.candidates]
    assert len(found) == len(set(found)) <= MAX_CANDIDATES
    for candidate in reply.candidates:
        assert is_valid(candidate.code)
        assert isinstance(candidate.answer, str)
        assert len(candidate.answer) <= len(text) + 1
        assert candidate.answer == candidate.answer.strip()


@given(st.text())
def test_parse_never_raises_on_text(text):
    check_invariants(text, parse(text))


@given(st.binary())
def test_parse_never_raises_on_decoded_bytes(data):
    for encoding in ("utf-8", "cp1252", "utf-16"):
        text = data.decode(encoding, errors="replace")
        check_invariants(text, parse(text))


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(ALPHABET + ALPHABET.lower() + " -–\u200b\u0301\ufb01:OK"),
            st.characters(),
        ),
        max_size=200,
    )
)
def test_parse_never_raises_on_code_like_text(text):
    check_invariants(text, parse(text))


def test_surrogates_and_control_characters():
    for text in ["\ud800", f"\udfff{PRINTED}\ud800 OK", f"\x00{PRINTED}\x00", "\x1b[31mOK"]:
        check_invariants(text, parse(text))
    assert only(parse(f"\ud800 {PRINTED} OK")) == Candidate(CODE, "\ud800 OK")


def big_text(rng: random.Random, size: int) -> str:
    words = ["hei", "og", "det", "passer", "ikke", "Å", "ære", "Привет", "καλή", "ﬁne", "a\u200bb"]
    parts: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(words)
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)


def test_a_megabyte_of_text_with_a_code_in_the_middle():
    rng = random.Random(99)
    before, after = big_text(rng, 500_000), big_text(rng, 500_000)
    text = f"{before} {PRINTED}: OK {after}"
    assert len(text) > 1_000_000
    candidate = only(parse(text))
    assert candidate.code == CODE
    assert candidate.answer == f"{before} OK {after}".strip()


def test_a_megabyte_of_ascii_text_with_codes_at_both_ends():
    other = make_code(2)
    filler = "ring meg ikke, takk. " * 50_000
    text = f"{PRINTED} {filler}{other}"
    reply = parse(text)
    assert [c.code for c in reply.candidates] == [CODE, other]
    assert reply.candidates[0].answer == filler.strip() + " " + other
    assert reply.candidates[1].answer == PRINTED + " " + filler.strip()


def test_a_megabyte_of_single_symbols_and_of_one_token():
    assert not is_valid("CCCCCCCC")
    assert parse("C " * 500_000).candidates == ()
    glued = parse("C-" * 500_000 + PRINTED)  # the code's own tokens still form the code
    assert candidate_for(glued, CODE).answer == ("C-" * 500_000).rstrip("-")
    assert only(parse("C " * 500_000 + "/ " + PRINTED)).code == CODE
    assert parse("A" * 1_000_000).candidates == ()
    assert parse("A " * 500_000).candidates == ()  # a run of single symbols, not a code
    assert parse("\u200b" * 1_000_000).candidates == ()
    assert only(parse(" " * 1_000_000 + PRINTED + "\u00a0" * 1_000_000)).answer == ""
