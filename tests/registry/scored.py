"""A resolved, scored question for the account tests: what puts a forecaster on a
leaderboard."""

from __future__ import annotations

from datetime import UTC, date, datetime

from predictions import rescoring
from resolvers import services as resolution_services
from tests import factories


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def resolved_question(forecasts: dict, *, outcome: str = "yes"):
    """A question open 1-3 Jan 2026 with one forecast per forecaster on day 1, resolved
    and scored (forecasts: {forecaster: P(yes)})."""
    question = factories.QuestionFactory(opens_at=at(1), closes_at=at(4), resolve_by=at(5))
    for forecaster, probability in forecasts.items():
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=at(1, 1),
            rationale=f"Reasons of {forecaster.handle}.",
        )
    resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="Reported.",
        user=factories.StaffFactory(),
        known_on=date(2026, 1, 10),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question
