"""Fixtures for the forecast tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from config.celery import app
from tests import factories
from tests.predictions.helpers import MC_OPTIONS

UNREACHABLE_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Nothing listens on port 1: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def mc_question(db):
    """An open multiple-choice question with three options, in this order."""
    return factories.MultipleChoiceQuestionFactory(options=MC_OPTIONS)


@pytest.fixture
def unreachable_cache(settings):
    """Points the Django cache (the throttle's store) at a Redis that is not there.

    The working cache is put back in this fixture's teardown, which runs before the
    suite-wide autouse fixture that clears the cache after each test.
    """
    original = settings.CACHES
    settings.CACHES = UNREACHABLE_CACHES
    yield
    settings.CACHES = original
    cache.clear()


class RecordingBroker:
    """Stands in for Redis at Celery's publishing call (`send_task`, which the task outbox
    uses): records each task sent, or refuses like an unreachable Redis while `down`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list, str | None]] = []
        self.attempts = 0
        self.down = False

    def send_task(self, name: str, args=None, task_id: str | None = None, **options) -> None:
        self.attempts += 1
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused (Redis is down)")
        self.sent.append((name, list(args or []), task_id))


@pytest.fixture
def broker(monkeypatch) -> RecordingBroker:
    """The tasks the code under test publishes, without a real broker."""
    recording = RecordingBroker()
    monkeypatch.setattr(app, "send_task", recording.send_task)
    return recording
