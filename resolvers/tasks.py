"""Celery tasks of the resolvers app: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from predictions import outbox
from resolvers import services
from resolvers.check_queue import CHECK_SOURCE


@shared_task(name="resolvers.dispatch_due_checks")
def dispatch_due_checks() -> int:
    """Every minute: claim the sources due now and enqueue their checks."""
    return len(services.sources_claim_due())


@shared_task(
    bind=True,
    name=CHECK_SOURCE,
    base=outbox.OutboxBackedTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientCheckError, OperationalError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def check_source(self, source_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """Check one source (idempotent: a redelivery proposes nothing twice). Retries with
    exponential backoff and jitter on timeouts, connection errors and HTTP 5xx only."""
    check = services.source_check(source_id=source_id, task_id=self.request.id or "")
    return check.verdict or check.error if check else None


@shared_task(name="resolvers.finalize_resolutions")
def finalize_resolutions() -> int:
    """Proposed outcomes become final once the dispute window passes undisputed."""
    return len(services.resolutions_finalize_due())


@shared_task(name="resolvers.sweep_lost_checks")
def sweep_lost_checks() -> int:
    """Enqueue again the checks claimed long ago that never started: the safety net
    behind the outbox (a message lost with Redis's data)."""
    return services.sources_check_now(source_ids=services.sources_lost_checks())
