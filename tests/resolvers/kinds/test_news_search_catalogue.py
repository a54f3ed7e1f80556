"""The seed catalogue's news_search sources, run as they are stored, against a local server
answering like GDELT's DOC 2.0 API: candidates need review, no articles is undetermined
before and after the close (never no), and a refused query is inconclusive.

The questions are those no data source can decide (the criteria ask for reports by named
outlets, a law taking effect, a country's commitment...): staff decide from the candidates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from resolvers.kinds import EvaluationError, get_kind, parse_when, validate_config
from resolvers.kinds.news_search import gdelt
from resolvers.kinds.news_search import kind as kind_module
from resolvers.kinds.news_search.schema import build_query
from tests.resolvers.http_servers import LocalHTTPServer, text_reply
from tests.resolvers.kinds import seed_catalogue
from tests.resolvers.kinds.test_news_search import PATH, PAYLOADS, serve

SLUGS = [
    "chinese-open-labs-funding-difficulties-timing",
    "calls-to-ban-open-models-continue-2027",
    "open-model-ban-takes-effect-2027",
    "open-weight-safety-shocks-2027",
    "sovereign-open-model-commitments-2027",
    "new-open-model-funding-structures-2027",
    "chinese-open-labs-capability-lag-after-funding",
]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the payloads' articles are of November 2026


def entry(slug: str) -> dict:
    return seed_catalogue.entry(slug)


def news_source(slug: str) -> dict:
    return seed_catalogue.source(slug, "news_search")


facts = seed_catalogue.facts


@pytest.fixture
def server(settings, monkeypatch):
    http = LocalHTTPServer().start()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"gdelt": http.base_url}
    monkeypatch.setattr(kind_module, "_now", lambda: NOW)
    monkeypatch.setattr(gdelt, "TURN_SECONDS", 0)
    yield http
    http.close()


def check(slug: str, now: datetime = NOW):
    config = news_source(slug)["config"]
    news = get_kind("news_search")
    return news.evaluate(news.fetch(config), config, facts(slug), now)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_source_is_a_valid_daily_news_search_from_mid_april_2026(slug):
    source = news_source(slug)
    assert validate_config("news_search", source["config"]) == source["config"]
    assert source["check_every_hours"] == 24
    assert source["config"]["since"] == "2026-04-15"
    assert parse_when(source["config"]["until"], end_of_day=True) >= facts(slug).closes_at


@pytest.mark.parametrize("slug", SLUGS)
def test_served_articles_are_candidates_for_staff_to_review(server, slug):
    answer = json.loads((PAYLOADS / f"{slug}.json").read_text())
    serve(server, answer)
    verdict = check(slug)

    config = news_source(slug)["config"]
    (request,) = server.requests
    assert request.path == PATH and request.query["query"] == [build_query(config)]
    count = len(answer["articles"])
    assert verdict.outcome == "needs_review"
    assert verdict.value == f"{count} candidate article{'' if count == 1 else 's'}"
    for article in answer["articles"]:
        assert article["domain"] in config["domains"]
        assert f"“{article['title'][:79]}" in verdict.explanation
    assert "not searched by this check" in verdict.explanation  # April to September 2026


@pytest.mark.parametrize("slug", SLUGS)
def test_no_articles_is_undetermined_before_the_close(server, slug):
    serve(server, {})
    verdict = check(slug)
    assert (verdict.outcome, verdict.value) == ("undetermined", "0 candidate articles")
    assert "checked again on its schedule" in verdict.explanation


@pytest.mark.parametrize("slug", SLUGS)
def test_no_articles_after_the_close_is_left_to_staff_never_no(server, monkeypatch, slug):
    after = facts(slug).closes_at + timedelta(days=5)
    monkeypatch.setattr(kind_module, "_now", lambda: after)
    serve(server, {})
    verdict = check(slug, after)
    assert verdict.outcome == "undetermined"
    assert "staff must decide" in verdict.explanation


@pytest.mark.parametrize("slug", SLUGS)
def test_a_query_gdelt_refuses_is_inconclusive(server, slug):
    serve(server, text_reply("Your query was too long.", content_type="text/html"))
    with pytest.raises(EvaluationError, match="it answered: Your query was too long"):
        check(slug)
