"""Run inside `manage.py shell` on a fresh SQLite database: a resolved, scored question
with forecasts, as a backup would find it."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from predictions import rescoring
from predictions.models import Forecast
from registry.models import Forecaster, Question
from resolvers import services

now = timezone.now()
question = Question.objects.create(
    slug="shipped",
    title="Will it ship?",
    kind="binary",
    opens_at=now - timedelta(days=20),
    closes_at=now - timedelta(days=2),
    resolve_by=now - timedelta(days=1),
    resolution_criteria="Yes if it ships.",
    published_at=now - timedelta(days=20),
)
for handle, p in (("alice", 0.8), ("bob", 0.3)):
    forecaster = Forecaster.objects.create(handle=handle, display_name=handle, kind="human")
    Forecast.objects.create(
        question=question,
        forecaster=forecaster,
        probabilities=[p],
        submitted_at=now - timedelta(days=19),
    )
staff = get_user_model().objects.create_user("resolver", is_staff=True)
services.resolution_record(question=question, outcome="yes", rationale="It shipped.", user=staff)
rescoring.rescore_question(question_id=question.pk)
print("ready")
