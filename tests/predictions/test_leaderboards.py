"""Issue 14: separate boards for people, bots and pundits, measured against the people's
crowd; the crowd's own row on every board; a forecaster's scores by tag and year."""

from __future__ import annotations

import importlib
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from predictions import api as predictions_api
from predictions import rescoring, selectors
from predictions.models import CrowdScore, CrowdTotal, QuestionScore
from registry.models import Forecaster
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def min_one(settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1


@pytest.fixture
def robo(db) -> Forecaster:
    """A bot."""
    return factories.ForecasterFactory(handle="robo", display_name="Robo", kind="bot")


@pytest.fixture
def pam(db) -> Forecaster:
    """A pundit quoted from articles."""
    return factories.PunditFactory(handle="pam", display_name="Pundit Pam")


def resolved(forecasts, *, outcome="yes", tags=(), opens=None, known_on=None):
    """A question open three days from `opens` (default 1-3 January 2026) with `forecasts`
    [(forecaster, p_yes, submitted_at)], resolved with `outcome` and scored."""
    opens = opens or at(1)
    question = factories.QuestionFactory(
        opens_at=opens,
        closes_at=opens + timedelta(days=3),
        resolve_by=opens + timedelta(days=19),
        tags=list(tags),
    )
    for forecaster, p_yes, submitted_at in forecasts:
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[p_yes],
            submitted_at=submitted_at,
        )
    resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="The source said so.",
        user=factories.StaffFactory(username="resolver"),
        known_on=known_on or (opens + timedelta(days=9)).date(),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


def score(question, forecaster) -> QuestionScore:
    return QuestionScore.objects.get(question=question, forecaster=forecaster)


def page_rows(content: str) -> list[str]:
    """The text of each ranked row (the first table's body)."""
    body = content.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def crowd_row(content: str) -> str | None:
    """The text of the leaderboard's unranked crowd row, if it shows one."""
    if "<tfoot>" not in content:
        return None
    foot = content.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", foot)).strip()


def everyone_on_one_question(alice, bob, robo, pam):
    """Alice 70% from day 1 and Bob 40% from day 2 (the worked example: medians 0.18, 0.45,
    0.45), with a bot and a pundit both sure of Yes (99%) from day 1; resolved Yes."""
    return resolved(
        [
            (alice, 0.7, at(1, 10)),
            (bob, 0.4, at(2, 12)),
            (robo, 0.99, at(1, 9)),
            (pam, 0.99, at(1, 8)),
        ]
    )


# --- Bots and pundits do not move the people's crowd


def test_a_bot_and_a_pundit_do_not_move_the_relative_scores_of_people(alice, bob, robo, pam):
    question = everyone_on_one_question(alice, bob, robo, pam)

    # Exactly the scores of the worked example, as if the bot and the pundit were absent.
    assert score(question, alice).relative_score == pytest.approx(-0.18)
    assert score(question, bob).relative_score == pytest.approx(0.18)
    # They are scored against the people's medians: Brier 2 (0.01)^2 = 0.0002 every day.
    expected = ((0.0002 - 0.18) + 2 * (0.0002 - 0.45)) / 3
    assert score(question, robo).relative_score == pytest.approx(expected)
    assert score(question, pam).relative_score == pytest.approx(expected)
    assert score(question, robo).brier == pytest.approx(0.0002)


def test_the_question_s_scores_api_shows_the_same(anonymous_client, alice, bob, robo, pam):
    question = everyone_on_one_question(alice, bob, robo, pam)

    body = anonymous_client.get(f"/api/v1/questions/{question.slug}/scores/").json()

    relative = {row["forecaster"]: row["relative_score"] for row in body}
    assert relative["alice"] == pytest.approx(-0.18)
    assert relative["bob"] == pytest.approx(0.18)


def test_many_bots_do_not_move_the_people_s_scores_either(alice, bob):
    bots = [factories.ForecasterFactory(kind="bot") for _ in range(5)]
    question = resolved(
        [(alice, 0.7, at(1, 10)), (bob, 0.4, at(2, 12))]
        + [(bot, 0.01, at(1, 1)) for bot in bots]  # all sure of the wrong answer
    )

    assert score(question, alice).relative_score == pytest.approx(-0.18)
    assert score(question, bob).relative_score == pytest.approx(0.18)


def test_days_before_any_person_forecast_count_0_for_everyone(alice, robo):
    # Robo stands from day 1; Alice, the only person, only from day 3.
    question = resolved([(robo, 0.9, at(1, 1)), (alice, 0.6, at(3, 1))])

    # Day 3's median is Alice's own 0.32; days 1 and 2 have none and count 0.
    assert score(question, alice).relative_score == pytest.approx(0.0)
    assert score(question, robo).relative_score == pytest.approx((0.02 - 0.32) / 3)
    assert score(question, robo).brier == pytest.approx(0.02)  # its Brier counts every day


def test_a_question_no_person_forecast_gives_relative_scores_of_0(robo, pam):
    question = resolved([(robo, 0.9, at(1, 1)), (pam, 0.2, at(1, 1))])

    assert score(question, robo).relative_score == 0.0
    assert score(question, pam).relative_score == 0.0
    assert score(question, pam).brier == pytest.approx(2 * 0.8**2)
    assert not CrowdScore.objects.filter(question=question).exists()


def test_unverified_and_deleted_people_still_make_the_crowd(alice, bob):
    unverified = factories.HumanForecasterFactory(email_verified_at=None)
    deleted = factories.HumanForecasterFactory(deleted_at=timezone.now())
    question = resolved(
        [(alice, 0.7, at(1, 1)), (unverified, 0.1, at(1, 1)), (deleted, 0.1, at(1, 1))]
    )

    # The median of 0.18, 1.62 and 1.62 is 1.62: Alice is far better than this crowd.
    assert score(question, alice).relative_score == pytest.approx(0.18 - 1.62)


# --- Separate boards


@pytest.fixture
def three_boards(min_one, alice, bob, robo, pam):
    return everyone_on_one_question(alice, bob, robo, pam)


def test_the_leaderboard_page_shows_people_by_default(three_boards, alice, bob):
    content = Client().get("/leaderboard/").content.decode()

    rows = page_rows(content)
    assert [row.split(" ")[:2] for row in rows] == [["1", "Alice"], ["2", "Bob"]]
    assert "Robo" not in content and "Pundit Pam" not in content
    assert '<a href="?kind=human" aria-current="page">People</a>' in content
    assert '<a href="?kind=bot">Bots</a>' in content
    assert '<a href="?kind=pundit">Pundits</a>' in content
    assert "People: All questions" in content
    assert "<title>Leaderboard of people: All questions" in content


@pytest.mark.parametrize(("kind", "name"), [("bot", "Robo"), ("pundit", "Pundit Pam")])
def test_each_kind_has_its_own_board_at_its_own_address(three_boards, kind, name):
    response = Client().get("/leaderboard/", {"kind": kind})

    assert response.status_code == 200
    content = response.content.decode()
    rows = page_rows(content)
    assert len(rows) == 1 and rows[0].startswith(f"1 {name}")
    assert "Alice" not in content.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert f'<a href="?kind={kind}" aria-current="page">' in content
    # The scope tabs stay on this board.
    assert f'<a href="?kind={kind}&amp;scope=all" aria-current="page">All questions</a>' in content
    assert f'href="?kind={kind}&amp;scope=year%3A2026"' in content


@pytest.mark.parametrize("kind", ["robots", "HUMAN", "x" * 300])
def test_a_bad_kind_on_the_page_shows_the_people_s_board_and_says_so(three_boards, kind):
    response = Client().get("/leaderboard/", {"kind": kind})

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is no leaderboard of" in content and "Showing the people" in content
    assert response.context["kind"] == "human"
    assert page_rows(content)[0].startswith("1 Alice")


def test_the_board_and_scope_pages_own_addresses_are_kept_whole(three_boards):
    from predictions.views import _whole_page_key

    for query in ("kind=bot", "kind=bot&scope=all", "kind=human", "kind=bot&page=1"):
        Client().get(f"/leaderboard/?{query}")
        assert selectors.scores_cached_if_present(_whole_page_key(1, query)) is not None
    for query in ("kind=robots", "scope=all&kind=bot"):
        Client().get(f"/leaderboard/?{query}")
        assert selectors.scores_cached_if_present(_whole_page_key(1, query)) is None


def test_the_home_page_shows_the_top_of_the_people_s_board(three_boards):
    content = Client().get("/").content.decode()

    top = content.split("<h2>Top of the leaderboard</h2>", 1)[1].split("<h2>", 1)[0]
    assert "Alice" in top and "Robo" not in top and "Pundit Pam" not in top


class TestApi:
    def test_people_by_default_and_each_kind_on_its_own(self, anonymous_client, three_boards):
        def board(query: str) -> list[tuple[str, str]]:
            response = anonymous_client.get(f"/api/v1/leaderboard/{query}")
            assert response.status_code == 200
            return [(row["forecaster"], row["kind"]) for row in response.json()["results"]]

        assert board("") == [("alice", "human"), ("bob", "human")]
        assert board("?kind=human") == [("alice", "human"), ("bob", "human")]
        assert board("?kind=bot") == [("robo", "bot")]
        assert board("?kind=pundit&scope=year:2026") == [("pam", "pundit")]

    @pytest.mark.parametrize("kind", ["robot", "", "HUMAN", " human", "x" * 5000])
    def test_a_bad_kind_is_a_400_naming_the_field(self, anonymous_client, kind):
        response = anonymous_client.get("/api/v1/leaderboard/", {"kind": kind})

        assert response.status_code == 400
        body = response.json()
        assert body["fields"] == {"kind": "must be human, bot or pundit"}

    def test_a_kind_that_is_not_utf_8_is_a_400(self, anonymous_client):
        response = anonymous_client.get("/api/v1/leaderboard/?kind=%ED%A0%80&kind=%FF")

        assert response.status_code == 400 and "kind" in response.json()["fields"]

    def test_a_nul_byte_in_the_kind_is_a_400_naming_it_on_the_api_and_the_page(
        self, anonymous_client
    ):
        api = anonymous_client.get("/api/v1/leaderboard/", {"kind": "human\x00"})
        page = Client().get("/leaderboard/", {"kind": "bot\x00"})

        assert api.status_code == 400 and "query parameter kind" in api.json()["error"]
        assert page.status_code == 400 and "query parameter kind" in page.content.decode()

    def test_a_bad_kind_and_a_bad_scope_are_both_named(self, anonymous_client):
        response = anonymous_client.get("/api/v1/leaderboard/?kind=robot&scope=everything")

        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"kind", "scope"}

    def test_the_default_kind_is_one_cache_entry_and_other_kinds_their_own(
        self, anonymous_client, three_boards, monkeypatch
    ):
        computed = []
        leaderboard = selectors.leaderboard
        monkeypatch.setattr(
            predictions_api.selectors,
            "leaderboard",
            lambda **kw: computed.append(kw["kind"]) or leaderboard(**kw),
        )

        people = [
            anonymous_client.get(f"/api/v1/leaderboard/{query}").content
            for query in ("", "?kind=human", "?kind=human&utm=1", "?kind=bot&kind=human")
        ]
        bots = [
            anonymous_client.get(f"/api/v1/leaderboard/{query}").content
            for query in ("?kind=bot", "?utm=2&kind=bot")
        ]

        assert computed == ["human", "bot"]
        assert len(set(people)) == 1 and len(set(bots)) == 1 and people[0] != bots[0]

    def test_page_links_keep_a_board_other_than_the_people_s(
        self, anonymous_client, min_one, settings
    ):
        bots = [factories.ForecasterFactory(kind="bot") for _ in range(3)]
        people = [factories.HumanForecasterFactory() for _ in range(3)]
        resolved(
            [(f, p, at(1, 1)) for f, p in zip(bots + people, (0.9, 0.5, 0.2) * 2, strict=True)]
        )

        bot_page = anonymous_client.get("/api/v1/leaderboard/?kind=bot&page_size=2").json()
        people_page = anonymous_client.get("/api/v1/leaderboard/?kind=human&page_size=2").json()

        assert (
            bot_page["next"] == "http://testserver/api/v1/leaderboard/?kind=bot&page=2&page_size=2"
        )
        assert people_page["next"] == "http://testserver/api/v1/leaderboard/?page=2&page_size=2"
        second = anonymous_client.get(bot_page["next"]).json()
        assert [row["kind"] for row in second["results"]] == ["bot"]


# --- The crowd's own row


def test_every_board_shows_the_crowd_s_own_record_unranked(three_boards):
    # The people's crowd forecast: 0.7 on day 1, median(0.7, 0.4) = 0.55 on days 2-3;
    # Brier 0.18, 0.405, 0.405 (mean 0.33); against the medians 0.18, 0.45, 0.45 that is
    # (0 - 0.045 - 0.045) / 3 = -0.03.
    for kind in ("human", "bot", "pundit"):
        content = Client().get("/leaderboard/", {"kind": kind}).content.decode()
        row = crowd_row(content)
        assert row == "\u2013 The people's crowd Not ranked 1 -0.030 0.330"
        assert "It is not ranked" in content
    # Ranks are the forecasters' alone.
    rows = page_rows(Client().get("/leaderboard/").content.decode())
    assert [row.split(" ")[0] for row in rows] == ["1", "2"]


def test_the_crowd_row_is_in_the_api_too(anonymous_client, three_boards):
    body = anonymous_client.get("/api/v1/leaderboard/?kind=bot").json()

    assert body["crowd"] == {
        "questions": 1,
        "mean_relative_score": pytest.approx(-0.03),
        "mean_brier": pytest.approx(0.33),
        "mean_log_loss": pytest.approx(-math.log(0.55)),
    }
    assert [row["forecaster"] for row in body["results"]] == ["robo"]


def test_the_crowd_s_own_record_ignores_bots_and_pundits(alice, bob, robo, pam):
    people_only = resolved([(alice, 0.7, at(1, 10)), (bob, 0.4, at(2, 12))])
    everyone = everyone_on_one_question(alice, bob, robo, pam)

    def record(question) -> tuple:
        return CrowdScore.objects.filter(question=question).values_list(
            "brier", "relative_score", "log_loss", "spherical", "days"
        )[0]

    assert record(everyone) == pytest.approx(record(people_only))
    assert record(everyone)[:2] == pytest.approx((0.33, -0.03))


def test_the_crowd_row_follows_the_scope(min_one, alice, bob):
    chips = factories.TagFactory(slug="chips", name="Chips")
    resolved([(alice, 0.9, at(1, 1)), (bob, 0.3, at(1, 1))], tags=[chips])
    resolved([(alice, 0.2, at(1, 1))], outcome="no")

    chips_row = crowd_row(Client().get("/leaderboard/?scope=tag:chips").content.decode())
    all_row = crowd_row(Client().get("/leaderboard/").content.decode())

    # Chips: the crowd said 60%, Brier 0.32, medians 0.5: relative -0.18 over 1 question.
    assert chips_row.endswith("1 -0.180 0.320")
    assert " 2 " in all_row
    assert CrowdTotal.objects.get(scope="all").questions == 2


def test_no_crowd_row_before_any_person_forecast(min_one, robo):
    resolved([(robo, 0.9, at(1, 1))])

    content = Client().get("/leaderboard/?kind=bot").content.decode()

    assert page_rows(content)[0].startswith("1 Robo") and crowd_row(content) is None
    assert Client().get("/api/v1/leaderboard/?kind=bot").json()["crowd"] is None


# --- Stored scores stay consistent


def test_rescoring_leaves_verify_scores_clean_and_changes_nothing_twice(alice, bob, robo, pam):
    question = everyone_on_one_question(alice, bob, robo, pam)
    resolved([(alice, 0.2, at(1, 1)), (robo, 0.5, at(2, 1))], outcome="no")

    assert rescoring.verify_scores() == []
    again = rescoring.rescore_question(question_id=question.pk)
    assert not again.scores.changed and not again.totals.changed and not again.crowd.changed


def test_a_full_rescore_matches_question_by_question(alice, bob, robo, pam):
    everyone_on_one_question(alice, bob, robo, pam)
    resolved([(alice, 0.2, at(1, 1)), (robo, 0.5, at(2, 1))], outcome="no")
    crowd = sorted(CrowdScore.objects.values_list(*rescoring.CROWD_SCORES.columns))
    crowd_totals = sorted(CrowdTotal.objects.values_list(*rescoring.CROWD_TOTALS.columns))
    assert len(crowd) == 2 and crowd_totals

    CrowdScore.objects.all().delete()
    CrowdTotal.objects.update(mean_brier=1.5)
    report = rescoring.rescore_all(full=True)

    assert report.crowd.created == 2 and report.crowd.changed
    assert sorted(CrowdScore.objects.values_list(*rescoring.CROWD_SCORES.columns)) == crowd
    assert sorted(CrowdTotal.objects.values_list(*rescoring.CROWD_TOTALS.columns)) == crowd_totals
    assert rescoring.verify_scores() == []


def test_verify_scores_names_a_tampered_crowd_row(alice, bob):
    question = resolved([(alice, 0.7, at(1, 10)), (bob, 0.4, at(2, 12))])
    CrowdScore.objects.filter(question=question).update(brier=0.9)

    differences = rescoring.verify_scores()

    assert [(d.table, d.key) for d in differences] == [("crowd score", (question.pk,))]


def test_the_migration_marks_every_outcome_for_the_rescore_sweep(alice, bob, robo):
    question = resolved([(alice, 0.7, at(1, 10)), (bob, 0.4, at(2, 12)), (robo, 0.99, at(1, 9))])
    # Scores stored under the old rule: the bot in the crowd (day 1 median of 0.18 and
    # 0.0002; days 2-3 of 0.18, 0.72, 0.0002).
    QuestionScore.objects.filter(question=question, forecaster=alice).update(
        relative_score=((0.18 - 0.0901) + 0 + 0) / 3
    )
    assert rescoring.stale_question_ids() == []
    migration = importlib.import_module("predictions.migrations.0008_crowd_scores")

    migration.mark_every_outcome_for_rescoring(django_apps, None)

    assert rescoring.stale_question_ids() == [question.pk]
    for question_id in rescoring.stale_question_ids():  # what rescore_stale enqueues
        rescoring.rescore_question(question_id=question_id)
    assert score(question, alice).relative_score == pytest.approx(-0.18)
    assert rescoring.verify_scores() == [] and rescoring.stale_question_ids() == []


def test_changing_a_forecaster_s_kind_marks_their_questions_for_rescoring(alice, bob):
    carol = factories.HumanForecasterFactory(user__username="carol")
    question = resolved([(alice, 0.7, at(1, 1)), (bob, 0.4, at(1, 1)), (carol, 0.1, at(1, 1))])
    assert score(question, alice).relative_score == pytest.approx(0.18 - 0.72)

    carol.kind = Forecaster.Kind.BOT  # staff find out Carol is a bot
    carol.save()

    assert rescoring.stale_question_ids() == [question.pk]
    rescoring.rescore_question(question_id=question.pk)
    # Now the median is that of Alice and Bob alone: (0.18 + 0.72) / 2 = 0.45.
    assert score(question, alice).relative_score == pytest.approx(0.18 - 0.45)
    assert rescoring.verify_scores() == []
    # A save that changes no kind marks nothing.
    bob.display_name = "Robert"
    bob.save()
    assert rescoring.stale_question_ids() == []


# --- A forecaster's scores by tag and year, and calibration by tag


@pytest.fixture
def tagged_record(alice, bob):
    chips = factories.TagFactory(slug="chips", name="Chips")
    policy = factories.TagFactory(slug="policy", name="Policy")
    resolved([(alice, 0.9, at(1, 1)), (bob, 0.3, at(1, 1))], tags=[chips])
    resolved([(alice, 0.3, at(1, 1)), (bob, 0.6, at(1, 1))], tags=[chips, policy], outcome="no")
    december = datetime(2025, 12, 1, tzinfo=UTC)
    resolved(
        [(alice, 0.8, december + timedelta(hours=1)), (bob, 0.5, december + timedelta(hours=1))],
        tags=[policy],
        opens=december,
    )
    return chips, policy


def table_rows(content: str, heading: str) -> list[str]:
    table = content.split(f">{heading}</h3>", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_the_forecaster_page_has_scores_by_tag_and_by_year(tagged_record, alice):
    content = Client().get(f"/forecasters/{alice.handle}/").content.decode()

    assert "Scores by tag and by year" in content
    # Chips: Brier 0.02 and 0.18; relative 0.02 - 0.5 and 0.18 - 0.45.
    # Policy: 0.18 and 0.08; relative -0.27 and 0.08 - 0.29.
    assert table_rows(content, "By tag") == [
        "Chips 2 0.100 -0.375",
        "Policy 2 0.130 -0.240",
    ]
    assert table_rows(content, "By year the outcome became known") == [
        "2026 2 0.100 -0.375",
        "2025 1 0.080 -0.210",
    ]
    assert 'href="/leaderboard/?scope=tag%3Achips"' in content


def test_a_bot_s_tag_rows_link_to_the_bots_board(robo, bob):
    resolved([(robo, 0.9, at(1, 1)), (bob, 0.3, at(1, 1))], tags=[factories.TagFactory(slug="ai")])

    content = Client().get("/forecasters/robo/").content.decode()

    assert 'href="/leaderboard/?kind=bot&amp;scope=tag%3Aai"' in content


def test_the_calibration_can_be_narrowed_to_one_tag(tagged_record, alice):
    page = f"/forecasters/{alice.handle}/"

    everything = Client().get(page).content.decode()
    chips = Client().get(page, {"calibration": "chips"}).content.decode()

    assert "Calibration of Alice on questions tagged" not in everything
    assert '<option value="chips" selected>Chips</option>' in chips
    assert "Calibration: questions tagged Chips" in chips
    assert "Calibration of Alice on questions tagged Chips" in chips
    # Chips holds Alice's 90% (Yes happened) and 30% (No): two of the three points.
    assert chips.count("<circle") == 2 and everything.count("<circle") == 3


@pytest.mark.parametrize("tag", ["nothing-like-it", "x" * 300, "Chips", "tag:chips", "<b>"])
def test_an_unknown_calibration_tag_shows_all_and_says_so(tagged_record, alice, tag):
    response = Client().get(f"/forecasters/{alice.handle}/", {"calibration": tag})

    assert response.status_code == 200
    content = response.content.decode()
    assert "the calibration shows all of them" in content
    assert content.count("<circle") == 3


def test_a_forecaster_without_tags_or_scores_has_no_breakdown(alice):
    content = Client().get(f"/forecasters/{alice.handle}/").content.decode()

    assert "Scores by tag and by year" not in content and 'name="calibration"' not in content


def test_the_year_row_is_the_year_the_outcome_became_known(alice):
    question = factories.QuestionFactory(
        opens_at=timezone.now() - timedelta(days=20),
        closes_at=timezone.now() - timedelta(days=1),
        resolve_by=timezone.now() - timedelta(days=1),
    )
    factories.ForecastFactory(
        question=question, forecaster=alice, submitted_at=question.opens_at + timedelta(hours=1)
    )
    resolution_services.resolution_record(
        question=question,
        outcome="yes",
        rationale="Reported.",
        user=factories.StaffFactory(username="resolver"),
        known_on=timezone.now().date(),
    )
    rescoring.rescore_question(question_id=question.pk)

    content = Client().get(f"/forecasters/{alice.handle}/").content.decode()

    assert table_rows(content, "By year the outcome became known")[0].startswith(
        f"{timezone.now().year} 1 0.180"
    )
