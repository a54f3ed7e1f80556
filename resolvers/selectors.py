"""Reads of outcomes, sources, checks and the admins' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Window
from django.db.models.functions import Now, RowNumber
from django.utils import timezone

from registry.models import Question
from resolvers.health import SourceHealth, every, failing_after, source_health
from resolvers.kinds import REGISTRY
from resolvers.models import Check, Dispute, Resolution, ResolutionSource


@dataclass(frozen=True)
class DisputeWindow:
    """A current proposal's dispute window, as the question page shows it."""

    ends_at: datetime
    open: bool  # the window has not passed
    waits_for_admin: bool  # disputed or held: it will not become final by itself
    can_dispute: bool  # the viewer may dispute it now
    already_disputed: bool  # the viewer has disputed it


def dispute_window(*, resolution: Resolution, forecaster_id: int | None) -> DisputeWindow:
    ends_at = resolution.created_at + settings.RESOLUTION_DISPUTE_WINDOW
    is_open = timezone.now() < ends_at
    disputed = resolution.disputes.exists()
    mine = (
        forecaster_id is not None
        and resolution.disputes.filter(forecaster_id=forecaster_id).exists()
    )
    forecast = (
        forecaster_id is not None
        and resolution.question.forecasts.filter(forecaster_id=forecaster_id).exists()
    )
    proposed = resolution.state == Resolution.State.PROPOSED and resolution.is_current
    return DisputeWindow(
        ends_at=ends_at,
        open=is_open,
        waits_for_admin=disputed or bool(resolution.held_reason),
        can_dispute=bool(proposed and is_open and forecast and not mine),
        already_disputed=bool(mine),
    )


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
    reason: str  # "disputed" | "held" | "proposed" | "overdue" | "failing"
    resolution: Resolution | None
    latest_checks: list[Check]
    failing_sources: tuple[ResolutionSource, ...] = ()


def failing_sources() -> QuerySet[ResolutionSource]:
    """Enabled sources of undecided questions whose checks failed several times in a row."""
    return (
        ResolutionSource.objects.filter(enabled=True, consecutive_failures__gte=failing_after())
        .exclude(
            question__resolutions__superseded_at__isnull=True,
            question__resolutions__state=Resolution.State.FINAL,
        )
        .select_related("question")
        .order_by("-consecutive_failures", "pk")
    )


def resolution_queue() -> list[QueueEntry]:
    """What waits for an admin: disputed proposals first, then proposals their source
    contradicted (held), then proposals, then questions past resolve_by with no outcome at
    all, then questions whose sources keep failing. A question appears once; its failing
    sources are named on whichever entry it has."""
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
    held_first = sorted(
        proposals, key=lambda proposal: (not proposal.is_disputed, not proposal.held_reason)
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
            reason=_proposal_reason(proposal),
            resolution=proposal,
            latest_checks=[],
        )
        for proposal in held_first
    ]
    entries += [QueueEntry(q, "overdue", None, []) for q in overdue]
    failing: dict[int, list[ResolutionSource]] = {}
    for source in failing_sources():
        failing.setdefault(source.question_id, []).append(source)
    listed = {entry.question.pk for entry in entries}
    for question_id, sources in failing.items():
        if question_id not in listed:
            entries.append(QueueEntry(sources[0].question, "failing", None, []))
    latest = _latest_checks([entry.question.pk for entry in entries])
    return [
        QueueEntry(
            e.question,
            e.reason,
            e.resolution,
            latest.get(e.question.pk, []),
            tuple(failing.get(e.question.pk, ())),
        )
        for e in entries
    ]


def _proposal_reason(proposal: Resolution) -> str:
    if proposal.is_disputed:
        return "disputed"
    return "held" if proposal.held_reason else "proposed"


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


# --- The staff's view of a question's sources


@dataclass(frozen=True)
class SourceOverview:
    """A source as staff set it up: its health and its latest checks, newest first."""

    source: ResolutionSource
    health: SourceHealth
    checks: list[Check]

    @property
    def kind_label(self) -> str:
        kind = REGISTRY.get(self.source.kind)
        return kind.label if kind is not None else f"unknown kind {self.source.kind!r}"

    @property
    def every(self) -> str:
        return every(self.source.check_every)


def source_recent_checks(*, source: ResolutionSource, limit: int = 10) -> list[Check]:
    """The source's newest checks (without their bodies), newest first."""
    return list(
        Check.objects.filter(source=source).defer("body").order_by("-started_at", "-pk")[:limit]
    )


def source_overviews(*, question: Question, checks: int = 10) -> list[SourceOverview]:
    """Each of the question's sources with its health and its latest ``checks`` checks."""
    return [
        SourceOverview(
            source, source_health(source), source_recent_checks(source=source, limit=checks)
        )
        for source in sources_of(question=question)
    ]
