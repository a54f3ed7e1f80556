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
from django.utils import timezone

from predictions import scoring
from predictions.models import CrowdScore, QuestionScore
from predictions.score_basis import (
    Basis,
    changed_questions,
    current_bases,
    question_scopes,
    store_bases,
    stored_bases,
)
from predictions.score_inputs import (
    ResolvedQuestion,
    ScoringInput,
    all_scoring_inputs,
    scored_resolutions,
    scoring_input,
)
from predictions.score_tables import (
    CROWD_SCORES,
    CROWD_TOTALS,
    SCORES,
    TOTALS,
    Columns,
    SyncCounts,
    TableSpec,
    concat_columns,
    empty_columns,
    read_columns,
    rows_of,
    sync_region,
    write_differences,
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
        low, high = scoring.bootstrap_mean_intervals_flat(relative, starts)
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
    questions: int  # questions looked at
    scores: SyncCounts
    totals: SyncCounts
    crowd: SyncCounts = field(default_factory=SyncCounts)  # the crowd's scores and totals
    unchanged: int = 0  # of those, skipped: nothing their scores depend on had changed

    def __add__(self, other: RescoreReport) -> RescoreReport:
        return RescoreReport(
            self.questions + other.questions,
            self.scores + other.scores,
            self.totals + other.totals,
            self.crowd + other.crowd,
            self.unchanged + other.unchanged,
        )

    @property
    def changed(self) -> bool:
        return self.scores.changed or self.totals.changed or self.crowd.changed

    def as_dict(self) -> dict:
        """In JSON's terms, as a Celery task returns it."""
        return {
            "questions": self.questions,
            "unchanged": self.unchanged,
            **{name: vars(getattr(self, name)) for name in ("scores", "totals", "crowd")},
        }

    @classmethod
    def from_dict(cls, data: dict) -> RescoreReport:
        return cls(
            data["questions"],
            SyncCounts(**data["scores"]),
            SyncCounts(**data["totals"]),
            SyncCounts(**data["crowd"]),
            data["unchanged"],
        )


_DERIVED_TABLES = (
    "predictions_questionscore, predictions_forecastertotal, predictions_crowdscore, "
    "predictions_crowdtotal"
)


def _lock_derived_tables() -> None:
    """Writers of totals take turns (pages go on reading): each computes totals from the
    scores the one before it committed, so two rescores never leave totals that miss one
    another's questions. Writers of different questions' scores alone do not wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {_DERIVED_TABLES} IN SHARE ROW EXCLUSIVE MODE")


def _sync(spec: TableSpec, before: Columns, computed: Columns, filters: dict | None) -> SyncCounts:
    """Make the rows `before` (read with `filters`) equal to `computed`."""
    if not len(before[spec.keys[0]]) and not len(computed[spec.keys[0]]):
        return SyncCounts()  # none stored, none wanted
    if connection.vendor == "postgresql":
        return write_differences(spec, before, computed)
    return sync_region(spec, computed, filters)


@dataclass
class ScoresWritten:
    """What writing some questions' scores leaves for the totals to do."""

    question_ids: list[int] | None  # None: every question
    scores: Columns  # their scores, as just written
    crowd: Columns
    forecasters: list[int]  # whose totals may move: scored on them before or now
    scopes: set[str]  # the scopes the questions counted or now count in
    score_changes: SyncCounts
    crowd_changes: SyncCounts
    questions: int


def _compute(resolved: list[ResolvedQuestion], subset: bool) -> tuple[Columns, Columns]:
    if not resolved:
        return empty_columns(SCORES), empty_columns(CROWD_SCORES)
    if connection.vendor == "postgresql":
        inputs: Iterable[ScoringInput] = all_scoring_inputs(resolved, subset=subset)
    else:
        inputs = (scoring_input(question) for question in resolved)
    parts = [question_columns(data) for data in inputs]
    return (
        concat_columns(SCORES, [part[0] for part in parts]),
        concat_columns(CROWD_SCORES, [part[1] for part in parts]),
    )


def _scopes_without_basis(question_ids: set[int], resolution_ids: set[int]) -> set[str]:
    """The scopes questions scored before bases were kept may count in: all, their tags
    and sources, and the years of the outcomes their stored scores came from."""
    if not question_ids:
        return set()
    years = Resolution.objects.filter(pk__in=resolution_ids).values_list("known_on", flat=True)
    scopes = {"all"} | {f"year:{known_on.year}" for known_on in years}
    tags = Question.tags.through.objects.filter(question_id__in=question_ids)
    scopes |= {f"tag:{slug}" for slug in tags.values_list("tag__slug", flat=True)}
    claims = Claim.objects.filter(question_id__in=question_ids)
    scopes |= {f"source:{slug}" for slug in claims.values_list("source__slug", flat=True)}
    return scopes


@dataclass
class Survey:
    """Every question's basis now and as stored, read once by a full rescore."""

    resolved: list[ResolvedQuestion]
    current: dict[int, Basis]
    unscored: set[int]
    stored: dict[int, Basis]

    @classmethod
    def taken(cls) -> Survey:
        resolved = scored_resolutions()
        current, unscored = current_bases(resolved)
        return cls(resolved, current, unscored, stored_bases())

    def scopes_after(self, question_ids: list[int] | None) -> dict[int, list[str]]:
        """Every question's scopes once these questions' bases are stored."""
        rescored = self.current.keys() if question_ids is None else set(question_ids)
        after = {qid: b.scopes for qid, b in self.stored.items() if qid not in rescored}
        after.update((qid, self.current[qid].scopes) for qid in rescored if qid in self.current)
        return {qid: list(scopes) for qid, scopes in after.items()}


def write_question_scores(
    question_ids: list[int] | None, survey: Survey | None = None
) -> ScoresWritten:
    """Recompute and store the scores of these questions (None: every question) and the
    crowd's, with their bases, and mark their resolutions scored; not the totals. A
    `survey` already taken spares reading the bases again."""
    if survey is None:
        resolved = scored_resolutions(question_ids)
        current, _ = current_bases(resolved, question_ids)
        old = stored_bases(question_ids)
    elif question_ids is None:
        resolved, current, old = survey.resolved, survey.current, survey.stored
    else:
        wanted = set(question_ids)
        resolved = [q for q in survey.resolved if q.question_id in wanted]
        current = {qid: b for qid, b in survey.current.items() if qid in wanted}
        old = {qid: b for qid, b in survey.stored.items() if qid in wanted}
    scores, crowd = _compute(resolved, subset=question_ids is not None)
    filters = None if question_ids is None else {"question_id": question_ids}
    before = read_columns(SCORES, filters)
    crowd_before = read_columns(CROWD_SCORES, filters)
    score_changes = _sync(SCORES, before, scores, filters)
    crowd_changes = _sync(CROWD_SCORES, crowd_before, crowd, filters)
    scopes = {name for basis in (*old.values(), *current.values()) for name in basis.scopes}
    without_basis = (
        set(before["question_id"].tolist()) | set(crowd_before["question_id"].tolist())
    ) - old.keys()
    scopes |= _scopes_without_basis(
        without_basis,
        set(before["resolution_id"].tolist()) | set(crowd_before["resolution_id"].tolist()),
    )
    if old or current:
        store_bases(question_ids, current)
    marked = Resolution.objects.filter(superseded_at__isnull=True, scored_at__isnull=True)
    if question_ids is not None:
        marked = marked.filter(question_id__in=question_ids)
    marked.update(scored_at=timezone.now())
    return ScoresWritten(
        question_ids=question_ids,
        scores=scores,
        crowd=crowd,
        forecasters=np.union1d(before["forecaster_id"], scores["forecaster_id"]).tolist(),
        scopes=scopes,
        score_changes=score_changes,
        crowd_changes=crowd_changes,
        questions=len(question_ids) if question_ids is not None else len(current | old),
    )


# The columns of the scores that totals are computed from, a forecaster's and the crowd's.
_TOTALED = ("question_id", "forecaster_id", "brier", "relative_score", "log_loss")
_CROWD_TOTALED = ("question_id", "brier", "relative_score", "log_loss")


def _joined(parts: list[Columns], names: tuple[str, ...]) -> Columns:
    return {name: np.concatenate([part[name] for part in parts]) for name in names}


def _with_scopes(columns: Columns, scopes: dict[int, list[str]]) -> Columns:
    """Rows of questions that count in some scope (stray rows of others count nowhere)."""
    missing = set(np.unique(columns["question_id"]).tolist()) - scopes.keys()
    if missing:  # scored before bases were kept
        scopes.update(question_scopes(scored_resolutions(sorted(missing))))
    keep = np.isin(columns["question_id"], [qid for qid, names in scopes.items() if names])
    return {name: column[keep] for name, column in columns.items()}


def write_totals(
    *,
    forecasters: list[int] | None,
    scopes: set[str] | None,
    fresh: ScoresWritten | None = None,
    scope_of: dict[int, list[str]] | None = None,
) -> tuple[SyncCounts, SyncCounts]:
    """Store the totals of these forecasters in these scopes (None: all), and the crowd's
    in these scopes, from the stored question scores (and `fresh`, the scores just written
    in this process, which need not be read back). `scope_of`: every question's scopes,
    as stored now (read if not given)."""
    everything = forecasters is None
    if scope_of is None:
        scope_of = {qid: list(basis.scopes) for qid, basis in stored_bases().items()}
    if everything and fresh is not None and fresh.question_ids is None:
        scores, crowd = fresh.scores, fresh.crowd
    else:
        exclude = {"question_id": fresh.question_ids} if fresh and fresh.question_ids else None
        filters = None if everything else {"forecaster_id": forecasters}
        stored = read_columns(SCORES, filters, exclude, names=_TOTALED)
        stored_crowd = read_columns(CROWD_SCORES, None, exclude, names=_CROWD_TOTALED)
        scores = _joined([stored, fresh.scores] if fresh else [stored], _TOTALED)
        crowd = _joined([stored_crowd, fresh.crowd] if fresh else [stored_crowd], _CROWD_TOTALED)
    scores, crowd = _with_scopes(scores, scope_of), _with_scopes(crowd, scope_of)
    region = None if everything else {"forecaster_id": forecasters, "scope": sorted(scopes)}
    total_changes = _sync(
        TOTALS, read_columns(TOTALS, region), total_columns(scores, scope_of, scopes), region
    )
    crowd_region = None if scopes is None else {"scope": sorted(scopes)}
    crowd_changes = _sync(
        CROWD_TOTALS,
        read_columns(CROWD_TOTALS, crowd_region),
        crowd_total_columns(crowd, scope_of, scopes),
        crowd_region,
    )
    return total_changes, crowd_changes


@transaction.atomic
def rescore_question(*, question_id: int) -> RescoreReport:
    """Bring one question's scores, and the totals of everyone it touches, in line with
    its current resolution: scores when it is final, none when it is not (or annulled)."""
    Question.objects.select_for_update().filter(pk=question_id).first()
    _lock_derived_tables()
    written = write_question_scores([question_id])
    if not written.forecasters and not written.crowd_changes.changed:
        return RescoreReport(1, written.score_changes, SyncCounts())
    # Only the totals of the scopes this question counts (or counted) in can move.
    total_changes, crowd_totals = write_totals(
        forecasters=written.forecasters, scopes=written.scopes, fresh=written
    )
    report = RescoreReport(
        1, written.score_changes, total_changes, written.crowd_changes + crowd_totals
    )
    if report.changed:
        transaction.on_commit(_bump_scores_version)
    return report


def _questions_to_rescore(full: bool) -> tuple[list[int] | None, int, Survey]:
    """The questions a full rescore must recompute (None: all of them, because `full` was
    asked for or no basis was ever stored), how many questions it looks at, and the
    survey that found them."""
    survey = Survey.taken()
    looked_at = len(survey.current.keys() | survey.stored.keys())
    if full or not survey.stored:
        return None, looked_at, survey
    return changed_questions(survey.current, survey.unscored, survey.stored), looked_at, survey


@transaction.atomic
def rescore_all(*, full: bool = False) -> RescoreReport:
    """Every question whose inputs changed since its scores were stored (every question
    with `full`), and the totals they touch, recomputed from the forecast log."""
    # Rescores of single questions wait for this one, not the other way round.
    _lock_derived_tables()
    question_ids, looked_at, survey = _questions_to_rescore(full)
    if question_ids == []:
        return RescoreReport(looked_at, SyncCounts(), SyncCounts(), unchanged=looked_at)
    written = write_question_scores(question_ids, survey)
    everything = question_ids is None
    total_changes, crowd_totals = write_totals(
        forecasters=None if everything else written.forecasters,
        scopes=None if everything else written.scopes,
        fresh=written,
        scope_of=survey.scopes_after(question_ids),
    )
    report = RescoreReport(
        looked_at,
        written.score_changes,
        total_changes,
        written.crowd_changes + crowd_totals,
        unchanged=looked_at - written.questions,
    )
    if report.changed:
        transaction.on_commit(_bump_scores_version)
    return report


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
