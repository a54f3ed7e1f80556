"""`Download my data`: every forecast a person made, with its rationale, and every score,
as JSON and as CSV, for them to take elsewhere (the JSON also has their comments).

CSV cells that a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return
first) get a leading apostrophe (predictions/csv_cells.py): a rationale is the author's
text, never a formula.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from predictions.comments import Comment
from predictions.csv_cells import safe_cell
from predictions.models import Forecast, QuestionScore
from registry.models import Forecaster
from registry.services import forecaster_for_user

CSV_COLUMNS = [
    "question",
    "title",
    "submitted_at",
    "probabilities",
    "rationale",
    "origin",
    "question_brier",
    "question_relative_score",
]


def _when(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def forecaster_data(forecaster: Forecaster) -> dict[str, Any]:
    forecasts = (
        Forecast.objects.filter(forecaster=forecaster)
        .select_related("question")
        .prefetch_related("question__options")
        .order_by("submitted_at", "id")
    )
    scores = QuestionScore.objects.filter(forecaster=forecaster).select_related("question")
    return {
        "forecaster": {
            "handle": forecaster.handle,
            "display_name": forecaster.display_name,
            "kind": forecaster.kind,
        },
        "exported_at": _when(datetime.now(UTC)),
        "forecasts": [
            {
                "question": forecast.question.slug,
                "title": forecast.question.title,
                "submitted_at": _when(forecast.submitted_at),
                "probabilities": dict(
                    zip(forecast.question.option_labels(), forecast.probability_vector, strict=True)
                ),
                "rationale": forecast.rationale,
                "origin": forecast.origin,
            }
            for forecast in forecasts
        ],
        "scores": [
            {
                "question": score.question.slug,
                "brier": score.brier,
                "relative_score": score.relative_score,
                "log_loss": score.log_loss,
                "days": score.days,
                "window_days": score.window_days,
            }
            for score in scores.order_by("question__slug")
        ],
        "comments": [
            {
                "question": comment.question.slug,
                "created_at": _when(comment.created_at),
                "edited_at": _when(comment.edited_at) if comment.edited_at else None,
                "body": comment.body,
                "hidden_by_a_moderator": comment.is_hidden,
            }
            for comment in Comment.objects.filter(author=forecaster)
            .select_related("question")
            .order_by("created_at", "id")
        ],
    }


def forecaster_csv(data: dict[str, Any]) -> str:
    scores = {score["question"]: score for score in data["scores"]}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for forecast in data["forecasts"]:
        score = scores.get(forecast["question"], {})
        row = {
            **{name: forecast[name] for name in CSV_COLUMNS[:6] if name != "probabilities"},
            "probabilities": json.dumps(forecast["probabilities"], ensure_ascii=False),
            "question_brier": score.get("brier", ""),
            "question_relative_score": score.get("relative_score", ""),
        }
        writer.writerow({name: safe_cell(value) for name, value in row.items()})
    return out.getvalue()


def _download(body: str, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@never_cache
def my_data_json(request: HttpRequest) -> HttpResponse:
    forecaster = forecaster_for_user(user=request.user)
    body = json.dumps(forecaster_data(forecaster), ensure_ascii=False, indent=2)
    return _download(body, "application/json", f"hindsight-{forecaster.handle}.json")


@login_required
@never_cache
def my_data_csv(request: HttpRequest) -> HttpResponse:
    forecaster = forecaster_for_user(user=request.user)
    body = forecaster_csv(forecaster_data(forecaster))
    return _download(body, "text/csv; charset=utf-8", f"hindsight-{forecaster.handle}.csv")
