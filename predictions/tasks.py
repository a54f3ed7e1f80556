"""Celery tasks of the predictions app: thin wrappers that call the scoring services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from predictions import rescoring

logger = logging.getLogger(__name__)


@shared_task(
    name="predictions.rescore_question",
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


@shared_task(name="predictions.rescore_stale")
def rescore_stale() -> int:
    """Enqueue a rescore for every question whose scores lag its resolution (the sweep
    that catches what a Redis outage kept from being enqueued)."""
    question_ids = rescoring.stale_question_ids()
    for question_id in question_ids:
        rescore_question.delay(question_id)
    return len(question_ids)


def enqueue_rescore(question_id: int) -> bool:
    """Publish a rescore; if the broker is unreachable, log it and let the sweep retry.

    Called after commit, so a Redis outage never undoes or fails the change itself.
    """
    try:
        rescore_question.delay(question_id)
    except Exception:
        logger.warning("could not enqueue rescore of question %s", question_id, exc_info=True)
        return False
    return True


@shared_task(name="predictions.send_closing_reminders")
def send_closing_reminders() -> dict:
    """Email each forecaster holding a question that closes within a day (once each)."""
    from predictions import notifications

    return vars(notifications.closing_reminders_send())


@shared_task(name="predictions.send_resolution_notices")
def send_resolution_notices() -> dict:
    """Email each scored forecaster of a freshly resolved question their score (once each)."""
    from predictions import notifications

    return vars(notifications.resolution_notices_send())
