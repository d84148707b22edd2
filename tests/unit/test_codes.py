"""Unit tests for amsplan.domain.codes: alphabet, check character, generation, normalising."""

from __future__ import annotations

import inspect
import itertools
import random
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amsplan.domain.codes import (
    ALPHABET,
    BODY_LENGTH,
    CODE_LENGTH,
    canonical,
    check_character,
    format_code,
    generate,
    is_valid,
    normalise,
)

# Weights of the whole code as documented in amsplan.domain.codes: body 1..7, check char -1 = 22.
WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 22)
# Of the pair 6/G only G is left out: 6 stays so that the alphabet has a prime size (23).
LOOK_ALIKES = "0OQ1IL2Z5S8BG"

bodies = st.text(alphabet=ALPHABET, min_size=BODY_LENGTH, max_size=BODY_LENGTH)
valid_codes = bodies.map(lambda body: body + check_character(body))


def weighted_sum(code: str) -> int:
    return sum(w * ALPHABET.index(ch) for w, ch in zip(WEIGHTS, code, strict=True)) % 23


def code_with(fixed: dict[int, str]) -> str:
    """A valid code with the given symbols at the given positions (7 = check character)."""
    body = ["A"] * BODY_LENGTH
    for position, symbol in fixed.items():
        if position < BODY_LENGTH:
            body[position] = symbol
    free = [p for p in range(BODY_LENGTH) if p not in fixed]
    for symbol in ALPHABET if BODY_LENGTH in fixed else "A":
        body[free[0]] = symbol
        code = "".join(body) + check_character("".join(body))
        if code[BODY_LENGTH] == fixed.get(BODY_LENGTH, code[BODY_LENGTH]):
            break
    assert is_valid(code) and all(code[p] == s for p, s in fixed.items())
    return code


def substitutions(code: str):
    for position in range(CODE_LENGTH):
        for symbol in ALPHABET:
            if symbol != code[position]:
                yield code[:position] + symbol + code[position + 1 :]


def swapped(code: str, i: int, j: int) -> str:
    chars = list(code)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def random_codes(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [generate(rng.randrange) for _ in range(n)]


# --- alphabet and constants -------------------------------------------------------------


def test_alphabet_has_23_distinct_symbols_and_no_look_alikes():
    assert ALPHABET == "ACDEFHJKMNPRTUVWXY34679"
    assert len(ALPHABET) == len(set(ALPHABET)) == 23
    assert all(23 % d for d in range(2, 23))  # prime
    assert not set(LOOK_ALIKES) & set(ALPHABET)
    assert "6" in ALPHABET
    assert ALPHABET.upper() == ALPHABET and ALPHABET.isalnum() and ALPHABET.isascii()
    assert (BODY_LENGTH, CODE_LENGTH) == (7, 8)


# --- check character --------------------------------------------------------------------


def test_check_character_worked_example():
    # A C D E 7 F H have values 0 1 2 3 21 4 5:
    # 1*0 + 2*1 + 3*2 + 4*3 + 5*21 + 6*4 + 7*5 = 184 = 8 * 23 -> 0 -> "A"
    assert check_character("ACDE7FH") == "A"
    assert is_valid("ACDE7FHA")
    # 9 has value 22: 22 * (1 + ... + 7) = 616 = 26 * 23 + 18 -> ALPHABET[18] = "3"
    assert check_character("9999999") == "3"


@given(bodies)
def test_check_character_is_the_documented_weighted_sum(body):
    expected = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body)) % 23
    assert check_character(body) == ALPHABET[expected]


@given(st.text(alphabet=ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH))
def test_is_valid_means_weighted_sum_is_zero(code):
    # is_valid is exactly the linear condition sum(w_i * v_i) == 0 mod 23, so the effect of a
    # substitution or transposition does not depend on the other symbols: the exhaustive
    # tests below, over all positions and symbol pairs, are a proof for every code.
    assert is_valid(code) == (weighted_sum(code) == 0)


@pytest.mark.parametrize(
    "body", ["", "ACDE7F", "ACDE7FHA", "acde7fh", "ACDE7FO", "ACDE7F0", "ACDE-7F", "ACDE7FК"]
)
def test_check_character_rejects_bad_bodies(body):
    with pytest.raises(ValueError):
        check_character(body)


def test_weights_are_distinct_and_nonzero_mod_23():
    assert all(w % 23 for w in WEIGHTS)
    assert len({w % 23 for w in WEIGHTS}) == len(WEIGHTS)


def test_every_single_substitution_is_detected_exhaustively():
    checked = 0
    for position in range(CODE_LENGTH):
        for a, b in itertools.permutations(ALPHABET, 2):
            code = code_with({position: a})
            altered = code[:position] + b + code[position + 1 :]
            assert not is_valid(altered), (code, altered)
            checked += 1
    assert checked == CODE_LENGTH * 23 * 22


def test_every_adjacent_transposition_is_detected_exhaustively():
    # Includes positions 6 and 7: last body symbol swapped with the check character.
    checked = 0
    for position in range(CODE_LENGTH - 1):
        for a, b in itertools.permutations(ALPHABET, 2):
            code = code_with({position: a, position + 1: b})
            assert not is_valid(swapped(code, position, position + 1)), code
            checked += 1
    assert checked == (CODE_LENGTH - 1) * 23 * 22


def test_every_transposition_at_any_distance_is_detected_exhaustively():
    for i, j in itertools.combinations(range(CODE_LENGTH), 2):
        for a, b in itertools.permutations(ALPHABET, 2):
            code = code_with({i: a, j: b})
            assert not is_valid(swapped(code, i, j)), (code, i, j)


def test_every_adjacent_twin_error_is_detected_exhaustively():
    # "aa" -> "bb" at neighbouring positions
    for position in range(CODE_LENGTH - 1):
        for a, b in itertools.permutations(ALPHABET, 2):
            code = code_with({position: a, position + 1: a})
            altered = code[:position] + b + b + code[position + 2 :]
            assert not is_valid(altered), (code, altered)


def test_substitutions_and_transpositions_of_random_codes_are_invalid():
    for code in random_codes(300, seed=20260423):
        assert is_valid(code)
        variants = list(substitutions(code))
        assert len(variants) == CODE_LENGTH * 22
        variants += [
            swapped(code, i, i + 1) for i in range(CODE_LENGTH - 1) if code[i] != code[i + 1]
        ]
        for variant in variants:
            assert not is_valid(variant), (code, variant)
            assert canonical(variant) is None
            assert canonical(format_code(variant).lower()) is None


def test_dropped_or_added_characters_are_never_accepted():
    for code in random_codes(100, seed=7):
        for position in range(CODE_LENGTH):
            dropped = code[:position] + code[position + 1 :]
            assert canonical(dropped) is None
            assert canonical(dropped[:4] + "-" + dropped[4:]) is None
        for position in range(CODE_LENGTH + 1):
            for symbol in ALPHABET:
                added = code[:position] + symbol + code[position:]
                assert canonical(added) is None
                assert canonical(added[:4] + " " + added[4:]) is None


@given(valid_codes, st.data())
def test_dropped_or_added_character_hypothesis(code, data):
    position = data.draw(st.integers(0, CODE_LENGTH - 1))
    assert canonical(code[:position] + code[position + 1 :]) is None
    symbol = data.draw(st.sampled_from(ALPHABET))
    assert canonical(code[:position] + symbol + code[position:]) is None


# --- generate ---------------------------------------------------------------------------


def test_generate_defaults_to_secrets():
    assert inspect.signature(generate).parameters["randbelow"].default is secrets.randbelow


def test_generate_uses_the_injected_randomness():
    calls = []

    def counting(n):
        calls.append(n)
        return len(calls) - 1

    code = generate(counting)
    assert calls == [23] * BODY_LENGTH
    assert code == "ACDEFHJ" + check_character("ACDEFHJ")
    assert generate(lambda n: n - 1) == "9999999" + check_character("9999999")
    assert generate(lambda n: 0) == "AAAAAAAA"


def test_generate_gives_valid_distinct_codes_from_the_alphabet():
    drawn = [generate() for _ in range(10_000)]
    for code in drawn:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
        assert is_valid(code)
        assert canonical(code) == code
    # 23**7 (3.4e9) bodies: expect 0.015 collisions among 10,000 draws, so a collision or
    # two is possible (uniqueness among live codes is the caller's job); more would mean
    # broken randomness.
    assert len(set(drawn)) >= 10_000 - 2
    # Every symbol turns up in every position, including the check character.
    for position in range(CODE_LENGTH):
        assert {code[position] for code in drawn} == set(ALPHABET)


def test_generate_with_seeded_randomness_gives_10000_distinct_codes():
    drawn = random_codes(10_000, seed=1)
    assert len(set(drawn)) == 10_000
    assert all(is_valid(code) for code in drawn)
    assert drawn == random_codes(10_000, seed=1)


# --- is_valid ---------------------------------------------------------------------------


@given(valid_codes)
def test_is_valid_only_accepts_the_canonical_form(code):
    assert is_valid(code)
    assert not is_valid(format_code(code))
    assert not is_valid(" " + code)
    assert not is_valid(code + "A")
    assert not is_valid(code[:-1])
    if code.lower() != code:
        assert not is_valid(code.lower())


@pytest.mark.parametrize("value", ["", "A", "ACDE7FH", "ACDE7FHAA", "ACDE7FH0", None, 12345678])
def test_is_valid_rejects_junk(value):
    assert is_valid(value) is False


# --- normalise --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acde-7fha", "ACDE-7FHA"),
        ("\u0391\u039a\u0395\u0397\u039c\u03a1\u03a4\u03a7\u03a5\u039d", "AKEHMPTXYN"),  # Greek
        ("\u03b1\u03ba\u03b5\u03b7\u03bc\u03c1\u03c4\u03c7", "AKEHMPTX"),  # Greek small
        ("\u0410\u041a\u0415\u041d\u041c\u0420\u0422\u0425\u0423\u0421", "AKEHMPTXYC"),  # Cyr.
        ("\u0430\u043a\u0435\u043d\u043c\u0440\u0442\u0445\u0443\u0441", "AKEHMPTXYC"),  # small
        ("\u0417", "3"),  # Cyrillic Ze looks like 3
        ("\uff21\uff23\uff24\uff25\uff0d\uff17\uff46\uff48\uff41", "ACDE-7FHA"),  # fullwidth
        ("A\u200bC\u200cD\u200dE\u2060\ufeff7\u00adF", "ACDE7F"),  # zero-width, soft hyphen
        ("o0 O Q i1 l L", "O0 O Q I1 L L"),  # look-alikes outside the alphabet stay as they are
        ("a:b, c;d - e\n", "A:B, C;D - E\n"),  # separators are kept
        ("\ufb01", "FI"),  # ligature
        ("", ""),
    ],
)
def test_normalise_examples(text, expected):
    assert normalise(text) == expected


@given(st.text())
def test_normalise_works_character_by_character(text):
    assert normalise(text) == "".join(normalise(ch) for ch in text)
    cut = len(text) // 2
    assert normalise(text) == normalise(text[:cut]) + normalise(text[cut:])


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_normalise_keeps_the_length_of_ascii_text(text):
    assert normalise(text) == text.upper()


@given(st.text())
def test_normalise_leaves_no_lower_case_code_letters(text):
    assert not set(normalise(text)) & (set(ALPHABET.lower()) - set(ALPHABET))


# --- canonical and format_code ----------------------------------------------------------


@given(valid_codes)
def test_canonical_accepts_the_usual_ways_of_writing_a_code(code):
    variants = [
        code,
        code.lower(),
        format_code(code),
        format_code(code).lower(),
        f"{code[:4]} {code[4:]}",
        "-".join(code[i : i + 2] for i in range(0, CODE_LENGTH, 2)),
        " ".join(code),
        f"  {code[:4]} \u2013 {code[4:]}\n",  # en dash, surrounding whitespace
        f"{code[:4]}\u00a0{code[4:]}",  # no-break space
        "".join(chr(ord(ch) + 0xFEE0) for ch in code),  # fullwidth
        code[:3] + "\u200b" + code[3:],  # zero-width space inside
    ]
    for variant in variants:
        assert canonical(variant) == code, variant


def test_canonical_maps_greek_and_cyrillic_look_alikes():
    code = code_with({0: "K", 1: "A", 2: "M", 3: "E"})
    assert canonical("\u041a\u0391" + code[2:]) == code  # Cyrillic K, Greek A
    assert canonical("\u043a\u03b1\u043c\u0435" + code[4:]) == code  # small letters


@given(valid_codes)
def test_canonical_rejects_other_characters(code):
    assert canonical(f"{code[:4]}.{code[4:]}") is None
    assert canonical(f"{code[:4]}_{code[4:]}") is None
    assert canonical(f"{code} OK") is None
    assert canonical(f"X{code}") is None


@pytest.mark.parametrize("text", ["", " ", "-", "OK", "ACDE-7FH0", "ACDE-7FHO", "ACDE-7FH"])
def test_canonical_returns_none_without_a_code(text):
    assert canonical(text) is None


@given(valid_codes)
def test_format_code_round_trips(code):
    printed = format_code(code)
    assert printed == f"{code[:4]}-{code[4:]}"
    assert len(printed) == 9
    assert canonical(printed) == code


def test_format_code_example_and_wrong_lengths():
    assert format_code("ACDE7FHA") == "ACDE-7FHA"
    for bad in ["", "ACDE7FH", "ACDE7FHAA"]:
        with pytest.raises(ValueError):
            format_code(bad)
