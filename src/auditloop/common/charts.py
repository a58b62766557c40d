"""SPC charts drawn on the server: SVG for the page and the PDF, PNG for the Word document
(python-docx cannot embed SVG). matplotlib draws both from one figure, so every format shows
the same chart; each chart comes with a text alternative and the data table beside it.

Colour never carries meaning alone: points of improvement and concern have their own marker
shapes and are named in the legend and the table; every colour used passes 3:1 against
white (GOV.UK's palette).
"""

from __future__ import annotations

import functools
import io
import re
import threading
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display on a server; set before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from auditloop.common.statistics import Chart, Variation, percent  # noqa: E402

BLUE = "#1d70b8"
BLACK = "#0b0c0c"
GREY = "#505a5f"
ORANGE = "#b5510c"  # concern (darkened GOV.UK orange for 4.5:1 against white)
GREEN = "#00703c"  # improvement

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 10, "svg.fonttype": "none",
    "svg.hashsalt": "auditloop",  # the same chart draws the same SVG
})


@dataclass(frozen=True)
class DrawnChart:
    title: str
    alt: str  # the text alternative: what the chart shows and what SPC says of it
    svg: str


def _figure(chart: Chart, *, title: str, as_percent: bool) -> Figure:
    fig = plt.figure(figsize=(8, 3.6), dpi=100)
    ax = fig.add_subplot()
    xs = list(range(len(chart.points)))
    ys = [p.value for p in chart.points]
    ax.plot(xs, ys, color=BLUE, linewidth=1.5, marker="o", markersize=4, label="Each month",
            zorder=3)
    if chart.has_limits:
        for key, style, label in (("centre", "-", "Centre line"),
                                  ("upper", "--", "Process limits"), ("lower", "--", None)):
            ax.step(xs, [getattr(p, key) for p in chart.points], where="mid",
                    color=BLACK if key == "centre" else GREY, linestyle=style, linewidth=1,
                    label=label)
    better = [(x, p.value) for x, p in zip(xs, chart.points, strict=True)
              if p.variation == Variation.IMPROVEMENT]
    worse = [(x, p.value) for x, p in zip(xs, chart.points, strict=True)
             if p.variation == Variation.CONCERN]
    odd = [(x, p.value) for x, p in zip(xs, chart.points, strict=True)
           if p.variation in (Variation.NEUTRAL_HIGH, Variation.NEUTRAL_LOW)]
    for points, marker, colour, label in ((better, "^", GREEN, "Improvement (SPC signal)"),
                                          (worse, "v", ORANGE, "Concern (SPC signal)"),
                                          (odd, "D", GREY, "Unusual (SPC signal)")):
        if points:
            ax.scatter([x for x, _ in points], [y for _, y in points], marker=marker, s=70,
                       color=colour, zorder=4, label=label)
    ax.set_xticks(xs, [p.period for p in chart.points], rotation=60, ha="right", fontsize=8)
    if as_percent:
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v * 100:.0f}%")
    ax.set_title(title, loc="left", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#b1b4b6", linewidth=0.5)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def alt_text(chart: Chart, *, title: str, as_percent: bool) -> str:
    if not chart.points:
        return f"{title}: no months to chart yet."
    first, last = chart.points[0], chart.points[-1]
    show = percent if as_percent else (lambda v: f"{v:.1f}" if v is not None else "none")
    text = (f"{title}, {len(chart.points)} months from {first.period} to {last.period}; "
            f"the latest month is {show(last.value)}")
    if chart.has_limits and last.centre is not None:
        text += f" against a centre line of {show(last.centre)}"
    return f"{text}. {chart.summary()}"


def _render(chart: Chart, title: str, as_percent: bool, fmt: str) -> bytes:
    fig = _figure(chart, title=title, as_percent=as_percent)
    try:
        out = io.BytesIO()
        fig.savefig(out, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {})
        return out.getvalue()
    finally:
        plt.close(fig)


# A chart is drawn from its points alone, so the same points draw the same picture: keep the
# last few (a report's page is read many times a month, and drawing takes a good part of a
# second).
@functools.lru_cache(maxsize=64)
def _cached(chart: Chart, title: str, as_percent: bool, fmt: str) -> bytes:
    return _render(chart, title, as_percent, fmt)


# One drawing at a time in a process: pyplot keeps its figures in one global registry, which
# is not safe to use from several threads at once, and readers who open the same report at
# the same moment then wait for its one drawing and take it from the cache, instead of each
# drawing it again (under 20 clients at once, a report's first readers waited 16 s for the
# same charts drawn many times over: benchmarks/RESULTS.md, `make bench`).
_drawing = threading.Lock()


def _drawn(chart: Chart, title: str, as_percent: bool, fmt: str) -> bytes:
    with _drawing:
        return _cached(chart, title, as_percent, fmt)


def draw(chart: Chart, *, title: str, as_percent: bool = False) -> DrawnChart:
    """The chart as inline SVG for a page or a PDF, with its text alternative."""
    alt = alt_text(chart, title=title, as_percent=as_percent)
    svg = _drawn(chart, title, as_percent, "svg").decode()
    return DrawnChart(title=title, alt=alt, svg=_accessible_svg(svg, title, alt))


def png(chart: Chart, *, title: str, as_percent: bool = False) -> bytes:
    """The same chart as a PNG, for a Word document (give it the same text alternative)."""
    return _drawn(chart, title, as_percent, "png")


def _accessible_svg(svg: str, title: str, alt: str) -> str:
    """An inline SVG that a screen reader reads as one image with its text alternative, that
    scales down to a phone's width, and whose ids are its own when a page has several."""
    ident = "chart-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    body = _presentation_attributes(svg[svg.index("<svg"):])
    body = re.sub(r'id="([^"]+)"', rf'id="{ident}-\1"', body)
    body = re.sub(r'url\(#([^)]+)\)', rf'url(#{ident}-\1)', body)
    body = re.sub(r'href="#([^"]+)"', rf'href="#{ident}-\1"', body)
    body = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  rf'<svg\1 role="img" aria-labelledby="{ident}" class="app-chart"', body,
                  count=1)
    esc = alt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return body.replace(">", f'><title id="{ident}">{esc}</title>', 1)


def _style_to_attributes(match: re.Match[str]) -> str:
    pairs = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)


def _presentation_attributes(svg: str) -> str:
    """The service's Content Security Policy allows no inline styles, so matplotlib's
    style="fill: ...; stroke: ..." becomes SVG's own attributes (fill="..." stroke="..."),
    which draw the same and need no style at all."""
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r'style="([^"]*)"', _style_to_attributes, svg)
    # What the dropped <style> set for every element, inherited from the root instead.
    return svg.replace("<svg", '<svg stroke-linejoin="round" stroke-linecap="butt"', 1)
