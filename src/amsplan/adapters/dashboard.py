"""The dashboard: one self-contained HTML page (charts as inline SVG), or a PDF of it.

The charts are drawn by matplotlib (Agg canvas, SVG output, DejaVu Sans shipped with
matplotlib, text as paths), so the page looks the same everywhere and needs no fonts,
files, network or JavaScript. The page comes from ``templates/reports/dashboard.html`` and
``dashboard.css`` (a ``[letters] templates`` folder may override either), rendered by
Jinja2 with autoescape: technician and company names are user text.

matplotlib and WeasyPrint are imported only when a dashboard is drawn or printed.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from amsplan.adapters.letters.dates import long_date
from amsplan.config import Settings
from amsplan.domain.reports import Dashboard
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

# Fixed colours of the figures that are not a status.
OK_COLOUR = "#43a047"
FAILED_COLOUR = "#e53935"
CONFIRMED_COLOUR = "#42a5f5"
PLANNED_COLOUR = "#42a5f5"

_WIDTH = 4.8  # inches; the page scales every chart to its column
_RC = {
    "svg.fonttype": "path",  # text as paths: no font needed where the page is shown
    "svg.hashsalt": "amsplan",  # the same data gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "legend.frameon": False,
    "legend.fontsize": 8,
}


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


def _figure(height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_WIDTH, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(ax, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#757575", transform=ax.transAxes)


def _integer_axis(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _bar_labels(ax, bars) -> None:
    ax.bar_label(bars, labels=[str(int(b.get_width())) if b.get_width() else "" for b in bars],
                 padding=2, fontsize=7.5)  # fmt: skip


def _count_axis(ax, values: list[int]) -> None:
    """From 0, room for the bar labels, whole numbers; 0..1 when everything is 0."""
    _integer_axis(ax.xaxis)
    ax.set_xlim(0, max([1, *values]) * 1.15)


def _progress_chart(data: Dashboard, settings: Settings):
    import numpy as np

    fig = _figure(3.0)
    ax = fig.add_subplot()
    if not data.weeks:
        _empty(ax, "Ingen fremdrift ennå")
        return fig
    x = np.arange(len(data.weeks))
    series = [
        ("Lukket OK", [p.closed_ok for p in data.weeks], OK_COLOUR),
        ("Bomturer", [p.failed for p in data.weeks], FAILED_COLOUR),
        ("Bekreftet", [p.confirmed for p in data.weeks], CONFIRMED_COLOUR),
    ]
    width = 0.8 / len(series)
    for i, (label, values, colour) in enumerate(series):
        ax.bar(x + (i - 1) * width, values, width, label=label, color=colour)
    step = max(1, len(x) // 16)
    ax.set_xticks(x[::step], [p.period.split("-W")[1] for p in data.weeks][::step])
    ax.set_xlabel("Uke")
    ax.set_ylabel("Ordre")
    _integer_axis(ax.yaxis)
    ax.set_ylim(0, max([1, *(v for _, values, _ in series for v in values)]) * 1.05)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
    return fig


def _status_chart(data: Dashboard, settings: Settings):
    fig = _figure(3.0)
    ax = fig.add_subplot()
    labels = [_text(s.label) for s in data.statuses]
    bars = ax.barh(labels, [s.count for s in data.statuses],
                   color=[_colour(s.colour) for s in data.statuses])  # fmt: skip
    ax.invert_yaxis()
    _bar_labels(ax, bars)
    _count_axis(ax, [s.count for s in data.statuses])
    ax.set_xlabel("Ordre")
    return fig


def _failed_chart(data: Dashboard, settings: Settings):
    reasons = data.failed_by_reason
    fig = _figure(max(2.2, 0.28 * len(reasons) + 0.9))
    ax = fig.add_subplot()
    if not reasons:
        _empty(ax, "Ingen bomturer")
        return fig
    bars = ax.barh([_text(r) for r, _ in reasons], [n for _, n in reasons], color=FAILED_COLOUR)
    ax.invert_yaxis()
    _bar_labels(ax, bars)
    _count_axis(ax, [n for _, n in reasons])
    ax.set_xlabel("Bomturer")
    return fig


def _load_chart(data: Dashboard, settings: Settings):
    import numpy as np

    load = data.load
    fig = _figure(max(2.2, 0.42 * len(load) + 1.0))
    ax = fig.add_subplot()
    if not load:
        _empty(ax, "Ingen montører")
        return fig
    y = np.arange(len(load))
    names = [_text(f"{t.tech_id} {t.name}".strip()) for t in load]
    planned = ax.barh(y - 0.2, [t.planned for t in load], 0.4, color=PLANNED_COLOUR,
                      label=f"Planlagt neste {data.load_days} dager")  # fmt: skip
    done = ax.barh(y + 0.2, [t.done for t in load], 0.4, color=OK_COLOUR, label="Utført hittil")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    _bar_labels(ax, planned)
    _bar_labels(ax, done)
    _count_axis(ax, [n for t in load for n in (t.planned, t.done)])
    ax.set_xlabel("Ordre")
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


def key_figures(data: Dashboard, settings: Settings) -> list[tuple[str, str]]:
    """(label, value) of the key figures at the top of the page."""
    share = round(data.done_share * 100)
    return [
        ("Ordre", str(data.orders)),
        ("Lukket OK", f"{data.done} ({share} %)"),
        ("Bomturer", str(data.total.failed)),
        (settings.label(Status.READY_FOR_EXECUTION), str(data.ready_for_execution)),
        (settings.label(Status.AWAITING_RESPONSE), str(data.total.awaiting)),
    ]


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
    return template.render(
        title="AMS-utrulling: status og fremdrift",
        company=data.company,
        date_text=f"{long_date(generated.date(), settings.locale)} kl. {generated:%H.%M}",
        css=Markup(css),  # noqa: S704 - the shipped (or the planner's own) stylesheet
        figures=key_figures(data, settings),
        titles=TITLES,
        charts=charts(data, settings),
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
