"""Writes of derived scores: QuestionScore rows and ForecasterTotal leaderboards.

Everything here is recomputable from the forecast log and the resolutions. Writes change
only what differs, so running a rescore twice changes nothing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from predictions import scoring
from predictions.models import ForecasterTotal, QuestionScore
from predictions.score_inputs import (
    ResolvedQuestion,
    ScoringInput,
    all_scoring_inputs,
    scored_resolutions,
    scoring_input,
)
from registry.models import Claim, Question
from resolvers.models import Resolution

logger = logging.getLogger(__name__)

SCORE_KEYS = ("question_id", "forecaster_id")
SCORE_VALUES = (
    "resolution_id",
    "brier",
    "relative_score",
    "log_loss",
    "spherical",
    "days",
    "window_days",
)
TOTAL_KEYS = ("forecaster_id", "scope")
TOTAL_VALUES = (
    "questions",
    "mean_brier",
    "mean_relative_score",
    "relative_score_low",
    "relative_score_high",
    "mean_log_loss",
)
SCORES_VERSION_KEY = "scores-version"


def question_score_rows(data: ScoringInput) -> list[tuple]:
    """(question_id, forecaster_id, *SCORE_VALUES) for every forecaster with a scored day."""
    question, forecasts = data.question, data.forecasts
    result = scoring.score_question(
        forecasts.forecaster_index,
        forecasts.submitted_at_us,
        forecasts.probabilities,
        len(forecasts.forecaster_ids),
        question.window,
        question.outcome,
    )
    scored = result.days > 0
    count = int(scored.sum())
    return list(
        zip(
            [question.question_id] * count,
            forecasts.forecaster_ids[scored].tolist(),
            [question.resolution_id] * count,
            result.brier[scored].tolist(),
            result.relative[scored].tolist(),
            result.log_loss[scored].tolist(),
            result.spherical[scored].tolist(),
            result.days[scored].tolist(),
            [question.window.n_days] * count,
            strict=True,
        )
    )


def question_scopes(resolved: Iterable[ResolvedQuestion]) -> dict[int, list[str]]:
    """The leaderboard scopes each question counts in: all, its tags, sources and year."""
    scopes = {q.question_id: ["all", f"year:{q.known_on.year}"] for q in resolved}
    ids = list(scopes)
    for question_id, slug in Question.tags.through.objects.filter(question_id__in=ids).values_list(
        "question_id", "tag__slug"
    ):
        scopes[question_id].append(f"tag:{slug}")
    for question_id, slug in (
        Claim.objects.filter(question_id__in=ids)
        .values_list("question_id", "source__slug")
        .distinct()
    ):
        scopes[question_id].append(f"source:{slug}")
    return scopes


def total_rows(score_rows: Sequence[tuple], scopes: dict[int, list[str]]) -> list[tuple]:
    """(forecaster_id, scope, *TOTAL_VALUES) for every forecaster and scope they scored in."""
    if not score_rows:
        return []
    question_ids = np.array([row[0] for row in score_rows], dtype=np.int64)
    forecaster_ids = np.array([row[1] for row in score_rows], dtype=np.int64)
    brier = np.array([row[3] for row in score_rows])
    relative = np.array([row[4] for row in score_rows])
    log_loss = np.array([row[5] for row in score_rows])

    scope_names = sorted({scope for names in scopes.values() for scope in names})
    scope_number = {name: number for number, name in enumerate(scope_names)}
    per_question = {qid: [scope_number[name] for name in names] for qid, names in scopes.items()}
    lengths = np.array([len(per_question[qid]) for qid in question_ids.tolist()])
    row_of_pair = np.repeat(np.arange(len(score_rows)), lengths)
    scope_of_pair = np.fromiter(
        (number for qid in question_ids.tolist() for number in per_question[qid]),
        dtype=np.int64,
        count=int(lengths.sum()),
    )
    # Group by (forecaster, scope), questions ascending inside a group: the bootstrap
    # resamples the same sequence whoever computes it.
    order = np.lexsort((question_ids[row_of_pair], scope_of_pair, forecaster_ids[row_of_pair]))
    rows = row_of_pair[order]
    group_forecaster = forecaster_ids[rows]
    group_scope = scope_of_pair[order]
    starts = np.flatnonzero(
        np.r_[True, (np.diff(group_forecaster) != 0) | (np.diff(group_scope) != 0)]
    )
    counts = np.diff(np.r_[starts, len(rows)])
    mean_brier = np.add.reduceat(brier[rows], starts) / counts
    mean_relative = np.add.reduceat(relative[rows], starts) / counts
    mean_log_loss = np.add.reduceat(log_loss[rows], starts) / counts
    low, high = scoring.bootstrap_mean_intervals(np.split(relative[rows], starts[1:]))
    return list(
        zip(
            group_forecaster[starts].tolist(),
            [scope_names[number] for number in group_scope[starts].tolist()],
            counts.tolist(),
            mean_brier.tolist(),
            mean_relative.tolist(),
            np.asarray(low).tolist(),
            np.asarray(high).tolist(),
            mean_log_loss.tolist(),
            strict=True,
        )
    )


# --- Writing only what changed


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.deleted + other.deleted,
        )

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _sync_orm(model, keys, values, existing_queryset, rows: list[tuple]) -> SyncCounts:
    """Make `existing_queryset` hold exactly `rows`, touching only rows that differ."""
    fields = (*keys, *values)
    wanted = {row[: len(keys)]: row for row in rows}
    existing = {tuple(getattr(obj, name) for name in keys): obj for obj in existing_queryset}
    stale = [obj.pk for key, obj in existing.items() if key not in wanted]
    to_create, to_update = [], []
    for key, row in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**dict(zip(fields, row, strict=True))))
        elif tuple(getattr(obj, name) for name in values) != row[len(keys) :]:
            for name, value in zip(values, row[len(keys) :], strict=True):
                setattr(obj, name, value)
            to_update.append(obj)
    if stale:
        model.objects.filter(pk__in=stale).delete()
    if to_update:
        model.objects.bulk_update(to_update, list(values), batch_size=1000)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=1000)
    return SyncCounts(len(to_create), len(to_update), len(stale))


def _sync_postgres(model, keys, values, rows: list[tuple], column_types: dict) -> SyncCounts:
    """The whole table made equal to `rows`: COPY into a staging table, then one DELETE,
    UPDATE and INSERT each, touching only rows that differ."""
    table = model._meta.db_table
    columns = [*keys, *values]
    staging = f"staging_{table}"
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in keys)
    differs = f"({', '.join(f't.{v}' for v in values)}) IS DISTINCT FROM " + (
        f"({', '.join(f's.{v}' for v in values)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ("
            + ", ".join(f"{c} {column_types[c]}" for c in columns)
            + ") ON COMMIT DROP"
        )
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(repr_for_copy, row)) + "\n")
        with cursor.cursor.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute(f"CREATE INDEX ON {staging} ({', '.join(keys)})")
        cursor.execute(f"ANALYZE {staging}")
        cursor.execute(
            f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM {staging} s WHERE {key_match})"
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} t SET {', '.join(f'{v} = s.{v}' for v in values)} "
            f"FROM {staging} s WHERE {key_match} AND {differs}"
        )
        updated = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(f's.{c}' for c in columns)} FROM {staging} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {key_match})"
        )
        created = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return SyncCounts(created, updated, deleted)


def repr_for_copy(value: object) -> str:
    """A value in COPY's text format; floats keep every digit (repr round-trips)."""
    if isinstance(value, float):
        return repr(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


SCORE_COLUMN_TYPES = {
    "question_id": "bigint",
    "forecaster_id": "bigint",
    "resolution_id": "bigint",
    "brier": "double precision",
    "relative_score": "double precision",
    "log_loss": "double precision",
    "spherical": "double precision",
    "days": "integer",
    "window_days": "integer",
}
TOTAL_COLUMN_TYPES = {
    "forecaster_id": "bigint",
    "scope": "varchar(140)",
    "questions": "integer",
    "mean_brier": "double precision",
    "mean_relative_score": "double precision",
    "relative_score_low": "double precision",
    "relative_score_high": "double precision",
    "mean_log_loss": "double precision",
}


def _bump_scores_version() -> None:
    """Cached leaderboard pages and calibration key on this; a new value retires them."""
    try:
        cache.set(SCORES_VERSION_KEY, timezone.now().timestamp(), None)
    except Exception:  # Redis down: cached pages expire on their own short timeout
        logger.warning("could not bump the scores cache version", exc_info=True)


def scores_version() -> str:
    try:
        return str(cache.get(SCORES_VERSION_KEY, 0))
    except Exception:
        return "unavailable"


# --- Use cases


@dataclass
class RescoreReport:
    questions: int
    scores: SyncCounts
    totals: SyncCounts


def _totals_for_forecasters(forecaster_ids: set[int]) -> list[tuple]:
    """Recompute every scope's totals of these forecasters from their stored scores."""
    score_rows = list(
        QuestionScore.objects.filter(forecaster_id__in=forecaster_ids)
        .order_by()
        .values_list("question_id", "forecaster_id", *SCORE_VALUES)
    )
    question_ids = sorted({row[0] for row in score_rows})
    return total_rows(score_rows, question_scopes(scored_resolutions(question_ids)))


@transaction.atomic
def rescore_question(*, question_id: int) -> RescoreReport:
    """Bring one question's scores, and the totals of everyone it touches, in line with
    its current resolution: scores when it is final, none when it is not (or annulled)."""
    Question.objects.select_for_update().filter(pk=question_id).first()
    resolved = scored_resolutions([question_id])
    new_rows = question_score_rows(scoring_input(resolved[0])) if resolved else []
    existing = QuestionScore.objects.filter(question_id=question_id)
    affected = set(existing.values_list("forecaster_id", flat=True))
    affected |= {row[1] for row in new_rows}
    scores = _sync_orm(QuestionScore, SCORE_KEYS, SCORE_VALUES, existing, new_rows)
    totals = _sync_orm(
        ForecasterTotal,
        TOTAL_KEYS,
        TOTAL_VALUES,
        ForecasterTotal.objects.filter(forecaster_id__in=affected),
        _totals_for_forecasters(affected),
    )
    Resolution.objects.filter(
        question_id=question_id, superseded_at__isnull=True, scored_at__isnull=True
    ).update(scored_at=timezone.now())
    if scores.changed or totals.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(1, scores, totals)


def compute_all_scores() -> tuple[list[tuple], list[tuple], int]:
    """Every question's score rows and every total, computed in memory from the log."""
    score_rows: list[tuple] = []
    questions = 0
    for data in all_scoring_inputs():
        score_rows.extend(question_score_rows(data))
        questions += 1
    scored_question_ids = sorted({row[0] for row in score_rows})
    scopes = question_scopes(scored_resolutions(scored_question_ids))
    return score_rows, total_rows(score_rows, scopes), questions


@transaction.atomic
def rescore_all() -> RescoreReport:
    """Every question and every total, recomputed from the forecast log."""
    if connection.vendor != "postgresql":
        # Development databases are small: one question at a time is fine there.
        report = RescoreReport(0, SyncCounts(), SyncCounts())
        question_ids = set(Resolution.objects.values_list("question_id", flat=True))
        question_ids |= set(QuestionScore.objects.values_list("question_id", flat=True))
        for question_id in sorted(question_ids):
            one = rescore_question(question_id=question_id)
            report = RescoreReport(
                report.questions + 1, report.scores + one.scores, report.totals + one.totals
            )
        return report
    with connection.cursor() as cursor:
        cursor.execute(
            "LOCK TABLE predictions_questionscore, predictions_forecastertotal "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
    score_rows, totals, questions = compute_all_scores()
    scores = _sync_postgres(QuestionScore, SCORE_KEYS, SCORE_VALUES, score_rows, SCORE_COLUMN_TYPES)
    totals_sync = _sync_postgres(
        ForecasterTotal, TOTAL_KEYS, TOTAL_VALUES, totals, TOTAL_COLUMN_TYPES
    )
    Resolution.objects.filter(superseded_at__isnull=True, scored_at__isnull=True).update(
        scored_at=timezone.now()
    )
    if scores.changed or totals_sync.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(questions, scores, totals_sync)


# --- Verification


@dataclass
class Difference:
    table: str
    key: tuple
    stored: tuple | None
    computed: tuple | None


def _compare(table: str, keys: int, stored: list[tuple], computed: list[tuple], tolerance: float):
    stored_by_key = {row[:keys]: row[keys:] for row in stored}
    computed_by_key = {row[:keys]: row[keys:] for row in computed}
    for key in sorted(stored_by_key.keys() | computed_by_key.keys(), key=str):
        old, new = stored_by_key.get(key), computed_by_key.get(key)
        if old is None or new is None or not _close(old, new, tolerance):
            yield Difference(table, key, old, new)


def _close(old: tuple, new: tuple, tolerance: float) -> bool:
    for a, b in zip(old, new, strict=True):
        if isinstance(a, float) or isinstance(b, float):
            if not (abs(a - b) <= tolerance or (a != a and b != b)):
                return False
        elif a != b:
            return False
    return True


def verify_scores(tolerance: float = 1e-9) -> list[Difference]:
    """Recompute everything from the forecast log in memory; every stored row that differs."""
    if connection.vendor == "postgresql":
        score_rows, totals, _ = compute_all_scores()
    else:
        score_rows = []
        for question in scored_resolutions():
            score_rows.extend(question_score_rows(scoring_input(question)))
        scopes = question_scopes(scored_resolutions(sorted({row[0] for row in score_rows})))
        totals = total_rows(score_rows, scopes)
    stored_scores = list(QuestionScore.objects.values_list(*SCORE_KEYS, *SCORE_VALUES))
    stored_totals = list(ForecasterTotal.objects.values_list(*TOTAL_KEYS, *TOTAL_VALUES))
    differences = list(_compare("score", 2, stored_scores, score_rows, tolerance))
    differences += list(_compare("total", 2, stored_totals, totals, tolerance))
    return differences


def stale_question_ids() -> list[int]:
    """Questions whose stored scores may not match their current resolution: a current
    resolution not yet scored, or scores computed from a resolution that is no longer the
    current final one. A Redis outage that lost a rescore task leaves these behind."""
    unscored = set(
        Resolution.objects.filter(superseded_at__isnull=True, scored_at__isnull=True)
        .filter(state=Resolution.State.FINAL)
        .values_list("question_id", flat=True)
    )
    mismatched = set(
        QuestionScore.objects.exclude(
            resolution__in=Resolution.objects.filter(
                superseded_at__isnull=True, state=Resolution.State.FINAL
            ).exclude(outcome=Resolution.Outcome.ANNULLED)
        ).values_list("question_id", flat=True)
    )
    return sorted(unscored | mismatched)
