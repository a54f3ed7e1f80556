"""Two `celery beat` processes started by mistake: only the one holding the Redis lock
sends periodic tasks, the other stands by, and it takes over when the holder dies."""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import datetime
from itertools import pairwise

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.faults.celery_processes import (
    broker,
    delete_keys,
    kombu_key,
    start_celery,
    stop,
    wait_for,
)

LOCK_TIMEOUT = 3  # seconds; production's is 30
SENT_PROBE = re.compile(
    r"^\[([\d-]+ [\d:,]+): INFO/MainProcess\] Scheduler: Sending due task probe", re.MULTILINE
)


@pytest.fixture
def beat_queue_base(settings):
    """The beats' own CELERY_QUEUE: their lock, and the queues they publish to, are theirs."""
    base = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-beats"
    delete_keys(broker(), base)
    yield base
    delete_keys(broker(), base)


INSTANCE = "two-beats-test"


def start_beat(tmp_path, name: str, queue_base: str):
    return start_celery(
        "beat",
        "--loglevel",
        "INFO",
        log_path=tmp_path / f"{name}.log",
        environment={
            "CELERY_QUEUE": queue_base,
            "CELERY_BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
            "INSTANCE_NAME": INSTANCE,
        },
    )


def lock_holder_pid(client, lock_key: str) -> int | None:
    """The pid in the lock's value (`host:pid:nonce`), or None when nobody holds it."""
    value = client.get(lock_key)
    return int(value.decode().split(":")[1]) if value else None


def publisher_pids(client, queue: str) -> list[int]:
    """The pid of the process that published each message in `queue` (Celery's `origin`
    header, `gen<pid>@host`), oldest first."""
    messages = [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]
    return [int(m["headers"]["origin"].split("@")[0].removeprefix("gen")) for m in messages]


def send_times(*log_paths) -> list[datetime]:
    """When the beats logged sending the probe, all beats together, in order."""
    return sorted(
        datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        for path in log_paths
        for stamp in SENT_PROBE.findall(path.read_text())
    )


def count_sent_over(client, queue: str, seconds: float) -> tuple[int, float]:
    """Messages published to `queue` during the next `seconds`, and the time it took."""
    before, started = client.llen(queue), time.monotonic()
    time.sleep(seconds)
    return client.llen(queue) - before, time.monotonic() - started


@pytest.mark.postgresql_only(
    reason="its gunicorn or Celery processes cannot open the in-memory SQLite test database"
)
@pytest.mark.django_db(transaction=True)
def test_two_beats_send_each_tick_once_and_the_standby_takes_over(tmp_path, beat_queue_base):
    client = broker()
    probe_queue = f"{beat_queue_base}.probe"
    probe_key = kombu_key(probe_queue, INSTANCE)  # the queue's list in Redis
    lock_key = f"{INSTANCE}:{beat_queue_base}:beat-lock"
    # A harmless task every second, into a queue no worker reads: what is published stays.
    PeriodicTask.objects.create(
        name="probe every second",
        task="resolvers.finalize_resolutions",
        interval=IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS),
        queue=probe_queue,
    )
    started = {name: start_beat(tmp_path, name, beat_queue_base) for name in ("beat-1", "beat-2")}
    beats = list(started.values())
    logs = {beat.pid: tmp_path / f"{name}.log" for name, beat in started.items()}
    try:
        assert wait_for(lambda: client.llen(probe_key) >= 2, timeout=60), "nothing was sent"
        holder_pid = lock_holder_pid(client, lock_key)
        holder = next(beat for beat in beats if beat.pid == holder_pid)
        standby = next(beat for beat in beats if beat.pid != holder_pid)
        assert wait_for(lambda: "standing by" in logs[standby.pid].read_text(), timeout=30)
        assert all(beat.poll() is None for beat in beats)

        sent, elapsed = count_sent_over(client, probe_key, seconds=6)
        # One message a second: two beats sending would publish about twice as many.
        assert elapsed - 3 <= sent <= elapsed + 1, (sent, elapsed)
        assert set(publisher_pids(client, probe_key)) == {holder.pid}

        # The holder dies without releasing the lock: the standby takes over once it expires.
        # (Killed just after a send, once it has recorded that run: killed between sending
        # and recording, the run would be sent again, like after any crash of a lone beat.)
        sent_so_far = client.llen(probe_key)
        assert wait_for(lambda: client.llen(probe_key) > sent_so_far, timeout=10)
        time.sleep(0.3)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        sent_by_holder = client.llen(probe_key)
        killed_at = time.monotonic()
        assert wait_for(lambda: lock_holder_pid(client, lock_key) == standby.pid, timeout=30)
        assert time.monotonic() - killed_at <= LOCK_TIMEOUT + 5  # expiry, then the next look
        assert "took the lock" in logs[standby.pid].read_text()

        sent, elapsed = count_sent_over(client, probe_key, seconds=4)
        assert elapsed - 3 <= sent <= elapsed + 1, (sent, elapsed)
        publishers = publisher_pids(client, probe_key)
        assert set(publishers[:sent_by_holder]) == {holder.pid}
        assert set(publishers[sent_by_holder:]) == {standby.pid}

        # Never two sends of one tick, not even as the standby took over.
        times = send_times(*logs.values())
        assert len(times) == client.llen(probe_key)
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
        assert min(gaps) >= 0.5, gaps  # a second send of a tick came ~0.1 s after the first

        # Stopped cleanly, a beat releases the lock at once rather than letting it expire.
        stop(standby)
        assert standby.returncode == 0
        assert client.get(lock_key) is None
        assert "released the lock" in logs[standby.pid].read_text()
    finally:
        for beat in beats:
            stop(beat)
