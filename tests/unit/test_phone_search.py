"""Phone numbers in free text (orders list --text), whatever way they are written."""

from __future__ import annotations

import pytest

from amsplan.domain.phones import numbers_in


@pytest.mark.parametrize(
    "typed",
    ["96623950", "966 23 950", "+47 966 23 950", "+4796623950", "0047 966 23 950",
     "(+47) 966-23-950", "4796623950", "966.23.950"],
)  # fmt: skip
def test_a_number_in_any_form_is_its_national_digits(typed):
    assert numbers_in(typed) == (["96623950"], [])


def test_words_around_a_number_are_kept_and_short_numbers_are_words():
    assert numbers_in("Kari 966 23 950 Hamar") == (["96623950"], ["Kari", "Hamar"])
    assert numbers_in("Storgata 12") == ([], ["Storgata 12"])
    assert numbers_in("2317 HAMAR") == ([], ["2317 HAMAR"])
    assert numbers_in("") == ([], [])


def test_another_country_code():
    assert numbers_in("+46 70 123 45 67", "SE") == (["701234567"], [])
    assert numbers_in("+47 966 23 950", "SE") == (["4796623950"], [])
