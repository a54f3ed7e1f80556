"""Backups that are proven: `manage.py backup`, then `manage.py restore` into a fresh
database, where every forecast is present, `verify_scores` passes and the log still
refuses to be rewritten. On PostgreSQL and on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from predictions import rescoring
from resolvers import services as resolution_services
from tests import factories
from tests.faults.celery_processes import test_database_url

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent


def manage(*args: str, database_url: str, stdin: str | None = None, ok: bool = True):
    env = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DATABASE_URL": database_url,
        "DEBUG": "true",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if ok:
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result


def probe(database_url: str) -> dict:
    output = manage(
        "shell", database_url=database_url, stdin=(HERE / "restore_probe.py").read_text()
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


@pytest.fixture
def fresh_postgres_database():
    settings = connection.settings_dict
    name = f"hindsight_restore_{uuid.uuid4().hex[:10]}"
    admin = (
        f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scored_question():
    question = factories.ClosedQuestionFactory(slug="shipped")
    for handle, p in (("alice", 0.8), ("bob", 0.3)):
        forecaster = factories.HumanForecasterFactory(handle=handle, user__username=handle)
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[p],
            submitted_at=question.opens_at + timedelta(hours=1),
        )
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It shipped.", user=factories.StaffFactory()
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


@pytest.mark.postgresql_only(reason="pg_dump and pg_restore; the SQLite backup has its own test")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_fresh_database_with_every_forecast(
    tmp_path, fresh_postgres_database
):
    scored_question()
    file = tmp_path / "hindsight.dump"

    call_command("backup", str(file))
    manage("restore", str(file), database_url=fresh_postgres_database)

    restored = probe(fresh_postgres_database)
    original = probe(test_database_url())
    assert (
        restored["forecasts"]
        == original["forecasts"]
        == [
            ["alice", "shipped", [0.8]],
            ["bob", "shipped", [0.3]],
        ]
    )
    assert restored["scores"] == 2
    assert restored["rewrite"].startswith("refused:")  # the triggers came back too
    verified = manage("verify_scores", database_url=fresh_postgres_database)
    assert "Every stored score matches the forecast log." in verified.stdout


@pytest.mark.postgresql_only(reason="restores with pg_restore into a second PostgreSQL database")
@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_database_that_holds_forecasts(tmp_path):
    scored_question()
    file = tmp_path / "hindsight.dump"
    call_command("backup", str(file))

    with pytest.raises(CommandError, match="already holds forecasts"):
        call_command("restore", str(file))
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(file))


@pytest.mark.postgresql_only(
    reason="pins pg_restore's refusal; the SQLite refusal is its own sentence"
)
@pytest.mark.django_db
def test_a_file_that_is_no_backup_is_refused_with_a_sentence(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("not a backup")

    with pytest.raises(CommandError, match="is not a pg_dump custom-format file"):
        call_command("restore", str(file))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path / "missing.dump"))


def test_an_sqlite_backup_restores_into_a_fresh_file_with_every_forecast(tmp_path):
    original = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    fresh = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    file = tmp_path / "backup.sqlite3"
    manage("migrate", "--no-input", "-v", "0", database_url=original)
    history = (HERE / "sqlite_history_probe.py").read_text()
    assert "ready" in manage("shell", database_url=original, stdin=history).stdout

    manage("backup", str(file), database_url=original)
    manage("restore", str(file), database_url=fresh)

    restored = probe(fresh)
    assert restored["forecasts"] == [["alice", "shipped", [0.8]], ["bob", "shipped", [0.3]]]
    assert restored["scores"] == 2
    assert restored["rewrite"].startswith("refused: Cannot update or delete rows")
    verified = manage("verify_scores", database_url=fresh)
    assert "Every stored score matches the forecast log." in verified.stdout
    again = manage("restore", str(file), database_url=fresh, ok=False)
    assert again.returncode != 0 and "already holds forecasts" in again.stderr
