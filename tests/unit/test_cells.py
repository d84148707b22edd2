"""Metering point ids (GSRN) and Excel's damage to numbers: repaired only when certain."""

from __future__ import annotations

import pytest

from amsplan.domain import cells


@pytest.mark.parametrize(
    "good",
    ["707057500271927243", "707057500000000001", "707057500012345671", "706000000000000001"],
)
def test_known_good_gsrns_pass(good):
    assert cells.is_gsrn(good)
    assert cells.meter_point_problem(good) is None


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("707057500271927000", "fails the check digit"),  # Excel kept 15 digits
        ("707057500271927244", "fails the check digit"),  # one digit mistyped
        ("7,07058E+17", "scientific notation"),
        ("7.07057500271927E+17", "scientific notation"),
        ("70705750027192724", "not an 18-digit"),
        ("７０７057500271927243", "not an 18-digit"),  # full-width digits
    ],
)
def test_bad_ids_are_refused_with_the_reason(bad, why):
    assert not cells.is_gsrn(bad)
    assert why in cells.meter_point_problem(bad)


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [("91234567.0", "91234567"), ("91234567,00", "91234567"), ("+4791234567.0", "+4791234567"),
     ("912 34 567", "912 34 567"), ("91234567.5", "91234567.5")],
)  # fmt: skip
def test_whole_numbers_lose_only_zero_decimals(raw, repaired):
    assert cells.whole_number(raw) == repaired


@pytest.mark.parametrize(
    ("raw", "padded"),
    [("123", "0123"), ("301.0", "0301"), ("2317", "2317"), ("12345", "12345"), ("N-23", "N-23")],
)
def test_four_digit_codes_get_their_leading_zeros_back(raw, padded):
    assert cells.padded_code(raw) == padded


def test_phone_in_scientific_notation_cannot_be_trusted():
    assert "scientific notation" in cells.phone_problem("9,12346E+07")
    assert cells.phone_problem("9.12346e+07")
    assert cells.phone_problem("91234567") is None
