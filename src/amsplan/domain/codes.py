"""Booking codes: short, unguessable, typo-detecting codes that customers reply with.

A code is 8 symbols from :data:`ALPHABET`: 7 random symbols (the body) and 1 check
character. It is stored in canonical form (``"ACDE7FHA"``) and printed with a dash in the
middle (``"ACDE-7FHA"``).

Check character
---------------
Give every symbol its index in :data:`ALPHABET` as value (``A`` = 0 … ``9`` = 22) and let
``v1 … v7`` be the values of the body. The check character is the symbol with value::

    c = (1*v1 + 2*v2 + 3*v3 + 4*v4 + 5*v5 + 6*v6 + 7*v7) mod 23

so a whole code ``v1 … v8`` is valid exactly when::

    1*v1 + 2*v2 + … + 7*v7 + 22*v8 ≡ 0  (mod 23)          (22 ≡ -1)

23 is prime, so the integers mod 23 form a field and a product is 0 only when a factor is.

* Single substitution at position i (``a`` → ``b``, ``a ≠ b``) changes the sum by
  ``w_i * (b - a)``. Every weight (1…7, 22) is nonzero mod 23 and ``b - a`` is nonzero mod
  23 (both are values 0…22), so the sum is no longer 0: detected.
* Transposition of positions i and j (``a b`` → ``b a``, ``a ≠ b``) changes the sum by
  ``(w_i - w_j) * (b - a)``. The weights 1, 2, …, 7, 22 are pairwise distinct mod 23, so
  every transposition is detected - adjacent ones, the one involving the check
  character (``7 - 22 ≡ 8``), and jump transpositions too.
* Twin errors (``a a`` → ``b b`` at adjacent positions) change the sum by
  ``(w_i + w_{i+1}) * (b - a)``; the sums 3, 5, …, 13 and ``7 + 22 ≡ 6`` are nonzero, so
  these are detected as well.

Dropped or added characters change the length and are rejected by the length check.

Alphabet
--------
23 symbols without look-alikes: no 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, and no G (6 is kept, so
that the alphabet has a prime number of symbols). A body has ``23**7`` (about 3.4e9, 31.7
bits) possible values, drawn with :mod:`secrets`. Codes are not guaranteed unique: the
caller must keep live codes unique (e.g. a unique index and a retry).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "ALPHABET",
    "BODY_LENGTH",
    "CODE_LENGTH",
    "canonical",
    "check_character",
    "format_code",
    "generate",
    "is_valid",
    "normalise",
]

ALPHABET: str = "ACDEFHJKMNPRTUVWXY34679"
BODY_LENGTH = 7
CODE_LENGTH = BODY_LENGTH + 1

_BASE = len(ALPHABET)  # 23, prime
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Weight of body position i (0-based) is i + 1: 1..7, distinct and nonzero mod 23.
_BODY_WEIGHTS = tuple(range(1, BODY_LENGTH + 1))

assert _BASE == 23 and len(_VALUE) == _BASE, "alphabet must be 23 distinct symbols"

# Greek and Cyrillic letters that look like Latin capitals (or digits in the alphabet).
# Small letters are upper-cased first (α → Α, к → К, у → У) and then looked up here.
_HOMOGLYPHS: dict[str, str] = {
    # Greek capitals
    "\u0391": "A",  # Α
    "\u0392": "B",  # Β
    "\u0395": "E",  # Ε
    "\u0396": "Z",  # Ζ
    "\u0397": "H",  # Η
    "\u0399": "I",  # Ι
    "\u039a": "K",  # Κ
    "\u039c": "M",  # Μ
    "\u039d": "N",  # Ν
    "\u039f": "O",  # Ο
    "\u03a1": "P",  # Ρ
    "\u03a4": "T",  # Τ
    "\u03a5": "Y",  # Υ
    "\u03a7": "X",  # Χ
    "\u03d2": "Y",  # ϒ
    "\u03dc": "F",  # Ϝ
    "\u03f9": "C",  # Ϲ (lunate sigma)
    "\u037f": "J",  # Ϳ
    # Cyrillic capitals
    "\u0410": "A",  # А
    "\u0412": "B",  # В
    "\u0415": "E",  # Е
    "\u0417": "3",  # З
    "\u041a": "K",  # К
    "\u041c": "M",  # М
    "\u041d": "H",  # Н
    "\u041e": "O",  # О
    "\u0420": "P",  # Р
    "\u0421": "C",  # С
    "\u0422": "T",  # Т
    "\u0423": "Y",  # У
    "\u0425": "X",  # Х
    "\u0405": "S",  # Ѕ
    "\u0406": "I",  # І
    "\u0408": "J",  # Ј
    "\u04ae": "Y",  # Ү
    "\u04ba": "H",  # Һ
    "\u04c0": "I",  # Ӏ (palochka)
    "\u0500": "D",  # Ԁ
    "\u051a": "Q",  # Ԛ
    "\u051c": "W",  # Ԝ
    # Small letters whose capital does not look Latin, or that have no capital
    "\u04cf": "I",  # ӏ (small palochka)
    "\u0501": "D",  # ԁ
    "\u051b": "Q",  # ԛ
    "\u051d": "W",  # ԝ
}

# Invisible characters that are removed (besides every format character, category Cf).
_INVISIBLE_EXTRA = frozenset(
    ["\u034f"]  # combining grapheme joiner
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
    + [chr(c) for c in range(0xE0100, 0xE01F0)]  # variation selectors supplement
)


# What may appear inside a written code (after normalise): whitespace and dashes (hyphen,
# en/em dash, minus...). amsplan.domain.replies uses the same set between the parts of a code.
_SEPARATOR_CLASS = r"[\s\-\u2010-\u2015\u2212\u2e3a\u2e3b]"
_SEPARATORS = re.compile(_SEPARATOR_CLASS + "+")


def _symbol_values(text: str, length: int, what: str) -> list[int]:
    if len(text) != length or any(ch not in _VALUE for ch in text):
        raise ValueError(f"{what} must be {length} characters from {ALPHABET!r}, got {text!r}")
    return [_VALUE[ch] for ch in text]


def check_character(body: str) -> str:
    """Check character for a 7-symbol body: ``ALPHABET[sum((i+1) * v_i) mod 23]``.

    Raises ValueError if ``body`` is not exactly 7 symbols of :data:`ALPHABET`.
    """
    values = _symbol_values(body, BODY_LENGTH, "body")
    return ALPHABET[sum(w * v for w, v in zip(_BODY_WEIGHTS, values, strict=True)) % _BASE]


def generate(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A new canonical code (8 symbols, no dash). ``randbelow(n)`` returns 0 <= x < n."""
    body = "".join(ALPHABET[randbelow(_BASE)] for _ in range(BODY_LENGTH))
    return body + check_character(body)


def is_valid(code: str) -> bool:
    """True for a canonical code: exactly 8 symbols of ALPHABET with the right check char."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return False
    if any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:BODY_LENGTH]) == code[BODY_LENGTH]


@lru_cache(maxsize=4096)
def _normalise_char(ch: str) -> str:
    # A listed look-alike wins over NFKC, which would turn e.g. the lunate sigma Ϲ into Σ.
    if ch in _HOMOGLYPHS or ch.upper() in _HOMOGLYPHS:
        return _HOMOGLYPHS.get(ch) or _HOMOGLYPHS[ch.upper()]
    out = []
    for c in unicodedata.normalize("NFKC", ch).upper():
        c = _HOMOGLYPHS.get(c, c)
        if c in _INVISIBLE_EXTRA or unicodedata.category(c) == "Cf":
            continue
        out.append(c)
    return "".join(out)


def normalise(text: str) -> str:
    """Upper-case ``text`` and fold look-alikes to Latin, character by character.

    Each character is NFKC-normalised (fullwidth ``ｋ`` → ``k``), upper-cased, and Greek or
    Cyrillic look-alikes are mapped to Latin (``Κ``/``К``/``κ``/``к`` → ``K``); zero-width
    and other invisible format characters are removed. Separators (spaces, dashes,
    punctuation) are kept. Because it works character by character,
    ``normalise(a + b) == normalise(a) + normalise(b)``; ASCII text keeps its length.
    """
    if text.isascii():
        return text.upper()
    if len(text) == 1:
        return _normalise_char(text)
    return text.translate({ord(ch): _normalise_char(ch) for ch in set(text)})


def canonical(text: str) -> str | None:
    """The canonical code written in ``text``, or None.

    ``text`` is normalised and spaces and dashes are removed, so ``"acde-7fha"``,
    ``"ACDE 7FHA"`` and ``"AC-DE-7F-HA"`` all give ``"ACDE7FHA"`` when that is a valid code.
    Anything else in ``text`` (other punctuation, other words) gives None.
    """
    if not isinstance(text, str):
        return None
    compact = _SEPARATORS.sub("", normalise(text))
    return compact if is_valid(compact) else None


def format_code(code: str) -> str:
    """``"ACDE7FHA"`` → ``"ACDE-7FHA"``, as printed in letters and SMS.

    Raises ValueError unless ``code`` has 8 characters (the check character is not checked).
    """
    if len(code) != CODE_LENGTH:
        raise ValueError(f"a code has {CODE_LENGTH} characters, got {code!r}")
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"
