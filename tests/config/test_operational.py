"""Health check, API documentation and the home page."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from tests import factories

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_redis_separately(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["redis"]["status"] == "ok"


def test_healthz_degraded_but_up_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "ok"
    assert body["redis"]["status"] == "down"
    assert "Connection" in body["redis"]["error"]


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"status": "down", "error": "OperationalError: connection refused"}
    assert body["redis"]["status"] == "ok"


def test_openapi_schema_documents_the_forecast_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    forecasts = schema["paths"]["/api/v1/questions/{slug}/forecasts/"]
    assert {"get", "post"} <= set(forecasts)
    assert "/api/v1/questions/" in schema["paths"]


def test_swagger_ui_is_served_locally_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page


def test_home_lists_open_questions_and_not_drafts(client):
    open_question = factories.QuestionFactory(title="Will open weights lead by 2027?")
    factories.DraftQuestionFactory(title="A draft nobody should see")
    factories.ClosedQuestionFactory(title="An already closed question")
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert open_question.title in page
    assert "A draft nobody should see" not in page
    assert "An already closed question" not in page


def test_api_errors_use_one_shape(client):
    response = client.get("/api/v1/questions/no-such-question/")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found.", "fields": {}}


def test_list_endpoints_are_documented_as_paginated_lists(client):
    """Found by schemathesis: these answered a page of results while the schema promised
    a single object."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def ok_schema(path: str) -> str:
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert ok_schema("/api/v1/leaderboard/") == "PaginatedLeaderboardEntryList"
    assert ok_schema("/api/v1/questions/{slug}/forecasts/") == "PaginatedForecastList"
    resolution = schema["components"]["schemas"]["Resolution"]["properties"]
    assert resolution["evidence"].get("nullable") is True
    assert resolution["outcome_option"].get("nullable") is True
