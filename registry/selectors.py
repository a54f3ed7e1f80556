"""Reads of the registry that views and the API share."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from registry.models import Claim, Forecaster, Question, Source, Tag


def _can_see_drafts(user: User | AnonymousUser) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def questions_visible_to(user: User | AnonymousUser) -> QuerySet[Question]:
    """Questions with their derived status; drafts only for staff."""
    from resolvers.models import Resolution

    queryset = Question.objects.with_status().prefetch_related(
        "options",
        "tags",
        Prefetch(
            "resolutions",
            queryset=Resolution.objects.filter(superseded_at__isnull=True).select_related(
                "outcome_option"
            ),
            to_attr="current_resolutions",
        ),
    )
    if not _can_see_drafts(user):
        queryset = queryset.published()
    return queryset


def question_get(*, slug: str, user: User | AnonymousUser) -> Question:
    """The question by slug, or 404 (drafts are invisible to non-staff)."""
    return get_object_or_404(questions_visible_to(user), slug=slug)


def forecasters_list() -> QuerySet[Forecaster]:
    return Forecaster.objects.all()


def sources_list() -> QuerySet[Source]:
    return Source.objects.select_related("author").prefetch_related(
        Prefetch("claims", queryset=Claim.objects.select_related("question"))
    )


def tags_list() -> QuerySet[Tag]:
    return Tag.objects.all()
