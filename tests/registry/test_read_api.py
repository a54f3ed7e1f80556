"""Read-only registry endpoints, the caller's profile and the token exchange."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from registry.models import Forecaster
from registry.selectors import api_token_works
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # what tests.factories.UserFactory sets


class TestForecasters:
    def test_public_list_of_profiles(self, anonymous_client, alice):
        pundit = factories.PunditFactory(handle="nathan", display_name="Nathan Lambert")

        response = anonymous_client.get("/api/v1/forecasters/")

        assert response.status_code == 200
        by_handle = {item["handle"]: item for item in response.json()["results"]}
        assert set(by_handle) == {"alice", "nathan"}
        assert by_handle["nathan"]["kind"] == "pundit"
        assert by_handle["nathan"]["display_name"] == pundit.display_name
        # A profile does not reveal who owns it.
        assert "user" not in by_handle["alice"]

    def test_filter_by_kind(self, anonymous_client, alice):
        factories.PunditFactory(handle="nathan")

        response = anonymous_client.get("/api/v1/forecasters/", {"kind": "pundit"})

        assert [item["handle"] for item in response.json()["results"]] == ["nathan"]

    def test_detail_by_handle(self, anonymous_client, alice):
        response = anonymous_client.get("/api/v1/forecasters/alice/")

        assert response.status_code == 200
        assert response.json()["handle"] == "alice"
        assert response.json()["kind"] == "human"

    def test_unknown_handle_is_404(self, anonymous_client):
        assert anonymous_client.get("/api/v1/forecasters/nobody/").status_code == 404

    def test_read_only_even_for_a_signed_in_forecaster(self, alice_client):
        response = alice_client.post(
            "/api/v1/forecasters/", {"handle": "mallory", "display_name": "M"}, format="json"
        )

        assert response.status_code == 405
        assert not Forecaster.objects.filter(handle="mallory").exists()


class TestSources:
    def test_list_shows_sources_with_their_claims_but_not_their_text(self, anonymous_client):
        source = factories.SourceFactory(slug="my-bets", author__handle="nathan")
        question = factories.QuestionFactory(slug="funding-trouble")
        factories.ClaimFactory(source=source, question=question)

        response = anonymous_client.get("/api/v1/sources/")

        assert response.status_code == 200
        [item] = response.json()["results"]
        assert item["slug"] == "my-bets"
        assert item["author"] == "nathan"
        assert "text" not in item
        [claim] = item["claims"]
        assert claim == {
            "quote": "I expect funding trouble later this year.",
            "start_offset": 67,
            "end_offset": 109,
            "implied_probability": 0.8,
            "probability_phrase": "I expect",
            "question": "funding-trouble",
        }

    def test_detail_includes_the_full_text(self, anonymous_client):
        source = factories.SourceFactory(slug="my-bets")
        factories.ClaimFactory(source=source)

        response = anonymous_client.get("/api/v1/sources/my-bets/")

        assert response.status_code == 200
        assert response.json()["text"] == source.text
        assert len(response.json()["claims"]) == 1

    def test_claims_come_in_the_order_of_the_text(self, anonymous_client):
        source = factories.SourceFactory(slug="my-bets")
        factories.ClaimFactory(source=source, quote="later", start_offset=50, end_offset=60)
        factories.ClaimFactory(source=source, quote="earlier", start_offset=5, end_offset=10)

        claims = anonymous_client.get("/api/v1/sources/my-bets/").json()["claims"]

        assert [claim["quote"] for claim in claims] == ["earlier", "later"]

    def test_a_claim_not_yet_a_question(self, anonymous_client):
        source = factories.SourceFactory(slug="my-bets")
        factories.ClaimFactory(source=source, question=None)

        claims = anonymous_client.get("/api/v1/sources/my-bets/").json()["claims"]

        assert claims[0]["question"] is None

    def test_read_only(self, staff_client):
        response = staff_client.post("/api/v1/sources/", {"title": "Mine"}, format="json")

        assert response.status_code == 405


class TestTags:
    def test_public_list_of_tags(self, anonymous_client):
        factories.TagFactory(slug="open-models", name="Open models")
        factories.TagFactory(slug="ai", name="AI")

        response = anonymous_client.get("/api/v1/tags/")

        assert response.status_code == 200
        assert response.json()["results"] == [
            {"slug": "ai", "name": "AI"},
            {"slug": "open-models", "name": "Open models"},
        ]

    def test_detail_by_slug(self, anonymous_client):
        factories.TagFactory(slug="ai", name="AI")

        assert anonymous_client.get("/api/v1/tags/ai/").json() == {"slug": "ai", "name": "AI"}


class TestMe:
    def test_the_caller_and_their_profile(self, alice_client, alice):
        response = alice_client.get("/api/v1/me/")

        assert response.status_code == 200
        body = response.json()
        assert body["username"] == "alice"
        assert body["is_staff"] is False
        assert body["forecaster"]["handle"] == alice.handle

    def test_creates_the_profile_of_a_user_who_has_none(self):
        user = factories.UserFactory(username="carol", first_name="Carol", last_name="Chen")
        client = APIClient()
        client.force_authenticate(user)
        assert not Forecaster.objects.filter(user=user).exists()

        first = client.get("/api/v1/me/")
        second = client.get("/api/v1/me/")

        assert first.status_code == 200
        profile = Forecaster.objects.get(user=user)
        assert profile.kind == Forecaster.Kind.HUMAN
        assert profile.handle == "carol"
        assert profile.display_name == "Carol Chen"
        assert first.json()["forecaster"]["handle"] == "carol"
        assert second.json()["forecaster"]["handle"] == "carol"
        assert Forecaster.objects.filter(user=user).count() == 1

    def test_a_new_profile_does_not_take_a_handle_already_in_use(self):
        factories.PunditFactory(handle="nathan")
        user = factories.UserFactory(username="nathan")
        client = APIClient()
        client.force_authenticate(user)

        handle = client.get("/api/v1/me/").json()["forecaster"]["handle"]

        assert handle != "nathan"
        assert Forecaster.objects.get(user=user).handle == handle

    def test_staff_are_told_so(self, staff_client):
        assert staff_client.get("/api/v1/me/").json()["is_staff"] is True

    def test_anonymous_is_refused(self, anonymous_client):
        response = anonymous_client.get("/api/v1/me/")

        assert response.status_code == 401
        assert not Forecaster.objects.exists()

    def test_a_wrong_token_is_refused(self, alice):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        assert response.json()["error"]


class TestToken:
    def test_right_credentials_get_the_users_token(self, anonymous_client, alice):
        response = anonymous_client.post(
            "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
        )

        assert response.status_code == 200
        token = response.json()["token"]
        assert api_token_works(user=alice.user, key=token)

    def test_the_token_authenticates_scripts(self, anonymous_client, alice):
        token = anonymous_client.post(
            "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
        ).json()["token"]
        script = APIClient()
        script.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        assert script.get("/api/v1/me/").json()["username"] == "alice"

    def test_asking_twice_gives_two_tokens_that_both_work(self, anonymous_client, alice):
        # The key is kept only as a hash, so it cannot be handed out again: each script or
        # device gets its own token, revocable on its own.
        credentials = {"username": "alice", "password": PASSWORD}

        first = anonymous_client.post("/api/v1/auth/token/", credentials, format="json")
        second = anonymous_client.post("/api/v1/auth/token/", credentials, format="json")

        assert first.json()["token"] != second.json()["token"]
        for key in (first.json()["token"], second.json()["token"]):
            script = APIClient()
            script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            assert script.get("/api/v1/me/").json()["username"] == "alice"

    @pytest.mark.parametrize(
        "credentials",
        [
            {"username": "alice", "password": "wrong"},
            {"username": "nobody", "password": PASSWORD},
            {"username": "alice"},
        ],
        ids=["wrong password", "unknown user", "no password"],
    )
    def test_wrong_credentials_are_a_400_without_a_token(
        self, anonymous_client, alice, credentials
    ):
        response = anonymous_client.post("/api/v1/auth/token/", credentials, format="json")

        assert response.status_code == 400
        assert "token" not in response.json()
        assert response.json()["error"]
        assert not AuthToken.objects.filter(user=alice.user).exists()


def test_source_detail_shows_where_each_claims_question_stands(anonymous_client):
    from datetime import UTC, date, datetime

    from predictions import rescoring
    from resolvers import services as resolution_services

    author = factories.PunditFactory(handle="nathan")
    source = factories.SourceFactory(slug="bets", author=author)
    question = factories.QuestionFactory(
        opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=datetime(2026, 1, 3, tzinfo=UTC),
        resolve_by=datetime(2026, 2, 1, tzinfo=UTC),
    )
    factories.ClaimFactory(source=source, question=question)
    draft_claim = factories.ClaimFactory(
        source=source, question=factories.DraftQuestionFactory(), start_offset=0, end_offset=5
    )
    factories.ForecastFactory(
        question=question,
        forecaster=author,
        probabilities=[0.8],
        submitted_at=datetime(2026, 1, 1, 9, tzinfo=UTC),
    )
    factories.ForecastFactory(  # a person: the crowd is people's, the pundit never moves it
        question=question,
        probabilities=[0.6],
        submitted_at=datetime(2026, 1, 1, 10, tzinfo=UTC),
    )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="Done.",
        user=factories.StaffFactory(),
        known_on=date(2026, 1, 10),
    )
    rescoring.rescore_question(question_id=question.pk)

    claims = anonymous_client.get("/api/v1/sources/bets/").json()["claims"]

    by_quote_start = {claim["start_offset"]: claim for claim in claims}
    resolved = by_quote_start[67]
    assert resolved["question"] == question.slug
    assert resolved["question_status"] == "resolved"
    assert resolved["outcome"] == "Yes"
    assert resolved["crowd"] == pytest.approx({"Yes": 0.6, "No": 0.4})
    assert resolved["author_score"]["brier"] == pytest.approx(2 * 0.2**2)
    draft = by_quote_start[draft_claim.start_offset]
    assert draft["question"] is None and draft["question_status"] is None  # drafts stay hidden
