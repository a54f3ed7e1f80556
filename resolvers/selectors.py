"""Reads of outcomes, sources, checks and the admins' queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Window
from django.db.models.functions import Now, RowNumber

from registry.models import Question
from resolvers.models import Check, Dispute, Resolution, ResolutionSource


def evidence_is_public(question: Question) -> bool:
    """Checks and their evidence are public once the question is resolved (or annulled)."""
    return question.status in (Question.Status.RESOLVED, Question.Status.ANNULLED)


def checks_of(*, question: Question) -> QuerySet[Check]:
    """Every check of the question's sources, newest first."""
    return Check.objects.filter(source__question=question).select_related("source")


def resolution_history(*, question: Question) -> QuerySet[Resolution]:
    return (
        question.resolutions.select_related("outcome_option", "resolved_by", "evidence")
        .prefetch_related(
            Prefetch("disputes", queryset=Dispute.objects.select_related("forecaster"))
        )
        .order_by("-created_at", "-id")
    )


def sources_of(*, question: Question) -> QuerySet[ResolutionSource]:
    return ResolutionSource.objects.filter(question=question).order_by("pk")


@dataclass(frozen=True)
class QueueEntry:
    question: Question
    reason: str  # "disputed" | "proposed" | "overdue"
    resolution: Resolution | None
    latest_checks: list[Check]


def resolution_queue() -> list[QueueEntry]:
    """What waits for an admin: disputed proposals first, then proposals, then questions
    past resolve_by with no outcome at all."""
    current = Resolution.objects.filter(superseded_at__isnull=True)
    proposals = (
        current.filter(state=Resolution.State.PROPOSED)
        .select_related("question", "outcome_option", "evidence")
        .prefetch_related(
            Prefetch("disputes", queryset=Dispute.objects.select_related("forecaster"))
        )
        .annotate(is_disputed=Exists(Dispute.objects.filter(resolution=OuterRef("pk"))))
        .order_by("-is_disputed", "created_at")
    )
    overdue = (
        Question.objects.published()
        .filter(resolve_by__lt=Now())
        .exclude(Exists(current.filter(question=OuterRef("pk"))))
        .order_by("resolve_by")
    )
    entries = [
        QueueEntry(
            question=proposal.question,
            reason="disputed" if proposal.is_disputed else "proposed",
            resolution=proposal,
            latest_checks=[],
        )
        for proposal in proposals
    ]
    entries += [QueueEntry(q, "overdue", None, []) for q in overdue]
    latest = _latest_checks([entry.question.pk for entry in entries])
    return [
        QueueEntry(e.question, e.reason, e.resolution, latest.get(e.question.pk, []))
        for e in entries
    ]


def _latest_checks(question_ids: list[int], per_question: int = 3) -> dict[int, list[Check]]:
    """The newest few checks of each question, in one query (a window function)."""
    found: dict[int, list[Check]] = {}
    checks = (
        Check.objects.filter(source__question_id__in=question_ids)
        .select_related("source")
        .defer("body")
        .annotate(
            newness=Window(
                RowNumber(),
                partition_by=[F("source__question_id")],
                order_by=[F("started_at").desc(), F("pk").desc()],
            )
        )
        .filter(newness__lte=per_question)
        .order_by("source__question_id", "newness")
    )
    for check in checks:
        found.setdefault(check.source.question_id, []).append(check)
    return found
