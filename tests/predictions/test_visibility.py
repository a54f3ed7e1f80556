"""Who sees which forecasts: private until the question closes, public afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import Forecaster
from resolvers.models import Resolution
from tests import factories
from tests.predictions.helpers import forecasts_url, results

pytestmark = pytest.mark.django_db


def _forecasters(response) -> list[str]:
    return [item["forecaster"] for item in results(response)]


@pytest.fixture
def open_question(alice, bob):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, forecaster=alice, probabilities=[0.7])
    factories.ForecastFactory(question=question, forecaster=bob, probabilities=[0.2])
    return question


@pytest.fixture
def closed_question(alice, bob):
    question = factories.ClosedQuestionFactory()
    before_close = question.closes_at - timedelta(days=2)
    factories.ForecastFactory(
        question=question, forecaster=alice, probabilities=[0.6], submitted_at=before_close
    )
    factories.ForecastFactory(
        question=question, forecaster=bob, probabilities=[0.3], submitted_at=before_close
    )
    return question


# --- A question's forecasts ----------------------------------------------------------------


def test_open_question_forecasts_are_hidden_from_anonymous_visitors(
    anonymous_client, open_question
):
    response = anonymous_client.get(forecasts_url(open_question))

    assert results(response) == []
    assert response.json()["count"] == 0


def test_open_question_shows_a_forecaster_only_their_own(alice_client, bob_client, open_question):
    assert _forecasters(alice_client.get(forecasts_url(open_question))) == ["alice"]
    assert _forecasters(bob_client.get(forecasts_url(open_question))) == ["bob"]


def test_open_question_shows_nothing_to_a_forecaster_who_has_not_forecast(open_question):
    carol = factories.HumanForecasterFactory(user__username="carol")
    client = APIClient()
    client.force_authenticate(carol.user)

    assert results(client.get(forecasts_url(open_question))) == []


def test_open_question_shows_staff_every_forecast(staff_client, open_question):
    assert sorted(_forecasters(staff_client.get(forecasts_url(open_question)))) == [
        "alice",
        "bob",
    ]


def test_closed_question_shows_everyone_every_forecast(anonymous_client, closed_question):
    response = anonymous_client.get(forecasts_url(closed_question))

    items = results(response)
    assert sorted(item["forecaster"] for item in items) == ["alice", "bob"]
    by_forecaster = {item["forecaster"]: item["probabilities"] for item in items}
    assert by_forecaster["alice"] == {"Yes": 0.6, "No": 0.4}


def test_forecasts_become_public_the_moment_the_question_closes(anonymous_client, open_question):
    assert results(anonymous_client.get(forecasts_url(open_question))) == []

    open_question.closes_at = timezone.now() - timedelta(seconds=1)
    open_question.save(update_fields=["closes_at"])

    assert sorted(_forecasters(anonymous_client.get(forecasts_url(open_question)))) == [
        "alice",
        "bob",
    ]


def test_resolved_question_forecasts_are_public(anonymous_client, closed_question):
    factories.ResolutionFactory(
        question=closed_question,
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
    )

    assert len(results(anonymous_client.get(forecasts_url(closed_question)))) == 2


def test_a_question_log_lists_forecasts_oldest_first(anonymous_client, closed_question, alice):
    later = closed_question.closes_at - timedelta(hours=1)
    factories.ForecastFactory(
        question=closed_question, forecaster=alice, probabilities=[0.9], submitted_at=later
    )

    items = results(anonymous_client.get(forecasts_url(closed_question)))

    stamps = [item["submitted_at"] for item in items]
    assert stamps == sorted(stamps)
    assert items[-1]["probabilities"]["Yes"] == 0.9


def test_a_draft_questions_forecasts_are_not_found(anonymous_client, alice_client):
    draft = factories.DraftQuestionFactory()

    assert anonymous_client.get(forecasts_url(draft)).status_code == 404
    assert alice_client.get(forecasts_url(draft)).status_code == 404


def test_an_unknown_questions_forecasts_are_not_found(anonymous_client):
    response = anonymous_client.get(forecasts_url("no-such-question"))

    assert response.status_code == 404
    assert set(response.json()) == {"error", "fields"}


# --- The caller's own history ---------------------------------------------------------------


def test_my_forecasts_lists_only_mine_newest_first(alice_client, open_question, closed_question):
    response = alice_client.get("/api/v1/me/forecasts/")

    items = results(response)
    assert {item["forecaster"] for item in items} == {"alice"}
    assert {item["question"] for item in items} == {open_question.slug, closed_question.slug}
    stamps = [item["submitted_at"] for item in items]
    assert stamps == sorted(stamps, reverse=True)


def test_my_forecasts_filter_by_question(alice_client, open_question, closed_question):
    response = alice_client.get("/api/v1/me/forecasts/", {"question": open_question.slug})

    items = results(response)
    assert [(item["question"], item["forecaster"]) for item in items] == [
        (open_question.slug, "alice")
    ]


def test_my_forecasts_need_authentication(anonymous_client, open_question):
    response = anonymous_client.get("/api/v1/me/forecasts/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"error", "fields"}


# --- A forecaster's public track record ----------------------------------------------------


def _track_record_url(handle: str) -> str:
    return f"/api/v1/forecasters/{handle}/forecasts/"


def test_others_see_a_forecasters_forecasts_on_closed_questions_only(
    anonymous_client, bob_client, open_question, closed_question
):
    for client in (anonymous_client, bob_client):
        items = results(client.get(_track_record_url("alice")))
        assert [(item["question"], item["forecaster"]) for item in items] == [
            (closed_question.slug, "alice")
        ]


def test_a_forecaster_sees_their_whole_track_record(alice_client, open_question, closed_question):
    items = results(alice_client.get(_track_record_url("alice")))

    assert {item["question"] for item in items} == {open_question.slug, closed_question.slug}
    assert {item["forecaster"] for item in items} == {"alice"}


def test_staff_see_a_forecasters_whole_track_record(staff_client, open_question, closed_question):
    items = results(staff_client.get(_track_record_url("alice")))

    assert {item["question"] for item in items} == {open_question.slug, closed_question.slug}


def test_an_annulled_questions_forecasts_are_in_the_public_track_record(anonymous_client, alice):
    question = factories.QuestionFactory()
    factories.ForecastFactory(question=question, forecaster=alice)
    factories.ResolutionFactory(
        question=question,
        outcome=Resolution.Outcome.ANNULLED,
        state=Resolution.State.FINAL,
        finalized_at=timezone.now(),
    )

    items = results(anonymous_client.get(_track_record_url("alice")))

    assert [item["question"] for item in items] == [question.slug]


def test_an_unknown_forecasters_track_record_is_not_found(anonymous_client):
    assert anonymous_client.get(_track_record_url("nobody")).status_code == 404


def test_reading_my_history_does_not_create_a_profile(db):
    user = factories.UserFactory(username="dora")
    client = APIClient()
    client.force_authenticate(user)

    response = client.get("/api/v1/me/forecasts/")

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert not Forecaster.objects.filter(user=user).exists()
