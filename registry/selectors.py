"""Reads of the registry that views and the API share."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken

from registry.models import (
    Claim,
    Forecaster,
    Question,
    QuestionOption,
    Source,
    SourceImport,
    Tag,
)


def _can_see_drafts(user: User | AnonymousUser) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def questions_visible_to(user: User | AnonymousUser) -> QuerySet[Question]:
    """Questions with their derived status; drafts only for staff."""
    # The resolutions app stores them; its model is reached through the relation so that
    # the registry imports nothing from above it.
    resolution_model = Question._meta.get_field("resolutions").related_model

    # Options and resolutions are ordered by their own columns: their default orderings
    # start with the question, which would join it back in (and sort by it) for nothing.
    queryset = Question.objects.with_status().prefetch_related(
        Prefetch("options", queryset=QuestionOption.objects.order_by("position")),
        "tags",
        Prefetch(
            "resolutions",
            queryset=resolution_model.objects.filter(superseded_at__isnull=True)
            .select_related("outcome_option")
            .order_by(),
            to_attr="current_resolutions",
        ),
    )
    if not _can_see_drafts(user):
        queryset = queryset.published()
    return queryset


def question_get(*, slug: str, user: User | AnonymousUser) -> Question:
    """The question by slug, or 404 (drafts are invisible to non-staff)."""
    return get_object_or_404(questions_visible_to(user), slug=slug)


def question_to_forecast_on(*, slug: str, user: User | AnonymousUser) -> Question:
    """The question by slug with nothing else (no status, options, tags or outcome): what
    a forecast submission needs before `forecast_submit` locks the row and decides whether
    it is open. 404 like `question_get`."""
    questions = Question.objects.all() if _can_see_drafts(user) else Question.objects.published()
    return get_object_or_404(questions, slug=slug)


def forecasters_list() -> QuerySet[Forecaster]:
    return Forecaster.objects.all()


def sources_list() -> QuerySet[Source]:
    """Sources with their public claims (accepted or merged; proposals are for staff)."""
    return Source.objects.select_related("author").prefetch_related(
        Prefetch("claims", queryset=Claim.objects.public().select_related("question"))
    )


def public_claims_of(*, question: Question) -> QuerySet[Claim]:
    """The accepted and merged claims a question comes from, oldest source first."""
    return (
        question.claims.public()
        .select_related("source", "source__author")
        .order_by("source__published_on", "source__slug", "start_offset")
    )


# --- Staff: imports and their review


def imports_recent(*, limit: int = 20) -> QuerySet[SourceImport]:
    """The latest imports, with how many of their source's claims still wait for review."""
    return SourceImport.objects.select_related("source", "source__author", "created_by").annotate(
        waiting=Count("source__claims", filter=Q(source__claims__review_state="proposed"))
    )[:limit]


def import_get(*, pk: int) -> SourceImport:
    return get_object_or_404(SourceImport.objects.select_related("source"), pk=pk)


def import_latest(*, source: Source) -> SourceImport | None:
    return source.imports.order_by("-created_at", "-pk").first()


def source_for_review(*, slug: str) -> Source:
    return get_object_or_404(Source.objects.select_related("author"), slug=slug)


def claims_for_review(*, source: Source, state: str | None = None) -> QuerySet[Claim]:
    """Every claim of the source in text order, whatever its review state (or of one)."""
    claims = source.claims.select_related("question", "reviewed_by").order_by("start_offset", "pk")
    return claims.filter(review_state=state) if state else claims


def claim_for_review(*, pk: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("source", "question"), pk=pk)


def merge_targets() -> QuerySet[Question]:
    """Published questions a claim can be merged into: those still open or upcoming."""
    return Question.objects.with_status_in(
        [Question.Status.OPEN, Question.Status.UPCOMING]
    ).order_by("title", "pk")


def tags_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def api_tokens_of(*, user: AbstractBaseUser) -> QuerySet[AuthToken]:
    """The user's API tokens that still work, newest first."""
    return (
        AuthToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created")
    )


def api_token_works(*, user: AbstractBaseUser, key: str) -> bool:
    """Whether `key` is one of the user's API tokens that still work."""
    return api_tokens_of(user=user).filter(digest=hash_token(key)).exists()


def next_status_change(*, now: datetime, ahead: tuple[timedelta, ...] = ()) -> datetime | None:
    """The next instant at which some question opens or closes (or, for each `ahead`, comes
    within that much of closing): lists of questions read differently from then on."""
    aggregates = {
        "opens": Min("opens_at", filter=Q(opens_at__gt=now)),
        "closes": Min("closes_at", filter=Q(closes_at__gt=now)),
    }
    for index, span in enumerate(ahead):
        aggregates[f"ahead{index}"] = Min("closes_at", filter=Q(closes_at__gt=now + span))
    found = Question.objects.aggregate(**aggregates)
    instants = [found["opens"], found["closes"]]
    instants += [
        found[f"ahead{index}"] - span
        for index, span in enumerate(ahead)
        if found[f"ahead{index}"] is not None
    ]
    present = [instant for instant in instants if instant is not None]
    return min(present) if present else None
