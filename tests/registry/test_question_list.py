"""`/questions/`: find any question by words, status, tag, source, kind and whether you
forecast on it; sorted, counted and paginated."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from registry import question_list
from registry.question_search import QuestionFilters, clean_text, questions_find
from resolvers import services as resolution_services
from tests import factories

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    text = response.content.decode()
    cards = text.split('class="cards question-cards"', 1)
    if len(cards) == 1:
        return []
    return re.findall(r'<a href="/questions/[^/]+/">([^<]+)</a>', cards[1].split("</ul>", 1)[0])


@pytest.fixture
def catalogue():
    ai = factories.TagFactory(slug="ai", name="AI")
    chips = factories.TagFactory(slug="chips", name="Chips")
    now = timezone.now()
    questions = {
        "weights": factories.QuestionFactory(
            title="Will open-weight models lead the benchmark?",
            tags=[ai],
            closes_at=now + timedelta(days=3),
        ),
        "fabs": factories.QuestionFactory(
            title="Will a new fab open in Arizona?",
            resolution_criteria="Yes if the semiconductor plant starts production.",
            tags=[chips],
            closes_at=now + timedelta(days=40),
        ),
        "closed": factories.ClosedQuestionFactory(title="Will the lab ship agents?", tags=[ai]),
        "choice": factories.MultipleChoiceQuestionFactory(
            title="Which country leads open models?", closes_at=now + timedelta(days=20)
        ),
        "draft": factories.DraftQuestionFactory(title="Will the draft stay hidden?"),
    }
    resolved = factories.ClosedQuestionFactory(title="Will the model be released?")
    resolution_services.resolution_record(
        question=resolved, outcome="yes", rationale="Released.", user=factories.StaffFactory()
    )
    questions["resolved"] = resolved
    return questions


def test_the_page_lists_every_visible_question_closing_soonest_first(client, catalogue):
    response = client.get("/questions/")

    assert response.status_code == 200
    listed = titles(response)
    assert "Will the draft stay hidden?" not in listed
    open_ones = [t for t in listed if t in {q.title for q in catalogue.values()}]
    assert open_ones.index("Will open-weight models lead the benchmark?") < open_ones.index(
        "Will a new fab open in Arizona?"
    )
    assert "5 questions." in response.content.decode()


@pytest.mark.postgresql_only(
    reason="PostgreSQL full-text search stems; the SQLite fallback matches words as typed"
)
def test_full_text_search_finds_words_in_the_criteria_with_stemming(client, catalogue):
    assert titles(client.get("/questions/", {"q": "semiconductor plants"})) == [
        "Will a new fab open in Arizona?"
    ]
    assert titles(client.get("/questions/", {"q": '"open-weight models"'})) == [
        "Will open-weight models lead the benchmark?"
    ]
    assert "No question matches" in client.get("/questions/", {"q": "zeppelin"}).content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "closing-soon"}, ["Will open-weight models lead the benchmark?"]),
        ({"status": "awaiting"}, ["Will the lab ship agents?"]),
        ({"status": "resolved"}, ["Will the model be released?"]),
        ({"tag": "chips"}, ["Will a new fab open in Arizona?"]),
        ({"kind": "multiple_choice"}, ["Which country leads open models?"]),
        ({"tag": "ai", "status": "open"}, ["Will open-weight models lead the benchmark?"]),
    ],
)
def test_filters_narrow_the_list(client, catalogue, params, expected):
    assert titles(client.get("/questions/", params)) == expected


def test_the_source_filter_lists_the_questions_of_one_article(client, catalogue):
    claim = factories.ClaimFactory(question=catalogue["fabs"])

    response = client.get("/questions/", {"source": claim.source.slug})

    assert titles(response) == ["Will a new fab open in Arizona?"]
    assert f'href="/sources/{claim.source.slug}/"' in response.content.decode()
    source_page = client.get(f"/sources/{claim.source.slug}/").content.decode()
    assert f'href="/questions/?source={claim.source.slug}"' in source_page


def test_mine_splits_what_i_forecast_from_what_i_have_not(catalogue):
    alice = factories.HumanForecasterFactory()
    factories.ForecastFactory(question=catalogue["fabs"], forecaster=alice)
    client = Client()
    client.force_login(alice.user)

    assert titles(client.get("/questions/", {"mine": "forecast"})) == [
        "Will a new fab open in Arizona?"
    ]
    not_mine = titles(client.get("/questions/", {"mine": "not-forecast", "status": "open"}))
    assert "Will a new fab open in Arizona?" not in not_mine and len(not_mine) == 2


def test_cards_show_counts_and_sorting_by_forecasters_puts_the_busiest_first(client, catalogue):
    for _ in range(3):
        factories.ForecastFactory(question=catalogue["fabs"])
    factories.ForecastFactory(question=catalogue["weights"])

    response = client.get("/questions/", {"sort": "forecasters", "status": "open"})

    assert titles(response)[:2] == [
        "Will a new fab open in Arizona?",
        "Will open-weight models lead the benchmark?",
    ]
    assert "3 forecasters, 3 forecasts" in response.content.decode()


def test_pages_of_twenty_keep_the_filters(client, monkeypatch):
    monkeypatch.setattr(question_list, "PAGE_SIZE", 2)
    for number in range(5):
        factories.QuestionFactory(title=f"Will batch question {number} resolve?")

    first = client.get("/questions/", {"q": "batch"}).content.decode()
    assert 'href="?q=batch&amp;page=2"' in first and "Page 1 of 3" in first
    third = client.get("/questions/", {"q": "batch", "page": "3"})
    assert titles(third) == ["Will batch question 4 resolve?"]
    assert titles(client.get("/questions/", {"q": "batch", "page": "lots"}))  # first page


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 5000},
        {"status": "nonsense"},
        {"sort": "%"},
        {"page": "99999999999999999999"},
    ],
)
def test_odd_input_never_breaks_the_page(client, catalogue, params):
    response = client.get("/questions/", params)

    assert response.status_code == 200


def test_a_lone_surrogate_in_the_address_is_searched_as_a_replacement(client, catalogue):
    response = client.get("/questions/?q=a%ED%A0%80b")

    assert response.status_code == 200 and "No question matches" in response.content.decode()


def test_an_unknown_filter_value_is_said_and_ignored(client, catalogue):
    response = client.get("/questions/", {"status": "nonsense"})

    assert "Select a valid choice" in response.content.decode()
    assert len(titles(response)) == 5


def test_search_text_is_cleaned_of_what_a_query_cannot_hold():
    assert clean_text("open\x00 weights\ud800 \t models") == "open weights? models"
    assert len(clean_text("y" * 1000)) == 200


def test_the_fallback_search_without_postgresql_needs_every_word(catalogue, monkeypatch):
    from registry import question_search

    monkeypatch.setattr(question_search, "postgres_search", lambda: False)
    found = questions_find(
        user=factories.UserFactory(), filters=QuestionFilters(text="fab Arizona")
    )
    assert [q.title for q in found] == ["Will a new fab open in Arizona?"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # -word and -"phrase" exclude, on both databases (the box's placeholder says so).
        (
            "open -fab",
            ["Will open-weight models lead the benchmark?", "Which country leads open models?"],
        ),
        (
            'open -"new fab"',
            ["Will open-weight models lead the benchmark?", "Which country leads open models?"],
        ),
        (
            "-benchmark open",
            ["Will a new fab open in Arizona?", "Which country leads open models?"],
        ),
        # A quoted phrase must appear as it is; `or` takes either side.
        ('"open models"', ["Which country leads open models?"]),
        ("Arizona or agents", ["Will a new fab open in Arizona?", "Will the lab ship agents?"]),
        ("Arizona OR zeppelin", ["Will a new fab open in Arizona?"]),
    ],
)
def test_search_syntax_works_the_same_without_postgresql(catalogue, monkeypatch, text, expected):
    from registry import question_search

    monkeypatch.setattr(question_search, "postgres_search", lambda: False)
    found = questions_find(user=factories.UserFactory(), filters=QuestionFilters(text=text))
    assert sorted(q.title for q in found) == sorted(expected)
