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
labels of groups and ages beside it), in one place to be translated.

matplotlib and WeasyPrint are imported only when a dashboard is drawn or printed.
"""

from __future__ import annotations

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

from amsplan.adapters.letters.dates import long_date
from amsplan.config import Settings
from amsplan.domain import reports as rules
from amsplan.domain.reports import GROUPS, TOP_CHART, TOP_TABLE, Dashboard
from amsplan.domain.statuses import Status
from amsplan.paths import shipped_templates_dir

__all__ = ["CHARTS", "TITLES", "render_html", "write_html", "write_pdf"]

TEMPLATE_NAME = "reports/dashboard.html"
CSS_NAME = "reports/dashboard.css"

#: The charts, in page order, with their headings.
TITLES = {
    "progress": "Fremdrift per uke",
    "status": "Status",
    "failed": "Bomturer etter årsak",
    "load": "Belastning per montør",
}
CHARTS = tuple(TITLES)

#: Every other word on the page.
TEXT = {
    "title": "AMS-utrulling: status og fremdrift",
    "at": "kl.",
    "figures": "Nøkkeltall",
    "orders": "Ordre",
    "closed_ok": "Lukket OK",
    "remaining": "Gjenstår",
    "failed": "Bomturer",
    "confirmed": "Bekreftet",
    "followup": "Til oppfølging",
    "finish": "Ferdig (prognose)",
    "unknown": "ukjent",
    "week": "Uke",
    "no_progress": "Ingen fremdrift ennå",
    "no_failed": "Ingen bomturer",
    "no_techs": "Ingen montører",
    "planned": "Planlagt neste {days} dager",
    "done_so_far": "Utført",
    "load_shown": "De {shown} av {count} montører med mest planlagt.",
    "load_rest": "Øvrige {n}: {planned} planlagt, {done} utført.",
    "rest_techs": "Øvrige {n} montører",
    "rest_places": "Øvrige {n}",
    "tech": "Montør",
    "name": "Navn",
    "stage": "Fremdrift per etappe",
    "stage_key": "Etappe",
    "municipality": "Fremdrift per kommune",
    "municipality_key": "Kommunenr.",
    "share": "Andel utført",
    "total": "Totalt",
    "techs": "Montører",
    "forecast": "Prognose",
    "forecast_rate": (
        "{rate} ordre lukket OK per arbeidsdag de siste {weeks} ukene ({first}–{last}: {done} "
        "på {days} arbeidsdager); uke for uke {week_rates}."
    ),
    "forecast_finish": (
        "{remaining} ordre gjenstår: ferdig {finish} (tidligst {earliest}, senest {latest})."
    ),
    "forecast_none": "{remaining} ordre gjenstår; ingen lukket OK de siste {weeks} ukene.",
    "forecast_done": "Ingen ordre gjenstår.",
    "backlog": "Oppfølging etter alder",
    "backlog_age": "Har ventet",
    "backlog_orders": "Ordre",
    "footnote": (
        "Hver hendelse telles den dagen den skjedde: et besøk den dagen montøren utførte det "
        "(returens tidspunkt), et svar den dagen det kom. Lukket OK er ordrene som er lukket "
        "med løsningskode OK nå; bomturer er besøk løst med en annen kode; bekreftet er "
        "ordre som ble klare til utførelse; venter på respons er ordrene som venter nå."
    ),
    "totals": "Totalt {closed_ok} lukket OK, {failed} bomturer, {confirmed} bekreftet.",
}

#: The status groups of the tables' columns (domain.reports.GROUPS).
GROUP_LABELS = {
    "unplanned": "Ikke planlagt",
    "booking": "Under booking",
    "followup": "Oppfølging",
    "confirmed": "Bekreftet",
    "done": "Utført",
    "dropped": "Utgår",
}

#: How long an order has waited for a person (domain.reports.AGE_BUCKETS).
AGE_LABELS = {
    "0-1": "Under 1 dag",
    "1-3": "1–3 dager",
    "3-7": "3–7 dager",
    "7-14": "7–14 dager",
    "14+": "14 dager og mer",
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
    """A number as Norwegian writes it: 12 345 (no-break space), 2,5."""
    return f"{n:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


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
        _empty(ax, TEXT["no_progress"])
        return fig
    x = np.arange(len(data.weeks))
    series = [
        (TEXT["closed_ok"], [p.closed_ok for p in data.weeks], OK_COLOUR),
        (TEXT["failed"], [p.failed for p in data.weeks], FAILED_COLOUR),
        (TEXT["confirmed"], [p.confirmed for p in data.weeks], CONFIRMED_COLOUR),
    ]
    width = 0.8 / len(series)
    for i, (label, values, colour) in enumerate(series):
        ax.bar(x + (i - 1) * width, values, width, label=label, color=colour)
    step = max(1, len(x) // 16)
    ax.set_xticks(x[::step], [p.period.split("-W")[1] for p in data.weeks][::step])
    ax.set_xlabel(TEXT["week"])
    ax.set_ylabel(TEXT["orders"])
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
    ax.set_xlabel(TEXT["orders"])
    return fig


def _failed_chart(data: Dashboard, settings: Settings):
    reasons = data.failed_by_reason[:TOP_CHART]
    fig = _figure()
    ax = fig.add_subplot()
    if not reasons:
        _empty(ax, TEXT["no_failed"])
        return fig
    bars = ax.barh([_text(r) for r, _ in reasons], [n for _, n in reasons], height=0.6,
                   color=FAILED_COLOUR)  # fmt: skip
    ax.invert_yaxis()
    _bar_labels(ax, bars)
    _count_axis(ax, [n for _, n in reasons])
    ax.set_xlabel(TEXT["failed"])
    return fig


def _load_chart(data: Dashboard, settings: Settings):
    import numpy as np

    load = data.load[:TOP_CHART]
    fig = _figure()
    ax = fig.add_subplot()
    if not load:
        _empty(ax, TEXT["no_techs"])
        return fig
    y = np.arange(len(load))
    names = [_text(f"{t.tech_id} {t.name}".strip(), 24) for t in load]
    planned = ax.barh(y - 0.2, [t.planned for t in load], 0.4, color=PLANNED_COLOUR,
                      label=TEXT["planned"].format(days=data.load_days))  # fmt: skip
    done = ax.barh(y + 0.2, [t.done for t in load], 0.4, color=OK_COLOUR,
                   label=TEXT["done_so_far"])  # fmt: skip
    ax.set_yticks(y, names, fontsize=7 if len(load) > 8 else 8)
    ax.set_ylim(len(load) - 0.5, -0.5)
    _bar_labels(ax, planned)
    _bar_labels(ax, done)
    _count_axis(ax, [n for t in load for n in (t.planned, t.done)])
    ax.set_xlabel(TEXT["orders"])
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
    title = escape(TITLES[name])
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
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _day(day: date | None, settings: Settings) -> str:
    return long_date(day, settings.locale) if day else TEXT["unknown"]


def key_figures(data: Dashboard, settings: Settings) -> list[tuple[str, str]]:
    """(label, value) of the key figures at the top of the page."""
    orders, forecast = data.orders, data.progress.forecast
    share = number(orders.done_share * 100)
    return [
        (TEXT["orders"], number(orders.orders)),
        (TEXT["closed_ok"], f"{number(data.total.closed_ok)} ({share} %)"),
        (TEXT["remaining"], number(orders.remaining)),
        (TEXT["failed"], number(data.total.failed)),
        *(
            (settings.label(st), number(data.count(st)))
            for st in (Status.READY_FOR_EXECUTION, Status.AWAITING_RESPONSE)
        ),
        (TEXT["followup"], number(data.followup)),
        (TEXT["finish"], _day(forecast.finish, settings) if orders.remaining else "–"),
    ]


def load_caption(data: Dashboard) -> str:
    """Which technicians the load chart shows, and the sum of the others."""
    shown = data.load[:TOP_CHART]
    if len(data.load) <= len(shown):
        return ""
    rest = data.load[len(shown) :]
    return " ".join((
        TEXT["load_shown"].format(shown=len(shown), count=len(data.load)),
        TEXT["load_rest"].format(n=len(rest), planned=number(sum(t.planned for t in rest)),
                                 done=number(sum(t.done for t in rest))),
    ))  # fmt: skip


def forecast_text(data: Dashboard, settings: Settings) -> list[str]:
    """The forecast in words: the rate it is made from, and when the rest is done."""
    f = data.progress.forecast
    rate = TEXT["forecast_rate"].format(
        rate=number(f.rate, 1), weeks=rules.FORECAST_WEEKS, first=f"{f.first_day:%d.%m}",
        last=f"{f.last_day:%d.%m}", done=number(f.done), days=f.working_days,
        week_rates="; ".join(number(r, 1) for r in f.week_rates) or "–",
    )  # fmt: skip
    if not f.remaining:
        return [TEXT["forecast_done"], rate]
    if f.finish is None:
        return [TEXT["forecast_none"].format(remaining=number(f.remaining),
                                             weeks=rules.FORECAST_WEEKS), rate]  # fmt: skip
    return [
        TEXT["forecast_finish"].format(
            remaining=number(f.remaining), finish=_day(f.finish, settings),
            earliest=_day(f.earliest, settings), latest=_day(f.latest, settings),
        ),
        rate,
    ]  # fmt: skip


def render_html(data: Dashboard, settings: Settings) -> str:
    """The dashboard as one self-contained HTML page (CSS and charts inline)."""
    env = _environment(settings)
    try:
        template = env.get_template(TEMPLATE_NAME)
        assert env.loader is not None  # _environment always gives one
        css = env.loader.get_source(env, CSS_NAME)[0]
    except jinja2.TemplateError as exc:
        raise RuntimeError(f"dashboard template: {exc}") from exc
    generated = data.generated_at
    progress = data.progress
    return template.render(
        t=TEXT,
        company=data.company,
        date_text=f"{long_date(generated.date(), settings.locale)} {TEXT['at']} {generated:%H.%M}",
        css=Markup(css),  # noqa: S704 - the shipped (or the planner's own) stylesheet
        figures=key_figures(data, settings),
        titles=TITLES,
        charts=charts(data, settings),
        load_caption=load_caption(data),
        groups=[(g, GROUP_LABELS[g]) for g in GROUPS],
        stages=[(row.key, row) for row in progress.stages],
        municipalities=[
            (row.key, row)
            for row in rules.top(progress.municipalities, TOP_TABLE, TEXT["rest_places"])
        ],
        all_orders=(TEXT["total"], progress.orders),
        techs=rules.top_load(data.load, TOP_TABLE, TEXT["rest_techs"]),
        forecast=forecast_text(data, settings),
        backlog=[(AGE_LABELS[k], n) for k, n in progress.backlog.items()],
        number=number,
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
