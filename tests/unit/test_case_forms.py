"""The written forms of an order number in any case (for an indexed lookup)."""

from __future__ import annotations

from amsplan.store.orders import case_forms


def test_every_case_of_the_ascii_letters_and_nothing_else():
    assert sorted(case_forms("ab-1")) == ["AB-1", "Ab-1", "aB-1", "ab-1"]
    assert case_forms("Ø-1") == ["Ø-1"]  # as the databases' upper() of every install
    assert case_forms("2026-000134") == ["2026-000134"]
    assert len(case_forms("AMS-2026-000134")) == 8


def test_too_many_forms_are_left_to_upper():
    assert len(case_forms("ABCDEFGH-1")) == 256
    assert case_forms("ABCDEFGHI-1") is None
