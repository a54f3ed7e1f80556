"""The ``huggingface`` kind: the Hugging Face Hub models API."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import QuestionFacts, ResolverKind, Verdict, decide, require_binary
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.huggingface import listing
from resolvers.kinds.huggingface.cohorts import Reading
from resolvers.kinds.huggingface.schema import COHORT_MODES, CONFIG_SCHEMA, check_config
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    api_base,
    as_number,
    as_text,
    combined_evidence,
    json_body,
    parse_when,
    short,
    show_number,
    show_when,
    status_ok,
)


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

    ``cohort_total`` / ``cohort_share`` (cohorts.py, listing.py): every page of the listings
    of ``group`` (and ``others``), GET {base}/api/models?author=…&sort=downloads&direction=-1
    &limit=1000&expand[]=downloads&expand[]=createdAt&expand[]=pipeline_tag, following the
    Link header; the evidence is ``{"answers": {url: page}, "links": {url: Link header}}``.
    See docs/resolvers/huggingface.md.
    """

    name = "huggingface"
    label = "Hugging Face Hub models (one model's facts, download shares, cohorts)"
    config_schema = CONFIG_SCHEMA

    def check_config(self, config: dict, problems: Problems) -> None:
        check_config(config, problems)

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

    @staticmethod
    def cohort_series(config: dict) -> list[listing.Series]:
        """The listings a cohort mode reads, each once, the group's first."""
        series: list[listing.Series] = []
        for role in ("group", "others"):
            for one in listing.series_of(config[role]) if role in config else []:
                if one not in series:
                    series.append(one)
        return series

    def fetch(self, config: dict) -> FetchResult:
        headers = {"Accept": "application/json"}
        if config["mode"] in COHORT_MODES:
            measure, max_pages = config.get("measure", "downloads"), config.get("max_pages", 10)
            return listing.fetch_listings(self.cohort_series(config), measure, max_pages)
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
        if config["mode"] in COHORT_MODES:
            return self._cohorts(evidence, config, question, now)
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

    @staticmethod
    def _cohorts(
        evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        query = parse_qs(urlsplit(evidence.url).query)
        asked = [f"{name} {query[name][0]}" for name in ("author", "search") if name in query]
        about = f" for {', '.join(asked)}" if asked else ""
        if not 200 <= evidence.status < 300:
            said = short(evidence.body.decode("utf-8", errors="replace"))
            raise EvaluationError(
                f"the Hugging Face Hub answered HTTP {evidence.status}{about} "
                f"({evidence.url}): {said}"
            )
        combined = json_body(evidence, f"the Hugging Face Hub{about}")
        if not isinstance(combined, dict):
            raise EvaluationError("the Hub evidence is not a JSON object of answers by URL")
        return Reading(combined, config, now).verdict(question)
