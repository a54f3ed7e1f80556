"""Reads of the forecast log, with who may see what."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Rank
from django.utils import timezone

from predictions import scoring
from predictions.formatting import forecast_in_words
from predictions.models import CrowdTotal, Forecast, ForecasterTotal, QuestionScore
from predictions.rescoring import SCORES_VERSION_KEY
from predictions.score_inputs import (
    day_number,
    forecast_arrays,
    from_day_number,
    scored_resolutions,
    to_us,
)
from registry.models import Forecaster, Question, forecaster_listed_on_leaderboards
from resolvers.models import Resolution

# Until a question closes, its individual forecasts are private to their authors (and
# staff), so nobody can copy the crowd; afterwards the whole log is public.
PUBLIC_STATUSES = frozenset(
    {
        Question.Status.CLOSED,
        Question.Status.RESOLVING,
        Question.Status.RESOLVED,
        Question.Status.ANNULLED,
    }
)


def forecasts_are_public(question: Question) -> bool:
    return question.status in PUBLIC_STATUSES or question.closes_at <= timezone.now()


@dataclass(frozen=True)
class StandingForecast:
    forecaster: Forecaster
    forecast: Forecast  # the last one made before the close
    updates: int  # how many forecasts the forecaster made on the question
    in_words: str  # "70% Yes", "US 60%, China 40%"


def standing_forecasts_at_close(*, question: Question) -> list[StandingForecast]:
    """Each forecaster's last forecast before the close, with its reasons: what the page
    shows everyone once forecasts are public. Forecasters with reasons come first."""
    latest: dict[int, Forecast] = {}
    updates: dict[int, int] = {}
    for forecast in (
        Forecast.objects.filter(question=question, submitted_at__lt=question.closes_at)
        .select_related("forecaster")
        .order_by("submitted_at", "id")
    ):
        latest[forecast.forecaster_id] = forecast
        updates[forecast.forecaster_id] = updates.get(forecast.forecaster_id, 0) + 1
    rows = [
        StandingForecast(
            forecast.forecaster,
            forecast,
            updates[forecaster_id],
            forecast_in_words(question, forecast),
        )
        for forecaster_id, forecast in latest.items()
    ]
    return sorted(rows, key=lambda row: (not row.forecast.rationale, row.forecaster.handle))


def question_forecasts_visible_to(
    *, question: Question, user: User | AnonymousUser
) -> QuerySet[Forecast]:
    forecasts = Forecast.objects.filter(question=question).select_related("forecaster", "question")
    if forecasts_are_public(question) or (user.is_authenticated and user.is_staff):
        return forecasts.order_by("submitted_at", "id")
    if not user.is_authenticated:
        return forecasts.none()
    return forecasts.filter(forecaster__user=user).order_by("submitted_at", "id")


def forecaster_history(*, forecaster: Forecaster) -> QuerySet[Forecast]:
    """Every forecast of one forecaster, newest first (for its owner)."""
    return (
        Forecast.objects.filter(forecaster=forecaster)
        .select_related("question", "forecaster")
        .order_by("-submitted_at", "-id")
    )


def forecaster_history_of_user(*, user: User) -> QuerySet[Forecast]:
    """The user's own forecasts (none if they have no forecaster profile yet)."""
    return (
        Forecast.objects.filter(forecaster__user=user)
        .select_related("question", "forecaster")
        .order_by("-submitted_at", "-id")
    )


def forecaster_public_forecasts(*, forecaster: Forecaster) -> QuerySet[Forecast]:
    """A forecaster's forecasts that anyone may see: those on closed questions."""
    public_question_ids = Question.objects.with_status_in(list(PUBLIC_STATUSES)).values("pk")
    return forecaster_history(forecaster=forecaster).filter(question__in=public_question_ids)


# --- Scores, leaderboards, crowd and calibration


def question_scores(*, question: Question) -> QuerySet[QuestionScore]:
    return (
        QuestionScore.objects.filter(question=question)
        .select_related("forecaster")
        .order_by("relative_score", "forecaster__handle")
    )


SCOPE_PATTERN = re.compile(r"^(all|tag:[-\w]+|source:[-\w]+|year:\d{4})$")


# The separate boards, in the order pages show them: people, bots, pundits. Everyone on
# each is scored against the people's crowd.
LEADERBOARD_KINDS: tuple[str, ...] = (
    Forecaster.Kind.HUMAN,
    Forecaster.Kind.BOT,
    Forecaster.Kind.PUNDIT,
)
DEFAULT_LEADERBOARD_KIND = Forecaster.Kind.HUMAN


def _listed_totals(kind: str) -> QuerySet[ForecasterTotal]:
    """Totals of the forecasters of one kind the leaderboards rank: no unverified login, no
    deleted account (their forecasts still count in the crowd, so others' scores stay as
    stored)."""
    return ForecasterTotal.objects.filter(
        forecaster_listed_on_leaderboards("forecaster__"), forecaster__kind=kind
    )


def leaderboard(
    *, scope: str, min_questions: int, kind: str = DEFAULT_LEADERBOARD_KIND
) -> QuerySet[ForecasterTotal]:
    """Stored totals of one scope and kind of forecaster, ranked: lower mean relative score
    first, ties to the forecaster with more questions. Never recomputed here."""
    return (
        _listed_totals(kind)
        .filter(scope=scope, questions__gte=min_questions)
        .select_related("forecaster")
        .annotate(
            rank=Window(
                expression=Rank(),
                order_by=[F("mean_relative_score").asc(), F("questions").desc()],
            )
        )
        .order_by("mean_relative_score", "-questions", "forecaster__handle")
    )


def leaderboard_scopes(*, kind: str = DEFAULT_LEADERBOARD_KIND) -> list[str]:
    return list(_listed_totals(kind).order_by("scope").values_list("scope", flat=True).distinct())


def leaderboard_sizes(
    *, min_questions: int, kind: str = DEFAULT_LEADERBOARD_KIND
) -> dict[str, int]:
    """How many forecasters each scope's leaderboard ranks (scopes ranking none left out)."""
    return dict(
        _listed_totals(kind)
        .filter(questions__gte=min_questions)
        .order_by()
        .values_list("scope")
        .annotate(entries=Count("id"))
    )


def crowd_total(*, scope: str) -> CrowdTotal | None:
    """The people's crowd's stored totals in one scope: the unranked row every board shows
    for comparison (None before any question of the scope had a person's forecast)."""
    return CrowdTotal.objects.filter(scope=scope).first()


def forecaster_totals_by(*, forecaster: Forecaster, prefix: str) -> list[ForecasterTotal]:
    """The forecaster's stored totals in every scope of one kind (`tag`, `year`, `source`),
    by scope name; years newest first."""
    totals = ForecasterTotal.objects.filter(forecaster=forecaster, scope__startswith=f"{prefix}:")
    return list(totals.order_by("-scope" if prefix == "year" else "scope"))


def crowd_hidden_from(*, question: Question, user: User | AnonymousUser) -> bool:
    """Whether the crowd forecast is kept from this viewer: the question asks for it to be
    until one has forecast, it has not closed, and the viewer is neither staff nor has
    forecast on it."""
    if not question.crowd_hidden_until_forecast or forecasts_are_public(question):
        return False
    if not user.is_authenticated:
        return True
    if user.is_staff:
        return False
    return not Forecast.objects.filter(question=question, forecaster__user=user).exists()


def crowd_latest(*, question: Question, user: User | AnonymousUser) -> dict[str, float] | None:
    """The crowd's latest per-option forecast for this viewer (None if hidden or empty)."""
    if crowd_hidden_from(question=question, user=user):
        return None
    series = crowd_series(question=question)
    return series[-1].probabilities if series else None


@dataclass(frozen=True)
class CrowdDay:
    day: date
    probabilities: dict[str, float]
    forecasters: int


CROWD_CACHE_SECONDS = 3600


def crowd_series(*, question: Question) -> list[CrowdDay]:
    """Per window day, the per-option median of the people's standing forecasts
    (renormalised): the crowd relative scores are measured against, so bots and pundits
    never move it (a pundit quoted alone is no crowd).

    The window runs to the scoring end once resolved, otherwise to now (or the close).
    Cached under the question's forecast counts, all and people's: the log is append-only,
    so every snapshot of it with the same counts holds the same forecasts (the people's
    count also moves when staff change a forecaster's kind).
    """
    now_us = to_us(timezone.now())
    known_on = _scored_known_on(question)
    if known_on is not None:
        window = scoring.scoring_window(
            to_us(question.opens_at), to_us(question.closes_at), day_number(known_on)
        )
    else:
        end_us = min(to_us(question.closes_at), now_us + 1)
        far_day = end_us // scoring.US_PER_DAY + 2
        window = scoring.scoring_window(to_us(question.opens_at), end_us, far_day)
    counts = Forecast.objects.filter(question_id=question.pk).aggregate(
        forecasts=Count("id"), people=Count("id", filter=Q(forecaster__kind=Forecaster.Kind.HUMAN))
    )
    forecasts, people = counts["forecasts"], counts["people"]
    if window.n_days == 0 or people == 0:
        return []
    labels = question.option_labels()
    # While the window runs to now, its end moves but only its days change the series.
    end = window.end_us if window.end_us <= now_us else "now"
    options = hashlib.blake2b("\n".join(labels).encode(), digest_size=8).hexdigest()
    counted = f"{forecasts}:{people}"
    key = f"crowd:{question.pk}:{counted}:{window.first_day}:{window.n_days}:{end}:{options}"
    return cached(key, CROWD_CACHE_SECONDS, lambda: _crowd_days(question.pk, window, labels))


def _scored_known_on(question: Question) -> date | None:
    """When the outcome became known, if the question has a scored one (its current
    resolution is final and not an annulment, as `score_inputs.SCORED` says). Read from
    the current resolution `questions_visible_to` prefetches, when it did."""
    current = getattr(question, "current_resolutions", None)
    if current is None:
        current = list(
            Resolution.objects.filter(question=question, superseded_at__isnull=True).order_by()
        )
    for resolution in current:
        if (
            resolution.state == Resolution.State.FINAL
            and resolution.outcome != Resolution.Outcome.ANNULLED
        ):
            return resolution.known_on
    return None


def _crowd_days(question_id: int, window: scoring.Window, labels: list[str]) -> list[CrowdDay]:
    data = forecast_arrays(question_id, len(labels))
    if len(data.forecast_ids) == 0:
        return []
    standing = scoring.standing_forecasts(
        data.forecaster_index, data.submitted_at_us, len(data.forecaster_ids), window
    )
    standing[~data.people, :] = -1  # bots and pundits stand, but not in the crowd
    crowd = scoring.crowd_forecast(data.probabilities, standing)
    counts = (standing >= 0).sum(axis=0)
    series = []
    for offset in np.flatnonzero(counts > 0).tolist():
        series.append(
            CrowdDay(
                day=from_day_number(window.first_day + offset),
                probabilities=dict(zip(labels, crowd[offset].tolist(), strict=True)),
                forecasters=int(counts[offset]),
            )
        )
    return series


def calibration_of(*, forecaster: Forecaster, tag: str | None = None) -> scoring.Calibration:
    """Calibration over the forecaster's scored forecasts on questions whose resolve_by
    has passed (an early Yes would otherwise flatter or hurt it), each weighted by the
    share of the window it stood; only on questions with the tag `tag` if given. A binary
    forecast is one event (P(yes)); each option of a multiple-choice forecast is one
    event."""
    forecasts = Forecast.objects.filter(
        forecaster=forecaster, question__resolve_by__lt=timezone.now()
    )
    if tag is not None:
        forecasts = forecasts.filter(
            question__in=Question.tags.through.objects.filter(tag__slug=tag).values("question_id")
        )
    logged: dict[int, list[tuple]] = {}
    for question_id, submitted_at, vector in forecasts.order_by("question_id", "id").values_list(
        "question_id", "submitted_at", "probabilities"
    ):
        logged.setdefault(question_id, []).append((submitted_at, vector))
    probabilities, outcomes, weights = [], [], []
    for resolved in scored_resolutions(list(logged)):
        rows = logged[resolved.question_id]
        submitted = np.array([to_us(row[0]) for row in rows], dtype=np.int64)
        standing = scoring.standing_forecasts(
            np.zeros(len(rows), dtype=np.int64), submitted, 1, resolved.window
        )
        share = scoring.standing_share(standing, len(rows))
        stood = share > 0
        vectors = np.array([row[1] for row in rows], dtype=np.float64)[stood]
        if vectors.shape[1] == 1:  # binary: the event is "Yes", forecast P(yes)
            probabilities.append(vectors[:, 0])
            outcomes.append(np.full(len(vectors), 1.0 if resolved.outcome == 0 else 0.0))
            weights.append(share[stood])
        else:
            happened = (np.arange(vectors.shape[1]) == resolved.outcome).astype(float)
            probabilities.append(vectors.ravel())
            outcomes.append(np.tile(happened, len(vectors)))
            weights.append(np.repeat(share[stood], vectors.shape[1]))
    if not probabilities:
        return scoring.calibration(np.empty(0), np.empty(0), np.empty(0))
    return scoring.calibration(
        np.concatenate(probabilities), np.concatenate(outcomes), np.concatenate(weights)
    )


def cached(key: str, seconds: int, compute: Callable[[], Any]) -> Any:
    """`compute()` through the cache; a cache that is down only costs the computation."""
    value = None
    with contextlib.suppress(Exception):  # Redis down: compute from the database
        value = cache.get(key)
    if value is None:
        value = compute()
        with contextlib.suppress(Exception):
            cache.set(key, value, seconds)
    return value


_NOT_CACHED = object()


def _scores_entry(key: str) -> tuple[Any, Any]:
    """The current scores version and the value cached under `key` for that version (or
    _NOT_CACHED), read in one round trip."""
    stored: dict[str, Any] = {}
    with contextlib.suppress(Exception):  # Redis down: nothing is cached
        stored = cache.get_many([SCORES_VERSION_KEY, key])
    version = stored.get(SCORES_VERSION_KEY, 0)
    entry = stored.get(key)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, _NOT_CACHED


def scores_cached_if_present(key: str) -> Any | None:
    """What `scores_cached(key, ...)` stored for the current scores version, or None."""
    _, value = _scores_entry(f"scores:{key}")
    return None if value is _NOT_CACHED else value


def scores_cached(key: str, seconds: int, compute: Callable[[], Any]) -> Any:
    """`compute()` through the cache, stamped with the version of the stored scores it was
    computed from: a rescore bumps the version and so retires every entry. The entry and
    the current version are read in one round trip; a cache that is down only costs the
    computation."""
    entry_key = f"scores:{key}"
    version, value = _scores_entry(entry_key)
    if value is _NOT_CACHED:
        value = compute()
        with contextlib.suppress(Exception):
            cache.set(entry_key, (version, value), seconds)
    return value


def _finite(value: float) -> float | None:
    return None if value != value else float(value)


CALIBRATION_CACHE_SECONDS = 300


def calibration_cached(*, forecaster: Forecaster, tag: str | None = None) -> scoring.Calibration:
    """`calibration_of`, kept a few minutes. The page and the API both read this one entry
    (they once kept different types under one key, and each broke the other). Callers pass
    only a `tag` the forecaster has totals in, so the entries stay bounded."""
    key = f"calibration:{forecaster.pk}" + ("" if tag is None else f":tag:{tag}")
    return scores_cached(
        key, CALIBRATION_CACHE_SECONDS, lambda: calibration_of(forecaster=forecaster, tag=tag)
    )


def calibration_payload(*, forecaster: Forecaster) -> dict:
    """The cached calibration as plain data (JSON-ready)."""
    result = calibration_cached(forecaster=forecaster)
    bins = [
        {
            "lower_edge": float(result.bin_edges[k]),
            "upper_edge": float(result.bin_edges[k + 1]),
            "count": float(result.counts[k]),
            "mean_forecast": _finite(result.mean_forecast[k]),
            "observed": _finite(result.observed[k]),
            "interval": [_finite(result.lower[k]), _finite(result.upper[k])],
        }
        for k in range(len(result.counts))
    ]
    return {
        "forecaster": forecaster.handle,
        "total": float(result.total),
        "bins": bins,
        "reliability": _finite(result.reliability),
        "resolution": _finite(result.resolution),
        "uncertainty": _finite(result.uncertainty),
    }
