"""POST /api/v1/questions/{slug}/forecasts/: what is accepted, what is refused, and why."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from config.clock import database_now
from predictions.models import Forecast
from resolvers.models import Resolution
from tests import factories
from tests.predictions.helpers import MC_OPTIONS, forecasts_url, post_raw

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The response is the API's JSON error with this status, naming `field` if given."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "fields"}, body
    assert isinstance(body["error"], str) and body["error"], body
    if field is not None:
        assert field in body["fields"], body
        assert body["fields"][field], body
    return body


# --- Accepted forecasts ---------------------------------------------------------------------


def test_binary_forecast_is_stored_as_p_yes_with_the_server_time(alice, alice_client):
    question = factories.QuestionFactory()
    before = database_now()

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    after = database_now()
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["question"] == question.slug
    assert body["forecaster"] == "alice"
    assert body["probabilities"] == {"Yes": 0.7, "No": 0.3}
    assert body["rationale"] == ""
    stored = Forecast.objects.get()
    assert stored.id == body["id"]
    assert stored.probabilities == [0.7]
    assert stored.forecaster == alice
    assert stored.question == question
    assert stored.origin == Forecast.Origin.API
    assert before <= stored.submitted_at <= after
    assert parse_datetime(body["submitted_at"]) == stored.submitted_at


def test_a_submission_reads_the_question_row_and_not_its_surroundings(alice, alice_client):
    """Tags, options and the outcome history are for pages; a submission needs the row
    alone, and the service's status check under its lock (bench/load.py measures this)."""
    question = factories.QuestionFactory(tags=[factories.TagFactory()])
    alice_client.post(forecasts_url(question), {"probability": 0.6}, format="json")

    with CaptureQueriesContext(connection) as queries:
        response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert response.status_code == 201
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "registry_tag" in sql or "questionoption" in sql]
    assert len([sql for sql in statements if 'FROM "resolvers_resolution"' in sql]) == 1
    assert len([sql for sql in statements if 'FROM "registry_question"' in sql]) == 2  # + lock


def test_the_bounds_of_the_range_are_accepted(alice_client):
    question = factories.QuestionFactory()

    low = alice_client.post(forecasts_url(question), {"probability": 0.001}, format="json")
    high = alice_client.post(forecasts_url(question), {"probability": 0.999}, format="json")

    assert (low.status_code, high.status_code) == (201, 201)
    assert [f.probabilities for f in Forecast.objects.order_by("id")] == [[0.001], [0.999]]


def test_multiple_choice_forecast_is_stored_in_option_order(alice_client, mc_question):
    # Keys sent in an order different from the options' order.
    sent = {"Europe": 0.2, "United States": 0.5, "China": 0.3}

    response = alice_client.post(forecasts_url(mc_question), {"probabilities": sent}, format="json")

    assert response.status_code == 201, response.content
    assert Forecast.objects.get().probabilities == [0.5, 0.3, 0.2]
    probabilities = response.json()["probabilities"]
    assert list(probabilities) == MC_OPTIONS
    assert probabilities == {"United States": 0.5, "China": 0.3, "Europe": 0.2}


def test_multiple_choice_sum_within_the_tolerance_is_accepted(alice_client, mc_question):
    thirds = {label: 1 / 3 for label in MC_OPTIONS}

    response = alice_client.post(
        forecasts_url(mc_question), {"probabilities": thirds}, format="json"
    )

    assert response.status_code == 201, response.content


def test_rationale_is_kept(alice_client):
    question = factories.QuestionFactory()
    rationale = "Three labs announced it; the base rate is high.\nSecond line ✓"

    response = alice_client.post(
        forecasts_url(question), {"probability": 0.8, "rationale": rationale}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["rationale"] == rationale
    assert Forecast.objects.get().rationale == rationale


def test_rationale_of_exactly_ten_thousand_characters_is_accepted(alice_client):
    question = factories.QuestionFactory()

    response = alice_client.post(
        forecasts_url(question), {"probability": 0.8, "rationale": "x" * 10_000}, format="json"
    )

    assert response.status_code == 201, response.content


def test_a_second_forecast_appends_and_leaves_the_first_unchanged(alice, alice_client):
    question = factories.QuestionFactory()
    first = alice_client.post(
        forecasts_url(question), {"probability": 0.7, "rationale": "first"}, format="json"
    )
    first_row = Forecast.objects.get()

    second = alice_client.post(forecasts_url(question), {"probability": 0.4}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    rows = list(Forecast.objects.filter(forecaster=alice).order_by("id"))
    assert len(rows) == 2
    assert rows[0].pk == first_row.pk
    assert rows[0].probabilities == [0.7]
    assert rows[0].rationale == "first"
    assert rows[0].submitted_at == first_row.submitted_at
    assert rows[1].probabilities == [0.4]
    assert rows[1].submitted_at >= rows[0].submitted_at


def test_naming_yourself_as_the_forecaster_is_allowed(alice, alice_client):
    question = factories.QuestionFactory()

    response = alice_client.post(
        forecasts_url(question), {"probability": 0.6, "forecaster": "alice"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Forecast.objects.get().forecaster == alice


def test_a_users_first_forecast_creates_their_forecaster_profile(db):
    user = factories.UserFactory(username="carol")
    client = APIClient()
    client.force_authenticate(user)
    question = factories.QuestionFactory()

    response = client.post(forecasts_url(question), {"probability": 0.6}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["forecaster"] == "carol"
    assert Forecast.objects.get().forecaster.user == user


# --- Bad input: 400 naming the field, nothing stored ----------------------------------------

BINARY_BAD_BODIES = [
    pytest.param('{"probability": NaN}', "probability", id="nan"),
    pytest.param('{"probability": Infinity}', "probability", id="infinity"),
    pytest.param('{"probability": -Infinity}', "probability", id="minus-infinity"),
    pytest.param('{"probability": 1e400}', "probability", id="float-overflowing-to-inf"),
    pytest.param('{"probability": 1' + "0" * 400 + "}", "probability", id="huge-integer"),
    pytest.param('{"probability": true}', "probability", id="true"),
    pytest.param('{"probability": false}', "probability", id="false"),
    pytest.param('{"probability": "0.7"}', "probability", id="string"),
    pytest.param('{"probability": null}', "probability", id="null"),
    pytest.param('{"probability": [0.7]}', "probability", id="list"),
    pytest.param('{"probability": {"Yes": 0.7}}', "probability", id="object"),
    pytest.param('{"probability": 0}', "probability", id="zero"),
    pytest.param('{"probability": 1}', "probability", id="one"),
    pytest.param('{"probability": 0.0}', "probability", id="zero-float"),
    pytest.param('{"probability": 1.0}', "probability", id="one-float"),
    pytest.param('{"probability": -0.5}', "probability", id="negative"),
    pytest.param('{"probability": 0.0009}', "probability", id="just-below-range"),
    pytest.param('{"probability": 0.9991}', "probability", id="just-above-range"),
    pytest.param("{}", "probability", id="missing"),
    pytest.param('{"rationale": "no number"}', "probability", id="missing-with-rationale"),
    pytest.param(
        '{"probabilities": {"Yes": 0.7, "No": 0.3}}', "probabilities", id="probabilities-on-binary"
    ),
    pytest.param(
        '{"probability": 0.7, "submitted_at": "2020-01-01T00:00:00Z"}',
        "submitted_at",
        id="unknown-field-submitted_at",
    ),
    pytest.param('{"probability": 0.7, "status": "open"}', "status", id="unknown-field-status"),
    pytest.param('{"probability": 0.7, "outcome": "yes"}', "outcome", id="unknown-field-outcome"),
    pytest.param('{"probability": 0.7, "id": 1}', "id", id="unknown-field-id"),
    pytest.param('{"probability": 0.7, "probabilty": 0.7}', "probabilty", id="typo-field"),
    pytest.param(
        json.dumps({"probability": 0.7, "rationale": "x" * 10_001}),
        "rationale",
        id="rationale-too-long",
    ),
    pytest.param('{"probability": 0.7, "rationale": 42}', "rationale", id="rationale-number"),
    pytest.param('{"probability": 0.7, "rationale": ["a"]}', "rationale", id="rationale-list"),
    pytest.param('{"probability": 0.7, "rationale": null}', "rationale", id="rationale-null"),
    pytest.param('{"probability": 0.7, "forecaster": ""}', "forecaster", id="forecaster-blank"),
    pytest.param("[0.7]", None, id="body-is-a-list"),
    pytest.param("0.7", None, id="body-is-a-number"),
]


@pytest.mark.parametrize(("body", "field"), BINARY_BAD_BODIES)
def test_bad_binary_input_is_a_400_naming_the_field(alice_client, body, field):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, probabilities=[0.5])
    before = Forecast.objects.count()

    response = post_raw(alice_client, forecasts_url(question), body)

    assert_error(response, 400, field)
    assert Forecast.objects.count() == before


def test_unknown_fields_are_all_named_and_only_they(alice_client):
    question = factories.QuestionFactory()

    response = alice_client.post(
        forecasts_url(question),
        {"probability": 0.7, "submitted_at": "2020-01-01T00:00:00Z", "status": "resolved"},
        format="json",
    )

    body = assert_error(response, 400)
    assert set(body["fields"]) == {"submitted_at", "status"}
    assert not Forecast.objects.exists()


MC_BAD_BODIES = [
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": 0.3, "Europe": 0.1}},
        "probabilities",
        id="sums-to-0.9",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": 0.3, "Europe": 0.3}},
        "probabilities",
        id="sums-to-1.1",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": 0.3, "Europe": 0.2, "Mars": 0.001}},
        "probabilities",
        id="unknown-option",
    ),
    pytest.param(
        {"probabilities": {"united states": 0.5, "China": 0.3, "Europe": 0.2}},
        "probabilities",
        id="label-wrong-case",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.7, "China": 0.3}},
        "probabilities.Europe",
        id="missing-option",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": "0.3", "Europe": 0.2}},
        "probabilities.China",
        id="value-is-a-string",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": True, "Europe": 0.2}},
        "probabilities.China",
        id="value-is-a-boolean",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": None, "Europe": 0.5}},
        "probabilities.China",
        id="value-is-null",
    ),
    pytest.param(
        {"probabilities": {"United States": 0.5, "China": 0.5, "Europe": 0.0}},
        "probabilities.Europe",
        id="value-out-of-range",
    ),
    pytest.param(
        {"probabilities": {"United States": 10**400, "China": 0.3, "Europe": 0.2}},
        "probabilities.United States",
        id="value-is-a-huge-integer",
    ),
    pytest.param({"probabilities": [0.5, 0.3, 0.2]}, "probabilities", id="vector-not-object"),
    pytest.param({"probabilities": 0.5}, "probabilities", id="number-not-object"),
    pytest.param({"probabilities": None}, "probabilities", id="null"),
    pytest.param({}, "probabilities", id="missing"),
    pytest.param({"probability": 0.5}, "probability", id="binary-field-on-mc"),
]


@pytest.mark.parametrize(("payload", "field"), MC_BAD_BODIES)
def test_bad_multiple_choice_input_is_a_400_naming_the_field(
    alice_client, mc_question, payload, field
):
    response = alice_client.post(forecasts_url(mc_question), payload, format="json")

    assert_error(response, 400, field)
    assert not Forecast.objects.exists()


def test_nan_in_a_multiple_choice_vector_names_the_option(alice_client, mc_question):
    body = '{"probabilities": {"United States": 0.5, "China": NaN, "Europe": 0.5}}'

    response = post_raw(alice_client, forecasts_url(mc_question), body)

    assert_error(response, 400, "probabilities.China")
    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("probability=0.7", id="form-encoded-text"),
        pytest.param('{"probability": 0.7', id="truncated"),
        pytest.param("", id="empty"),
    ],
)
def test_a_body_that_is_not_json_is_a_400(alice_client, body):
    question = factories.QuestionFactory()

    response = post_raw(alice_client, forecasts_url(question), body)

    assert_error(response, 400)
    assert not Forecast.objects.exists()


def test_a_form_encoded_post_is_refused_as_unsupported(alice_client):
    question = factories.QuestionFactory()

    response = alice_client.post(forecasts_url(question), {"probability": "0.7"})

    assert_error(response, 415)
    assert not Forecast.objects.exists()


# --- The question's state -------------------------------------------------------------------


def _annulled_question():
    # Open by its times, so only the annulment can be what refuses the forecast.
    question = factories.QuestionFactory()
    factories.ResolutionFactory(
        question=question,
        outcome=Resolution.Outcome.ANNULLED,
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
    )
    return question


def _resolved_question():
    question = factories.QuestionFactory()
    factories.ResolutionFactory(
        question=question,
        outcome=Resolution.Outcome.YES,
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
    )
    return question


def _resolving_question():
    question = factories.QuestionFactory()
    factories.ResolutionFactory(question=question, outcome=Resolution.Outcome.YES)
    return question


@pytest.mark.parametrize(
    ("make_question", "status"),
    [
        pytest.param(factories.ClosedQuestionFactory, "closed", id="closed"),
        pytest.param(factories.UpcomingQuestionFactory, "upcoming", id="not-yet-open"),
        pytest.param(_annulled_question, "annulled", id="annulled"),
        pytest.param(_resolved_question, "resolved", id="resolved"),
        pytest.param(_resolving_question, "resolving", id="resolving"),
    ],
)
def test_a_question_not_open_refuses_forecasts_with_409(alice_client, make_question, status):
    question = make_question()

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    body = assert_error(response, 409, "question")
    assert status in body["fields"]["question"]
    assert not Forecast.objects.exists()


def test_a_draft_question_is_not_found_for_a_forecaster(alice_client):
    question = factories.DraftQuestionFactory()

    response = alice_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert_error(response, 404)
    assert not Forecast.objects.exists()


def test_a_draft_question_refuses_forecasts_even_from_staff(staff_client):
    question = factories.DraftQuestionFactory()

    response = staff_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert_error(response, 409, "question")
    assert not Forecast.objects.exists()


def test_an_unknown_question_is_404(alice_client):
    response = alice_client.post(forecasts_url("no-such-question"), {"probability": 0.7})

    assert_error(response, 404)


# --- Who may forecast -----------------------------------------------------------------------


def test_forecasting_as_someone_else_is_403_and_stores_nothing(alice_client, bob):
    question = factories.QuestionFactory()

    response = alice_client.post(
        forecasts_url(question), {"probability": 0.7, "forecaster": "bob"}, format="json"
    )

    assert_error(response, 403, "forecaster")
    assert not Forecast.objects.exists()


def test_unauthenticated_forecast_is_401_with_a_token_challenge(anonymous_client):
    question = factories.QuestionFactory()

    response = anonymous_client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert not Forecast.objects.exists()


def test_a_bad_token_is_401_and_stores_nothing(db):
    question = factories.QuestionFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.post(forecasts_url(question), {"probability": 0.7}, format="json")

    body = assert_error(response, 401)
    assert "token" in body["error"].lower()
    assert response["WWW-Authenticate"] == "Token"
    assert not Forecast.objects.exists()


def test_a_browser_session_needs_the_csrf_token(alice):
    question = factories.QuestionFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice.user)

    without = client.post(forecasts_url(question), {"probability": 0.7}, format="json")
    assert_error(without, 403)
    assert not Forecast.objects.exists()

    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    with_token = client.post(
        forecasts_url(question), {"probability": 0.7}, format="json", HTTP_X_CSRFTOKEN=secret
    )
    assert with_token.status_code == 201, with_token.content
    assert Forecast.objects.get().forecaster == alice


# --- Body size ------------------------------------------------------------------------------


def test_an_oversized_body_is_413_and_stores_nothing(alice_client, settings):
    question = factories.QuestionFactory()
    body = json.dumps({"probability": 0.7, "rationale": "x" * (256 * 1024)})
    assert len(body.encode()) > settings.API_MAX_BODY_BYTES == 256 * 1024

    response = post_raw(alice_client, forecasts_url(question), body)

    body = assert_error(response, 413)
    assert str(settings.API_MAX_BODY_BYTES) in body["error"]
    assert not Forecast.objects.exists()


def test_a_body_just_under_the_limit_is_read(alice_client, settings):
    # Under the byte limit, the body reaches validation (here: the rationale is too long).
    question = factories.QuestionFactory()
    padding = settings.API_MAX_BODY_BYTES - 100
    body = json.dumps({"probability": 0.7, "rationale": "x" * padding})
    assert len(body.encode()) <= settings.API_MAX_BODY_BYTES

    response = post_raw(alice_client, forecasts_url(question), body)

    assert_error(response, 400, "rationale")


# --- What the API schema promises -----------------------------------------------------------


def test_the_schema_documents_the_accepted_range_and_a_text_rationale(anonymous_client):
    # The schema had called the rationale a number and given the probabilities no range,
    # so clients generated from it (and the fuzzer) sent what is always refused.
    schema = anonymous_client.get("/api/schema/", {"format": "json"}).json()
    body = schema["components"]["schemas"]["ForecastInputRequest"]["properties"]
    in_range = {"type": "number", "minimum": 0.001, "maximum": 0.999}

    assert {key: body["probability"][key] for key in in_range} == in_range
    assert body["probabilities"]["additionalProperties"] == in_range
    assert body["rationale"]["type"] == "string"
    assert body["rationale"]["maxLength"] == 10_000


def test_the_documented_examples_are_accepted(alice_client, mc_question):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/questions/{slug}/forecasts/"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    binary = factories.QuestionFactory()

    by_kind = {
        binary: examples["BinaryQuestion"]["value"],
        mc_question: examples["Multiple-choiceQuestion"]["value"],
    }
    for question, body in by_kind.items():
        response = alice_client.post(forecasts_url(question), body, format="json")
        assert response.status_code == 201, response.content


def test_a_percentage_sent_to_the_api_is_refused_with_the_probability_it_meant(
    alice_client,
):
    question = factories.QuestionFactory()

    response = alice_client.post(forecasts_url(question), {"probability": 70}, format="json")

    assert response.status_code == 400
    message = response.json()["fields"]["probability"]
    assert "a probability, not a percentage: 70% is written 0.7" in message
