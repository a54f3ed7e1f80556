"""The ``huggingface`` kind's cohort modes against a local server answering like the Hub.

The server (fake_hub.py) answers ``GET /api/models`` as the Hub API docs describe it: a JSON
list of models filtered by author, search and tag, sorted, ``limit`` a page, paginated
through the ``Link`` header, only the ``expand[]`` properties returned. The models are in
tests/resolvers/payloads/huggingface/; google also has 1,200 older models, so its listing
takes two pages. The older modes are tested in tests/resolvers/test_kinds.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from resolvers.fetcher import FetchError
from resolvers.kinds import ConfigError, EvaluationError, QuestionFacts, get_kind, validate_config
from tests.resolvers.http_servers import Reply
from tests.resolvers.kinds.fake_hub import MODELS, FakeHub, old_models, payload

QUESTION = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2026, 4, 15, tzinfo=UTC),
    closes_at=datetime(2027, 12, 1, tzinfo=UTC),
    resolve_by=datetime(2027, 12, 31, tzinfo=UTC),
)
NOW = datetime(2027, 12, 1, 6, 0, tzinfo=UTC)
EARLY = datetime(2027, 6, 1, tzinfo=UTC)
TAGS = ["text-generation", "image-text-to-text"]
US = {"label": "U.S.", "authors": ["google", "meta-llama", "nvidia", "arcee-ai"]}
CN = {"label": "China", "authors": ["Qwen", "deepseek-ai", "zai-org", "moonshotai"]}
COHORT_B = {"from": "2027-01-01", "until": "2027-10-31"}
COHORT_A = {"created_from": "2026-01-01", "created_until": "2026-10-31"}


def models_2027() -> dict[str, list[dict]]:
    models = payload("models_by_author_2027-12-01.json")
    models["google"] += old_models("google", 1200)
    return models


@pytest.fixture
def hub(settings):
    server = FakeHub(models_2027())
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {"huggingface": server.base}
    yield server
    server.close()


def check(config: dict, *, now: datetime = NOW):
    validate_config("huggingface", config)
    kind = get_kind("huggingface")
    evidence = kind.fetch(config)
    return kind.evaluate(evidence, config, QUESTION, now), evidence


def total(**config) -> dict:
    return {"mode": "cohort_total", "group": {"authors": ["Qwen"]}, **config}


def share(**config) -> dict:
    return {
        "mode": "cohort_share",
        "group": US,
        "others": CN,
        "pipeline_tags": TAGS,
        "untagged": "not_counted",
        "created": COHORT_B,
        **config,
    }


def served(hub: FakeHub, author: str, name: str, **changes) -> None:
    """Change (or, with None, remove) properties of one served model."""
    (model,) = [m for m in hub.models[author] if m["id"] == f"{author}/{name}"]
    for key, value in changes.items():
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value


# --------------------------------------------------------------------------------------------
# cohort_total


def test_a_cohorts_downloads_over_a_threshold_is_yes(hub):
    config = total(pipeline_tags=TAGS, created=COHORT_B, threshold=5_000_000)
    verdict, evidence = check(config)
    # Qwen's 2027 models: Qwen4-8B (text-generation, 6,000,000); the embedding model has
    # another pipeline_tag and Qwen2.5 / Qwen3.5 are older.
    assert (verdict.outcome, verdict.value) == ("yes", "6000000")
    assert verdict.explanation == (
        "Hugging Face downloads (last 30 days) of the text-generation or image-text-to-text "
        "models created 2027-01-01 to 2027-10-31: Qwen 6,000,000 (1 model), compared >= "
        "threshold 5,000,000: condition met"
    )
    (request,) = hub.listings()
    assert request.query == {
        "author": ["Qwen"],
        "sort": ["downloads"],
        "direction": ["-1"],
        "limit": ["1000"],
        "expand[]": ["downloads", "createdAt", "pipeline_tag"],
    }
    combined = json.loads(evidence.body)
    url = f"{hub.base}{MODELS}?{request.target.split('?', 1)[1]}"
    assert combined["answers"][url][0] == {
        "_id": combined["answers"][url][0]["_id"],
        "id": "Qwen/Qwen3.5-7B-Instruct",
        "downloads": 9000000,
        "createdAt": "2026-02-10T07:00:00.000Z",
        "pipeline_tag": "text-generation",
    }
    assert combined["links"] == {}
    assert evidence.sha256 == hashlib.sha256(evidence.body).hexdigest()
    assert (evidence.status, evidence.content_type) == (200, "application/json")


def test_a_total_under_the_threshold_waits_then_is_no(hub):
    config = total(created=COHORT_B, pipeline_tags=TAGS, threshold=7_000_000)
    verdict, _ = check(config, now=EARLY)
    assert verdict.outcome == "undetermined"
    assert "condition not met yet; it resolves no at 2027-12-01 00:00 UTC" in verdict.explanation
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("no", "6000000")


def test_likes_and_model_counts_and_all_time_downloads(hub):
    verdict, _ = check(total(measure="likes", created=COHORT_B, threshold=1))
    # Qwen4-8B 1,000 + Qwen4-Embedding 500 likes: without pipeline_tags every model counts.
    assert verdict.value == "1500"
    assert verdict.explanation.startswith("Hugging Face likes of the models created 2027-01-01")
    verdict, _ = check(total(measure="models", threshold=5))
    assert (verdict.outcome, verdict.value) == ("yes", "5")
    hub.models["Qwen"][0]["downloadsAllTime"] = 90_000_000
    for model in hub.models["Qwen"][1:]:
        model["downloadsAllTime"] = 1
    verdict, _ = check(total(measure="downloads_all_time", threshold=1))
    assert verdict.value == "90000004"
    assert hub.listings()[-1].query["expand[]"] == [
        "downloads",
        "createdAt",
        "pipeline_tag",
        "downloadsAllTime",
    ]


def test_a_cohort_compared_with_an_earlier_cohort(hub):
    config = total(pipeline_tags=TAGS, created=COHORT_B, baseline=COHORT_A)
    verdict, _ = check(config)
    # 2027: 6,000,000; 2026: Qwen3.5 9,000,000 + Qwen3.5-VL 3,000,000.
    assert (verdict.outcome, verdict.value) == ("no", "6000000")
    assert "compared > baseline 12,000,000 for those created 2026-01-01 to 2026-10-31 " in (
        verdict.explanation
    )
    assert "(12,000,000, 2 models)" in verdict.explanation


def test_a_search_filter_selects_models_across_authors(hub):
    # The Hub's search: a substring of the id, over every author.
    verdict, _ = check(total(group={"search": "gemma"}, measure="models", threshold=1))
    assert verdict.value == "6"
    assert hub.listings()[-1].query["search"] == ["gemma"]
    assert "author" not in hub.listings()[-1].query
    assert verdict.explanation.startswith(
        'Hugging Face model count of the models: search "gemma" 6 (6 models)'
    )


# --------------------------------------------------------------------------------------------
# cohort_share


def test_the_group_share_of_a_cohort_against_a_threshold(hub):
    verdict, evidence = check(share(threshold=0.35))
    # 2027: U.S. gemma-5-12b 2.5M + Llama-5.1 1.0M + Nemotron 1.5M + Trinity 0.5M = 5.5M;
    # China Qwen4-8B 6.0M + DeepSeek-V5 2.0M + GLM-6 1.0M + Kimi 1.0M = 10.0M.
    assert (verdict.outcome, verdict.value) == ("yes", "0.3548")
    assert verdict.explanation == (
        "Hugging Face downloads (last 30 days) of the text-generation or image-text-to-text "
        "models created 2027-01-01 to 2027-10-31: U.S. 5,500,000 of 15,500,000 with China "
        "(4 of 8 models) = 35.5%, compared >= threshold 35.0%: condition met"
    )
    # google's 1,207 models take two pages; the second is the one its Link header named.
    google = [r for r in hub.listings() if r.query.get("author") == ["google"]]
    assert len(google) == 2 and "cursor" in google[1].query
    assert google[1].query["expand[]"] == ["downloads", "createdAt", "pipeline_tag"]
    combined = json.loads(evidence.body)
    first = next(url for url in combined["links"] if "author=google" in url)
    assert 'rel="next"' in combined["links"][first]
    assert len(combined["answers"]) == 9


def test_a_share_compared_with_the_earlier_cohort(hub):
    config = share(baseline=COHORT_A)
    verdict, _ = check(config)
    # 2026: U.S. 3.0M + 1.5M + 2.0M + 0.5M = 7.0M of 22.0M; google's untagged adapter (2026)
    # is not counted; Nemotron's speech model has another pipeline_tag.
    assert (verdict.outcome, verdict.value) == ("yes", "0.3548")
    assert verdict.explanation == (
        "Hugging Face downloads (last 30 days) of the text-generation or image-text-to-text "
        "models created 2027-01-01 to 2027-10-31: U.S. 5,500,000 of 15,500,000 with China "
        "(4 of 8 models) = 35.5%, compared > baseline 31.8% for those created 2026-01-01 to "
        "2026-10-31 (7,000,000 of 22,000,000, 4 of 8 models, 1 without a pipeline_tag not "
        "counted): condition met"
    )


def test_before_decide_from_a_met_share_is_only_recorded(hub):
    config = share(baseline=COHORT_A, decide_from="2027-12-01")
    verdict, _ = check(config, now=datetime(2027, 11, 30, tzinfo=UTC))
    assert (verdict.outcome, verdict.value) == ("undetermined", "0.3548")
    assert verdict.explanation.endswith("condition met now; it is decided from 2027-12-01")
    assert check(config)[0].outcome == "yes"


def test_a_share_under_the_threshold_waits_then_is_no(hub):
    config = share(threshold=0.5, decide_no_after="2027-12-01")
    assert check(config, now=EARLY)[0].outcome == "undetermined"
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("no", "0.3548")


def test_a_model_listed_twice_counts_once(hub):
    # Qwen's own models are also found by the search; the denominator counts each once.
    config = {
        "mode": "cohort_share",
        "group": {"authors": ["Qwen"]},
        "others": {"search": "qwen"},
        "measure": "models",
        "threshold": 0.5,
    }
    hub.models["someone"] = [
        {"_id": "1", "id": "someone/qwen4-8b-gguf", "downloads": 5, "createdAt": "2027-05-01"}
    ]
    verdict, _ = check(config)
    assert verdict.value == "0.8333"  # 5 of 6
    assert "5 of 6 with search" in verdict.explanation


def test_an_author_listing_no_models_is_said(hub):
    config = share(threshold=0.1, others={"authors": [*CN["authors"], "THUDM"]})
    verdict, _ = check(config)
    assert "models created 2027-01-01 to 2027-10-31 (no models listed for THUDM): " in (
        verdict.explanation
    )


# --------------------------------------------------------------------------------------------
# What cannot be decided


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (404, {"error": "Repository not found"}, "HTTP 404 for author nvidia"),
        (500, "upstream connect error", "HTTP 500 for author nvidia"),
    ],
)
def test_an_author_answering_an_error_is_inconclusive(hub, status, body, said):
    hub.fail("nvidia", status, body)
    kind, config = get_kind("huggingface"), share(threshold=0.3)
    evidence = kind.fetch(config)
    assert evidence.status == status and "author=nvidia" in evidence.url
    with pytest.raises(EvaluationError, match=said):
        kind.evaluate(evidence, config, QUESTION, NOW)


def test_an_author_that_times_out_is_a_fetch_error_as_the_fetcher_raised_it(hub, settings):
    settings.RESOLVER_DEADLINE = 0.3
    hub.failures["nvidia"] = Reply(200, [("Content-Type", "application/json")], b"[]", delay=2)
    with pytest.raises(FetchError) as caught:
        get_kind("huggingface").fetch(share(threshold=0.3))
    assert caught.value.reason == "timeout" and "author=nvidia" in caught.value.url


def test_an_answer_that_is_not_json_is_inconclusive(hub):
    hub.fail("nvidia", 200, "<html>maintenance</html>")
    with pytest.raises(EvaluationError, match="did not answer valid JSON"):
        check(share(threshold=0.3))


def test_more_pages_than_the_cap_is_inconclusive_not_an_undercount(hub):
    with pytest.raises(EvaluationError) as caught:
        check(share(threshold=0.3, max_pages=1))
    assert caught.value.message == (
        "the Hub lists more than 1 pages of 1,000 models for author google (max_pages); its "
        "models cannot all be counted"
    )
    google = [r for r in hub.listings() if r.query.get("author") == ["google"]]
    assert len(google) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"createdAt": None},
            "the Hub's answer for author moonshotai gives moonshotai/Kimi-K3-Instruct no valid "
            "createdAt, so whether it was created 2027-01-01 to 2027-10-31 cannot be said",
        ),
        (
            {"createdAt": "last spring"},
            "gives moonshotai/Kimi-K3-Instruct no valid createdAt",
        ),
        (
            {"downloads": None},
            "the Hub's answer for author moonshotai gives moonshotai/Kimi-K3-Instruct no whole "
            "'downloads' count",
        ),
        ({"downloads": "1000000"}, "no whole 'downloads' count"),
        ({"pipeline_tag": 7}, "has a pipeline_tag that is not a text"),
    ],
)
def test_a_model_without_the_data_is_inconclusive(hub, change, message):
    served(hub, "moonshotai", "Kimi-K3-Instruct", **change)
    with pytest.raises(EvaluationError) as caught:
        check(share(threshold=0.3))
    assert message in caught.value.message


def test_a_model_of_the_range_without_a_pipeline_tag_fails_unless_told(hub):
    served(hub, "moonshotai", "Kimi-K3-Instruct", pipeline_tag=None)
    with pytest.raises(EvaluationError) as caught:
        check(share(threshold=0.3, untagged="error"))
    assert caught.value.message == (
        "the Hub's answer for author moonshotai gives moonshotai/Kimi-K3-Instruct (created "
        "2027-01-01 to 2027-10-31) no pipeline_tag, so whether it is a text-generation or "
        "image-text-to-text model cannot be said"
    )
    verdict, _ = check(share(threshold=0.3))
    assert verdict.value == "0.3793"  # 5.5M of 14.5M, Kimi not counted
    assert "U.S. 5,500,000 of 14,500,000 with China (4 of 7 models, 1 without a " in (
        verdict.explanation
    )


def test_answers_without_any_pipeline_tag_are_inconclusive(hub):
    for models in hub.models.values():
        for model in models:
            model.pop("pipeline_tag", None)
    with pytest.raises(EvaluationError, match="the Hub may no longer report them"):
        check(share(threshold=0.3))


def test_the_hubs_date_for_old_repositories_is_ambiguous_only_when_it_matters(hub):
    # google/bert_uncased... carries 2022-03-02T23:29:04Z: "created on or before then".
    verdict, _ = check(
        total(group={"authors": ["google"]}, created={"from": "2022-06-01"}, threshold=1)
    )
    assert verdict.outcome == "yes"  # the old models of 2023-2025
    with pytest.raises(EvaluationError, match="google/bert_uncased_L-2_H-128_A-2 has the Hub"):
        check(total(group={"authors": ["google"]}, created={"from": "2021-06-01"}, threshold=1))
    verdict, _ = check(
        total(group={"authors": ["google"]}, created={"until": "2022-12-31"}, threshold=1)
    )
    assert verdict.value == "250000"


def test_a_share_of_nothing_waits_while_the_cohort_can_fill_then_fails(hub):
    config = share(threshold=0.3, created={"from": "2028-01-01", "until": "2028-10-31"})
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("undetermined", "undefined")
    assert "none yet among the text-generation or image-text-to-text models created " in (
        verdict.explanation
    )
    config["created"] = {"from": "2025-11-01", "until": "2025-12-31"}
    with pytest.raises(EvaluationError) as caught:
        check(config)
    assert caught.value.message == (
        "there are no downloads (last 30 days) among the text-generation or "
        "image-text-to-text models created 2025-11-01 to 2025-12-31 of U.S. and China, so "
        "the share is undefined"
    )


def test_a_next_page_off_the_models_api_or_looping_is_inconclusive(hub):
    kind, config = get_kind("huggingface"), total(threshold=1)
    evidence = kind.fetch(config)
    combined = json.loads(evidence.body)
    (url,) = combined["answers"]
    for link, said in [
        ('<https://evil.example/api/models?cursor=x>; rel="next"', "off its models API"),
        (f'<{url}>; rel="next"', "loop back to"),
        (f'<{url}&cursor=abc>; rel="next"', "the evidence lacks the Hub's page for author Qwen"),
    ]:
        combined["links"] = {url: link}
        body = json.dumps(combined).encode()
        forged = type(evidence)(evidence.url, 200, "application/json", body, "", 0)
        with pytest.raises(EvaluationError, match=said):
            kind.evaluate(forged, config, QUESTION, NOW)


# --------------------------------------------------------------------------------------------
# Config


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"mode": "cohort_total", "threshold": 1}, "group"),
        (total(threshold=1, group={}), "group"),
        (total(threshold=1, group={"authors": ["a/b"]}), "group.authors.0"),
        (total(threshold=1, group={"authors": []}), "group.authors"),
        (total(threshold=1, group={"authors": ["x"], "orgs": ["y"]}), "group.orgs"),
        (total(), "threshold"),
        (total(threshold=1, baseline=COHORT_A), "threshold"),
        (total(baseline={"value": 1, "created_from": "2026-01-01"}), "baseline"),
        (total(baseline={"created_from": "2026-13-01"}), "baseline.created_from"),
        (total(threshold=1, measure="stars"), "measure"),
        (total(threshold=1, pipeline_tags=["Text Generation"]), "pipeline_tags.0"),
        (total(threshold=1, untagged="not_counted"), "untagged"),
        (total(threshold=1, created={}), "created"),
        (total(threshold=1, created={"from": "soon"}), "created.from"),
        (
            total(threshold=1, created={"from": "2027-02-01", "until": "2027-01-01"}),
            "created.until",
        ),
        (total(threshold=1, max_pages=0), "max_pages"),
        (total(threshold=1, max_pages=21), "max_pages"),
        (
            total(threshold=1, decide_from="2028-01-01", decide_no_after="2027-01-01"),
            "decide_no_after",
        ),
        (total(threshold=1, repo_id="a/b"), "repo_id"),
        (total(threshold=1, others=CN), "others"),
        (share(threshold=1.5), "threshold"),
        (share(baseline={"value": 2}), "baseline.value"),
        ({**share(threshold=0.5), "others": None}, "others"),
        (share(threshold=0.5, others={"authors": ["Qwen", "google"]}), "others.authors"),
        ({"mode": "cohort_share", "group": US, "threshold": 0.5}, "others"),
        (
            {"mode": "downloads_over", "repo_id": "a/b", "threshold": 1, "measure": "likes"},
            "measure",
        ),
        ({"mode": "model_exists", "repo_id": "a/b", "decide_from": "2027-01-01"}, "decide_from"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(config, field):
    with pytest.raises(ConfigError) as caught:
        validate_config("huggingface", config)
    assert f"config.{field}" in caught.value.fields, caught.value.fields


@pytest.mark.parametrize(
    "config",
    [
        total(threshold=0),
        total(threshold=1, group={"search": "gemma", "filter": "gguf"}, measure="models"),
        share(baseline=COHORT_A, comparator=">=", max_pages=20, decide_from="2027-12-01"),
        share(baseline={"value": 0.25}),
        share(threshold=0.5, others={"authors": ["google"], "search": "gemma"}),
    ],
)
def test_good_configs_are_accepted(config):
    assert validate_config("huggingface", config) == config
