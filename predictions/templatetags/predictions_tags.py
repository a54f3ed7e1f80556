"""Pieces of the score pages that other pages embed (the home page's leaderboard top and
recently resolved questions)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from predictions import selectors
from resolvers.models import Resolution

register = template.Library()


@register.inclusion_tag("predictions/_leaderboard_top.html")
def leaderboard_top(count: int = 5) -> dict[str, Any]:
    """The first `count` rows of the all-questions leaderboard (stored totals)."""
    min_questions = settings.LEADERBOARD_MIN_QUESTIONS
    entries = selectors.scores_cached(
        f"leaderboard-top:{min_questions}:{int(count)}",
        60,
        lambda: list(selectors.leaderboard(scope="all", min_questions=min_questions)[: int(count)]),
    )
    return {"entries": entries, "min_questions": min_questions}


@register.inclusion_tag("predictions/_recently_resolved.html")
def recently_resolved(count: int = 5) -> dict[str, Any]:
    """The `count` published questions whose outcome was settled most recently, with it."""
    resolutions = (
        Resolution.objects.filter(
            superseded_at__isnull=True,
            state=Resolution.State.FINAL,
            question__published_at__isnull=False,
        )
        .select_related("question", "outcome_option")
        .order_by("-finalized_at", "-pk")[: int(count)]
    )
    return {"resolutions": list(resolutions)}
