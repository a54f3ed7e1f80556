"""The ``huggingface`` kind: the Hugging Face Hub models API."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DATE, DECIDE_NO_AFTER, config_object, when_mode
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    api_base,
    as_number,
    as_text,
    combined_evidence,
    json_body,
    parse_when,
    show_number,
    show_when,
    status_ok,
)

_HF_MODES = ("model_exists", "created_after", "downloads_over", "likes_over", "org_download_share")
_HF_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")
_HF_ORGS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 100},
    "minItems": 1,
    "maxItems": 20,
    "uniqueItems": True,
}


class HuggingFaceKind(ResolverKind):
    """The Hugging Face Hub models API.

    Modes on one model (GET {base}/api/models/{repo_id}; 404 or 401 means it does not exist,
    which is "not met"): ``model_exists``; ``created_after`` (``createdAt`` on or after
    ``after``); ``downloads_over`` / ``likes_over`` (``downloads`` — the Hub's last-30-days
    count, or ``downloadsAllTime`` with ``all_time`` — or ``likes`` >= ``threshold``).

    ``org_download_share``: the downloads of the top ``limit`` models (by downloads) of each
    organisation, GET {base}/api/models?author={org}&sort=downloads&direction=-1&limit=N;
    share = sum over ``orgs`` / sum over ``orgs`` + ``compare_orgs``; >= ``threshold`` -> met.
    Its ``fetch`` makes one request an organisation and returns one combined FetchResult
    (url {base}/api/models, status 200, application/json) whose body is the JSON object
    ``{request url: parsed JSON answer, ...}`` and whose sha256 is that body's. When one of
    the requests answers a non-2xx status or non-JSON, that request's own FetchResult is
    returned instead, so the failure (and its status) is what the caller records.
    """

    name = "huggingface"
    label = "Hugging Face Hub model (exists, created, downloads, likes, download share)"
    config_schema = config_object(
        {
            "mode": {"enum": list(_HF_MODES)},
            "repo_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "after": DATE,
            "threshold": {"type": "number", "minimum": 0},
            "all_time": {"type": "boolean", "default": False},
            "orgs": _HF_ORGS,
            "compare_orgs": _HF_ORGS,
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "decide_no_after": DECIDE_NO_AFTER,
        },
        ["mode"],
        allOf=[
            when_mode("model_exists", ["repo_id"]),
            when_mode("created_after", ["repo_id", "after"]),
            when_mode("downloads_over", ["repo_id", "threshold"]),
            when_mode("likes_over", ["repo_id", "threshold"]),
            when_mode("org_download_share", ["orgs", "compare_orgs", "threshold"]),
        ],
    )

    def check_config(self, config: dict, problems: Problems) -> None:
        repo_id = config.get("repo_id")
        if repo_id is not None and (
            not _HF_REPO_ID.match(repo_id) or any(p in (".", "..") for p in repo_id.split("/"))
        ):
            problems.add("repo_id", "must be a Hub model id such as 'org/name'")
        for field in ("orgs", "compare_orgs"):
            for index, org in enumerate(config.get(field, [])):
                problems.name(config, field, org, f"{field}.{index}")
        overlap = set(config.get("orgs", [])) & set(config.get("compare_orgs", []))
        if overlap:
            problems.add("compare_orgs", f"must not repeat orgs: {', '.join(sorted(overlap))}")
        if config["mode"] == "org_download_share" and config.get("threshold", 0) > 1:
            problems.add("threshold", "is a share, between 0 and 1")
        problems.when(config, "after", "decide_no_after")

    @staticmethod
    def model_url(config: dict) -> str:
        url = f"{api_base('huggingface')}/api/models/{quote(config['repo_id'], safe='/')}"
        if config.get("all_time") and config["mode"] == "downloads_over":
            fields = ["downloads", "downloadsAllTime", "likes", "createdAt"]
            url += "?" + urlencode([("expand[]", field) for field in fields])
        return url

    @staticmethod
    def org_url(org: str, limit: int) -> str:
        query = urlencode(
            {"author": org, "sort": "downloads", "direction": "-1", "limit": str(limit)}
        )
        return f"{api_base('huggingface')}/api/models?{query}"

    def _org_urls(self, config: dict) -> dict[str, str]:
        limit = config.get("limit", 100)
        orgs = [*config["orgs"], *config["compare_orgs"]]
        return {org: self.org_url(org, limit) for org in orgs}

    def fetch(self, config: dict) -> FetchResult:
        headers = {"Accept": "application/json"}
        if config["mode"] != "org_download_share":
            return fetcher.fetch(self.model_url(config), headers=headers)
        combined: dict[str, Any] = {}
        duration = 0
        for url in self._org_urls(config).values():
            result = fetcher.fetch(url, headers=headers)
            duration += result.duration_ms
            if not 200 <= result.status < 300:
                return result
            try:
                combined[url] = json.loads(result.body)
            except (ValueError, UnicodeDecodeError):
                return result
        return combined_evidence(f"{api_base('huggingface')}/api/models", combined, duration)

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        if config["mode"] == "org_download_share":
            return self._share(evidence, config, question, now)
        repo_id = config["repo_id"]
        model = f"Hugging Face model {repo_id}"
        if evidence.status in (401, 404):
            return decide(False, "not found", f"{model} does not exist", config, question, now)
        status_ok(evidence, "the Hugging Face Hub")
        data = json_body(evidence, "the Hugging Face Hub")
        if not isinstance(data, dict):
            raise EvaluationError(f"the Hub answered a {type(data).__name__}, not a model")
        mode = config["mode"]
        if mode == "model_exists":
            found = data.get("id") or data.get("modelId") or repo_id
            return decide(True, "exists", f"{model} exists (as {found})", config, question, now)
        if mode == "created_after":
            created = parse_when(data.get("createdAt"))
            if created is None:
                raise EvaluationError(f"{model} has no valid createdAt in the Hub's answer")
            after = parse_when(config["after"])
            measured = f"{model} was created {show_when(created)}, wanted on or after " + (
                show_when(after)
            )
            return decide(created >= after, created.isoformat(), measured, config, question, now)
        field = "likes"
        if mode == "downloads_over":
            field = "downloadsAllTime" if config.get("all_time") else "downloads"
        count = data.get(field)
        if as_number(count) is None or isinstance(count, str):
            raise EvaluationError(f"{model}: the Hub's answer has no numeric {field!r}")
        what = {
            "downloads": "downloads (last 30 days)",
            "downloadsAllTime": "downloads (all time)",
            "likes": "likes",
        }[field]
        measured = (
            f"{model} has {show_number(count)} {what}, threshold {show_number(config['threshold'])}"
        )
        met = as_number(count) >= as_number(config["threshold"])
        return decide(met, as_text(count), measured, config, question, now)

    def _share(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        status_ok(evidence, "the Hugging Face Hub")
        combined = json_body(evidence, "the Hugging Face Hub")
        if not isinstance(combined, dict):
            raise EvaluationError("the combined Hub evidence is not a JSON object by URL")
        totals: dict[str, Decimal] = {}
        for org, url in self._org_urls(config).items():
            if url not in combined:
                raise EvaluationError(f"the evidence lacks the Hub's answer for {org} ({url})")
            models = combined[url]
            if not isinstance(models, list):
                raise EvaluationError(f"the Hub's answer for {org} is not a list of models")
            total = Decimal(0)
            for model in models:
                downloads = model.get("downloads") if isinstance(model, dict) else None
                if as_number(downloads) is None or isinstance(downloads, str):
                    raise EvaluationError(f"a model of {org} has no numeric 'downloads'")
                total += as_number(downloads)
            totals[org] = total
        ours = sum((totals[org] for org in config["orgs"]), Decimal(0))
        everyone = ours + sum((totals[org] for org in config["compare_orgs"]), Decimal(0))
        if everyone == 0:
            raise EvaluationError("the organisations have no downloads at all; no share exists")
        share = ours / everyone
        value = f"{share:.4f}"
        limit = config.get("limit", 100)
        measured = (
            f"Hugging Face downloads (last 30 days, top {limit} models each) of "
            f"{', '.join(config['orgs'])}: {show_number(ours)} of {show_number(everyone)} "
            f"(with {', '.join(config['compare_orgs'])}) = {share:.1%}, threshold "
            f"{Decimal(str(config['threshold'])):.1%}"
        )
        met = share >= Decimal(str(config["threshold"]))
        return decide(met, value, measured, config, question, now)
