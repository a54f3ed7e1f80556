"""The distribution of relative scores on one resolved question, drawn on the server as SVG.

A histogram of how many forecasters scored in each band of relative score (own Brier minus
the crowd median's, per day, averaged: below 0 beats the crowd), with the crowd's own mark
at 0 and the viewer's score marked when they were scored. Pure string building on the
shared pieces of `predictions/charts.py`; the text alternative says what the bars show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from predictions.charts import (
    INK,
    LEGEND_ROW,
    PALETTE,
    WIDTH,
    Chart,
    Frame,
    axes,
    legend,
    number,
    svg_document,
)

# Light bars with a dark outline: the outline has 3:1 contrast (and more) on white, the
# fill leaves 3:1 for the marks drawn over it.
BAR = "#8fb1f0"
BAR_EDGE = PALETTE[0]
OWN_MARK = (INK, "")  # solid, near-black
CROWD_MARK = (PALETTE[1], "8 4")  # dashed, dark red
# Aimed-for number of bars; the step is rounded to 1, 2, 2.5 or 5 times a power of ten.
BARS = 8


def signed(value: float, decimals: int = 3) -> str:
    """+0.012, -0.050, and 0 for zero (at the precision shown)."""
    text = f"{value:+.{decimals}f}"
    return "0" if float(text) == 0 else text


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 and 10 times a power of ten that is at least `raw`."""
    exponent = math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * 10**exponent >= raw * (1 - 1e-9):
            return factor * 10**exponent
    return 10 ** (exponent + 1)  # pragma: no cover (10 always fits)


def _decimals(step: float) -> int:
    """Decimals that show every multiple of `step` exactly (0.25 -> 2, 0.05 -> 2)."""
    for decimals in range(7):
        if abs(round(step, decimals) - step) < step * 1e-6:
            return decimals
    return 6


def _ordinal(rank: int) -> str:
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def distribution_text(values: Sequence[float], *, own: float | None) -> str:
    count = len(values)
    if not count:
        return "Nobody was scored on this question."
    ordered = sorted(values)
    middle = count // 2
    median = ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    beat = sum(1 for value in values if value < 0)
    people = f"{count} forecaster" + ("" if count == 1 else "s")
    text = (
        f"Relative scores of {people} on this question"
        + (
            f": {signed(ordered[0])}."
            if count == 1
            else f", from {signed(ordered[0])} to {signed(ordered[-1])}, median {signed(median)}."
        )
        + f" Below 0 beats the crowd's median, which scores 0: {beat} of {count} did."
    )
    if own is not None:
        rank = 1 + sum(1 for value in values if value < own)
        text += f" Yours: {signed(own)}, {_ordinal(rank)} best of {count}."
    return text


def _bins(values: Sequence[float]) -> tuple[float, float, list[int]]:
    """(first edge, step, count per bar) over the values and 0 (the crowd)."""
    low, high = min([*values, 0.0]), max([*values, 0.0])
    if high - low < 1e-6:
        low, high = low - 0.05, high + 0.05
    step = nice_step((high - low) / BARS)
    start = math.floor(low / step + 1e-9) * step
    counts = [0] * max(1, math.floor((high - start) / step + 1e-9) + 1)
    for value in values:
        index = min(len(counts) - 1, max(0, math.floor((value - start) / step + 1e-9)))
        counts[index] += 1
    return start, step, counts


def _score_ticks(start: float, end: float, step: float) -> list[tuple[float, str]]:
    """At most six ticks on bar edges, 0 among them: the multiples of the smallest of
    1, 2, 5, 10, ... bars that leaves so few."""
    for factor in (1, 2, 5, 10, 20, 50, 100):
        tick = step * factor
        first, last = math.ceil(start / tick - 1e-9), math.floor(end / tick + 1e-9)
        if last - first + 1 <= 6:
            break
    decimals = _decimals(tick)
    return [(k * tick, signed(k * tick, decimals)) for k in range(first, last + 1)]


def _mark(frame: Frame, value: float, colour: str, dash: str, *, css: str) -> str:
    """A vertical line through the plot at `value`, from a little above it to the axis."""
    x = number(frame.x(value))
    top, bottom = number(frame.plot_top - 10), number(frame.plot_bottom)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line class="{css}" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{colour}" '
        f'stroke-width="3"{dash_attr}/>'
    )


def distribution_chart(
    values: Sequence[float],
    *,
    own: float | None = None,
    title: str = "Distribution of relative scores on this question",
    chart_id: str = "score-distribution",
) -> Chart:
    """Bars of how many forecasters scored in each band, the crowd's 0 and `own` marked."""
    text = distribution_text(values, own=own)
    start, step, counts = _bins(values)
    end = start + step * len(counts)
    plot_height = 120
    top, bottom, left, right = 26, 52, 52, 24
    entries = [("The crowd's median, 0", *CROWD_MARK)]
    if own is not None:
        entries.insert(0, (f"Your score, {signed(own)}", *OWN_MARK))
    legend_height = len(entries) * LEGEND_ROW + 6
    height = top + plot_height + bottom + legend_height
    most = max(counts)
    count_step = max(1, math.ceil(most / 4))
    count_top = count_step * math.ceil(most / count_step)
    frame = Frame(
        WIDTH, height, left, top, right, bottom + legend_height, (start, end), (0, count_top)
    )

    x_ticks = _score_ticks(start, end, step)
    y_ticks = [(n, str(n)) for n in range(0, count_top + 1, count_step)]
    body = [
        axes(
            frame,
            x_ticks=x_ticks,
            y_ticks=y_ticks,
            x_title="Relative score (below 0 beats the crowd)",
            y_title="Forecasters",
        ),
        f'<g class="bars" fill="{BAR}" stroke="{BAR_EDGE}" stroke-width="1.5">',
    ]
    for index, count in enumerate(counts):
        if not count:
            continue
        x0, x1 = frame.x(start + index * step), frame.x(start + (index + 1) * step)
        y = frame.y(count)
        body.append(
            f'<rect x="{number(x0 + 1)}" y="{number(y)}" width="{number(max(x1 - x0 - 2, 1))}" '
            f'height="{number(frame.plot_bottom - y)}"/>'
        )
    body.append("</g>")
    body.append(_mark(frame, 0.0, *CROWD_MARK, css="crowd"))
    if own is not None:
        body.append(_mark(frame, own, *OWN_MARK, css="own"))
        x = frame.x(own)
        body.append(  # a downward triangle over the viewer's line, in case the lines meet
            f'<path class="own-marker" d="M{number(x - 6)} {number(frame.plot_top - 20)} '
            f'H{number(x + 6)} L{number(x)} {number(frame.plot_top - 9)} Z" fill="{INK}"/>'
        )
    body.append(legend(entries, x=frame.plot_left, y=top + plot_height + bottom + LEGEND_ROW / 2))
    svg = svg_document(frame=frame, chart_id=chart_id, title=title, desc=text, body="".join(body))
    return Chart(svg=svg, text=text)
