"""The beat lock (config/beat.py), in process: one scheduler holds it, a second stands by
and takes over once it is released or has expired, and no Redis means no sending."""

from __future__ import annotations

import logging
import time

import pytest
import redis

from config.beat import LockedDatabaseScheduler
from config.celery import app


@pytest.fixture
def lock_key(settings):
    key = f"{settings.CELERY_TASK_DEFAULT_QUEUE}:beat-lock-unit-test"
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(key)
    yield key
    client.delete(key)


def scheduler(lock_key: str, lock_timeout: float = 30) -> LockedDatabaseScheduler:
    beat = LockedDatabaseScheduler(app=app, lazy=True)
    beat.lock_key, beat.lock_timeout = lock_key, lock_timeout
    return beat


@pytest.mark.postgresql_only(reason="two beat processes on a shared server database")
@pytest.mark.django_db(transaction=True)  # the scheduler commits and reconnects as beat does
def test_of_two_beats_one_holds_the_lock_and_the_other_takes_it_once_released(lock_key):
    first, second = scheduler(lock_key), scheduler(lock_key)

    first.tick()
    second.tick()
    assert (first.holding, second.holding) == (True, False)
    assert redis.Redis.from_url(app.conf.broker_url).get(lock_key).decode() == first.identity

    first.close()  # a beat shutting down
    second.tick()
    assert (first.holding, second.holding) == (False, True)


@pytest.mark.postgresql_only(reason="two beat processes on a shared server database")
@pytest.mark.django_db(transaction=True)  # the scheduler commits and reconnects as beat does
def test_a_holder_that_stops_renewing_loses_the_lock_to_the_standby(lock_key):
    first, second = scheduler(lock_key, lock_timeout=1), scheduler(lock_key, lock_timeout=1)
    first.tick()
    assert first.holding

    time.sleep(1.3)  # the holder hangs (or died) past the lock's TTL
    second.tick()
    first.tick()
    assert (first.holding, second.holding) == (False, True)


def test_a_standby_sleeps_less_than_the_lock_lives(lock_key):
    beat = scheduler(lock_key, lock_timeout=3)
    assert beat.renew_interval == 1
    redis.Redis.from_url(app.conf.broker_url).set(lock_key, "elsewhere:1:abc")
    assert beat.tick() == 1
    assert not beat.holding


def test_a_beat_that_cannot_reach_redis_sends_nothing_and_keeps_ticking(lock_key, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    beat = scheduler(lock_key, lock_timeout=3)

    with caplog.at_level(logging.INFO, logger="config.beat"):
        intervals = [beat.tick(), beat.tick()]

    assert intervals == [1, 1]
    assert not beat.holding
    unreachable = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # said once, not on every tick
