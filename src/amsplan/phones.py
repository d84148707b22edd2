"""Mobile numbers, validated and normalised for the configured country (phonenumbers)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def mobile_number(raw: str, region: str = "NO") -> str | None:
    """E.164 form of raw when it is a valid mobile number, else None."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    raw = (raw or "").strip()
    if not raw:
        return None
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
