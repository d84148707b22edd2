"""The reports' rules, pure: what a period, a status group, an age bucket and a forecast
are, and the figures of `report progress` and the dashboard built from what was read
(plain data for the adapter and the commands).

Every event counts on the local day of its own time: a visit on the day it was done (the
return's time), a reply on the day it was received; the store reads those times
(amsplan.store.reports) and this module never sees a row, only counts per UTC minute. See
docs/reports.md for what each figure means.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from amsplan import clock
from amsplan.domain.statuses import Status
from amsplan.errors import InputError
from amsplan.i18n import _

PERIODS = ("day", "week", "month")

#: How far ahead the dashboard's technician load looks.
LOAD_DAYS = 14

#: Statuses of an order that takes a slot of its technician's day.
LOAD_STATUSES = (
    Status.PLANNING, Status.READY_TO_PRINT, Status.AWAITING_RESPONSE, Status.MANUAL_FOLLOWUP,
    Status.READY_FOR_EXECUTION, Status.IN_PROGRESS,
)  # fmt: skip

#: The events counted per period, and the snapshot (awaiting a reply now).
KINDS = ("closed_ok", "failed", "confirmed", "awaiting")

#: The technicians the dashboard's load chart draws (the rest are summed in one line),
#: and the rows of its tables (technicians, municipalities): the page never grows.
TOP_CHART = 12
TOP_TABLE = 15

#: The recent weeks the forecast's rate is measured over.
FORECAST_WEEKS = 4
#: A finish further away than this many working days (about ten years) is not shown.
FORECAST_HORIZON = 2600

#: The follow-up backlog's age limits in days: < 1, 1-3, 3-7, 7-14, 14 and more.
AGE_LIMITS = (1, 3, 7, 14)
AGE_BUCKETS = ("0-1", "1-3", "3-7", "7-14", "14+")

#: Status groups, in the order of a breakdown's columns. An order closed with the OK
#: resolution is done; one cancelled or closed otherwise is dropped (never to be done).
GROUPS = ("unplanned", "booking", "followup", "confirmed", "done", "dropped")
_GROUP_OF = {
    Status.OPEN: "unplanned", Status.REOPENED: "unplanned",
    Status.PLANNING: "booking", Status.READY_TO_PRINT: "booking",
    Status.AWAITING_RESPONSE: "booking",
    Status.MANUAL_FOLLOWUP: "followup", Status.RESOLVED: "followup",
    Status.REJECTED_QUANT: "followup", Status.ON_HOLD: "followup",
    Status.READY_FOR_EXECUTION: "confirmed", Status.IN_PROGRESS: "confirmed",
}  # fmt: skip


# -- periods ---------------------------------------------------------------------------


@dataclass
class Period:
    """The figures of one period (or of all of them: period "Total")."""

    period: str
    closed_ok: int = 0
    failed: int = 0
    confirmed: int = 0
    awaiting: int = 0


def check_by(by: str) -> None:
    if by not in PERIODS:
        raise InputError(_("--by {by!r}: use day, week or month").format(by=by))


def week_key(day: date) -> str:
    """The ISO week a day falls in: 2026-W17."""
    year, week = day.isocalendar()[:2]
    return f"{year}-W{week:02d}"


def day_key(day: date, by: str) -> str:
    """The period a local day falls in: 2026-04-22, 2026-W17 or 2026-04."""
    if by == "day":
        return day.isoformat()
    if by == "week":
        return week_key(day)
    return f"{day:%Y-%m}"


def period_key(moment: datetime, by: str, tz: ZoneInfo) -> str:
    """The local period a UTC moment falls in: 2026-04-22, 2026-W17 or 2026-04."""
    return day_key(clock.to_local(moment, tz).date(), by)


Daily = dict[str, Counter[date]]  # kind (KINDS) -> local day -> how many


def daily(counts: Iterable[tuple[str, datetime, int]], tz: ZoneInfo) -> Daily:
    """(kind, UTC moment, how many) as counts per kind and local day (every kind there)."""
    days: Daily = {kind: Counter() for kind in KINDS}
    for kind, moment, n in counts:
        days[kind][clock.to_local(moment, tz).date()] += n
    return days


def tally(days: Daily, by: str) -> tuple[list[Period], Period]:
    """The periods with anything in them (oldest first) and the total."""
    periods: dict[str, Period] = {}
    total = Period("Total")
    for kind in KINDS:
        for day, n in days[kind].items():
            key = day_key(day, by)
            row = periods.setdefault(key, Period(key))
            setattr(row, kind, getattr(row, kind) + n)
            setattr(total, kind, getattr(total, kind) + n)
    return [periods[k] for k in sorted(periods)], total


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def every_week(periods: list[Period], first: date, last: date) -> list[Period]:
    """The weekly periods from the week of `first` to the week of `last`, gaps as zeros."""
    known = {p.period: p for p in periods}
    weeks = []
    start = monday(first)
    while start <= last:
        key = week_key(start)
        weeks.append(known.get(key, Period(key)))
        start += timedelta(days=7)
    return weeks


# -- status groups per stage and municipality --------------------------------------------


def status_group(status: Status | str, closed_ok: bool, cancelled: bool) -> str:
    """The group (GROUPS) of an order: done, dropped, else by its status."""
    if closed_ok:
        return "done"
    if cancelled or status == Status.CLOSED:
        return "dropped"
    return _GROUP_OF[Status(status)]


@dataclass
class Breakdown:
    """The orders of one stage or municipality (or of a summary row) by status group."""

    key: str
    orders: int = 0
    groups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    @property
    def done(self) -> int:
        return self.groups["done"]

    @property
    def to_do(self) -> int:
        """Orders to be done: all but the dropped ones."""
        return self.orders - self.groups["dropped"]

    @property
    def remaining(self) -> int:
        """Orders still to be done."""
        return self.to_do - self.done

    @property
    def done_share(self) -> float:
        """Done among the orders to be done (0 when there are none)."""
        return self.done / self.to_do if self.to_do else 0.0

    def add(self, group: str, n: int) -> None:
        self.orders += n
        self.groups[group] += n


@dataclass(frozen=True)
class OrderCount:
    """How many orders share a stage, municipality, status, closed OK and cancelled."""

    stage: str
    municipality: str
    status: str
    closed_ok: bool
    cancelled: bool
    n: int


def breakdown(rows: Iterable[OrderCount], by: str) -> tuple[list[Breakdown], Breakdown]:
    """Orders per `by` ("stage" or "municipality"; "" shown as "-"), by name, and all."""
    parts: dict[str, Breakdown] = {}
    total = Breakdown("Total")
    for row in rows:
        key = getattr(row, by) or "-"
        group = status_group(row.status, row.closed_ok, row.cancelled)
        parts.setdefault(key, Breakdown(key)).add(group, row.n)
        total.add(group, row.n)
    return [parts[k] for k in sorted(parts)], total


def top(rows: list[Breakdown], n: int, rest_label: str) -> list[Breakdown]:
    """The `n` rows with most orders (in their order), the others summed in one row."""
    if len(rows) <= n:
        return rows
    keep = {id(r) for r in sorted(rows, key=lambda r: (-r.orders, r.key))[:n]}
    shown = [r for r in rows if id(r) in keep]
    rest = Breakdown(rest_label.format(n=len(rows) - n))
    for row in rows:
        if id(row) not in keep:
            for group, count in row.groups.items():
                rest.add(group, count)
    return [*shown, rest]


# -- forecast ----------------------------------------------------------------------------


@dataclass
class Forecast:
    """When the remaining orders are done at the recent rate (visits done OK per working
    day over the last FORECAST_WEEKS weeks before today), with a range from the slowest
    and the fastest of those weeks."""

    remaining: int
    first_day: date  # the measured window, today excluded
    last_day: date
    working_days: int
    done: int  # done OK in the window
    rate: float  # per working day
    week_rates: list[float]  # oldest first (weeks without a working day left out)
    finish: date | None  # None: no rate (nothing done lately), or beyond the horizon
    earliest: date | None  # at the fastest week's rate
    latest: date | None  # at the slowest week's rate


def working_days(first: date, last: date, working: Callable[[date], bool]) -> int:
    """Working days in [first, last]."""
    return sum(working(first + timedelta(days=i)) for i in range((last - first).days + 1))


def finish_day(
    remaining: int, rate: float, today: date, working: Callable[[date], bool]
) -> date | None:
    """The working day the last of `remaining` orders is done at `rate` a working day,
    counting today; today when nothing remains; None without a rate or beyond the
    horizon (FORECAST_HORIZON working days)."""
    if remaining <= 0:
        return today
    if rate <= 0:
        return None
    needed = math.ceil(remaining / rate - 1e-9)  # 10 orders at 2.5 a day: 4 days
    if needed > FORECAST_HORIZON:
        return None
    day = today - timedelta(days=1)
    while needed:
        day += timedelta(days=1)
        needed -= working(day)
    return day


def forecast(
    done_per_day: Mapping[date, int],
    remaining: int,
    today: date,
    working: Callable[[date], bool],
    weeks: int = FORECAST_WEEKS,
) -> Forecast:
    """The forecast from the orders done OK per local day (see Forecast)."""
    first = today - timedelta(days=7 * weeks)
    week_rates = []
    for w in range(weeks):
        start = first + timedelta(days=7 * w)
        days = working_days(start, start + timedelta(days=6), working)
        if days:
            done = sum(done_per_day.get(start + timedelta(days=i), 0) for i in range(7))
            week_rates.append(done / days)
    last = today - timedelta(days=1)
    days = working_days(first, last, working)
    done = sum(n for day, n in done_per_day.items() if first <= day <= last)
    rate = done / days if days else 0.0
    return Forecast(
        remaining, first, last, days, done, rate, week_rates,
        finish_day(remaining, rate, today, working),
        finish_day(remaining, max(week_rates, default=0.0), today, working),
        finish_day(remaining, min(week_rates, default=0.0), today, working),
    )  # fmt: skip


# -- the follow-up backlog by age --------------------------------------------------------


def age_bucket(age: timedelta) -> int:
    """The bucket (index into AGE_BUCKETS) of an order waiting `age` for a person."""
    return sum(age >= timedelta(days=limit) for limit in AGE_LIMITS)


def age_cutoffs(now: datetime) -> list[datetime]:
    """The moments an order must have waited since to be at least each AGE_LIMITS old."""
    return [now - timedelta(days=limit) for limit in AGE_LIMITS]


def backlog(total: int, at_least: list[int]) -> dict[str, int]:
    """Orders per age bucket, from how many wait at all and how many have waited at
    least each of AGE_LIMITS (since at or before each of age_cutoffs)."""
    bounds = [total, *at_least, 0]
    return {name: bounds[i] - bounds[i + 1] for i, name in enumerate(AGE_BUCKETS)}


# -- the technicians' load ---------------------------------------------------------------


@dataclass(frozen=True)
class Crew:
    """A technician as the dashboard's load chart sees them."""

    name: str
    active: bool


@dataclass
class TechLoad:
    tech_id: str  # a summary row: ""
    name: str  # a summary row: what it sums up
    planned: int  # orders planned in the coming LOAD_DAYS days (from today)
    done: int  # orders closed OK now
    technicians: int = 1  # a summary row: how many it sums up


def load(
    planned: Mapping[str, int], done: Mapping[str, int], crew: Mapping[str, Crew]
) -> list[TechLoad]:
    """Every active technician and any with orders planned or done, most load first
    (planned, then done, then id)."""
    ids = {t for t, c in crew.items() if c.active} | set(planned) | set(done)
    rows = [
        TechLoad(t, crew[t].name if t in crew else "", planned.get(t, 0), done.get(t, 0))
        for t in ids
    ]
    return sorted(rows, key=lambda r: (-r.planned, -r.done, r.tech_id))


def top_load(rows: list[TechLoad], n: int, rest_label: str) -> list[TechLoad]:
    """The first `n` rows, the others summed in one row (tech_id "")."""
    if len(rows) <= n:
        return rows
    rest = rows[n:]
    summary = TechLoad(
        "", rest_label.format(n=len(rest)), sum(r.planned for r in rest),
        sum(r.done for r in rest), len(rest),
    )  # fmt: skip
    return [*rows[:n], summary]


# -- the results -------------------------------------------------------------------------


@dataclass
class Progress:
    """`report progress`: the periods, and the snapshot of the same orders now."""

    by: str
    tech_id: str | None
    periods: list[Period]  # periods with anything in them, oldest first
    total: Period
    generated_at: datetime  # local wall-clock time
    stages: list[Breakdown]
    municipalities: list[Breakdown]
    orders: Breakdown  # all the orders by status group
    forecast: Forecast
    backlog: dict[str, int]  # AGE_BUCKETS -> orders waiting for a person that long

    @property
    def awaiting_now(self) -> int:
        return self.total.awaiting


@dataclass
class StatusCount:
    status: str
    label: str
    colour: str
    count: int


@dataclass
class Dashboard:
    """Every figure of the dashboard, from one read: a tile, its footnote, a table and a
    chart showing the same thing read the same attribute."""

    company: str
    progress: Progress  # the figures `report progress --by week` gives, for all orders
    weeks: list[Period]  # every week from the first event to this week
    statuses: list[StatusCount]  # every status, in workflow order
    failed_by_reason: list[tuple[str, int]]  # most first
    load: list[TechLoad]  # most load first, every technician
    load_days: int = LOAD_DAYS

    @property
    def generated_at(self) -> datetime:
        return self.progress.generated_at

    @property
    def total(self) -> Period:
        return self.progress.total

    @property
    def orders(self) -> Breakdown:
        return self.progress.orders

    def count(self, status: Status) -> int:
        """Orders in `status` now (as the status chart shows them)."""
        return next(s.count for s in self.statuses if s.status == status)

    @property
    def followup(self) -> int:
        """Orders waiting for a person now."""
        return sum(self.progress.backlog.values())


def dashboard(
    company: str,
    progress: Progress,
    statuses: list[StatusCount],
    failed_by_reason: Counter[str],
    load_rows: list[TechLoad],
) -> Dashboard:
    """The dashboard's figures from `report progress --by week` and what else was read."""
    today = progress.generated_at.date()
    days = [date.fromisoformat(f"{p.period}-1") for p in progress.periods]
    weeks = every_week(progress.periods, min(days), today) if days else []
    reasons = sorted(failed_by_reason.items(), key=lambda item: (-item[1], item[0]))
    return Dashboard(company, progress, weeks, statuses, reasons, load_rows)


FAILED_BY = ("reason", "tech", "week")


def check_failed_by(by: str) -> None:
    if by not in FAILED_BY:
        raise InputError(_("--by {by!r}: use reason, tech or week").format(by=by))


def count_failed(
    visits: Iterable[tuple[str | None, str | None, datetime]], by: str, tz: ZoneInfo
) -> list[tuple[str, int]]:
    """Failed visits (resolution, technician, when: UTC) counted by reason or technician
    (most first) or by local ISO week (oldest first)."""
    check_failed_by(by)
    counts: Counter[str] = Counter()
    for resolution, tech, at in visits:
        if by == "reason":
            counts[resolution or "?"] += 1
        elif by == "tech":
            counts[tech or "-"] += 1
        else:
            counts[period_key(at, "week", tz)] += 1
    return sorted(counts.items()) if by == "week" else counts.most_common()
