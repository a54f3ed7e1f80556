"""A plain reference implementation of DESIGN.md "Scoring", for testing the numpy kernel.

Written straight from the definitions with Python datetimes, dates, floats and loops over
days and forecasters; deliberately slow and obvious. Nothing here imports numpy.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def to_datetime(us: int) -> datetime:
    """An aware UTC datetime from microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=us)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (moment - EPOCH) // ONE_US


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH.date()).days


def from_day_number(number: int) -> date:
    return EPOCH.date() + timedelta(days=number)


def midnight(day: date) -> datetime:
    """00:00 UTC at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Forecast:
    forecaster: int
    submitted_at: datetime
    probabilities: tuple[float, ...]


# Scoring rules ------------------------------------------------------------------------


def brier(f: tuple[float, ...], outcome: int) -> float:
    total = 0.0
    for k, fk in enumerate(f):
        ok = 1.0 if k == outcome else 0.0
        total += (fk - ok) ** 2
    return total


def log_score(f: tuple[float, ...], outcome: int) -> float:
    return -math.log(f[outcome])


def spherical(f: tuple[float, ...], outcome: int) -> float:
    return f[outcome] / math.sqrt(sum(fk * fk for fk in f))


# Window and standing forecasts --------------------------------------------------------


def window(
    opens_at: datetime, closes_at: datetime, known_on: date | None
) -> tuple[list[date], datetime]:
    """(the window days, E)."""
    end = closes_at
    if known_on is not None and midnight(known_on) < end:
        end = midnight(known_on)
    days = []
    day = opens_at.date()
    last = (end - ONE_US).date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days, end


def standing(
    forecasts: list[Forecast], n_forecasters: int, days: list[date], end: datetime
) -> list[list[int | None]]:
    """[forecaster][day] -> index of the standing forecast, or None."""
    table: list[list[int | None]] = []
    for who in range(n_forecasters):
        row: list[int | None] = []
        for day in days:
            cutoff = min(midnight(day + timedelta(days=1)), end)
            best: int | None = None
            for i, fc in enumerate(forecasts):
                if fc.forecaster != who or not fc.submitted_at < cutoff:
                    continue
                # Latest wins; on equal times the later row wins.
                if best is None or fc.submitted_at >= forecasts[best].submitted_at:
                    best = i
            row.append(best)
        table.append(row)
    return table


# Question scores ----------------------------------------------------------------------


@dataclass
class Scores:
    days: list[date]
    end: datetime
    standing: list[list[int | None]]
    daily_brier: list[list[float | None]]
    crowd_median: list[float | None]
    brier: list[float | None]
    relative: list[float | None]
    log_loss: list[float | None]
    spherical: list[float | None]
    n_days: list[int]
    final_row: list[int | None]


def score_question(
    forecasts: list[Forecast],
    n_forecasters: int,
    opens_at: datetime,
    closes_at: datetime,
    known_on: date | None,
    outcome: int,
    reference: list[bool] | None = None,
) -> Scores:
    """`reference[who]`: whether the forecaster is one of the crowd the median is taken
    over (None: everyone)."""
    if reference is None:
        reference = [True] * n_forecasters
    days, end = window(opens_at, closes_at, known_on)
    table = standing(forecasts, n_forecasters, days, end)

    daily: list[list[float | None]] = []
    for who in range(n_forecasters):
        daily.append(
            [
                None
                if table[who][d] is None
                else brier(forecasts[table[who][d]].probabilities, outcome)
                for d in range(len(days))
            ]
        )

    crowd: list[float | None] = []
    for d in range(len(days)):
        todays = [
            daily[who][d]
            for who in range(n_forecasters)
            if reference[who] and daily[who][d] is not None
        ]
        crowd.append(statistics.median(todays) if todays else None)

    brier_means, relatives, logs, sphericals, counts, finals = [], [], [], [], [], []
    for who in range(n_forecasters):
        own = [daily[who][d] for d in range(len(days)) if daily[who][d] is not None]
        counts.append(len(own))
        if not own:
            brier_means.append(None)
            relatives.append(None)
            logs.append(None)
            sphericals.append(None)
            finals.append(None)
            continue
        brier_means.append(sum(own) / len(own))
        total = 0.0
        for d in range(len(days)):
            if daily[who][d] is not None and crowd[d] is not None:
                total += daily[who][d] - crowd[d]
            # else: the forecaster takes the crowd's median, or there is none: counts 0
        relatives.append(total / len(days))
        final = table[who][-1]
        finals.append(final)
        logs.append(log_score(forecasts[final].probabilities, outcome))
        sphericals.append(spherical(forecasts[final].probabilities, outcome))

    return Scores(
        days=days,
        end=end,
        standing=table,
        daily_brier=daily,
        crowd_median=crowd,
        brier=brier_means,
        relative=relatives,
        log_loss=logs,
        spherical=sphericals,
        n_days=counts,
        final_row=finals,
    )


def crowd_forecast(
    forecasts: list[Forecast], table: list[list[int | None]], n_options: int
) -> list[list[float] | None]:
    """Per day: the per-option median of the standing forecasts, renormalised."""
    n_days = len(table[0]) if table else 0
    series: list[list[float] | None] = []
    for d in range(n_days):
        todays = [forecasts[row[d]].probabilities for row in table if row[d] is not None]
        if not todays:
            series.append(None)
            continue
        medians = [statistics.median(f[k] for f in todays) for k in range(n_options)]
        total = sum(medians)
        series.append([m / total for m in medians])
    return series


@dataclass
class CrowdRecord:
    brier: float | None
    relative: float | None
    log_loss: float | None
    spherical: float | None
    days: int


def score_crowd(
    forecasts: list[Forecast], scores: Scores, reference: list[bool], n_options: int, outcome: int
) -> CrowdRecord:
    """The reference crowd's median forecast, scored day by day like a forecaster's."""
    members = [row for row, member in zip(scores.standing, reference, strict=True) if member]
    series = crowd_forecast(forecasts, members, n_options) if members else []
    if not series:
        series = [None] * len(scores.days)
    stood = [d for d, f in enumerate(series) if f is not None]
    if not stood:
        return CrowdRecord(None, None, None, None, 0)
    daily = {d: brier(tuple(series[d]), outcome) for d in stood}
    relative = sum(daily[d] - scores.crowd_median[d] for d in stood) / len(scores.days)
    last = tuple(series[-1])
    return CrowdRecord(
        brier=sum(daily.values()) / len(stood),
        relative=relative,
        log_loss=log_score(last, outcome),
        spherical=spherical(last, outcome),
        days=len(stood),
    )


def standing_share(table: list[list[int | None]], n_rows: int) -> list[float]:
    n_days = len(table[0]) if table else 0
    shares = []
    for i in range(n_rows):
        stood = sum(1 for row in table for cell in row if cell == i)
        shares.append(stood / n_days if n_days else 0.0)
    return shares


# Calibration --------------------------------------------------------------------------


def wilson(successes: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class CalibrationBin:
    count: float
    mean_forecast: float | None
    observed: float | None
    lower: float | None
    upper: float | None


def calibration(
    events: list[tuple[float, int, float]], n_bins: int = 10
) -> tuple[list[CalibrationBin], dict[str, float]]:
    """Bins of (probability, outcome, weight) events and the Murphy decomposition."""
    bins: list[CalibrationBin] = []
    grouped: list[list[tuple[float, int, float]]] = []
    for k in range(n_bins):
        low, high = k / n_bins, (k + 1) / n_bins
        inside = [e for e in events if low <= e[0] < high or (k == n_bins - 1 and e[0] == high)]
        grouped.append(inside)
        n = sum(w for _, _, w in inside)
        if n == 0:
            bins.append(CalibrationBin(n, None, None, None, None))
            continue
        hits = sum(w * o for _, o, w in inside)
        lower, upper = wilson(hits, n)
        bins.append(CalibrationBin(n, sum(w * p for p, _, w in inside) / n, hits / n, lower, upper))

    total = sum(w for _, _, w in events)
    obar = sum(w * o for _, o, w in events) / total
    reliability = (
        sum(b.count * (b.mean_forecast - b.observed) ** 2 for b in bins if b.count) / total
    )
    resolution = sum(b.count * (b.observed - obar) ** 2 for b in bins if b.count) / total
    return bins, {
        "reliability": reliability,
        "resolution": resolution,
        "uncertainty": obar * (1 - obar),
        "total": total,
        "brier": sum(w * (p - o) ** 2 for p, o, w in events) / total,
    }
