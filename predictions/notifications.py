"""Notices about a question, to the people who forecast on it or follow it: a reminder
before it closes, an outcome proposed (with the dispute link and when its window ends),
the outcome once final (with their score if they forecast), and a forecast gone stale.
Each kind goes to a person at most once per question.

The sweeps run on beat (closing, resolved, stale); a proposal's notices are enqueued
through the task outbox by the change that proposes it. How a notice is sent (email,
webhook, digest), once only, is predictions/notification_delivery.py's business.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.defaultfilters import floatformat

from config.clock import database_now
from predictions import selectors
from predictions.follow_models import Follow
from predictions.formatting import forecast_in_words, percent
from predictions.models import Forecast, Notification, QuestionScore

# Re-exported: callers and tests reach the sending core through this module.
from predictions.notification_delivery import (  # noqa: F401
    MAX_CONSECUTIVE_FAILURES,
    Notice,
    SendReport,
    not_yet_notified,
    notification_send_once,
    one_line,
    question_url,
    reachable_forecasters,
    send_all,
    site_url,
)
from registry.models import Forecaster, Question
from resolvers.models import Resolution

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# How far ahead of closing the reminder goes out.
REMINDER_LEAD = timedelta(hours=24)
# Only outcomes made final this recently get notices, so a forecaster who turns
# notifications back on (or a first deployment) does not get a flood of old results.
RESOLUTION_NOTICE_MAX_AGE = timedelta(days=7)
# A proposal's reason is quoted up to this length.
RATIONALE_QUOTED_CHARS = 600


def involved_in(question: Question) -> Q:
    """Forecasters (as the outer query's rows) who forecast on the question or follow it."""
    return Exists(Forecast.objects.filter(forecaster=OuterRef("pk"), question=question)) | Exists(
        Follow.objects.filter(follower=OuterRef("pk"), question=question)
    )


def recipients_about(question: Question, kind: str) -> QuerySet[Forecaster]:
    """Reachable people who forecast on or follow the question, not yet told of `kind`."""
    return (
        reachable_forecasters(kind)
        .filter(involved_in(question))
        .filter(not_yet_notified(kind, question))
        .order_by("pk")
    )


def _forecaster_ids_with_forecasts(question: Question) -> set[int]:
    return set(Forecast.objects.filter(question=question).values_list("forecaster_id", flat=True))


def _latest_forecast(forecaster: Forecaster, question: Question) -> Forecast | None:
    return (
        Forecast.objects.filter(forecaster=forecaster, question=question)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def _hours(delta: timedelta) -> str:
    hours = max(1, round(delta.total_seconds() / 3600))
    return f"about {hours} hour{'s' if hours != 1 else ''}"


# --- Closing reminders


def questions_closing_soon(*, now: datetime) -> QuerySet[Question]:
    """Published questions still open now that close within REMINDER_LEAD."""
    return (
        Question.objects.with_status_in([Question.Status.OPEN])
        .filter(closes_at__gt=now, closes_at__lte=now + REMINDER_LEAD)
        .order_by("closes_at", "pk")
    )


def closing_reminder_recipients(*, question: Question) -> QuerySet[Forecaster]:
    return recipients_about(question, Kind.CLOSING_REMINDER)


def closing_reminder_message(
    *, forecaster: Forecaster, question: Question, now: datetime
) -> Notice:
    lines = [
        f'The question "{question.title}" closes in {_hours(question.closes_at - now)}, at '
        f"{question.closes_at:%Y-%m-%d %H:%M} UTC. No forecasts are accepted after that."
    ]
    latest = _latest_forecast(forecaster, question)
    if latest is not None:
        lines.append(
            f"Your latest forecast: {forecast_in_words(question, latest)}, made "
            f"{latest.submitted_at:%Y-%m-%d %H:%M} UTC."
        )
        lines += ["", f"Review or update it: {question_url(question)}"]
    else:
        lines.append("You follow this question and have not forecast on it.")
        lines += ["", f"Forecast on it: {question_url(question)}"]
    return Notice(subject=f"Closes within a day: {one_line(question.title)}", text="\n".join(lines))


def closing_reminders_send(*, now: datetime | None = None) -> SendReport:
    """Remind everyone holding or following a question that closes within a day."""
    now = now or database_now()
    jobs = (
        (
            Kind.CLOSING_REMINDER,
            forecaster,
            question,
            lambda f=forecaster, q=question: closing_reminder_message(
                forecaster=f, question=q, now=now
            ),
        )
        for question in questions_closing_soon(now=now)
        for forecaster in closing_reminder_recipients(question=question)
    )
    return send_all(jobs)


# --- A proposed outcome


def proposal_notice_message(
    *, resolution: Resolution, forecast: bool, ends_at: datetime, now: datetime
) -> Notice:
    question = resolution.question
    rationale = " ".join(resolution.rationale.split())
    if len(rationale) > RATIONALE_QUOTED_CHARS:
        rationale = rationale[: RATIONALE_QUOTED_CHARS - 1] + "…"
    dispute_link = f"{question_url(question)}#dispute-window"
    lines = [
        f'An outcome is proposed for "{question.title}": {resolution.outcome_label}.',
        f"Why: {rationale}",
        "",
        f"It becomes final at {ends_at:%Y-%m-%d %H:%M} UTC (in {_hours(ends_at - now)}) "
        "unless a forecaster disputes it.",
    ]
    if resolution.held_reason:
        lines.append("Its source has since contradicted it, so an admin will decide.")
    if forecast:
        lines.append(
            f"You forecast on this question, so you may dispute it until then: {dispute_link}"
        )
    else:
        lines.append(
            "Forecasters who forecast on the question may dispute it until then. "
            f"The outcome and its evidence: {dispute_link}"
        )
    return Notice(subject=f"Outcome proposed: {one_line(question.title)}", text="\n".join(lines))


def proposal_notices_send(*, resolution_id: int, now: datetime | None = None) -> SendReport:
    """Tell everyone holding or following the question of a proposed outcome, while it is
    still the current proposal and its dispute window is open."""
    now = now or database_now()
    resolution = (
        Resolution.objects.select_related("question", "outcome_option")
        .filter(pk=resolution_id, state=Resolution.State.PROPOSED, superseded_at__isnull=True)
        .first()
    )
    if resolution is None or resolution.question.published_at is None:
        return SendReport()
    ends_at = resolution.created_at + settings.RESOLUTION_DISPUTE_WINDOW
    if ends_at <= now:
        return SendReport()
    question = resolution.question
    holders = _forecaster_ids_with_forecasts(question)
    jobs = (
        (
            Kind.OUTCOME_PROPOSED,
            forecaster,
            question,
            lambda f=forecaster: proposal_notice_message(
                resolution=resolution, forecast=f.pk in holders, ends_at=ends_at, now=now
            ),
        )
        for forecaster in recipients_about(question, Kind.OUTCOME_PROPOSED)
    )
    return send_all(jobs)


# --- Resolution notices


def _current_final(question_ref: OuterRef | Question) -> QuerySet[Resolution]:
    return Resolution.objects.filter(
        question=question_ref, superseded_at__isnull=True, state=Resolution.State.FINAL
    ).exclude(outcome=Resolution.Outcome.ANNULLED)


def questions_with_fresh_scores(*, now: datetime) -> QuerySet[Question]:
    """Questions whose current resolution is a final outcome (not an annulment), made final
    within RESOLUTION_NOTICE_MAX_AGE, with scores stored for that very resolution."""
    current = _current_final(OuterRef("pk")).filter(
        finalized_at__gte=now - RESOLUTION_NOTICE_MAX_AGE
    )
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


def resolution_notice_message(
    *, question: Question, resolution: Resolution, score: QuestionScore | None, forecast: bool
) -> Notice:
    lines = [f'The question "{question.title}" has resolved: {resolution.outcome_label}.', ""]
    if score is not None:
        relative = score.relative_score
        if relative < 0:
            comparison = "better than the crowd (negative is better)"
        elif relative > 0:
            comparison = "worse than the crowd (negative is better)"
        else:
            comparison = "level with the crowd"
        lines += [
            "Your score on it:",
            # Rounded as the pages round (floatformat): 0.1525 is 0.153 in both.
            f"  Brier score: {floatformat(score.brier, 3)} (0 is perfect, 2 the worst; "
            "lower is better)",
            f"  Relative score: {'+' if relative > 0 else ''}{floatformat(relative, 3)}, "
            f"{comparison}",
            f"  Days with a forecast standing: {score.days} of {score.window_days}",
            "",
        ]
    elif forecast:
        lines += [
            "Your forecast came on the day the outcome became known or later. Scores count "
            "the days up to the one before the outcome became known, so yours counts for no "
            "days and is not scored.",
            "",
        ]
    lines += [
        f"The outcome, its evidence and everyone's scores: {question_url(question)}",
        f"How scores are computed: {site_url()}/scoring/",
    ]
    return Notice(subject=f"Resolved: {one_line(question.title)}", text="\n".join(lines))


def resolution_notices_send(*, now: datetime | None = None) -> SendReport:
    """Tell everyone holding or following a freshly resolved question its outcome, with
    their score when they have one."""
    now = now or database_now()

    def jobs_of(question: Question):  # type: ignore[no-untyped-def]
        resolution = _current_final(question).select_related("outcome_option").first()
        if resolution is None:
            return
        scores = {
            score.forecaster_id: score
            for score in QuestionScore.objects.filter(question=question, resolution=resolution)
        }
        holders = _forecaster_ids_with_forecasts(question)
        for forecaster in recipients_about(question, Kind.RESOLVED_NOTICE):
            yield (
                Kind.RESOLVED_NOTICE,
                forecaster,
                question,
                lambda f=forecaster: resolution_notice_message(
                    question=question,
                    resolution=resolution,
                    score=scores.get(f.pk),
                    forecast=f.pk in holders,
                ),
            )

    return send_all(
        job for question in questions_with_fresh_scores(now=now) for job in jobs_of(question)
    )


# --- Stale forecasts


def _crowd_in_words(question: Question, probabilities: dict[str, float]) -> str:
    if question.is_binary:
        return f"{percent(probabilities['Yes'])} Yes"
    return ", ".join(f"{label} {percent(p)}" for label, p in probabilities.items())


def crowd_shift_since(
    series: list[selectors.CrowdDay], forecast: Forecast
) -> tuple[float, dict, dict] | None:
    """How far the crowd's median (`series`, by day) moved from the day of the forecast to
    now, as the largest change on any option, with the crowd then and now; None without a
    crowd."""
    if not series:
        return None
    made_on = forecast.submitted_at.date()
    then = next((day for day in reversed(series) if day.day <= made_on), series[0])
    now = series[-1]
    shift = max(
        abs(now.probabilities[label] - then.probabilities[label]) for label in now.probabilities
    )
    return shift, then.probabilities, now.probabilities


def stale_forecast_message(
    *, question: Question, forecast: Forecast, then: dict, crowd: dict, now: datetime
) -> Notice:
    days = (now - forecast.submitted_at).days
    lines = [
        f'Your forecast on "{question.title}" has stood unchanged for {days} days: '
        f"{forecast_in_words(question, forecast)}, made {forecast.submitted_at:%Y-%m-%d} UTC.",
        f"Since then the crowd's median moved from {_crowd_in_words(question, then)} to "
        f"{_crowd_in_words(question, crowd)}.",
        "",
        f"Update or reaffirm it before the question closes at "
        f"{question.closes_at:%Y-%m-%d %H:%M} UTC: {question_url(question)}",
    ]
    return Notice(
        subject=f"Your forecast may be stale: {one_line(question.title)}", text="\n".join(lines)
    )


def stale_forecast_notices_send(*, now: datetime | None = None) -> SendReport:
    """Tell each forecaster whose latest forecast on an open question is older than
    NOTIFICATION_STALE_DAYS while the crowd moved by more than NOTIFICATION_STALE_SHIFT."""
    now = now or database_now()
    cutoff = now - timedelta(days=settings.NOTIFICATION_STALE_DAYS)
    kind = Kind.STALE_FORECAST

    def jobs_of(question: Question):  # type: ignore[no-untyped-def]
        recipients = reachable_forecasters(kind).filter(not_yet_notified(kind, question))
        latest: dict[int, Forecast] = {}
        forecasts = (
            Forecast.objects.filter(question=question, forecaster__in=recipients)
            .select_related("forecaster__user")
            .order_by("forecaster_id", "-submitted_at", "-pk")
        )
        for forecast in forecasts:
            latest.setdefault(forecast.forecaster_id, forecast)
        stale = [forecast for forecast in latest.values() if forecast.submitted_at <= cutoff]
        series = selectors.crowd_series(question=question) if stale else []
        for forecast in stale:
            moved = crowd_shift_since(series, forecast)
            if moved is None or moved[0] <= settings.NOTIFICATION_STALE_SHIFT:
                continue
            _, then, crowd = moved
            yield (
                kind,
                forecast.forecaster,
                question,
                lambda f=forecast, t=then, c=crowd: stale_forecast_message(
                    question=question, forecast=f, then=t, crowd=c, now=now
                ),
            )

    questions = (
        Question.objects.with_status_in([Question.Status.OPEN])
        .filter(closes_at__gt=now)
        .filter(Exists(Forecast.objects.filter(question=OuterRef("pk"), submitted_at__lte=cutoff)))
        .order_by("closes_at", "pk")
    )
    return send_all(job for question in questions for job in jobs_of(question))
