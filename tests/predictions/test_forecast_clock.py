"""Closing is decided by the database clock, with the question row locked."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.clock import database_now
from config.errors import ApplicationError
from predictions import services
from predictions.models import Forecast
from registry.models import Question
from tests import factories
from tests.predictions.helpers import forecasts_url


def _question_closing_at(closes_at):
    return factories.QuestionFactory(opens_at=closes_at - timedelta(days=7), closes_at=closes_at)


@pytest.mark.django_db
def test_a_question_that_closed_a_moment_ago_by_the_database_refuses(alice_client):
    question = _question_closing_at(database_now() - timedelta(milliseconds=1))

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["fields"] == {"question": "is closed"}
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_a_forecast_just_before_the_close_is_accepted_and_stamped_before_it(alice):
    closes_at = database_now() + timedelta(seconds=2)
    question = _question_closing_at(closes_at)

    forecast = services.forecast_submit(forecaster=alice, question=question, probability=0.6)

    assert forecast.pk is not None
    assert forecast.submitted_at < closes_at


@pytest.mark.django_db
def test_the_web_servers_clock_does_not_decide_the_close(alice_client, monkeypatch):
    # By the database the question closed a moment ago; this process's clock runs an
    # hour late and would still call it open.
    question = _question_closing_at(database_now() - timedelta(milliseconds=1))
    late = timezone.now() - timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: late)

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert response.status_code == 409, response.content
    assert not Forecast.objects.exists()


@pytest.mark.django_db
def test_submitted_at_comes_from_the_database_not_the_web_server(alice_client, monkeypatch):
    question = factories.QuestionFactory()
    skewed = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: skewed)

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert response.status_code == 201, response.content
    stored = Forecast.objects.get()
    assert abs(stored.submitted_at - database_now()) < timedelta(minutes=1)
    assert abs(stored.submitted_at - skewed) > timedelta(minutes=30)


@pytest.mark.postgresql_only(
    reason="a row lock held by another connection (SELECT ... FOR UPDATE); on SQLite the "
    "write lock does it, as test_sqlite_close_race.py shows with an admin closing"
)
@pytest.mark.django_db(transaction=True)
def test_a_forecast_waiting_on_a_close_in_progress_sees_the_close(alice):
    """An admin closes the question early while a forecast arrives: the forecast waits for
    the admin's row lock, then reads the new closing time and is refused."""
    question = factories.QuestionFactory()
    locked = threading.Event()
    failures: list[BaseException] = []

    def close_now_holding_the_lock() -> None:
        try:
            with transaction.atomic():
                row = Question.objects.select_for_update().get(pk=question.pk)
                row.closes_at = database_now()
                row.save(update_fields=["closes_at"])
                locked.set()
                time.sleep(0.5)  # the forecast below is now waiting on the lock
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
            locked.set()
        finally:
            connection.close()

    closer = threading.Thread(target=close_now_holding_the_lock)
    closer.start()
    try:
        assert locked.wait(timeout=10)
        # `question` still holds the old closing time, thirty days away.
        with pytest.raises(ApplicationError) as refused:
            services.forecast_submit(forecaster=alice, question=question, probability=0.7)
    finally:
        closer.join(timeout=10)

    assert not failures, failures
    assert refused.value.code == "conflict"
    assert refused.value.fields == {"question": "is closed"}
    assert not Forecast.objects.exists()
