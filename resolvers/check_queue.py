"""Checks kept in the outbox: the writes that both the services and the tasks use.

Called inside the transaction that claims a source, a check is published once it commits,
or later by `relay_outbox` if Redis is down then.
"""

from __future__ import annotations

from predictions import outbox
from predictions.models import OutboxTask

CHECK_SOURCE = "resolvers.check_source"


def enqueue_check(source_id: int) -> OutboxTask:
    """A check of the source through the outbox, published once the caller commits."""
    return outbox.outbox_enqueue(task_name=CHECK_SOURCE, args=[source_id])


def enqueue_checks(source_ids: list[int]) -> list[OutboxTask]:
    """`enqueue_check` for many sources, published as one batch."""
    return outbox.outbox_enqueue_many(
        task_name=CHECK_SOURCE, args_list=[[source_id] for source_id in source_ids]
    )
