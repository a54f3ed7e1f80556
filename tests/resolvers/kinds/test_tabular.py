"""The ``tabular`` kind against local servers answering data files.

Payloads in tests/resolvers/payloads/tabular/: a statistics office's CSV and TSV (with a
byte-order mark and CRLF, as such exports come), and three JSON answers shaped as their
providers document them: Artificial Analysis' ``GET /api/v2/data/llms/models`` (``data``
of models with ``model_creator`` and ``evaluations``), the Harbor Hub's ``leaderboard-read``
(``rows`` with ``metadata``, ``metrics``, ``status`` and ``pagination``) that tbench.ai reads,
and the Hugging Face datasets server's ``/filter`` rows (``rows[].row``) of LMArena's
leaderboard dataset.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
from tests.resolvers.http_servers import LocalHTTPServer, RecordedRequest, Reply, json_reply

PAYLOADS = Path(__file__).parents[1] / "payloads" / "tabular"
KEY = "aa-test-key-0123456789"
QUESTION = QuestionFacts(
    kind="binary",
    options=(),
    opens_at=datetime(2026, 4, 15, tzinfo=UTC),
    closes_at=datetime(2027, 12, 31, tzinfo=UTC),
    resolve_by=datetime(2028, 1, 31, tzinfo=UTC),
)
BEFORE = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
AFTER = datetime(2028, 1, 2, tzinfo=UTC)
CSV = "text/csv; charset=utf-8"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


class Files:
    """Data files by path; Artificial Analysis' path needs the x-api-key header (401 as the
    API answers without it); the leaderboard-read path takes only a POSTed JSON body."""

    def __init__(self) -> None:
        self.http = LocalHTTPServer().start()
        self.replies: dict[str, Reply] = {}
        self.serve_file("/trade.csv", "trade.csv", CSV)
        self.serve_file("/trade.tsv", "trade.tsv", "text/tab-separated-values")
        self.serve("/api/v2/data/llms/models", payload("aa_llms_models.json"))
        self.serve("/functions/v1/leaderboard-read", payload("tbench_2_0_leaderboard_read.json"))

    def serve(self, path: str, answer, status: int = 200) -> None:
        self.replies[path] = answer if isinstance(answer, Reply) else json_reply(answer, status)
        self.http.routes[path] = self._answer

    def serve_file(self, path: str, name: str, content_type: str) -> None:
        body = (PAYLOADS / name).read_bytes()
        self.serve(path, Reply(200, [("Content-Type", content_type)], body))

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/api/v2/") and request.headers.get("x-api-key") != KEY:
            return json_reply({"error": "Invalid or missing API key"}, 401)
        if request.path.startswith("/functions/") and request.method != "POST":
            return json_reply({"error": {"message": "Method not allowed"}}, 405)
        return self.replies[request.path]

    def url(self, path: str) -> str:
        return self.http.url(path)


def point_providers_at(settings, base_url: str, key: str) -> None:
    """The tabular providers and the Artificial Analysis key, all on one local server."""
    settings.RESOLVER_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.RESOLVER_API_BASES = {
        name: base_url for name in ("artificial_analysis", "harbor_hub", "hf_datasets_server")
    }
    settings.RESOLVER_SECRETS = {"AA_API_KEY": {"value": key, "hosts": ["127.0.0.1"]}}


@pytest.fixture
def files(settings):
    server = Files()
    point_providers_at(settings, server.http.base_url, KEY)
    yield server
    server.http.close()


def check(config: dict, *, now: datetime = BEFORE, question: QuestionFacts = QUESTION):
    validate_config("tabular", config)
    kind = get_kind("tabular")
    evidence = kind.fetch(config)
    return kind.evaluate(evidence, config, question, now), evidence


def trade(files: Files, **config) -> dict:
    return {
        "url": files.url("/trade.csv"),
        "format": "csv",
        "filters": [{"column": "indicator", "op": "==", "value": "exports"}],
        "column": "value",
        "label_column": "country",
        **config,
    }


# --------------------------------------------------------------------------------------------
# Aggregates


def test_the_largest_value_of_a_csv_over_a_threshold_is_yes(files):
    config = trade(files, aggregate="max", comparator=">=", threshold=3500)
    verdict, evidence = check(config)
    assert (verdict.outcome, verdict.value) == ("yes", "3520.5")
    assert verdict.explanation == (
        f"the file at {files.url('/trade.csv')} (all counted rows): max value = 3,520.5 (CN), "
        "compared >= threshold 3,500: condition met"
    )
    assert evidence.body == (PAYLOADS / "trade.csv").read_bytes()
    assert evidence.content_type == CSV and len(evidence.sha256) == 64


def test_an_unmet_condition_waits_then_is_no(files):
    config = trade(files, aggregate="max", threshold=4000)
    verdict, _ = check(config)
    assert verdict.outcome == "undetermined"
    assert "condition not met yet; it resolves no at 2027-12-31 00:00 UTC" in verdict.explanation
    verdict, _ = check(config, now=AFTER)
    assert (verdict.outcome, verdict.value) == ("no", "3520.5")


def test_a_tsv_sums_and_counts_its_rows(files):
    tsv = {"url": files.url("/trade.tsv"), "format": "tsv"}
    rows = [{"column": "year", "op": "==", "value": 2025}]
    verdict, _ = check(
        {**tsv, "aggregate": "sum", "column": "value", "filters": rows, "threshold": 8000}
    )
    assert verdict.value == "8468.4"  # 1,702.9 + 655.0 + 3,520.5 + 2,590.0
    verdict, _ = check(
        {**tsv, "aggregate": "count", "filters": rows, "comparator": "==", "threshold": 4}
    )
    assert (verdict.outcome, verdict.value) == ("yes", "4")


def test_a_share_of_the_selected_rows(files):
    selected = {"label": "China", "filters": [{"column": "country", "op": "==", "value": "CN"}]}
    config = trade(
        files,
        aggregate="share",
        selected=selected,
        filters=[
            {"column": "indicator", "op": "==", "value": "exports"},
            {"column": "year", "op": "==", "value": 2025},
        ],
        threshold=0.5,
    )
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("yes", "0.5989")  # 3,520.5 / 5,878.4
    assert "China (1 of 3 rows) sum to 3,520.5 of 5,878.4 = 59.89%" in verdict.explanation


def test_a_rank_is_one_for_the_best_and_a_tie_is_ambiguous(files):
    row = {
        "label": "France 2025",
        "filters": [
            {"column": "country", "op": "==", "value": "FR"},
            {"column": "year", "op": "==", "value": "2025"},
        ],
    }
    verdict, _ = check(trade(files, aggregate="rank", row=row, comparator="<=", threshold=5))
    assert (verdict.outcome, verdict.value) == ("yes", "5")
    assert "France 2025 (FR, 655) ranks 5 of 6" in verdict.explanation
    answer = {
        "data": [{"name": "a", "score": 3}, {"name": "b", "score": 3}, {"name": "c", "score": 1}]
    }
    files.serve("/scores.json", answer)
    config = {
        "url": files.url("/scores.json"),
        "format": "json",
        "records": "data",
        "column": "score",
        "label_column": "name",
        "aggregate": "rank",
        "threshold": 1,
        "comparator": "<=",
        "row": {"filters": [{"column": "name", "op": "==", "value": "a"}]},
    }
    with pytest.raises(
        EvaluationError, match=r"\(a\) ties with 1 other row\(s\) at 3, so its rank"
    ):
        check(config)


def test_the_latest_value_by_date(files):
    answer = [
        {"day": "2026-05-01", "v": "10"},
        {"day": "2026-06-01", "v": "12"},
        {"day": "2026-04-01", "v": "20"},
    ]
    files.serve("/series.json", answer)
    config = {
        "url": files.url("/series.json"),
        "format": "json",
        "aggregate": "latest",
        "column": "v",
        "date_column": "day",
        "threshold": 11,
    }
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("yes", "12")
    assert "latest v (2026-06-01) = 12" in verdict.explanation
    files.serve("/series.json", [*answer, {"day": "2026-06-01", "v": "13"}])
    with pytest.raises(EvaluationError, match=r"2 rows dated 2026-06-01 .* give different values"):
        check(config)


def tbench(**config) -> dict:
    return {
        "provider": "harbor_hub",
        "path": "/functions/v1/leaderboard-read",
        "method": "POST",
        "body": {"package": "terminal-bench/terminal-bench-2", "name": "2-0"},
        "format": "json",
        "records": "rows",
        "records_total": "pagination.total",
        "filters": [{"column": "status", "op": "==", "value": "display"}],
        "date_column": "metadata.date",
        "column": "metrics.accuracy",
        "label_column": "metadata.model_display.label",
        "aggregate": "gap",
        "groups": {
            "a": {
                "label": "closed",
                "filters": [
                    {
                        "column": "metadata.model_org",
                        "op": "in",
                        "value": ["Anthropic", "Google", "OpenAI"],
                    },
                    {"column": "metadata.model_display.label", "op": "not_matches", "value": "oss"},
                ],
            },
            "b": {
                "label": "open",
                "any_of": [
                    [
                        {
                            "column": "metadata.model_org",
                            "op": "in",
                            "value": ["Moonshot AI", "Z.ai", "DeepSeek", "Alibaba"],
                        }
                    ],
                    [{"column": "metadata.model_display.label", "op": "contains", "value": "oss"}],
                ],
            },
        },
        **config,
    }


def test_a_gap_between_groups_against_itself_at_an_earlier_date(files):
    config = tbench(
        on_or_before="2027-12-31", threshold=10, baseline={"as_of": "2026-04-15", "min_change": 3}
    )
    verdict, _ = check(config)
    # Closed best 81.0 (GPT-6) - open best 60.0 (Qwen4-Coder) = 21 by 2027-12-31; 64.0 - 47.0
    # = 17 by 2026-04-15; the hidden GPT-7 row (99) is not counted.
    assert (verdict.outcome, verdict.value) == ("yes", "21")
    assert "12 rows dated on or before 2027-12-31" in verdict.explanation
    assert "threshold 10 and baseline 17 + 3 (8 rows dated on or before 2026-04-15:" in (
        verdict.explanation
    )
    (request,) = [r for r in files.http.requests if r.path.startswith("/functions/")]
    assert request.method == "POST"
    assert json.loads(request.body) == config["body"]
    assert request.headers["content-type"] == "application/json"
    verdict, _ = check({**config, "baseline": {"as_of": "2026-04-15", "min_change": 5}})
    assert verdict.outcome == "undetermined"  # 21 < 17 + 5


def test_a_baseline_kept_by_an_earlier_check(files):
    earlier = (EarlierValue(datetime(2026, 4, 16, 6, tzinfo=UTC), "15.5"),)
    question = QuestionFacts(**{**QUESTION.__dict__, "earlier_values": earlier})
    config = tbench(baseline={"earlier_on": "2026-04-15", "min_change": 5})
    verdict, _ = check(config, question=question)
    assert verdict.outcome == "yes"
    assert "baseline 15.5 + 5 (kept by the check of 2026-04-16 06:00 UTC)" in verdict.explanation
    with pytest.raises(EvaluationError, match="no earlier check of this source kept a value"):
        check({**config, "baseline": {"earlier_on": "2026-06-01"}}, question=question)


def test_before_decide_from_the_value_is_kept_but_nothing_proposed(files):
    config = tbench(threshold=10, decide_from="2028-01-01")
    verdict, _ = check(config)
    assert (verdict.outcome, verdict.value) == ("undetermined", "21")
    assert verdict.explanation.endswith("condition met now; it is decided from 2028-01-01")
    verdict, _ = check(config, now=AFTER)
    assert verdict.outcome == "yes"


def test_a_condition_of_the_criteria_annuls_at_the_decision(files):
    config = tbench(
        threshold=10,
        annul_if=[
            {
                "reason": "no entry after 2027-06-30",
                "aggregate": "count",
                "comparator": "==",
                "threshold": 0,
                "filters": [{"column": "metadata.date", "op": ">", "value": "2027-06-30"}],
            }
        ],
        on_or_before="2027-06-30",
    )
    verdict, _ = check(config, now=AFTER)
    assert verdict.outcome == "annulled"
    assert "the criteria void the question: no entry after 2027-06-30: count = 0, == 0" in (
        verdict.explanation
    )


def test_a_row_in_neither_group_above_their_best_is_inconclusive_when_asked(files):
    config = tbench(threshold=10, filters=[], unclassified="inconclusive")
    answer = payload("tbench_2_0_leaderboard_read.json")
    answer["rows"][12]["metadata"]["model_org"] = "Newco"
    files.serve("/functions/v1/leaderboard-read", answer)
    with pytest.raises(EvaluationError, match=r"GPT-7 \(99\) .* is in neither group"):
        check(config)
    verdict, _ = check({**config, "unclassified": "ignore"})
    assert verdict.value == "21"


def test_snapshots_a_baseline_from_another_file_the_nearest_snapshot(files):
    files.serve("/filter", Reply())  # replaced by the router below
    files.http.routes["/filter"] = lambda request: json_reply(
        payload(
            "lmarena_text_style_control_latest.json"
            if request.query["split"] == ["latest"]
            else "lmarena_text_style_control_full_april_2026.json"
        )
    )
    config = {
        "provider": "hf_datasets_server",
        "path": "/filter?split=latest",
        "format": "json",
        "records": "rows[].row",
        "date_column": "leaderboard_publish_date",
        "dates": "snapshots",
        "column": "rating",
        "label_column": "model_name",
        "aggregate": "gap",
        "groups": {
            "a": {
                "label": "Google",
                "filters": [{"column": "organization", "op": "==", "value": "Google"}],
            },
            "b": {
                "label": "open",
                "filters": [{"column": "license", "op": "!=", "value": "Proprietary"}],
            },
        },
        "baseline": {"path": "/filter?split=full", "as_of": "2026-04-15", "within_days": 30},
    }
    verdict, evidence = check(config)
    # 1,560 - 1,512 = 48 now; in the snapshot of 2026-04-17 (nearer than 04-02): 1,505 - 1,479.
    assert (verdict.outcome, verdict.value) == ("yes", "48")
    assert "baseline 26 (the snapshot of 2026-04-17 in the file at" in verdict.explanation
    kept = json.loads(evidence.body)
    assert set(kept) == {files.url("/filter?split=latest"), files.url("/filter?split=full")}
    assert kept[files.url("/filter?split=full")]["text"].startswith("{")
    with pytest.raises(EvaluationError, match="no snapshot is dated within 1 days of 2026-04-10"):
        check(
            {**config, "baseline": {**config["baseline"], "as_of": "2026-04-10", "within_days": 1}}
        )
    with pytest.raises(EvaluationError, match="more than 5 days before this check"):
        check({**config, "max_age_days": 5}, now=datetime(2028, 1, 20, tzinfo=UTC))


def test_the_api_key_goes_in_its_header_and_nowhere_else(files):
    config = {
        "provider": "artificial_analysis",
        "path": "/api/v2/data/llms/models",
        "format": "json",
        "records": "data",
        "api_key": {"secret": "AA_API_KEY"},
        "column": "evaluations.artificial_analysis_intelligence_index",
        "skip_blank": True,
        "aggregate": "max",
        "threshold": 70,
    }
    verdict, evidence = check(config)
    assert verdict.value == "74"
    assert "(1 row without a value left out)" in verdict.explanation
    assert KEY not in evidence.body.decode() and KEY not in verdict.explanation
    (request,) = files.http.requests
    assert request.headers["x-api-key"] == KEY


# --------------------------------------------------------------------------------------------
# Inconclusive


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (
            {"column": "amount"},
            "the file at {url} has no column 'amount' (named in column); its columns are "
            "country, year, indicator, value",
        ),
        (
            {
                "filters": [
                    {"column": "indicator", "op": "==", "value": "exports"},
                    {"column": "country", "op": "==", "value": "JP"},
                ]
            },
            "no row of the file at {url} has country == JP (6 rows before that condition)",
        ),
        ({"filters": []}, None),
    ],
)
def test_missing_columns_and_empty_filters_are_named(files, change, sentence):
    config = trade(files, aggregate="max", threshold=1, **change)
    if sentence is None:
        assert check(config)[0].value == "3520.5"
        return
    with pytest.raises(EvaluationError) as caught:
        check(config)
    assert str(caught.value) == sentence.format(url=files.url("/trade.csv"))


@pytest.mark.parametrize(
    ("answer", "config", "sentence"),
    [
        ([{"v": "1"}, {"v": "n/a"}], {}, r"a row in the file at .* has 'n/a' in v, not a number"),
        ([{"v": "1"}, {"v": None}], {}, "a row in the file at .* has no value in v"),
        ({"data": {"v": 1}}, {"records": "data"}, r"`data` in the file at .* is not a list"),
        ([1, 2], {}, "record 0 of the document in the file at .* is not an object"),
        ([], {}, "the file at .* has no rows"),
    ],
)
def test_values_and_records_not_as_expected_are_inconclusive(files, answer, config, sentence):
    files.serve("/v.json", answer)
    with pytest.raises(EvaluationError, match=sentence):
        check(
            {
                "url": files.url("/v.json"),
                "format": "json",
                "column": "v",
                "aggregate": "sum",
                "threshold": 1,
                **config,
            }
        )


def test_an_empty_group_a_baseline_without_rows_and_a_missing_page(files):
    with pytest.raises(EvaluationError, match=r"no row of the 1 counted row .* is in open"):
        check(tbench(on_or_before="2025-11-03", threshold=1))
    with pytest.raises(EvaluationError, match="the baseline as of 2025-01-01: no row is dated"):
        check(tbench(threshold=1, baseline={"as_of": "2025-01-01"}))
    answer = payload("tbench_2_0_leaderboard_read.json")
    answer["pagination"]["total"] = 40
    files.serve("/functions/v1/leaderboard-read", answer)
    with pytest.raises(EvaluationError, match="holds 13 of the 40 records it counts"):
        check(tbench(threshold=1))


def test_a_ragged_csv_an_http_error_and_a_refused_key(files, settings):
    files.serve("/bad.csv", Reply(200, [("Content-Type", CSV)], b"a,b\n1,2\n3\n"))
    with pytest.raises(EvaluationError, match=r"line 3 of the file at .* has 1 fields where"):
        check(
            {
                "url": files.url("/bad.csv"),
                "format": "csv",
                "column": "a",
                "aggregate": "max",
                "threshold": 1,
            }
        )
    settings.RESOLVER_SECRETS = {"AA_API_KEY": {"value": "wrong", "hosts": ["127.0.0.1"]}}
    with pytest.raises(EvaluationError, match=r"answered HTTP 401 \(the API key was refused\)"):
        check(
            {
                "provider": "artificial_analysis",
                "path": "/api/v2/data/llms/models",
                "format": "json",
                "records": "data",
                "api_key": {"secret": "AA_API_KEY"},
                "aggregate": "count",
                "threshold": 1,
            }
        )


def test_a_post_is_never_redirected(files):
    files.serve(
        "/functions/v1/leaderboard-read", Reply(307, [("Location", files.url("/elsewhere"))], b"")
    )
    with pytest.raises(EvaluationError, match="answered HTTP 307"):
        check(tbench(threshold=1))
    assert all(request.path != "/elsewhere" for request in files.http.requests)


# --------------------------------------------------------------------------------------------
# Configs


BASE = {
    "url": "https://example.org/data.csv",
    "format": "csv",
    "column": "v",
    "aggregate": "max",
    "threshold": 1,
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"url": None}, "config.url", "either url or provider"),
        ({"provider": "artificial_analysis"}, "config.url", "either url or provider"),
        ({"url": "ftp://example.org/x"}, "config.url", "http or https"),
        ({"threshold": None}, "config.threshold", "a threshold, a baseline or both"),
        ({"records": "data"}, "config.records", "only read for format json"),
        ({"format": "json", "records": "data[?"}, "config.records", "JMESPath"),
        ({"aggregate": "rank"}, "config.row", "is required"),
        ({"aggregate": "gap"}, "config.groups", "is required"),
        ({"aggregate": "latest"}, "config.date_column", "is required"),
        ({"row": {"filters": []}}, "config.row", "not a setting of aggregate max"),
        ({"aggregate": "count"}, "config.column", "reads no value column"),
        (
            {"filters": [{"column": "c", "op": "in", "value": "x"}]},
            "config.filters.0.value",
            "must be a list",
        ),
        (
            {"filters": [{"column": "c", "op": ">", "value": "soon"}]},
            "config.filters.0.value",
            "a number or an ISO date",
        ),
        (
            {"filters": [{"column": "c", "op": "matches", "value": "(["}]},
            "config.filters.0.value",
            "regular expression",
        ),
        (
            {"filters": [{"column": "c", "op": "like", "value": "x"}]},
            "config.filters.0.op",
            "one of",
        ),
        ({"on_or_before": "2027-12-31"}, "config.on_or_before", "needs a date_column"),
        ({"baseline": {"as_of": "2026-04-15"}}, "config.baseline.as_of", "date_column"),
        ({"baseline": {"min_change": 5}}, "config.baseline", "exactly one of as_of"),
        ({"date_column": "d", "baseline": {"as_of": "April"}}, "config.baseline.as_of", "ISO 8601"),
        (
            {"date_column": "d", "baseline": {"as_of": "2026-04-15", "within_days": 30}},
            "config.baseline.within_days",
            "only for dates: snapshots",
        ),
        ({"method": "POST"}, "config.body", "is required with method POST"),
        ({"body": {"q": 1}}, "config.body", "only sent with method POST"),
        (
            {"decide_from": "2028-02-01", "decide_no_after": "2028-01-01"},
            "config.decide_no_after",
            "before",
        ),
        (
            {"annul_if": [{"reason": "r", "aggregate": "max", "comparator": ">", "threshold": 1}]},
            "config.annul_if.0.column",
            "is required with max",
        ),
        ({"api_key": {"secret": "lower"}}, "config.api_key.secret", "does not match"),
        (
            {"aggregate": "gap", "groups": {"a": {"filterz": []}, "b": {}}},
            "config.groups.a.filterz",
            "is not a setting of a row selection",
        ),
        ({"provider": "nowhere", "url": None, "path": "/x"}, "config.provider", "one of"),
        ({"url": None, "provider": "huggingface", "path": "x"}, "config.path", "start with /"),
    ],
)
def test_bad_configs_name_the_field(files, change, field, words):
    config = {key: value for key, value in {**BASE, **change}.items() if value is not None}
    with pytest.raises(ConfigError) as caught:
        validate_config("tabular", config)
    assert field in caught.value.fields, caught.value.fields
    assert words in caught.value.fields[field]


def test_a_key_configured_for_another_host_is_refused_when_saved(files, settings):
    settings.RESOLVER_SECRETS = {"AA_API_KEY": {"value": KEY, "hosts": ["artificialanalysis.ai"]}}
    config = {**BASE, "url": "https://example.org/x.csv", "api_key": {"secret": "AA_API_KEY"}}
    with pytest.raises(ConfigError) as caught:
        validate_config("tabular", config)
    assert "may not be sent to example.org" in caught.value.fields["config.api_key.secret"]
