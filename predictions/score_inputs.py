"""Reads that feed the scoring kernel: the forecast log of resolved questions as arrays.

Two loaders share one shape (`ScoringInput`): one question through the ORM, and every
resolved question at once through PostgreSQL's COPY (the full rescore and the verifier),
which reads a million forecasts in about the time the database takes to send them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import Q

from predictions import scoring
from predictions.models import Forecast
from registry.models import Forecaster, Question, QuestionOption
from resolvers.models import Resolution

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch, exactly."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def from_day_number(number: int) -> date:
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


@dataclass(frozen=True)
class ResolvedQuestion:
    """What the kernel needs to know about a question with a final, non-annulled outcome."""

    question_id: int
    resolution_id: int
    outcome: int  # index into the probability vector: binary Yes 0, No 1; an option's rank
    n_options: int
    window: scoring.Window
    known_on: date


@dataclass(frozen=True)
class ForecastArrays:
    """One question's forecast log as arrays, in forecast id order."""

    forecaster_ids: np.ndarray  # (F,) database ids, ascending
    forecaster_index: np.ndarray  # (n,) index into forecaster_ids
    submitted_at_us: np.ndarray  # (n,)
    probabilities: np.ndarray  # (n, K) full vectors
    forecast_ids: np.ndarray  # (n,)
    people: np.ndarray  # (F,) bool: a person (kind human), one of the reference crowd


@dataclass(frozen=True)
class ScoringInput:
    question: ResolvedQuestion
    forecasts: ForecastArrays


SCORED = Q(superseded_at__isnull=True, state=Resolution.State.FINAL) & ~Q(
    outcome=Resolution.Outcome.ANNULLED
)


def scored_resolutions(question_ids: list[int] | None = None) -> list[ResolvedQuestion]:
    """Questions whose current resolution is final and not an annulment."""
    resolutions = Resolution.objects.filter(SCORED)
    if question_ids is not None:
        resolutions = resolutions.filter(question_id__in=question_ids)
    rows = list(
        resolutions.values_list(
            "id",
            "question_id",
            "outcome",
            "outcome_option_id",
            "known_on",
            "question__opens_at",
            "question__closes_at",
            "question__kind",
        )
    )
    option_rank: dict[int, int] = {}
    option_count: dict[int, int] = {}
    multiple_choice = [row[1] for row in rows if row[7] == Question.Kind.MULTIPLE_CHOICE]
    options = QuestionOption.objects.filter(question_id__in=multiple_choice).order_by(
        "question_id", "position"
    )
    for option_id, question_id in options.values_list("id", "question_id"):
        option_rank[option_id] = option_count.get(question_id, 0)
        option_count[question_id] = option_rank[option_id] + 1
    resolved = []
    for resolution_id, question_id, outcome, option_id, known_on, opens, closes, kind in rows:
        if kind == Question.Kind.BINARY:
            index, n_options = (0 if outcome == Resolution.Outcome.YES else 1), 2
        else:
            index, n_options = option_rank[option_id], option_count[question_id]
        resolved.append(
            ResolvedQuestion(
                question_id=question_id,
                resolution_id=resolution_id,
                outcome=index,
                n_options=n_options,
                window=scoring.scoring_window(to_us(opens), to_us(closes), day_number(known_on)),
                known_on=known_on,
            )
        )
    return resolved


def _full_vectors(stored: np.ndarray) -> np.ndarray:
    """(n, L) stored probabilities as (n, K): a binary [p] becomes (p, 1 - p).

    Only binary forecasts store one number; a multiple-choice one stores every option."""
    if stored.shape[1] == 1:
        return np.column_stack([stored[:, 0], 1.0 - stored[:, 0]])
    return stored


def _assemble(
    forecast_ids: np.ndarray,
    forecaster_ids: np.ndarray,
    submitted_at_us: np.ndarray,
    stored: np.ndarray,
    by_a_person: np.ndarray,
) -> ForecastArrays:
    """`by_a_person` (n,): whether each row's forecaster is a person (kind human)."""
    unique_forecasters, forecaster_index = np.unique(forecaster_ids, return_inverse=True)
    forecaster_index = forecaster_index.astype(np.int64).ravel()
    people = np.zeros(len(unique_forecasters), dtype=bool)
    people[forecaster_index] = np.asarray(by_a_person, dtype=bool)
    return ForecastArrays(
        forecaster_ids=unique_forecasters,
        forecaster_index=forecaster_index,
        submitted_at_us=submitted_at_us,
        probabilities=_full_vectors(stored),
        forecast_ids=forecast_ids,
        people=people,
    )


def forecast_arrays(question_id: int, n_options: int) -> ForecastArrays:
    """One question's forecast log as arrays (through the ORM)."""
    rows = list(
        Forecast.objects.filter(question_id=question_id)
        .order_by("id")
        .values_list("id", "forecaster_id", "submitted_at", "probabilities", "forecaster__kind")
    )
    if rows:
        stored = np.array([row[3] for row in rows], dtype=np.float64)
    else:
        stored = np.empty((0, n_options))
    return _assemble(
        np.array([row[0] for row in rows], dtype=np.int64),
        np.array([row[1] for row in rows], dtype=np.int64),
        np.array([to_us(row[2]) for row in rows], dtype=np.int64),
        stored,
        np.array([row[4] == Forecaster.Kind.HUMAN for row in rows], dtype=bool),
    )


def scoring_input(question: ResolvedQuestion) -> ScoringInput:
    return ScoringInput(question, forecast_arrays(question.question_id, question.n_options))


_SCORED_FORECASTS = """
    FROM predictions_forecast f
    JOIN resolvers_resolution r
      ON r.question_id = f.question_id AND r.superseded_at IS NULL
     AND r.state = 'final' AND r.outcome <> 'annulled'
    JOIN registry_forecaster fr ON fr.id = f.forecaster_id
"""
# Whether the row's forecaster is a person, one of the reference crowd (1 or 0).
_BY_A_PERSON = "(fr.kind = 'human')::int"


def copy_numbers(sql: str, dtype: type, params: list | None = None) -> np.ndarray:
    """The numbers `COPY (sql) TO STDOUT` prints, flat, parsed in C (PostgreSQL)."""
    text = _copy_text(sql, params)
    if not text:
        return np.empty(0, dtype=dtype)
    return np.fromstring(text, dtype=dtype, sep=" ")


def _copy_text(sql: str, params: list | None = None) -> str:
    """The text of `COPY (sql) TO STDOUT` (parameters are bound by psycopg)."""
    chunks = []
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy,
    ):
        for chunk in copy:
            chunks.append(bytes(chunk))
    return b"".join(chunks).decode("ascii")


def all_scoring_inputs(
    resolved: list[ResolvedQuestion] | None = None, *, subset: bool = False
) -> Iterator[ScoringInput]:
    """Every scored question's forecast log (PostgreSQL), one COPY per vector length; or,
    with `subset`, only those of the questions `resolved` lists.

    Every forecast on a question has the same number of probabilities, so rows grouped by
    that length have a fixed width and parse as one flat array, with no per-row work in
    Python: binary questions in one COPY, each multiple-choice width in another.
    """
    if resolved is None:
        resolved = scored_resolutions()
    questions = {q.question_id: q for q in resolved}
    only, params = "", []
    if subset:
        only, params = "AND f.question_id = ANY(%s)", [list(questions)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT jsonb_array_length(f.probabilities) {_SCORED_FORECASTS} "
            f"WHERE TRUE {only}",
            params,
        )
        widths = sorted(row[0] for row in cursor.fetchall())
    for width in widths:
        values = ", ".join(f"f.probabilities->>{k}" for k in range(width))
        table = copy_numbers(
            "SELECT f.question_id, f.id, f.forecaster_id, "
            f"(EXTRACT(EPOCH FROM f.submitted_at) * 1000000)::bigint, {_BY_A_PERSON}, "
            f"{values} {_SCORED_FORECASTS} WHERE jsonb_array_length(f.probabilities) = {width} "
            f"{only} ORDER BY f.question_id, f.id",
            np.float64,  # ids and microsecond times are integers below 2**53: exact
            params,
        ).reshape(-1, 5 + width)
        ids = table[:, :5].astype(np.int64)
        question_ids, starts = np.unique(ids[:, 0], return_index=True)
        ends = np.append(starts[1:], len(ids))
        for question_id, start, end in zip(question_ids.tolist(), starts, ends, strict=True):
            if question_id not in questions:  # resolved since `resolved` was read
                continue
            yield ScoringInput(
                questions[question_id],
                _assemble(
                    ids[start:end, 1],
                    ids[start:end, 2],
                    ids[start:end, 3],
                    table[start:end, 5:],
                    ids[start:end, 4],
                ),
            )
