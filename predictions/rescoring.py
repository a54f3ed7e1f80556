"""Writes of derived scores: QuestionScore rows and ForecasterTotal leaderboards, and the
people's crowd's own record beside them (CrowdScore, CrowdTotal).

Everything here is recomputable from the forecast log, the resolutions and the forecasters'
kinds (the people make the reference crowd). Rows travel as numpy columns (the tables and
their writing are in score_tables.py); writes change only what differs, so running a
rescore twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from predictions import scoring
from predictions.models import CrowdScore, QuestionScore
from predictions.score_inputs import (
    ResolvedQuestion,
    ScoringInput,
    all_scoring_inputs,
    copy_numbers,
    scored_resolutions,
    scoring_input,
)
from predictions.score_tables import (
    CROWD_SCORES,
    CROWD_TOTALS,
    NUMPY_TYPES,
    SCORES,
    TOTALS,
    Columns,
    SyncCounts,
    TableSpec,
    concat_columns,
    empty_columns,
    rows_of,
    sync,
    sync_postgres,
)
from registry.models import Claim, Question
from resolvers.models import Resolution

logger = logging.getLogger(__name__)

SCORES_VERSION_KEY = "scores-version"


# --- Computing


def question_columns(data: ScoringInput) -> tuple[Columns, Columns]:
    """One question's scores, a row per forecaster with at least one scored day, measured
    against the people's crowd; and that crowd's own score (no row if no person stood)."""
    question, forecasts = data.question, data.forecasts
    result = scoring.score_question(
        forecasts.forecaster_index,
        forecasts.submitted_at_us,
        forecasts.probabilities,
        len(forecasts.forecaster_ids),
        question.window,
        question.outcome,
        reference=forecasts.people,
    )
    crowd = scoring.score_crowd(forecasts.probabilities, result, question.outcome)
    scored = result.days > 0
    count = int(scored.sum())
    stood = 1 if crowd.days else 0
    crowd_columns = {
        "question_id": np.full(stood, question.question_id, dtype=np.int64),
        "resolution_id": np.full(stood, question.resolution_id, dtype=np.int64),
        "brier": np.full(stood, crowd.brier),
        "relative_score": np.full(stood, crowd.relative),
        "log_loss": np.full(stood, crowd.log_loss),
        "spherical": np.full(stood, crowd.spherical),
        "days": np.full(stood, crowd.days, dtype=np.int64),
        "window_days": np.full(stood, question.window.n_days, dtype=np.int64),
    }
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
    }, crowd_columns


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
    scores: Columns,
    scopes: dict[int, list[str]],
    only: set[str] | None = None,
    intervals: bool = True,
) -> Columns:
    """Each forecaster's totals in every scope they scored in (or only those in `only`):
    count, means, and the bootstrap interval of the mean relative score (NaN without
    `intervals`)."""
    if only is not None:
        scopes = {qid: [name for name in names if name in only] for qid, names in scopes.items()}
        keep = np.isin(scores["question_id"], [qid for qid, names in scopes.items() if names])
        scores = {name: column[keep] for name, column in scores.items()}
    if len(scores["question_id"]) == 0:
        return empty_columns(TOTALS)
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
    if intervals:
        low, high = scoring.bootstrap_mean_intervals(np.split(relative, starts[1:]))
    else:
        low = high = np.full(len(starts), np.nan)
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


def crowd_total_columns(
    crowd: Columns, scopes: dict[int, list[str]], only: set[str] | None = None
) -> Columns:
    """The people's crowd's totals per scope, computed as a forecaster's are (without the
    bootstrap: it is the reference, not ranked)."""
    as_forecaster = {**crowd, "forecaster_id": np.zeros(len(crowd["question_id"]), dtype=np.int64)}
    totals = total_columns(as_forecaster, scopes, only, intervals=False)
    return {name: totals[name] for name in CROWD_TOTALS.columns}


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
    crowd: SyncCounts = field(default_factory=SyncCounts)  # the crowd's scores and totals

    def __add__(self, other: RescoreReport) -> RescoreReport:
        return RescoreReport(
            self.questions + other.questions,
            self.scores + other.scores,
            self.totals + other.totals,
            self.crowd + other.crowd,
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
            name: flat[:, index].astype(NUMPY_TYPES[SCORES.types[name]])
            for index, name in enumerate(SCORES.columns)
        }
    rows = list(
        QuestionScore.objects.filter(forecaster_id__in=forecaster_ids)
        .order_by()
        .values_list(*SCORES.columns)
    )
    if not rows:
        return empty_columns(SCORES)
    return {
        name: np.array(values, dtype=NUMPY_TYPES[SCORES.types[name]])
        for name, values in zip(SCORES.columns, zip(*rows, strict=True), strict=True)
    }


def _totals_of(forecaster_ids: list[int], only: set[str]) -> Columns:
    """These forecasters' totals in the scopes `only`, from their stored question scores."""
    scores = _stored_scores_of(forecaster_ids)
    question_ids = np.unique(scores["question_id"]).tolist()
    return total_columns(scores, question_scopes(scored_resolutions(question_ids)), only)


def _crowd_scope_members(scope: str) -> QuerySet[CrowdScore]:
    """The stored crowd scores a scope counts, as `question_scopes` assigns them."""
    kind, _, value = scope.partition(":")
    if kind == "year":
        return CrowdScore.objects.filter(resolution__known_on__year=int(value))
    if kind == "tag":
        return CrowdScore.objects.filter(
            question__in=Question.tags.through.objects.filter(tag__slug=value).values("question_id")
        )
    if kind == "source":
        return CrowdScore.objects.filter(
            question__in=Claim.objects.filter(source__slug=value).values("question_id")
        )
    return CrowdScore.objects.all()


def _crowd_totals_in(only: set[str]) -> Columns:
    """The crowd's totals in the scopes `only`, from its stored question scores. The crowd
    scored every question a person forecast, so the scope "all" holds thousands: its
    members are found by one query per scope, not by looking up every question's scopes."""
    needed = ("question_id", "brier", "relative_score", "log_loss")
    rows = list(CrowdScore.objects.order_by("question_id").values_list(*needed))
    crowd = {
        name: np.array([row[index] for row in rows], dtype=NUMPY_TYPES[SCORES.types[name]])
        for index, name in enumerate(needed)
    }
    scopes: dict[int, list[str]] = {}
    for scope in sorted(only):
        for question_id in _crowd_scope_members(scope).values_list("question_id", flat=True):
            scopes.setdefault(question_id, []).append(scope)
    return crowd_total_columns(crowd, scopes, only)


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


@transaction.atomic
def rescore_question(*, question_id: int) -> RescoreReport:
    """Bring one question's scores, and the totals of everyone it touches, in line with
    its current resolution: scores when it is final, none when it is not (or annulled)."""
    Question.objects.select_for_update().filter(pk=question_id).first()
    resolved = scored_resolutions([question_id])
    if resolved:
        scores, crowd = question_columns(scoring_input(resolved[0]))
    else:
        scores, crowd = empty_columns(SCORES), empty_columns(CROWD_SCORES)
    before = list(
        QuestionScore.objects.filter(question_id=question_id).values_list(
            "forecaster_id", "resolution_id"
        )
    )
    crowd_before = set(
        CrowdScore.objects.filter(question_id=question_id).values_list("resolution_id", flat=True)
    )
    affected = sorted({row[0] for row in before} | set(scores["forecaster_id"].tolist()))
    Resolution.objects.filter(
        question_id=question_id, superseded_at__isnull=True, scored_at__isnull=True
    ).update(scored_at=timezone.now())
    if not affected and not crowd_before:  # nobody scored before or now: nothing to write
        return RescoreReport(1, SyncCounts(), SyncCounts())
    score_changes = sync(SCORES, scores, {"question_id": [question_id]})
    # Only the totals of the scopes this question counts (or counted) in can move.
    touched = _scopes_touched(
        question_id,
        {row[1] for row in before} | crowd_before | {r.resolution_id for r in resolved},
    )
    total_changes = sync(
        TOTALS,
        _totals_of(affected, touched),
        {"forecaster_id": affected, "scope": sorted(touched)},
    )
    crowd_changes = sync(CROWD_SCORES, crowd, {"question_id": [question_id]})
    crowd_changes += sync(CROWD_TOTALS, _crowd_totals_in(touched), {"scope": sorted(touched)})
    if score_changes.changed or total_changes.changed or crowd_changes.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(1, score_changes, total_changes, crowd_changes)


@dataclass
class ComputedScores:
    """Every stored derived row, as the forecast log says it should be."""

    scores: Columns
    totals: Columns
    crowd: Columns
    crowd_totals: Columns
    questions: int


def compute_all_scores() -> ComputedScores:
    """Every question's scores and every total, the crowd's too, computed in memory from
    the log."""
    if connection.vendor == "postgresql":
        inputs: Iterable[ScoringInput] = all_scoring_inputs()
    else:
        inputs = (scoring_input(question) for question in scored_resolutions())
    parts = [question_columns(data) for data in inputs]
    scores = concat_columns(SCORES, [part[0] for part in parts])
    crowd = concat_columns(CROWD_SCORES, [part[1] for part in parts])
    question_ids = np.unique(scores["question_id"]).tolist()
    scopes = question_scopes(scored_resolutions(question_ids))
    return ComputedScores(
        scores=scores,
        totals=total_columns(scores, scopes),
        crowd=crowd,
        crowd_totals=crowd_total_columns(crowd, scopes),
        questions=len(parts),
    )


@transaction.atomic
def rescore_all() -> RescoreReport:
    """Every question and every total, recomputed from the forecast log."""
    if connection.vendor != "postgresql":
        # Development databases are small: one question at a time is fine there.
        report = RescoreReport(0, SyncCounts(), SyncCounts())
        question_ids = set(Resolution.objects.values_list("question_id", flat=True))
        question_ids |= set(QuestionScore.objects.values_list("question_id", flat=True))
        question_ids |= set(CrowdScore.objects.values_list("question_id", flat=True))
        for question_id in sorted(question_ids):
            report = report + rescore_question(question_id=question_id)
        return report
    with connection.cursor() as cursor:
        # Rescores of single questions wait for this one, not the other way round.
        cursor.execute(
            "LOCK TABLE predictions_questionscore, predictions_forecastertotal, "
            "predictions_crowdscore, predictions_crowdtotal IN SHARE ROW EXCLUSIVE MODE"
        )
    computed = compute_all_scores()
    score_changes = sync_postgres(SCORES, computed.scores)
    total_changes = sync_postgres(TOTALS, computed.totals)
    crowd_changes = sync_postgres(CROWD_SCORES, computed.crowd)
    crowd_changes += sync_postgres(CROWD_TOTALS, computed.crowd_totals)
    Resolution.objects.filter(superseded_at__isnull=True, scored_at__isnull=True).update(
        scored_at=timezone.now()
    )
    if score_changes.changed or total_changes.changed or crowd_changes.changed:
        transaction.on_commit(_bump_scores_version)
    return RescoreReport(computed.questions, score_changes, total_changes, crowd_changes)


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
    computed_by_key = {row[:width]: row[width:] for row in rows_of(spec, computed)}
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
    computed = compute_all_scores()
    found = []
    for table, spec, columns in (
        ("score", SCORES, computed.scores),
        ("total", TOTALS, computed.totals),
        ("crowd score", CROWD_SCORES, computed.crowd),
        ("crowd total", CROWD_TOTALS, computed.crowd_totals),
    ):
        stored = list(spec.model.objects.values_list(*spec.columns))
        found += _differences(table, spec, stored, columns, tolerance)
    return found


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
    current = Resolution.objects.filter(
        superseded_at__isnull=True, state=Resolution.State.FINAL
    ).exclude(outcome=Resolution.Outcome.ANNULLED)
    mismatched = set(
        QuestionScore.objects.exclude(resolution__in=current).values_list("question_id", flat=True)
    )
    mismatched |= set(
        CrowdScore.objects.exclude(resolution__in=current).values_list("question_id", flat=True)
    )
    return sorted(unscored | mismatched)
