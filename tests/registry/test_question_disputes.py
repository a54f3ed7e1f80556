"""A proposed outcome on the question page: when it becomes final, and a forecaster's
dispute from the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from resolvers import services as resolution_services
from resolvers.models import Dispute, Resolution
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def proposed(question) -> Resolution:
    return resolution_services.resolution_propose(
        question=question, outcome="yes", rationale="The release notes say it shipped."
    )


@pytest.fixture
def forecast_on():
    def make(question):
        forecaster = factories.HumanForecasterFactory()
        factories.ForecastFactory(question=question, forecaster=forecaster, probabilities=[0.3])
        return forecaster

    return make


def test_the_page_says_when_a_proposal_becomes_final_in_utc_and_from_now(settings):
    settings.RESOLUTION_DISPUTE_WINDOW = timedelta(hours=31)
    question = factories.ClosedQuestionFactory()
    resolution = proposed(question)

    text = client_for().get(f"/questions/{question.slug}/").content.decode()

    ends = resolution.created_at + timedelta(hours=31)
    assert f'It becomes final at <time datetime="{ends.isoformat()}' in text or (
        f'datetime="{ends:%Y-%m-%dT%H:%M:%S}' in text
    )
    assert "(in 31 hours) unless a forecaster disputes it" in text
    assert "Log in</a> to dispute it" in text


def test_a_forecaster_disputes_from_the_page_and_the_outcome_waits(forecast_on):
    question = factories.ClosedQuestionFactory()
    resolution = proposed(question)
    forecaster = forecast_on(question)
    client = client_for(forecaster.user)

    page = client.get(f"/questions/{question.slug}/").content.decode()
    assert "Dispute this outcome" in page

    response = client.post(
        f"/questions/{question.slug}/dispute/",
        {"resolution": resolution.pk, "reason": "The notes describe a beta, not a release."},
        follow=True,
    )

    text = response.content.decode()
    assert "Your dispute is recorded" in text
    assert "waits for an admin to decide" in text and "Dispute this outcome" not in text
    # Disputed, it no longer becomes final by itself: the page stops saying it will.
    assert "(proposed, disputed: an admin decides)" in text
    assert "This outcome was disputed, so it waits" in text
    assert "becomes final after the dispute window" not in text
    assert "contradicted" not in text
    dispute = Dispute.objects.get()
    assert (dispute.resolution, dispute.forecaster) == (resolution, forecaster)
    assert resolution_services.resolutions_finalize_due() == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say what is wrong with the proposed outcome."),
        ("bad\x00bytes", "Null characters are not allowed."),
        ("x" * 4001, "at most 4000 characters"),
    ],
)
def test_a_dispute_without_a_usable_reason_says_why_and_stores_nothing(
    forecast_on, reason, message
):
    question = factories.ClosedQuestionFactory()
    resolution = proposed(question)
    client = client_for(forecast_on(question).user)

    response = client.post(
        f"/questions/{question.slug}/dispute/",
        {"resolution": resolution.pk, "reason": reason},
        follow=True,
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Dispute.objects.exists()


def test_someone_who_did_not_forecast_cannot_dispute():
    question = factories.ClosedQuestionFactory()
    resolution = proposed(question)
    outsider = factories.HumanForecasterFactory()
    client = client_for(outsider.user)

    assert "Dispute this outcome" not in client.get(f"/questions/{question.slug}/").content.decode()
    response = client.post(
        f"/questions/{question.slug}/dispute/",
        {"resolution": resolution.pk, "reason": "I just disagree."},
        follow=True,
    )
    assert "Only forecasters who forecast on the question can dispute" in response.content.decode()
    assert not Dispute.objects.exists()


def test_after_the_window_the_page_offers_no_dispute(settings, forecast_on):
    question = factories.ClosedQuestionFactory()
    resolution = proposed(question)
    Resolution.objects.filter(pk=resolution.pk).update(
        created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=5)
    )
    client = client_for(forecast_on(question).user)

    text = client.get(f"/questions/{question.slug}/").content.decode()
    assert "The dispute window ended at" in text and "Dispute this outcome" not in text


def test_an_early_proposal_before_the_close_never_says_the_question_has_closed(forecast_on):
    question = factories.QuestionFactory()  # open: closes in the future
    proposed(question)
    forecaster = forecast_on(question)

    text = client_for(forecaster.user).get(f"/questions/{question.slug}/").content.decode()
    assert "has closed" not in text
    assert "An outcome has been proposed before the close" in text
    # Its forecasts are public now, and the page says why without claiming a close.
    assert "Since an outcome came before the close, everyone's last forecast" in text
    assert "the question closed" not in text and "before the close is public" not in text


def test_a_question_resolved_before_its_close_does_not_say_it_closed(forecast_on, staff_user):
    question = factories.QuestionFactory()  # open: closes in the future
    forecast_on(question)
    resolution_services.resolution_record(
        question=question, outcome="yes", rationale="It happened early.", user=staff_user
    )

    text = client_for().get(f"/questions/{question.slug}/").content.decode()
    assert "Forecasts and reasoning" in text
    assert "the question closed" not in text and "has closed" not in text
    assert "Since an outcome came before the close" in text
