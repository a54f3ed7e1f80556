"""Run inside `manage.py shell` on a SQLite database: try to rewrite the forecast log and
to insert bad vectors, and print what the database said to each, as JSON."""

import json
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from predictions.models import Forecast
from registry.models import Forecaster, Question, QuestionOption

now = timezone.now()
common = {
    "opens_at": now - timedelta(days=1),
    "closes_at": now + timedelta(days=30),
    "resolve_by": now + timedelta(days=60),
    "resolution_criteria": "Yes if it happens.",
    "published_at": now - timedelta(days=1),
}
binary = Question.objects.create(slug="binary", title="Binary?", kind="binary", **common)
choice = Question.objects.create(slug="choice", title="Choice?", kind="multiple_choice", **common)
for position, label in enumerate(["A", "B", "C"]):
    QuestionOption.objects.create(question=choice, label=label, position=position)
alice = Forecaster.objects.create(handle="alice", display_name="Alice", kind="human")
kept = Forecast.objects.create(
    question=binary, forecaster=alice, probabilities=[0.7], submitted_at=now
)


def outcome(action) -> str:
    try:
        with transaction.atomic():
            action()
    except IntegrityError as error:
        return f"refused: {error}"
    return "accepted"


def insert(question, vector):
    return lambda: Forecast.objects.create(
        question=question, forecaster=alice, probabilities=vector, submitted_at=now
    )


def raw(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


results = {
    "vendor": connection.vendor,
    "update_orm": outcome(lambda: Forecast.objects.filter(pk=kept.pk).update(probabilities=[0.2])),
    "update_sql": outcome(raw("UPDATE predictions_forecast SET rationale = 'x'")),
    "delete_orm": outcome(lambda: Forecast.objects.filter(pk=kept.pk).delete()),
    "delete_sql": outcome(raw("DELETE FROM predictions_forecast")),
    # REPLACE deletes the conflicting row without firing the DELETE trigger.
    "replace_sql": outcome(
        raw(
            "INSERT OR REPLACE INTO predictions_forecast (id, probabilities, rationale, "
            "submitted_at, origin, forecaster_id, question_id) SELECT id, '[0.2]', 'rewritten', "
            "submitted_at, origin, forecaster_id, question_id FROM predictions_forecast "
            "WHERE id = %s",
            [kept.pk],
        )
    ),
    "upsert_sql": outcome(
        raw(
            "INSERT INTO predictions_forecast (id, probabilities, rationale, submitted_at, "
            "origin, forecaster_id, question_id) SELECT id, '[0.2]', '', submitted_at, origin, "
            "forecaster_id, question_id FROM predictions_forecast WHERE id = %s "
            "ON CONFLICT (id) DO UPDATE SET probabilities = excluded.probabilities",
            [kept.pk],
        )
    ),
    "good_binary": outcome(insert(binary, [0.4])),
    "good_choice": outcome(insert(choice, [0.5, 0.3, 0.2])),
    "too_many_for_binary": outcome(insert(binary, [0.4, 0.6])),
    "too_few_for_choice": outcome(insert(choice, [0.5, 0.5])),
    "out_of_range": outcome(insert(binary, [1.0])),
    "below_range": outcome(insert(binary, [0.0])),
    "not_a_number": outcome(insert(binary, ["0.5"])),
    "not_an_array": outcome(insert(binary, {"yes": 0.5})),
    "sum_off": outcome(insert(choice, [0.5, 0.3, 0.3])),
    "count": Forecast.objects.count(),
    "kept": Forecast.objects.get(pk=kept.pk).probabilities,
    "kept_rationale": Forecast.objects.get(pk=kept.pk).rationale,
}
print(json.dumps(results))
