"""The ``forecast_platform`` kind against a local server answering like the platforms' APIs.

The payloads in tests/resolvers/payloads/forecast_platform/ follow each platform's documented
answer: Manifold's FullMarket (``GET /v0/slug/{slug}``, ``/v0/market/{id}``), a Metaculus
post with its question (``GET /api/posts/{id}/``) and a Polymarket Gamma market
(``GET /markets/slug/{slug}``, ``/markets/{id}``, outcomes and prices as JSON-encoded
strings). Tests derive the other states (resolved no, cancelled, disputed...) by changing
the documented fields of those answers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from resolvers import dry_run, services
from resolvers.kinds import ConfigError, EvaluationError, QuestionFacts, get_kind, validate_config
from resolvers.models import Resolution
from tests import factories
from tests.resolvers.http_servers import LocalHTTPServer, Reply, json_reply

PAYLOADS = Path(__file__).parents[1] / "payloads" / "forecast_platform"
BINARY = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2025, 11, 1, tzinfo=UTC),
    closes_at=datetime(2026, 12, 31, tzinfo=UTC),
    resolve_by=datetime(2027, 1, 31, tzinfo=UTC),
)
CHOICE = QuestionFacts(
    kind="multiple_choice",
    options=("Google DeepMind", "OpenAI", "A Chinese lab"),
    opens_at=BINARY.opens_at,
    closes_at=BINARY.closes_at,
    resolve_by=BINARY.resolve_by,
)
BEFORE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # the question is open
AFTER = datetime(2027, 1, 10, tzinfo=UTC)  # closed, before its resolve-by date
LATE = datetime(2027, 2, 15, tzinfo=UTC)  # past its resolve-by date

MANIFOLD_SLUG = "will-an-openweight-model-rank-first"
MANIFOLD_CHOICE_SLUG = "which-lab-will-have-the-top-model-o"
POLY_SLUG = "will-a-chinese-ai-lab-have-the-top-model-on-lmarena-by-december-31-2026"
POLY_NAMED_SLUG = "google-or-openai-top-model-on-lmarena-on-june-30"


def payload(name: str, **changes) -> dict:
    data = json.loads((PAYLOADS / name).read_text())
    data.update(changes)
    return data


def metaculus_post(name: str, **question_changes) -> dict:
    data = payload(name)
    data["question"].update(question_changes)
    return data


@pytest.fixture
def server(settings):
    http = LocalHTTPServer().start()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {
        name: http.base_url for name in ("manifold", "metaculus", "polymarket")
    }
    yield http
    http.close()


def serve(server: LocalHTTPServer, path: str, answer, status: int = 200) -> None:
    """Answer ``path`` with ``answer``: a JSON document, a Reply, or a callable of the request."""
    routed = answer if isinstance(answer, Reply) or callable(answer) else json_reply(answer, status)
    server.routes[path] = routed


def check(config: dict, *, question: QuestionFacts = BINARY, now: datetime = BEFORE):
    validate_config("forecast_platform", config)
    kind = get_kind("forecast_platform")
    return kind.evaluate(kind.fetch(config), config, question, now)


def manifold(**config) -> dict:
    return {"platform": "manifold", "slug": MANIFOLD_SLUG, **config}


def polymarket(**config) -> dict:
    return {"platform": "polymarket", "slug": POLY_SLUG, **config}


def metaculus(**config) -> dict:
    return {"platform": "metaculus", "id": 40211, **config}


# --------------------------------------------------------------------------------------------
# Manifold

MANIFOLD_PATH = f"/v0/slug/{MANIFOLD_SLUG}"


def test_manifold_resolved_yes_is_yes_with_the_date(server):
    serve(server, MANIFOLD_PATH, payload("manifold_binary_resolved.json"))
    verdict = check(manifold())
    assert (verdict.outcome, verdict.value) == ("yes", "YES")
    assert verdict.explanation == (
        'Manifold resolved "Will an open-weight model rank first on the LMArena text '
        'leaderboard before 2027?" YES on 2026-11-20 15:04 UTC'
    )
    [request] = server.requests
    assert request.path == MANIFOLD_PATH and request.headers["accept"] == "application/json"
    assert "authorization" not in request.headers


def test_manifold_resolved_no_is_no(server):
    serve(server, MANIFOLD_PATH, payload("manifold_binary_resolved.json", resolution="NO"))
    assert check(manifold(), now=AFTER).outcome == "no"


def test_manifold_cancel_is_annulled(server):
    serve(server, MANIFOLD_PATH, payload("manifold_binary_resolved.json", resolution="CANCEL"))
    verdict = check(manifold())
    assert verdict.outcome == "annulled" and verdict.decisive
    assert "as void (CANCEL)" in verdict.explanation and "question is annulled" in (
        verdict.explanation
    )


def test_manifold_resolved_to_a_probability_is_left_to_a_person(server):
    answer = payload("manifold_binary_resolved.json", resolution="MKT", resolutionProbability=0.7)
    serve(server, MANIFOLD_PATH, answer)
    with pytest.raises(EvaluationError, match=r"to a probability \(MKT at 70%\).*person decides"):
        check(manifold())


def test_manifold_open_market_is_undetermined_with_its_close_and_odds(server):
    serve(server, MANIFOLD_PATH, payload("manifold_binary_open.json"))
    verdict = check(manifold())
    assert verdict.outcome == "undetermined"
    assert verdict.value == "unresolved, at 37.1%"
    assert "has not resolved" in verdict.explanation
    assert "open, closes 2026-12-31 23:59 UTC; at 37.1%" in verdict.explanation


def test_manifold_unresolved_after_the_close_waits_for_the_platform_not_no(server):
    serve(server, MANIFOLD_PATH, payload("manifold_binary_open.json"))
    verdict = check(manifold(), now=AFTER)
    assert verdict.outcome == "undetermined"
    assert verdict.explanation.startswith("waiting for Manifold to resolve")
    assert "closed 2026-12-31 23:59 UTC, not resolved" in verdict.explanation
    assert "staff may resolve it by hand" not in verdict.explanation

    late = check(manifold(), now=LATE)
    assert late.outcome == "undetermined"
    assert "resolve-by date 2027-01-31 has passed, so staff may resolve it by hand" in (
        late.explanation
    )


def test_manifold_market_by_id_asks_the_market_endpoint(server):
    serve(server, "/v0/market/Zq3kVb7YpN", payload("manifold_binary_resolved.json"))
    verdict = check({"platform": "manifold", "id": "Zq3kVb7YpN"})
    assert verdict.outcome == "yes"
    assert server.requests[0].path == "/v0/market/Zq3kVb7YpN"


def test_manifold_unknown_market_says_so(server):
    serve(server, MANIFOLD_PATH, {"message": "Contract not found"}, status=404)
    with pytest.raises(EvaluationError, match=r"Manifold has no market .*check its slug or id"):
        check(manifold())


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"isResolved": None}, "has no isResolved"),
        ({"isResolved": "yes"}, "isResolved is not what its API documents"),
        ({"probability": 1.7}, "probability is not a probability"),
        ({"outcomeType": "PSEUDO_NUMERIC"}, "reads BINARY and MULTIPLE_CHOICE markets only"),
        ({"resolution": "MAYBE"}, "unknown value 'MAYBE'"),
    ],
)
def test_manifold_unreadable_answers_are_inconclusive_with_the_reason(server, changes, sentence):
    answer = payload("manifold_binary_resolved.json", **changes)
    serve(server, MANIFOLD_PATH, answer)
    with pytest.raises(EvaluationError, match=sentence):
        check(manifold())


def test_manifold_invalid_json_is_inconclusive(server):
    serve(server, MANIFOLD_PATH, Reply(200, [("Content-Type", "application/json")], b"{oops"))
    with pytest.raises(EvaluationError, match="did not answer valid JSON"):
        check(manifold())


def _choice_market(**changes) -> dict:
    return payload("manifold_multiple_choice.json", **changes)


def test_manifold_multiple_choice_maps_the_winning_answer_to_an_option(server):
    resolved = _choice_market(
        isResolved=True, resolution="a4DeepSeek", resolutionTime=1798761540000
    )
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", resolved)
    config = {
        "platform": "manifold",
        "slug": MANIFOLD_CHOICE_SLUG,
        "option_map": {"DeepSeek": "A Chinese lab", "Google DeepMind": "Google DeepMind"},
    }
    verdict = check(config, question=CHOICE, now=AFTER)
    assert (verdict.outcome, verdict.option, verdict.recorded) == (
        "option",
        "A Chinese lab",
        "option:A Chinese lab",
    )
    assert '"DeepSeek" on 2026-12-31 23:59 UTC: option A Chinese lab' in verdict.explanation


def test_manifold_multiple_choice_without_a_map_matches_options_by_name(server):
    resolved = _choice_market(isResolved=True, resolution="a2OpenAIq4")
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", resolved)
    verdict = check({"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG}, question=CHOICE)
    assert verdict.option == "OpenAI"


def test_manifold_multiple_choice_answer_mapping_to_no_option_is_left_to_a_person(server):
    resolved = _choice_market(isResolved=True, resolution="a5Other00z")
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", resolved)
    with pytest.raises(EvaluationError, match=r'"Other" .*maps to no option.*a person decides'):
        check({"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG}, question=CHOICE)


def test_manifold_multiple_choice_open_names_the_leading_answer(server):
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", _choice_market())
    verdict = check({"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG}, question=CHOICE)
    assert verdict.outcome == "undetermined"
    assert "leading: Google DeepMind at 44.7%" in verdict.explanation


def test_an_option_map_naming_an_unknown_option_is_inconclusive(server):
    resolved = _choice_market(isResolved=True, resolution="a2OpenAIq4")
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", resolved)
    config = {"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG, "option_map": {"OpenAI": "US"}}
    with pytest.raises(EvaluationError, match="option_map names 'US', not an option"):
        check(config, question=CHOICE)


@pytest.mark.parametrize(
    ("resolution", "outcome"),
    [("a2OpenAIq4", "yes"), ("a1Go0gle9x", "no"), ("CANCEL", "annulled")],
)
def test_manifold_binary_question_on_one_answer_of_a_multiple_choice_market(
    server, resolution, outcome
):
    resolved = _choice_market(isResolved=True, resolution=resolution)
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", resolved)
    config = {"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG, "answer": "openai"}
    verdict = check(config)
    assert verdict.outcome == outcome
    assert 'answer "OpenAI"' in verdict.explanation


def test_manifold_multiple_choice_market_for_a_binary_question_needs_an_answer(server):
    serve(server, f"/v0/slug/{MANIFOLD_CHOICE_SLUG}", _choice_market())
    with pytest.raises(EvaluationError, match="needs `answer`"):
        check({"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG})
    config = {"platform": "manifold", "slug": MANIFOLD_CHOICE_SLUG, "answer": "Mistral"}
    with pytest.raises(EvaluationError, match="has no answer 'Mistral'"):
        check(config)


# --------------------------------------------------------------------------------------------
# Metaculus

METACULUS_PATH = "/api/posts/40211/"


def test_metaculus_resolved_no_is_no_from_the_post_endpoint(server):
    serve(server, METACULUS_PATH, payload("metaculus_post_binary_resolved.json"))
    verdict = check(metaculus(), now=AFTER)
    assert (verdict.outcome, verdict.value) == ("no", "no")
    assert "Metaculus resolved" in verdict.explanation
    assert "on 2026-09-14 16:05 UTC" in verdict.explanation
    [request] = server.requests
    assert request.path == METACULUS_PATH and "authorization" not in request.headers


def test_metaculus_resolved_yes_is_yes(server):
    post = metaculus_post("metaculus_post_binary_resolved.json", resolution="yes")
    serve(server, METACULUS_PATH, post)
    assert check(metaculus()).outcome == "yes"


@pytest.mark.parametrize("resolution", ["ambiguous", "annulled"])
def test_metaculus_ambiguous_or_annulled_is_annulled(server, resolution):
    post = metaculus_post("metaculus_post_binary_resolved.json", resolution=resolution)
    serve(server, METACULUS_PATH, post)
    verdict = check(metaculus())
    assert verdict.outcome == "annulled"
    assert f"as void ({resolution})" in verdict.explanation


def test_metaculus_open_question_is_undetermined_with_the_community_forecast(server):
    serve(server, METACULUS_PATH, payload("metaculus_post_binary_open.json"))
    verdict = check(metaculus())
    assert verdict.outcome == "undetermined"
    assert "open, closes 2026-12-31 23:00 UTC; at 34%" in verdict.explanation


def test_metaculus_closed_unresolved_after_the_close_waits(server):
    post = metaculus_post("metaculus_post_binary_open.json", status="closed")
    serve(server, METACULUS_PATH, post)
    verdict = check(metaculus(), now=AFTER)
    assert verdict.outcome == "undetermined"
    assert verdict.explanation.startswith("waiting for Metaculus to resolve")


def test_metaculus_resolution_set_but_not_yet_effective_waits(server):
    post = metaculus_post(
        "metaculus_post_binary_open.json",
        status="closed",
        resolution="yes",
        actual_resolve_time="2027-01-20T00:00:00Z",
    )
    serve(server, METACULUS_PATH, post)
    verdict = check(metaculus(), now=AFTER)
    assert verdict.outcome == "undetermined"
    assert "Metaculus has set the resolution 'yes', effective 2027-01-20" in verdict.explanation


def test_metaculus_resolved_without_a_resolution_is_inconclusive(server):
    post = metaculus_post("metaculus_post_binary_open.json", status="resolved")
    serve(server, METACULUS_PATH, post)
    with pytest.raises(EvaluationError, match="marked resolved but has no resolution"):
        check(metaculus())


def test_metaculus_sends_the_named_token_and_never_shows_it(server, settings):
    settings.RESOLVER_SECRETS = {"METACULUS_TOKEN": {"value": "mt-0123", "hosts": ["127.0.0.1"]}}
    serve(server, METACULUS_PATH, payload("metaculus_post_binary_resolved.json"))
    verdict = check(metaculus(api_key={"secret": "METACULUS_TOKEN"}))
    assert server.requests[0].headers["authorization"] == "Token mt-0123"
    assert "mt-0123" not in verdict.explanation + verdict.value


def test_metaculus_asking_for_a_token_says_how_to_give_one(server):
    detail = {"detail": "Authentication credentials were not provided."}
    serve(server, METACULUS_PATH, detail, status=401)
    with pytest.raises(EvaluationError, match=r"asks for an API token .*name a Metaculus token"):
        check(metaculus())


def test_metaculus_unknown_post_says_so(server):
    with pytest.raises(EvaluationError, match="Metaculus has no post 40211"):
        check(metaculus())


def test_metaculus_group_post_is_not_read(server):
    serve(server, METACULUS_PATH, payload("metaculus_post_group.json"))
    with pytest.raises(EvaluationError, match="holds a group of questions"):
        check(metaculus())


def test_metaculus_multiple_choice_resolves_to_the_option_of_that_name(server):
    post = metaculus_post(
        "metaculus_post_multiple_choice.json",
        status="resolved",
        resolution="A Chinese lab",
        actual_resolve_time="2027-01-02T00:00:00Z",
    )
    serve(server, METACULUS_PATH, post)
    verdict = check(metaculus(), question=CHOICE, now=AFTER)
    assert (verdict.outcome, verdict.option) == ("option", "A Chinese lab")


def test_metaculus_multiple_choice_open_names_the_leading_option(server):
    serve(server, METACULUS_PATH, payload("metaculus_post_multiple_choice.json"))
    verdict = check(metaculus(), question=CHOICE)
    assert "leading: Google DeepMind at 41%" in verdict.explanation


def test_metaculus_multiple_choice_question_for_a_binary_one_is_refused(server):
    serve(server, METACULUS_PATH, payload("metaculus_post_multiple_choice.json"))
    with pytest.raises(EvaluationError, match="is multiple_choice; this question needs a binary"):
        check(metaculus())


# --------------------------------------------------------------------------------------------
# Polymarket

POLY_PATH = f"/markets/slug/{POLY_SLUG}"


def test_polymarket_resolved_no_is_no(server):
    serve(server, POLY_PATH, payload("polymarket_market_resolved.json"))
    verdict = check(polymarket(), now=AFTER)
    assert (verdict.outcome, verdict.value) == ("no", "No")
    assert "Polymarket resolved" in verdict.explanation
    assert "No on 2027-01-02 14:31 UTC" in verdict.explanation
    assert server.requests[0].path == POLY_PATH


def test_polymarket_resolved_yes_is_yes(server):
    answer = payload("polymarket_market_resolved.json", outcomePrices='["1", "0"]')
    serve(server, POLY_PATH, answer)
    assert check(polymarket()).outcome == "yes"


def test_polymarket_by_id_asks_the_market_endpoint(server):
    serve(server, "/markets/612904", payload("polymarket_market_resolved.json"))
    assert check({"platform": "polymarket", "id": "612904"}).outcome == "no"


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        ("proposed", "proposed to UMA and waits out its challenge period"),
        ("disputed", "disputed and waits for UMA's vote"),
    ],
)
def test_polymarket_proposed_or_disputed_waits_even_at_1_0_prices(server, status, sentence):
    answer = payload(
        "polymarket_market_resolved.json", umaResolutionStatus=status, outcomePrices='["1", "0"]'
    )
    serve(server, POLY_PATH, answer)
    verdict = check(polymarket(), now=AFTER)
    assert verdict.outcome == "undetermined"
    assert sentence in verdict.explanation and "waiting for Polymarket" in verdict.explanation


def test_polymarket_open_market_is_undetermined_with_the_yes_price(server):
    serve(server, POLY_PATH, payload("polymarket_market_open.json"))
    verdict = check(polymarket())
    assert verdict.outcome == "undetermined"
    assert "open, closes 2026-12-31 12:00 UTC; at 21.5%" in verdict.explanation


def test_polymarket_closed_without_a_proposal_waits(server):
    answer = payload("polymarket_market_open.json", closed=True, active=True)
    serve(server, POLY_PATH, answer)
    verdict = check(polymarket(), now=AFTER)
    assert verdict.outcome == "undetermined"
    assert "closed 2026-12-31 12:00 UTC, not resolved" in verdict.explanation


def test_polymarket_50_50_resolution_is_annulled(server):
    answer = payload("polymarket_market_resolved.json", outcomePrices='["0.5", "0.5"]')
    serve(server, POLY_PATH, answer)
    verdict = check(polymarket(), now=AFTER)
    assert (verdict.outcome, verdict.value) == ("annulled", "resolved 50-50")


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"outcomePrices": '["0.9", "0.1"]'}, "prices are not 1 for one outcome and 0"),
        ({"outcomes": ["Yes", "No"]}, "outcomes is not the JSON-encoded list"),
        ({"outcomePrices": '["1"]'}, "outcomes and outcomePrices do not match"),
        ({"closed": None}, "has no closed flag"),
        ({"outcomePrices": '["1.5", "0"]'}, "outcome price is not a probability"),
    ],
)
def test_polymarket_unreadable_answers_are_inconclusive_with_the_reason(server, changes, sentence):
    serve(server, POLY_PATH, payload("polymarket_market_resolved.json", **changes))
    with pytest.raises(EvaluationError, match=sentence):
        check(polymarket())


def test_polymarket_named_outcomes_need_the_yes_outcome(server):
    resolved = payload(
        "polymarket_market_named_outcomes.json",
        closed=True,
        umaResolutionStatus="resolved",
        outcomePrices='["1", "0"]',
        closedTime="2026-06-30 16:02:11+00",
    )
    serve(server, f"/markets/slug/{POLY_NAMED_SLUG}", resolved)
    with pytest.raises(EvaluationError, match=r"has no outcome 'Yes'.*'Google', 'OpenAI'"):
        check({"platform": "polymarket", "slug": POLY_NAMED_SLUG})
    as_google = {"platform": "polymarket", "slug": POLY_NAMED_SLUG, "yes_outcome": "Google"}
    assert check(as_google).outcome == "yes"
    as_openai = {**as_google, "yes_outcome": "OpenAI"}
    assert check(as_openai).outcome == "no"


def test_polymarket_outcomes_map_to_a_multiple_choice_question(server):
    resolved = payload(
        "polymarket_market_named_outcomes.json",
        closed=True,
        umaResolutionStatus="resolved",
        outcomePrices='["0", "1"]',
    )
    serve(server, f"/markets/slug/{POLY_NAMED_SLUG}", resolved)
    config = {
        "platform": "polymarket",
        "slug": POLY_NAMED_SLUG,
        "option_map": {"Google": "Google DeepMind", "OpenAI": "OpenAI"},
    }
    verdict = check(config, question=CHOICE)
    assert (verdict.outcome, verdict.option) == ("option", "OpenAI")


def test_polymarket_unknown_market_says_so(server):
    serve(server, POLY_PATH, {"type": "not found error", "error": "id not found"}, status=404)
    with pytest.raises(EvaluationError, match="Polymarket has no market"):
        check(polymarket())


# --------------------------------------------------------------------------------------------
# Configs


@pytest.mark.parametrize(
    ("config", "field", "sentence"),
    [
        ({"slug": "x"}, "config.platform", "is required"),
        ({"platform": "kalshi", "slug": "x"}, "config.platform", "must be one of"),
        ({"platform": "manifold"}, "config.slug", "slug or its id (exactly one)"),
        ({"platform": "manifold", "slug": "a", "id": "b"}, "config.slug", "exactly one"),
        ({"platform": "manifold", "slug": "has space"}, "config.slug", "letters, digits, '-'"),
        ({"platform": "polymarket", "id": "abc"}, "config.id", "digits only"),
        ({"platform": "metaculus", "slug": "x", "id": 1}, "config.slug", "named by id"),
        ({"platform": "metaculus"}, "config.id", "the Metaculus post number"),
        ({"platform": "metaculus", "id": "12a"}, "config.id", "the Metaculus post number"),
        ({"platform": "metaculus", "id": True}, "config.id", "must be a text or an integer"),
        (
            {"platform": "polymarket", "slug": "x", "answer": "A"},
            "config.answer",
            "manifold only",
        ),
        (
            {"platform": "manifold", "slug": "x", "yes_outcome": "A"},
            "config.yes_outcome",
            "polymarket only",
        ),
        (
            {"platform": "manifold", "slug": "x", "api_key": {"secret": "METACULUS_TOKEN"}},
            "config.api_key",
            "metaculus only",
        ),
        ({"platform": "manifold", "slug": "x", "option_map": {}}, "config.option_map", ""),
        ({"platform": "manifold", "slug": "x", "extra": 1}, "config.extra", "not a setting"),
    ],
)
def test_bad_configs_name_the_field(config, field, sentence):
    with pytest.raises(ConfigError) as caught:
        validate_config("forecast_platform", config)
    assert field in caught.value.fields
    assert sentence in caught.value.fields[field]


def test_a_metaculus_token_bound_to_another_host_is_refused(settings):
    settings.RESOLVER_SECRETS = {"METACULUS_TOKEN": {"value": "t", "hosts": ["example.org"]}}
    config = metaculus(api_key={"secret": "METACULUS_TOKEN"})
    with pytest.raises(ConfigError) as caught:
        validate_config("forecast_platform", config)
    assert "may not be sent to www.metaculus.com" in caught.value.fields["config.api_key.secret"]


def test_good_configs_pass():
    for config in (
        manifold(),
        {"platform": "manifold", "id": "Zq3kVb7YpN", "answer": "OpenAI"},
        polymarket(yes_outcome="Yes"),
        {"platform": "polymarket", "id": 612904},
        metaculus(),
        {"platform": "metaculus", "id": "40211", "option_map": {"A Chinese lab": "China"}},
    ):
        assert validate_config("forecast_platform", config) == config


# --------------------------------------------------------------------------------------------
# Through the services: proposals, the dispute window, a platform that re-resolves


def _age(resolution: Resolution, settings) -> None:
    Resolution.objects.filter(pk=resolution.pk).update(
        created_at=timezone.now() - settings.RESOLUTION_DISPUTE_WINDOW - timedelta(minutes=1)
    )


@pytest.mark.django_db
def test_an_annulled_market_proposes_an_annulment_final_only_after_the_window(server, settings):
    question = factories.QuestionFactory()
    serve(server, MANIFOLD_PATH, payload("manifold_binary_resolved.json", resolution="CANCEL"))
    source = services.source_add(question=question, kind="forecast_platform", config=manifold())
    check_row = services.source_check(source_id=source.pk)

    assert check_row.verdict == "annulled" and len(check_row.sha256) == 64
    proposal = Resolution.objects.get(question=question)
    assert (proposal.outcome, proposal.state, proposal.resolver) == (
        "annulled",
        "proposed",
        "forecast_platform",
    )
    assert proposal.evidence == check_row and proposal.outcome_option is None
    assert proposal.rationale.startswith("forecast_platform: Manifold resolved")
    assert services.resolutions_finalize_due() == []  # the dispute window is still open

    _age(proposal, settings)
    assert services.resolutions_finalize_due() == [proposal.pk]
    proposal.refresh_from_db()
    assert proposal.state == "final"


@pytest.mark.django_db
def test_a_platform_that_re_resolves_holds_the_proposal_for_an_admin(server, settings):
    question = factories.QuestionFactory()
    answer = payload("manifold_binary_resolved.json")
    serve(server, MANIFOLD_PATH, lambda request: json_reply(answer))
    source = services.source_add(question=question, kind="forecast_platform", config=manifold())
    services.source_check(source_id=source.pk)
    proposal = Resolution.objects.get(question=question)
    assert (proposal.outcome, proposal.held_reason) == ("yes", "")

    answer["resolution"] = "NO"  # the market's creator re-resolved it
    services.source_check(source_id=source.pk)

    proposal.refresh_from_db()
    assert proposal.held_reason.startswith("Its source flipped: a later check of this source")
    assert "says no" in proposal.held_reason
    _age(proposal, settings)
    assert services.resolutions_finalize_due() == []
    proposal.refresh_from_db()
    assert proposal.state == "proposed"


@pytest.mark.django_db
def test_an_unresolved_market_proposes_nothing(server):
    question = factories.ClosedQuestionFactory()
    serve(server, MANIFOLD_PATH, payload("manifold_binary_open.json"))
    source = services.source_add(question=question, kind="forecast_platform", config=manifold())
    check_row = services.source_check(source_id=source.pk)
    assert check_row.verdict == "undetermined"
    assert "waiting for Manifold to resolve" in check_row.explanation
    assert not Resolution.objects.filter(question=question).exists()


@pytest.mark.django_db
def test_the_dry_run_says_it_would_propose_an_annulment_and_records_nothing(server):
    question = factories.QuestionFactory()
    serve(server, MANIFOLD_PATH, payload("manifold_binary_resolved.json", resolution="CANCEL"))
    run = dry_run.source_dry_run(question=question, kind="forecast_platform", config=manifold())
    assert run.verdict is not None and run.verdict.recorded == "annulled"
    assert run.proposal.startswith("It would propose “Annulled”, final after the dispute window")
    assert not Resolution.objects.filter(question=question).exists()
