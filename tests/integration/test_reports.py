"""The team lead's reports: progress per day, week and month (all, by technician, for a
selection), the dashboard's figures, its HTML page and its PDF, and the commands.

One known data set is built through the services with the clock pinned, so every figure
is checked exactly, including events near midnight that fall in another local day and
another ISO week than in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from amsplan.adapters.dashboard import CHARTS, render_html, write_pdf
from amsplan.errors import InputError, NotFound
from amsplan.services import booking, field, letters, planning, reports
from amsplan.services.reports import Period
from amsplan.services.technicians import add_technician
from amsplan.store.models import Order
from tests.cli.support import data, error, ok
from tests.helpers import assign_all, seed

RETURNS = "Ordrenr;Hendelse;Løsningskode;Tidspunkt;Montør;Merknad"
T02_NAME = "Kari <b>Montør</b> & [bold]Co[/bold]"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def no(n: int) -> str:
    return f"AMS-{n:05d}"


def confirm(ws, ns: list[int], at: datetime) -> None:
    """Awaiting -> manual follow-up -> ready for execution ("confirmed"), at `at`."""
    ctx = ws.context(now=at)
    for name in ("follow_up_manually", "send_to_execution"):
        result = booking.transition_orders(ctx, [no(n) for n in ns], name)
        assert not result.refused, result.refused


def returns(ws, at: datetime, rows: list[tuple[int, str]]) -> None:
    """Technician returns (resolved with a code), ingested at `at`."""
    path = ws.path / f"retur-{at:%Y%m%d%H%M}.csv"
    lines = [RETURNS, *(f"{no(n)};løst;{code};;T01;" for n, code in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = field.ingest_returns(ws.context(now=at), path)
    assert result.refused == [], result.refused


def build(ws) -> None:
    """13 orders, technicians T01 (orders 1-6) and T02 (7-12); Europe/Oslo is UTC+2.

    order  tech  letter (awaiting)   confirmed                 returned
    1      T01   Mon 20.04 (W17)     Tue 21.04 11:00           Wed 22.04 OK
    2      T01   Mon 20.04           Tue 21.04                 Wed 22.04 Kunde ikke hjemme
    3      T01   Mon 20.04           Tue 21.04                 Tue 28.04 (W18) OK
    4      T01   Mon 20.04           Tue 21.04                 Tue 28.04 Ingen adgang
    5      T01   Mon 20.04           Mon 27.04 00:30 (W18;     Mon 04.05 (W19, May) OK
                                     Sun 26.04 22:30 UTC, W17)
    6      T01   Mon 20.04           - still awaiting
    7      T02   Mon 20.04           Wed 22.04 00:30 (Tue in  Wed 22.04 OK
                                     UTC)
    8      T02   Mon 20.04           Wed 22.04 00:30           Tue 28.04 Kunde ikke hjemme
    9      T02   Mon 20.04           - still awaiting
    10     T02   Mon 20.04           Mon 04.05 (W19, May)      - ready for execution
    11-12  T02   planned Wed 13.05, not locked (planning)
    13     -     cancelled while open (closed, not OK)
    """
    seed(ws, 13)
    add_technician(ws.context(), "T02", T02_NAME, "41234568", "07:00", "16:00")
    assign_all(ws, [no(n) for n in range(1, 7)], tech="T01")
    assign_all(ws, [no(n) for n in range(7, 11)], tech="T02")
    assign_all(ws, [no(11), no(12)], tech="T02", day=date(2026, 5, 13))
    assert not planning.lock(ws.context(), [no(n) for n in range(1, 11)]).refused
    assert len(letters.generate(ws.context(now=utc(2026, 4, 20, 10))).generated) == 10
    confirm(ws, [1, 2, 3, 4], utc(2026, 4, 21, 9))
    confirm(ws, [7, 8], utc(2026, 4, 21, 22, 30))
    confirm(ws, [5], utc(2026, 4, 26, 22, 30))
    returns(ws, utc(2026, 4, 22, 10), [(1, "OK"), (2, "Kunde ikke hjemme"), (7, "OK")])
    booking.transition_orders(ws.context(now=utc(2026, 4, 22, 11)), [no(13)], "cancel_open")
    returns(ws, utc(2026, 4, 28, 8), [(3, "OK"), (4, "Ingen adgang"), (8, "Kunde ikke hjemme")])
    returns(ws, utc(2026, 5, 4, 8), [(5, "OK")])
    confirm(ws, [10], utc(2026, 5, 4, 9))


def rows(result) -> list[tuple[str, int, int, int, int]]:
    """(period, closed OK, failed, confirmed, awaiting) of each period, and the total."""
    return [
        (p.period, p.closed_ok, p.failed, p.confirmed, p.awaiting)
        for p in [*result.periods, result.total]
    ]


BY_WEEK = [
    ("2026-W17", 2, 1, 6, 2),
    ("2026-W18", 1, 2, 1, 0),
    ("2026-W19", 1, 0, 1, 0),
    ("Total", 4, 3, 8, 2),
]
BY_DAY = [
    ("2026-04-20", 0, 0, 0, 2),
    ("2026-04-21", 0, 0, 4, 0),
    ("2026-04-22", 2, 1, 2, 0),
    ("2026-04-27", 0, 0, 1, 0),
    ("2026-04-28", 1, 2, 0, 0),
    ("2026-05-04", 1, 0, 1, 0),
    ("Total", 4, 3, 8, 2),
]
BY_MONTH = [("2026-04", 3, 3, 7, 2), ("2026-05", 1, 0, 1, 0), ("Total", 4, 3, 8, 2)]
T01_BY_WEEK = [
    ("2026-W17", 1, 1, 4, 1),
    ("2026-W18", 1, 1, 1, 0),
    ("2026-W19", 1, 0, 0, 0),
    ("Total", 3, 2, 5, 1),
]
T02_BY_WEEK = [
    ("2026-W17", 1, 0, 2, 1),
    ("2026-W18", 0, 1, 0, 0),
    ("2026-W19", 0, 0, 1, 0),
    ("Total", 1, 1, 3, 1),
]


def test_progress_per_period_technician_and_selection(workspace):
    build(workspace)
    ctx = workspace.context(now=utc(2026, 5, 12, 8))
    assert rows(reports.progress(ctx, "week")) == BY_WEEK
    assert rows(reports.progress(ctx, "day")) == BY_DAY
    assert rows(reports.progress(ctx, "month")) == BY_MONTH
    assert rows(reports.progress(ctx, "week", "T01")) == T01_BY_WEEK
    assert rows(reports.progress(ctx, "week", "T02")) == T02_BY_WEEK
    result = reports.progress(ctx, "week")
    assert result.awaiting_now == 2
    assert result.generated_at == datetime(2026, 5, 12, 10, 0)  # local time

    with workspace.context().session() as s:
        ids = {o.order_no: o.id for o in s.exec(select(Order))}
    chosen = {ids[no(1)], ids[no(2)], ids[no(6)], ids[no(13)]}
    assert rows(reports.progress(ctx, "month", order_ids=chosen)) == [
        ("2026-04", 1, 1, 2, 1),
        ("Total", 1, 1, 2, 1),
    ]
    assert rows(reports.progress(ctx, "week", order_ids=set())) == [("Total", 0, 0, 0, 0)]

    with pytest.raises(InputError, match="use day, week or month"):
        reports.progress(ctx, "year")
    with pytest.raises(NotFound, match="T99"):
        reports.progress(ctx, "week", "T99")


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_dashboard_figures_page_pdf_and_commands(workspace, tmp_path):
    build(workspace)
    ctx = workspace.context(now=utc(2026, 5, 12, 8))  # Tuesday, week 20
    dash = reports.dashboard_data(ctx)

    assert [(p.period, p.closed_ok, p.failed, p.confirmed) for p in dash.weeks] == [
        ("2026-W17", 2, 1, 6),
        ("2026-W18", 1, 2, 1),
        ("2026-W19", 1, 0, 1),
        ("2026-W20", 0, 0, 0),  # a quiet week up to today is shown, not skipped
    ]
    assert dash.total == Period("Total", 4, 3, 8, 2)
    assert {s.status: s.count for s in dash.statuses if s.count} == {
        "closed": 5, "resolved": 3, "awaiting_response": 2, "ready_for_execution": 1,
        "planning": 2,
    }  # fmt: skip
    closed = next(s for s in dash.statuses if s.status == "closed")
    assert (closed.label, closed.colour) == ("Lukket", "#616161")
    assert dash.failed_by_reason == [("Kunde ikke hjemme", 2), ("Ingen adgang", 1)]
    assert [(t.tech_id, t.name, t.planned, t.done) for t in dash.load] == [
        ("T01", "Ola Montør", 0, 3),
        ("T02", T02_NAME, 2, 1),  # orders 11 and 12 on 13.05, within 14 days
    ]
    assert (dash.orders, dash.cancelled, dash.done, dash.ready_for_execution) == (13, 1, 4, 1)

    settings = workspace.settings
    page = render_html(dash, settings)
    for name in CHARTS:
        assert len(re.findall(rf'<svg class="chart" data-chart="{name}"', page)) == 1
    assert page.count("<svg") == 4
    for heading in ("Fremdrift per uke", "Status", "Bomturer etter årsak",
                    "Belastning per montør"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page
    assert "Testnett AS" in page and "12. mai 2026 kl. 10.00" in page
    assert "Kari &lt;b&gt;Montør&lt;/b&gt; &amp; [bold]Co[/bold]" in page
    assert "<b>" not in page  # the technician's name never becomes markup
    assert not re.search(r"(src|href)=\"(https?:)?//|<script|@import", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the four SVGs' ids do not clash

    write_pdf(page, tmp_path / "dashboard.pdf")
    text = pdf_text(tmp_path / "dashboard.pdf")
    for expected in (
        "AMS-utrulling: status og fremdrift", "Testnett AS", "13 Ordre", "4 (33 %) Lukket OK",
        "3 Bomturer", "1 Klar til utførelse", "2 Venter på respons", "Fremdrift per uke",
        "Bomturer etter årsak", "Belastning per montør",
        "T02 Kari <b>Montør</b> & [bold]Co[/bold] 2 1",
    ):  # fmt: skip
        assert expected in text, (expected, text)

    # The same through the commands (the real clock: only the counts are checked).
    weekly = data("report", "progress", "--by", "week")
    assert [(p["period"], p["closed_ok"], p["failed"], p["confirmed"], p["awaiting"])
            for p in [*weekly["periods"], weekly["total"]]] == BY_WEEK  # fmt: skip
    t02 = data("report", "progress", "--by", "month", "--tech", "T02")["total"]
    assert (t02["closed_ok"], t02["failed"], t02["confirmed"], t02["awaiting"]) == (1, 1, 3, 1)
    out = ok("report", "progress", "--by", "day").stdout
    assert re.search(r"2026-04-22\W+2\W+1\W+2\W+0", out), out
    assert re.search(r"Total\W+4\W+3\W+8\W+2", out), out
    assert "Progress by day" in out

    ok("report", "dashboard", "--html", "d.html", "--pdf", "d.pdf")
    html = Path("d.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "Belastning per montør" in html
    assert Path("d.pdf").read_bytes().startswith(b"%PDF")
    ok("report", "dashboard", "--html", "only.html")
    assert Path("only.html").is_file() and not Path("only.pdf").exists()

    assert "--html FILE and/or --pdf FILE" in error(5, "report", "dashboard")
    assert "does not exist" in error(5, "report", "dashboard", "--html", "nowhere/d.html")
    assert "use day, week or month" in error(5, "report", "progress", "--by", "year")
    assert "T99" in error(4, "report", "progress", "--tech", "T99")
