"""The catalogue's ``tabular`` sources, each run as the catalogue holds it (the same config
dict) against local servers answering as the providers document:

* open-models-keep-pace-on-benchmarks-2027: Artificial Analysis' ``GET
  /api/v2/data/llms/models`` (key in ``x-api-key``, 401 without it);
* closed-labs-lead-agentic-coding-2027: the Harbor Hub's ``POST /functions/v1/leaderboard-read``
  that tbench.ai's Terminal-Bench 2.0 leaderboard reads;
* us-closed-labs-draw-ahead-2027: the Hugging Face datasets server's ``GET /filter`` over
  LMArena's ``lmarena-ai/leaderboard-dataset`` (``latest`` split now, ``full`` for April 2026).

Each has a yes case, a no case and a case whose data is missing or ambiguous.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from resolvers.kinds import EvaluationError, QuestionFacts, get_kind, validate_config
from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply, json_reply
from tests.resolvers.kinds import seed_catalogue
from tests.resolvers.kinds.test_tabular import point_providers_at

PAYLOADS = Path(__file__).parents[1] / "payloads" / "tabular"
AA_KEY = "aa-test-key-0123456789"
AA_PATH = "/api/v2/data/llms/models"
TB_PATH = "/functions/v1/leaderboard-read"
AA_SLUG = "open-models-keep-pace-on-benchmarks-2027"
TB_SLUG = "closed-labs-lead-agentic-coding-2027"
ARENA_SLUG = "us-closed-labs-draw-ahead-2027"


def seed(slug: str) -> tuple[dict, QuestionFacts]:
    """The config of the question's resolution source, and the question, as catalogued."""
    return seed_catalogue.source(slug, "tabular")["config"], seed_catalogue.facts(slug)


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


class Providers:
    def __init__(self) -> None:
        self.http = LocalHTTPServer().start()
        self.aa = payload("aa_llms_models.json")
        self.tbench = payload("tbench_2_0_leaderboard_read.json")
        self.arena = {
            "latest": payload("lmarena_text_style_control_latest.json"),
            "full": payload("lmarena_text_style_control_full_april_2026.json"),
        }
        self.http.routes.update({AA_PATH: self._aa, TB_PATH: self._tbench, "/filter": self._arena})

    def _aa(self, request: RecordedRequest) -> Reply:
        if request.headers.get("x-api-key") != AA_KEY:
            return json_reply({"error": "Invalid or missing API key"}, 401)
        return json_reply(self.aa)

    def _tbench(self, request: RecordedRequest) -> Reply:
        query = json.loads(request.body or b"{}") if request.method == "POST" else {}
        if (query.get("package"), query.get("name")) != ("terminal-bench/terminal-bench-2", "2-0"):
            return json_reply({"error": {"message": "Leaderboard not found"}}, 404)
        return json_reply(self.tbench)

    def _arena(self, request: RecordedRequest) -> Reply:
        query = {name: values[0] for name, values in request.query.items()}
        assert query["dataset"] == "lmarena-ai/leaderboard-dataset"
        assert query["config"] == "text_style_control"
        assert query["orderby"] == '"rating" DESC' and query["length"] == "100"
        assert "\"category\"='overall'" in query["where"]
        return json_reply(self.arena[query["split"]])


@pytest.fixture
def providers(settings):
    server = Providers()
    point_providers_at(settings, server.http.base_url, AA_KEY)
    yield server
    server.http.close()


def check(slug: str, now: datetime):
    config, question = seed(slug)
    validate_config("tabular", config)
    kind = get_kind("tabular")
    return kind.evaluate(kind.fetch(config), config, question, now)


# --------------------------------------------------------------------------------------------
# Artificial Analysis Intelligence Index: best open weights / best proprietary >= 0.90

MEASURED = datetime(2028, 1, 1, 9, 0, tzinfo=UTC)


def aa_model(name: str, slug: str, creator: str, released: str, index: float | None) -> dict:
    model = json.loads(json.dumps(payload("aa_llms_models.json")["data"][0]))
    model.update(name=name, slug=slug, release_date=released)
    model["model_creator"].update(slug=creator, name=creator.title())
    model["evaluations"]["artificial_analysis_intelligence_index"] = index
    return model


def test_aa_open_weights_within_ten_percent_at_the_end_of_2027_is_yes(providers):
    providers.aa["data"] += [
        aa_model("GPT-6 (high)", "gpt-6", "openai", "2027-10-01", 76.0),
        aa_model("DeepSeek V5", "deepseek-v5", "deepseek", "2027-11-20", 71.0),
        aa_model("Qwen4 480B A35B", "qwen4-480b-a35b", "alibaba", "2027-12-02", 69.5),
        # Released after the cut-off: not counted.
        aa_model("GPT-6.5 (high)", "gpt-6-5", "openai", "2028-01-01", 90.0),
    ]
    verdict = check(AA_SLUG, MEASURED)
    assert (verdict.outcome, verdict.value) == ("yes", "0.9342")  # 71.0 / 76.0
    assert (
        "best of open weights = 71 (DeepSeek V5), best of proprietary = 76 (GPT-6 (high)): "
        "ratio 0.9342 (1 row without a value left out), compared >= threshold 0.9"
    ) in verdict.explanation


def test_aa_open_weights_more_than_ten_percent_behind_is_no_and_waits_before(providers):
    verdict = check(AA_SLUG, datetime(2026, 12, 3, tzinfo=UTC))
    assert (verdict.outcome, verdict.value) == ("undetermined", "0.8946")  # 66.2 / 74.0
    assert verdict.explanation.endswith("condition not met now; it is decided from 2028-01-01")
    verdict = check(AA_SLUG, MEASURED)
    assert (verdict.outcome, verdict.value) == ("no", "0.8946")
    assert "best of open weights = 66.2 (DeepSeek V4 Pro)" in verdict.explanation
    # Qwen3 Max (proprietary, 60.1) and gpt-oss (open, 58.9) are told apart by their slugs.
    assert "best of proprietary = 74 (GPT-5.5 (high))" in verdict.explanation


def test_aa_without_release_dates_or_with_an_unclassified_leader_is_inconclusive(providers):
    for model in providers.aa["data"]:
        del model["release_date"]
    with pytest.raises(
        EvaluationError, match=r"has no column 'release_date' .* its columns are id"
    ):
        check(AA_SLUG, MEASURED)
    providers.aa = payload("aa_llms_models.json")
    providers.aa["data"].append(aa_model("Nova 2", "nova-2", "newlab", "2027-06-01", 80.0))
    with pytest.raises(EvaluationError, match=r"Nova 2 \(80\) .* is in neither group"):
        check(AA_SLUG, MEASURED)


# --------------------------------------------------------------------------------------------
# Terminal-Bench 2.0: G(2027-12-31) >= G(2026-04-15) + 5 and >= 10


def set_accuracy(providers: Providers, label: str, accuracy: float) -> None:
    for row in providers.tbench["rows"]:
        if row["metadata"]["model_display"]["label"] == label:
            row["metrics"]["accuracy"] = accuracy


def test_tbench_closed_lead_grown_by_five_points_is_yes(providers):
    set_accuracy(providers, "GPT-6", 83.0)
    verdict = check(TB_SLUG, MEASURED)
    # 83.0 (GPT-6) - 60.0 (Qwen4-Coder-480B) = 23 >= 10 and >= 64.0 - 47.0 + 5 = 22.
    assert (verdict.outcome, verdict.value) == ("yes", "23")
    assert "gap 23, compared >= threshold 10 and baseline 17 + 5" in verdict.explanation
    assert "8 rows dated on or before 2026-04-15" in verdict.explanation


def test_tbench_lead_grown_by_less_than_five_points_is_no(providers):
    verdict = check(TB_SLUG, datetime(2026, 12, 3, tzinfo=UTC))
    assert (verdict.outcome, verdict.value) == ("undetermined", "21")
    verdict = check(TB_SLUG, MEASURED)
    assert (verdict.outcome, verdict.value) == ("no", "21")  # 81 - 60 = 21 < 22


def test_tbench_a_missing_page_an_unknown_model_or_an_abandoned_board(providers):
    providers.tbench["pagination"]["total"] = 150
    with pytest.raises(EvaluationError, match="holds 13 of the 150 records it counts"):
        check(TB_SLUG, MEASURED)
    providers.tbench = payload("tbench_2_0_leaderboard_read.json")
    providers.tbench["rows"][10]["metadata"]["model_display"]["label"] = "Zeta-1"
    with pytest.raises(EvaluationError, match=r"Zeta-1 \(81\) .* is in neither group"):
        check(TB_SLUG, MEASURED)
    providers.tbench = payload("tbench_2_0_leaderboard_read.json")
    set_accuracy(providers, "GPT-6", 96.0)
    verdict = check(TB_SLUG, MEASURED)
    assert verdict.outcome == "annulled"
    assert "the best accuracy exceeds 95% (the benchmark is saturated): max = 96" in (
        verdict.explanation
    )
    providers.tbench["rows"] = [
        row for row in providers.tbench["rows"] if row["metadata"]["date"] < "2027-06-30"
    ]
    providers.tbench["pagination"]["total"] = len(providers.tbench["rows"])
    verdict = check(TB_SLUG, MEASURED)
    assert verdict.outcome == "annulled"
    assert "no entry is dated after 2027-06-30" in verdict.explanation


# --------------------------------------------------------------------------------------------
# LMArena text: gap1 >= gap0 + 20 and gap1 >= 40


ARENA_MEASURED = datetime(2027, 12, 31, 6, 0, tzinfo=UTC)


def set_rating(providers: Providers, split: str, model: str, rating: float) -> None:
    for item in providers.arena[split]["rows"]:
        if item["row"]["model_name"] == model:
            item["row"]["rating"] = rating


def test_arena_american_lead_grown_by_twenty_is_yes(providers):
    # An anonymised entry without a named developer does not count.
    anonymous = json.loads(json.dumps(providers.arena["latest"]["rows"][0]))
    anonymous["row"].update(model_name="anonymous-1207", organization="", rating=1601.0)
    providers.arena["latest"]["rows"].insert(0, anonymous)
    verdict = check(ARENA_SLUG, ARENA_MEASURED)
    # Now 1,560 (gemini-4-pro) - 1,512 (glm-6) = 48; in the snapshot of 2026-04-17 (the one
    # nearest 2026-04-15) 1,505 - 1,479 = 26; ByteDance's and Alibaba's closed models are in
    # neither group by design.
    assert (verdict.outcome, verdict.value) == ("yes", "48")
    assert (
        "(the snapshot of 2027-12-28): best of American closed models = 1,560 (gemini-4-pro), "
        "best of open-weight models = 1,512 (glm-6): gap 48"
    ) in verdict.explanation
    assert "baseline 26 + 20 (the snapshot of 2026-04-17 in the file at" in verdict.explanation


def test_arena_lead_grown_by_less_than_twenty_is_no(providers):
    set_rating(providers, "latest", "gemini-4-pro", 1557.0)
    verdict = check(ARENA_SLUG, ARENA_MEASURED)
    assert (verdict.outcome, verdict.value) == ("no", "45")  # 1,557 - 1,512 < 26 + 20


def test_arena_without_a_baseline_snapshot_or_with_stale_data_is_inconclusive(providers):
    for item in providers.arena["full"]["rows"]:
        item["row"]["leaderboard_publish_date"] = "2026-02-20"
    with pytest.raises(EvaluationError, match="no snapshot is dated within 30 days of 2026-04-15"):
        check(ARENA_SLUG, ARENA_MEASURED)
    providers.arena["full"] = payload("lmarena_text_style_control_full_april_2026.json")
    for item in providers.arena["latest"]["rows"]:
        item["row"]["leaderboard_publish_date"] = "2027-11-20"
    with pytest.raises(EvaluationError, match="dated 2027-11-20, more than 21 days before"):
        check(ARENA_SLUG, ARENA_MEASURED)
    providers.arena["latest"] = payload("lmarena_text_style_control_latest.json")
    providers.arena["latest"]["rows"][0]["row"].update(organization="Newco", rating=1590.0)
    with pytest.raises(EvaluationError, match=r"gemini-4-pro \(1,590\) .* is in neither group"):
        check(ARENA_SLUG, ARENA_MEASURED)
