"""The question page's charts, composed from what the page has read: the crowd forecast with
the viewer's own forecasts over it, and the distribution of scores once resolved.

Only the viewer's own forecasts are ever drawn: the page passes the forecasts it read for
the signed-in viewer, so nobody else's line can appear before the question closes (nor
after: the public reasoning list is where everyone's forecasts are shown then).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from predictions import charts, score_chart
from predictions.models import Forecast, QuestionScore
from registry.models import Question


@dataclass(frozen=True)
class ForecastChart:
    """The chart, and per crowd day the viewer's standing value (None: none that day)."""

    chart: charts.Chart
    own: charts.OwnLine | None
    own_by_day: dict[date, float]


def own_option(question: Question, forecasts: Sequence[Forecast]) -> tuple[str, int]:
    """The option the viewer's line follows, with its index in a forecast's probabilities:
    Yes on a binary question; on multiple choice the option their latest forecast rates
    highest (the first of equals), which is the one they most likely want to compare."""
    labels = question.option_labels()
    if question.is_binary or not forecasts:
        return labels[0], 0
    latest = max(forecasts, key=lambda forecast: (forecast.submitted_at, forecast.pk))
    index = max(range(len(labels)), key=lambda i: (latest.probabilities[i], -i))
    return labels[index], index


def own_days(
    forecasts: Sequence[Forecast], days: Sequence[date], *, index: int, cutoff: datetime
) -> list[tuple[date, float]]:
    """The viewer's standing probability (of option `index`) on each of `days`, by the
    scoring rule: the latest forecast made before the end of the day (UTC) and before
    `cutoff` (the close). Days before their first forecast are left out."""
    ordered = sorted(
        (forecast for forecast in forecasts if forecast.submitted_at < cutoff),
        key=lambda forecast: (forecast.submitted_at, forecast.pk),
    )
    out: list[tuple[date, float]] = []
    position, standing = 0, None
    for day in days:
        day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
        while position < len(ordered) and ordered[position].submitted_at < day_end:
            standing = ordered[position]
            position += 1
        if standing is not None:
            out.append((day, float(standing.probabilities[index])))
    return out


def forecast_chart(
    question: Question,
    crowd_days: Sequence[charts.CrowdPoint],
    own_forecasts: Sequence[Forecast],
    *,
    final: bool,
) -> ForecastChart:
    """The crowd's median by day, with the viewer's own forecasts (`own_forecasts`, theirs
    only) as a step line over it when they have any that stood on a day shown."""
    options = ["Yes"] if question.is_binary else question.option_labels()
    own = None
    if own_forecasts and crowd_days:
        label, index = own_option(question, own_forecasts)
        standing = own_days(
            own_forecasts,
            [point.day for point in crowd_days],
            index=index,
            cutoff=question.closes_at,
        )
        if standing:
            own = charts.OwnLine(option=label, days=standing)
    title = (
        f"Your forecasts over the crowd median over time: {question.title}"
        if own is not None
        else f"Crowd forecast over time: {question.title}"
    )
    chart = charts.crowd_chart(
        crowd_days,
        options=options,
        title=title,
        chart_id="crowd-chart",
        final=final,
        own=own,
    )
    return ForecastChart(chart=chart, own=own, own_by_day=dict(own.days) if own else {})


def score_distribution(
    scores: Sequence[QuestionScore], *, viewer_forecaster_id: int | None
) -> charts.Chart | None:
    """The relative scores of everyone scored on the question, the viewer's marked."""
    if not scores:
        return None
    own = next(
        (score.relative_score for score in scores if score.forecaster_id == viewer_forecaster_id),
        None,
    )
    return score_chart.distribution_chart(
        [score.relative_score for score in scores],
        own=own,
        chart_id="score-distribution",
    )
