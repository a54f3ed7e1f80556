"""Hardening that holds across the service: write throttles shared by every process through
Redis, page sizes capped on every list, oversized bodies refused before they are read, and
the security headers and cookies of the production settings.

`manage.py check --deploy` with the production variables is pinned in test_settings.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from config.api import WriteRateThrottle
from predictions.follow_models import Follow
from predictions.models import Forecast, ForecasterTotal
from registry.models import Question
from registry.services import api_token_create, forecaster_for_user
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "9f8e7d6c5b4a3z2y1x0w" * 3


def _database_url() -> str:
    """The test database, for a second process to use."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def run_in_another_process(code: str, *args: str, **env: str) -> object:
    """Run `code` in a fresh Django process on the same database and Redis; its JSON print."""
    environment = {
        "PATH": os.environ["PATH"],
        "ENV_FILE": "/nonexistent/.env",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": STRONG_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Write throttles: one counter per user, in Redis, whichever process serves the request

TWO_FORECASTS = """
import json, sys, django
django.setup()
from django.test import Client
client = Client(HTTP_AUTHORIZATION="Token " + sys.argv[1])
url = sys.argv[2]
print(json.dumps([
    client.post(url, {"probability": 0.55}, content_type="application/json").status_code
    for _ in range(2)
]))
"""


@pytest.mark.postgresql_only(reason="two server processes on one server database")
@pytest.mark.django_db(transaction=True)  # the other process must see the rows
def test_two_processes_share_one_write_counter(monkeypatch):
    # DRF copies the rates onto the class at import: patch it here, set it there.
    monkeypatch.setattr(WriteRateThrottle, "THROTTLE_RATES", {"write": "3/min", "login": "10/min"})
    forecaster = factories.HumanForecasterFactory()
    key = api_token_create(user=forecaster.user).key
    url = f"/api/v1/questions/{factories.QuestionFactory().slug}/forecasts/"
    here = APIClient()
    here.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    first_two = [here.post(url, {"probability": p}, format="json").status_code for p in (0.6, 0.7)]
    there = run_in_another_process(TWO_FORECASTS, key, url, THROTTLE_WRITE_RATE="3/min")
    back_here = here.post(url, {"probability": 0.8}, format="json").status_code

    assert first_two == [201, 201]
    assert there == [201, 429]
    assert back_here == 429
    assert Forecast.objects.filter(forecaster=forecaster).count() == 3


# --- Page sizes: every paginated list stops at API_MAX_PAGE_SIZE


def _three_questions(client_user) -> str:
    factories.QuestionFactory.create_batch(3)
    return "/api/v1/questions/"


def _three_forecasters(client_user) -> str:
    factories.HumanForecasterFactory.create_batch(3)
    return "/api/v1/forecasters/"


def _three_sources(client_user) -> str:
    factories.SourceFactory.create_batch(3)
    return "/api/v1/sources/"


def _three_tags(client_user) -> str:
    factories.TagFactory.create_batch(3)
    return "/api/v1/tags/"


def _three_forecasts_on_a_question(client_user) -> str:
    question = factories.QuestionFactory()
    factories.ForecastFactory.create_batch(3, question=question)
    return f"/api/v1/questions/{question.slug}/forecasts/"


def _three_forecasts_by_a_forecaster(client_user) -> str:
    forecaster = factories.HumanForecasterFactory()
    factories.ForecastFactory.create_batch(3, forecaster=forecaster)
    return f"/api/v1/forecasters/{forecaster.handle}/forecasts/"


def _three_of_my_forecasts(client_user) -> str:
    factories.ForecastFactory.create_batch(3, forecaster=forecaster_for_user(user=client_user))
    return "/api/v1/me/forecasts/"


def _three_on_the_leaderboard(client_user) -> str:
    for forecaster in factories.HumanForecasterFactory.create_batch(3):
        ForecasterTotal.objects.create(
            forecaster=forecaster,
            scope="all",
            questions=settings.LEADERBOARD_MIN_QUESTIONS,
            mean_brier=0.2,
            mean_relative_score=-0.01,
            relative_score_low=-0.02,
            relative_score_high=0.0,
            mean_log_loss=0.5,
        )
    return "/api/v1/leaderboard/"


def _three_resolutions_of_a_question(client_user) -> str:
    question = factories.ClosedQuestionFactory()
    staff = factories.StaffFactory()
    previous = None
    for outcome in ("yes", "no", "yes"):
        previous = resolution_services.resolution_record(
            question=question,
            outcome=outcome,
            rationale="Read again.",
            user=staff,
            supersedes=previous.pk if previous else None,
        )
    return f"/api/v1/questions/{question.slug}/resolutions/"


def _three_comments_on_a_question(client_user) -> str:
    question = factories.QuestionFactory()
    factories.CommentFactory.create_batch(3, question=question)
    return f"/api/v1/questions/{question.slug}/comments/"


def _three_of_my_follows(client_user) -> str:
    follower = forecaster_for_user(user=client_user)
    for question in factories.QuestionFactory.create_batch(3):
        Follow.objects.create(follower=follower, question=question)
    return "/api/v1/follows/"


# Each paginated list of the API (as its schema says), and how to give it three items.
PAGINATED_LISTS = {
    "/api/v1/questions/": _three_questions,
    "/api/v1/forecasters/": _three_forecasters,
    "/api/v1/sources/": _three_sources,
    "/api/v1/tags/": _three_tags,
    "/api/v1/questions/{slug}/forecasts/": _three_forecasts_on_a_question,
    "/api/v1/forecasters/{handle}/forecasts/": _three_forecasts_by_a_forecaster,
    "/api/v1/me/forecasts/": _three_of_my_forecasts,
    "/api/v1/leaderboard/": _three_on_the_leaderboard,
    "/api/v1/questions/{slug}/resolutions/": _three_resolutions_of_a_question,
    "/api/v1/follows/": _three_of_my_follows,
    "/api/v1/questions/{slug}/comments/": _three_comments_on_a_question,
}


def _paginated_paths_in_schema() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    paths = set()
    for path, operations in schema["paths"].items():
        ok = operations.get("get", {}).get("responses", {}).get("200", {})
        body = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in body:
            body = components[body["$ref"].rsplit("/", 1)[-1]]
        if "results" in body.get("properties", {}):
            paths.add(path)
    return paths


def test_every_paginated_list_of_the_schema_is_checked_here():
    assert _paginated_paths_in_schema() == set(PAGINATED_LISTS)


@pytest.mark.parametrize("fill", PAGINATED_LISTS.values(), ids=PAGINATED_LISTS.keys())
def test_a_list_gives_no_more_than_the_cap_whatever_page_size_asks(
    fill, staff_user, staff_client, settings
):
    # The cap is read at each request, so a cap of 2 shows on three items what 200 does
    # on two hundred and one (pinned on real numbers below).
    settings.API_MAX_PAGE_SIZE = 2
    url = fill(staff_user)

    response = staff_client.get(url, {"page_size": 1000})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_the_cap_is_two_hundred(anonymous_client):
    factories.TagFactory.create_batch(201)

    first = anonymous_client.get("/api/v1/tags/", {"page_size": 10_000}).json()
    rest = anonymous_client.get(first["next"]).json()

    assert len(first["results"]) == 200
    assert len(rest["results"]) == 1


# --- Request bodies: over API_MAX_BODY_BYTES is 413 before anything reads it


def _padded(payload: dict, size: int) -> bytes:
    return json.dumps({**payload, "rationale": "x" * size}).encode()


def test_an_oversized_forecast_is_413_and_stores_nothing(alice_client):
    url = f"/api/v1/questions/{factories.QuestionFactory().slug}/forecasts/"
    body = _padded({"probability": 0.7}, settings.API_MAX_BODY_BYTES)

    response = alice_client.generic("POST", url, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "error": f"Request body is {len(body)} bytes; the limit is "
        f"{settings.API_MAX_BODY_BYTES} bytes.",
        "fields": {},
    }
    assert not Forecast.objects.exists()


def test_an_oversized_question_edit_is_413_and_changes_nothing(staff_client):
    question = factories.QuestionFactory(title="Will it rain on the launch day?")
    body = json.dumps({"title": "Changed", "body": "y" * settings.API_MAX_BODY_BYTES})

    response = staff_client.generic(
        "PATCH", f"/api/v1/questions/{question.slug}/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert Question.objects.get(pk=question.pk).title == "Will it rain on the launch day?"


def test_an_oversized_token_request_is_413_and_issues_nothing(anonymous_client, alice):
    body = json.dumps(
        {"username": "alice", "password": "correct horse battery", "x": "z" * 300_000}
    )

    response = anonymous_client.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert not alice.user.auth_token_set.exists()


def test_a_body_without_content_length_is_not_read(alice_client):
    # A chunked upload declares no length: Django reads none of it, so it cannot slip an
    # oversized body past the limit.
    url = f"/api/v1/questions/{factories.QuestionFactory().slug}/forecasts/"
    body = _padded({"probability": 0.7}, settings.API_MAX_BODY_BYTES)

    response = alice_client.generic(
        "POST", url, body, content_type="application/json", CONTENT_LENGTH=""
    )

    assert response.status_code == 400
    assert not Forecast.objects.exists()


def test_a_body_under_the_limit_is_accepted(alice_client):
    url = f"/api/v1/questions/{factories.QuestionFactory().slug}/forecasts/"

    response = alice_client.post(url, {"probability": 0.7, "rationale": "base rate"}, format="json")

    assert response.status_code == 201


# --- Production settings: headers and cookies as a browser receives them

PRODUCTION_RESPONSES = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, override_settings

class Undo(Exception):
    pass

def seen(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
            for name, morsel in response.cookies.items()
        },
    }

out = {}
# Static files are not under test: the production storage would need a collectstatic run.
plain_static = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
try:
    with override_settings(STORAGES=plain_static), transaction.atomic():
        get_user_model().objects.create_user("prod-check", password="a long pass phrase 42")
        browser = Client()
        out["page"] = seen(browser.get("/", secure=True))
        out["api"] = seen(browser.get("/api/v1/questions/", secure=True))
        out["api_error"] = seen(browser.get("/api/v1/me/", secure=True))
        out["login_form"] = seen(browser.get("/accounts/login/", secure=True))
        out["login"] = seen(browser.post(
            "/accounts/login/",
            {"username": "prod-check", "password": "a long pass phrase 42"},
            secure=True,
        ))
        out["plain_http"] = seen(Client().get("/leaderboard/"))
        raise Undo
except Undo:
    pass
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return run_in_another_process(PRODUCTION_RESPONSES, HTTPS="true")


@pytest.mark.postgresql_only(reason="a production server process on the suite's server database")
@pytest.mark.parametrize("name", ["page", "api", "api_error", "login_form", "login"])
def test_production_headers_on_pages_and_api(production_responses, name):
    headers = production_responses[name]["headers"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.postgresql_only(reason="a production server process on the suite's server database")
def test_production_responses_are_what_they_seem(production_responses):
    # The header checks above looked at real answers, not error pages.
    statuses = {name: seen["status"] for name, seen in production_responses.items()}
    assert statuses == {
        "page": 200,
        "api": 200,
        "api_error": 401,
        "login_form": 200,
        "login": 302,
        "plain_http": 301,
    }


@pytest.mark.postgresql_only(reason="a production server process on the suite's server database")
def test_production_cookies_are_secure_and_http_only(production_responses):
    # Named with the __Host- prefix (OWASP ASVS 3.4.4): secure, host-only, path /.
    csrf = production_responses["login_form"]["cookies"]["__Host-csrftoken"]
    session = production_responses["login"]["cookies"]["__Host-sessionid"]

    assert csrf == {"secure": True, "httponly": True}
    assert session == {"secure": True, "httponly": True}


@pytest.mark.postgresql_only(reason="a production server process on the suite's server database")
def test_production_sends_plain_http_to_https(production_responses):
    assert production_responses["plain_http"]["headers"]["Location"] == (
        "https://testserver/leaderboard/"
    )
