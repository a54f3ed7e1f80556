"""Emails to forecasters: a reminder before a question they hold closes, and their score
when it resolves. Each kind goes to a forecaster at most once per question.

Once-only rests on the Notification row and its unique constraint: the row is created in
the same transaction that decides to send, the email goes out after the insert, and a
failure to send rolls the row back so a later run retries. Two runs at once cannot both
send: the second one's insert waits for the first's transaction and then finds its row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from config.clock import database_now
from predictions.formatting import forecast_in_words
from predictions.models import Forecast, Notification, QuestionScore
from registry.models import Forecaster, Question
from resolvers.models import Resolution

logger = logging.getLogger(__name__)

# How far ahead of closing the reminder goes out.
REMINDER_LEAD = timedelta(hours=24)
# Only outcomes made final this recently get notices, so a forecaster who turns
# notifications back on (or a first deployment) does not get a flood of old results.
RESOLUTION_NOTICE_MAX_AGE = timedelta(days=7)
# A run gives up after this many sends in a row fail (the mail server is probably down);
# the next run picks up what is left.
MAX_CONSECUTIVE_FAILURES = 5


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0  # already sent (by an earlier or a concurrent run)
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def question_url(question: Question) -> str:
    return f"{site_url()}/questions/{question.slug}/"


def _opt_out_text() -> str:
    return (
        "You get this email because email notifications are on for your Hindsight account. "
        f"To stop them, untick the box on your account page: {site_url()}/accounts/"
    )


def reachable_forecasters() -> QuerySet[Forecaster]:
    """Forecasters who can be emailed: an active login with an address, notifications on."""
    return (
        Forecaster.objects.filter(
            email_notifications=True, user__isnull=False, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
    )


def _not_yet_notified(kind: str, question_ref: OuterRef | Question) -> Exists:
    return ~Exists(
        Notification.objects.filter(kind=kind, forecaster=OuterRef("pk"), question=question_ref)
    )


# --- Closing reminders


def questions_closing_soon(*, now: datetime) -> QuerySet[Question]:
    """Published questions still open now that close within REMINDER_LEAD."""
    return (
        Question.objects.with_status_in([Question.Status.OPEN])
        .filter(closes_at__gt=now, closes_at__lte=now + REMINDER_LEAD)
        .order_by("closes_at", "pk")
    )


def closing_reminder_recipients(*, question: Question) -> QuerySet[Forecaster]:
    """Reachable forecasters with a forecast on the question and no reminder for it yet."""
    return (
        reachable_forecasters()
        .filter(Exists(Forecast.objects.filter(forecaster=OuterRef("pk"), question=question)))
        .filter(_not_yet_notified(Notification.Kind.CLOSING_REMINDER, question))
        .order_by("pk")
    )


def _subject(prefix: str, question: Question) -> str:
    """A subject on one line: a title holding a line break (allowed in the model) would make
    the mail library refuse the header, and the reminder would never go out."""
    return f"{prefix}: {' '.join(question.title.split())}"


def closing_reminder_message(
    *, forecaster: Forecaster, question: Question, now: datetime
) -> mail.EmailMessage:
    left = question.closes_at - now
    hours = max(1, round(left.total_seconds() / 3600))
    latest = (
        Forecast.objects.filter(forecaster=forecaster, question=question)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    lines = [
        f"Hello {forecaster.display_name},",
        "",
        f'The question "{question.title}" closes in about {hours} hour{"s" if hours != 1 else ""}'
        f", at {question.closes_at:%Y-%m-%d %H:%M} UTC. No forecasts are accepted after that.",
    ]
    if latest is not None:
        lines.append(
            f"Your latest forecast: {forecast_in_words(question, latest)}, made "
            f"{latest.submitted_at:%Y-%m-%d %H:%M} UTC."
        )
    lines += [
        "",
        f"Review or update it: {question_url(question)}",
        "",
        _opt_out_text(),
    ]
    return mail.EmailMessage(
        subject=_subject("Closes within a day", question),
        body="\n".join(lines),
        to=[forecaster.user.email],
    )


def closing_reminders_send(*, now: datetime | None = None) -> SendReport:
    """Remind every reachable forecaster holding a question that closes within a day."""
    now = now or database_now()
    jobs = (
        (
            Notification.Kind.CLOSING_REMINDER,
            forecaster,
            question,
            lambda f=forecaster, q=question: closing_reminder_message(
                forecaster=f, question=q, now=now
            ),
        )
        for question in questions_closing_soon(now=now)
        for forecaster in closing_reminder_recipients(question=question)
    )
    return _send_all(jobs)


# --- Resolution notices


def questions_with_fresh_scores(*, now: datetime) -> QuerySet[Question]:
    """Questions whose current resolution is a final outcome (not an annulment), made final
    within RESOLUTION_NOTICE_MAX_AGE, with scores stored for that very resolution."""
    current = Resolution.objects.filter(
        question=OuterRef("pk"),
        superseded_at__isnull=True,
        state=Resolution.State.FINAL,
        finalized_at__gte=now - RESOLUTION_NOTICE_MAX_AGE,
    ).exclude(outcome=Resolution.Outcome.ANNULLED)
    scored = QuestionScore.objects.filter(
        question=OuterRef("pk"),
        resolution__superseded_at__isnull=True,
        resolution__state=Resolution.State.FINAL,
    )
    return (
        Question.objects.published()
        .filter(Exists(current), Exists(scored))
        .order_by("closes_at", "pk")
    )


def resolution_notice_scores(*, question: Question) -> QuerySet[QuestionScore]:
    """Scores of the question's current final resolution for reachable forecasters not
    yet told about it."""
    return (
        QuestionScore.objects.filter(
            question=question,
            resolution__superseded_at__isnull=True,
            resolution__state=Resolution.State.FINAL,
            forecaster__in=reachable_forecasters().filter(
                _not_yet_notified(Notification.Kind.RESOLVED_NOTICE, question)
            ),
        )
        .select_related("forecaster__user", "resolution__outcome_option")
        .order_by("forecaster_id")
    )


def resolution_notice_message(*, score: QuestionScore, question: Question) -> mail.EmailMessage:
    forecaster = score.forecaster
    relative = score.relative_score
    if relative < 0:
        comparison = "better than the crowd (negative is better)"
    elif relative > 0:
        comparison = "worse than the crowd (negative is better)"
    else:
        comparison = "level with the crowd"
    lines = [
        f"Hello {forecaster.display_name},",
        "",
        f'The question "{question.title}" has resolved: {score.resolution.outcome_label}.',
        "",
        "Your score on it:",
        f"  Brier score: {score.brier:.3f} (0 is perfect, 2 the worst; lower is better)",
        f"  Relative score: {relative:+.3f}, {comparison}",
        f"  Days with a forecast standing: {score.days} of {score.window_days}",
        "",
        f"The outcome, its evidence and everyone's scores: {question_url(question)}",
        f"How scores are computed: {site_url()}/scoring/",
        "",
        _opt_out_text(),
    ]
    return mail.EmailMessage(
        subject=_subject("Resolved", question),
        body="\n".join(lines),
        to=[forecaster.user.email],
    )


def resolution_notices_send(*, now: datetime | None = None) -> SendReport:
    """Tell every reachable scored forecaster of a freshly resolved question their score."""
    now = now or database_now()
    jobs = (
        (
            Notification.Kind.RESOLVED_NOTICE,
            score.forecaster,
            question,
            lambda s=score, q=question: resolution_notice_message(score=s, question=q),
        )
        for question in questions_with_fresh_scores(now=now)
        for score in resolution_notice_scores(question=question)
    )
    return _send_all(jobs)


# --- Sending, at most once


Job = tuple[str, Forecaster, Question, Callable[[], mail.EmailMessage]]


def notification_send_once(
    *,
    kind: str,
    forecaster: Forecaster,
    question: Question,
    build: Callable[[], mail.EmailMessage],
    connection=None,
) -> bool:
    """Record the notification and send its email, or do neither; whether it was sent now.

    False when it was already recorded (by an earlier run, or a concurrent one whose
    transaction commits first). If the email cannot be sent, the exception propagates and
    the row is rolled back, so a later run tries again.
    """
    try:
        with transaction.atomic():
            _, created = Notification.objects.get_or_create(
                kind=kind, forecaster=forecaster, question=question
            )
            if not created:
                return False
            message = build()
            if connection is not None:
                message.connection = connection
            message.send()
    except IntegrityError:
        # A concurrent run inserted the row between get_or_create's read and its write.
        return False
    return True


def _send_all(jobs: Iterable[Job]) -> SendReport:
    report = SendReport()
    consecutive_failures = 0
    # One connection for the whole run; if the mail server cannot be reached at all, this
    # raises before anything is recorded.
    with mail.get_connection() as connection:
        for kind, forecaster, question, build in jobs:
            try:
                sent = notification_send_once(
                    kind=kind,
                    forecaster=forecaster,
                    question=question,
                    build=build,
                    connection=connection,
                )
            except Exception as error:
                consecutive_failures += 1
                report.failed += 1
                report.errors.append(f"{kind} to {forecaster.handle} on {question.slug}: {error}")
                logger.warning(
                    "could not send %s to %s about %s; a later run retries",
                    kind,
                    forecaster.handle,
                    question.slug,
                    exc_info=True,
                )
                if consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
                    logger.warning("giving up this run after %s failures", consecutive_failures)
                    break
                continue
            consecutive_failures = 0
            if sent:
                report.sent += 1
            else:
                report.skipped += 1
    return report
