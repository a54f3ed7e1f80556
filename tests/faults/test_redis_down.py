"""Redis down: the service, run as production runs it (gunicorn on PostgreSQL, a Redis of
the test's own), still takes and stores forecasts, each request answering within a bound;
the work it could not enqueue waits in the outbox and runs once Redis is back."""

from __future__ import annotations

import time

import pytest
import requests
from django.conf import global_settings

from predictions import rescoring
from predictions.models import Forecast, OutboxTask, QuestionScore
from tests import factories
from tests.faults.celery_processes import start_celery, stopped_at_exit, wait_for
from tests.faults.live_gunicorn import GunicornServer, database_url
from tests.faults.private_redis import PrivateRedis

pytestmark = [
    pytest.mark.postgresql_only(
        reason="its gunicorn or Celery processes cannot open the in-memory SQLite test database"
    ),
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

# Seconds a request may take while Redis is unreachable (a normal one takes milliseconds).
BOUND = 2.0
PASSWORD = "correct horse battery"


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def web(tmp_path, private_redis):
    server = GunicornServer(
        log_path=tmp_path / "web.log",
        database_url=database_url(),
        environment={"REDIS_URL": private_redis.url},
    )
    yield server
    server.stop()


@pytest.fixture
def people(settings):
    """alice forecasts and an admin resolves; their passwords hashed as production's
    server (in its own process) checks them, not with the suite's fast test hasher."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    return factories.HumanForecasterFactory(user__username="alice"), factories.StaffFactory(
        username="admin"
    )


@pytest.fixture
def questions():
    """An open question, and a closed one two forecasters forecast on, ready to resolve."""
    return factories.QuestionFactory(), factories.closed_question_forecast_on(0.9, 0.2)


def token(web: GunicornServer, username: str) -> str:
    response = requests.post(
        f"{web.url}/api/v1/auth/token/",
        json={"username": username, "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def timed_post(web: GunicornServer, path: str, key: str, body: dict):
    started = time.monotonic()
    response = requests.post(
        f"{web.url}{path}", json=body, headers={"Authorization": f"Token {key}"}, timeout=60
    )
    return response, time.monotonic() - started


def forecast(web, key, question, probability):
    return timed_post(
        web, f"/api/v1/questions/{question.slug}/forecasts/", key, {"probability": probability}
    )


def resolve(web, key, question):
    return timed_post(
        web,
        f"/api/v1/questions/{question.slug}/resolutions/",
        key,
        {"outcome": "yes", "rationale": "It happened, as the release notes show."},
    )


def stored_probabilities(question, forecaster) -> list[float]:
    return [
        vector[0]
        for vector in Forecast.objects.filter(question=question, forecaster=forecaster)
        .order_by("submitted_at", "pk")
        .values_list("probabilities", flat=True)
    ]


def test_forecasts_are_taken_while_redis_is_stopped_and_kept_work_runs_when_it_is_back(
    web, private_redis, people, questions, tmp_path
):
    alice, _ = people
    open_question, closed_question = questions
    alice_key, admin_key = token(web, "alice"), token(web, "admin")

    private_redis.stop()

    sent = [0.6, 0.65, 0.7, 0.75, 0.8]
    for probability in sent:
        response, seconds = forecast(web, alice_key, open_question, probability)
        assert response.status_code == 201, response.text
        assert seconds < BOUND, f"a forecast took {seconds:.2f} s with Redis stopped"
    assert stored_probabilities(open_question, alice) == sent

    response, seconds = resolve(web, admin_key, closed_question)
    assert response.status_code == 201, response.text
    assert seconds < BOUND, f"the resolution took {seconds:.2f} s with Redis stopped"
    kept = OutboxTask.objects.get(task_name="predictions.rescore_question")
    assert kept.args == [closed_question.pk]
    assert kept.state == OutboxTask.State.PENDING
    assert kept.last_error.startswith("publish failed")
    assert not QuestionScore.objects.filter(question=closed_question).exists()
    health = requests.get(f"{web.url}/healthz", timeout=30).json()
    assert (health["status"], health["redis"]["status"]) == ("degraded", "down")

    # Redis comes back empty (no persistence), and a worker starts: what the outbox kept
    # is published by the relay the worker runs on start, and the scores appear.
    private_redis.start()
    worker = start_celery(
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        log_path=tmp_path / "worker.log",
        environment={"REDIS_URL": private_redis.url},
    )
    with stopped_at_exit(worker):

        def done() -> bool:
            kept.refresh_from_db()
            return kept.state == OutboxTask.State.DONE

        assert wait_for(done, 60), (tmp_path / "worker.log").read_text()
        assert kept.deliveries == 1
        assert QuestionScore.objects.filter(question=closed_question).count() == 2
        assert rescoring.verify_scores() == []

        response, _ = forecast(web, alice_key, open_question, 0.85)
        assert response.status_code == 201, response.text
    assert stored_probabilities(open_question, alice) == [*sent, 0.85]


def test_requests_answer_within_the_bound_while_redis_hangs(web, private_redis, people, questions):
    alice, _ = people
    open_question, closed_question = questions
    alice_key, admin_key = token(web, "alice"), token(web, "admin")

    # Frozen, not stopped: connections are accepted and never answered, so only the
    # client's timeouts (cache, and the broker's while publishing) bound a request.
    private_redis.pause()

    for probability in (0.3, 0.35, 0.4):
        response, seconds = forecast(web, alice_key, open_question, probability)
        assert response.status_code == 201, response.text
        assert seconds < BOUND, f"a forecast took {seconds:.2f} s with Redis hung"
    assert stored_probabilities(open_question, alice) == [0.3, 0.35, 0.4]

    response, seconds = resolve(web, admin_key, closed_question)
    assert response.status_code == 201, response.text
    assert seconds < BOUND, f"the resolution took {seconds:.2f} s with Redis hung"
    kept = OutboxTask.objects.get(task_name="predictions.rescore_question")
    assert kept.state == OutboxTask.State.PENDING

    private_redis.resume()
    response, seconds = forecast(web, alice_key, open_question, 0.45)
    assert response.status_code == 201, response.text
