"""Writes of forecasts. The only code path that creates a Forecast from user input."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from config.clock import database_now
from config.errors import ApplicationError
from predictions.models import Forecast
from registry.models import Forecaster, Question

MIN_PROBABILITY = 0.001
MAX_PROBABILITY = 0.999
SUM_TOLERANCE = 1e-6
MAX_RATIONALE_CHARS = 10_000

_MISSING: Any = object()


def _number_problem(value: Any) -> str | None:
    """Why `value` is not an acceptable probability, or None if it is."""
    if value is None:
        return "is required and may not be null"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, not {type(value).__name__}"
    # Only floats can be NaN or infinite; math.isfinite() on an int too large for a float
    # (valid JSON, e.g. 1 followed by 400 zeros) raises OverflowError. Such an int is
    # refused by the range check below.
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if not MIN_PROBABILITY <= value <= MAX_PROBABILITY:
        return f"must be between {MIN_PROBABILITY} and {MAX_PROBABILITY}"
    return None


def probabilities_from_input(
    *, question: Question, probability: Any = _MISSING, probabilities: Any = _MISSING
) -> list[float]:
    """The stored vector for a submission: `[p]` for binary, options in order otherwise.

    Binary questions take `probability` (P(yes)); multiple-choice ones take `probabilities`
    keyed by option label, every option present, summing to 1.
    """
    if question.is_binary:
        if probabilities is not _MISSING:
            raise ApplicationError.invalid_fields(
                {"probabilities": "a binary question takes 'probability' (the chance of Yes)"}
            )
        if probability is _MISSING:
            raise ApplicationError.invalid_fields({"probability": "is required"})
        problem = _number_problem(probability)
        if problem:
            raise ApplicationError.invalid_fields({"probability": problem})
        return [float(probability)]

    if probability is not _MISSING:
        raise ApplicationError.invalid_fields(
            {"probability": "a multiple-choice question takes 'probabilities' by option"}
        )
    if probabilities is _MISSING:
        raise ApplicationError.invalid_fields({"probabilities": "is required"})
    if not isinstance(probabilities, Mapping):
        raise ApplicationError.invalid_fields(
            {"probabilities": "must be an object mapping each option label to a probability"}
        )
    labels = question.option_labels()
    errors: dict[str, str] = {}
    unknown = [str(key) for key in probabilities if key not in labels]
    if unknown:
        errors["probabilities"] = "unknown options: " + ", ".join(repr(k) for k in unknown)
    for label in labels:
        if label not in probabilities:
            errors[f"probabilities.{label}"] = "is missing"
            continue
        problem = _number_problem(probabilities[label])
        if problem:
            errors[f"probabilities.{label}"] = problem
    if errors:
        raise ApplicationError.invalid_fields(errors)
    vector = [float(probabilities[label]) for label in labels]
    total = math.fsum(vector)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ApplicationError.invalid_fields(
            {"probabilities": f"must sum to 1 (they sum to {total:.6g})"}
        )
    return vector


def forecast_submit(
    *,
    forecaster: Forecaster,
    question: Question,
    probability: Any = _MISSING,
    probabilities: Any = _MISSING,
    rationale: str = "",
    origin: str = Forecast.Origin.API,
) -> Forecast:
    """Record a forecast if the question is open now, by the database clock.

    The question row is locked first, so a forecast racing the close (or a resolution)
    is decided against the state that close leaves: it lands before, or is refused.
    """
    if not isinstance(rationale, str):
        raise ApplicationError.invalid_fields({"rationale": "must be text"})
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise ApplicationError.invalid_fields(
            {"rationale": f"must be at most {MAX_RATIONALE_CHARS} characters"}
        )
    vector = probabilities_from_input(
        question=question, probability=probability, probabilities=probabilities
    )
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        now = database_now()
        status = locked.status_at(now)
        if status != Question.Status.OPEN:
            raise ApplicationError(
                _REFUSAL_BY_STATUS.get(status, f"The question is {status}."),
                code="conflict",
                fields={"question": f"is {status}"},
            )
        return Forecast.objects.create(
            forecaster=forecaster,
            question=locked,
            probabilities=vector,
            rationale=rationale,
            submitted_at=now,
            origin=origin,
        )


_REFUSAL_BY_STATUS = {
    Question.Status.DRAFT: "The question is a draft and takes no forecasts yet.",
    Question.Status.UPCOMING: "The question has not opened yet.",
    Question.Status.CLOSED: "The question has closed; no more forecasts are accepted.",
    Question.Status.RESOLVING: "The question's outcome is being resolved.",
    Question.Status.RESOLVED: "The question has resolved.",
    Question.Status.ANNULLED: "The question was annulled.",
}
