"""The order filter's rules without a database (amsplan.domain.search)."""

from __future__ import annotations

from datetime import date

import pytest

from amsplan.domain.search import PREDEFINED, SORTS, OrderFilter, check_sort, text_terms
from amsplan.errors import InputError


def test_a_filter_checks_its_values():
    with pytest.raises(InputError, match="--status 'lost': use one of open, planning"):
        OrderFilter(status=["lost"])
    with pytest.raises(InputError, match="--to is before --from"):
        OrderFilter(date_from=date(2026, 4, 22), date_to=date(2026, 4, 21))
    with pytest.raises(InputError, match="--sort 'random': use one of appointment, order"):
        check_sort("random")
    for sort in SORTS:
        check_sort(sort)


def test_merged_json_and_description():
    saved = OrderFilter(stage="Etappe 1", status=["open"], important=True)
    merged = saved.merged(OrderFilter(status=["planning"], text="Storgata"))
    assert merged == OrderFilter(stage="Etappe 1", status=["planning"], important=True,
                                 text="Storgata")  # fmt: skip
    again = OrderFilter.from_json(OrderFilter(date_from=date(2026, 4, 22), owner="Kari").to_json())
    assert again == OrderFilter(date_from=date(2026, 4, 22), owner="Kari")
    assert again.describe() == "from 22.04.2026; responsible: Kari"
    assert OrderFilter().is_empty() and OrderFilter().describe() == "all orders"
    assert not PREDEFINED["Alle bomturer"].is_empty()


def test_free_text_terms():
    assert text_terms("Kari NORDMANN") == ["kari nordmann"]
    assert text_terms("Kari 412 34 567") == ["kari", "41234567"]
