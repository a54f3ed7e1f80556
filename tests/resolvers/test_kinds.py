"""Resolver kinds against responses shaped like the real APIs, served by a real local server.

Every kind fetches through the real safe fetcher from an HTTP server on 127.0.0.1 (allowed
by ``RESOLVER_ALLOWED_HOSTS``, with ``RESOLVER_API_BASES`` pointed at it) and is evaluated
at a fixed ``now``: before the question closes (undetermined when the condition is not met)
and after it (no).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from resolvers.kinds import (
    REGISTRY,
    ConfigError,
    EvaluationError,
    QuestionFacts,
    Verdict,
    compare,
    get_kind,
    validate_config,
)
from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply

PAYLOADS = Path(__file__).parent / "payloads"
JSON = "application/json; charset=utf-8"

BINARY = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2025, 1, 1, tzinfo=UTC),
    closes_at=datetime(2025, 12, 31, tzinfo=UTC),
    resolve_by=datetime(2026, 1, 31, tzinfo=UTC),
)
CHOICE = QuestionFacts(
    kind="multiple_choice",
    options=("China", "United States", "Another country"),
    opens_at=BINARY.opens_at,
    closes_at=BINARY.closes_at,
    resolve_by=BINARY.resolve_by,
)
BEFORE = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # before the question closes
AFTER = datetime(2026, 1, 2, tzinfo=UTC)  # past the close: an unmet condition is "no"


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


class LocalServer:
    """Canned responses by path, or by path and query string when a route names one, on the
    shared test server (tests/resolvers/http_servers.py)."""

    def __init__(self) -> None:
        self.canned: dict[str, Reply] = {}
        self.http = LocalHTTPServer().start()
        self.base = self.http.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.http.requests

    def route(self, target: str, body: bytes, *, status: int = 200, content_type: str = JSON):
        self.canned[target] = Reply(status, [("Content-Type", content_type)], body)
        self.http.routes[urlsplit(target).path] = self._answer

    def _answer(self, request: RecordedRequest) -> Reply:
        missing = Reply(404, [("Content-Type", JSON)], b'{"error": "not found"}')
        return self.canned.get(request.target, self.canned.get(request.path, missing))

    def queries(self, path: str) -> list[dict[str, list[str]]]:
        """The parsed query strings of the requests made to ``path``, in order."""
        return [request.query for request in self.requests if request.path == path]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def server(settings):
    local = LocalServer()
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {
        "huggingface": local.base,
        "github": local.base,
        "wikipedia": local.base,
        "federal_register": local.base,
    }
    yield local
    local.close()


def check(kind: str, config: dict, *, now: datetime = BEFORE, question=BINARY):
    """Validate, fetch and evaluate as the check task does; the verdict and the evidence."""
    validate_config(kind, config)
    resolver = get_kind(kind)
    evidence = resolver.fetch(config)
    return resolver.evaluate(evidence, config, question, now), evidence


# --------------------------------------------------------------------------------------------
# The registry


def test_registry_holds_every_kind_with_a_valid_schema():
    assert set(REGISTRY) == {
        "manual",
        "http_json",
        "http_text",
        "feed",
        "huggingface",
        "github_releases",
        "wikipedia",
        "federal_register",
        "openrouter",
        "forecast_platform",
        "tabular",
        "news_search",
        "web_traffic",
    }
    for name, kind in REGISTRY.items():
        assert kind.name == name and kind.label
        Draft202012Validator.check_schema(kind.config_schema)


def test_an_unknown_kind_is_an_invalid_kind_field():
    with pytest.raises(ConfigError) as caught:
        get_kind("carrier_pigeon")
    assert "kind" in caught.value.fields
    assert "carrier_pigeon" in caught.value.fields["kind"]


def test_manual_fetches_nothing_and_stays_undetermined():
    config = validate_config("manual", {"instructions": "Read the lab's blog."})
    manual = get_kind("manual")
    assert manual.fetches is False
    assert manual.fetch(config) is None
    verdict = manual.evaluate(None, config, BINARY, AFTER)
    assert verdict.outcome == "undetermined"
    assert "Read the lab's blog." in verdict.explanation


# --------------------------------------------------------------------------------------------
# http_json


def _stats(server, **config) -> dict:
    server.route("/stats.json", payload("http_json_stats.json"))
    return {"url": f"{server.base}/stats.json", **config}


def test_http_json_number_over_threshold_is_yes(server):
    config = _stats(
        server, expression="stats.downloads.total", comparator=">=", threshold=1_000_000
    )
    verdict, evidence = check("http_json", config)
    assert verdict == Verdict(
        "yes",
        "1234567",
        f"`stats.downloads.total` at {server.base}/stats.json is 1,234,567, "
        "compared >= 1,000,000: condition met",
    )
    assert evidence.status == 200
    assert evidence.sha256 == hashlib.sha256(payload("http_json_stats.json")).hexdigest()
    assert server.requests[0].headers["accept"] == "application/json"


def test_http_json_unmet_is_undetermined_before_and_no_after_the_close(server):
    config = _stats(
        server, expression="stats.downloads.total", comparator=">=", threshold=2_000_000
    )
    before, _ = check("http_json", config, now=BEFORE)
    assert before.outcome == "undetermined"
    assert before.value == "1234567"
    assert "1,234,567, compared >= 2,000,000" in before.explanation
    assert before.explanation.endswith(
        "condition not met yet; it resolves no at 2025-12-31 00:00 UTC if still unmet"
    )

    after, _ = check("http_json", config, now=AFTER)
    assert after.outcome == "no"
    assert after.explanation.endswith("not met by the decision date 2025-12-31 00:00 UTC")

    at_the_close, _ = check("http_json", config, now=BINARY.closes_at)
    assert at_the_close.outcome == "no"


def test_http_json_decide_no_after_overrides_the_close(server):
    config = _stats(
        server,
        expression="stats.stars",
        comparator=">",
        threshold=50000,
        decide_no_after="2025-05-01T00:00:00Z",
    )
    verdict, _ = check("http_json", config, now=BEFORE)
    assert verdict.outcome == "no"
    assert "48,211" in verdict.explanation and "2025-05-01" in verdict.explanation


def test_http_json_dates_compare_as_dates(server):
    config = _stats(server, expression="release.date", comparator="<=", threshold="2025-04-30")
    verdict, _ = check("http_json", config)
    assert (verdict.outcome, verdict.value) == ("yes", "2025-04-15")
    # A datetime value against a date threshold: compared as instants, not as text.
    config = _stats(
        server, expression="updated", comparator=">", threshold="2025-05-31T23:00:00+00:00"
    )
    verdict, _ = check("http_json", config)
    assert (verdict.outcome, verdict.value) == ("yes", "2025-06-01T00:00:00Z")
    config = _stats(server, expression="updated", comparator="==", threshold="2025-06-01")
    assert check("http_json", config)[0].outcome == "yes"


@pytest.mark.parametrize(
    ("expression", "comparator", "threshold", "outcome", "value"),
    [
        ("stats.ratio", ">=", 0.7, "yes", "0.73"),  # a numeric string compares as a number
        ("stats.ratio", "<", 0.5, "undetermined", "0.73"),
        ("platforms", "contains", "linux", "yes", '["linux","macos","windows"]'),
        ("platforms", "contains", "android", "undetermined", '["linux","macos","windows"]'),
        ("project", "contains", "rio", "yes", "orion"),
        ("project", "==", "orion", "yes", "orion"),
        ("project", "!=", "orion", "undetermined", "orion"),
        ("archived", "==", False, "yes", "false"),
        ("length(platforms)", "==", 3, "yes", "3"),
        ("release.version", "exists", None, "yes", "2.0.0"),
        ("release.notes", "exists", None, "undetermined", ""),
    ],
)
def test_http_json_comparators(server, expression, comparator, threshold, outcome, value):
    config = _stats(server, expression=expression, comparator=comparator)
    if threshold is not None:
        config["threshold"] = threshold
    verdict, _ = check("http_json", config)
    assert (verdict.outcome, verdict.value) == (outcome, value)
    assert f"`{expression}`" in verdict.explanation


def test_http_json_maps_a_value_to_an_option_for_multiple_choice(server):
    config = _stats(
        server,
        expression="leader",
        option_map={"China": "China", "USA": "United States", "US": "United States"},
    )
    verdict, _ = check("http_json", config, question=CHOICE)
    assert (verdict.outcome, verdict.option, verdict.recorded) == (
        "option",
        "China",
        "option:China",
    )
    assert verdict.value == "China"
    assert "`leader`" in verdict.explanation and "maps to option China" in verdict.explanation


def test_http_json_unmapped_value_stays_undetermined_for_multiple_choice(server):
    config = _stats(server, expression="project", option_map={"USA": "United States"})
    for now in (BEFORE, AFTER):
        verdict, _ = check("http_json", config, question=CHOICE, now=now)
        assert verdict.outcome == "undetermined"
        assert "maps to no option" in verdict.explanation
    config = _stats(server, expression="leader", option_map={"China": "PRC"})
    with pytest.raises(EvaluationError, match="PRC"):
        check("http_json", config, question=CHOICE)


def test_http_json_option_map_alone_cannot_decide_a_binary_question(server):
    config = _stats(server, expression="leader", option_map={"China": "China"})
    with pytest.raises(EvaluationError, match="comparator"):
        check("http_json", config)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b'{"error": "internal"}', "HTTP 500"),
        (404, b'{"error": "not found"}', "HTTP 404"),
        (200, b'{"stats": {"downloads": ', "valid JSON"),
        (200, b"<html><body>Service maintenance</body></html>", "valid JSON"),
        (200, b'{"stats": {}}', "found nothing"),
        (200, b'{"stats": {"downloads": {"total": "lots"}}}', "not a number"),
    ],
)
def test_http_json_uninterpretable_evidence_is_an_evaluation_error(server, status, body, message):
    server.route("/broken.json", body, status=status)
    config = {
        "url": f"{server.base}/broken.json",
        "expression": "stats.downloads.total",
        "comparator": ">=",
        "threshold": 10,
    }
    with pytest.raises(EvaluationError, match=message):
        check("http_json", config)


def test_compare_refuses_what_cannot_be_ordered():
    assert compare("2025-04-15", ">", "2025-04-14T23:59:59Z") is True
    assert compare(10, ">", "9") is True
    assert compare("b", ">", "a") is True
    with pytest.raises(EvaluationError, match="not a date"):
        compare("soon", "<", "2025-04-01")
    with pytest.raises(EvaluationError, match="booleans"):
        compare(True, ">", 1)
    with pytest.raises(EvaluationError, match="contains"):
        compare(42, "contains", 4)


# --------------------------------------------------------------------------------------------
# http_text

PAGE = b"""<!doctype html><html><head><title>Orion status</title></head>
<body><h1>Orion-2</h1><p>Orion-2 is Generally Available since 15 April 2025.</p></body></html>"""


def test_http_text_present_pattern_is_yes_with_the_match(server):
    server.route("/status", PAGE, content_type="text/html; charset=utf-8")
    config = {
        "url": f"{server.base}/status",
        "pattern": r"generally available since \d+ \w+ \d{4}",
        "mode": "present",
        "flags": ["IGNORECASE"],
    }
    verdict, _ = check("http_text", config)
    assert verdict.outcome == "yes"
    assert verdict.value == "Generally Available since 15 April 2025"
    assert "found" in verdict.explanation and f"{server.base}/status" in verdict.explanation


def test_http_text_absent_mode_and_the_decision_date(server):
    server.route("/status", PAGE, content_type="text/html; charset=utf-8")
    config = {"url": f"{server.base}/status", "pattern": "Orion-2", "mode": "absent"}
    before, _ = check("http_text", config, now=BEFORE)
    after, _ = check("http_text", config, now=AFTER)
    assert (before.outcome, after.outcome) == ("undetermined", "no")
    assert "wanted absent" in after.explanation
    config["pattern"] = "deprecated"
    verdict, _ = check("http_text", config)
    assert (verdict.outcome, verdict.value) == ("yes", "no match")


def test_http_text_decodes_the_declared_charset(server):
    page = "<p>Präsidentin gewählt</p>".encode("iso-8859-1")
    server.route("/de", page, content_type="text/html; charset=iso-8859-1")
    config = {"url": f"{server.base}/de", "pattern": "gewählt", "mode": "present"}
    assert check("http_text", config)[0].outcome == "yes"


def test_http_text_error_status_is_an_evaluation_error(server):
    server.route("/gone", b"Not Found", status=404, content_type="text/plain")
    config = {"url": f"{server.base}/gone", "pattern": "x", "mode": "absent"}
    with pytest.raises(EvaluationError, match="HTTP 404"):
        check("http_text", config)


def test_binary_only_kinds_refuse_a_multiple_choice_question(server):
    server.route("/status", PAGE, content_type="text/html")
    config = {"url": f"{server.base}/status", "pattern": "Orion", "mode": "present"}
    assert get_kind("http_text").supports_multiple_choice is False
    with pytest.raises(EvaluationError, match="binary questions only"):
        check("http_text", config, question=CHOICE)


# --------------------------------------------------------------------------------------------
# feed


def test_feed_counts_rss_entries_with_all_terms_in_the_range(server):
    server.route("/news/rss.xml", payload("feed_rss.xml"), content_type="application/rss+xml")
    config = {
        "url": f"{server.base}/news/rss.xml",
        "terms": ["orion-2", "OPEN WEIGHTS"],
        "since": "2025-04-01",
        "min_entries": 2,
    }
    verdict, _ = check("feed", config)
    assert verdict.outcome == "yes"
    assert verdict.value == "2 matching entries"
    assert '"Introducing Orion-2, our open-weights model"' in verdict.explanation
    assert '"Orion-2 technical report"' in verdict.explanation
    assert "Orion-1" not in verdict.explanation and "hiring" not in verdict.explanation
    assert 'contain all of "orion-2", "OPEN WEIGHTS" and are dated from 2025-04-01, needed 2' in (
        verdict.explanation
    )


def test_feed_until_takes_in_the_whole_day_and_min_entries_decides(server):
    server.route("/news/rss.xml", payload("feed_rss.xml"), content_type="application/rss+xml")
    config = {
        "url": f"{server.base}/news/rss.xml",
        "terms": ["Orion-2"],
        "since": "2025-04-01",
        "until": "2025-04-15",
        "min_entries": 2,
    }
    before, _ = check("feed", config, now=BEFORE)
    assert (before.outcome, before.value) == ("undetermined", "1 matching entry")
    assert '"Introducing Orion-2, our open-weights model"' in before.explanation
    after, _ = check("feed", config, now=AFTER)
    assert after.outcome == "no"


def test_feed_reads_atom_with_html_summaries_and_updated_dates(server):
    server.route("/feed.atom", payload("feed_atom.xml"), content_type="application/atom+xml")
    config = {
        "url": f"{server.base}/feed.atom",
        "terms": ["frontier", "evaluating"],
        "since": "2025-04-01",
    }
    verdict, _ = check("feed", config)
    assert (verdict.outcome, verdict.value) == ("yes", "1 matching entry")
    assert '"Draft guidance on AI model evaluations"' in verdict.explanation
    config["terms"] = ["post-quantum"]  # the entry dated only by <updated>
    assert check("feed", config)[0].outcome == "yes"


def test_feed_that_is_not_a_feed_is_an_evaluation_error(server):
    server.route("/not-a-feed", b'{"items": []}', content_type="application/json")
    config = {"url": f"{server.base}/not-a-feed", "terms": ["x"], "since": "2025-01-01"}
    with pytest.raises(EvaluationError, match="not RSS or Atom"):
        check("feed", config)


# --------------------------------------------------------------------------------------------
# huggingface

MODEL_PATH = "/api/models/deepseek-ai/DeepSeek-R1"


def test_huggingface_model_exists(server):
    server.route(MODEL_PATH, payload("hf_model_deepseek_r1.json"))
    config = {"mode": "model_exists", "repo_id": "deepseek-ai/DeepSeek-R1"}
    verdict, evidence = check("huggingface", config)
    assert (verdict.outcome, verdict.value) == ("yes", "exists")
    assert "deepseek-ai/DeepSeek-R1 exists" in verdict.explanation
    assert evidence.url == f"{server.base}{MODEL_PATH}"


@pytest.mark.parametrize("status", [404, 401])
def test_huggingface_missing_model_is_not_met(server, status):
    server.route(
        "/api/models/deepseek-ai/DeepSeek-R2",
        b'{"error":"Repository not found"}',
        status=status,
    )
    config = {"mode": "model_exists", "repo_id": "deepseek-ai/DeepSeek-R2"}
    before, _ = check("huggingface", config, now=BEFORE)
    after, _ = check("huggingface", config, now=AFTER)
    assert (before.outcome, after.outcome) == ("undetermined", "no")
    assert before.value == "not found"
    assert "deepseek-ai/DeepSeek-R2 does not exist" in after.explanation
    config = {"mode": "downloads_over", "repo_id": "deepseek-ai/DeepSeek-R2", "threshold": 1}
    assert check("huggingface", config, now=AFTER)[0].outcome == "no"


def test_huggingface_created_after(server):
    server.route(MODEL_PATH, payload("hf_model_deepseek_r1.json"))
    config = {"mode": "created_after", "repo_id": "deepseek-ai/DeepSeek-R1", "after": "2025-01-01"}
    verdict, _ = check("huggingface", config)
    assert (verdict.outcome, verdict.value) == ("yes", "2025-01-20T03:46:07+00:00")
    assert "created 2025-01-20 03:46 UTC, wanted on or after 2025-01-01" in verdict.explanation
    config["after"] = "2025-02-01"
    assert check("huggingface", config, now=AFTER)[0].outcome == "no"


def test_huggingface_downloads_and_likes_over(server):
    server.route(MODEL_PATH, payload("hf_model_deepseek_r1.json"))
    config = {"mode": "downloads_over", "repo_id": "deepseek-ai/DeepSeek-R1", "threshold": 1e6}
    verdict, _ = check("huggingface", config)
    assert verdict == Verdict(
        "yes",
        "1436520",
        "Hugging Face model deepseek-ai/DeepSeek-R1 has 1,436,520 downloads (last 30 days), "
        "threshold 1,000,000: condition met",
    )
    config = {"mode": "likes_over", "repo_id": "deepseek-ai/DeepSeek-R1", "threshold": 20000}
    verdict, _ = check("huggingface", config)
    assert (verdict.outcome, verdict.value) == ("undetermined", "12467")
    assert "12,467 likes, threshold 20,000" in verdict.explanation


def test_huggingface_all_time_downloads_ask_for_the_expanded_field(server):
    model = {
        "_id": "678dc6fff905d106be796d8a",
        "id": "deepseek-ai/DeepSeek-R1",
        "downloads": 1436520,
        "downloadsAllTime": 9876543,
        "likes": 12467,
        "createdAt": "2025-01-20T03:46:07.000Z",
    }
    server.route(MODEL_PATH, json.dumps(model).encode())
    config = {
        "mode": "downloads_over",
        "repo_id": "deepseek-ai/DeepSeek-R1",
        "threshold": 5_000_000,
        "all_time": True,
    }
    verdict, _ = check("huggingface", config)
    assert (verdict.outcome, verdict.value) == ("yes", "9876543")
    assert "downloads (all time)" in verdict.explanation
    (query,) = server.queries(MODEL_PATH)
    assert "downloadsAllTime" in query["expand[]"]


def test_huggingface_model_answer_without_the_field_is_an_evaluation_error(server):
    server.route(MODEL_PATH, b'{"id": "deepseek-ai/DeepSeek-R1", "likes": 3}')
    config = {"mode": "downloads_over", "repo_id": "deepseek-ai/DeepSeek-R1", "threshold": 1}
    with pytest.raises(EvaluationError, match="downloads"):
        check("huggingface", config)


def _route_orgs(server) -> None:
    for org in ("deepseek-ai", "Qwen", "meta-llama", "google"):
        path = f"/api/models?author={org}&sort=downloads&direction=-1&limit=100"
        server.route(path, payload(f"hf_models_{org}.json"))


SHARE = {
    "mode": "org_download_share",
    "orgs": ["deepseek-ai", "Qwen"],
    "compare_orgs": ["meta-llama", "google"],
}


def test_huggingface_org_download_share(server):
    _route_orgs(server)
    verdict, evidence = check("huggingface", {**SHARE, "threshold": 0.5})
    assert (verdict.outcome, verdict.value) == ("yes", "0.5000")
    assert verdict.explanation.startswith(
        "Hugging Face downloads (last 30 days, top 100 models each) of deepseek-ai, Qwen: "
        "6,000,000 of 12,000,000 (with meta-llama, google)"
    )
    assert "= 50.0%, threshold 50.0%" in verdict.explanation
    # One request an organisation, combined into one evidence keyed by request URL.
    assert [q["author"] for q in server.queries("/api/models")] == [
        ["deepseek-ai"],
        ["Qwen"],
        ["meta-llama"],
        ["google"],
    ]
    combined = json.loads(evidence.body)
    url = f"{server.base}/api/models?author=Qwen&sort=downloads&direction=-1&limit=100"
    assert combined[url] == json.loads(payload("hf_models_Qwen.json"))
    assert evidence.sha256 == hashlib.sha256(evidence.body).hexdigest()
    assert (evidence.status, evidence.content_type) == (200, "application/json")

    before, _ = check("huggingface", {**SHARE, "threshold": 0.6}, now=BEFORE)
    after, _ = check("huggingface", {**SHARE, "threshold": 0.6}, now=AFTER)
    assert (before.outcome, after.outcome) == ("undetermined", "no")


def test_huggingface_share_with_a_failed_request_returns_that_failure(server):
    _route_orgs(server)
    server.route(
        "/api/models?author=meta-llama&sort=downloads&direction=-1&limit=100",
        b"upstream error",
        status=502,
        content_type="text/plain",
    )
    resolver = get_kind("huggingface")
    config = {**SHARE, "threshold": 0.5}
    evidence = resolver.fetch(config)
    assert evidence.status == 502 and "author=meta-llama" in evidence.url
    with pytest.raises(EvaluationError, match="HTTP 502"):
        resolver.evaluate(evidence, config, BINARY, BEFORE)


def test_huggingface_share_with_an_unexpected_shape_is_an_evaluation_error(server):
    _route_orgs(server)
    server.route(
        "/api/models?author=google&sort=downloads&direction=-1&limit=100",
        b'{"models": []}',
    )
    with pytest.raises(EvaluationError, match="not a list"):
        check("huggingface", {**SHARE, "threshold": 0.5})


# --------------------------------------------------------------------------------------------
# github_releases

RELEASES_PATH = "/repos/ggml-org/llama.cpp/releases"


def test_github_release_after_a_date_skips_drafts_and_prereleases(server):
    server.route(RELEASES_PATH, payload("github_releases.json"))
    config = {"owner": "ggml-org", "repo": "llama.cpp", "after": "2025-02-01"}
    verdict, _ = check("github_releases", config)
    assert (verdict.outcome, verdict.value) == ("yes", "v1.5.0")
    assert "GitHub ggml-org/llama.cpp: v1.5.0 published 2025-03-01 10:20 UTC" in (
        verdict.explanation
    )
    (request,) = server.requests
    assert request.target == f"{RELEASES_PATH}?per_page=100"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"


def test_github_release_tag_pattern_and_prereleases(server):
    server.route(RELEASES_PATH, payload("github_releases.json"))
    config = {"owner": "ggml-org", "repo": "llama.cpp", "tag_pattern": r"^v2\."}
    before, _ = check("github_releases", config, now=BEFORE)
    assert (before.outcome, before.value) == ("undetermined", "0 matching releases")
    assert "none of its 4 latest releases" in before.explanation
    assert "/^v2\\./" in before.explanation
    assert check("github_releases", config, now=AFTER)[0].outcome == "no"
    verdict, _ = check("github_releases", {**config, "include_prereleases": True})
    assert (verdict.outcome, verdict.value) == ("yes", "v2.0.0-rc1")


def test_github_missing_repository_or_odd_shape_is_an_evaluation_error(server):
    server.route(
        "/repos/ggml-org/nope/releases",
        b'{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}',
        status=404,
    )
    with pytest.raises(EvaluationError, match="HTTP 404"):
        check("github_releases", {"owner": "ggml-org", "repo": "nope"})
    server.route(RELEASES_PATH, b'{"message": "API rate limit exceeded"}')
    with pytest.raises(EvaluationError, match="not a list"):
        check("github_releases", {"owner": "ggml-org", "repo": "llama.cpp"})


# --------------------------------------------------------------------------------------------
# wikipedia


def test_wikipedia_page_exists_through_the_mediawiki_api(server):
    server.route("/w/api.php", payload("wikipedia_page.json"))
    verdict, _ = check("wikipedia", {"mode": "page_exists", "title": "deepSeek"})
    assert (verdict.outcome, verdict.value) == ("yes", "exists")
    assert 'Wikipedia page "DeepSeek" exists' in verdict.explanation
    (query,) = server.queries("/w/api.php")
    assert query == {
        "action": ["query"],
        "prop": ["revisions"],
        "rvprop": ["content"],
        "rvslots": ["main"],
        "titles": ["deepSeek"],
        "format": ["json"],
        "formatversion": ["2"],
        "redirects": ["1"],
    }


def test_wikipedia_missing_page_is_not_met(server):
    server.route("/w/api.php", payload("wikipedia_missing.json"))
    config = {"mode": "page_exists", "title": "DeepSeek-R2"}
    before, _ = check("wikipedia", config, now=BEFORE)
    after, _ = check("wikipedia", config, now=AFTER)
    assert (before.outcome, after.outcome) == ("undetermined", "no")
    assert after.value == "missing"
    assert 'Wikipedia page "DeepSeek-R2" does not exist' in after.explanation


def test_wikipedia_text_matches(server):
    server.route("/w/api.php", payload("wikipedia_page.json"))
    config = {"mode": "text_matches", "title": "DeepSeek", "pattern": r"released '''(DeepSeek-R\d)"}
    verdict, _ = check("wikipedia", config)
    assert (verdict.outcome, verdict.value) == ("yes", "released '''DeepSeek-R1")
    assert "matches /released" in verdict.explanation
    config["pattern"] = "DeepSeek-R2"
    verdict, _ = check("wikipedia", config, now=AFTER)
    assert (verdict.outcome, verdict.value) == ("no", "no match")
    assert "does not match /DeepSeek-R2/" in verdict.explanation


def test_wikipedia_names_a_followed_redirect(server):
    server.route("/w/api.php", payload("wikipedia_redirect.json"))
    verdict, _ = check("wikipedia", {"mode": "page_exists", "title": "DeepSeek-R1"})
    assert verdict.outcome == "yes"
    assert '"DeepSeek" (redirected from DeepSeek-R1)' in verdict.explanation
    check("wikipedia", {"mode": "page_exists", "title": "X", "follow_redirects": False})
    assert "redirects" not in server.queries("/w/api.php")[-1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (payload("wikipedia_error.json"), "Unrecognized value"),
        (b'{"batchcomplete": true, "query": {}}', "query.pages"),
        (b"<html>Wikimedia Error</html>", "valid JSON"),
        (
            b'{"query": {"pages": [{"ns": 0, "title": "DeepSeek", "revisions": []}]}}',
            "no content",
        ),
    ],
)
def test_wikipedia_unexpected_answers_are_evaluation_errors(server, body, message):
    server.route("/w/api.php", body)
    with pytest.raises(EvaluationError, match=message):
        check("wikipedia", {"mode": "text_matches", "title": "DeepSeek", "pattern": "x"})


# --------------------------------------------------------------------------------------------
# federal_register

FR_PATH = "/api/v1/documents.json"


def test_federal_register_documents_in_range(server):
    server.route(FR_PATH, payload("federal_register_documents.json"))
    config = {
        "terms": ["artificial intelligence", "export"],
        "types": ["RULE"],
        "since": "2025-01-01",
        "until": "2025-12-31",
    }
    verdict, _ = check("federal_register", config)
    assert (verdict.outcome, verdict.value) == ("yes", "2")
    assert verdict.explanation.startswith(
        'Federal Register: 2 documents (RULE) matching "artificial intelligence" export '
        "published from 2025-01-01 to 2025-12-31, needed 1"
    )
    assert '"Framework for Artificial Intelligence Diffusion" (2025-01-15)' in (verdict.explanation)
    (query,) = server.queries(FR_PATH)
    assert query == {
        "conditions[term]": ['"artificial intelligence" export'],
        "conditions[type][]": ["RULE"],
        "conditions[publication_date][gte]": ["2025-01-01"],
        "conditions[publication_date][lte]": ["2025-12-31"],
        "per_page": ["20"],
        "order": ["newest"],
    }


def test_federal_register_below_min_count(server):
    server.route(FR_PATH, payload("federal_register_documents.json"))
    config = {"terms": ["artificial intelligence"], "since": "2025-01-01", "min_count": 3}
    before, _ = check("federal_register", config, now=BEFORE)
    after, _ = check("federal_register", config, now=AFTER)
    assert (before.outcome, after.outcome) == ("undetermined", "no")
    assert "2 documents (any type)" in after.explanation and "needed 3" in after.explanation


def test_federal_register_no_results_at_all(server):
    server.route(FR_PATH, payload("federal_register_none.json"))
    config = {
        "terms": ["frontier model licensing"],
        "types": ["RULE", "PRORULE"],
        "agencies": ["commerce-department"],
        "since": "2026-01-01",
    }
    verdict, _ = check("federal_register", config, now=AFTER)
    assert (verdict.outcome, verdict.value) == ("no", "0")
    (query,) = server.queries(FR_PATH)
    assert query["conditions[type][]"] == ["RULE", "PRORULE"]
    assert query["conditions[agencies][]"] == ["commerce-department"]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b'{"description": "Documents", "results": []}', "document count"),
        (200, b'{"count": 1, "results": {"title": "x"}}', "not a list"),
        (400, b'{"errors": {"conditions": "invalid"}}', "HTTP 400"),
    ],
)
def test_federal_register_unexpected_answers_are_evaluation_errors(server, status, body, message):
    server.route(FR_PATH, body, status=status)
    with pytest.raises(EvaluationError, match=message):
        check("federal_register", {"terms": ["ai"], "since": "2025-01-01"})


# --------------------------------------------------------------------------------------------
# Config validation: every error names the offending field

GOOD = "https://example.org/data.json"
JSON_OK = {"url": GOOD, "expression": "a", "comparator": "exists"}
TEXT_OK = {"url": GOOD, "pattern": "x", "mode": "present"}
FEED_OK = {"url": GOOD, "terms": ["x"], "since": "2025-01-01"}
SHARE_OK = {"mode": "org_download_share", "orgs": ["a"], "compare_orgs": ["b"], "threshold": 0.5}
RELEASES_OK = {"owner": "ggml-org", "repo": "llama.cpp"}
WIKI_OK = {"mode": "text_matches", "title": "X", "pattern": "x"}
FR_OK = {"terms": ["ai"], "since": "2025-01-01"}


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("http_json", {**JSON_OK, "expression": "a.["}, "expression"),
        ("http_json", {**JSON_OK, "comparator": "~=", "threshold": 1}, "comparator"),
        ("http_json", {"expression": "a", "comparator": "exists"}, "url"),
        ("http_json", {**JSON_OK, "url": "ftp://example.org/x"}, "url"),
        ("http_json", {**JSON_OK, "url": "file:///etc/passwd"}, "url"),
        ("http_json", {**JSON_OK, "url": "example.org/x"}, "url"),
        ("http_json", {**JSON_OK, "url": 42}, "url"),
        ("http_json", {**JSON_OK, "url": "https://user:secret@example.org/x"}, "url"),
        ("http_json", {**JSON_OK, "comparator": ">"}, "threshold"),
        ("http_json", {"url": GOOD, "expression": "a"}, "comparator"),
        ("http_json", {**JSON_OK, "comparator": ">", "threshold": True}, "threshold"),
        ("http_json", {**JSON_OK, "comparator": ">", "threshold": "2025-13-45"}, "threshold"),
        ("http_json", {**JSON_OK, "decide_no_after": "soon"}, "decide_no_after"),
        ("http_json", {**JSON_OK, "treshold": 3}, "treshold"),
        ("http_text", {**TEXT_OK, "pattern": "(unclosed"}, "pattern"),
        ("http_text", {**TEXT_OK, "mode": "sometimes"}, "mode"),
        ("http_text", {**TEXT_OK, "flags": ["VERBOSE"]}, "flags.0"),
        ("http_text", {**TEXT_OK, "url": "javascript:alert(1)"}, "url"),
        ("feed", {**FEED_OK, "terms": []}, "terms"),
        ("feed", {**FEED_OK, "since": "last week"}, "since"),
        ("feed", {**FEED_OK, "since": "2025-1-1"}, "since"),
        ("feed", {**FEED_OK, "since": "2025-02-01", "until": "2025-01-01"}, "until"),
        ("feed", {**FEED_OK, "min_entries": 0}, "min_entries"),
        ("huggingface", {"mode": "popular", "repo_id": "a/b"}, "mode"),
        ("huggingface", {"mode": "model_exists"}, "repo_id"),
        ("huggingface", {"mode": "model_exists", "repo_id": "../../admin"}, "repo_id"),
        ("huggingface", {"mode": "created_after", "repo_id": "a/b"}, "after"),
        ("huggingface", {"mode": "downloads_over", "repo_id": "a/b"}, "threshold"),
        ("huggingface", {**SHARE_OK, "orgs": []}, "orgs"),
        ("huggingface", {k: v for k, v in SHARE_OK.items() if k != "orgs"}, "orgs"),
        ("huggingface", {**SHARE_OK, "threshold": 2}, "threshold"),
        ("huggingface", {**SHARE_OK, "orgs": ["a/b"]}, "orgs.0"),
        ("huggingface", {**SHARE_OK, "compare_orgs": ["a"]}, "compare_orgs"),
        ("github_releases", {**RELEASES_OK, "tag_pattern": "v[2"}, "tag_pattern"),
        ("github_releases", {**RELEASES_OK, "owner": ".."}, "owner"),
        ("github_releases", {"owner": "ggml-org"}, "repo"),
        ("wikipedia", {**WIKI_OK, "mode": "page_missing"}, "mode"),
        ("wikipedia", {"mode": "text_matches", "title": "X"}, "pattern"),
        ("wikipedia", {**WIKI_OK, "pattern": "*"}, "pattern"),
        ("federal_register", {**FR_OK, "types": ["MEMO"]}, "types.0"),
        ("federal_register", {"terms": ["ai"]}, "since"),
        ("federal_register", {**FR_OK, "agencies": ["Commerce Department"]}, "agencies.0"),
        ("manual", {"instructions": 3}, "instructions"),
    ],
)
def test_validate_config_names_the_offending_field(kind, config, field):
    with pytest.raises(ConfigError) as caught:
        validate_config(kind, config)
    assert f"config.{field}" in caught.value.fields, caught.value.fields


def test_validate_config_refuses_a_config_that_is_not_an_object():
    with pytest.raises(ConfigError) as caught:
        validate_config("http_json", ["not", "an", "object"])
    assert caught.value.fields == {"config": "must be a JSON object"}


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("manual", {}),
        ("http_json", {**JSON_OK, "expression": "a.b[0]", "comparator": ">=", "threshold": 3}),
        ("http_json", {**JSON_OK, "comparator": "<", "threshold": "2026-01-01"}),
        ("http_json", {"url": GOOD, "expression": "winner", "option_map": {"CN": "China"}}),
        ("http_text", {**TEXT_OK, "url": "http://example.org/", "flags": ["MULTILINE"]}),
        ("feed", {**FEED_OK, "since": "2025-01-01T00:00:00Z", "until": "2025-01-01"}),
        ("huggingface", {"mode": "likes_over", "repo_id": "gpt2", "threshold": 10}),
        ("huggingface", {**SHARE_OK, "limit": 50}),
        ("github_releases", {**RELEASES_OK, "include_prereleases": True, "after": "2025-01-01"}),
        ("wikipedia", {"mode": "page_exists", "title": "Large language model"}),
        ("federal_register", {**FR_OK, "types": ["RULE"], "decide_no_after": "2025-06-30T23:59Z"}),
    ],
)
def test_validate_config_accepts_and_returns_a_good_config(kind, config):
    assert validate_config(kind, config) == config
