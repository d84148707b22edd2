"""Cells from other systems: metering point ids (GSRN), e-mail addresses, and the damage
Excel does to numbers and addresses.

Pure functions. A value Excel changed is repaired only when the original is certain
(`91234567.0` was `91234567`; a postcode `123` was `0123`; `mailto:kari@eksempel.no` is
`kari@eksempel.no`); when digits are lost (`9,12346E+07`) or the cell holds two
addresses the value is refused, never guessed.
"""

from __future__ import annotations

import re

from amsplan.i18n import N_, _

# Control characters (C0 and C1; tab and newline too: most fields are one line) and the
# bidirectional overrides that make text display other than it reads.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARS_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Excel wrote a whole number with a decimal part: "91234567.0", "91234567,00".
_TRAILING_ZERO_DECIMALS = re.compile(r"(\+?[0-9]+)[.,]0+")
# Scientific notation, as Excel shows and exports big numbers: "9,12346E+07", "7.07E+17".
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")


def gsrn_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of a GS1 key without it (17 digits for a GSRN): digits
    weighted 3, 1, 3, ... from the right."""
    digits = body.encode("ascii")  # summing bytes is several times faster than int() each
    threes, ones = digits[-1::-2], digits[-2::-2]
    total = 3 * (sum(threes) - 48 * len(threes)) + sum(ones) - 48 * len(ones)
    return str(-total % 10)


def is_gsrn(value: str) -> bool:
    """18 digits whose last is the GS1 check digit of the others (a Norwegian målepunkt-ID)."""
    return (
        len(value) == 18
        and value.isascii()
        and value.isdigit()
        and gsrn_check_digit(value[:17]) == value[17]
    )


def is_scientific(value: str) -> bool:
    """A number in Excel's scientific notation: its digits beyond the sixth are gone."""
    return bool(_SCIENTIFIC.fullmatch(value.replace(" ", "")))


def whole_number(value: str) -> str:
    """'91234567.0' -> '91234567' (certain: the decimals are zeros); anything else as is."""
    if "." not in value and "," not in value:
        return value
    match = _TRAILING_ZERO_DECIMALS.fullmatch(value)
    return match[1] if match else value


def padded_code(value: str, width: int = 4) -> str:
    """A 4-digit code (postcode, municipality number) whose leading zeros a number cell
    dropped: '123' -> '0123', '301.0' -> '0301'. Anything else as is."""
    if len(value) == width:
        return value
    value = whole_number(value)
    if len(value) < width and value.isascii() and value.isdigit():
        return value.zfill(width)
    return value


_SCIENTIFIC_TEXT = N_(
    "{value!r} is a number in scientific notation: Excel cut its digits; "
    "format the column as Text and export again"
)


def meter_point_problem(value: str) -> str | None:
    """Why `value` is not a metering point id, or None when it is one."""
    if is_gsrn(value):
        return None
    if is_scientific(value):
        return _(_SCIENTIFIC_TEXT).format(value=value)
    if not re.fullmatch(r"[0-9]{18}", value):
        return _("{value!r} is not an 18-digit metering point id").format(value=value)
    return _(
        "{value!r} fails the check digit of a metering point id (cut by Excel, or mistyped)"
    ).format(value=value)


def phone_problem(value: str) -> str | None:
    """Why a phone cell cannot be trusted, or None."""
    if ("E" in value or "e" in value) and is_scientific(value):
        return _(_SCIENTIFIC_TEXT).format(value=value)
    return None


# Several addresses in one cell: two or more parts with an @ between separators.
_ADDRESS_SEPARATORS = re.compile(r"[;,\s]+")
# "<kari@eksempel.no>" or "Kari Nordmann <kari@eksempel.no>" (a name without an @).
_BRACKETED = re.compile(r"[^<>@]*<([^<>]*)>")
# A detail of the validator's that quotes part of the address: left out of the reason.
_QUOTED_DETAIL = re.compile(r" \([^()]*['\"][^()]*\)")


def email_address(value: str) -> tuple[str, str | None]:
    """The e-mail address in a cell, normalised (the domain in lower case), and why the
    cell is refused (then the address is ""). An empty cell is no address (no problem).

    Repaired, being certain: spaces around, a trailing `;` or `,`, angle brackets (with a
    name before them), a `mailto:` prefix (a spreadsheet's link). Refused: several
    addresses, and anything email-validator's syntax check refuses (no network look-up).
    The reason never repeats the address (it is personal data).
    """
    from email_validator import EmailNotValidError, validate_email

    text = value.strip().rstrip(";,").strip()
    if not text:
        return "", None
    if sum("@" in part for part in _ADDRESS_SEPARATORS.split(text)) > 1:
        return "", _("several e-mail addresses; one address per order")
    if bracketed := _BRACKETED.fullmatch(text):
        text = bracketed[1].strip()
    if text[:7].lower() == "mailto:":
        text = text[7:].strip()
    try:
        found = validate_email(text, check_deliverability=False)
    except EmailNotValidError as err:
        detail = _QUOTED_DETAIL.sub("", str(err))
        return "", _("not a valid e-mail address: {detail}").format(detail=detail)
    return found.normalized, None


def needs_smtputf8(address: str) -> bool:
    """Whether an e-mail address can travel only through mail servers that take SMTPUTF8
    (RFC 6531): its mailbox name (before the @) has letters outside ASCII ("åse@nett.no").
    A domain outside ASCII does not: it travels in its IDNA form ("ola@xn--blgen-vua.no"
    for "ola@bølgen.no")."""
    return not address.rpartition("@")[0].isascii()
