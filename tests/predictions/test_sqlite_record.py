"""The embedded default keeps the forecast log as PostgreSQL does: on SQLite the database
itself refuses to update or delete a forecast and checks each inserted vector.

It runs against a fresh SQLite file migrated from scratch, in a subprocess (the suite's
own database is PostgreSQL), exactly as `make run` would set it up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("sqlite_record_probe.py")


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("sqlite") / "hindsight.sqlite3"
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "true",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }

    def manage(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    manage("migrate", "--no-input", "-v", "0")
    output = manage("shell", stdin=PROBE.read_text())
    return json.loads(output.strip().splitlines()[-1])


def test_the_probe_ran_on_sqlite(probe):
    assert probe["vendor"] == "sqlite"


@pytest.mark.parametrize(
    "attempt",
    ["update_orm", "update_sql", "delete_orm", "delete_sql", "replace_sql", "upsert_sql"],
)
def test_a_stored_forecast_cannot_be_rewritten_or_deleted(probe, attempt):
    assert probe[attempt].startswith("refused: Cannot update or delete rows")
    assert probe["kept"] == [0.7]
    assert probe["kept_rationale"] == ""


@pytest.mark.parametrize(
    ("attempt", "reason"),
    [
        ("too_many_for_binary", "wrong number of probabilities"),
        ("too_few_for_choice", "wrong number of probabilities"),
        ("out_of_range", "outside [0.001, 0.999]"),
        ("below_range", "outside [0.001, 0.999]"),
        ("not_a_number", "is not a number"),
        ("not_an_array", "must be a JSON array"),
        ("sum_off", "do not sum to 1"),
    ],
)
def test_a_bad_vector_is_refused_by_the_database(probe, attempt, reason):
    assert probe[attempt].startswith("refused:") and reason in probe[attempt]


def test_good_vectors_are_stored_and_nothing_else(probe):
    assert probe["good_binary"] == probe["good_choice"] == "accepted"
    assert probe["count"] == 3  # the first, and the two good ones
