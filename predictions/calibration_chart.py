"""The calibration chart of a forecaster, drawn on the server as an SVG string.

Pure Python (no Django, no numpy needed): it reads a `scoring.Calibration` (or anything
with the same attributes) and returns the SVG markup together with a text alternative —
a one-paragraph summary and one row per bin — for the page to show beside it. Every bit
of text that goes into the markup is escaped here, so the page may insert it as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

# Geometry, in SVG user units (the chart scales to its container through the viewBox).
WIDTH = 480
LEFT = 64
RIGHT = 16
TOP = 20
PLOT = WIDTH - LEFT - RIGHT  # the plot is square: PLOT x PLOT
BOTTOM = TOP + PLOT
HEIGHT = BOTTOM + 70  # tick labels, the row of counts, the axis title

# Typographic characters, spelled out (they read better than their ASCII look-alikes).
DASH = "\u2013"  # en dash, for ranges
APOSTROPHE = "\u2019"
TIMES = "\u00d7"
MINUS = "\u2212"

INK = "#1b1b1f"
MUTED = "#4a4f57"
GRID = "#d4d7dc"
POINT = "#0b57d0"


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of the chart, in plain numbers (None where the bin is empty)."""

    lower_edge: float
    upper_edge: float
    count: float
    mean_forecast: float | None
    observed: float | None
    interval_low: float | None
    interval_high: float | None

    @property
    def label(self) -> str:
        return f"{self.lower_edge * 100:.0f}{DASH}{self.upper_edge * 100:.0f}%"

    @property
    def empty(self) -> bool:
        return self.mean_forecast is None or self.observed is None


@dataclass(frozen=True)
class CalibrationChart:
    """The SVG and its text alternative."""

    svg: str
    summary: str
    bins: list[CalibrationBin]
    total: float

    @property
    def has_data(self) -> bool:
        return self.total > 0


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value * 100:.{digits}f}%"


def weight(value: float) -> str:
    """A (possibly fractional, duration-weighted) count: 12, 3.5, 0.25."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bins_of(result: Any) -> list[CalibrationBin]:
    edges = [float(edge) for edge in result.bin_edges]
    return [
        CalibrationBin(
            lower_edge=edges[k],
            upper_edge=edges[k + 1],
            count=float(result.counts[k]),
            mean_forecast=_number(result.mean_forecast[k]),
            observed=_number(result.observed[k]),
            interval_low=_number(result.lower[k]),
            interval_high=_number(result.upper[k]),
        )
        for k in range(len(edges) - 1)
    ]


def _x(probability: float) -> float:
    return round(LEFT + probability * PLOT, 2)


def _y(probability: float) -> float:
    return round(BOTTOM - probability * PLOT, 2)


def summary_of(bins: list[CalibrationBin], total: float, name: str) -> str:
    filled = [b for b in bins if not b.empty and b.count > 0]
    if not filled:
        return (
            f"No calibration yet for {name}: no scored forecast on a question whose "
            "resolution deadline has passed."
        )
    parts = [
        f"In {b.label} (weight {weight(b.count)}), forecasts averaged "
        f"{percent(b.mean_forecast)} and {percent(b.observed)} happened "
        f"(95% interval {percent(b.interval_low)} to {percent(b.interval_high)})"
        for b in filled
    ]
    return (
        f"Calibration of {name}: forecast events with a total weight of {weight(total)}, "
        f"in {len(filled)} of {len(bins)} bins. " + "; ".join(parts) + "."
    )


def render_calibration_chart(
    result: Any, *, name: str, id_prefix: str = "calibration"
) -> CalibrationChart:
    """Draw `result` (a `scoring.Calibration`) for the forecaster called `name`.

    Points are the bins' (mean forecast, observed frequency) against the diagonal of
    perfect calibration; vertical bars are the Wilson 95% intervals; the row under the
    x axis gives each bin's (duration-weighted) count.
    """
    bins = bins_of(result)
    total = float(result.total)
    summary = summary_of(bins, total, name)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif" '
        f'font-size="13" class="calibration-chart">',
        f'<title id="{title_id}">{escape(f"Calibration of {name}")}</title>',
        f'<desc id="{desc_id}">{escape(summary)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="#ffffff" '
        f'stroke="{MUTED}"/>',
    ]

    # Grid, ticks and tick labels: 0% to 100% every 10% on both axes.
    out.append('<g class="axes">')
    for step in range(11):
        p = step / 10
        x, y = _x(p), _y(p)
        if 0 < step < 10:
            out.append(
                f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{BOTTOM}" stroke="{GRID}" '
                'stroke-width="1"/>'
            )
            out.append(
                f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + PLOT}" y2="{y}" stroke="{GRID}" '
                'stroke-width="1"/>'
            )
        out.append(f'<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{BOTTOM + 5}" stroke="{INK}"/>')
        out.append(f'<line x1="{LEFT - 5}" y1="{y}" x2="{LEFT}" y2="{y}" stroke="{INK}"/>')
        out.append(
            f'<text x="{x}" y="{BOTTOM + 19}" text-anchor="middle" fill="{INK}" '
            f'font-size="12">{step * 10}%</text>'
        )
        out.append(
            f'<text x="{LEFT - 8}" y="{y + 4}" text-anchor="end" fill="{INK}" '
            f'font-size="12">{step * 10}%</text>'
        )
    out.append(
        f'<text x="{LEFT + PLOT / 2}" y="{BOTTOM + 62}" text-anchor="middle" fill="{INK}">'
        "Stated probability</text>"
    )
    out.append(
        f'<text x="14" y="{TOP + PLOT / 2}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 14 {TOP + PLOT / 2})">Observed frequency</text>'
    )
    out.append("</g>")

    # The diagonal: perfectly calibrated forecasts lie on it.
    out.append(
        f'<line class="diagonal" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" y2="{_y(1)}" '
        f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="6 4">'
        "<title>Perfect calibration: what was stated happened that often</title></line>"
    )

    # Counts per bin, in a row between the tick labels and the axis title.
    count_y = BOTTOM + 38
    out.append('<g class="counts">')
    out.append(
        f'<text x="{LEFT - 8}" y="{count_y}" text-anchor="end" fill="{MUTED}" '
        'font-style="italic">n</text>'
    )
    for b in bins:
        centre = _x((b.lower_edge + b.upper_edge) / 2)
        out.append(
            f'<text x="{centre}" y="{count_y}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="11">{weight(b.count)}</text>'
        )
    out.append("</g>")

    # The bins: interval bar, then the point on top.
    out.append('<g class="bins">')
    for b in bins:
        if b.empty or b.count <= 0:
            continue
        x = _x(b.mean_forecast)
        label = escape(
            f"{b.label}: mean forecast {percent(b.mean_forecast, 1)}, happened "
            f"{percent(b.observed, 1)} (95% interval {percent(b.interval_low, 1)} to "
            f"{percent(b.interval_high, 1)}), weight {weight(b.count)}"
        )
        out.append(f'<g class="bin"><title>{label}</title>')
        if b.interval_low is not None and b.interval_high is not None:
            y_low, y_high = _y(b.interval_low), _y(b.interval_high)
            out.append(
                f'<line class="interval" x1="{x}" y1="{y_low}" x2="{x}" y2="{y_high}" '
                f'stroke="{POINT}" stroke-width="2"/>'
            )
            for cap in (y_low, y_high):
                out.append(
                    f'<line x1="{round(x - 5, 2)}" y1="{cap}" x2="{round(x + 5, 2)}" '
                    f'y2="{cap}" stroke="{POINT}" stroke-width="2"/>'
                )
        out.append(
            f'<circle class="point" cx="{x}" cy="{_y(b.observed)}" r="5" fill="{POINT}" '
            'stroke="#ffffff" stroke-width="1.5"/>'
        )
        out.append("</g>")
    out.append("</g>")

    if not any(not b.empty and b.count > 0 for b in bins):
        out.append(
            f'<text x="{_x(0.3)}" y="{_y(0.75)}" text-anchor="middle" '
            f'fill="{MUTED}">No scored forecasts yet</text>'
        )
    out.append("</svg>")
    return CalibrationChart(svg="".join(out), summary=summary, bins=bins, total=total)


# --- The Murphy decomposition in words


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class MurphyTerm:
    name: str
    value: float | None
    words: str


def murphy_terms(result: Any, *, owner: bool, name: str) -> list[MurphyTerm]:
    """Reliability, resolution and uncertainty, each with a sentence a stranger can read.

    `owner` switches the wording to the second person ("your stated probabilities").
    """
    reliability = _number(result.reliability)
    resolution = _number(result.resolution)
    uncertainty = _number(result.uncertainty)
    whose = "your" if owner else f"{name}{APOSTROPHE}s"
    who = "you" if owner else name
    if reliability is None or resolution is None or uncertainty is None:
        return []

    if reliability < 0.01:
        closeness = "were close to"
    elif reliability < 0.04:
        closeness = "strayed somewhat from"
    else:
        closeness = "were far from"
    reliability_words = (
        f"{_capital(whose)} stated probabilities {closeness} what happened (the weighted "
        f"mean squared gap between each bin{APOSTROPHE}s forecast and its observed frequency; 0 is "
        "perfect, lower is better)."
    )

    share = resolution / uncertainty if uncertainty > 0 else 0.0
    if share >= 0.5:
        degree = "clearly"
    elif share >= 0.15:
        degree = "partly"
    else:
        degree = "hardly"
    resolution_words = (
        f"{_capital(who)} {degree} separated the events that happened from those that did "
        f"not (how far each bin{APOSTROPHE}s observed frequency lies from the overall base "
        "rate; higher is better, at most the uncertainty)."
    )
    uncertainty_words = (
        f"How unpredictable these events were in themselves: base rate {TIMES} (1 {MINUS} base "
        "rate), "
        "0.25 when half of them happened. No forecaster controls it."
    )
    return [
        MurphyTerm("Reliability", reliability, reliability_words),
        MurphyTerm("Resolution", resolution, resolution_words),
        MurphyTerm("Uncertainty", uncertainty, uncertainty_words),
    ]
