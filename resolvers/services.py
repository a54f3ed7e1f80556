"""Writes of outcomes: propose, record, confirm, annul, and finalize after the window."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q

from config import page_cache
from config.clock import database_now
from config.errors import ApplicationError
from predictions.tasks import enqueue_proposal_notices, enqueue_rescore
from registry.models import Forecaster, Question, QuestionOption
from resolvers import check_queue, kinds
from resolvers.fetcher import FetchError, FetchResult
from resolvers.models import Check, Dispute, Resolution, ResolutionSource

logger = logging.getLogger(__name__)


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


# `supersedes` left at this value means "whatever is current" (no conflict check).
ANY_CURRENT: Any = object()


def _check_supersedes(question: Question, supersedes: Any, supersedes_state: str | None) -> None:
    """Optimistic concurrency: the caller names the current resolution it decided on (or
    None for none), and optionally the state it saw it in; if another change landed first
    (another resolution, or that proposal confirmed), refuse with a 409 instead of
    silently overriding it."""
    if supersedes is ANY_CURRENT:
        return
    if supersedes_state is not None and supersedes_state not in Resolution.State.values:
        raise ApplicationError.invalid_fields(
            {"supersedes_state": f"must be one of {', '.join(Resolution.State.values)}"}
        )
    current = (
        Resolution.objects.filter(question=question, superseded_at__isnull=True)
        .only("pk", "state")
        .first()
    )
    current_id = current.pk if current else None
    expected = supersedes.pk if isinstance(supersedes, Resolution) else supersedes
    if current_id != expected:
        raise ApplicationError(
            f"The question's resolution changed meanwhile (current: "
            f"{'#' + str(current_id) if current_id else 'none'}); reload and decide again.",
            code="conflict",
            fields={"supersedes": f"is not the current resolution ({current_id})"},
        )
    if current is not None and supersedes_state is not None and current.state != supersedes_state:
        raise ApplicationError(
            f"Resolution #{current_id} became {current.state} meanwhile; reload and decide again.",
            code="conflict",
            fields={"supersedes_state": f"is not its state now ({current.state})"},
        )


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
    supersedes: Any = ANY_CURRENT,
    supersedes_state: str | None = None,
    evidence: Check | None = None,
) -> Resolution:
    locked = _lock_question(question)
    _check_supersedes(locked, supersedes, supersedes_state)
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
        evidence=evidence,
    )
    if previous is not None:
        previous.superseded_by = resolution
        previous.save(update_fields=["superseded_by"])
    enqueue_rescore(locked.pk)
    if not final:  # forecasters and followers are told, with the dispute window
        enqueue_proposal_notices(resolution.pk)
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
    evidence: Check | None = None,
    supersedes: Any = ANY_CURRENT,
) -> Resolution:
    """A proposed outcome that becomes final once the dispute window passes undisputed."""
    return _create(
        question=question,
        outcome=outcome,
        option=option,
        known_on=known_on,
        rationale=rationale,
        final=False,
        user=None,
        resolver=resolver,
        evidence=evidence,
        supersedes=supersedes,
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
    supersedes: Any = ANY_CURRENT,
    supersedes_state: str | None = None,
) -> Resolution:
    """An admin's final outcome, superseding the current one (an override keeps history).

    `supersedes` names the resolution the admin saw as current (None: none), and
    `supersedes_state` the state they saw it in (an admin overriding a proposal that
    another has just confirmed would otherwise undo that confirmation unawares); if
    another change landed first the call is refused with a 409.
    """
    return _create(
        question=question,
        outcome=outcome,
        option=option,
        known_on=known_on,
        rationale=rationale,
        final=True,
        user=user,
        resolver="",
        supersedes=supersedes,
        supersedes_state=supersedes_state,
    )


@transaction.atomic
def resolution_annul(
    *,
    question: Question,
    rationale: str,
    user: AbstractBaseUser,
    supersedes: Any = ANY_CURRENT,
    supersedes_state: str | None = None,
) -> Resolution:
    """Annul the question: it scores nothing for anyone."""
    return resolution_record(
        question=question,
        outcome=Resolution.Outcome.ANNULLED,
        rationale=rationale,
        user=user,
        supersedes=supersedes,
        supersedes_state=supersedes_state,
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
    enqueue_rescore(resolution.question_id)
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
        )
        .exclude(disputes__isnull=False)  # a disputed proposal waits for an admin
        .filter(held_reason="")  # so does one its source contradicted
        .values_list("pk", flat=True)
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
            enqueue_rescore(resolution.question_id)
            finalized.append(pk)
    return finalized


# --- Disputes


@transaction.atomic
def resolution_dispute(*, resolution: Resolution, forecaster: Forecaster, reason: str) -> Dispute:
    """A forecaster objects to a proposed outcome within the dispute window; it then
    waits for an admin instead of becoming final by itself."""
    if not reason.strip():
        raise ApplicationError.invalid_fields({"reason": "say what is wrong with the outcome"})
    _lock_question(resolution.question)
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if resolution.superseded_at is not None or resolution.state != Resolution.State.PROPOSED:
        raise ApplicationError(
            "Only a current, proposed outcome can be disputed.",
            code="conflict",
            fields={
                "resolution": f"is {resolution.state}"
                + (" and superseded" if resolution.superseded_at else "")
            },
        )
    if database_now() > resolution.created_at + settings.RESOLUTION_DISPUTE_WINDOW:
        raise ApplicationError(
            "The dispute window of this proposal has passed.",
            code="conflict",
            fields={"resolution": "dispute window passed"},
        )
    if not resolution.question.forecasts.filter(forecaster=forecaster).exists():
        raise ApplicationError(
            "Only forecasters who forecast on the question can dispute its outcome.",
            code="forbidden",
            fields={"forecaster": "has no forecast on this question"},
        )
    if Dispute.objects.filter(resolution=resolution, forecaster=forecaster).exists():
        raise ApplicationError(
            "You already disputed this outcome.",
            code="conflict",
            fields={"forecaster": "already disputed"},
        )
    return Dispute.objects.create(resolution=resolution, forecaster=forecaster, reason=reason)


# --- Resolution sources and their checks


# How many earlier values a kind that compares with the past is given (the oldest first:
# a baseline is usually the value on a date near the question's opening).
EARLIER_VALUES_KEPT = 1000


def _question_facts(
    question: Question,
    source: ResolutionSource | None = None,
    kind: kinds.ResolverKind | None = None,
) -> kinds.QuestionFacts:
    earlier: tuple[kinds.EarlierValue, ...] = ()
    if source is not None and kind is not None and kind.uses_earlier_values:
        rows = (
            Check.objects.filter(source=source, error="", finished_at__isnull=False)
            .exclude(value="")
            .order_by("started_at", "pk")
            .values_list("started_at", "value")[:EARLIER_VALUES_KEPT]
        )
        earlier = tuple(kinds.EarlierValue(checked_at=at, value=value) for at, value in rows)
    return kinds.QuestionFacts(
        kind=question.kind,
        options=tuple(question.option_labels()) if not question.is_binary else (),
        opens_at=question.opens_at,
        closes_at=question.closes_at,
        resolve_by=question.resolve_by,
        title=question.title,
        earlier_values=earlier,
    )


@transaction.atomic
def source_add(
    *,
    question: Question,
    kind: str,
    config: dict,
    check_every: timedelta = timedelta(hours=6),
) -> ResolutionSource:
    """Attach a resolution source, its config validated against the kind's schema."""
    try:
        config = kinds.validate_config(kind, config)
    except kinds.ConfigError as error:
        raise ApplicationError.invalid_fields(error.fields) from None
    if check_every < timedelta(minutes=1):
        raise ApplicationError.invalid_fields({"check_every": "must be at least a minute"})
    if check_every > timedelta(days=366):
        raise ApplicationError.invalid_fields({"check_every": "must be at most a year"})
    automatic = kind != "manual"
    return ResolutionSource.objects.create(
        question=question,
        kind=kind,
        config=config,
        check_every=check_every,
        next_check_at=database_now() if automatic else None,
    )


@transaction.atomic
def source_update(
    *,
    source: ResolutionSource,
    kind: str,
    config: dict,
    check_every: timedelta,
    enabled: bool,
) -> ResolutionSource:
    """Change a source's kind, config or schedule, the config validated as on adding it.

    A changed kind or config is due for a check at once (a manual source never is); its
    checks so far stay as they were, evidence of what the old settings found."""
    try:
        config = kinds.validate_config(kind, config)
    except kinds.ConfigError as error:
        raise ApplicationError.invalid_fields(error.fields) from None
    if check_every < timedelta(minutes=1):
        raise ApplicationError.invalid_fields({"check_every": "must be at least a minute"})
    if check_every > timedelta(days=366):
        raise ApplicationError.invalid_fields({"check_every": "must be at most a year"})
    source = ResolutionSource.objects.select_for_update().get(pk=source.pk)
    changed = (kind, config) != (source.kind, source.config)
    source.kind, source.config = kind, config
    source.check_every, source.enabled = check_every, enabled
    if kind == "manual":
        source.next_check_at = None
    elif changed or source.next_check_at is None:
        source.next_check_at = database_now()
    source.save(update_fields=["kind", "config", "check_every", "enabled", "next_check_at"])
    return source


def sources_claim_due(*, limit: int = 200) -> list[int]:
    """Claim the sources due now and move their next check on, in one transaction, with
    their checks kept in the outbox (published once it commits). Rows another dispatcher
    holds are skipped, so two beats running by mistake never claim the same source twice."""
    with transaction.atomic():
        now = database_now()
        due = list(
            ResolutionSource.objects.select_for_update(skip_locked=True)
            .filter(enabled=True, next_check_at__lte=now)
            .exclude(
                question__resolutions__superseded_at__isnull=True,
                question__resolutions__state=Resolution.State.FINAL,
            )
            .order_by("next_check_at")[:limit]
        )
        for source in due:
            source.next_check_at = now + source.check_every
            source.claimed_at = now
        ResolutionSource.objects.bulk_update(due, ["next_check_at", "claimed_at"])
        page_cache.bump(*(page_cache.question_key(source.question_id) for source in due))
        ids = [source.pk for source in due]
        check_queue.enqueue_checks(ids)  # with the claim: both commit, or neither
    return ids


def sources_lost_checks(*, grace: timedelta = timedelta(minutes=10)) -> list[int]:
    """Sources claimed more than `grace` ago whose check never started: their task was
    lost (with Redis's data, say). The sweep enqueues them again."""
    cutoff = database_now() - grace
    return list(
        ResolutionSource.objects.filter(enabled=True, claimed_at__lt=cutoff)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=F("claimed_at")))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def sources_check_now(*, source_ids: list[int]) -> int:
    """An admin asks for these sources to be checked now; how many checks were enqueued."""
    check_queue.enqueue_checks(source_ids)
    return len(source_ids)


class TransientCheckError(Exception):
    """A check failed in a way worth retrying: timeout, connection error, HTTP 5xx."""


def source_check(*, source_id: int, task_id: str = "") -> Check | None:
    """Fetch and evaluate one source, record the attempt as a Check, and propose an
    outcome when the verdict is decisive and the question has none yet.

    Safe to run twice for the same source (a redelivered task): a second decisive verdict
    finds the first proposal current and proposes nothing. Network I/O happens outside
    any transaction; raises TransientCheckError after recording a retryable failure.
    """
    source = ResolutionSource.objects.select_related("question").filter(pk=source_id).first()
    if source is None or not source.enabled or source.kind == "manual":
        return None
    question = source.question
    if Resolution.objects.filter(
        question=question, superseded_at__isnull=True, state=Resolution.State.FINAL
    ).exists():
        return None
    check = Check.objects.create(source=source, started_at=database_now(), task_id=task_id)
    ResolutionSource.objects.filter(pk=source.pk).update(last_checked_at=check.started_at)
    page_cache.bump(page_cache.question_key(source.question_id))
    transient = False
    try:
        kind = kinds.get_kind(source.kind)
        evidence = kind.fetch(source.config)
        _record_evidence(check, evidence)
        transient = evidence.status >= 500
        if transient:
            raise kinds.EvaluationError(f"the source answered HTTP {evidence.status}")
        facts = _question_facts(question, source, kind)
        verdict = kind.evaluate(evidence, source.config, facts, database_now())
    except FetchError as error:
        transient = error.transient
        failure = Check.Failure.UNREACHABLE if transient else Check.Failure.REFUSED
        return _fail(check, source, f"{error.reason}: {error}", transient, failure)
    except kinds.EvaluationError as error:
        failure = Check.Failure.UNREACHABLE if transient else Check.Failure.UNREADABLE
        return _fail(check, source, str(error), transient, failure)
    except kinds.ConfigError as error:  # a kind no longer registered, or a config gone stale
        message = f"the source's settings are not valid: {error}"
        return _fail(check, source, message, False, Check.Failure.SETTINGS)
    except TransientCheckError:
        raise
    except Exception as error:  # a fault in a kind: record it, don't retry it forever
        logger.exception("resolver %s failed on source %s", source.kind, source.pk)
        message = f"internal error: {type(error).__name__}: {error}"
        return _fail(check, source, message, False, Check.Failure.INTERNAL)
    check.value, check.verdict = verdict.value[:10_000], verdict.recorded
    check.explanation = verdict.explanation
    check.finished_at = database_now()
    check.save()
    ResolutionSource.objects.filter(pk=source.pk).update(
        last_verdict=verdict.recorded,
        last_error="",
        consecutive_failures=0,
        last_succeeded_at=check.finished_at,
    )
    page_cache.bump(page_cache.question_key(source.question_id))
    if verdict.decisive:
        _propose_from(check, source, verdict)
    return check


def _record_evidence(check: Check, evidence: FetchResult) -> None:
    check.url = evidence.url
    check.http_status = evidence.status
    check.duration_ms = evidence.duration_ms
    check.content_type = evidence.content_type[:200]
    check.body = evidence.body
    check.sha256 = evidence.sha256


def _fail(
    check: Check, source: ResolutionSource, message: str, transient: bool, failure: str
) -> Check:
    check.error = message[:2000]
    check.failure = failure
    check.finished_at = database_now()
    check.save()
    ResolutionSource.objects.filter(pk=source.pk).update(
        last_error=check.error, consecutive_failures=F("consecutive_failures") + 1
    )
    page_cache.bump(page_cache.question_key(source.question_id))
    if transient:
        raise TransientCheckError(check.error)
    return check


@transaction.atomic
def _propose_from(check: Check, source: ResolutionSource, verdict: kinds.Verdict) -> None:
    question = _lock_question(source.question)
    current = Resolution.objects.filter(question=question, superseded_at__isnull=True).first()
    if current is not None:  # an outcome is already proposed or decided: admins take it
        _hold_if_contradicted(current, check, source, verdict)
        return
    option = None
    outcome = str(verdict.outcome)
    if verdict.outcome == kinds.Outcome.OPTION:
        option = question.options.filter(label=verdict.option).first()
        if option is None:
            check.error = f"the verdict names an unknown option: {verdict.recorded}"
            check.save(update_fields=["error"])
            return
        outcome = Resolution.Outcome.OPTION
    proposal = resolution_propose(
        question=question,
        outcome=outcome,
        option=option,
        known_on=check.started_at.date(),
        rationale=f"{source.kind}: {verdict.explanation}",
        resolver=source.kind,
        evidence=check,
    )
    earlier = (
        Check.objects.filter(source=source, finished_at__isnull=False)
        .filter(DECISIVE_VERDICTS)
        .exclude(verdict=verdict.recorded)
        .order_by("-started_at")
        .first()
    )
    if earlier is not None:
        _hold(
            proposal,
            f"an earlier check of this source ({earlier.started_at:%d %b %Y}) said "
            f"{earlier.verdict}",
        )


# Verdicts that would propose an outcome; a source whose verdicts disagree has flipped.
DECISIVE_VERDICTS = Q(verdict__in=["yes", "no", "annulled"]) | Q(verdict__startswith="option:")


def _hold_if_contradicted(
    current: Resolution, check: Check, source: ResolutionSource, verdict: kinds.Verdict
) -> None:
    """A proposal from this source that the source now contradicts waits for an admin."""
    if current.state != Resolution.State.PROPOSED or current.held_reason:
        return
    if current.evidence is None or current.evidence.source_id != source.pk:
        return
    if current.evidence.verdict == verdict.recorded:
        return
    _hold(
        current,
        f"a later check of this source ({check.started_at:%d %b %Y}) says {verdict.recorded}",
    )


def _hold(resolution: Resolution, why: str) -> None:
    reason = f"Its source flipped: {why}. An admin must decide."
    Resolution.objects.filter(pk=resolution.pk).update(held_reason=reason)
    page_cache.bump(page_cache.SITE)
    resolution.held_reason = reason
