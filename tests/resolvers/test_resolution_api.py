"""Staff record, override and annul outcomes through the API; anyone reads the history."""

from __future__ import annotations

import pytest

from resolvers import services
from resolvers.models import Resolution
from tests import factories

pytestmark = pytest.mark.django_db


def url(question) -> str:
    return f"/api/v1/questions/{question.slug}/resolutions/"


def test_staff_record_a_final_outcome(staff_client):
    question = factories.ClosedQuestionFactory()

    response = staff_client.post(
        url(question), {"outcome": "yes", "rationale": "Announced."}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outcome"], body["state"], body["current"]) == ("yes", "final", True)
    assert body["resolved_by"] == "admin"
    assert staff_client.get(f"/api/v1/questions/{question.slug}/").json()["status"] == "resolved"


def test_an_override_keeps_the_history(staff_client, anonymous_client):
    question = factories.ClosedQuestionFactory()
    first = staff_client.post(
        url(question), {"outcome": "yes", "rationale": "First."}, format="json"
    ).json()
    staff_client.post(
        url(question),
        {"outcome": "annulled", "rationale": "Void.", "supersedes": first["id"]},
        format="json",
    )

    history = anonymous_client.get(url(question)).json()

    assert history["count"] == 2 and history["next"] is None
    assert [(row["outcome"], row["current"]) for row in history["results"]] == [
        ("annulled", True),
        ("yes", False),
    ]
    assert Resolution.objects.filter(question=question).count() == 2


def test_multiple_choice_outcome_by_option_label(staff_client):
    question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])

    response = staff_client.post(
        url(question), {"outcome": "option", "option": "B", "rationale": "B won."}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["outcome_option"] == "B"

    unknown = staff_client.post(
        url(question), {"outcome": "option", "option": "C", "rationale": "?"}, format="json"
    )
    assert unknown.status_code == 400 and "option" in unknown.json()["fields"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"outcome": "maybe", "rationale": "x"}, "outcome"),
        ({"outcome": "yes"}, "rationale"),
        ({"outcome": "yes", "rationale": "x", "state": "proposed"}, "state"),
        ({"outcome": "yes", "rationale": "x", "known_on": "2999-01-01"}, "known_on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(staff_client, payload, field):
    question = factories.ClosedQuestionFactory()

    response = staff_client.post(url(question), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Resolution.objects.exists()


def test_only_staff_resolve(alice_client, anonymous_client):
    question = factories.ClosedQuestionFactory()
    payload = {"outcome": "yes", "rationale": "Trust me."}

    assert alice_client.post(url(question), payload, format="json").status_code == 403
    assert anonymous_client.post(url(question), payload, format="json").status_code == 401
    assert not Resolution.objects.exists()


def test_two_admins_acting_at_once_one_wins_the_other_gets_409(staff_client):
    question = factories.ClosedQuestionFactory()
    proposal = staff_client.post(
        url(question), {"outcome": "yes", "rationale": "First look."}, format="json"
    ).json()
    # Both admins saw the same current resolution and act on it.
    first = staff_client.post(
        url(question),
        {"outcome": "no", "rationale": "Actually no.", "supersedes": proposal["id"]},
        format="json",
    )
    second = staff_client.post(
        url(question),
        {"outcome": "annulled", "rationale": "Void.", "supersedes": proposal["id"]},
        format="json",
    )

    assert first.status_code == 201
    assert second.status_code == 409
    assert "supersedes" in second.json()["fields"]
    assert Resolution.objects.get(question=question, superseded_at__isnull=True).outcome == "no"


def test_overriding_a_proposal_another_admin_confirmed_meanwhile_is_a_409(staff_client):
    question = factories.ClosedQuestionFactory()
    proposal = services.resolution_propose(question=question, outcome="yes", rationale="Seen.")
    # Both admins saw the proposal; one confirms it before the other's override lands.
    confirmed = staff_client.post(f"/api/v1/resolutions/{proposal.pk}/confirm/")

    override = staff_client.post(
        url(question),
        {
            "outcome": "no",
            "rationale": "Not so.",
            "supersedes": proposal.pk,
            "supersedes_state": "proposed",
        },
        format="json",
    )

    assert confirmed.status_code == 200
    assert override.status_code == 409
    assert override.json()["fields"] == {"supersedes_state": "is not its state now (final)"}
    assert Resolution.objects.get(question=question, superseded_at__isnull=True).pk == proposal.pk


def test_overriding_a_final_outcome_it_saw_as_final_is_allowed(staff_client):
    question = factories.ClosedQuestionFactory()
    final = staff_client.post(url(question), {"outcome": "yes", "rationale": "A."}, format="json")

    override = staff_client.post(
        url(question),
        {
            "outcome": "no",
            "rationale": "Corrected.",
            "supersedes": final.json()["id"],
            "supersedes_state": "final",
        },
        format="json",
    )

    assert override.status_code == 201


def test_an_unknown_supersedes_state_is_a_400(staff_client):
    question = factories.ClosedQuestionFactory()

    response = staff_client.post(
        url(question),
        {"outcome": "yes", "rationale": "A.", "supersedes": None, "supersedes_state": "maybe"},
        format="json",
    )

    assert response.status_code == 400
    assert "supersedes_state" in response.json()["fields"]
    assert not Resolution.objects.exists()


def test_overriding_without_naming_the_current_resolution_is_a_409(staff_client):
    question = factories.ClosedQuestionFactory()
    staff_client.post(url(question), {"outcome": "yes", "rationale": "First."}, format="json")

    response = staff_client.post(url(question), {"outcome": "no", "rationale": "x"}, format="json")

    assert response.status_code == 409
    assert Resolution.objects.filter(question=question).count() == 1


def test_the_history_is_paginated_like_every_list(anonymous_client, staff_client):
    question = factories.ClosedQuestionFactory()
    previous = None
    for outcome in ["yes", "no", "yes"]:
        body = {"outcome": outcome, "rationale": "Looked again."}
        if previous is not None:
            body["supersedes"] = previous
        previous = staff_client.post(url(question), body, format="json").json()["id"]

    first = anonymous_client.get(url(question), {"page_size": 2}).json()
    second = anonymous_client.get(first["next"]).json()

    assert first["count"] == 3 and len(first["results"]) == 2
    assert [row["current"] for row in first["results"]] == [True, False]
    assert len(second["results"]) == 1 and second["next"] is None
    bad = anonymous_client.get(url(question), {"page_size": "lots"})
    assert bad.status_code == 400 and "page_size" in bad.json()["fields"]
