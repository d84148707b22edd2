"""`followup list` reads one page and a count (at a million orders, 33,000 need a person):
the page is the head of the whole list, in the same order, and the count is the list's
length, with and without filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from amsplan.services import booking
from amsplan.services.views import followup_list, followup_page
from tests.cli.support import ok
from tests.helpers import assign_all, seed, workday

REASON = "Kunden ringer tilbake"


@pytest.fixture
def waiting(workspace):
    """Fourteen orders that need a person: twelve in follow-up, four a day on three
    working days, then two held past their date on the fourth day; four open ones (not
    in the list) between them by number."""
    order_nos = seed(workspace, 18)
    for i in range(4):
        assign_all(workspace, order_nos[4 * i : 4 * i + 4], day=workday(i))
    ctx = workspace.context()
    booking.book_by_sms(ctx, order_nos[:12])
    booking.transition_orders(ctx, order_nos[:12], "follow_up_manually", comment=REASON)
    booking.transition_orders(ctx, order_nos[14:16], "hold", until=date(2026, 3, 31))
    return order_nos[:12] + order_nos[14:16]


def test_a_page_is_the_head_of_the_list_and_counts_all_of_it(workspace, waiting):
    ctx = workspace.context()
    whole = followup_list(ctx)
    assert [f.order_no for f in whole] == waiting  # by appointment
    for limit in (0, 1, 5, 12, 13, 14, 200):
        page, total = followup_page(ctx, limit=limit)
        assert (page, total) == (whole[:limit], 14)


def test_filters_count_what_they_keep(workspace, waiting):
    ctx = workspace.context()
    day = workday(1)
    page, total = followup_page(ctx, "T01", day, limit=3)
    assert [f.order_no for f in page] == waiting[4:7] and total == 4
    page, total = followup_page(ctx, kind="hold_passed", limit=1)
    assert [f.order_no for f in page] == waiting[12:13] and total == 2
    assert followup_page(ctx, "T01", day + timedelta(days=7), limit=3) == ([], 0)


def test_the_cli_shows_the_first_ones_and_says_how_many_there_are(workspace, waiting):
    out = ok("followup", "list", "--limit", "3").stdout
    assert [n for n in waiting if n in out] == waiting[:3]
    assert "14 orders need follow-up (the first 3; --limit or --json for more)" in out
    assert len(ok("followup", "list", "--json").stdout.split('"order_no"')) == 15
