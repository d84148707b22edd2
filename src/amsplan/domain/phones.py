"""Mobile numbers, validated and normalised for the configured country (phonenumbers)."""

from __future__ import annotations

import re
from functools import lru_cache

# Norwegian numbers have eight digits; almost every number in an import is written as
# them, maybe after +47, 0047 or 47. For those, phonenumbers' own pattern for Norwegian
# mobile numbers decides, about a hundred times faster than a full parse; anything
# else gets the full parse.
_NO_SEPARATORS = re.compile(r"[\s.\-()/]")
_NO_NUMBER = re.compile(r"(?:\+47|0047|47)?(\d{8})")


@lru_cache(maxsize=1)
def _norwegian_mobile() -> re.Pattern[str]:
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region("NO")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if pattern is None:  # never: phonenumbers ships Norway's metadata
        raise RuntimeError("phonenumbers has no pattern for Norwegian mobile numbers")
    return re.compile(pattern)


@lru_cache(maxsize=65536)
def mobile_number(raw: str, region: str = "NO") -> str | None:
    """E.164 form of raw when it is a valid mobile number, else None. A number of the
    region may be written nationally, with "+" or "00" and the country code, or (as SMS
    providers write senders) with the country code alone ("4791234567"); a number of
    another country needs "+" or "00" (digits alone are never guessed to be foreign: a
    mistyped number must not become another country's mobile)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if region == "NO":
        match = _NO_NUMBER.fullmatch(_NO_SEPARATORS.sub("", raw))
        if match:
            digits = match[1]
            return f"+47{digits}" if _norwegian_mobile().fullmatch(digits) else None
    import phonenumbers
    from phonenumbers import PhoneNumberType

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A phone number as people write it: digits with spaces, +, -, (), dots; at least 5 digits.
_WRITTEN_NUMBER = re.compile(r"[+(]*[0-9][0-9 \t().+-]*[0-9]\)?")


def numbers_in(text: str, region: str = "NO") -> tuple[list[str], list[str]]:
    """The phone numbers written in free text, as their national digits (no +47, 0047 or
    47 before eight digits), and the words around them (stripped, non-empty)."""
    import phonenumbers

    prefix = str(phonenumbers.country_code_for_region(region) or "")
    numbers, words, at = [], [], 0
    for found in _WRITTEN_NUMBER.finditer(text):
        digits = re.sub("[^0-9]", "", found.group())
        if len(digits) < 5:
            continue
        words.append(text[at : found.start()])
        at = found.end()
        international = found.group().lstrip("(").startswith(("+", "00"))
        if digits.startswith("00"):
            digits = digits[2:]
        if prefix and digits.startswith(prefix) and (international or len(digits) == 10):
            digits = digits[len(prefix) :]
        numbers.append(digits)
    words.append(text[at:])
    return numbers, [w.strip() for w in words if w.strip()]
