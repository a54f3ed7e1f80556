"""Writes of outcomes: propose, record, confirm, annul, and finalize after the window."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from config.clock import database_now
from config.errors import ApplicationError
from predictions.tasks import enqueue_rescore
from registry.models import Question, QuestionOption
from resolvers.models import Resolution


def resolution_check(
    *,
    question: Question,
    outcome: str,
    option: QuestionOption | None,
    known_on: date | None,
    rationale: str,
) -> None:
    """Refuse (ApplicationError naming the field) an outcome the question cannot take.

    The services call it before writing; the admin form calls it to show errors in place.
    """
    if question.published_at is None:
        raise ApplicationError(
            "A draft question cannot be resolved.",
            code="conflict",
            fields={"question": "is a draft; publish it before resolving it"},
        )
    if not rationale.strip():
        raise ApplicationError.invalid_fields({"rationale": "say why: what was seen, and where"})
    if known_on is not None and known_on > database_now().date():
        raise ApplicationError.invalid_fields({"known_on": "cannot be in the future"})
    if outcome not in Resolution.Outcome.values:
        raise ApplicationError.invalid_fields(
            {"outcome": f"must be one of {', '.join(Resolution.Outcome.values)}"}
        )
    if outcome == Resolution.Outcome.ANNULLED:
        if option is not None:
            raise ApplicationError.invalid_fields({"outcome_option": "an annulment has none"})
        return
    if question.is_binary:
        if outcome not in (Resolution.Outcome.YES, Resolution.Outcome.NO) or option is not None:
            raise ApplicationError.invalid_fields(
                {"outcome": "a binary question resolves yes, no or annulled"}
            )
        return
    if outcome != Resolution.Outcome.OPTION or option is None:
        raise ApplicationError.invalid_fields(
            {"outcome_option": "a multiple-choice question resolves to one of its options"}
        )
    if option.question_id != question.pk:
        raise ApplicationError.invalid_fields(
            {"outcome_option": "is not an option of this question"}
        )


def _rescore_after_commit(question_id: int) -> None:
    """Scores follow every change of a question's current resolution (a no-op until one
    is final); enqueued once the change is committed."""
    transaction.on_commit(lambda: enqueue_rescore(question_id))


def _lock_question(question: Question) -> Question:
    return Question.objects.select_for_update().get(pk=question.pk)


def _supersede_current(question: Question, now: datetime) -> Resolution | None:
    current = (
        Resolution.objects.select_for_update()
        .filter(question=question, superseded_at__isnull=True)
        .first()
    )
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    return current


def _create(
    *,
    question: Question,
    outcome: str,
    option: QuestionOption | None,
    known_on: date | None,
    rationale: str,
    final: bool,
    user: AbstractBaseUser | None,
    resolver: str,
) -> Resolution:
    locked = _lock_question(question)
    resolution_check(
        question=locked, outcome=outcome, option=option, known_on=known_on, rationale=rationale
    )
    now = database_now()
    previous = _supersede_current(locked, now)
    resolution = Resolution.objects.create(
        question=locked,
        outcome=outcome,
        outcome_option=option,
        known_on=known_on or now.date(),
        state=Resolution.State.FINAL if final else Resolution.State.PROPOSED,
        finalized_at=now if final else None,
        rationale=rationale,
        resolved_by=user,
        resolver=resolver,
    )
    if previous is not None:
        previous.superseded_by = resolution
        previous.save(update_fields=["superseded_by"])
    _rescore_after_commit(locked.pk)
    return resolution


@transaction.atomic
def resolution_propose(
    *,
    question: Question,
    outcome: str,
    rationale: str,
    option: QuestionOption | None = None,
    known_on: date | None = None,
    resolver: str = "manual",
) -> Resolution:
    """A proposed outcome that becomes final once the dispute window passes."""
    return _create(
        question=question,
        outcome=outcome,
        option=option,
        known_on=known_on,
        rationale=rationale,
        final=False,
        user=None,
        resolver=resolver,
    )


@transaction.atomic
def resolution_record(
    *,
    question: Question,
    outcome: str,
    rationale: str,
    user: AbstractBaseUser,
    option: QuestionOption | None = None,
    known_on: date | None = None,
) -> Resolution:
    """An admin's final outcome, superseding any current one (an override keeps history)."""
    return _create(
        question=question,
        outcome=outcome,
        option=option,
        known_on=known_on,
        rationale=rationale,
        final=True,
        user=user,
        resolver="",
    )


@transaction.atomic
def resolution_annul(*, question: Question, rationale: str, user: AbstractBaseUser) -> Resolution:
    """Annul the question: it scores nothing for anyone."""
    return resolution_record(
        question=question, outcome=Resolution.Outcome.ANNULLED, rationale=rationale, user=user
    )


@transaction.atomic
def resolution_confirm(*, resolution: Resolution, user: AbstractBaseUser) -> Resolution:
    """An admin confirms a proposed outcome at once, without waiting for the window."""
    _lock_question(resolution.question)
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.superseded_at is not None:
        raise ApplicationError(
            "This resolution was superseded.", code="conflict", fields={"resolution": "superseded"}
        )
    if resolution.state == Resolution.State.FINAL:
        raise ApplicationError(
            "This resolution is already final.", code="conflict", fields={"resolution": "final"}
        )
    resolution.state = Resolution.State.FINAL
    resolution.finalized_at = database_now()
    resolution.resolved_by = user
    resolution.save(update_fields=["state", "finalized_at", "resolved_by"])
    _rescore_after_commit(resolution.question_id)
    return resolution


def resolutions_finalize_due() -> list[int]:
    """Make final every current proposal older than the dispute window; their ids.

    Each runs in its own transaction with skip_locked, so two sweeps never fight over
    one row, and a proposal being overridden right now is left for the next sweep.
    """
    finalized: list[int] = []
    cutoff = database_now() - settings.RESOLUTION_DISPUTE_WINDOW
    due_ids = list(
        Resolution.objects.filter(
            state=Resolution.State.PROPOSED, superseded_at__isnull=True, created_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in due_ids:
        with transaction.atomic():
            resolution = (
                Resolution.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=Resolution.State.PROPOSED, superseded_at__isnull=True)
                .first()
            )
            if resolution is None:
                continue
            resolution.state = Resolution.State.FINAL
            resolution.finalized_at = database_now()
            resolution.save(update_fields=["state", "finalized_at"])
            _rescore_after_commit(resolution.question_id)
            finalized.append(pk)
    return finalized
