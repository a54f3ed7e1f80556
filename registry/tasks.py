"""Celery tasks of the registry: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from predictions import outbox
from predictions.models import OutboxTask
from registry import claim_services

PROPOSE_CLAIMS = "registry.propose_claims"


@shared_task(
    name=PROPOSE_CLAIMS,
    base=outbox.OutboxBackedTask,
    acks_late=True,
    reject_on_worker_lost=True,
    # A text at IMPORT_MAX_TEXT_CHARS takes the finder about half a minute.
    soft_time_limit=300,
    time_limit=330,
)
def propose_claims(import_id: int) -> int:
    """Read a long import's source for forecasts and keep them as proposals. Idempotent: a
    finished import is left alone, and nothing is ever proposed twice. Not retried: a
    failure is kept on the import, and importing the source again runs the finder anew."""
    return claim_services.source_import_run(import_id=import_id).proposed


def enqueue_propose_claims(import_id: int) -> OutboxTask:
    """The finding of a long import, through the outbox: call it inside the transaction
    that records the import; it is published once that commits."""
    return outbox.outbox_enqueue(task_name=PROPOSE_CLAIMS, args=[import_id])
