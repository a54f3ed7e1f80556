"""The Celery application: Redis broker, JSON only, late acks, database beat schedule."""

import os
from typing import Any

from celery import Celery
from django.conf import settings
from kombu.utils.uuid import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class InstanceCelery(Celery):
    """Every task id names this instance (`<INSTANCE_NAME>.<uuid>`), as the outbox's ids
    do: beat's periodic tasks, `.delay()` and retries (which keep their id) included, so
    a message read from a Redis shared with other instances says whose it is."""

    def send_task(self, name: str, *args: Any, **kwargs: Any) -> Any:
        # task_id is send_task's fifth positional parameter after the name.
        if len(args) < 5 and not kwargs.get("task_id"):
            kwargs["task_id"] = f"{settings.INSTANCE_NAME}.{uuid()}"
        return super().send_task(name, *args, **kwargs)


app = InstanceCelery("hindsight")
# Every CELERY_* setting in config/settings.py configures this app.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
