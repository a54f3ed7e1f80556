"""Charts drawn on the server as SVG text, each returned with a text alternative.

Pure string building: no Django, no JavaScript. Every piece of text that goes into the
markup is escaped here, so a page may insert `Chart.svg` as it is. Each chart is an
`<svg role="img">` labelled by its own `<title>` and `<desc>`; the `desc` is the text
alternative, which pages also show next to the chart.

Shared pieces for every chart: `Frame` (a plot area and the data ranges it maps),
`axes` (grid, axis lines, ticks, tick labels and axis titles), `legend` and
`svg_document`. The crowd chart may carry the viewer's own forecasts as a step line
(`OwnLine`); the distribution of scores on a question is in `predictions/score_chart.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Protocol

from predictions.formatting import percent

# Canvas width in SVG units. Small enough that 14-unit text stays legible when the chart is
# scaled down to a phone's width.
WIDTH = 480
FONT_SIZE = 14
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
INK = "#1b1b1f"
MUTED = "#4a4f57"
GRID = "#d4d7dc"
# Line colours with at least 4.5:1 contrast on white, and dash patterns so that the lines
# also differ for readers who do not tell the colours apart.
PALETTE = ("#0b57d0", "#a11a1a", "#0f6b2f", "#7a4d00", "#6b2fa0", "#00697a", "#4a4f57", "#b3006b")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "5 5", "1 4", "14 4", "6 2 1 2")
LEGEND_ROW = 24
# The viewer's own line: near-black, dashed unlike any crowd line, with hollow squares where
# the forecast changed, so that it stands apart from every crowd line without colour.
OWN_COLOUR = INK
OWN_DASH = "4 2"


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its text alternative (the same text as the SVG's `<desc>`)."""

    svg: str
    text: str

    def __html__(self) -> str:
        # Template engines that honour __html__ (Django's among them) insert the markup
        # unescaped: every piece of text in it was escaped when it was built.
        return self.svg


@dataclass(frozen=True)
class Frame:
    """A plot area inside a canvas of `width` x `height`, with margins on each side, and
    the data ranges (`x_range`, `y_range`) its edges stand for."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def plot_left(self) -> float:
        return self.left

    @property
    def plot_right(self) -> float:
        return self.width - self.right

    @property
    def plot_top(self) -> float:
        return self.top

    @property
    def plot_bottom(self) -> float:
        return self.height - self.bottom

    def x(self, value: float) -> float:
        low, high = self.x_range
        if high == low:
            return (self.plot_left + self.plot_right) / 2
        return self.plot_left + (value - low) / (high - low) * (self.plot_right - self.plot_left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        if high == low:
            return (self.plot_top + self.plot_bottom) / 2
        return self.plot_bottom - (value - low) / (high - low) * (self.plot_bottom - self.plot_top)


def number(value: float) -> str:
    """A coordinate as short text: two decimals at most, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent_ticks(step: float = 0.25) -> list[tuple[float, str]]:
    """Ticks over [0, 1] labelled as percentages."""
    count = round(1 / step)
    return [(k * step, percent(k * step)) for k in range(count + 1)]


def _text(x: float, y: float, content: str, *, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{number(x)}" y="{number(y)}" text-anchor="{anchor}"{extra}>'
        f"{escape(content)}</text>"
    )


def axes(
    frame: Frame,
    *,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
    x_title: str,
    y_title: str,
    grid: bool = True,
) -> str:
    """Grid lines at the y ticks, both axis lines, tick marks, tick labels and titles.

    Ticks are (data value, label) pairs; titles sit under the x tick labels and, turned,
    left of the y tick labels.
    """
    left, right = frame.plot_left, frame.plot_right
    top, bottom = frame.plot_top, frame.plot_bottom
    parts = [f'<g class="axes" fill="{MUTED}" font-size="{FONT_SIZE}">']
    for value, label in y_ticks:
        y = frame.y(value)
        if grid:
            parts.append(
                f'<line x1="{number(left)}" y1="{number(y)}" x2="{number(right)}" '
                f'y2="{number(y)}" stroke="{GRID}" stroke-width="1"/>'
            )
        parts.append(
            f'<line x1="{number(left - 5)}" y1="{number(y)}" x2="{number(left)}" '
            f'y2="{number(y)}" stroke="{MUTED}" stroke-width="1"/>'
        )
        parts.append(_text(left - 8, y + FONT_SIZE * 0.35, label, anchor="end"))
    for value, label in x_ticks:
        x = frame.x(value)
        parts.append(
            f'<line x1="{number(x)}" y1="{number(bottom)}" x2="{number(x)}" '
            f'y2="{number(bottom + 5)}" stroke="{MUTED}" stroke-width="1"/>'
        )
        parts.append(_text(x, bottom + 8 + FONT_SIZE, label))
    parts.append(
        f'<path d="M{number(left)} {number(top)} V{number(bottom)} H{number(right)}" '
        f'fill="none" stroke="{INK}" stroke-width="1"/>'
    )
    parts.append(_text((left + right) / 2, bottom + 14 + 2 * FONT_SIZE, x_title))
    title_x, title_y = 6 + FONT_SIZE * 0.8, (top + bottom) / 2
    parts.append(
        _text(
            title_x,
            title_y,
            y_title,
            extra=f' transform="rotate(-90 {number(title_x)} {number(title_y)})"',
        )
    )
    parts.append("</g>")
    return "".join(parts)


def legend(
    entries: Sequence[tuple[str, str, str]], *, x: float, y: float, max_chars: int = 48
) -> str:
    """One row per (label, colour, dash pattern), from (x, y) downwards: a line sample
    drawn like the series, then the label (shortened past `max_chars`)."""
    parts = [f'<g class="legend" font-size="{FONT_SIZE}" fill="{INK}">']
    for row, (label, colour, dash) in enumerate(entries):
        row_y = y + row * LEGEND_ROW
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{number(x)}" y1="{number(row_y)}" x2="{number(x + 28)}" '
            f'y2="{number(row_y)}" stroke="{colour}" stroke-width="3"{dash_attr}/>'
        )
        shown = label if len(label) <= max_chars else label[: max_chars - 1] + "…"
        parts.append(_text(x + 36, row_y + FONT_SIZE * 0.35, shown, anchor="start"))
    parts.append("</g>")
    return "".join(parts)


def svg_document(*, frame: Frame, chart_id: str, title: str, desc: str, body: str) -> str:
    """The `<svg>` element: sized by its viewBox, an image labelled by its title and desc."""
    title_id, desc_id = escape(f"{chart_id}-title"), escape(f"{chart_id}-desc")
    width, height = number(frame.width), number(frame.height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" {FONT}>'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


# --- The crowd forecast over time ---------------------------------------------------------


class CrowdPoint(Protocol):
    """One day of the crowd forecast (predictions.selectors.CrowdDay has this shape)."""

    day: date
    probabilities: Mapping[str, float]
    forecasters: int


def _day_ticks(first: int, last: int, *, most: int = 4) -> list[int]:
    """Up to `most` evenly spaced day numbers from first to last, both included."""
    span = last - first
    if span == 0:
        return [first]
    count = min(span + 1, most)
    return sorted({first + round(k * span / (count - 1)) for k in range(count)})


def _forecasters(count: int) -> str:
    return f"{count} forecaster" + ("" if count == 1 else "s")


def crowd_text(series: Sequence[CrowdPoint], options: Sequence[str], *, final: bool = False) -> str:
    """The text alternative: the period, the latest (or, once resolved, the final) values
    and each option's range."""
    if not series:
        return "No forecasts yet, so there is no crowd forecast to show."
    first, last = series[0], series[-1]
    days = (last.day - first.day).days + 1
    subject = f"the chance of {options[0]}" if len(options) == 1 else "each option's chance"
    period = (
        f"on {first.day.isoformat()}"
        if days == 1
        else f"from {first.day.isoformat()} to {last.day.isoformat()} ({days} days)"
    )
    latest = ", ".join(f"{label} {percent(last.probabilities[label])}" for label in options)
    text = (
        f"Crowd forecast (median of the people's standing forecasts; bots and pundits are "
        f"not in it) of {subject}, "
        f"{period}. {'Final' if final else 'Latest'}, on {last.day.isoformat()}, from "
        f"{_forecasters(last.forecasters)}: "
        f"{latest}."
    )
    if days > 1:
        ranges = []
        for label in options:
            values = [point.probabilities[label] for point in series]
            ranges.append(f"{label} {percent(min(values))} to {percent(max(values))}")
        text += " Range over the period: " + ", ".join(ranges) + "."
    return text


@dataclass(frozen=True)
class OwnLine:
    """The viewer's standing forecast of `option` on each day of the crowd series they had
    one, oldest first: drawn as a step line (a forecast holds until the next one)."""

    option: str
    days: Sequence[tuple[date, float]]


def _day_words(day: date, *, with_year: bool) -> str:
    return f"{day.day} {day:%b}" + (f" {day.year}" if with_year else "")


def own_text(
    own: OwnLine, series: Sequence[CrowdPoint], *, final: bool = False, name_option: bool = False
) -> str:
    """ "Your forecast: 70% since 3 Dec; the crowd's median: 62%." (on the last day shown;
    "since" the day the forecast took its last value; "on China" after "forecast" and
    "median" with `name_option`)."""
    if not own.days:
        return ""
    last_day, value = own.days[-1]
    since = last_day
    for day, earlier in reversed(own.days):
        if abs(earlier - value) > 1e-9:
            break
        since = day
    crowd = {point.day: point.probabilities.get(own.option) for point in series}.get(last_day)
    with_year = bool(series) and series[0].day.year != series[-1].day.year
    on = f" on {own.option}" if name_option else ""
    adjective = "final " if final else ""
    text = (
        f"Your {adjective}forecast{on}: {percent(value)} since "
        f"{_day_words(since, with_year=with_year)}"
    )
    if crowd is not None:
        text += f"; the crowd's {adjective}median{on}: {percent(crowd)}"
    return text + "."


def _own_series(frame: Frame, own: OwnLine) -> str:
    """The step line (a polyline per run of consecutive days) and a hollow square on each
    day the forecast changed."""
    runs: list[list[tuple[float, float]]] = []
    squares: list[tuple[float, float]] = []
    previous: tuple[date, float] | None = None
    for day, value in own.days:
        x, y = frame.x(day.toordinal()), frame.y(value)
        if previous is not None and (day - previous[0]).days == 1:
            changed = abs(value - previous[1]) > 1e-9
            if changed:  # hold the earlier value up to this day, then step
                runs[-1].append((x, frame.y(previous[1])))
            runs[-1].append((x, y))
        else:
            runs.append([(x, y)])
            changed = True
        if changed:
            squares.append((x, y))
        previous = (day, value)
    parts = [f'<g class="own" stroke="{OWN_COLOUR}">']
    for run in runs:
        if len(run) > 1:
            parts.append(
                f'<polyline fill="none" stroke-width="3" stroke-dasharray="{OWN_DASH}" points="'
                + " ".join(f"{number(x)},{number(y)}" for x, y in run)
                + '"/>'
            )
    for x, y in squares:
        parts.append(
            f'<rect x="{number(x - 4.5)}" y="{number(y - 4.5)}" width="9" height="9" '
            'fill="#ffffff" stroke-width="2"/>'
        )
    parts.append("</g>")
    return "".join(parts)


def crowd_chart(
    series: Sequence[CrowdPoint],
    *,
    options: Sequence[str] | None = None,
    title: str = "Crowd forecast over time",
    chart_id: str = "crowd-chart",
    final: bool = False,
    own: OwnLine | None = None,
) -> Chart:
    """A line per option of the crowd's probability (0-100%) by day, with a legend when
    there is more than one line. `options` picks the lines, in order (default: every key
    of the series; pass ["Yes"] for a binary question). `own`, the viewer's own forecasts
    of one of those options, is drawn over them as a step line, with its legend entry."""
    if options is None:
        options = list(series[0].probabilities) if series else []
    options = list(options)
    if own is not None and (not own.days or own.option not in options or not series):
        own = None
    show_legend = len(options) > 1 or own is not None
    plot_height = 220
    top, bottom, left, right = 14, 52, 68, 30
    rows = len(options) + (1 if own is not None else 0)
    legend_height = rows * LEGEND_ROW + 6 if show_legend else 0
    height = top + plot_height + bottom + legend_height
    text = crowd_text(series, options, final=final)
    if own is not None:
        text += " " + own_text(own, series, final=final, name_option=len(options) > 1)

    if series:
        first, last = series[0].day.toordinal(), series[-1].day.toordinal()
    else:
        first = last = date.today().toordinal()
    # One day alone sits in the middle of a three-day span.
    x_range = (first - 1, last + 1) if first == last else (first, last)
    frame = Frame(WIDTH, height, left, top, right, bottom + legend_height, x_range, (0.0, 1.0))

    one_year = date.fromordinal(first).year == date.fromordinal(last).year
    x_ticks = []
    for day_number in _day_ticks(first, last):
        day = date.fromordinal(day_number)
        x_ticks.append((day_number, f"{day:%b} {day.day}" if one_year else day.isoformat()))
    x_title = f"Day (UTC), {date.fromordinal(first).year}" if one_year else "Day (UTC)"
    body = [
        axes(
            frame,
            x_ticks=x_ticks,
            y_ticks=percent_ticks(),
            x_title=x_title,
            y_title="Probability" if own is not None else "Crowd probability",
        )
    ]

    if not series:
        body.append(
            _text(
                (frame.plot_left + frame.plot_right) / 2,
                (frame.plot_top + frame.plot_bottom) / 2,
                "No forecasts yet",
                extra=f' font-size="{FONT_SIZE + 2}" fill="{MUTED}"',
            )
        )
    entries = []
    for index, label in enumerate(options):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        shown = f"{label}, latest {percent(series[-1].probabilities[label])}" if series else label
        if own is not None and len(options) == 1:
            shown = f"Crowd median, {'final' if final else 'latest'} " + percent(
                series[-1].probabilities[label]
            )
        entries.append((shown, colour, dash))
        if not series:
            continue
        points = [
            (frame.x(point.day.toordinal()), frame.y(point.probabilities[label]))
            for point in series
        ]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        if len(points) > 1:
            body.append(
                '<polyline fill="none" stroke-width="2.5" stroke-linejoin="round"'
                f'{dash_attr} points="'
                + " ".join(f"{number(x)},{number(y)}" for x, y in points)
                + '"/>'
            )
        # Dots on every day while they stay apart, and always on the latest day.
        dotted = points if len(points) <= 31 else points[-1:]
        for x, y in dotted:
            body.append(f'<circle cx="{number(x)}" cy="{number(y)}" r="3.5"/>')
        body.append("</g>")
    if own is not None:
        body.append(_own_series(frame, own))
        on = "" if len(options) == 1 else f" on {own.option}"
        shown = f"Your {'final ' if final else ''}forecast{on}, {percent(own.days[-1][1])}"
        entries.append((shown, OWN_COLOUR, OWN_DASH))
    if show_legend:
        body.append(
            legend(entries, x=frame.plot_left, y=top + plot_height + bottom + LEGEND_ROW / 2)
        )
    svg = svg_document(frame=frame, chart_id=chart_id, title=title, desc=text, body="".join(body))
    return Chart(svg=svg, text=text)
