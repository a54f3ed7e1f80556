"""The task outbox: Celery tasks written in the transaction of the change that calls for
them, published once it commits, and relayed later if Redis was down then.

A task enqueued here runs at least once, and `OutboxBackedTask` makes "at least once"
safe: every start is counted on the task's row before the work (a row already done is
skipped), and a task that keeps dying before it finishes (its worker killed, out of
memory) is parked for an admin after `OUTBOX_MAX_DELIVERIES` starts instead of killing
worker after worker.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from celery.signals import task_failure
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from predictions.models import OutboxTask, celery_task_id_prefix

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000

# One attempt, bounded by the broker's socket timeouts (REDIS_TIMEOUT): a failed publish
# leaves the row for the relay, so retrying would only keep a request waiting while Redis
# is down (redis-py reconnects by itself a pooled connection that a restarted Redis
# dropped). Through kombu's retry wrapper with no retries, not `retry=False`: that path
# backs off inside redis-py for ~6 s when nothing listens.
PUBLISH_ONCE = {"max_retries": 0}


class Published(enum.Enum):
    """What an attempt to publish one row did."""

    PUBLISHED = "published"
    NOT_PENDING = "not pending"  # published or being published by someone else
    BROKER_DOWN = "broker down"


def outbox_enqueue(*, task_name: str, args: Iterable[Any]) -> OutboxTask:
    """Keep a task to run once the current transaction commits, and publish it then.

    Call it inside the transaction that makes the change the task follows: the row is
    written or rolled back with that change, and a publish that fails (Redis down) leaves
    it pending for `outbox_relay`, so committed work is never lost.
    """
    return outbox_enqueue_many(task_name=task_name, args_list=[args])[0]


def outbox_enqueue_many(*, task_name: str, args_list: Iterable[Iterable[Any]]) -> list[OutboxTask]:
    """`outbox_enqueue` for a batch: one INSERT, and one commit hook that publishes the
    rows in order and stops at the first failed publish, so a batch enqueued while Redis
    is down costs one publish timeout, not one per row."""
    tasks = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=task_name, args=list(args)) for args in args_list]
    )
    task_ids = [task.pk for task in tasks]
    if task_ids:
        # robust: a failure after the commit must not turn a recorded change into an error.
        transaction.on_commit(lambda: outbox_publish_in_order(task_ids=task_ids), robust=True)
    return tasks


def outbox_publish(*, task_id: int) -> Published:
    """Publish one pending row, with its id as the Celery task id, and mark it published.

    The row stays locked while it is published, and rows locked by another publisher
    are skipped, so the commit hook and the relay never publish the same row twice.
    """
    with transaction.atomic():
        task = (
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk=task_id, state=OutboxTask.State.PENDING)
            .first()
        )
        if task is None:
            return Published.NOT_PENDING
        try:
            current_app.send_task(
                task.task_name,
                args=task.args,
                task_id=task.celery_task_id,
                retry_policy=PUBLISH_ONCE,
                # Nobody waits on an outbox task's result: without this, send_task would
                # first subscribe to the result in Redis, and wait there while Redis is down.
                ignore_result=True,
            )
        except Exception as error:  # kombu and redis-py raise several types when Redis is down
            logger.warning("could not publish %s; kept in the outbox", task, exc_info=True)
            task.last_error = f"publish failed: {type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
            task.save(update_fields=["last_error"])
            return Published.BROKER_DOWN
        task.state = OutboxTask.State.PUBLISHED
        task.published_at = timezone.now()
        task.last_error = ""
        task.save(update_fields=["state", "published_at", "last_error"])
    return Published.PUBLISHED


def outbox_publish_in_order(*, task_ids: Iterable[int]) -> int:
    """Publish these rows, in order; how many were published.

    Stops at the first publish that fails: Redis is still down, and trying every other
    row would only spend the publish timeout once per row.
    """
    published = 0
    for task_id in task_ids:
        outcome = outbox_publish(task_id=task_id)
        if outcome is Published.BROKER_DOWN:
            break
        published += outcome is Published.PUBLISHED
    return published


def outbox_relay(*, limit: int = 1000) -> int:
    """Publish pending rows, oldest first; how many were published."""
    pending_ids = list(
        OutboxTask.objects.filter(state=OutboxTask.State.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_publish_in_order(task_ids=pending_ids)


def outbox_requeue(*, task_ids: Iterable[int]) -> int:
    """An admin sends parked rows back: pending again with a fresh delivery count, and
    published once this commits. How many were re-queued."""
    with transaction.atomic():
        parked = list(
            OutboxTask.objects.select_for_update().filter(
                pk__in=list(task_ids), state=OutboxTask.State.PARKED
            )
        )
        for task in parked:
            task.state = OutboxTask.State.PENDING
            task.deliveries = 0
            task.published_at = None
            task.finished_at = None
            task.last_error = ""
        OutboxTask.objects.bulk_update(
            parked, ["state", "deliveries", "published_at", "finished_at", "last_error"]
        )
        requeued_ids = [task.pk for task in parked]
        transaction.on_commit(lambda: outbox_publish_in_order(task_ids=requeued_ids), robust=True)
    return len(parked)


def outbox_prune(*, older_than: timedelta | None = None) -> int:
    """Delete rows done longer ago than `older_than` (default OUTBOX_KEEP_DONE); how many.
    Pending, published and parked rows are kept."""
    cutoff = timezone.now() - (older_than if older_than is not None else settings.OUTBOX_KEEP_DONE)
    deleted, _ = OutboxTask.objects.filter(
        state=OutboxTask.State.DONE, finished_at__lt=cutoff
    ).delete()
    return deleted


# --- Deliveries: what a worker does around a task that came from the outbox


def outbox_task_id(celery_task_id: str | None) -> int | None:
    """The row id in a Celery task id the outbox gave, or None for any other task id."""
    prefix = celery_task_id_prefix()
    if not celery_task_id or not celery_task_id.startswith(prefix):
        return None
    number = celery_task_id.removeprefix(prefix)
    return int(number) if number.isdigit() else None


def outbox_delivery_start(*, task_id: int, retries: int = 0) -> bool:
    """Count a worker starting the task, in a transaction of its own committed before the
    work; whether the work may run.

    No when the row is done (a duplicate message) or parked, or when this start exceeds
    OUTBOX_MAX_DELIVERIES: the row is parked then, and the message acknowledged. Retries
    the task asked for (`retries`) are new messages, not lost deliveries, so they do not
    count towards the limit.
    """
    with transaction.atomic():
        task = OutboxTask.objects.select_for_update().filter(pk=task_id).first()
        if task is None:  # pruned long ago or never ours: the tasks are idempotent anyway
            logger.warning("outbox row %s not found; running its task uncounted", task_id)
            return True
        if task.state in (OutboxTask.State.DONE, OutboxTask.State.PARKED):
            logger.info("skipping %s: already %s", task, task.state)
            return False
        task.deliveries += 1
        now = timezone.now()
        # Earlier starts that neither finished nor asked for a retry: their worker died.
        died = task.deliveries - 1 - retries
        if died >= settings.OUTBOX_MAX_DELIVERIES:
            task.state = OutboxTask.State.PARKED
            task.finished_at = now
            task.last_error = (
                f"parked at delivery {task.deliveries}: {died} starts died before finishing "
                "(the worker killed, out of memory?); it runs again only if re-queued"
            )
            logger.error("outbox: %s", task.last_error)
        else:
            task.state = OutboxTask.State.PUBLISHED
            task.published_at = task.published_at or now
        task.save(
            update_fields=["state", "deliveries", "published_at", "finished_at", "last_error"]
        )
        return task.state == OutboxTask.State.PUBLISHED


def outbox_delivery_done(*, task_id: int) -> None:
    """The task finished: a duplicate of its message will do nothing."""
    OutboxTask.objects.filter(pk=task_id).update(
        state=OutboxTask.State.DONE, finished_at=timezone.now(), last_error=""
    )


def outbox_delivery_failed(*, task_id: int, error: str) -> None:
    """The task failed for good (its retries spent): parked, with the error, for an admin."""
    OutboxTask.objects.filter(pk=task_id).exclude(state=OutboxTask.State.DONE).update(
        state=OutboxTask.State.PARKED,
        finished_at=timezone.now(),
        last_error=f"failed: {error}"[:MAX_ERROR_CHARS],
    )


class OutboxBackedTask(Task):
    """Base class of tasks enqueued through the outbox.

    A delivery whose task id names an outbox row is counted before the work
    (`outbox_delivery_start`) and marks the row done after it; any other call (beat, a
    direct `.delay()`, a plain function call) just runs the task.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.request.called_directly:
            return super().__call__(*args, **kwargs)
        task_id = outbox_task_id(self.request.id)
        if task_id is None:
            return self.run(*args, **kwargs)
        if not outbox_delivery_start(task_id=task_id, retries=self.request.retries or 0):
            return None  # acknowledged without running: done already, or parked
        result = self.run(*args, **kwargs)
        outbox_delivery_done(task_id=task_id)
        return result


@task_failure.connect
def _park_failed_outbox_task(
    sender: Task | None = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    **kwargs: Any,
) -> None:
    """A task of the outbox that failed for good is parked, whether the failure was raised
    in the task or decided by the worker (a hard time limit)."""
    row_id = outbox_task_id(task_id)
    if row_id is None or not isinstance(sender, OutboxBackedTask):
        return
    try:
        outbox_delivery_failed(task_id=row_id, error=f"{type(exception).__name__}: {exception}")
    except Exception:  # the database may be what failed; the row stays published then
        logger.exception("could not park failed outbox task %s", row_id)
