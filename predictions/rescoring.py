"""Writes of derived scores: QuestionScore rows and ForecasterTotal leaderboards.

Everything here is recomputable from the forecast log and the resolutions. Rows travel as
numpy columns; writes change only what differs, so running a rescore twice changes
nothing.
"""

from __future__ import annotations

import io
import logging
import struct
from collections.abc import Iterable
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
    copy_numbers,
    scored_resolutions,
    scoring_input,
)
from registry.models import Claim, Question
from resolvers.models import Resolution

logger = logging.getLogger(__name__)

SCORES_VERSION_KEY = "scores-version"


@dataclass(frozen=True)
class TableSpec:
    """The columns of a derived table: its keys, its values and their PostgreSQL types."""

    model: type
    keys: tuple[str, ...]
    values: tuple[str, ...]
    types: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.values)


SCORES = TableSpec(
    QuestionScore,
    keys=("question_id", "forecaster_id"),
    values=(
        "resolution_id",
        "brier",
        "relative_score",
        "log_loss",
        "spherical",
        "days",
        "window_days",
    ),
    types={
        "question_id": "int8",
        "forecaster_id": "int8",
        "resolution_id": "int8",
        "brier": "float8",
        "relative_score": "float8",
        "log_loss": "float8",
        "spherical": "float8",
        "days": "int4",
        "window_days": "int4",
    },
)
TOTALS = TableSpec(
    ForecasterTotal,
    keys=("forecaster_id", "scope"),
    values=(
        "questions",
        "mean_brier",
        "mean_relative_score",
        "relative_score_low",
        "relative_score_high",
        "mean_log_loss",
    ),
    types={
        "forecaster_id": "int8",
        "scope": "varchar(140)",
        "questions": "int4",
        "mean_brier": "float8",
        "mean_relative_score": "float8",
        "relative_score_low": "float8",
        "relative_score_high": "float8",
        "mean_log_loss": "float8",
    },
)
_NUMPY_TYPES = {"int8": np.int64, "int4": np.int64, "float8": np.float64}


Columns = dict[str, np.ndarray]


def _empty(spec: TableSpec) -> Columns:
    return {
        name: np.empty(0, dtype=_NUMPY_TYPES.get(spec.types[name], object)) for name in spec.columns
    }


def _concat(spec: TableSpec, parts: list[Columns]) -> Columns:
    if not parts:
        return _empty(spec)
    return {name: np.concatenate([part[name] for part in parts]) for name in spec.columns}


def _rows(spec: TableSpec, columns: Columns) -> list[tuple]:
    return list(zip(*(columns[name].tolist() for name in spec.columns), strict=True))


# --- Computing


def question_score_columns(data: ScoringInput) -> Columns:
    """One question's scores: a row per forecaster with at least one scored day."""
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
    return {
        "question_id": np.full(count, question.question_id, dtype=np.int64),
        "forecaster_id": forecasts.forecaster_ids[scored],
        "resolution_id": np.full(count, question.resolution_id, dtype=np.int64),
        "brier": result.brier[scored],
        "relative_score": result.relative[scored],
        "log_loss": result.log_loss[scored],
        "spherical": result.spherical[scored],
        "days": result.days[scored].astype(np.int64),
        "window_days": np.full(count, question.window.n_days, dtype=np.int64),
    }


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


def total_columns(
    scores: Columns, scopes: dict[int, list[str]], only: set[str] | None = None
) -> Columns:
    """Each forecaster's totals in every scope they scored in (or only those in `only`):
    count, means, and the bootstrap interval of the mean relative score."""
    if only is not None:
        scopes = {qid: [name for name in names if name in only] for qid, names in scopes.items()}
        keep = np.isin(scores["question_id"], [qid for qid, names in scopes.items() if names])
        scores = {name: column[keep] for name, column in scores.items()}
    if len(scores["question_id"]) == 0:
        return _empty(TOTALS)
    names = sorted({name for listed in scopes.values() for name in listed})
    number = {name: index for index, name in enumerate(names)}
    # The (question, scope) pairs as a sorted table, then each score row expanded to the
    # pairs of its question: no Python loop per score row.
    pair_question = np.fromiter(
        (qid for qid, listed in scopes.items() for _ in listed), dtype=np.int64
    )
    pair_scope = np.fromiter(
        (number[name] for listed in scopes.values() for name in listed), dtype=np.int64
    )
    order = np.argsort(pair_question, kind="stable")
    pair_question, pair_scope = pair_question[order], pair_scope[order]
    questions, first_pair, pair_count = np.unique(
        pair_question, return_index=True, return_counts=True
    )
    position = np.searchsorted(questions, scores["question_id"])
    per_row = pair_count[position]
    row = np.repeat(np.arange(len(position)), per_row)
    offset_in_row = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    scope = pair_scope[first_pair[position][row] + offset_in_row]

    forecaster = scores["forecaster_id"][row]
    question = scores["question_id"][row]
    # Groups of (forecaster, scope), questions ascending inside: the bootstrap resamples
    # the same sequence whoever computes it, one forecaster or all of them.
    grouped = np.lexsort((question, scope, forecaster))
    row, forecaster, scope = row[grouped], forecaster[grouped], scope[grouped]
    starts = np.flatnonzero(np.r_[True, (np.diff(forecaster) != 0) | (np.diff(scope) != 0)])
    counts = np.diff(np.r_[starts, len(row)])
    relative = scores["relative_score"][row]
    low, high = scoring.bootstrap_mean_intervals(np.split(relative, starts[1:]))
    return {
        "forecaster_id": forecaster[starts],
        "scope": np.array(names, dtype=object)[scope[starts]],
        "questions": counts.astype(np.int64),
        "mean_brier": np.add.reduceat(scores["brier"][row], starts) / counts,
        "mean_relative_score": np.add.reduceat(relative, starts) / counts,
        "relative_score_low": np.asarray(low, dtype=np.float64),
        "relative_score_high": np.asarray(high, dtype=np.float64),
        "mean_log_loss": np.add.reduceat(scores["log_loss"][row], starts) / counts,
    }


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


def _sync_orm(spec: TableSpec, existing_queryset, columns: Columns) -> SyncCounts:
    """Make `existing_queryset` hold exactly these rows (the portable path, for SQLite)."""
    keys, values, width = spec.keys, spec.values, len(spec.keys)
    wanted = {row[:width]: row for row in _rows(spec, columns)}
    existing = {tuple(getattr(obj, name) for name in keys): obj for obj in existing_queryset}
    stale = [obj.pk for key, obj in existing.items() if key not in wanted]
    to_create, to_update = [], []
    for key, row in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(spec.model(**dict(zip(spec.columns, row, strict=True))))
        elif tuple(getattr(obj, name) for name in values) != row[width:]:
            for name, value in zip(values, row[width:], strict=True):
                setattr(obj, name, value)
            to_update.append(obj)
    if stale:
        spec.model.objects.filter(pk__in=stale).delete()
    if to_update:
        spec.model.objects.bulk_update(to_update, list(values), batch_size=1000)
    if to_create:
        spec.model.objects.bulk_create(to_create, batch_size=1000)
    return SyncCounts(len(to_create), len(to_update), len(stale))


_BINARY_FORMATS = {"int8": ">i8", "int4": ">i4", "float8": ">f8"}


def _binary_copy_data(spec: TableSpec, columns: Columns) -> bytes:
    """Numeric columns in PostgreSQL's binary COPY format, built by numpy in one go."""
    fields = [("field_count", ">i2")]
    for name in spec.columns:
        fields += [(f"{name}_length", ">i4"), (name, _BINARY_FORMATS[spec.types[name]])]
    records = np.empty(len(columns[spec.columns[0]]), dtype=np.dtype(fields))
    records["field_count"] = len(spec.columns)
    for name in spec.columns:
        records[f"{name}_length"] = np.dtype(_BINARY_FORMATS[spec.types[name]]).itemsize
        records[name] = columns[name]
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + records.tobytes() + struct.pack(">h", -1)


def _text_copy_data(spec: TableSpec, columns: Columns) -> str:
    """Rows in COPY's text format; floats by repr, which round-trips exactly."""
    buffer = io.StringIO()
    for row in _rows(spec, columns):
        buffer.write("\t".join(repr(v) if isinstance(v, float) else str(v) for v in row))
        buffer.write("\n")
    return buffer.getvalue()


def _sync_postgres(
    spec: TableSpec, columns: Columns, where: str = "TRUE", params: Iterable = ()
) -> SyncCounts:
    """Make the rows matching `where` equal to `columns`: COPY into a staging table, then
    one DELETE, UPDATE and INSERT, each touching only rows that differ."""
    table, names = spec.model._meta.db_table, spec.columns
    staging = f"staging_{table}"
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in spec.keys)
    differs = (
        f"({', '.join(f't.{v}' for v in spec.values)}) IS DISTINCT FROM "
        f"({', '.join(f's.{v}' for v in spec.values)})"
    )
    numeric = all(spec.types[name] in _BINARY_FORMATS for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ("
            + ", ".join(f"{name} {spec.types[name]}" for name in names)
            + ") ON COMMIT DROP"
        )
        copy_sql = f"COPY {staging} ({', '.join(names)}) FROM STDIN"
        if numeric:
            with cursor.cursor.copy(copy_sql + " (FORMAT BINARY)") as copy:
                copy.write(_binary_copy_data(spec, columns))
        else:
            with cursor.cursor.copy(copy_sql) as copy:
                copy.write(_text_copy_data(spec, columns))
        cursor.execute(f"CREATE INDEX ON {staging} ({', '.join(spec.keys)})")
        cursor.execute(f"ANALYZE {staging}")
        cursor.execute(
            f"DELETE FROM {table} t WHERE ({where}) AND NOT EXISTS "
            f"(SELECT 1 FROM {staging} s WHERE {key_match})",
            list(params),
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} t SET {', '.join(f'{v} = s.{v}' for v in spec.values)} "
            f"FROM {staging} s WHERE {key_match} AND {differs}"
        )
        updated = cursor.rowcount
        # ON CONFLICT, not NOT EXISTS: an anti-join against the table this statement is
        # filling can be planned as a rescan per inserted row (quadratic).
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT {', '.join(f's.{name}' for name in names)} FROM {staging} s "
            f"ON CONFLICT ({', '.join(spec.keys)}) DO NOTHING"
        )
        created = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return SyncCounts(created, updated, deleted)


def _bump_scores_version() -> None:
    """Cached leaderboard pages and calibration key on this; a new value retires them."""
    try:
        cache.set(SCORES_VERSION_KEY, timezone.now().timestamp(), None)
    except Exception:  # Redis down: cached pages expire on their own short timeout
        logger.warning("could not bump the scores cache version", exc_info=True)


# --- Use cases


@dataclass
class RescoreReport:
    questions: int
    scores: SyncCounts
    totals: SyncCounts

    def __add__(self, other: RescoreReport) -> RescoreReport:
        return RescoreReport(
            self.questions + other.questions,
            self.scores + other.scores,
            self.totals + other.totals,
        )


def _stored_scores_of(forecaster_ids: list[int]) -> Columns:
    """The stored question scores of these forecasters, as columns."""
    if connection.vendor == "postgresql":
        flat = copy_numbers(
            f"SELECT {', '.join(SCORES.columns)} FROM predictions_questionscore "
            "WHERE forecaster_id = ANY(%s)",
            np.float64,  # ids and day counts are exact in a double; floats print exactly
            [forecaster_ids],
        ).reshape(-1, len(SCORES.columns))
        return {
            name: flat[:, index].astype(_NUMPY_TYPES[SCORES.types[name]])
            for index, name in enumerate(SCORES.columns)
        }
    rows = list(
        QuestionScore.objects.filter(forecaster_id__in=forecaster_ids)
        .order_by()
        .values_list(*SCORES.columns)
    )
    if not rows:
        return _empty(SCORES)
    return {
        name: np.array(values, dtype=_NUMPY_TYPES[SCORES.types[name]])
        for name, values in zip(SCORES.columns, zip(*rows, strict=True), strict=True)
    }


def _totals_of(forecaster_ids: list[int], only: set[str]) -> Columns:
    """These forecasters' totals in the scopes `only`, from their stored question scores."""
    scores = _stored_scores_of(forecaster_ids)
    question_ids = np.unique(scores["question_id"]).tolist()
    return total_columns(scores, question_scopes(scored_resolutions(question_ids)), only)


def _scopes_touched(question_id: int, resolution_ids: set[int]) -> set[str]:
    """The scopes whose totals a change to this question can move: all, its tags and
    sources, and the year of each outcome it had or has."""
    resolutions = Resolution.objects.filter(pk__in=resolution_ids)
    years = {known_on.year for known_on in resolutions.values_list("known_on", flat=True)}
    touched = {"all"} | {f"year:{year}" for year in years}
    touched |= {
        f"tag:{slug}"
        for slug in Question.tags.through.objects.filter(question_id=question_id).values_list(
            "tag__slug", flat=True
        )
    }
    touched |= {
        f"source:{slug}"
        for slug in Claim.objects.filter(question_id=question_id).values_list(
            "source__slug", flat=True
        )
    }
    return touched


def _sync(spec: TableSpec, columns: Columns, filters: dict[str, list]) -> SyncCounts:
    """Make the stored rows whose fields are in the given lists equal to `columns`."""
    if connection.vendor == "postgresql":
        where = " AND ".join(f"t.{field} = ANY(%s)" for field in filters)
        return _sync_postgres(spec, columns, where, list(filters.values()))
    existing = spec.model.objects.filter(
        **{f"{field}__in": values for field, values in filters.items()}
    )
    return _sync_orm(spec, existing, columns)


@transaction.atomic
def rescore_question(*, question_id: int) -> RescoreReport:
    """Bring one question's scores, and the totals of everyone it touches, in line with
    its current resolution: scores when it is final, none when it is not (or annulled)."""
    Question.objects.select_for_update().filter(pk=question_id).first()
    resolved = scored_resolutions([question_id])
    scores = question_score_columns(scoring_input(resolved[0])) if resolved else _empty(SCORES)
    before = list(
        QuestionScore.objects.filter(question_id=question_id).values_list(
            "forecaster_id", "resolution_id"
        )
    )
    affected = sorted({row[0] for row in before} | set(scores["forecaster_id"].tolist()))
    Resolution.objects.filter(
        question_id=question_id, superseded_at__isnull=True, scored_at__isnull=True
    ).update(scored_at=timezone.now())
    if not affected:  # nobody scored before or now: nothing to write
        return RescoreReport(1, SyncCounts(), SyncCounts())
    score_changes = _sync(SCORES, scores, {"question_id": [question_id]})
    # Only the totals of the scopes this question counts (or counted) in can move.
    touched = _scopes_touched(
        question_id, {row[1] for row in before} | {r.resolution_id for r in resolved}
    )
    total_changes = _sync(
        TOTALS,
        _totals_of(affected, touched),
        {"forecaster_id": affected, "scope": sorted(touched)},
    )
    if score_changes.changed or total_changes.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(1, score_changes, total_changes)


def compute_all_scores() -> tuple[Columns, Columns, int]:
    """Every question's scores and every total, computed in memory from the log."""
    if connection.vendor == "postgresql":
        inputs: Iterable[ScoringInput] = all_scoring_inputs()
    else:
        inputs = (scoring_input(question) for question in scored_resolutions())
    parts = [question_score_columns(data) for data in inputs]
    scores = _concat(SCORES, parts)
    question_ids = np.unique(scores["question_id"]).tolist()
    totals = total_columns(scores, question_scopes(scored_resolutions(question_ids)))
    return scores, totals, len(parts)


@transaction.atomic
def rescore_all() -> RescoreReport:
    """Every question and every total, recomputed from the forecast log."""
    if connection.vendor != "postgresql":
        # Development databases are small: one question at a time is fine there.
        report = RescoreReport(0, SyncCounts(), SyncCounts())
        question_ids = set(Resolution.objects.values_list("question_id", flat=True))
        question_ids |= set(QuestionScore.objects.values_list("question_id", flat=True))
        for question_id in sorted(question_ids):
            report = report + rescore_question(question_id=question_id)
        return report
    with connection.cursor() as cursor:
        # Rescores of single questions wait for this one, not the other way round.
        cursor.execute(
            "LOCK TABLE predictions_questionscore, predictions_forecastertotal "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
    scores, totals, questions = compute_all_scores()
    score_changes = _sync_postgres(SCORES, scores)
    total_changes = _sync_postgres(TOTALS, totals)
    Resolution.objects.filter(superseded_at__isnull=True, scored_at__isnull=True).update(
        scored_at=timezone.now()
    )
    if score_changes.changed or total_changes.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(questions, score_changes, total_changes)


# --- Verification


@dataclass
class Difference:
    table: str
    key: tuple
    stored: tuple | None
    computed: tuple | None


def _differences(
    table: str, spec: TableSpec, stored: list[tuple], computed: Columns, tolerance: float
) -> list[Difference]:
    width = len(spec.keys)
    stored_by_key = {row[:width]: row[width:] for row in stored}
    computed_by_key = {row[:width]: row[width:] for row in _rows(spec, computed)}
    found = []
    for key in sorted(stored_by_key.keys() | computed_by_key.keys(), key=str):
        old, new = stored_by_key.get(key), computed_by_key.get(key)
        if old is None or new is None or not _close(old, new, tolerance):
            found.append(Difference(table, key, old, new))
    return found


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
    scores, totals, _ = compute_all_scores()
    stored_scores = list(QuestionScore.objects.values_list(*SCORES.columns))
    stored_totals = list(ForecasterTotal.objects.values_list(*TOTALS.columns))
    return _differences("score", SCORES, stored_scores, scores, tolerance) + _differences(
        "total", TOTALS, stored_totals, totals, tolerance
    )


def stale_question_ids() -> list[int]:
    """Questions whose stored scores may not match their current resolution: a current
    final resolution not yet scored, or scores computed from a resolution that is no
    longer the current final one. A Redis outage that lost a rescore task, or forecasts
    imported into a resolved question, leave these behind."""
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
