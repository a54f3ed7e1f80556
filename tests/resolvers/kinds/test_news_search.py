"""The ``news_search`` kind against a local server answering like GDELT's DOC 2.0 API.

The payloads in tests/resolvers/payloads/news_search/ follow GDELT's documented ArtList
answer (``GET /api/v2/doc/doc?query=…&mode=ArtList&format=json``): ``{"articles": [{"url",
"url_mobile", "title", "seendate": "20261128T141500Z", "socialimage", "domain", "language",
"sourcecountry"}]}``. GDELT answers ``{}`` when nothing matches and a short text message
(HTML, status 200) for a query it refuses. The kind never proposes an outcome: candidates
make ``needs_review``, none ``undetermined``, before and after the question's close alike.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from resolvers import dry_run, services
from resolvers.fetcher import FetchError, FetchResult
from resolvers.kinds import ConfigError, EvaluationError, QuestionFacts, get_kind, validate_config
from resolvers.kinds.news_search import gdelt, kind
from resolvers.kinds.news_search.schema import build_query
from resolvers.models import Check, Resolution
from tests import factories
from tests.resolvers.http_servers import LocalHTTPServer, Reply, json_reply, text_reply

PAYLOADS = Path(__file__).parents[1] / "payloads" / "news_search"
PATH = "/api/v2/doc/doc"
BINARY = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2026, 4, 15, tzinfo=UTC),
    closes_at=datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC),
    resolve_by=datetime(2028, 1, 31, tzinfo=UTC),
)
CHOICE = QuestionFacts(
    kind="multiple_choice",
    options=("By 2026-12-31", "In 2027", "Not by 2027-12-31"),
    opens_at=BINARY.opens_at,
    closes_at=BINARY.closes_at,
    resolve_by=BINARY.resolve_by,
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the window is open
AFTER = datetime(2028, 1, 5, tzinfo=UTC)  # the question has closed
CONFIG = {
    "terms": ["open-weight", "open weights"],
    "match": "any",
    "and_any_of": [["ban", "prohibit", "licence"]],
    "domains": ["reuters.com", "ft.com", "scmp.com"],
    "since": "2026-04-15",
    "until": "2027-12-31",
}


def payload(name: str = "artlist_open_weight_ban.json") -> dict:
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture
def server(settings, monkeypatch):
    http = LocalHTTPServer().start()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"gdelt": http.base_url}
    monkeypatch.setattr(kind, "_now", lambda: NOW)
    monkeypatch.setattr(gdelt, "TURN_SECONDS", 0)  # no 6 s between the tests' requests
    yield http
    http.close()


def serve(server: LocalHTTPServer, answer) -> None:
    server.routes[PATH] = answer if isinstance(answer, Reply) else json_reply(answer)


def check(config: dict = CONFIG, *, question: QuestionFacts = BINARY, now: datetime = NOW):
    news = get_kind("news_search")
    validate_config("news_search", config)
    evidence = news.fetch(config)
    return news.evaluate(evidence, config, question, now), evidence


# --------------------------------------------------------------------------------------------
# The request


def test_it_asks_gdelt_artlist_for_the_query_in_the_last_3_months_of_the_window(server):
    serve(server, payload())
    check()
    (request,) = server.requests
    assert request.path == PATH
    assert request.query == {
        "query": [
            '("open-weight" OR "open weights") ("ban" OR "prohibit" OR "licence") '
            "(domainis:reuters.com OR domainis:ft.com OR domainis:scmp.com)"
        ],
        "mode": ["ArtList"],
        "format": ["json"],
        "maxrecords": ["250"],
        "startdatetime": ["20260903120000"],  # 89 days back: GDELT searches 3 months
        "enddatetime": ["20261201120000"],
        "sort": ["DateDesc"],
    }


def test_the_query_joins_all_terms_and_filters():
    config = {
        "terms": ["open weights", "DeepSeek"],
        "and_any_of": [["layoffs"], ["funding  round", "valuation"]],
        "languages": ["english", "chinese"],
        "source_countries": ["CH"],
    }
    assert build_query(config) == (
        '"open weights" "DeepSeek" "layoffs" ("funding round" OR "valuation") '
        "(sourcelang:english OR sourcelang:chinese) sourcecountry:CH"
    )
    assert build_query({"terms": ["open weights"], "match": "any"}) == '"open weights"'


def test_a_window_that_ended_within_gdelts_reach_is_searched_to_its_end(server, monkeypatch):
    monkeypatch.setattr(kind, "_now", lambda: AFTER)
    serve(server, {})
    check(now=AFTER)
    query = server.requests[0].query
    assert (query["startdatetime"], query["enddatetime"]) == (
        ["20271008000000"],
        ["20271231235959"],
    )


def test_without_since_it_searches_the_last_3_months(server):
    serve(server, {})
    verdict, _ = check({"terms": ["open weights"]})
    assert server.requests[0].query["startdatetime"] == ["20260903120000"]
    assert "not searched" not in verdict.explanation


def test_a_window_that_ended_beyond_gdelts_reach_is_not_asked_and_says_so(server):
    config = {**CONFIG, "since": "2026-01-01", "until": "2026-06-30"}
    with pytest.raises(EvaluationError, match=r"ended on 2026-06-30 23:59 UTC, more than 3 months"):
        check(config)
    assert server.requests == []


def test_a_window_not_begun_is_undetermined_whatever_gdelt_finds(server):
    serve(server, payload())
    verdict, _ = check({**CONFIG, "since": "2027-01-01"})
    query = server.requests[0].query
    assert (query["startdatetime"], query["enddatetime"]) == (
        ["20261130120000"],
        ["20261201120000"],
    )
    assert verdict.outcome == "undetermined"
    assert "the search window opens on 2027-01-01" in verdict.explanation


# --------------------------------------------------------------------------------------------
# Verdicts: needs review, or undetermined, never yes or no


def test_candidates_need_review_with_their_count_and_titles(server):
    serve(server, payload())
    verdict, evidence = check()
    assert (verdict.outcome, verdict.value) == ("needs_review", "3 candidate articles")
    assert verdict.recorded == "needs_review" and not verdict.decisive
    text = verdict.explanation
    assert text.startswith("GDELT news seen 2026-09-03 12:00 UTC to 2026-12-01 12:00 UTC matching")
    assert "3 candidate articles for staff to review" in text
    assert "never decides the question" in text
    assert (
        "newest: “US senators propose licence requirement for releasing open-weight AI models” "
        "(reuters.com, 2026-11-28); “EU lawmakers call for ban on releasing the most capable "
        "open-weight models” (ft.com, 2026-11-20); “Beijing weighs rules on publishing "
        "open-source AI model weights” (scmp.com, 2026-11-15)"
    ) in text
    # The clamp is said: GDELT could not be asked about the window's first months.
    assert (
        "GDELT searches only the last 3 months, so 2026-04-15 to 2026-09-03 12:00 UTC of the "
        "window was not searched by this check"
    ) in text
    assert json.loads(evidence.body) == payload()  # GDELT's answer is the evidence, whole


def test_candidates_after_the_close_still_only_need_review(server, monkeypatch):
    monkeypatch.setattr(kind, "_now", lambda: AFTER)
    answer = payload()
    for article in answer["articles"]:
        article["seendate"] = article["seendate"].replace("2026", "2027")
    serve(server, answer)
    verdict, _ = check(now=AFTER)
    assert verdict.outcome == "needs_review"


def test_no_articles_before_the_close_is_undetermined(server):
    serve(server, {})  # GDELT's answer when nothing matches
    verdict, _ = check()
    assert (verdict.outcome, verdict.value) == ("undetermined", "0 candidate articles")
    assert "no articles; checked again on its schedule" in verdict.explanation
    assert "never resolves the question" in verdict.explanation


def test_no_articles_after_the_close_is_not_no_but_left_to_staff(server, monkeypatch):
    monkeypatch.setattr(kind, "_now", lambda: AFTER)
    serve(server, {"articles": []})
    verdict, _ = check(now=AFTER)
    assert verdict.outcome == "undetermined"  # never "no": nothing found is not evidence
    assert "the question has closed" in verdict.explanation
    assert "staff must decide from the criteria's sources" in verdict.explanation


def test_fewer_candidates_than_min_articles_wait(server):
    serve(server, payload())
    verdict, _ = check({**CONFIG, "min_articles": 4})
    assert (verdict.outcome, verdict.value) == ("undetermined", "3 candidate articles")
    assert "3 candidate articles, fewer than the 4 it takes to ask staff" in (verdict.explanation)


def test_too_few_candidates_after_the_close_are_left_to_staff(server, monkeypatch):
    monkeypatch.setattr(kind, "_now", lambda: AFTER)
    answer = payload()
    answer["articles"][0]["seendate"] = "20271201T000000Z"
    serve(server, answer)
    verdict, _ = check({**CONFIG, "min_articles": 2}, now=AFTER)
    assert (verdict.outcome, verdict.value) == ("undetermined", "1 candidate article")
    assert "a news search never resolves it: staff must decide" in verdict.explanation
    assert "2 answered articles outside the dates or domains" in verdict.explanation


def test_a_multiple_choice_question_gets_candidates_too(server):
    serve(server, payload())
    verdict, _ = check(question=CHOICE)
    assert verdict.outcome == "needs_review" and verdict.option == ""


def test_duplicates_and_articles_outside_the_dates_or_domains_are_left_out(server):
    answer = payload()
    first = answer["articles"][0]
    answer["articles"] += [
        dict(first),  # GDELT listing one URL twice
        {**first, "url": "https://example.com/a", "domain": "example.com"},
        {
            **first,
            "url": "https://www.ft.com/old",
            "domain": "ft.com",
            "seendate": "20260801T000000Z",
        },
        {**first, "url": "https://www.reuters.com/w", "domain": "www.reuters.com"},
    ]
    serve(server, answer)
    verdict, _ = check()
    assert verdict.value == "4 candidate articles"
    assert "2 answered articles outside the dates or domains asked for left out" in (
        verdict.explanation
    )


def test_a_full_answer_says_older_matches_may_be_missing(server):
    serve(server, payload())
    verdict, _ = check({**CONFIG, "max_records": 3})
    assert server.requests[0].query["maxrecords"] == ["3"]
    assert "GDELT's answer holds the 3 articles asked for, so older matches may be missing" in (
        verdict.explanation
    )


# --------------------------------------------------------------------------------------------
# Answers that cannot be read: inconclusive, with the reason


def test_a_query_gdelt_refuses_is_inconclusive_with_its_message(server):
    serve(server, text_reply("The specified phrase is too short.\n", content_type="text/html"))
    with pytest.raises(EvaluationError, match=r"GDELT did not run the search; it answered: The "):
        check()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([], "not a JSON object"),
        ({"timeline": []}, r"no 'articles' list \(it has timeline\)"),
        ({"articles": {}}, "'articles' is not a list"),
        ({"articles": [{"title": "x", "seendate": "20261101T000000Z"}]}, "article 0 .* no url"),
        (
            {"articles": [{"url": "https://reuters.com/x", "seendate": "2026-11-01"}]},
            "article 0 .* no seendate like 20261120T101500Z",
        ),
    ],
)
def test_answers_not_shaped_as_documented_are_inconclusive(server, answer, message):
    serve(server, answer)
    with pytest.raises(EvaluationError, match=message):
        check()


def test_an_empty_or_broken_body_is_inconclusive(server):
    serve(server, text_reply(""))
    with pytest.raises(EvaluationError, match="GDELT answered an empty body"):
        check()
    serve(server, text_reply('{"articles": [', content_type="application/json"))
    with pytest.raises(EvaluationError, match="GDELT did not answer valid JSON"):
        check()


def test_gdelts_stray_backslashes_and_control_characters_are_read(server):
    article = payload()["articles"][0]
    body = json.dumps({"articles": [article]}).replace("US senators", "US senators\\' \\\\ \t")
    serve(server, text_reply(body, content_type="application/json; charset=utf-8"))
    verdict, _ = check()
    assert verdict.outcome == "needs_review"
    assert "“US senators\\' \\ propose" in verdict.explanation


def test_an_http_error_is_inconclusive_and_a_429_is_retried(server):
    serve(server, text_reply("oops", status=502))
    with pytest.raises(EvaluationError, match="GDELT answered HTTP 502"):
        check()
    serve(server, text_reply("Please limit requests to one every 5 seconds", status=429))
    with pytest.raises(FetchError) as caught:
        check()
    assert (caught.value.reason, caught.value.transient) == ("rate_limited", True)


def test_evidence_without_the_dates_asked_is_inconclusive():
    body = json.dumps(payload()).encode()
    evidence = FetchResult(
        "https://api.gdeltproject.org/api/v2/doc/doc?query=x", 200, "", body, "", 1
    )
    with pytest.raises(EvaluationError, match="does not say which dates"):
        get_kind("news_search").evaluate(evidence, CONFIG, BINARY, NOW)


def test_checks_take_turns_at_gdelt(server, monkeypatch):
    monkeypatch.setattr(gdelt, "TURN_SECONDS", 6)
    monkeypatch.setattr(gdelt, "WAIT_SECONDS", 0)
    serve(server, {})
    check()  # takes the turn
    with pytest.raises(FetchError) as caught:
        check()  # another check within 6 s waits, then is retried later
    assert (caught.value.reason, caught.value.transient) == ("rate_limited", True)
    assert len(server.requests) == 1


# --------------------------------------------------------------------------------------------
# Configs


@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        ({}, "config.terms", "is required"),
        ({"terms": []}, "config.terms", "at least 1"),
        ({"terms": ["AI"]}, "config.terms.0", "under 3 characters"),
        ({"terms": ['say "never"']}, "config.terms.0", "must not contain"),
        ({"terms": ["open weights"], "match": "some"}, "config.match", "one of: all, any"),
        (
            {"terms": ["open weights"], "and_any_of": [["ok ok", "(x"]]},
            "config.and_any_of.0.1",
            "must not contain",
        ),
        ({"terms": ["open weights"], "domains": ["Reuters"]}, "config.domains.0", "domain"),
        ({"terms": ["open weights"], "languages": ["en glish"]}, "config.languages.0", "one word"),
        ({"terms": ["open weights"], "since": "mid-April"}, "config.since", "ISO 8601"),
        (
            {"terms": ["open weights"], "since": "2027-01-01", "until": "2026-01-01"},
            "config.until",
            "must not be before since",
        ),
        ({"terms": ["open weights"], "max_records": 300}, "config.max_records", "maximum"),
        (
            {"terms": ["open weights"], "max_records": 10, "min_articles": 20},
            "config.min_articles",
            "not be more than max_records",
        ),
        (
            {"terms": ["open weights"], "decide_no_after": "2028-01-01"},
            "config.decide_no_after",
            "is not a setting of this kind",
        ),
    ],
)
def test_bad_configs_name_the_field(config, field, words):
    with pytest.raises(ConfigError) as caught:
        validate_config("news_search", config)
    assert field in caught.value.fields, caught.value.fields
    assert words in caught.value.fields[field]


# --------------------------------------------------------------------------------------------
# Through the services: a check keeps the evidence and never proposes an outcome


@pytest.mark.django_db
def test_a_check_with_candidates_keeps_the_evidence_and_proposes_nothing(server):
    question = factories.QuestionFactory()
    serve(server, payload())
    source = services.source_add(question=question, kind="news_search", config=CONFIG)
    row = services.source_check(source_id=source.pk)

    assert (row.verdict, row.value, row.error) == ("needs_review", "3 candidate articles", "")
    assert json.loads(bytes(row.body)) == payload() and len(row.sha256) == 64
    assert row.url.startswith(server.base_url + PATH) and row.http_status == 200
    assert "for staff to review" in row.explanation
    source.refresh_from_db()
    assert (source.last_verdict, source.consecutive_failures) == ("needs_review", 0)
    assert not Resolution.objects.filter(question=question).exists()


@pytest.mark.django_db
def test_a_check_after_the_close_with_nothing_found_proposes_no_outcome(server):
    question = factories.ClosedQuestionFactory()
    serve(server, {})
    source = services.source_add(question=question, kind="news_search", config=CONFIG)
    row = services.source_check(source_id=source.pk)
    services.source_check(source_id=source.pk)  # again: still nothing proposed

    assert row.verdict == "undetermined" and "staff must decide" in row.explanation
    assert Check.objects.filter(source=source).count() == 2
    assert not Resolution.objects.filter(question=question).exists()


@pytest.mark.django_db
def test_the_dry_run_says_staff_review_the_candidates(server):
    question = factories.MultipleChoiceQuestionFactory()
    serve(server, payload())
    run = dry_run.source_dry_run(question=question, kind="news_search", config=CONFIG)
    assert run.verdict is not None and run.verdict.recorded == "needs_review"
    assert run.proposal == "It would propose nothing: staff review the evidence it gathered."
    assert not Resolution.objects.filter(question=question).exists()
