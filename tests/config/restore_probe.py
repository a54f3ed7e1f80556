"""Run inside `manage.py shell` on a restored database: what it holds, as JSON, and
whether the forecast log still refuses to be rewritten."""

import json

from django.db import DatabaseError, connection, transaction

from predictions.models import Forecast, QuestionScore

try:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE predictions_forecast SET rationale = 'rewritten'")
    rewrite = "accepted"
except DatabaseError as error:
    rewrite = f"refused: {error}"

print(
    json.dumps(
        {
            "forecasts": sorted(
                [handle, slug, vector]
                for handle, slug, vector in Forecast.objects.values_list(
                    "forecaster__handle", "question__slug", "probabilities"
                )
            ),
            "scores": QuestionScore.objects.count(),
            "rewrite": rewrite,
        }
    )
)
