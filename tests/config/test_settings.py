"""Settings come from the environment, and production-like variables pass the deploy check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "9f8e7d6c5b4a3z2y1x0w" * 3


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py with only the given variables (plus PATH), ignoring any .env file."""
    environment = {"PATH": os.environ["PATH"], "ENV_FILE": "/nonexistent/.env", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings_as_json(**env: str) -> dict:
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']"
        "['ENGINE'], 'name': str(settings.DATABASES['default']['NAME']), "
        "'broker': settings.CELERY_BROKER_URL, 'cache': settings.CACHES['default']['LOCATION']}))"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_deploy_check_passes_with_production_variables():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=STRONG_KEY,
        HTTPS="true",
        ALLOWED_HOSTS="hindsight.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hindsight",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_https_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_missing_secret_key_is_an_error_outside_debug():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key():
    assert _manage("check", DEBUG="true").returncode == 0


def test_debug_is_off_unless_asked_for():
    assert _settings_as_json(SECRET_KEY=STRONG_KEY)["debug"] is False


def test_sqlite_under_var_when_database_url_is_unset():
    settings = _settings_as_json(SECRET_KEY=STRONG_KEY)
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(ROOT / "var" / "hindsight.sqlite3")


def test_postgresql_and_redis_from_the_environment():
    settings = _settings_as_json(
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://someone@db.internal:5433/hindsight",
        REDIS_URL="redis://cache.internal:6380/2",
    )
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "hindsight"
    assert settings["broker"] == "redis://cache.internal:6380/2"
    assert settings["cache"] == "redis://cache.internal:6380/2"


def test_api_keys_come_from_the_environment_bound_to_their_hosts():
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.RESOLVER_SECRETS))"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "RESOLVER_SECRETS": "AA_API_KEY@artificialanalysis.ai, GH_TOKEN@api.github.com|github.com",
        "AA_API_KEY": "k-aa",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "AA_API_KEY": {"value": "k-aa", "hosts": ["artificialanalysis.ai"]},
        "GH_TOKEN": {"value": "", "hosts": ["api.github.com", "github.com"]},
    }
