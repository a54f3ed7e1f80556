"""Two instances on one Redis database stay apart: each derives its own instance name from
its database, and with it its queues, beat lock, task ids and cache keys, so each task
runs against its own database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.faults.celery_processes import ROOT, broker, stop, wait_for

pytestmark = [
    pytest.mark.postgresql_only(
        reason="the two instances are two PostgreSQL databases made for the test"
    ),
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

HISTORY = Path(__file__).with_name("instance_history.py")
RECEIVED = re.compile(r"Task [\w.]+\[([^\]]+)\] received")


def environment(database_url: str, **extra: str) -> dict[str, str]:
    # Nothing of the suite's own instance: no CELERY_QUEUE, no INSTANCE_NAME.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_QUEUE", "INSTANCE_NAME", "DATABASE_URL")
    }
    return {**inherited, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **extra}


def database_url(name: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"


@pytest.fixture
def two_databases():
    """Two fresh databases, migrated from scratch."""
    settings = connection.settings_dict
    admin = (
        f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname=postgres"
    )
    names = [f"hindsight_instance_{tag}_{uuid.uuid4().hex[:6]}" for tag in ("a", "b")]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    for name in names:
        manage(database_url(name), "migrate", "--no-input", "-v", "0")
    yield [database_url(name) for name in names]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str, stdin: str = "", **extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(url, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def instance_settings(url: str) -> dict:
    code = (
        "import json; from django.conf import settings; from predictions.models import "
        "celery_task_id_prefix; print(json.dumps({'instance': settings.INSTANCE_NAME, "
        "'queue': settings.CELERY_TASK_DEFAULT_QUEUE, 'lock': settings.CELERY_BEAT_LOCK_KEY, "
        "'cache': settings.CACHES['default']['KEY_PREFIX'], 'task': celery_task_id_prefix()}))"
    )
    return json.loads(manage(url, "shell", "-c", code))


def outbox_state(url: str, pk: int) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT state FROM predictions_outboxtask WHERE id = %s", [pk]
        ).fetchone()
    return row[0] if row else "missing"


def scores_of(url: str, question_id: int) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM predictions_questionscore WHERE question_id = %s", [question_id]
        ).fetchone()[0]


def test_two_instances_on_one_redis_keep_their_names_and_their_tasks_apart(two_databases, tmp_path):
    first, second = two_databases
    names = [instance_settings(url) for url in (first, second)]
    for key in ("instance", "queue", "lock", "cache", "task"):
        assert names[0][key] != names[1][key], key
        assert names[0]["instance"] in names[0][key] and names[1]["instance"] in names[1][key]

    # The same history in both, at different row numbers.
    runs = [
        json.loads(
            manage(url, "shell", stdin=HISTORY.read_text(), PROBE_SLUG=slug, PROBE_PADDING=pad)
        )
        for url, slug, pad in ((first, "alpha", "0"), (second, "beta", "3"))
    ]
    assert runs[0]["question"] != runs[1]["question"]

    workers = []
    try:
        for index, url in enumerate((first, second)):
            log = (tmp_path / f"worker-{index}.log").open("ab")
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--pool",
                        "solo",
                        "--loglevel",
                        "INFO",
                    ],
                    cwd=ROOT,
                    env=environment(url),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for url, run in zip((first, second), runs, strict=True):
            assert wait_for(lambda u=url, r=run: outbox_state(u, r["outbox"]) == "done", 90), (
                url,
                outbox_state(url, run["outbox"]),
                [(tmp_path / f"worker-{i}.log").read_text()[-2000:] for i in range(2)],
            )
            assert scores_of(url, run["question"]) == 1
    finally:
        for worker in workers:
            stop(worker)

    # Each worker ran only its own instance's task.
    logs = [(tmp_path / f"worker-{i}.log").read_text() for i in range(2)]
    assert runs[0]["task_id"] in logs[0] and runs[0]["task_id"] not in logs[1]
    assert runs[1]["task_id"] in logs[1] and runs[1]["task_id"] not in logs[0]
    # Every task a worker took (the outbox's, and the relay sent by .delay() at start) has
    # an id naming its instance.
    for log, name in zip(logs, names, strict=True):
        received = RECEIVED.findall(log)
        assert received and all(task_id.startswith(f"{name['instance']}.") for task_id in received)

    # Every name the two instances (and the suite's own) gave in Redis carries a prefix:
    # queues, kombu's bindings, broadcast and unacked keys, the cache. (The suite's Redis
    # database is its own: `make test` gives it one.)
    first_prefix, second_prefix = (f"{name['instance']}:" for name in names)
    keys = [key.decode() for key in broker().scan_iter()]
    assert any(key.startswith(first_prefix) for key in keys)
    assert any(key.startswith(second_prefix) for key in keys)
    suite_prefix = f"{settings.INSTANCE_NAME}:"
    unprefixed = [
        key for key in keys if not key.startswith((first_prefix, second_prefix, suite_prefix))
    ]
    assert unprefixed == []
