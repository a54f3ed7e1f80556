"""The ``openrouter`` kind against a local server answering like OpenRouter's API.

The payloads in tests/resolvers/payloads/openrouter/ follow the API reference: the models
list (``GET /api/v1/models``, keyless) and the two datasets (``rankings-daily``,
``app-rankings``), which refuse a request without ``Authorization: Bearer <key>`` with 401.
The checks run on a fixed "today" so the ranking period asked for is known.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from resolvers.kinds import (
    ConfigError,
    EarlierValue,
    EvaluationError,
    QuestionFacts,
    get_kind,
    validate_config,
)
from resolvers.kinds.openrouter import kind as kind_module
from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply, json_reply

PAYLOADS = Path(__file__).parents[1] / "payloads" / "openrouter"
KEY = "sk-or-v1-test-0123456789"
TODAY = date(2026, 12, 3)  # the last complete week is 2026-11-23..29, month November
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
QUESTION = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2026, 4, 1, tzinfo=UTC),
    closes_at=datetime(2027, 12, 31, tzinfo=UTC),
    resolve_by=datetime(2028, 1, 31, tzinfo=UTC),
)
MODELS = "/api/v1/models"
RANKINGS = "/api/v1/datasets/rankings-daily"
APPS = "/api/v1/datasets/app-rankings"
API_KEY = {"secret": "OPENROUTER_API_KEY"}
OPEN_WEIGHT = {"hugging_face_id": True}


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def redated(answer: dict, start: str, end: str) -> dict:
    """The same answer for another period, as OpenRouter would date it."""
    answer = json.loads(json.dumps(answer))
    for row in answer["data"]:
        if "date" in row:
            row["date"] = start
    answer["meta"].update(start_date=start, end_date=end)
    return answer


class OpenRouter:
    """Answers by path and by the ``start_date`` (and ``subcategory``) asked for; the
    datasets answer 401 without the bearer key, as the real API does."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str, str], Reply] = {}
        self.http = LocalHTTPServer().start()
        for path in (MODELS, RANKINGS, APPS):
            self.http.routes[path] = self._answer
        self.serve(MODELS, payload("models.json"))

    def serve(self, path: str, answer, start: str = "", subcategory: str = "", status=200):
        reply = json_reply(answer, status) if not isinstance(answer, Reply) else answer
        self.answers[(path, start, subcategory)] = reply

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.path != MODELS and request.headers.get("authorization") != f"Bearer {KEY}":
            return json_reply(
                {"error": {"code": 401, "message": "Missing Authentication header"}}, 401
            )
        query = {name: values[0] for name, values in request.query.items()}
        key = (request.path, query.get("start_date", ""), query.get("subcategory", ""))
        missing = json_reply({"error": {"code": 404, "message": "Not Found"}}, 404)
        return self.answers.get(key, missing)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.http.requests if request.path == path]


@pytest.fixture
def openrouter(settings, monkeypatch):
    server = OpenRouter()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"openrouter": server.http.base_url}
    settings.RESOLVER_SECRETS = {"OPENROUTER_API_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}
    monkeypatch.setattr(kind_module, "_today", lambda: TODAY)
    server.serve(RANKINGS, payload("rankings_week_2026-11-23.json"), "2026-11-23")
    server.serve(RANKINGS, payload("rankings_month_2026-11.json"), "2026-11-01")
    server.serve(RANKINGS, payload("rankings_month_2026-04.json"), "2026-04-01")
    server.serve(APPS, payload("apps_week_2026-11-23.json"), "2026-11-23")
    server.serve(
        APPS, payload("apps_personal-agent_week_2026-11-23.json"), "2026-11-23", "personal-agent"
    )
    yield server
    server.http.close()


def check(config: dict, *, now: datetime = NOW, question: QuestionFacts = QUESTION):
    validate_config("openrouter", config)
    kind = get_kind("openrouter")
    evidence = kind.fetch(config)
    return kind.evaluate(evidence, config, question, now), evidence


def share(**config) -> dict:
    return {"mode": "token_share", "api_key": API_KEY, "group": OPEN_WEIGHT, **config}


# --------------------------------------------------------------------------------------------
# token_share


def test_open_weight_share_of_the_top_20_over_a_threshold_is_yes(openrouter):
    verdict, evidence = check(share(threshold=0.3))
    # Open-weight (hugging_face_id set) in the week's top 20, variants merged: MiniMax M2 310,
    # DeepSeek V3.2 280, GLM 4.6 190, Qwen3 Coder 150 + 40 (:free), gpt-oss 170, Kimi 110,
    # R1T2 Chimera 90, GLM 4.5 Air 70, Llama 3.3 60 = 1,470 of 4,115 billion tokens.
    assert verdict.outcome == "yes"
    assert verdict.value == "0.3572"
    assert verdict.explanation == (
        "OpenRouter, week 2026-11-23 to 2026-11-29 (as of 2026-12-03 02:00 UTC): the group "
        "holds 9 of the top 20 models, 1,470,000,000,000 of 4,115,000,000,000 tokens (the "
        "tokens of the top 20 models) = 35.7%, compared >= threshold 30.0%: condition met"
    )
    combined = json.loads(evidence.body)
    assert evidence.content_type == "application/json"
    assert set(combined) == {
        f"{openrouter.http.base_url}/api/v1/models?output_modalities=all",
        f"{openrouter.http.base_url}{RANKINGS}?start_date=2026-11-23&end_date=2026-11-29&period=week",
    }
    assert KEY not in evidence.body.decode() and KEY not in evidence.url


def test_the_requests_are_the_documented_ones_and_only_the_datasets_get_the_key(openrouter):
    check(share(threshold=0.3, period="month"))
    (models,) = openrouter.requests_to(MODELS)
    (rankings,) = openrouter.requests_to(RANKINGS)
    assert models.query == {"output_modalities": ["all"]}
    assert "authorization" not in models.headers
    assert rankings.query == {
        "start_date": ["2026-11-01"],
        "end_date": ["2026-11-30"],
        "period": ["month"],
    }
    assert rankings.headers["authorization"] == f"Bearer {KEY}"


def test_a_share_under_the_threshold_waits_then_is_no(openrouter):
    config = share(threshold=0.5, decide_no_after="2026-12-01")
    verdict, _ = check(config, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert verdict.outcome == "undetermined"
    assert "condition not met yet" in verdict.explanation
    verdict, _ = check(config)
    assert verdict.outcome == "no"
    assert verdict.value == "0.3572"


def test_authors_and_named_models_form_a_group_without_hugging_face(openrouter):
    group = {"authors": ["deepseek", "z-ai"], "models": ["openai/gpt-oss-120b"]}
    verdict, _ = check(share(group=group, threshold=0.2))
    # DeepSeek V3.2 280 + GLM 4.6 190 + GLM 4.5 Air 70 + gpt-oss 170 = 710 of 4,115.
    assert (verdict.outcome, verdict.value) == ("undetermined", "0.1725")
    assert "4 of the top 20 models, 710,000,000,000 of 4,115,000,000,000" in verdict.explanation


def test_the_share_of_all_tokens_counts_the_long_tail_in_the_denominator(openrouter):
    verdict, _ = check(share(threshold=0.2, denominator="all"))
    # Every row (4,333 billion: variants and a retired model too) plus "other" (900).
    assert "1,470,000,000,000 of 5,233,000,000,000 tokens (all tokens) = 28.1%" in (
        verdict.explanation
    )
    assert verdict.outcome == "yes"


def test_without_merging_variants_a_free_variant_ranks_on_its_own(openrouter):
    verdict, _ = check(share(threshold=0.3, merge_variants=False))
    # Qwen3 Coder counts 150 without its :free 40; the 20th model is now Llama 3.3 (60).
    assert "1,430,000,000,000 of 4,075,000,000,000" in verdict.explanation


def test_seed_share_higher_at_the_end_of_2027_than_in_april_2026(openrouter, monkeypatch):
    config = share(
        period="month",
        group={
            "hugging_face_id": True,
            "authors": ["deepseek", "meta-llama", "moonshotai", "z-ai"],
        },
        baseline={"on": "2026-04-15"},
        decide_from="2028-01-02",
        decide_no_after="2028-01-02",
    )
    # Before the end of 2027 the share is measured and recorded, never decided.
    verdict, _ = check(config)
    assert verdict.outcome == "undetermined"
    assert verdict.value == "0.3572"
    assert "baseline 28.7% in the month 2026-04-01 to 2026-04-30" in verdict.explanation
    assert "condition met now; it is decided from 2028-01-02" in verdict.explanation
    april = openrouter.requests_to(RANKINGS)[-1]
    assert april.query["start_date"] == ["2026-04-01"] and april.query["end_date"] == ["2026-04-30"]

    # On 2 January 2028 the month measured is December 2027.
    monkeypatch.setattr(kind_module, "_today", lambda: date(2028, 1, 2))
    december = redated(payload("rankings_month_2026-11.json"), "2027-12-01", "2027-12-31")
    openrouter.serve(RANKINGS, december, "2027-12-01")
    verdict, _ = check(config, now=datetime(2028, 1, 2, 6, 0, tzinfo=UTC))
    assert verdict.outcome == "yes"
    assert "compared > baseline 28.7%" in verdict.explanation

    flat = redated(payload("rankings_month_2026-04.json"), "2027-12-01", "2027-12-31")
    openrouter.serve(RANKINGS, flat, "2027-12-01")
    verdict, _ = check(config, now=datetime(2028, 1, 2, 6, 0, tzinfo=UTC))
    assert verdict.outcome == "no"
    assert verdict.value == "0.2866"


def test_a_fixed_baseline_value(openrouter):
    verdict, _ = check(share(baseline={"value": 0.36}))
    assert verdict.outcome == "undetermined"
    assert "compared > baseline 36.0%" in verdict.explanation


def test_a_baseline_in_the_period_measured_is_inconclusive(openrouter):
    with pytest.raises(EvaluationError, match="the baseline date falls in the period measured"):
        check(share(baseline={"on": "2026-11-25"}))


def test_a_baseline_from_an_earlier_check_of_this_source(openrouter):
    earlier = (
        EarlierValue(datetime(2026, 4, 10, tzinfo=UTC), "0.2000"),
        EarlierValue(datetime(2026, 4, 16, 6, tzinfo=UTC), "0.3100"),
    )
    question = QuestionFacts(**{**QUESTION.__dict__, "earlier_values": earlier})
    verdict, _ = check(share(baseline={"checked_on": "2026-04-15"}), question=question)
    assert "baseline 31.0% (the share checked 2026-04-16 06:00 UTC)" in verdict.explanation
    assert verdict.outcome == "yes"
    with pytest.raises(EvaluationError, match="no earlier check of this source stored a share"):
        check(share(baseline={"checked_on": "2026-06-01"}), question=question)


# --------------------------------------------------------------------------------------------
# token_share: what cannot be decided


def test_a_top_model_missing_from_the_models_list_is_inconclusive(openrouter):
    openrouter.serve(RANKINGS, _retired(), "2026-11-23")
    with pytest.raises(EvaluationError) as caught:
        check(share(threshold=0.3))
    assert str(caught.value) == (
        "thudm/glm-4-32b, one of the top 20 models, is not in OpenRouter's models list, so "
        "whether it belongs to the group cannot be said"
    )


def _retired() -> dict:
    answer = payload("rankings_week_2026-11-23.json")
    row = next(r for r in answer["data"] if r["model_permaslug"] == "thudm/glm-4-32b")
    row["total_tokens"] = "999000000000"
    return answer


def test_an_author_group_needs_no_models_list_entry(openrouter):
    openrouter.serve(RANKINGS, _retired(), "2026-11-23")
    verdict, _ = check(share(group={"authors": ["deepseek"]}, threshold=0.1))
    assert "1 of the top 20 models" in verdict.explanation


@pytest.mark.parametrize(
    ("answer", "sentence"),
    [
        (
            {
                "data": [],
                "meta": {
                    "as_of": "2026-12-03T02:00:00Z",
                    "start_date": "2026-11-23",
                    "end_date": "2026-11-29",
                    "version": "v1",
                },
            },
            "OpenRouter's model rankings (week 2026-11-23 to 2026-11-29) lists no models at all",
        ),
        (
            redated(payload("rankings_week_2026-11-23.json"), "2026-11-16", "2026-11-22"),
            "covers 2026-11-16 to 2026-11-22, not the week 2026-11-23 to 2026-11-29",
        ),
        ({"data": []}, "answer has no 'meta' object"),
        ({"error": {"code": 500}}, "answer has no 'data' list"),
    ],
)
def test_a_rankings_answer_not_shaped_as_documented_is_inconclusive(openrouter, answer, sentence):
    openrouter.serve(RANKINGS, answer, "2026-11-23")
    with pytest.raises(EvaluationError, match=sentence.replace("(", r"\(").replace(")", r"\)")):
        check(share(threshold=0.3))


def test_tokens_as_a_json_number_or_a_row_of_another_day_are_refused(openrouter):
    answer = payload("rankings_week_2026-11-23.json")
    answer["data"][0]["total_tokens"] = 620000000000
    openrouter.serve(RANKINGS, answer, "2026-11-23")
    with pytest.raises(EvaluationError, match="has no whole 'total_tokens' count"):
        check(share(threshold=0.3))
    answer = payload("rankings_week_2026-11-23.json")
    answer["data"][3]["date"] = "2026-11-24"
    openrouter.serve(RANKINGS, answer, "2026-11-23")
    with pytest.raises(EvaluationError, match="dated 2026-11-24, outside the one week bucket"):
        check(share(threshold=0.3))


def test_fewer_models_than_the_top_asked_for_is_inconclusive(openrouter):
    answer = payload("rankings_week_2026-11-23.json")
    answer["data"] = answer["data"][:12]
    openrouter.serve(RANKINGS, answer, "2026-11-23")
    with pytest.raises(EvaluationError, match=r"ranks only 12 models .* fewer than the top 20"):
        check(share(threshold=0.3))


def test_old_evidence_is_stale(openrouter):
    with pytest.raises(EvaluationError, match="too old for a check on 2027-01-15"):
        check(share(threshold=0.3), now=datetime(2027, 1, 15, tzinfo=UTC))


def test_a_refused_key_and_a_broken_models_list(openrouter, settings):
    settings.RESOLVER_SECRETS = {"OPENROUTER_API_KEY": {"value": "wrong", "hosts": ["127.0.0.1"]}}
    kind = get_kind("openrouter")
    config = share(threshold=0.3)
    evidence = kind.fetch(config)
    assert evidence.status == 401
    with pytest.raises(EvaluationError, match=r"HTTP 401 \(the API key was refused\)"):
        kind.evaluate(evidence, config, QUESTION, NOW)
    settings.RESOLVER_SECRETS = {"OPENROUTER_API_KEY": {"value": KEY, "hosts": ["127.0.0.1"]}}
    openrouter.serve(MODELS, {"models": []})
    with pytest.raises(EvaluationError, match="models answer has no 'data' list"):
        check(config)


# --------------------------------------------------------------------------------------------
# model_rank and app_rank


def test_a_model_rank_by_id_is_yes_within_the_top(openrouter):
    verdict, _ = check(
        {"mode": "model_rank", "api_key": API_KEY, "model": "deepseek/deepseek-v3.2", "rank": 10}
    )
    assert verdict.outcome == "yes"
    assert verdict.value == "5"
    assert verdict.explanation == (
        "OpenRouter model ranking, week 2026-11-23 to 2026-11-29 (as of 2026-12-03 02:00 UTC): "
        "DeepSeek: DeepSeek V3.2 (deepseek/deepseek-v3.2-20251201) is #5 with "
        "280,000,000,000 tokens, wanted top 10: condition met"
    )


def test_a_model_rank_outside_the_top_is_no_after_the_decision_date(openrouter):
    config = {
        "mode": "model_rank",
        "api_key": API_KEY,
        "model": "qwen/qwen3-coder",
        "rank": 3,
        "decide_no_after": "2026-12-01",
    }
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("no", "8")  # 150 + 40 (:free) ties GLM 4.6
    verdict, _ = check({**config, "model": "mistralai/mistral-nemo"})
    assert verdict.value == "24"


def test_an_unknown_model_is_inconclusive_and_an_unranked_one_is_not_met(openrouter):
    with pytest.raises(
        EvaluationError, match="neither in OpenRouter's models list nor in its ranking"
    ):
        check(
            {"mode": "model_rank", "api_key": API_KEY, "model": "nobody/no-such-model", "rank": 10}
        )
    answer = payload("rankings_week_2026-11-23.json")
    answer["data"] = [
        r for r in answer["data"] if not r["model_permaslug"].startswith("mistralai/")
    ]
    openrouter.serve(RANKINGS, answer, "2026-11-23")
    verdict, _ = check(
        {"mode": "model_rank", "api_key": API_KEY, "model": "mistralai/mistral-nemo", "rank": 10}
    )
    assert (verdict.outcome, verdict.value) == ("undetermined", "unranked")
    assert "is not among the 24 models ranked" in verdict.explanation


SEED_APP = {
    "mode": "app_rank",
    "api_key": API_KEY,
    "apps": ["OpenClaw"],
    "subcategory": "personal-agent",
    "rank": 10,
    "decide_from": "2028-01-01",
    "decide_no_after": "2028-01-01",
}


def test_seed_a_personal_agent_is_a_top_10_app(openrouter):
    verdict, _ = check(SEED_APP, now=datetime(2026, 12, 3, tzinfo=UTC))
    assert verdict.outcome == "undetermined" and verdict.value == "4"
    verdict, _ = check({k: v for k, v in SEED_APP.items() if k != "decide_from"})
    assert verdict.outcome == "yes"
    assert verdict.explanation == (
        "OpenRouter app ranking, week 2026-11-23 to 2026-11-29 (as of 2026-12-03 02:00 UTC): "
        "OpenClaw or any personal-agent app: best is OpenClaw (app 51877) at #4 with "
        "240,100,000,000 tokens, wanted top 10: condition met"
    )
    overall, personal = openrouter.requests_to(APPS)[-2:]
    assert overall.query == {
        "sort": ["popular"],
        "start_date": ["2026-11-23"],
        "end_date": ["2026-11-29"],
        "limit": ["100"],
    }
    assert personal.query["subcategory"] == ["personal-agent"]
    assert personal.headers["authorization"] == f"Bearer {KEY}"


def test_an_app_below_the_rank_is_no_once_decided(openrouter):
    config = {
        "mode": "app_rank",
        "api_key": API_KEY,
        "apps": ["hermes agent"],
        "rank": 5,
        "decide_no_after": "2026-12-01",
    }
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("no", "9")
    verdict, _ = check({**config, "apps": ["Not An App"]})
    assert (verdict.outcome, verdict.value) == ("no", "unranked")
    assert "not among the 15 apps ranked" in verdict.explanation


def test_two_apps_of_the_same_name_are_ambiguous(openrouter):
    answer = payload("apps_week_2026-11-23.json")
    answer["data"][9]["app_name"] = "OpenClaw"
    openrouter.serve(APPS, answer, "2026-11-23")
    with pytest.raises(EvaluationError, match=r"2 apps .* named 'OpenClaw' \(ids 7, 51877\)"):
        check({"mode": "app_rank", "api_key": API_KEY, "apps": ["OpenClaw"], "rank": 10})


def test_app_rows_without_documented_fields_are_inconclusive(openrouter):
    answer = payload("apps_week_2026-11-23.json")
    del answer["data"][2]["rank"]
    openrouter.serve(APPS, answer, "2026-11-23")
    with pytest.raises(
        EvaluationError, match=r"row 2 of OpenRouter's app ranking .* lacks a 'rank'"
    ):
        check({"mode": "app_rank", "api_key": API_KEY, "app_ids": [51877], "rank": 10})


# --------------------------------------------------------------------------------------------
# Configs


@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        (
            {"mode": "token_share", "group": OPEN_WEIGHT, "threshold": 0.3},
            "config.api_key",
            "is required",
        ),
        (share(), "config.threshold", "exactly one"),
        (share(threshold=0.3, baseline={"value": 0.2}), "config.threshold", "exactly one"),
        (share(group={}, threshold=0.3), "config.group", "needs authors, models"),
        (share(threshold=1.5), "config.threshold", "maximum"),
        (share(threshold=0.3, model="x/y"), "config.model", "not a setting of mode token_share"),
        (share(baseline={"on": "April"}), "config.baseline.on", "ISO 8601"),
        (share(baseline={"on": "2024-06-01"}), "config.baseline.on", "2025-01-01"),
        (
            share(baseline={"on": "2026-04-15", "value": 0.3}),
            "config.baseline",
            "exactly one of on",
        ),
        (share(baseline={}), "config.baseline", "exactly one of on"),
        (
            share(group={"authors": ["deep seek"]}, threshold=0.3),
            "config.group.authors.0",
            "author",
        ),
        (share(threshold=0.3, top=60), "config.top", "maximum"),
        (
            share(threshold=0.3, decide_from="2028-02-01", decide_no_after="2028-01-01"),
            "config.decide_no_after",
            "before",
        ),
        (
            {"mode": "model_rank", "api_key": API_KEY, "model": "gpt-5", "rank": 5},
            "config.model",
            "vendor/model",
        ),
        (
            {"mode": "model_rank", "api_key": API_KEY, "model": "openai/gpt-5", "rank": 80},
            "config.rank",
            "at most 50",
        ),
        ({"mode": "app_rank", "api_key": API_KEY, "rank": 10}, "config.apps", "needs apps"),
        (
            {"mode": "app_rank", "api_key": API_KEY, "rank": 10, "subcategory": "chat"},
            "config.subcategory",
            "one of",
        ),
        (
            share(threshold=0.3, api_key={"secret": "lower_case"}),
            "config.api_key.secret",
            "does not match",
        ),
    ],
)
def test_bad_configs_name_the_field(openrouter, config, field, words):
    with pytest.raises(ConfigError) as caught:
        validate_config("openrouter", config)
    assert field in caught.value.fields, caught.value.fields
    assert words in caught.value.fields[field]


def test_the_seed_configs_are_valid(openrouter):
    validate_config("openrouter", SEED_APP)
    validate_config(
        "openrouter",
        share(
            period="month",
            top=20,
            baseline={"on": "2026-04-15"},
            decide_from="2028-01-02",
            decide_no_after="2028-01-02",
        ),
    )
