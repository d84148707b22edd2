"""The dashboard: one self-contained HTML page (charts as inline SVG), or a PDF of it.

Two A4 landscape pages by design, whatever the number of technicians, municipalities or
reasons: the overview (key figures and four charts) and the tables (per stage, per
municipality, technicians, the forecast and the follow-up backlog). A chart is never split:
the load chart draws the TOP_CHART technicians with most load and sums up the rest in its
caption; the tables show TOP_TABLE rows and one for the rest.

The charts are drawn by matplotlib (Agg canvas, SVG output, DejaVu Sans shipped with
matplotlib, text as paths), so the page looks the same everywhere and needs no fonts,
files, network or JavaScript. The page comes from ``templates/reports/dashboard.html`` and
``dashboard.css`` (a ``[letters] templates`` folder may override either), rendered by
Jinja2 with autoescape: technician and company names are user text. Every figure comes
from one amsplan.domain.reports.Dashboard; the words the page shows are in TEXT (and the
titles, groups and ages beside it): English msgids, shown in the planner's language
(amsplan.i18n; `_` and `ngettext` are in the template's globals too). Dates and numbers
follow the language (Babel).

matplotlib and WeasyPrint are imported only when a dashboard is drawn or printed.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from amsplan import i18n
from amsplan.config import Settings
from amsplan.domain import reports as rules
from amsplan.domain.reports import GROUPS, TOP_CHART, TOP_TABLE, Dashboard
from amsplan.domain.statuses import Status
from amsplan.i18n import N_, _
from amsplan.paths import shipped_templates_dir

__all__ = ["CHARTS", "TITLES", "render_html", "words", "write_html", "write_pdf"]

TEMPLATE_NAME = "reports/dashboard.html"
CSS_NAME = "reports/dashboard.css"

#: The charts, in page order, with their headings.
TITLES = {
    "progress": N_("Progress per week"),
    "status": N_("Status"),
    "failed": N_("Failed visits by reason"),
    "load": N_("Load per technician"),
}
CHARTS = tuple(TITLES)

#: Every other word on the page (English msgids, translated when the page is drawn).
TEXT = {
    "title": N_("AMS roll-out: status and progress"),
    "when": N_("{date} at {hour}:{minute}"),
    "figures": N_("Key figures"),
    "orders": N_("Orders"),
    "closed_ok": N_("Closed OK"),
    "remaining": N_("Remaining"),
    "failed": N_("Failed visits"),
    "confirmed": N_("Confirmed"),
    "followup": N_("To follow up"),
    "finish": N_("Done (forecast)"),
    "unknown": N_("unknown"),
    "week": N_("Week"),
    "no_progress": N_("No progress yet"),
    "no_failed": N_("No failed visits"),
    "no_techs": N_("No technicians"),
    "planned": N_("Planned next {days} days"),
    "done_so_far": N_("Done"),
    "load_shown": N_("The {shown} of {count} technicians with most planned."),
    "load_rest": N_("The other {n}: {planned} planned, {done} done."),
    "rest_techs": N_("The other {n} technicians"),
    "rest_places": N_("The other {n}"),
    "tech": N_("Technician"),
    "name": N_("Name"),
    "stage": N_("Progress per stage"),
    "stage_key": N_("Stage"),
    "municipality": N_("Progress per municipality"),
    "municipality_key": N_("Municipality no."),
    "share": N_("Share done"),
    "percent": N_("{n}%"),
    "total": N_("Total"),
    "techs": N_("Technicians"),
    "forecast": N_("Forecast"),
    "forecast_rate": N_(
        "{rate} orders closed OK per working day in the last {weeks} weeks ({first}–{last}: "
        "{done} in {days} working days); week by week {week_rates}."
    ),
    "forecast_finish": N_(
        "{remaining} orders remain: done {finish} (at the earliest {earliest}, at the latest "
        "{latest})."
    ),
    "forecast_none": N_("{remaining} orders remain; none closed OK in the last {weeks} weeks."),
    "forecast_done": N_("No orders remain."),
    "backlog": N_("Follow-up by age"),
    "backlog_age": N_("Has waited"),
    "backlog_orders": N_("Orders"),
    "footnote": N_(
        "Each event counts on the day it happened: a visit on the day the technician made "
        "it (the return's time), a reply on the day it came. Closed OK is the orders closed "
        "with resolution code OK now; failed visits are visits resolved with another code; "
        "confirmed is orders that became ready for execution; awaiting response is the "
        "orders waiting now."
    ),
    "totals": N_("In all {closed_ok} closed OK, {failed} failed visits, {confirmed} confirmed."),
}

#: The status groups of the tables' columns (domain.reports.GROUPS).
GROUP_LABELS = {
    "unplanned": N_("Not planned"),
    "booking": N_("Booking"),
    "followup": N_("Follow-up"),
    "confirmed": N_("Confirmed"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}

#: How long an order has waited for a person (domain.reports.AGE_BUCKETS).
AGE_LABELS = {
    "0-1": N_("Under 1 day"),
    "1-3": N_("1–3 days"),
    "3-7": N_("3–7 days"),
    "7-14": N_("7–14 days"),
    "14+": N_("14 days or more"),
}

# Fixed colours of the figures that are not a status.
OK_COLOUR = "#43a047"
FAILED_COLOUR = "#e53935"
CONFIRMED_COLOUR = "#42a5f5"
PLANNED_COLOUR = "#42a5f5"

_WIDTH = 4.8  # inches; the page scales every chart to its column
_HEIGHT = 2.5  # every chart is as high: the overview is one page
_RC = {
    "svg.fonttype": "path",  # text as paths: no font needed where the page is shown
    "svg.hashsalt": "amsplan",  # the same data gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 8,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
}


def number(n: int | float, decimals: int = 0) -> str:
    """A number as the planner's language writes it: 12 345 and 2,5 (Norwegian, with a
    no-break space), 12,345 and 2.5 (English)."""
    locale, pattern = _number_format(i18n.babel_locale(), decimals)
    return pattern.apply(n, locale)


@functools.cache
def _number_format(locale_name: str, decimals: int):
    """Babel's locale and parsed pattern, once (a page formats hundreds of numbers)."""
    from babel import Locale
    from babel.numbers import parse_pattern

    fraction = "." + "0" * decimals if decimals else ""
    return Locale.parse(locale_name), parse_pattern(f"#,##0{fraction}")


def words() -> dict[str, str]:
    """TEXT in the planner's language (once per page)."""
    return {key: _(text) for key, text in TEXT.items()}


# -- charts ---------------------------------------------------------------------------


def _text(value: str, limit: int = 30) -> str:
    """User text as matplotlib draws it literally: no mathtext from a '$', cut to limit."""
    value = " ".join(str(value).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("$", r"\$")


def _colour(value: str, fallback: str = "#9e9e9e") -> str:
    """A configured colour (#rrggbb, a CSS or a Rich colour name) as #rrggbb."""
    from matplotlib.colors import to_hex

    try:
        return to_hex(value)
    except ValueError:
        pass
    try:
        from rich.color import Color, ColorParseError

        triplet = Color.parse(value).get_truecolor()
    except (ColorParseError, ValueError):
        return fallback
    return triplet.hex


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_WIDTH, _HEIGHT), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(ax, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#757575", transform=ax.transAxes)


def _integer_axis(axis) -> None:
    """Whole numbers, few ticks (room for 900 000), written as on the page: 12 345."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))


def _bar_labels(ax, bars) -> None:
    ax.bar_label(bars, labels=[number(b.get_width()) if b.get_width() else "" for b in bars],
                 padding=2, fontsize=7)  # fmt: skip


def _count_axis(ax, values: list[int]) -> None:
    """From 0, room for the bar labels, whole numbers; 0..1 when everything is 0."""
    _integer_axis(ax.xaxis)
    ax.set_xlim(0, max([1, *values]) * 1.18)


def _progress_chart(data: Dashboard, settings: Settings):
    import numpy as np

    fig = _figure()
    ax = fig.add_subplot()
    if not data.weeks:
        _empty(ax, _(TEXT["no_progress"]))
        return fig
    x = np.arange(len(data.weeks))
    series = [
        (_(TEXT["closed_ok"]), [p.closed_ok for p in data.weeks], OK_COLOUR),
        (_(TEXT["failed"]), [p.failed for p in data.weeks], FAILED_COLOUR),
        (_(TEXT["confirmed"]), [p.confirmed for p in data.weeks], CONFIRMED_COLOUR),
    ]
    width = 0.8 / len(series)
    for i, (label, values, colour) in enumerate(series):
        ax.bar(x + (i - 1) * width, values, width, label=label, color=colour)
    step = max(1, len(x) // 16)
    ax.set_xticks(x[::step], [p.period.split("-W")[1] for p in data.weeks][::step])
    ax.set_xlabel(_(TEXT["week"]))
    ax.set_ylabel(_(TEXT["orders"]))
    _integer_axis(ax.yaxis)
    ax.set_ylim(0, max([1, *(v for _, values, _ in series for v in values)]) * 1.05)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    return fig


def _status_chart(data: Dashboard, settings: Settings):
    fig = _figure()
    ax = fig.add_subplot()
    labels = [_text(s.label) for s in data.statuses]
    bars = ax.barh(labels, [s.count for s in data.statuses], height=0.7,
                   color=[_colour(s.colour) for s in data.statuses])  # fmt: skip
    ax.invert_yaxis()
    _bar_labels(ax, bars)
    _count_axis(ax, [s.count for s in data.statuses])
    ax.set_xlabel(_(TEXT["orders"]))
    return fig


def _failed_chart(data: Dashboard, settings: Settings):
    reasons = data.failed_by_reason[:TOP_CHART]
    fig = _figure()
    ax = fig.add_subplot()
    if not reasons:
        _empty(ax, _(TEXT["no_failed"]))
        return fig
    bars = ax.barh([_text(r) for r, _ in reasons], [n for _, n in reasons], height=0.6,
                   color=FAILED_COLOUR)  # fmt: skip
    ax.invert_yaxis()
    _bar_labels(ax, bars)
    _count_axis(ax, [n for _, n in reasons])
    ax.set_xlabel(_(TEXT["failed"]))
    return fig


def _load_chart(data: Dashboard, settings: Settings):
    import numpy as np

    load = data.load[:TOP_CHART]
    fig = _figure()
    ax = fig.add_subplot()
    if not load:
        _empty(ax, _(TEXT["no_techs"]))
        return fig
    y = np.arange(len(load))
    names = [_text(f"{t.tech_id} {t.name}".strip(), 24) for t in load]
    planned = ax.barh(y - 0.2, [t.planned for t in load], 0.4, color=PLANNED_COLOUR,
                      label=_(TEXT["planned"]).format(days=data.load_days))  # fmt: skip
    done = ax.barh(y + 0.2, [t.done for t in load], 0.4, color=OK_COLOUR,
                   label=_(TEXT["done_so_far"]))  # fmt: skip
    ax.set_yticks(y, names, fontsize=7 if len(load) > 8 else 8)
    ax.set_ylim(len(load) - 0.5, -0.5)
    _bar_labels(ax, planned)
    _bar_labels(ax, done)
    _count_axis(ax, [n for t in load for n in (t.planned, t.done)])
    ax.set_xlabel(_(TEXT["orders"]))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    return fig


_DRAW: dict[str, Callable[[Dashboard, Settings], Any]] = {
    "progress": _progress_chart,
    "status": _status_chart,
    "failed": _failed_chart,
    "load": _load_chart,
}

_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def _svg(fig, name: str) -> Markup:
    """The figure as an inline <svg> element whose ids are unique on the page."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prologue or DOCTYPE inside HTML
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = _ID.sub(lambda m: f'id="{name}-{m[1]}"', svg)
    svg = _REF.sub(lambda m: f"{m[1]}{name}-{m[2]}", svg)
    title = escape(_(TITLES[name]))
    svg = svg.replace(
        "<svg ", f'<svg class="chart" data-chart="{name}" role="img" aria-label="{title}" ', 1
    )
    return Markup(svg)  # noqa: S704 - drawn by matplotlib, which escapes all text


def charts(data: Dashboard, settings: Settings) -> dict[str, Markup]:
    """The four charts as inline SVG, by name (see CHARTS)."""
    import matplotlib

    # matplotlib types rc keys as a Literal of every rc name; _RC holds valid ones.
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        return {name: _svg(draw(data, settings), name) for name, draw in _DRAW.items()}


# -- the page -------------------------------------------------------------------------


def _environment(settings: Settings) -> jinja2.Environment:
    search_path = [shipped_templates_dir()]
    if settings.templates_dir is not None and Path(settings.templates_dir).is_dir():
        search_path.insert(0, Path(settings.templates_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # A company's own dashboard template may translate its own words too.
    env.globals.update(_=_, ngettext=i18n.ngettext)
    return env


def long_date(day: date) -> str:
    """A day as the planner's language writes it in full: 12. mai 2026, 12 May 2026."""
    from babel.dates import format_date

    return format_date(day, "long", locale=i18n.babel_locale())


def _day(day: date | None, t: dict[str, str]) -> str:
    return long_date(day) if day else t["unknown"]


def key_figures(data: Dashboard, settings: Settings, t: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) of the key figures at the top of the page."""
    orders, forecast = data.orders, data.progress.forecast
    share = t["percent"].format(n=number(orders.done_share * 100))
    return [
        (t["orders"], number(orders.orders)),
        (t["closed_ok"], f"{number(data.total.closed_ok)} ({share})"),
        (t["remaining"], number(orders.remaining)),
        (t["failed"], number(data.total.failed)),
        *(
            (settings.label(st), number(data.count(st)))
            for st in (Status.READY_FOR_EXECUTION, Status.AWAITING_RESPONSE)
        ),
        (t["followup"], number(data.followup)),
        (t["finish"], _day(forecast.finish, t) if orders.remaining else "–"),
    ]


def load_caption(data: Dashboard, t: dict[str, str]) -> str:
    """Which technicians the load chart shows, and the sum of the others."""
    shown = data.load[:TOP_CHART]
    if len(data.load) <= len(shown):
        return ""
    rest = data.load[len(shown) :]
    return " ".join((
        t["load_shown"].format(shown=len(shown), count=len(data.load)),
        t["load_rest"].format(n=len(rest), planned=number(sum(r.planned for r in rest)),
                              done=number(sum(r.done for r in rest))),
    ))  # fmt: skip


def forecast_text(data: Dashboard, t: dict[str, str]) -> list[str]:
    """The forecast in words: the rate it is made from, and when the rest is done."""
    f = data.progress.forecast
    rate = t["forecast_rate"].format(
        rate=number(f.rate, 1), weeks=rules.FORECAST_WEEKS, first=f"{f.first_day:%d.%m}",
        last=f"{f.last_day:%d.%m}", done=number(f.done), days=f.working_days,
        week_rates="; ".join(number(r, 1) for r in f.week_rates) or "–",
    )  # fmt: skip
    if not f.remaining:
        return [t["forecast_done"], rate]
    if f.finish is None:
        return [t["forecast_none"].format(remaining=number(f.remaining),
                                          weeks=rules.FORECAST_WEEKS), rate]  # fmt: skip
    return [
        t["forecast_finish"].format(
            remaining=number(f.remaining), finish=_day(f.finish, t),
            earliest=_day(f.earliest, t), latest=_day(f.latest, t),
        ),
        rate,
    ]  # fmt: skip


def render_html(data: Dashboard, settings: Settings) -> str:
    """The dashboard as one self-contained HTML page (CSS and charts inline), in the
    planner's language."""
    env = _environment(settings)
    try:
        template = env.get_template(TEMPLATE_NAME)
        assert env.loader is not None  # _environment always gives one
        css = env.loader.get_source(env, CSS_NAME)[0]
    except jinja2.TemplateError as exc:
        raise RuntimeError(f"dashboard template: {exc}") from exc
    t = words()
    generated = data.generated_at
    progress = data.progress
    return template.render(
        t=t,
        lang=i18n.language(),
        company=data.company,
        date_text=t["when"].format(
            date=long_date(generated.date()), hour=f"{generated:%H}", minute=f"{generated:%M}"
        ),  # fmt: skip
        css=Markup(css),  # noqa: S704 - the shipped (or the planner's own) stylesheet
        figures=key_figures(data, settings, t),
        titles={name: _(title) for name, title in TITLES.items()},
        charts=charts(data, settings),
        load_caption=load_caption(data, t),
        groups=[(g, _(GROUP_LABELS[g])) for g in GROUPS],
        stages=[(row.key, row) for row in progress.stages],
        municipalities=[
            (row.key, row)
            for row in rules.top(progress.municipalities, TOP_TABLE, t["rest_places"])
        ],
        all_orders=(t["total"], progress.orders),
        techs=rules.top_load(data.load, TOP_TABLE, t["rest_techs"]),
        forecast=forecast_text(data, t),
        backlog=[(_(AGE_LABELS[k]), n) for k, n in progress.backlog.items()],
        number=number,
        percent=lambda n: t["percent"].format(n=number(n)),
        data=data,
    )


def _write_atomically(path: Path, content: bytes) -> None:
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_html(html: str, path: Path) -> None:
    """Write the page (atomically: a reader never sees half a file)."""
    _write_atomically(Path(path), html.encode("utf-8"))


def _no_network(weasyprint):
    """The page is self-contained: at most data: URIs, never a file or the network."""
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 66
        return weasyprint.URLFetcher(allowed_protocols={"data"})

    def fetch(url: str, *args, **kwargs):
        if not url.lower().startswith("data:"):
            raise ValueError(f"the dashboard never fetches anything: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)

    return fetch


def write_pdf(html: str, path: Path) -> None:
    """Print the page to a PDF with WeasyPrint (written atomically)."""
    import weasyprint  # lazy: importing weasyprint is slow

    document = weasyprint.HTML(string=html, url_fetcher=_no_network(weasyprint))
    _write_atomically(Path(path), document.write_pdf())
