"""Writes are rate-limited per user; a Redis outage never costs a forecast."""

from __future__ import annotations

import logging

import pytest

from config.api import WriteRateThrottle
from predictions.models import Forecast
from tests import factories
from tests.predictions.helpers import forecasts_url, results

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_writes_a_minute(monkeypatch):
    # DRF copies DEFAULT_THROTTLE_RATES onto the class at import, so settings overrides
    # do not reach it; patch the class attribute instead.
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"write": "2/min", "login": "10/min"})


def test_the_third_write_in_a_minute_is_429(alice_client, two_writes_a_minute):
    question = factories.QuestionFactory()
    url = forecasts_url(question)

    statuses = [
        alice_client.post(url, {"probability": p}, format="json").status_code
        for p in (0.6, 0.7, 0.8)
    ]

    assert statuses == [201, 201, 429]
    assert [f.probabilities for f in Forecast.objects.order_by("id")] == [[0.6], [0.7]]


def test_a_throttled_write_gets_the_json_error_and_retry_after(alice_client, two_writes_a_minute):
    url = forecasts_url(factories.QuestionFactory())
    for _ in range(2):
        alice_client.post(url, {"probability": 0.5}, format="json")

    response = alice_client.post(url, {"probability": 0.5}, format="json")

    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"error", "fields"}
    assert "throttled" in body["error"].lower()
    assert body["fields"] == {}
    assert int(response["Retry-After"]) > 0


def test_refused_writes_count_towards_the_limit(alice_client, two_writes_a_minute):
    url = forecasts_url(factories.QuestionFactory())
    for _ in range(2):
        bad = alice_client.post(url, {"probability": "high"}, format="json")
        assert bad.status_code == 400

    response = alice_client.post(url, {"probability": 0.5}, format="json")

    assert response.status_code == 429
    assert not Forecast.objects.exists()


def test_reads_are_not_throttled(alice_client, two_writes_a_minute):
    question = factories.QuestionFactory()
    url = forecasts_url(question)
    for _ in range(2):
        assert alice_client.post(url, {"probability": 0.5}, format="json").status_code == 201

    for _ in range(5):
        assert len(results(alice_client.get(url))) == 2
        assert alice_client.get("/api/v1/me/forecasts/").status_code == 200


def test_the_limit_is_per_user(alice_client, bob_client, two_writes_a_minute):
    url = forecasts_url(factories.QuestionFactory())
    for _ in range(2):
        alice_client.post(url, {"probability": 0.5}, format="json")
    assert alice_client.post(url, {"probability": 0.5}, format="json").status_code == 429

    response = bob_client.post(url, {"probability": 0.4}, format="json")

    assert response.status_code == 201, response.content


def test_a_forecast_is_accepted_when_the_throttle_cache_is_down(
    alice, alice_client, unreachable_cache, caplog
):
    from django.core.cache import cache

    # The cache really is unreachable in this test.
    with pytest.raises(Exception):  # noqa: B017 - redis-py's own ConnectionError
        cache.get("anything")
    question = factories.QuestionFactory()

    with caplog.at_level(logging.WARNING, logger="config.api"):
        response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert response.status_code == 201, response.content
    assert Forecast.objects.get().forecaster == alice
    assert any("throttle cache unreachable" in record.message for record in caplog.records)
