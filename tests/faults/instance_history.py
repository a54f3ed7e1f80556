"""Run inside `manage.py shell` on one instance's database: a resolved question (after
`padding` unrelated ones, so the two instances' row numbers differ) whose rescore goes
through the outbox, and print its ids."""

import json
import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from predictions.models import Forecast, OutboxTask
from registry.models import Forecaster, Question
from resolvers import services

now = timezone.now()
slug = os.environ["PROBE_SLUG"]


def question(name: str) -> Question:
    return Question.objects.create(
        slug=name,
        title=f"Will {name} happen?",
        kind="binary",
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=2),
        resolve_by=now - timedelta(days=1),
        resolution_criteria="Yes if it happens.",
        published_at=now - timedelta(days=20),
    )


for number in range(int(os.environ["PROBE_PADDING"])):
    question(f"padding-{number}")
target = question(slug)
forecaster = Forecaster.objects.create(handle=f"{slug}-fan", display_name="Fan", kind="human")
Forecast.objects.create(
    question=target,
    forecaster=forecaster,
    probabilities=[0.8],
    submitted_at=now - timedelta(days=19),
)
staff = get_user_model().objects.create_user(f"{slug}-staff", is_staff=True)
# Records the outcome and keeps its rescore in the outbox, published when this commits.
services.resolution_record(question=target, outcome="yes", rationale="It did.", user=staff)
row = OutboxTask.objects.latest("pk")
print(json.dumps({"question": target.pk, "outbox": row.pk, "task_id": row.celery_task_id}))
