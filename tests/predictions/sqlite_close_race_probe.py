"""Run inside `manage.py shell` on a SQLite file: one part of the close race that
tests/predictions/test_sqlite_close_race.py stages, chosen by the ROLE variable.

- setup:  a question open for a month and WRITERS forecasters with API tokens; prints them.
- writer: after READY is touched and GO appears, posts forecasts through the whole HTTP
  stack (middleware, authentication, throttles, the error handler) until refused; prints
  each answer.
- closer: once each of the WRITERS has a forecast in and CLOSE_AFTER_MS more has passed,
  moves the close to CLOSE_IN_MS from now through the admin's edit (question_update);
  prints the closing instant.
- report: prints the forecasts stored on the question and its closing time.

The last line printed is the role's result, as JSON.
"""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from config.clock import database_now
from predictions.models import Forecast
from registry.models import Question
from registry.services import api_token_create, forecaster_for_user, question_update

ROLE = os.environ["ROLE"]
SLUG = os.environ["QUESTION"]


def wait_for(path: Path, *, seconds: float = 60) -> None:
    give_up_at = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > give_up_at:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.002)


def setup() -> dict:
    now = database_now()
    Question.objects.create(
        slug=SLUG,
        title="Will the race be decided fairly?",
        kind="binary",
        resolution_criteria="Yes if every acknowledged forecast is kept.",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        resolve_by=now + timedelta(days=60),
        published_at=now - timedelta(days=1),
    )
    tokens = []
    for index in range(int(os.environ["WRITERS"])):
        user = get_user_model().objects.create_user(username=f"{SLUG}-{index}", password="x")
        forecaster_for_user(user=user)
        tokens.append(api_token_create(user=user).key)
    return {"tokens": tokens}


def writer() -> dict:
    client = Client(
        HTTP_AUTHORIZATION=f"Token {os.environ['TOKEN']}", raise_request_exception=False
    )
    url = f"/api/v1/questions/{SLUG}/forecasts/"
    client.get("/api/v1/me/")  # connect, authenticate and warm up before the start
    Path(os.environ["READY"]).touch()
    wait_for(Path(os.environ["GO"]))
    answers = []
    give_up_at = time.monotonic() + 30
    while time.monotonic() < give_up_at:
        response = client.post(url, {"probability": 0.6}, content_type="application/json")
        body = response.content.decode(errors="replace")
        answer = {"status": response.status_code}
        if response.status_code == 201:
            answer["id"] = response.json()["id"]
        else:
            answer["body"] = body[:2000]
        answers.append(answer)
        if response.status_code != 201:
            break
    return {"answers": answers}


def closer() -> dict:
    question = Question.objects.get(slug=SLUG)
    connection.ensure_connection()
    Path(os.environ["READY"]).touch()
    wait_for(Path(os.environ["GO"]))
    # Once every writer has had a forecast accepted, however slowly the machine runs.
    landed = Forecast.objects.filter(question=question).values("forecaster").distinct()
    give_up_at = time.monotonic() + 60
    while landed.count() < int(os.environ["WRITERS"]) and time.monotonic() < give_up_at:
        time.sleep(0.005)
    time.sleep(int(os.environ["CLOSE_AFTER_MS"]) / 1000)
    closes_in = timedelta(milliseconds=int(os.environ["CLOSE_IN_MS"]))
    # The instant is read once the row is locked, as forecast_submit reads it: a forecast
    # is decided either before this close or after it, never in between.
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        changes = {"closes_at": database_now() + closes_in}
        closed = question_update(question=locked, changes=changes)
    return {"closes_at": closed.closes_at.isoformat()}


def report() -> dict:
    question = Question.objects.get(slug=SLUG)
    stored = Forecast.objects.filter(question=question).order_by("pk")
    return {
        "vendor": connection.vendor,
        "closes_at": question.closes_at.isoformat(),
        "stored": [
            {"id": forecast.pk, "submitted_at": forecast.submitted_at.isoformat()}
            for forecast in stored
        ],
    }


print(json.dumps({"setup": setup, "writer": writer, "closer": closer, "report": report}[ROLE]()))
