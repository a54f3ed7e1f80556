"""On the embedded default, forecasts racing a question's close land before it or are
refused, as on PostgreSQL: every forecast acknowledged is kept, none after the close is,
and no writer is told the database is locked.

The suite's own SQLite database lives in memory, so this stages the race on a SQLite file
migrated from scratch, as `make run` sets it up: two writer processes, each with its own
connection, post forecasts through the whole HTTP stack while a third process moves the
close (tests/predictions/sqlite_close_race_probe.py plays each part).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("sqlite_close_race_probe.py")
WRITERS = 2


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("sqlite-race") / "hindsight.sqlite3"
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "false",
        "SECRET_KEY": "test-secret-key-for-the-sqlite-race-only-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "testserver",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE", "hindsight-test"),
        # The race is about the close, not the rate limit.
        "THROTTLE_WRITE_RATE": "100000/min",
    }
    _finish(_start(env, "migrate", "--no-input", "-v", "0"))
    return env


def _start(env: dict[str, str], *args: str, **extra: str) -> subprocess.Popen:
    stdin = subprocess.PIPE if args[0] == "shell" else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **extra},
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if stdin == subprocess.PIPE:
        process.stdin.write(PROBE.read_text())
        process.stdin.close()
        process.stdin = None  # written and closed: communicate() has nothing to send
    return process


def _finish(process: subprocess.Popen) -> dict:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr[-3000:]
    lines = stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}


def _probe(env: dict[str, str], role: str, **extra: str) -> subprocess.Popen:
    return _start(env, "shell", ROLE=role, **extra)


def _race(
    env: dict[str, str], tmp_path: Path, *, question: str, close_after_ms: int, close_in_ms: int
) -> dict:
    tokens = _finish(_probe(env, "setup", QUESTION=question, WRITERS=str(WRITERS)))["tokens"]
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{index}" for index in range(WRITERS + 1)]
    writers = [
        _probe(env, "writer", QUESTION=question, TOKEN=token, READY=str(ready[i]), GO=str(go))
        for i, token in enumerate(tokens)
    ]
    closer = _probe(
        env,
        "closer",
        QUESTION=question,
        READY=str(ready[-1]),
        GO=str(go),
        WRITERS=str(WRITERS),
        CLOSE_AFTER_MS=str(close_after_ms),
        CLOSE_IN_MS=str(close_in_ms),
    )
    give_up_at = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < give_up_at:
        time.sleep(0.01)
    go.touch()
    answers = [_finish(writer)["answers"] for writer in writers]
    closed = _finish(closer)
    report = _finish(_probe(env, "report", QUESTION=question))
    return {"answers": answers, "closed": closed, **report}


@pytest.mark.parametrize(
    ("question", "close_after_ms", "close_in_ms"),
    [
        # Writers are going when the closing time passes by the clock.
        ("closed-by-the-clock", 0, 300),
        # An admin closes the question now while the writers are going.
        ("closed-by-an-admin", 300, 0),
    ],
)
def test_two_writers_racing_the_close_on_sqlite(
    environment, tmp_path, question, close_after_ms, close_in_ms
):
    race = _race(
        environment,
        tmp_path,
        question=question,
        close_after_ms=close_after_ms,
        close_in_ms=close_in_ms,
    )

    assert race["vendor"] == "sqlite"
    answers = [answer for writer in race["answers"] for answer in writer]
    unexpected = [answer for answer in answers if answer["status"] not in (201, 409)]
    assert not unexpected, unexpected  # no 500, no 503 "database is locked", no 429
    assert not [answer for answer in answers if "locked" in answer.get("body", "")]
    for writer in race["answers"]:
        # Each writer had forecasts accepted, then was told the question closed.
        assert writer[0]["status"] == 201, writer[0]
        assert writer[-1]["status"] == 409
        assert json.loads(writer[-1]["body"])["fields"] == {"question": "is closed"}

    acknowledged = sorted(answer["id"] for answer in answers if answer["status"] == 201)
    stored = race["stored"]
    assert sorted(forecast["id"] for forecast in stored) == acknowledged
    closes_at = datetime.fromisoformat(race["closes_at"])
    assert closes_at == datetime.fromisoformat(race["closed"]["closes_at"])
    late = [f for f in stored if datetime.fromisoformat(f["submitted_at"]) >= closes_at]
    assert not late, (closes_at, late)
