"""Notices from follows of forecasters and sources: a followed forecaster's first forecast
on a question (kept for the daily digest, so at most one email a day), and a new question
from a followed source opening. Each goes to a person at most once per question.

Only what happened after the follow began is told, and only what is recent, so that
following someone does not bring their whole history in one email.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, Min, OuterRef
from django.db.models.functions import Greatest

from config.clock import database_now
from predictions.follow_models import Follow
from predictions.models import Forecast, Notification
from predictions.notification_delivery import (
    Notice,
    SendReport,
    digests_send,
    not_yet_notified,
    one_line,
    question_url,
    reachable_forecasters,
    send_all,
    site_url,
)
from registry.models import Claim, Forecaster, Question, Source

Kind = Notification.Kind

# What happened longer ago than this is not told (a beat that was down for a while, a
# forecaster's old history).
FOLLOW_NOTICE_MAX_AGE = timedelta(days=7)


# --- A followed forecaster's new question


def followed_forecaster_message(
    *, followed: Forecaster, question: Question, first: datetime
) -> Notice:
    lines = [
        f"{followed.display_name} (@{followed.handle}) made a first forecast on "
        f'"{question.title}" on {first:%Y-%m-%d} UTC.',
        "Their forecast itself stays private until the question closes.",
        "",
        f"The question: {question_url(question)}",
        f"Their track record: {site_url()}/forecasters/{followed.handle}/",
    ]
    return Notice(
        subject=f"{one_line(followed.display_name)} forecast on: {one_line(question.title)}",
        text="\n".join(lines),
    )


def followed_forecaster_notices_collect(*, now: datetime | None = None) -> SendReport:
    """Keep for each follower's digest the questions their followed forecasters forecast
    on for the first time, since they followed them and within FOLLOW_NOTICE_MAX_AGE."""
    now = now or database_now()
    kind = Kind.FOLLOWED_FORECASTER
    follows = (
        Follow.objects.filter(forecaster__isnull=False, follower__in=reachable_forecasters(kind))
        .select_related("forecaster", "follower__user")
        .order_by("pk")
    )

    def jobs_of(follow: Follow):  # type: ignore[no-untyped-def]
        since = max(follow.created_at, now - FOLLOW_NOTICE_MAX_AGE)
        firsts = (
            Forecast.objects.filter(
                forecaster=follow.forecaster, question__published_at__isnull=False
            )
            .values("question")
            .annotate(first=Min("submitted_at"))
            .filter(first__gte=since)
            .order_by("first")
        )
        first_at = {row["question"]: row["first"] for row in firsts}
        questions = Question.objects.filter(pk__in=list(first_at)).filter(
            not_yet_notified_of(follow.follower, kind)
        )
        for question in sorted(questions, key=lambda q: first_at[q.pk]):
            yield (
                kind,
                follow.follower,
                question,
                lambda f=follow.forecaster, q=question: followed_forecaster_message(
                    followed=f, question=q, first=first_at[q.pk]
                ),
            )

    return send_all((job for follow in follows for job in jobs_of(follow)), digest_only=True)


def not_yet_notified_of(forecaster: Forecaster, kind: str):  # type: ignore[no-untyped-def]
    """Questions (as the outer query's rows) the forecaster was not told of `kind` about."""
    return ~Exists(
        Notification.objects.filter(kind=kind, forecaster=forecaster, question=OuterRef("pk"))
    )


def daily_digests_send(*, now: datetime | None = None) -> dict[str, dict]:
    """The day's digest run: what followed forecasters did, then every kept notice."""
    now = now or database_now()
    collected = followed_forecaster_notices_collect(now=now)
    sent = digests_send(now=now)
    return {"collected": vars(collected), "digests": vars(sent)}


# --- A new question from a followed source


def followed_source_message(*, source: Source, question: Question) -> Notice:
    lines = [
        f'A new question from "{source.title}" is open: "{question.title}".',
        f"It closes at {question.closes_at:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Forecast on it: {question_url(question)}",
        f"The source and its other claims: {site_url()}/sources/{source.slug}/",
    ]
    return Notice(subject=f"New question: {one_line(question.title)}", text="\n".join(lines))


def followed_source_notices_send(*, now: datetime | None = None) -> SendReport:
    """Tell the followers of a source when a question from it (an accepted or merged
    claim) opens: published and past its opening, after they followed the source and
    within FOLLOW_NOTICE_MAX_AGE."""
    now = now or database_now()
    kind = Kind.FOLLOWED_SOURCE
    public_claims = Claim.objects.filter(review_state__in=Claim.PUBLIC_STATES)
    questions = (
        Question.objects.with_status_in([Question.Status.OPEN])
        .annotate(opened_at=Greatest("opens_at", "published_at"))
        .filter(opened_at__gte=now - FOLLOW_NOTICE_MAX_AGE, opened_at__lte=now)
        .filter(
            Exists(
                public_claims.filter(
                    question=OuterRef("pk"),
                    source__in=Follow.objects.filter(source__isnull=False).values("source"),
                )
            )
        )
        .order_by("opened_at", "pk")
    )

    def jobs_of(question: Question):  # type: ignore[no-untyped-def]
        sources = list(
            Source.objects.filter(
                pk__in=public_claims.filter(question=question).values("source")
            ).order_by("published_on", "pk")
        )
        followers = (
            reachable_forecasters(kind)
            .filter(
                Exists(
                    Follow.objects.filter(
                        follower=OuterRef("pk"),
                        source__in=sources,
                        created_at__lte=question.opened_at,
                    )
                )
            )
            .filter(not_yet_notified(kind, question))
            .order_by("pk")
        )
        for follower in followers:
            followed = set(
                Follow.objects.filter(follower=follower, source__in=sources).values_list(
                    "source_id", flat=True
                )
            )
            source = next(source for source in sources if source.pk in followed)
            yield (
                kind,
                follower,
                question,
                lambda s=source: followed_source_message(source=s, question=question),
            )

    return send_all(job for question in questions for job in jobs_of(question))
