"""Real `celery` processes (beat, workers) for fault tests: each on pytest-django's test
database and the test's Redis, its output kept in a log file the test can read."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the database pytest-django created, for processes started by a test."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}"
    )


test_database_url.__test__ = False  # a helper, not a test pytest should collect


def broker() -> redis.Redis:
    """A plain client of the Redis the tests' Celery publishes to."""
    return redis.Redis.from_url(settings.REDIS_URL)


def kombu_key(name: str, instance: str | None = None) -> str:
    """The Redis key of a queue (or of kombu's own `unacked` ...) of an instance: kombu
    prefixes every key with the instance's name (CELERY_BROKER_TRANSPORT_OPTIONS)."""
    return f"{instance or settings.INSTANCE_NAME}:{name}"


def start_celery(
    *arguments: str, log_path: Path, environment: Mapping[str, str] | None = None
) -> subprocess.Popen:
    """`celery -A config <arguments>` on the test database, logging to `log_path`."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "PYTHONUNBUFFERED": "1",
        **(environment or {}),
    }
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *arguments],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Ask a process to stop (SIGTERM), and kill it if it does not within `timeout`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@contextlib.contextmanager
def stopped_at_exit(*processes: subprocess.Popen) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            stop(process)


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def delete_keys(client: redis.Redis, prefix: str) -> None:
    """Remove every key a test's queues left behind: the queues themselves and kombu's
    bindings of their exchanges."""
    for pattern in (f"{prefix}*", f"*:{prefix}*", f"*_kombu.binding.{prefix}*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
