"""The public score pages: leaderboard, scoring explained, a forecaster's record, home."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.messages import constants as message_constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from predictions import rescoring, scoring, selectors
from predictions.calibration_chart import render_calibration_chart
from predictions.models import ForecasterTotal
from predictions.views import _whole_page_key
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
DASH = "\u2013"  # the en dash of bin ranges


# --- Personas and data


@pytest.fixture
def staff_web(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def alice_web(alice) -> Client:
    client = Client()
    client.force_login(alice.user)
    return client


@pytest.fixture
def bob_web(bob) -> Client:
    client = Client()
    client.force_login(bob.user)
    return client


@pytest.fixture
def min_one(settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 1


def resolved_question(forecasts, *, outcome="yes", tags=(), source=None, title=None):
    """A question that ran from 20 days ago to yesterday (its resolve_by passed too), with
    `forecasts` [(forecaster, p_yes)] made on its first day, resolved and scored."""
    now = timezone.now()
    extra = {"title": title} if title else {}
    question = factories.QuestionFactory(
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=1),
        resolve_by=now - timedelta(days=1),
        tags=list(tags),
        **extra,
    )
    if source is not None:
        factories.ClaimFactory(question=question, source=source)
    for forecaster, p_yes in forecasts:
        factories.ForecastFactory(
            question=question,
            forecaster=forecaster,
            probabilities=[p_yes],
            submitted_at=question.opens_at + timedelta(hours=1),
        )
    resolution_services.resolution_record(
        question=question,
        outcome=outcome,
        rationale="The source said so.",
        user=factories.StaffFactory(username="resolver"),
        known_on=timezone.now().date(),
    )
    rescoring.rescore_question(question_id=question.pk)
    return question


def page_rows(content: str) -> list[str]:
    """The text of each body row of the page's first table."""
    body = content.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def calibration_svg(content: str) -> ET.Element:
    start = content.index("<svg")
    end = content.index("</svg>", start) + len("</svg>")
    return ET.fromstring(content[start:end])


# --- Leaderboard


@pytest.mark.parametrize("persona", ["anonymous", "forecaster", "staff"])
def test_leaderboard_for_every_persona(persona, min_one, alice, bob, staff_web, alice_web):
    resolved_question([(alice, 0.9), (bob, 0.3)])
    client = {"anonymous": Client(), "forecaster": alice_web, "staff": staff_web}[persona]

    response = client.get("/leaderboard/")

    assert response.status_code == 200
    content = response.content.decode()
    rows = page_rows(content)
    assert rows[0].startswith("1 Alice") and rows[1].startswith("2 Bob")
    assert f'href="/forecasters/{alice.handle}/"' in content
    assert 'href="/scoring/"' in content
    assert "at least 1 scored question" in content


def test_leaderboard_tabs_switch_scope(min_one, alice, bob):
    alpha = factories.TagFactory(slug="alpha", name="Alpha models")
    beta = factories.TagFactory(slug="beta", name="Beta chips")
    article = factories.SourceFactory(slug="the-article", title="The article")
    resolved_question([(alice, 0.8)], tags=[alpha], source=article)
    resolved_question([(bob, 0.6)], tags=[beta])

    everyone = Client().get("/leaderboard/").content.decode()
    assert '<a href="?scope=all" aria-current="page">' in everyone
    assert '<a href="?scope=tag%3Aalpha">Alpha models</a>' in everyone
    assert '<a href="?scope=source%3Athe-article">The article</a>' in everyone
    year = timezone.now().year
    assert f'<a href="?scope=year%3A{year}">Resolved in {year}</a>' in everyone
    assert len(page_rows(everyone)) == 2

    response = Client().get("/leaderboard/", {"scope": "tag:alpha"})
    content = response.content.decode()
    assert '<a href="?scope=tag%3Aalpha" aria-current="page">Alpha models</a>' in content
    assert '<a href="?scope=all">' in content
    rows = page_rows(content)
    assert len(rows) == 1 and "Alice" in rows[0] and "Bob" not in content.split("<tbody>")[1]
    assert [e.forecaster for e in response.context["entries"]] == [alice]

    beta_rows = page_rows(Client().get("/leaderboard/?scope=tag:beta").content.decode())
    assert len(beta_rows) == 1 and "Bob" in beta_rows[0]
    source_rows = page_rows(Client().get("/leaderboard/?scope=source:the-article").content.decode())
    assert len(source_rows) == 1 and "Alice" in source_rows[0]


@pytest.mark.parametrize("scope", ["tag:", "nonsense", "tag:unknown", "year:1999", "x" * 300])
def test_a_bad_scope_falls_back_to_all_with_a_message(scope, min_one, alice):
    resolved_question([(alice, 0.8)])

    response = Client().get("/leaderboard/", {"scope": scope})

    assert response.status_code == 200
    assert response.context["scope"] == "all"
    content = response.content.decode()
    assert "There is no leaderboard" in content
    assert '<a href="?scope=all" aria-current="page">' in content
    assert len(page_rows(content)) == 1


def test_leaderboard_is_paginated_by_fifty():
    forecasters = factories.ForecasterFactory.create_batch(53)
    ForecasterTotal.objects.bulk_create(
        ForecasterTotal(
            forecaster=forecaster,
            scope="all",
            questions=10,
            mean_brier=0.3,
            mean_relative_score=-0.5 + index / 100,
            relative_score_low=-0.6 + index / 100,
            relative_score_high=-0.4 + index / 100,
            mean_log_loss=0.6,
        )
        for index, forecaster in enumerate(forecasters)
    )

    first = Client().get("/leaderboard/").content.decode()
    rows = page_rows(first)
    assert len(rows) == 50 and rows[0].startswith("1 ") and rows[49].startswith("50 ")
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first

    second = Client().get("/leaderboard/?page=2").content.decode()
    rows = page_rows(second)
    assert len(rows) == 3 and rows[0].startswith("51 ")
    assert forecasters[52].display_name in rows[2]
    assert 'href="?page=1"' in second

    # The page number keeps the scope, and the scope tabs start again on page 1.
    tagged = Client().get("/leaderboard/?scope=all&page=2").content.decode()
    assert 'href="?scope=all&amp;page=1"' in tagged
    assert len(page_rows(Client().get("/leaderboard/?page=99").content.decode())) == 3


def test_leaderboard_respects_the_minimum(settings):
    settings.LEADERBOARD_MIN_QUESTIONS = 3
    few, enough = factories.ForecasterFactory(), factories.ForecasterFactory()
    for forecaster, questions in ((few, 2), (enough, 3)):
        ForecasterTotal.objects.create(
            forecaster=forecaster,
            scope="all",
            questions=questions,
            mean_brier=0.2,
            mean_relative_score=-0.1 if forecaster == few else 0.1,
            relative_score_low=-0.2,
            relative_score_high=0.2,
            mean_log_loss=0.5,
        )

    content = Client().get("/leaderboard/").content.decode()

    rows = page_rows(content)
    assert len(rows) == 1 and enough.display_name in rows[0]
    assert few.display_name not in content
    assert "at least 3 scored questions" in content


def test_leaderboard_shows_the_stored_totals(min_one, alice, bob):
    resolved_question([(alice, 0.9), (bob, 0.3)])
    ForecasterTotal.objects.filter(forecaster=bob, scope="all").update(
        mean_relative_score=-0.777,
        relative_score_low=-0.812,
        relative_score_high=-0.701,
        mean_brier=0.0123,
    )

    rows = page_rows(Client().get("/leaderboard/").content.decode())

    assert rows[0] == "1 Bob 1 -0.777 (-0.812 to -0.701) 0.012"
    assert rows[1].startswith("2 Alice 1 ")


def test_leaderboard_page_is_rendered_once_and_shows_a_rescore_at_once(
    min_one, alice, bob, alice_web, django_assert_num_queries
):
    question = resolved_question([(alice, 0.9), (bob, 0.3)])
    # Alice's visit renders the table; the anonymous viewer gets it from the cache, with
    # his own header around it.
    assert page_rows(alice_web.get("/leaderboard/").content.decode())[0].startswith("1 Alice")

    with django_assert_num_queries(0):
        content = Client().get("/leaderboard/").content.decode()
    assert page_rows(content)[0].startswith("1 Alice")
    assert "Log in" in content and "Log out" not in content

    resolution_services.resolution_record(
        question=question,
        outcome="no",
        rationale="Corrected.",
        user=factories.StaffFactory(username="corrector"),
        known_on=timezone.now().date(),
    )
    rescoring.rescore_question(question_id=question.pk)
    rescoring._bump_scores_version()  # on_commit does this outside a test transaction

    rows = page_rows(Client().get("/leaderboard/").content.decode())
    assert rows[0].startswith("1 Bob") and rows[1].startswith("2 Alice")


def test_a_visitor_without_an_account_gets_the_whole_page_kept_and_others_do_not(
    min_one, alice, bob, alice_web, django_assert_num_queries
):
    resolved_question([(alice, 0.9), (bob, 0.3)])
    first = Client().get("/leaderboard/")

    with django_assert_num_queries(0):
        again = Client().get("/leaderboard/")
    assert again.content == first.content
    assert "Cookie" in again["Vary"]

    # Alice, logged in, still gets her own header around the table.
    mine = alice_web.get("/leaderboard/").content.decode()
    assert "Log out" in mine and page_rows(mine)[0].startswith("1 Alice")

    # A message waiting for a visitor in the messages cookie is shown, not a kept page.
    visitor = Client()
    note = Message(message_constants.INFO, "Your email address is confirmed.")
    visitor.cookies[CookieStorage.cookie_name] = CookieStorage(HttpRequest())._encode([note])
    assert "Your email address is confirmed." in visitor.get("/leaderboard/").content.decode()


def test_only_a_leaderboard_page_s_own_address_is_kept_whole(min_one, alice, bob):
    resolved_question([(alice, 0.9), (bob, 0.3)])

    for query in ("x=1", "page=01", "scope=nonsense", "page=1&scope=all"):
        Client().get(f"/leaderboard/?{query}")
        assert selectors.scores_cached_if_present(_whole_page_key(1, query)) is None
    # The addresses the page's own links produce: typed, the "All questions" tab, and the
    # "Previous page" link back to page 1.
    for query in ("", "scope=all", "page=1", "scope=all&page=1"):
        Client().get(f"/leaderboard/?{query}")
        assert selectors.scores_cached_if_present(_whole_page_key(1, query)) is not None


def test_leaderboard_with_no_rows_says_so():
    content = Client().get("/leaderboard/").content.decode()
    assert "No forecaster has 5 scored questions in this scope yet." in content


# --- Scoring explained


@pytest.mark.parametrize("persona", ["anonymous", "forecaster", "staff"])
def test_scoring_page_works_the_example(persona, settings, alice_web, staff_web):
    settings.LEADERBOARD_MIN_QUESTIONS = 7
    client = {"anonymous": Client(), "forecaster": alice_web, "staff": staff_web}[persona]

    response = client.get("/scoring/")

    assert response.status_code == 200
    content = response.content.decode()
    example = response.context["example"]
    assert example["brier_yes"] == pytest.approx(0.18)
    assert "= <strong>0.18</strong>" in content  # 70% on something that happens
    assert "<strong>0.98</strong>" in content
    assert example["alice_relative"] == pytest.approx(-0.18)
    assert example["bob_relative"] == pytest.approx(0.18)
    assert "(counts 0)" in content
    # The people's crowd: a bot is scored against it and does not move it.
    assert "their forecasts never move it" in content
    assert "On a day when no person has a standing forecast there is no crowd median" in content
    assert example["bot_relative"] == pytest.approx(-0.34)
    assert example["alice_relative_with_bot"] == pytest.approx(-0.18)
    assert example["alice_relative_if_bot_counted"] == pytest.approx(0.08 / 3)
    assert example["crowd_relative"] == pytest.approx(-0.03)
    assert "at least <strong>7</strong> scored questions" in content
    for words in ("Wilson 95% interval", "Reliability", "Resolution", "Uncertainty", "bootstrap"):
        assert words in content
    assert "log" in content.lower() and "crowd" in content and "median" in content
    # The Murphy identity of the example holds with the kernel's numbers.
    assert example["reliability"] - example["resolution"] + example["uncertainty"] == (
        pytest.approx(example["binary_brier"])
    )


# --- A forecaster's record


@pytest.mark.parametrize("persona", ["anonymous", "forecaster", "staff"])
def test_forecaster_page_for_every_persona(persona, alice, bob, alice_web, bob_web, staff_web):
    yes = resolved_question([(alice, 0.8), (bob, 0.4)], title="Will the lab ship it?")
    no = resolved_question([(alice, 0.3), (bob, 0.6)], outcome="no", title="Will chips run out?")
    client = {"anonymous": Client(), "forecaster": bob_web, "staff": staff_web}[persona]

    response = client.get(f"/forecasters/{alice.handle}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Alice</h1>" in content
    assert "Human" in content
    # The calibration chart: SVG with a title, a description, axes and one point per bin.
    svg = calibration_svg(content)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Calibration of Alice"
    description = svg.find(f"{SVG}desc").text
    assert f"30{DASH}40%" in description and f"80{DASH}90%" in description
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "0%" in texts and "50%" in texts and "100%" in texts
    assert "Stated probability" in texts and "Observed frequency" in texts
    points = [c for c in svg.iter(f"{SVG}circle")]
    assert len(points) == 2  # the 30-40% and 80-90% bins
    assert len([line for line in svg.iter(f"{SVG}line") if line.get("class") == "interval"]) == 2
    assert svg.find(f".//{SVG}line[@class='diagonal']") is not None
    # The Murphy terms in words.
    assert "Reliability 0.0" in content
    assert "Alice\u2019s stated probabilities" in content
    assert "Resolution" in content and "Uncertainty 0.250" in content
    # The scored questions with each score.
    assert f'<a href="/questions/{yes.slug}/">Will the lab ship it?</a>' in content
    assert f'<a href="/questions/{no.slug}/">Will chips run out?</a>' in content
    assert "0.080" in content  # 2 (1 - 0.8)^2 on the Yes
    assert "0.180" in content  # 2 (0.3)^2 on the No


def test_the_owner_reads_your_in_the_murphy_terms(alice, alice_web):
    resolved_question([(alice, 0.8)])
    content = alice_web.get(f"/forecasters/{alice.handle}/").content.decode()
    assert "Your stated probabilities" in content


def test_open_forecasts_are_shown_only_to_their_owner(alice, bob, alice_web, bob_web, staff_web):
    open_question = factories.QuestionFactory(title="Will the open one happen?")
    factories.ForecastFactory(
        forecaster=alice,
        question=open_question,
        probabilities=[0.35],
        submitted_at=timezone.now() - timedelta(days=2),
    )
    factories.ForecastFactory(forecaster=alice, question=open_question, probabilities=[0.62])
    closed = factories.ClosedQuestionFactory(title="Will the closed one happen?")
    factories.ForecastFactory(
        forecaster=alice,
        question=closed,
        probabilities=[0.44],
        submitted_at=timezone.now() - timedelta(days=3),
    )
    url = f"/forecasters/{alice.handle}/"

    own = alice_web.get(url).content.decode()
    assert "Your current forecasts on open questions" in own
    assert "Will the open one happen?" in own and "62% Yes" in own
    assert "35% Yes" not in own  # only the latest forecast per question

    for client in (Client(), bob_web, staff_web):
        other = client.get(url).content.decode()
        assert "Will the open one happen?" not in other
        assert "62%" not in other and "35%" not in other
        assert "Will the closed one happen?" in other and "44% Yes" in other


def test_multiple_choice_forecasts_name_their_options(alice, alice_web):
    question = factories.MultipleChoiceQuestionFactory(options=["United States", "China", "EU"])
    factories.ForecastFactory(forecaster=alice, question=question, probabilities=[0.5, 0.3, 0.2])
    content = alice_web.get(f"/forecasters/{alice.handle}/").content.decode()
    assert "United States 50%, China 30%, EU 20%" in content


def test_a_pundits_page_quotes_their_claims(alice):
    pundit = factories.PunditFactory(handle="nathan", display_name="Nathan Lambert")
    article = factories.SourceFactory(slug="open-models", title="Open models", author=pundit)
    claim = factories.ClaimFactory(
        source=article, quote="Open models will <b>lead</b> by summer.", implied_probability=0.9
    )
    draft = factories.ClaimFactory(
        source=article,
        quote="A draft claim.",
        question=factories.DraftQuestionFactory(title="A secret draft"),
    )

    response = Client().get("/forecasters/nathan/")

    content = response.content.decode()
    assert "Pundit" in content
    quote = "<blockquote><p>Open models will &lt;b&gt;lead&lt;/b&gt; by summer.</p></blockquote>"
    assert quote in content
    assert '<a href="/sources/open-models/">Open models</a>' in content
    assert f'<a href="/questions/{claim.question.slug}/">{claim.question.title}</a>' in content
    assert "Implied probability 90%" in content and "I expect" in content
    assert "A draft claim." in content
    assert draft.question.slug not in content and "A secret draft" not in content
    assert "not published yet" in content


def test_unknown_forecaster_is_404():
    assert Client().get("/forecasters/nobody-here/").status_code == 404


def test_a_forecaster_without_scores(alice):
    content = Client().get(f"/forecasters/{alice.handle}/").content.decode()
    svg = calibration_svg(content)
    assert svg.find(f"{SVG}title").text == "Calibration of Alice"
    assert not list(svg.iter(f"{SVG}circle"))
    assert "No calibration yet for Alice" in content
    assert "has been scored yet" in content


def test_scored_questions_are_paginated(alice):
    for _ in range(3):
        resolved_question([(alice, 0.8)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("predictions.views.PAGE_SIZE", 2)
        first = Client().get(f"/forecasters/{alice.handle}/").content.decode()
        second = Client().get(f"/forecasters/{alice.handle}/?page=2").content.decode()
    assert "Page 1 of 2" in first and 'href="?page=2#scores"' in first
    assert "Page 2 of 2" in second


# --- Home


@pytest.mark.parametrize("persona", ["anonymous", "forecaster", "staff"])
def test_home_shows_recently_resolved_and_the_leaderboard_top(
    persona, min_one, alice, bob, alice_web, staff_web
):
    resolved_question([(alice, 0.9), (bob, 0.2)], title="Did the model ship?")
    resolved_question([(alice, 0.3)], outcome="no", title="Did the chips run out?")
    client = {"anonymous": Client(), "forecaster": alice_web, "staff": staff_web}[persona]

    content = client.get("/").content.decode()

    recent = content.split("<h2>Recently resolved</h2>", 1)[1].split("<h2>", 1)[0]
    assert "Did the model ship?" in recent and "Did the chips run out?" in recent
    assert "outcome: <strong>Yes</strong>" in recent and "outcome: <strong>No</strong>" in recent
    top = content.split("<h2>Top of the leaderboard</h2>", 1)[1].split("<h2>", 1)[0]
    rows = page_rows(top)
    assert rows[0].startswith("1 Alice 2 ") and rows[1].startswith("2 Bob 1 ")
    assert 'href="/leaderboard/"' in top


def test_home_without_resolutions_or_leaders(db):
    content = Client().get("/").content.decode()
    assert "No question has been resolved yet." in content
    assert "No forecaster has 5 scored questions yet." in content


# --- The chart on its own


def test_calibration_chart_is_valid_svg_with_a_text_alternative():
    p = np.array([0.05, 0.05, 0.55, 0.95, 1.0])
    o = np.array([0.0, 1.0, 1.0, 1.0, 1.0])
    result = scoring.calibration(p, o, np.array([1.0, 1.0, 0.5, 1.0, 1.0]))

    chart = render_calibration_chart(result, name='Bot <"x">', id_prefix="c1")

    svg = ET.fromstring(chart.svg)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == 'Calibration of Bot <"x">'
    assert len(list(svg.iter(f"{SVG}circle"))) == 3
    counts = [t.text for t in svg.find(f".//{SVG}g[@class='counts']").iter(f"{SVG}text")]
    assert counts == ["n", "2", "0", "0", "0", "0", "0.5", "0", "0", "0", "2"]
    assert f"In 0{DASH}10% (weight 2), forecasts averaged 5% and 50% happened" in chart.summary
    assert chart.summary == svg.find(f"{SVG}desc").text
    assert [b.count for b in chart.bins][-1] == 2


@pytest.mark.parametrize("first", ["api", "page"])
def test_the_forecaster_page_and_the_calibration_api_work_in_either_order(first, alice, bob):
    resolved_question([(alice, 0.8), (bob, 0.4)], title="Will the lab ship it?")
    client = Client()
    page = f"/forecasters/{alice.handle}/"
    api = f"/api/v1/forecasters/{alice.handle}/calibration/"
    order = [api, page] if first == "api" else [page, api]

    responses = [client.get(url) for url in order + order]

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    body = client.get(api).json()
    assert body["forecaster"] == alice.handle and len(body["bins"]) == 10
    assert "Calibration of Alice" in client.get(page).content.decode()
