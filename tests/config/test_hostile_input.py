"""Input that once answered 500 now answers a sentence and stores nothing: NUL bytes and
lone surrogates in addresses, JSON and stored text, bodies nested too deeply, numbers too
large for any field, a username longer than a display name, digits int() cannot read."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from predictions.models import Forecast
from resolvers import kinds
from resolvers.models import ResolutionSource
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    return factories.QuestionFactory(slug="q1")


@pytest.fixture
def alice_api():
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(factories.HumanForecasterFactory().user)
    return client


@pytest.fixture
def staff_api(staff_user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(staff_user)
    return client


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("/api/v1/questions/%00/", "The address must not contain NUL bytes"),
        ("/api/v1/questions/?search=%00", "parameter search must not contain NUL bytes"),
        (
            "/api/v1/questions/q1/forecasts/?forecaster=a%00",
            "parameter forecaster must not contain NUL",
        ),
        ("/questions/?q=%00", "parameter q must not contain NUL bytes"),
    ],
)
def test_an_address_with_a_nul_byte_is_a_400_naming_the_part(question, address, words):
    response = Client(raise_request_exception=False).get(address)

    assert response.status_code == 400
    assert words in response.content.decode()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ('{"probability": 0.5, "rationale": "a\\ud800b"}', "rationale", "lone surrogates"),
        ('{"probability": 0.5, "rationale": "a\\u0000b"}', "rationale", "NUL bytes"),
    ],
)
def test_unstorable_text_in_a_forecast_is_refused_by_field(question, alice_api, body, field, words):
    response = alice_api.post(
        "/api/v1/questions/q1/forecasts/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert words in response.json()["fields"][field]
    assert not Forecast.objects.exists()


def test_a_body_nested_too_deeply_is_a_400(question, alice_api):
    deep = "[" * 100_000 + "]" * 100_000
    response = alice_api.post(
        "/api/v1/questions/q1/forecasts/",
        data='{"probability": 0.5, "rationale": ' + deep + "}",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]


@pytest.mark.parametrize("typed", ["1e1000000", "-1e1000000", "1e-400", "NaN", "Infinity", "%"])
def test_odd_numbers_in_the_web_form_say_what_is_wrong(question, typed):
    client = Client(raise_request_exception=False)
    client.force_login(factories.HumanForecasterFactory().user)

    response = client.post("/questions/q1/", {"probability": typed})

    assert response.status_code == 200
    assert 'class="field-error" id="forecast-probability_error"' in response.content.decode()
    assert not Forecast.objects.exists()


def test_a_source_config_with_a_nul_byte_is_refused_by_field(question, staff_api):
    response = staff_api.post(
        "/api/v1/questions/q1/sources/",
        data={"kind": "manual", "config": {"instructions": "a\x00b"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"]["config.instructions"] == "must not contain NUL bytes"
    assert not ResolutionSource.objects.exists()
    with pytest.raises(kinds.ConfigError):
        kinds.validate_config("http_json", {"url": "http://x.example/\ud800", "expression": "a"})


def test_a_check_interval_of_ages_is_refused(question, staff_api):
    response = staff_api.post(
        "/api/v1/questions/q1/sources/",
        data={"kind": "manual", "config": {}, "check_every_minutes": 10**15},
        format="json",
    )

    assert response.status_code == 400 and "check_every_minutes" in response.json()["fields"]
    from resolvers import services

    with pytest.raises(Exception, match="check_every"):
        services.source_add(
            question=question, kind="manual", config={}, check_every=timedelta(days=3650)
        )


def test_a_username_longer_than_a_display_name_signs_up(client):
    response = Client(raise_request_exception=False).post(
        "/accounts/signup/",
        {
            "username": "u" * 140,
            "email": "long@example.org",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )

    assert response.status_code == 302
    from registry.models import Forecaster

    forecaster = Forecaster.objects.get(user__username="u" * 140)
    assert forecaster.display_name == "u" * 120


# --- Digits that str.isdigit() takes and int() refuses: '²', and thousands of them ----------

ODD_DIGITS = ["²", "9" * 5000]


@pytest.mark.parametrize("action", ["confirm", "annul", "override"])
@pytest.mark.parametrize("supersedes", ODD_DIGITS)
def test_a_resolution_form_naming_odd_digits_changes_nothing(staff_user, action, supersedes):
    question = factories.ClosedQuestionFactory(slug="closed")
    proposal = factories.ResolutionFactory(question=question, state="proposed", outcome="yes")
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    response = client.post(
        "/staff/resolutions/closed/",
        {"action": action, "outcome": "no", "rationale": "x", "supersedes": supersedes},
    )

    assert response.status_code in (302, 404)  # back to the queue with a message, or no such
    assert list(question.resolutions.values_list("pk", "state")) == [(proposal.pk, "proposed")]


@pytest.mark.parametrize("post_id", ODD_DIGITS)
def test_a_platform_post_number_of_odd_digits_is_refused_by_field(question, staff_api, post_id):
    response = staff_api.post(
        "/api/v1/questions/q1/sources/",
        data={"kind": "forecast_platform", "config": {"platform": "metaculus", "id": post_id}},
        format="json",
    )

    assert response.status_code == 400
    assert "Metaculus post number" in response.json()["fields"]["config.id"]
    assert not ResolutionSource.objects.exists()


@pytest.mark.parametrize(
    "address",
    [
        "/admin/resolvers/resolutionsource/?check_every=x",
        "/admin/resolvers/resolutionsource/?check_every__gt=%C2%B2",
        "/admin/resolvers/check/?body=x",
    ],
)
def test_an_admin_list_filtered_by_an_unparsed_field_is_a_400(staff_user, address):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    assert client.get(address).status_code == 400


def test_a_scores_export_for_a_year_of_odd_digits_is_a_sentence():
    with pytest.raises(CommandError, match="unknown scope 'year:²⁰²⁶'"):
        call_command("export_scores", "--scope", "year:²⁰²⁶", stdout=io.StringIO())


def test_the_unused_solar_schedules_are_not_in_the_admin(staff_user):
    # Their list answered 500 to ?latitude=1e1000000 (a numeric overflow in the filter).
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    assert (
        client.get("/admin/django_celery_beat/solarschedule/?latitude=1e1000000").status_code == 404
    )
    assert client.get("/admin/django_celery_beat/intervalschedule/").status_code in (200, 302)
