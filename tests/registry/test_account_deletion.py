"""Deleting one's account: the personal data goes at once, the public record stays (every
forecast and score, as "Deleted forecaster" under `deleted-<n>`), nobody can log in to it
again, and it is left out of the leaderboards without changing anyone else's score."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.errors import ApplicationError
from predictions.models import Forecast, ForecasterTotal, QuestionScore
from registry import account_services
from registry.models import Forecaster
from registry.services import api_token_create
from tests import factories
from tests.registry.scored import resolved_question

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct horse battery"  # UserFactory's


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def min_one(settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1


@pytest.fixture
def alice_web(alice) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


@pytest.fixture
def scored(alice, bob, min_one):
    """Alice and Bob forecast on a question that resolved and was scored; Alice has a
    profile, an API token and a second browser logged in."""
    question = resolved_question({alice: 0.9, bob: 0.3})
    Forecaster.objects.filter(pk=alice.pk).update(
        display_name="Alice Liddell", bio="My bio", links=["https://alice.example/"]
    )
    User.objects.filter(pk=alice.user.pk).update(first_name="Alice", last_name="Liddell")
    api_token_create(user=alice.user)
    return question


def records(forecaster: Forecaster) -> dict:
    """Everything the public record holds of a forecaster's forecasting."""
    return {
        "forecasts": list(
            Forecast.objects.filter(forecaster=forecaster)
            .order_by("pk")
            .values("pk", "question_id", "probabilities", "submitted_at", "rationale")
        ),
        "scores": list(
            QuestionScore.objects.filter(forecaster=forecaster)
            .order_by("pk")
            .values("pk", "brier", "relative_score", "log_loss")
        ),
        "totals": list(
            ForecasterTotal.objects.filter(forecaster=forecaster)
            .order_by("pk")
            .values("pk", "scope", "questions", "mean_relative_score")
        ),
    }


def test_the_page_says_what_goes_and_what_stays_and_asks_for_the_password(alice_web):
    response = alice_web.get("/accounts/delete/")

    assert response.status_code == 200
    page = text(response)
    assert "cannot be undone" in page
    assert "your forecasts and scores stay in the public record" in page
    assert 'type="password"' in response.content.decode()
    assert 'href="/accounts/delete/"' in alice_web.get("/accounts/").content.decode()


def test_a_wrong_password_is_refused_beside_it_and_changes_nothing(alice_web, alice, scored):
    user_before = User.objects.values().get(pk=alice.user.pk)
    forecaster_before = Forecaster.objects.values().get(pk=alice.pk)

    response = alice_web.post("/accounts/delete/", {"password": "not my password"})

    assert response.status_code == 400
    assert "That is not your password." in text(response)
    assert User.objects.values().get(pk=alice.user.pk) == user_before
    assert Forecaster.objects.values().get(pk=alice.pk) == forecaster_before
    assert AuthToken.objects.filter(user=alice.user).count() == 1
    assert alice_web.get("/accounts/").status_code == 200  # still logged in


def test_an_empty_form_is_refused_beside_the_password(alice_web, alice):
    response = alice_web.post("/accounts/delete/", {})

    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not Forecaster.objects.get(pk=alice.pk).is_deleted


def test_deleting_removes_the_personal_data_and_keeps_the_record(alice_web, alice, bob, scored):
    other_browser = Client()
    other_browser.force_login(alice.user)
    kept_before, bob_before = records(alice), records(bob)
    assert kept_before["forecasts"] and kept_before["scores"] and kept_before["totals"]

    response = alice_web.post("/accounts/delete/", {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    new_handle = f"deleted-{alice.pk}"
    assert "Your account is deleted" in text(response)
    assert f"as “Deleted forecaster” ({new_handle})" in text(response)
    user = User.objects.get(pk=alice.user.pk)
    assert (user.username, user.email, user.first_name, user.last_name) == (new_handle, "", "", "")
    assert not user.has_usable_password() and not user.is_active
    assert not AuthToken.objects.filter(user=user).exists()
    forecaster = Forecaster.objects.get(pk=alice.pk)
    assert (forecaster.handle, forecaster.display_name, forecaster.bio, forecaster.links) == (
        new_handle,
        "Deleted forecaster",
        "",
        [],
    )
    assert forecaster.is_deleted and not forecaster.email_notifications
    # The record is exactly as it was, and so is everyone else's.
    assert records(forecaster) == kept_before
    assert records(bob) == bob_before
    # Logged out here and in the other browser.
    assert alice_web.get("/accounts/").status_code == 302
    assert other_browser.get("/accounts/").status_code == 302


def test_nobody_can_log_in_to_a_deleted_account(alice_web, alice, scored):
    alice_web.post("/accounts/delete/", {"password": PASSWORD})

    assert not Client().login(username="alice", password=PASSWORD)
    assert not Client().login(username=f"deleted-{alice.pk}", password=PASSWORD)
    page = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert page.status_code == 200 and "_auth_user_id" not in page.wsgi_request.session
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert token.status_code in (400, 401)
    # No reset link can reach it: it has no address.
    Client().post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert not mail.outbox


def test_the_public_page_shows_the_record_under_the_new_handle(alice_web, alice, scored):
    alice_web.post("/accounts/delete/", {"password": PASSWORD})

    assert Client().get("/forecasters/alice/").status_code == 404
    response = Client().get(f"/forecasters/deleted-{alice.pk}/")
    assert response.status_code == 200
    page = text(response)
    assert "Deleted forecaster" in page
    assert "This account was deleted by its owner" in page
    assert scored.title in page  # its scored question
    assert "Alice" not in page and "My bio" not in page and "alice.example" not in page
    api = APIClient().get(f"/api/v1/forecasters/deleted-{alice.pk}/").json()
    assert (api["display_name"], api["bio"], api["links"]) == ("Deleted forecaster", "", [])


def test_a_deleted_account_leaves_the_leaderboards_and_others_keep_their_scores(
    alice_web, alice, bob, scored
):
    board = APIClient().get("/api/v1/leaderboard/").json()["results"]
    assert [row["forecaster"] for row in board] == ["alice", "bob"]
    bob_score = board[1]["mean_relative_score"]

    alice_web.post("/accounts/delete/", {"password": PASSWORD})
    cache.clear()  # cached pages last a minute

    board = APIClient().get("/api/v1/leaderboard/").json()["results"]
    assert [(row["rank"], row["forecaster"]) for row in board] == [(1, "bob")]
    assert board[0]["mean_relative_score"] == bob_score
    page = Client().get("/leaderboard/").content.decode()
    assert "Deleted forecaster" not in page and 'href="/forecasters/bob/"' in page


def test_the_deletion_acts_on_the_callers_account_only(alice_web, alice, bob, scored):
    bob_user = User.objects.values().get(pk=bob.user.pk)
    bob_forecaster = Forecaster.objects.values().get(pk=bob.pk)

    alice_web.post(
        "/accounts/delete/",
        {"password": PASSWORD, "user": bob.user.pk, "forecaster": "bob", "handle": "bob"},
    )

    assert Forecaster.objects.get(pk=alice.pk).is_deleted
    assert User.objects.values().get(pk=bob.user.pk) == bob_user
    assert Forecaster.objects.values().get(pk=bob.pk) == bob_forecaster


def test_the_new_handle_avoids_one_taken_already(alice):
    factories.ForecasterFactory(handle=f"deleted-{alice.pk}")

    kept = account_services.account_delete(user=alice.user, password=PASSWORD)

    assert kept.handle == f"deleted-{alice.pk}-2"
    assert User.objects.get(pk=alice.user.pk).username == kept.handle


def test_a_deleted_account_cannot_be_deleted_or_edited_again(alice):
    account_services.account_delete(user=alice.user, password=PASSWORD)
    alice.refresh_from_db()

    with pytest.raises(ApplicationError):
        account_services.account_delete(user=alice.user, password=PASSWORD)
    with pytest.raises(ApplicationError):
        account_services.forecaster_profile_update(
            forecaster=alice, display_name="Back again", bio="", links=[]
        )
    assert Forecaster.objects.get(pk=alice.pk).display_name == "Deleted forecaster"


@pytest.mark.parametrize("username", ["deleted-7", "Deleted-12", "deleted_3", "de1eted-4"])
def test_a_newcomer_cannot_take_a_name_that_reads_as_a_deleted_account(client, username):
    response = client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": "new@example.org",
            "password1": "quiet lantern orbit 42",
            "password2": "quiet lantern orbit 42",
        },
    )

    assert response.status_code == 200
    assert "Names beginning “deleted-” are how deleted accounts are shown" in text(response)
    assert not User.objects.filter(username=username).exists()


def test_the_username_is_free_again_for_someone_new(alice_web, alice, client):
    alice_web.post("/accounts/delete/", {"password": PASSWORD})

    response = client.post(
        "/accounts/signup/",
        {
            "username": "alice",
            "email": "another@example.org",
            "password1": "quiet lantern orbit 42",
            "password2": "quiet lantern orbit 42",
        },
    )

    assert response.status_code == 302
    newcomer = Forecaster.objects.get(user__username="alice")
    assert newcomer.pk != alice.pk and not newcomer.forecasts.exists()


def test_the_page_needs_a_login():
    for method in ("get", "post"):
        response = getattr(Client(), method)("/accounts/delete/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
