"""The team lead's reports: progress per day, week and month (all, by technician, for a
selection), events counted at their own time, the dashboard's figures (one truth), its
HTML page and PDF (two pages, whatever the crew), and the commands.

One known data set is built through the services with the clock pinned, so every figure
is checked exactly, including events near midnight and a change of summer time that fall
in another local day and another ISO week than in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from amsplan import i18n
from amsplan.adapters.dashboard import CHARTS, render_html, write_pdf
from amsplan.domain.statuses import Status
from amsplan.errors import InputError, NotFound
from amsplan.services import booking, exports, field, letters, planning, replies, reports
from amsplan.services.reports import Period
from amsplan.services.technicians import add_technician
from amsplan.store.models import History, Order
from tests.cli.support import data, error, ok
from tests.helpers import assign_all, seed, workday

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
GROUPS_ALL = {
    "unplanned": 0, "booking": 4, "followup": 3, "confirmed": 1, "done": 4, "dropped": 1,
}  # fmt: skip
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

    # The same orders now: by status group, the forecast and the follow-up backlog.
    result = reports.progress(ctx, "week")
    assert [(b.key, b.orders, b.groups) for b in [*result.stages, *result.municipalities]] == [
        ("Etappe 1", 13, GROUPS_ALL), ("3403", 13, GROUPS_ALL),
    ]  # fmt: skip
    assert (result.orders.orders, result.orders.done, result.orders.remaining) == (13, 4, 8)
    f = result.forecast
    assert (f.first_day, f.last_day, f.working_days, f.done) == (
        date(2026, 4, 14), date(2026, 5, 11), 19, 4,  # 1 May is a public holiday
    )  # fmt: skip
    assert f.week_rates == [0, 0.4, 0.5, 0]
    assert f.earliest is not None and f.earliest < f.finish and f.latest is None
    # Orders 2, 4 and 8 failed and wait for a person since 22.04 and 28.04 08:00 (UTC).
    assert result.backlog == {"0-1": 0, "1-3": 0, "3-7": 0, "7-14": 0, "14+": 3}
    early = reports.progress(workspace.context(now=utc(2026, 4, 28, 9)), "week")
    assert early.backlog == {"0-1": 2, "1-3": 0, "3-7": 1, "7-14": 0, "14+": 0}
    mine = reports.progress(ctx, "week", order_ids=chosen)
    assert (mine.orders.orders, mine.orders.groups) == (4, {
        "unplanned": 0, "booking": 1, "followup": 1, "confirmed": 0, "done": 1, "dropped": 1,
    })  # fmt: skip
    assert mine.backlog["14+"] == 1

    with pytest.raises(InputError, match="use day, week or month"):
        reports.progress(ctx, "year")
    with pytest.raises(NotFound, match="T99"):
        reports.progress(ctx, "week", "T99")


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, whitespace made single spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def page_text(html: str) -> str:
    """The words of an HTML page as a reader sees them (no tags, no SVG)."""
    html = re.sub(r"<(style|svg)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_dashboard_one_truth_page_pdf_and_commands(workspace, tmp_path):
    """Order 1, closed OK in week 17, is rejected upstream: it is no longer done. The old
    dashboard showed 3 in the tile (orders closed OK now) and "Totalt 4 lukket OK" in the
    footnote (every close in the history); now every figure is 3."""
    i18n.use("nb")  # the page as a Norwegian team lead reads it
    build(workspace)
    upstream = workspace.path / "upstream.csv"
    upstream.write_text(f"Ordrenr;Type;Tidspunkt;Årsak\n{no(1)};avvist;2026-05-05 09:00;Feil\n",
                        encoding="utf-8")  # fmt: skip
    assert not field.ingest_upstream(workspace.context(now=utc(2026, 5, 6, 8)), upstream).refused
    ctx = workspace.context(now=utc(2026, 5, 12, 8))  # Tuesday, week 20
    dash = reports.dashboard_data(ctx)

    assert [(p.period, p.closed_ok, p.failed, p.confirmed) for p in dash.weeks] == [
        ("2026-W17", 1, 1, 6),
        ("2026-W18", 1, 2, 1),
        ("2026-W19", 1, 0, 1),
        ("2026-W20", 0, 0, 0),  # a quiet week up to today is shown, not skipped
    ]
    assert dash.total == Period("Total", 3, 3, 8, 2)
    assert {s.status: s.count for s in dash.statuses if s.count} == {
        "closed": 4, "resolved": 3, "awaiting_response": 2, "ready_for_execution": 1,
        "planning": 2, "rejected_quant": 1,
    }  # fmt: skip
    closed = next(s for s in dash.statuses if s.status == "closed")
    assert (closed.label, closed.colour) == ("Lukket", "#616161")
    assert dash.failed_by_reason == [("Kunde ikke hjemme", 2), ("Ingen adgang", 1)]
    assert [(t.tech_id, t.name, t.planned, t.done) for t in dash.load] == [
        ("T02", T02_NAME, 2, 1),  # orders 11 and 12 on 13.05, within 14 days: most load
        ("T01", "Ola Montør", 0, 2),
    ]
    orders = dash.orders
    assert (orders.orders, orders.done, orders.groups["dropped"], orders.remaining) == (
        13, 3, 1, 9
    )  # fmt: skip
    assert (dash.count(Status.READY_FOR_EXECUTION), dash.followup) == (1, 4)

    page = render_html(dash, workspace.settings)
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

    # Every number the page shows of done orders is the same 3 (25 % of the 12 to do).
    text = page_text(page)
    write_pdf(page, tmp_path / "dashboard.pdf")
    pages = pdf_pages(tmp_path / "dashboard.pdf")
    assert len(pages) == 2
    for words in (text, " ".join(pages)):
        assert "13 Ordre 3 (25 %) Lukket OK 9 Gjenstår 3 Bomturer 1 Klar til utførelse " \
               "2 Venter på respons 4 Til oppfølging" in words, words  # fmt: skip
        assert "Totalt 3 lukket OK, 3 bomturer, 8 bekreftet." in words
        # per stage, per municipality: orders, the six groups, the share done
        assert words.count("13 0 4 4 1 3 1 25 %") == 4, words  # each row and its total
        assert re.search(r"T02 Kari <b>Montør</b> & \[bold\]Co\[/bold\] 2 1 T01 Ola Montør "
                         r"0 2", words), words  # fmt: skip
        assert "9 ordre gjenstår: ferdig" in words
        assert "3 ordre lukket OK per arbeidsdag" not in words  # a rate, not a count
        assert "3 på 19 arbeidsdager" in words
        assert "3–7 dager 1 7–14 dager 0 14 dager og mer 3 Totalt 4" in words  # rejected 06.05
    assert pages[0].startswith("AMS-utrulling: status og fremdrift Testnett AS")
    assert "Fremdrift per etappe" in pages[1] and "Oppfølging etter alder" in pages[1]

    # The same through the commands (the real clock: only the counts are checked).
    weekly = data("report", "progress", "--by", "week")
    assert [(p["period"], p["closed_ok"], p["failed"], p["confirmed"], p["awaiting"])
            for p in weekly["periods"]][:3] == [
        ("2026-W17", 1, 1, 6, 2), ("2026-W18", 1, 2, 1, 0), ("2026-W19", 1, 0, 1, 0),
    ]  # fmt: skip
    assert weekly["orders"]["groups"]["done"] == 3
    assert weekly["forecast"]["remaining"] == 9 and "finish" in weekly["forecast"]
    assert set(weekly["backlog"]) == {"0-1", "1-3", "3-7", "7-14", "14+"}
    assert sum(weekly["backlog"].values()) == 4
    t02 = data("report", "progress", "--by", "month", "--tech", "T02")["total"]
    assert (t02["closed_ok"], t02["failed"], t02["confirmed"], t02["awaiting"]) == (1, 1, 3, 1)
    out = ok("report", "progress", "--by", "day").stdout
    assert re.search(r"2026-04-22\W+1\W+1\W+2\W+0", out), out
    assert re.search(r"Total\W+3\W+3\W+8\W+2", out), out
    assert "Progress by day" in out and "Forecast: 9 orders remain" in out
    assert re.search(r"Etappe 1\W+13\W+0\W+4\W+4\W+1\W+3\W+1\W+25", out), out
    assert re.search(r"Waiting for a person.*14 days or more.*Total\W+4", out, re.DOTALL), out

    ok("report", "dashboard", "--html", "d.html", "--pdf", "d.pdf")
    html = Path("d.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "Load per technician" in html  # the suite: English
    assert Path("d.pdf").read_bytes().startswith(b"%PDF")
    ok("report", "dashboard", "--html", "only.html")
    assert Path("only.html").is_file() and not Path("only.pdf").exists()

    assert "--html FILE and/or --pdf FILE" in error(5, "report", "dashboard")
    assert "does not exist" in error(5, "report", "dashboard", "--html", "nowhere/d.html")
    assert "use day, week or month" in error(5, "report", "progress", "--by", "year")
    assert "T99" in error(4, "report", "progress", "--tech", "T99")


def by_day(result) -> dict[str, tuple[int, int, int]]:
    return {p.period: (p.closed_ok, p.failed, p.confirmed) for p in result.periods}


def test_events_count_on_their_own_time(workspace, tmp_path):
    """Returns ingested in week 48 for visits on 2026-12-14 count in week 51 (issue 19);
    around the end of summer time (Sunday 25.10.2026, 03:00 -> 02:00 in Oslo) a visit at
    22:30 UTC is Sunday evening and one at 23:30 UTC is Monday; a reply counts on the day
    it was received, not the day its file was read; an upstream message at its own time."""
    nos = seed(workspace, 4)
    assign_all(workspace, nos, day=date(2026, 12, 14))
    assert not planning.lock(workspace.context(now=utc(2026, 10, 1, 8)), nos).refused
    assert len(letters.generate(workspace.context(now=utc(2026, 10, 15, 8))).generated) == 4
    with workspace.context().session() as s:
        code = next(o.booking_code for o in s.exec(select(Order)) if o.order_no == no(1))
    replies_file = tmp_path / "svar.csv"
    replies_file.write_text(
        f"Mottatt;Avsender;Melding\n2026-10-18 23:30;+4790000001;{code} OK\n", encoding="utf-8"
    )  # Sunday 18.10 (week 42) in Oslo, read on Tuesday 20.10 (week 43)
    assert replies.ingest(workspace.context(now=utc(2026, 10, 20, 8)), replies_file).outcomes == {
        "confirmed": 1
    }  # fmt: skip
    confirm(workspace, [2, 3, 4], utc(2026, 10, 20, 9))  # by a planner: its own time

    returns_file = tmp_path / "retur.csv"
    returns_file.write_text("\n".join([
        RETURNS,
        f"{no(1)};løst;OK;2026-10-25T22:30:00+00:00;T01;",  # 23:30 Sunday 25.10, winter time
        f"{no(2)};løst;Kunde ikke hjemme;2026-10-25T23:30:00+00:00;T01;",  # 00:30 Monday
        f"{no(3)};løst;OK;2026-12-14 09:00;T01;",  # local time, Monday week 51
        f"{no(4)};løst;OK;;T01;",  # no time of its own: when it was read
    ]) + "\n", encoding="utf-8")  # fmt: skip
    read = utc(2026, 11, 25, 10)  # Wednesday, week 48
    assert not field.ingest_returns(workspace.context(now=read), returns_file).refused

    ctx = workspace.context(now=utc(2026, 12, 20, 10))
    days = by_day(reports.progress(ctx, "day"))
    assert {day: n for day, n in days.items() if any(n)} == {
        "2026-10-18": (0, 0, 1),
        "2026-10-20": (0, 0, 3),
        "2026-10-25": (1, 0, 0),
        "2026-10-26": (0, 1, 0),
        "2026-11-25": (1, 0, 0),
        "2026-12-14": (1, 0, 0),
    }
    assert by_day(reports.progress(ctx, "week")) == {
        "2026-W42": (0, 0, 1), "2026-W43": (1, 0, 3), "2026-W44": (0, 1, 0),
        "2026-W48": (1, 0, 0), "2026-W51": (1, 0, 0),
    }  # fmt: skip
    assert exports.failed_visits(ctx, "week").counts == [("2026-W44", 1)]

    upstream = tmp_path / "upstream.csv"
    upstream.write_text(f"Ordrenr;Type;Tidspunkt;Årsak\n{no(3)};avvist;2026-12-16 08:00;Feil\n",
                        encoding="utf-8")  # fmt: skip
    assert not field.ingest_upstream(workspace.context(now=utc(2026, 12, 18, 8)), upstream).refused
    with workspace.context().session() as s:
        order = next(o for o in s.exec(select(Order)) if o.order_no == no(3))
        query = select(History).where(History.order_id == order.id)
        rows = {h.transition: h for h in s.exec(query)}
        assert rows["resolve"].at == read and rows["close"].at == read
        assert rows["close"].happened_at == utc(2026, 12, 14, 8)
        assert rows["reject_quant"].happened_at == utc(2026, 12, 16, 7)
    # Order 3 was rejected upstream: it is no longer done, week 51 has none.
    assert "2026-W51" not in by_day(reports.progress(ctx, "week"))


def test_dashboard_with_306_technicians_is_two_pages(workspace, tmp_path):
    """The load chart draws the 12 technicians with most load and sums up the others; the
    technicians' table shows 15 and one row for the rest: the two pages never grow."""
    i18n.use("nb")  # the longer words: the page still fits
    nos = seed(workspace, 30)
    ctx = workspace.context()
    for n in range(2, 307):
        add_technician(ctx, f"T{n:03d}", f"Montør nummer {n}", f"4{n:07d}", "07:00", "16:00")
    for i in range(15):  # two orders each for the first 15 technicians after T01
        day = workday(i % 5, date(2026, 4, 7))
        assign_all(workspace, nos[2 * i : 2 * i + 2], tech=f"T{i + 2:03d}", day=day)
    dash = reports.dashboard_data(workspace.context(now=utc(2026, 4, 1, 8)))
    assert len(dash.load) == 306 and sum(t.planned for t in dash.load) == 30
    page = render_html(dash, workspace.settings)
    write_pdf(page, tmp_path / "dashboard.pdf")
    pages = pdf_pages(tmp_path / "dashboard.pdf")
    assert len(pages) == 2
    first, second = pages
    # The load chart is whole on the first page: its heading and its caption are there.
    assert "Belastning per montør" in first
    planned_rest = sum(t.planned for t in dash.load[12:])
    assert (f"De 12 av 306 montører med mest planlagt. Øvrige 294: {planned_rest} planlagt, "
            "0 utført.") in first  # fmt: skip
    assert "Montører" in second and "Øvrige 291 montører" in second
    assert second.rstrip().endswith("2 / 2")
    assert "Oppfølging etter alder" in second
