"""API errors: JSON in one shape wherever they come from, and documented in the schema.

Found by the schemathesis run (tests/config/test_api_fuzz.py): a path under /api/ that no
route matches answered Django's HTML 404 page (and a failure its HTML 500 page, seen when
a bug was planted to check the run catches it); an unusable `page_size` was silently
replaced by the default; a value of another JSON type than the field's was coerced
(`"published": 0` became false, `"title": 5` became "5"); and the schema documented only
each operation's success, so a client (or a generated one) could not know the 400, 401,
403, 404, 409 ... it gets, that the public reads need no credentials, nor that a request
body may carry no field besides those listed.
"""

from __future__ import annotations

import pytest
from django.test import Client

from registry.models import Question
from tests import factories

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}


def question_payload(**overrides) -> dict:
    payload = {
        "title": "Will an open model top the leaderboard before 2028?",
        "resolution_criteria": "Resolves Yes if the leaderboard's first place is an open model.",
        "opens_at": "2026-07-01T00:00:00Z",
        "closes_at": "2027-12-31T00:00:00Z",
        "resolve_by": "2028-01-31T00:00:00Z",
    }
    return {**payload, **overrides}


@pytest.fixture
def schema(anonymous_client) -> dict:
    response = anonymous_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def documented_statuses(schema: dict, method: str, path: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


class TestUnroutedPaths:
    @pytest.mark.parametrize(
        "path",
        ["/api/v1/checks/not-a-number/evidence/", "/api/v1/questions/a|b/", "/api/v2/"],
    )
    def test_an_api_path_no_route_matches_is_the_json_404(self, anonymous_client, path):
        response = anonymous_client.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": "Not found.", "fields": {}}

    def test_a_page_no_route_matches_is_still_the_html_404(self):
        response = Client().get("/no-such-page/")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


class TestServerErrors:
    @pytest.fixture
    def broken_sources(self, monkeypatch):
        """A bug behind both the source API and the sources page."""

        def fail():
            raise RuntimeError("a bug")

        monkeypatch.setattr("registry.selectors.sources_list", fail)

    def test_an_api_failure_is_the_json_500(self, broken_sources):
        response = Client(raise_request_exception=False).get("/api/v1/sources/")

        assert response.status_code == 500
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"error", "fields"}

    def test_a_page_failure_is_still_the_html_500(self, broken_sources):
        response = Client(raise_request_exception=False).get("/sources/")

        assert response.status_code == 500
        assert response["Content-Type"].startswith("text/html")


class TestPageSize:
    @pytest.mark.parametrize("page_size", ["many", "0", "-5", "2.5", ""])
    def test_an_unusable_page_size_is_a_400_naming_it(self, anonymous_client, page_size):
        factories.QuestionFactory.create_batch(2)

        response = anonymous_client.get("/api/v1/questions/", {"page_size": page_size})

        assert response.status_code == 400
        assert response.json()["fields"] == {"page_size": "must be a whole number from 1 up"}

    def test_a_usable_page_size_still_sizes_the_page(self, anonymous_client):
        factories.QuestionFactory.create_batch(3)

        body = anonymous_client.get("/api/v1/questions/", {"page_size": "2"}).json()

        assert len(body["results"]) == 2
        assert body["count"] == 3


class TestJsonTypes:
    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"published": 0}, "published", "must be true or false"),
            ({"published": "yes"}, "published", "must be true or false"),
            ({"title": 5}, "title", "must be text"),
            ({"kind": 1}, "kind", "must be text"),
            ({"opens_at": 1767225600}, "opens_at", "must be text"),
            ({"tags": ["ai", 7]}, "tags.1", "must be text"),
        ],
    )
    def test_a_value_of_another_json_type_is_a_400_naming_it_and_creates_nothing(
        self, staff_client, change, field, message
    ):
        response = staff_client.post(
            "/api/v1/questions/", question_payload(**change), format="json"
        )

        assert response.status_code == 400
        assert response.json()["fields"] == {field: message}
        assert not Question.objects.exists()

    def test_a_whole_number_must_be_a_number(self, staff_client):
        question = factories.ClosedQuestionFactory()

        response = staff_client.post(
            f"/api/v1/questions/{question.slug}/sources/",
            {"kind": "manual", "check_every_minutes": "60"},
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["fields"] == {"check_every_minutes": "must be a whole number"}
        assert not question.resolution_sources.exists()

    def test_values_of_the_documented_types_are_still_taken(self, staff_client):
        response = staff_client.post(
            "/api/v1/questions/",
            question_payload(published=True, tags=["ai"], kind="binary"),
            format="json",
        )

        assert response.status_code == 201
        assert Question.objects.get().published_at is not None


class TestSchemaDocumentsErrors:
    def test_the_error_shape_is_a_component(self, schema):
        error = schema["components"]["schemas"]["Error"]

        assert error["required"] == ["error", "fields"]
        assert error["properties"]["fields"]["additionalProperties"] == {"type": "string"}

    def test_a_write_documents_every_refusal_it_can_answer(self, schema):
        responses = schema["paths"]["/api/v1/questions/{slug}/forecasts/"]["post"]["responses"]

        assert set(responses) == {"201", "400", "401", "403", "404", "409", "413", "415", "429"}
        for status in set(responses) - {"201"}:
            assert responses[status]["content"]["application/json"]["schema"] == ERROR

    def test_a_public_read_documents_bad_credentials_bad_input_and_missing_objects(self, schema):
        assert documented_statuses(schema, "get", "/api/v1/questions/") == {
            "200",
            "400",  # a filter or page size it cannot use
            "401",  # a token that is not valid
            "404",  # a page past the last
        }
        assert documented_statuses(schema, "get", "/api/v1/questions/{slug}/") == {
            "200",
            "401",
            "404",
        }

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/questions/{slug}/crowd/",  # hidden until you forecast
            "/api/v1/checks/{id}/evidence/",  # public once the question resolves
            "/api/v1/resolution-queue/",  # staff only
        ],
    )
    def test_a_read_that_can_be_refused_documents_its_403(self, schema, path):
        assert "403" in documented_statuses(schema, "get", path)

    def test_request_bodies_take_no_field_besides_those_listed(self, schema):
        components = schema["components"]["schemas"]
        for name in ("QuestionInputRequest", "ForecastInputRequest", "ResolutionInputRequest"):
            assert components[name]["additionalProperties"] is False

    def test_public_reads_need_no_credentials_and_writes_do(self, schema):
        def security(method: str, path: str) -> list:
            return schema["paths"][path][method]["security"]

        # IsStaffOrReadOnly, which drf-spectacular does not know, lets anyone read questions.
        assert {} in security("get", "/api/v1/questions/")
        assert {} in security("get", "/api/v1/questions/{slug}/")
        assert {} not in security("post", "/api/v1/questions/")
        assert {} not in security("patch", "/api/v1/questions/{slug}/")
        assert {} not in security("get", "/api/v1/me/")
        assert {} not in security("get", "/api/v1/resolution-queue/")
