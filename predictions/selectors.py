"""Reads of the forecast log, with who may see what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from predictions.models import Forecast
from registry.models import Forecaster, Question

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
