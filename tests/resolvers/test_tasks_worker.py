"""Celery end to end: a task published to the real Redis broker, run by a real worker."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from resolvers.models import Resolution
from resolvers.tasks import finalize_resolutions
from tests import factories


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A worker in a thread of this process, consuming the test queue on the real broker.

    Needs committed data (transactional_db): the worker thread has its own connection.
    """
    app.conf.task_always_eager = False
    app.control.purge()  # every queue the app routes to, not only the default one
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgresql_only(reason="a worker process on the suite's server database")
@pytest.mark.celery_worker
def test_finalize_task_runs_on_a_real_worker_through_redis(celery_worker_thread, settings):
    question = factories.ClosedQuestionFactory()
    proposal = factories.ResolutionFactory(question=question)
    # Proposed more than the dispute window ago, and nobody disputed it.
    Resolution.objects.filter(pk=proposal.pk).update(
        created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=1)
    )
    fresh = factories.ResolutionFactory(question=factories.ClosedQuestionFactory())

    finalize_resolutions.delay()

    def finalized() -> bool:
        return Resolution.objects.get(pk=proposal.pk).state == Resolution.State.FINAL

    assert _wait_for(finalized), "the worker did not finalize the due proposal"
    assert Resolution.objects.get(pk=fresh.pk).state == Resolution.State.PROPOSED
    question.refresh_from_db()
    assert question.status == "resolved"


def test_celery_is_configured_for_redis_json_and_late_acks():
    conf = app.conf
    assert conf.broker_url.startswith("redis://")
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_scheduler == "config.beat:LockedDatabaseScheduler"
    assert conf.task_always_eager is False


@pytest.mark.postgresql_only(reason="a worker process on the suite's server database")
@pytest.mark.celery_worker
def test_resolving_through_the_api_moves_the_leaderboard_via_the_worker(
    celery_worker_thread, settings
):
    settings.LEADERBOARD_MIN_QUESTIONS = 1
    from rest_framework.test import APIClient

    staff = factories.StaffFactory(username="resolver")
    alice = factories.HumanForecasterFactory(user__username="alice")
    bob = factories.HumanForecasterFactory(user__username="bob")
    question = factories.ClosedQuestionFactory()
    factories.ForecastFactory(
        question=question,
        forecaster=alice,
        probabilities=[0.9],
        submitted_at=question.opens_at + timedelta(hours=1),
    )
    factories.ForecastFactory(
        question=question,
        forecaster=bob,
        probabilities=[0.2],
        submitted_at=question.opens_at + timedelta(hours=1),
    )
    client = APIClient()
    client.force_authenticate(staff)

    def leaders() -> list[str]:
        rows = client.get("/api/v1/leaderboard/").json()["results"]
        return [row["forecaster"] for row in rows]

    assert leaders() == []
    response = client.post(
        f"/api/v1/questions/{question.slug}/resolutions/",
        {"outcome": "yes", "rationale": "It happened."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert _wait_for(lambda: leaders() == ["alice", "bob"]), leaders()

    # An override through the API swaps them, again through the worker.
    client.post(
        f"/api/v1/questions/{question.slug}/resolutions/",
        {
            "outcome": "no",
            "rationale": "Corrected: it did not.",
            "supersedes": response.json()["id"],
        },
        format="json",
    )
    assert _wait_for(lambda: leaders() == ["bob", "alice"]), leaders()
