"""Fingerprints of what a question's scores are computed from, so that a full rescore can
skip the questions whose inputs did not change since their scores were written.

A question's stored scores depend on: its forecast log (append-only, so the count of its
forecasts and the largest id name it), which of its forecasters are people (the reference
crowd), its current resolution (id, state, outcome, day known), its window, the scopes it
counts in (tags, sources, year), and the scoring code itself (`SCORING_VERSION`, a hash of
the modules that compute scores, and numpy's version). A resolution whose `scored_at` was
cleared (a forecaster's kind changed, forecasts were imported) always counts as changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import Count, Max, Q

from predictions.models import Forecast, QuestionScoreBasis
from predictions.score_inputs import SCORED, ResolvedQuestion
from registry.models import Claim, Forecaster, Question
from resolvers.models import Resolution

_SCORING_MODULES = ("scoring.py", "score_inputs.py", "score_basis.py", "rescoring.py")


_HERE = Path(__file__).resolve().parent


def scoring_version(directory: Path = _HERE) -> str:
    """A hash of the scoring code (the modules in `directory`) and numpy's version: any
    edit to how scores are computed, or a numpy whose arithmetic could differ, makes every
    stored fingerprint stale."""
    digest = hashlib.sha256(np.__version__.encode())
    for name in _SCORING_MODULES:
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()[:16]


SCORING_VERSION = scoring_version()


@dataclass(frozen=True)
class Basis:
    fingerprint: str
    scopes: tuple[str, ...]


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


def _log_summaries(question_ids: list[int] | None) -> dict[int, tuple[int, int, int]]:
    """(forecasts, largest id, forecasts by people) of the scored questions' logs (None:
    every scored question's)."""
    forecasts = Forecast.objects.all()
    if question_ids is None:
        scored = Resolution.objects.filter(SCORED).values("question_id")
        forecasts = forecasts.filter(question_id__in=scored)
    else:
        forecasts = forecasts.filter(question_id__in=question_ids)
    rows = (
        forecasts.order_by()
        .values("question_id")
        .annotate(
            n=Count("id"),
            last=Max("id"),
            people=Count("id", filter=Q(forecaster__kind=Forecaster.Kind.HUMAN)),
        )
        .values_list("question_id", "n", "last", "people")
    )
    return {row[0]: row[1:] for row in rows}


def current_bases(
    resolved: list[ResolvedQuestion], question_ids: list[int] | None = None
) -> tuple[dict[int, Basis], set[int]]:
    """The basis each scored question's scores would be computed from now, as they are to be
    stored once computed; and the questions whose resolution is marked as not scored yet
    (they count as changed whatever their fingerprint). `question_ids` names the questions
    `resolved` was read for (None: every question)."""
    if not resolved:
        return {}, set()
    ids = None if question_ids is None else [q.question_id for q in resolved]
    scopes = question_scopes(resolved)
    logs = _log_summaries(ids)
    unscored = set(
        Resolution.objects.filter(SCORED, scored_at__isnull=True)
        .filter(**({} if ids is None else {"question_id__in": ids}))
        .values_list("question_id", flat=True)
    )
    bases = {}
    for q in resolved:
        names = tuple(sorted(scopes[q.question_id]))
        inputs = (
            SCORING_VERSION,
            q.resolution_id,
            q.outcome,
            q.n_options,
            q.window,
            q.known_on.isoformat(),
            logs.get(q.question_id, (0, 0, 0)),
            names,
        )
        fingerprint = hashlib.sha256(repr(inputs).encode()).hexdigest()[:32]
        bases[q.question_id] = Basis(fingerprint, names)
    return bases, unscored


def stored_bases(question_ids: list[int] | None = None) -> dict[int, Basis]:
    rows = QuestionScoreBasis.objects.all()
    if question_ids is not None:
        rows = rows.filter(question_id__in=question_ids)
    return {
        question_id: Basis(fingerprint, tuple(scopes))
        for question_id, fingerprint, scopes in rows.values_list(
            "question_id", "fingerprint", "scopes"
        )
    }


def changed_questions(
    current: dict[int, Basis], unscored: set[int], stored: dict[int, Basis]
) -> list[int]:
    """Questions whose stored scores may not be what their inputs give now: scored ones
    whose basis differs (or was never stored), ones marked not scored, and ones no longer
    scored that still have a basis (their scores must go)."""
    changed = {qid for qid, basis in current.items() if stored.get(qid) != basis}
    changed |= unscored & current.keys()
    changed |= stored.keys() - current.keys()
    return sorted(changed)


def store_bases(question_ids: list[int] | None, current: dict[int, Basis]) -> None:
    """Record the bases of the rescored questions `question_ids` (None: every question):
    those still scored get theirs, the others lose theirs."""
    gone = QuestionScoreBasis.objects.all()
    if question_ids is not None:
        gone = gone.filter(question_id__in=question_ids)
    gone.delete()
    keep = current.keys() if question_ids is None else set(question_ids) & current.keys()
    if not keep:
        return
    QuestionScoreBasis.objects.bulk_create(
        [
            QuestionScoreBasis(
                question_id=qid,
                fingerprint=current[qid].fingerprint,
                scopes=list(current[qid].scopes),
            )
            for qid in sorted(keep)
        ],
        batch_size=2000,
    )
