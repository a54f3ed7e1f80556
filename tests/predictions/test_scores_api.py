"""The scores, crowd, leaderboard and calibration endpoints."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.utils import timezone

from predictions import rescoring, selectors
from predictions.models import ForecasterTotal
from registry.models import Forecaster
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def resolved_question(outcome: str, forecasts: dict, *, tag: str = "ai", known_on=None):
    """A question open 1-3 Jan 2026 with one forecast per forecaster on day 1, resolved."""
    question = factories.QuestionFactory(
        opens_at=at(1), closes_at=at(4), resolve_by=at(5), tags=[factories.TagFactory(slug=tag)]
    )
    for forecaster, probability in forecasts.items():
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[probability],
            submitted_at=at(1, 1),
        )
    resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="Reported.",
        user=factories.StaffFactory(),
        known_on=known_on or date(2026, 1, 10),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


class TestQuestionScores:
    def test_lists_every_forecaster_best_first(self, anonymous_client, alice, bob):
        question = resolved_question("yes", {alice: 0.9, bob: 0.3})

        response = anonymous_client.get(f"/api/v1/questions/{question.slug}/scores/")

        assert response.status_code == 200
        body = response.json()
        assert [row["forecaster"] for row in body] == ["alice", "bob"]
        assert body[0]["brier"] == pytest.approx(2 * 0.1**2)
        assert body[0]["relative_score"] < 0 < body[1]["relative_score"]
        assert set(body[0]) == {
            "forecaster",
            "brier",
            "relative_score",
            "log_loss",
            "spherical",
            "days",
        }
        assert body[0]["days"] == 3

    def test_an_unresolved_question_has_no_scores(self, anonymous_client):
        question = factories.QuestionFactory()
        factories.ForecastFactory(question=question)

        assert anonymous_client.get(f"/api/v1/questions/{question.slug}/scores/").json() == []

    def test_unknown_question_is_404(self, anonymous_client):
        assert anonymous_client.get("/api/v1/questions/nope/scores/").status_code == 404


class TestCrowd:
    def test_the_daily_median_of_standing_forecasts(self, anonymous_client, alice, bob):
        question = factories.QuestionFactory(
            opens_at=timezone.now() - timedelta(days=2),
            closes_at=timezone.now() + timedelta(days=5),
        )
        yesterday = timezone.now() - timedelta(days=1)
        factories.ForecastFactory(
            question=question, forecaster=alice, probabilities=[0.8], submitted_at=yesterday
        )
        factories.ForecastFactory(
            question=question, forecaster=bob, probabilities=[0.4], submitted_at=timezone.now()
        )

        body = anonymous_client.get(f"/api/v1/questions/{question.slug}/crowd/").json()

        assert [day["forecasters"] for day in body] == [1, 2]
        assert body[0]["day"] == yesterday.date().isoformat()
        assert body[0]["probabilities"] == pytest.approx({"Yes": 0.8, "No": 0.2})
        assert body[1]["probabilities"] == pytest.approx({"Yes": 0.6, "No": 0.4})

    def test_a_new_forecast_and_an_outcome_show_at_once_despite_the_cache(
        self, anonymous_client, alice, bob
    ):
        now = timezone.now()
        question = factories.QuestionFactory(
            opens_at=now - timedelta(days=4), closes_at=now + timedelta(days=5)
        )
        url = f"/api/v1/questions/{question.slug}/crowd/"
        factories.ForecastFactory(
            question=question,
            forecaster=alice,
            probabilities=[0.2],
            submitted_at=now - timedelta(days=3),
        )
        assert [day["forecasters"] for day in anonymous_client.get(url).json()] == [1] * 4

        # Backdated, as an import would: it changes days already cached.
        factories.ForecastFactory(
            question=question,
            forecaster=bob,
            probabilities=[0.6],
            submitted_at=now - timedelta(days=2),
        )
        body = anonymous_client.get(url).json()
        assert [day["forecasters"] for day in body] == [1, 2, 2, 2]
        assert body[-1]["probabilities"]["Yes"] == pytest.approx(0.4)

        # An outcome known yesterday ends the window there.
        resolution_services.resolution_record(
            question=question,
            outcome="yes",
            rationale="Reported.",
            user=factories.StaffFactory(),
            known_on=(now - timedelta(days=1)).date(),
        )
        assert [day["forecasters"] for day in anonymous_client.get(url).json()] == [1, 2]

    def test_multiple_choice_crowd_is_keyed_by_option(self, anonymous_client):
        question = factories.MultipleChoiceQuestionFactory(options=["A", "B"])
        factories.ForecastFactory(
            question=question,
            probabilities=[0.25, 0.75],
            submitted_at=timezone.now() - timedelta(hours=1),
        )

        body = anonymous_client.get(f"/api/v1/questions/{question.slug}/crowd/").json()

        assert body[-1]["probabilities"] == pytest.approx({"A": 0.25, "B": 0.75})

    def test_the_crowd_is_the_peoples_bots_and_pundits_never_move_it(self, anonymous_client, alice):
        now = timezone.now()
        question = factories.QuestionFactory(
            opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=5)
        )
        url = f"/api/v1/questions/{question.slug}/crowd/"
        yesterday = now - timedelta(days=1)
        pundit = factories.PunditFactory()
        bot = factories.ForecasterFactory(kind=Forecaster.Kind.BOT)
        factories.ForecastFactory(
            question=question, forecaster=pundit, probabilities=[0.9], submitted_at=yesterday
        )
        assert anonymous_client.get(url).json() == []  # a pundit quoted alone is no crowd

        factories.ForecastFactory(
            question=question, forecaster=alice, probabilities=[0.2], submitted_at=yesterday
        )
        factories.ForecastFactory(
            question=question, forecaster=bot, probabilities=[0.99], submitted_at=yesterday
        )
        body = anonymous_client.get(url).json()
        assert [day["forecasters"] for day in body] == [1, 1]
        assert body[-1]["probabilities"]["Yes"] == pytest.approx(0.2)

    def test_no_forecasts_no_crowd(self, anonymous_client):
        question = factories.QuestionFactory()
        assert anonymous_client.get(f"/api/v1/questions/{question.slug}/crowd/").json() == []


class TestLeaderboard:
    @pytest.fixture(autouse=True)
    def _one_question_is_enough(self, settings):
        settings.LEADERBOARD_MIN_QUESTIONS = 1

    def test_ranks_by_mean_relative_score(self, anonymous_client, alice, bob):
        carol = factories.HumanForecasterFactory(user__username="carol")
        resolved_question("yes", {alice: 0.9, bob: 0.3, carol: 0.6})

        response = anonymous_client.get("/api/v1/leaderboard/")

        assert response.status_code == 200
        results = response.json()["results"]
        assert [(row["rank"], row["forecaster"]) for row in results] == [
            (1, "alice"),
            (2, "carol"),
            (3, "bob"),
        ]
        first = results[0]
        assert first["questions"] == 1
        low, high = first["relative_score_interval"]
        assert low <= first["mean_relative_score"] <= high
        assert first["mean_brier"] == pytest.approx(0.02)

    def test_a_kilobyte_long_page_number_is_refused_without_an_unusable_cache_key(
        self, anonymous_client, alice, bob
    ):
        resolved_question("yes", {alice: 0.9, bob: 0.3})

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            response = anonymous_client.get("/api/v1/leaderboard/?page=" + "9" * 1000)

        assert response.status_code == 404
        assert not [w for w in caught if issubclass(w.category, CacheKeyWarning)]
        assert response.json()["error"]

    def test_a_repeated_parameter_is_read_as_its_last_value_in_the_cache_too(
        self, anonymous_client, alice, bob
    ):
        resolved_question("yes", {alice: 0.9, bob: 0.3}, tag="chips")
        resolved_question("no", {alice: 0.2}, tag="policy")

        def forecasters(query: str) -> list[str]:
            response = anonymous_client.get(f"/api/v1/leaderboard/?{query}")
            return [row["forecaster"] for row in response.json()["results"]]

        assert forecasters("scope=tag:policy&scope=tag:chips") == ["alice", "bob"]
        assert forecasters("scope=tag:chips&scope=tag:policy") == ["alice"]

    def test_scopes_and_minimum_questions(self, anonymous_client, alice, bob, settings):
        resolved_question("yes", {alice: 0.9, bob: 0.3}, tag="chips")
        resolved_question("no", {alice: 0.2}, tag="policy")

        chips = anonymous_client.get("/api/v1/leaderboard/?scope=tag:chips").json()["results"]
        policy = anonymous_client.get("/api/v1/leaderboard/?scope=tag:policy").json()["results"]
        year = anonymous_client.get("/api/v1/leaderboard/?scope=year:2026").json()["results"]
        assert [row["forecaster"] for row in chips] == ["alice", "bob"]
        assert [row["forecaster"] for row in policy] == ["alice"]
        assert {row["forecaster"]: row["questions"] for row in year} == {"alice": 2, "bob": 1}

        settings.LEADERBOARD_MIN_QUESTIONS = 2
        rows = anonymous_client.get("/api/v1/leaderboard/?scope=all").json()["results"]
        assert [row["forecaster"] for row in rows] == ["alice"]

    def test_a_rescore_shows_at_once_despite_the_cache(self, anonymous_client, alice, bob):
        question = resolved_question("yes", {alice: 0.9, bob: 0.3})
        first = anonymous_client.get("/api/v1/leaderboard/").json()["results"]
        assert first[0]["forecaster"] == "alice"

        resolution_services.resolution_record(
            question=question, outcome="no", rationale="Corrected.", user=factories.StaffFactory()
        )
        rescoring.rescore_question(question_id=question.pk)
        rescoring._bump_scores_version()  # on_commit does this outside a test transaction

        again = anonymous_client.get("/api/v1/leaderboard/").json()["results"]
        assert again[0]["forecaster"] == "bob"

    def test_a_repeated_request_is_answered_from_the_cache(
        self, anonymous_client, alice, bob, django_assert_num_queries
    ):
        resolved_question("yes", {alice: 0.9, bob: 0.3})
        first = anonymous_client.get("/api/v1/leaderboard/")

        with django_assert_num_queries(0):
            again = anonymous_client.get("/api/v1/leaderboard/")

        assert again.status_code == 200 and again["Content-Type"] == "application/json"
        assert again.content == first.content
        assert [row["forecaster"] for row in again.json()["results"]] == ["alice", "bob"]

    def test_page_links_name_the_host_they_were_asked_on(self, anonymous_client):
        forecasters = [factories.HumanForecasterFactory() for _ in range(3)]
        resolved_question("yes", dict(zip(forecasters, (0.9, 0.5, 0.2), strict=True)))

        local = anonymous_client.get("/api/v1/leaderboard/?page_size=2", HTTP_HOST="localhost")
        loopback = anonymous_client.get("/api/v1/leaderboard/?page_size=2", HTTP_HOST="127.0.0.1")

        assert local.json()["next"].startswith("http://localhost/api/v1/leaderboard/")
        assert loopback.json()["next"].startswith("http://127.0.0.1/api/v1/leaderboard/")

    def test_a_parameter_it_does_not_read_neither_bypasses_the_cache_nor_shows_in_links(
        self, anonymous_client, monkeypatch
    ):
        # Found by the schemathesis run: the cache key was the whole URL, so `?x=<random>`
        # recomputed the page on every request and left a new Redis entry each time.
        forecasters = [factories.HumanForecasterFactory() for _ in range(3)]
        resolved_question("yes", dict(zip(forecasters, (0.9, 0.5, 0.2), strict=True)))
        computed = []
        leaderboard = selectors.leaderboard
        monkeypatch.setattr(
            selectors, "leaderboard", lambda **kw: computed.append(kw) or leaderboard(**kw)
        )

        first = anonymous_client.get("/api/v1/leaderboard/?page_size=2&utm=a")
        second = anonymous_client.get("/api/v1/leaderboard/?utm=b&page_size=2")
        third = anonymous_client.get("/api/v1/leaderboard/?page_size=0002")

        assert len(computed) == 1
        assert first.content == second.content == third.content
        assert first.json()["next"] == "http://testserver/api/v1/leaderboard/?page=2&page_size=2"

    def test_the_browsable_api_still_renders_it(self, anonymous_client, alice, bob):
        resolved_question("yes", {alice: 0.9, bob: 0.3})
        anonymous_client.get("/api/v1/leaderboard/")  # the JSON bytes are cached

        response = anonymous_client.get("/api/v1/leaderboard/", HTTP_ACCEPT="text/html")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "&quot;forecaster&quot;: &quot;alice&quot;" in response.content.decode()

    def test_never_recomputes_on_a_request(self, anonymous_client, alice, bob):
        resolved_question("yes", {alice: 0.9, bob: 0.3})
        ForecasterTotal.objects.filter(forecaster=bob).update(mean_relative_score=-5.0)

        rows = anonymous_client.get("/api/v1/leaderboard/").json()["results"]

        assert rows[0]["forecaster"] == "bob"  # the stored total, not a fresh computation

    @pytest.mark.parametrize("scope", ["everything", "tag:", "year:26", "tag:a b"])
    def test_a_malformed_scope_is_a_400(self, anonymous_client, scope):
        response = anonymous_client.get("/api/v1/leaderboard/", {"scope": scope})

        assert response.status_code == 400
        assert "scope" in response.json()["fields"]

    def test_paginated(self, anonymous_client):
        forecasters = [factories.HumanForecasterFactory() for _ in range(3)]
        resolved_question("yes", dict(zip(forecasters, (0.9, 0.5, 0.2), strict=True)))

        body = anonymous_client.get("/api/v1/leaderboard/?page_size=2").json()

        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
        second = anonymous_client.get("/api/v1/leaderboard/?page_size=2&page=2").json()
        assert [row["rank"] for row in second["results"]] == [3]


class TestCalibration:
    def test_bins_with_intervals_and_murphy_terms(self, anonymous_client, alice):
        for outcome in ("yes", "yes", "no", "yes"):
            resolved_question(outcome, {alice: 0.75})

        response = anonymous_client.get("/api/v1/forecasters/alice/calibration/")

        assert response.status_code == 200
        body = response.json()
        assert len(body["bins"]) == 10
        seventy = body["bins"][7]
        assert (seventy["lower_edge"], seventy["upper_edge"]) == pytest.approx((0.7, 0.8))
        assert seventy["count"] == pytest.approx(4.0)  # four questions, each standing all window
        assert seventy["mean_forecast"] == pytest.approx(0.75)
        assert seventy["observed"] == pytest.approx(0.75)
        low, high = seventy["interval"]
        assert low < 0.75 < high
        assert body["bins"][0]["count"] == 0 and body["bins"][0]["observed"] is None
        assert body["reliability"] == pytest.approx(0.0)
        assert body["uncertainty"] == pytest.approx(0.75 * 0.25)

    def test_questions_before_resolve_by_are_left_out(self, anonymous_client, alice):
        question = factories.QuestionFactory(
            opens_at=timezone.now() - timedelta(days=3),
            closes_at=timezone.now() - timedelta(days=1),
            resolve_by=timezone.now() + timedelta(days=30),
        )
        factories.ForecastFactory(
            question=question,
            forecaster=alice,
            probabilities=[0.9],
            submitted_at=timezone.now() - timedelta(days=2),
        )
        resolution_services.resolution_record(
            question=question,
            outcome="yes",
            rationale="Early yes.",
            user=factories.StaffFactory(),
        )

        body = anonymous_client.get("/api/v1/forecasters/alice/calibration/").json()

        assert body["total"] == 0

    def test_unknown_forecaster_is_404(self, anonymous_client):
        assert anonymous_client.get("/api/v1/forecasters/nobody/calibration/").status_code == 404


class TestHiddenCrowd:
    """A question that hides its crowd until one forecasts hides it from the API too."""

    def test_hidden_from_those_who_have_not_forecast_then_shown(
        self, anonymous_client, alice, alice_client, bob_client, staff_client
    ):
        question = factories.QuestionFactory(crowd_hidden_until_forecast=True)
        factories.ForecastFactory(
            question=question,
            forecaster=alice,
            probabilities=[0.8],
            submitted_at=timezone.now() - timedelta(hours=1),
        )
        url = f"/api/v1/questions/{question.slug}/crowd/"

        assert anonymous_client.get(url).status_code == 403
        assert bob_client.get(url).status_code == 403  # bob has not forecast
        assert alice_client.get(url).json()[-1]["probabilities"]["Yes"] == pytest.approx(0.8)
        assert staff_client.get(url).status_code == 200

        question.closes_at = timezone.now() - timedelta(minutes=1)
        question.resolve_by = timezone.now() + timedelta(days=1)
        question.save()
        assert anonymous_client.get(url).status_code == 200  # closed: public


def test_calibration_reads_the_log_in_a_fixed_number_of_queries(
    alice, django_assert_max_num_queries
):
    from predictions import selectors

    for outcome in ("yes", "no", "yes", "no", "yes", "yes"):
        resolved_question(outcome, {alice: 0.7})

    with django_assert_max_num_queries(4):  # not one per question
        result = selectors.calibration_of(forecaster=alice)

    assert result.total == pytest.approx(6.0)
