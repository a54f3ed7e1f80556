"""Celery tasks of the predictions app: thin wrappers that call the scoring services, and
the task outbox's relay and pruning."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from predictions import outbox, rescoring
from predictions.models import OutboxTask

logger = logging.getLogger(__name__)

RESCORE_QUESTION = "predictions.rescore_question"


@shared_task(
    name=RESCORE_QUESTION,
    base=outbox.OutboxBackedTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=5,
)
def rescore_question(question_id: int) -> dict:
    """One question's scores and the totals it touches, recomputed (idempotent)."""
    report = rescoring.rescore_question(question_id=question_id)
    return {"scores": vars(report.scores), "totals": vars(report.totals)}


# `rescore --all --workers N` (predictions/rescore_shards.py): a chord of shards and the
# totals callback. Their results are kept (the chord counts them; the command waits on the
# callback's); a shard is idempotent, so a redelivery after a lost worker only redoes it.
# Their time limits stay under CELERY_VISIBILITY_TIMEOUT (600 s), so that a message is only
# delivered again once its task can no longer be running; the command sizes shards to fit.
_CHORD_TASK = {
    "ignore_result": False,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "max_retries": 5,
    "soft_time_limit": 540,
    "time_limit": 570,
}


@shared_task(name="predictions.rescore_shard", **_CHORD_TASK)
def rescore_shard(question_ids: list[int]) -> dict:
    from predictions import rescore_shards

    return rescore_shards.rescore_shard(question_ids=question_ids)


@shared_task(name="predictions.rescore_totals", **_CHORD_TASK)
def rescore_totals(shards: list[dict], everything: bool) -> dict:
    from predictions import rescore_shards

    return rescore_shards.rescore_totals(shards=shards, everything=everything)


@shared_task(name="predictions.rescore_stale")
def rescore_stale() -> int:
    """Enqueue a rescore for every question whose scores lag its resolution: the safety
    net behind the outbox (a message lost with Redis's data, forecasts imported into a
    resolved question)."""
    return len(enqueue_rescores(rescoring.stale_question_ids()))


def enqueue_rescore(question_id: int) -> OutboxTask:
    """A rescore of the question through the outbox: call it inside the transaction that
    changes the question's resolution; it is published once that commits, or later by
    `relay_outbox` if Redis is down then."""
    return outbox.outbox_enqueue(task_name=RESCORE_QUESTION, args=[question_id])


def enqueue_rescores(question_ids: list[int]) -> list[OutboxTask]:
    """`enqueue_rescore` for many questions, published as one batch."""
    return outbox.outbox_enqueue_many(
        task_name=RESCORE_QUESTION, args_list=[[question_id] for question_id in question_ids]
    )


@shared_task(name="predictions.relay_outbox")
def relay_outbox() -> int:
    """Publish the tasks kept in the outbox while Redis was unreachable."""
    return outbox.outbox_relay()


@shared_task(name="predictions.prune_outbox")
def prune_outbox() -> int:
    """Delete outbox rows done more than OUTBOX_KEEP_DONE ago."""
    return outbox.outbox_prune()


@worker_ready.connect
def _relay_outbox_when_a_worker_starts(**kwargs: Any) -> None:
    """A worker starting is often Redis (or the whole machine) coming back: publish what
    waited in the outbox now rather than at the next beat."""
    try:
        relay_outbox.delay()
    except Exception:
        logger.warning("could not enqueue the outbox relay at worker start", exc_info=True)


# --- Notices (predictions/notifications.py, follow_notices.py)

SEND_PROPOSAL_NOTICES = "predictions.send_proposal_notices"


class NoticesNotSent(Exception):
    """Some notices of a run could not be sent (the mail server down?): the task is
    retried, and sends only those (the others are recorded as sent)."""


def _sent_or_retry(report: Any) -> dict:
    if report.failed:
        raise NoticesNotSent("; ".join(report.errors[:5]))
    return vars(report)


@shared_task(name="predictions.send_closing_reminders")
def send_closing_reminders() -> dict:
    """Tell each forecaster holding or following a question that closes within a day."""
    from predictions import notifications

    return vars(notifications.closing_reminders_send())


@shared_task(name="predictions.send_resolution_notices")
def send_resolution_notices() -> dict:
    """Tell each forecaster holding or following a freshly resolved question its outcome,
    with their score."""
    from predictions import notifications

    return vars(notifications.resolution_notices_send())


@shared_task(name="predictions.send_stale_forecast_notices")
def send_stale_forecast_notices() -> dict:
    """Tell forecasters whose forecast stood long while the crowd moved."""
    from predictions import notifications

    return vars(notifications.stale_forecast_notices_send())


@shared_task(name="predictions.send_followed_source_notices")
def send_followed_source_notices() -> dict:
    """Tell the followers of a source of its questions that opened."""
    from predictions import follow_notices

    return vars(follow_notices.followed_source_notices_send())


@shared_task(
    name="predictions.send_daily_digests",
    autoretry_for=(NoticesNotSent, OperationalError),
    retry_backoff=60,
    max_retries=5,
)
def send_daily_digests() -> dict:
    """Keep what followed forecasters did for the digests, then send every digest due."""
    from predictions import follow_notices

    report = follow_notices.daily_digests_send()
    if report["digests"]["failed"]:
        raise NoticesNotSent("; ".join(report["digests"]["errors"][:5]))
    return report


@shared_task(
    name=SEND_PROPOSAL_NOTICES,
    base=outbox.OutboxBackedTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(NoticesNotSent, OperationalError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def send_proposal_notices(resolution_id: int) -> dict:
    """Tell everyone holding or following the question of a proposed outcome (idempotent:
    each is told once)."""
    from predictions import notifications

    return _sent_or_retry(notifications.proposal_notices_send(resolution_id=resolution_id))


def enqueue_proposal_notices(resolution_id: int) -> OutboxTask:
    """The proposal's notices through the outbox: call it inside the transaction that
    proposes the outcome, beside its rescore."""
    return outbox.outbox_enqueue(task_name=SEND_PROPOSAL_NOTICES, args=[resolution_id])
