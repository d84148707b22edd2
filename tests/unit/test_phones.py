"""Mobile numbers: the quick Norwegian path agrees with a full phonenumbers parse."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from amsplan.domain.phones import mobile_number


def full_parse(raw: str, region: str = "NO") -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE
    ):  # fmt: skip
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_quick_path_agrees_with_phonenumbers_on_random_norwegian_numbers():
    rng = random.Random(2026)
    for _ in range(20000):
        digits = f"{rng.randrange(10**8):08d}"
        for written in (digits, f"+47{digits}", f"47{digits}",
                        f"0047 {digits[:3]} {digits[3:5]} {digits[5:]}",
                        f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"):  # fmt: skip
            assert mobile_number(written) == full_parse(written), written


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("412 34 567", "+4741234567"),
        ("+47 412 34 567", "+4741234567"),
        ("0047 92 34 56 78", "+4792345678"),
        ("62 51 23 45", None),  # landline
        ("800 12 345", None),  # free phone
        ("+46 70 123 45 67", "+46701234567"),  # a Swedish mobile, by the full parse
        ("", None),
        ("ring meg", None),
    ],
)
def test_examples(raw, expected):
    assert mobile_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("4791234567", "NO", "+4791234567"),  # Sveve writes senders so
        ("47 91 23 45 67", "NO", "+4791234567"),
        ("004791234567", "NO", "+4791234567"),
        ("0047 912 34 567", "NO", "+4791234567"),
        ("+4791234567", "NO", "+4791234567"),
        ("0046701234567", "NO", "+46701234567"),  # a Swedish mobile, with 00
        ("46701234567", "SE", "+46701234567"),  # the region's own code without "+"
        ("004791234567", "SE", "+4791234567"),
        ("0701234567", "SE", "+46701234567"),
        ("4762512345", "NO", None),  # a Norwegian landline, without "+"
        # digits alone are never guessed to be another country's (here: the USA's)
        ("12345678901", "NO", None),
        ("46701234567", "NO", None),
    ],
)
def test_the_forms_providers_write(raw, region, expected):
    assert mobile_number(raw, region) == expected
