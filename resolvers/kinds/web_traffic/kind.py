"""The ``web_traffic`` kind: Similarweb's monthly total visits of a group of domains, or the
group's share of the visits of the group and the others."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from typing import Any

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import (
    Outcome,
    QuestionFacts,
    ResolverKind,
    Verdict,
    decide,
    require_binary,
)
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.secrets import redact, reveal
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    api_base,
    aware,
    combined_evidence,
    json_body,
    one_line,
    short,
    show_when,
)
from resolvers.kinds.web_traffic import measures
from resolvers.kinds.web_traffic.answers import (
    DATA_NOT_FOUND,
    DATES_NOT_IN_RANGE,
    Figure,
    MissingFigures,
    SimilarwebError,
    error_of,
    read_figure,
)
from resolvers.kinds.web_traffic.schema import (
    CONFIG_SCHEMA,
    check_config,
    decide_from,
    domains,
    visits_url,
)

# Seconds between two requests: Similarweb allows 10 requests a second per account.
REQUEST_SPACING = 0.11
KEY_HEADER = "api-key"  # the header Similarweb's REST API reads the key from


def _refusal(status: int, error: SimilarwebError | None) -> str:
    said = f": {error}" if error is not None else ""
    if status == 403 or (error is not None and error.code == 403):
        return (
            f"Similarweb refused the API key, or the account is out of credits (HTTP "
            f"{status}{said})"
        )
    if status == 429 or (error is not None and error.code == 429):
        return (
            f"Similarweb answered HTTP {status}{said}: too many requests (10 a second per "
            "account); the next check tries again"
        )
    return f"Similarweb answered HTTP {status}{said}"


class WebTrafficKind(ResolverKind):
    """Monthly total visits (desktop and mobile web) per domain from Similarweb's
    documented REST API, summed over a group of domains or as the group's share of the
    group's and the others' visits. See docs/resolvers/web_traffic.md.

    ``fetch`` asks for each domain's month in turn and returns one FetchResult (url
    {base}/v1/website, application/json) whose body is ``{request url: {"domain", "status",
    "answer"}}``; a 401 ("Data not found") is kept there as a domain without a figure. A
    request answering another non-2xx status, or a 200 that is not JSON, is returned as it
    is, so its failure is what the check records; a 200 reporting an error ends the
    requests there."""

    name = "web_traffic"
    label = "Web traffic: monthly visits from Similarweb (a total, or a group's share)"
    config_schema = CONFIG_SCHEMA

    def check_config(self, config: dict, problems: Problems) -> None:
        check_config(config, problems)

    # --- Requests --------------------------------------------------------------------------

    def fetch(self, config: dict) -> FetchResult:
        combined: dict[str, Any] = {}
        duration, key = 0, ""
        for index, domain in enumerate(domains(config)):
            url = visits_url(config, domain)
            key = key or reveal(config["api_key"], url)
            if index and REQUEST_SPACING:
                time.sleep(REQUEST_SPACING)
            result = fetcher.fetch(
                url, headers={"Accept": "application/json"}, secret_headers={KEY_HEADER: key}
            )
            duration += result.duration_ms
            if not (200 <= result.status < 300 or result.status == DATA_NOT_FOUND):
                return _scrubbed(result, key)
            try:
                answer = json.loads(result.body)
            except (ValueError, UnicodeDecodeError):
                if result.status != DATA_NOT_FOUND:
                    return _scrubbed(result, key)
                answer = short(result.body.decode("utf-8", "replace"), 300)
            answer = json.loads(redact(json.dumps(answer), key))
            combined[url] = {"domain": domain, "status": result.status, "answer": answer}
            if _stops(result.status, answer):
                break  # a month not published, a refused key: so for every domain
        return combined_evidence(f"{api_base('similarweb')}/v1/website", combined, duration)

    # --- Verdicts --------------------------------------------------------------------------

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        start = decide_from(config)
        early = aware(now) < start
        try:
            reading = measures.read(self._figures(evidence, config), config)
        except MissingFigures as missing:
            if early:  # not published yet: wait, quietly
                return self._not_yet(config, start, missing.message)
            raise
        measured = (
            f"Similarweb total visits ({_scope(config)}), {config['month']}: {reading.measured}"
        )
        if early:
            state = "met" if reading.met else "not met"
            voided = f"; the criteria would annul it: {reading.voided}" if reading.voided else ""
            explanation = (
                f"{measured}: condition {state} now{voided}; it is decided from {show_when(start)}"
            )
            return Verdict(Outcome.UNDETERMINED, reading.value, one_line(explanation))
        if reading.voided is not None:
            explanation = f"{measured}; the criteria annul the question: {reading.voided}"
            return Verdict(Outcome.ANNULLED, reading.value, one_line(explanation))
        return decide(reading.met, reading.value, measured, config, question, now)

    @staticmethod
    def _figures(evidence: FetchResult, config: dict) -> list[Figure]:
        """Each domain's figure from the evidence, in the config's order. MissingFigures
        when Similarweb says the month is not in range (not published yet)."""
        month = config["month"]
        if not 200 <= evidence.status < 300:
            error = error_of(_json_or_none(evidence.body))
            if error is not None and error.code == DATES_NOT_IN_RANGE:
                raise MissingFigures(f"Similarweb answered HTTP {evidence.status}: {error}")
            raise EvaluationError(f"{_refusal(evidence.status, error)} ({evidence.url})")
        combined = json_body(evidence, "Similarweb")
        if not isinstance(combined, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("domain"), str)
            for entry in combined.values()
        ):
            raise EvaluationError("the combined Similarweb evidence is not an answer by URL")
        for entry in combined.values():
            if _stops(entry.get("status"), entry.get("answer")):
                error = error_of(entry["answer"])
                said = f"Similarweb answered {error} for {entry['domain']} ({month})"
                if error.code == DATES_NOT_IN_RANGE:
                    raise MissingFigures(said)
                raise EvaluationError(said)
        by_domain = {entry["domain"]: entry for entry in combined.values()}
        figures = []
        for domain in domains(config):
            entry = by_domain.get(domain)
            if entry is None:
                raise EvaluationError(f"the evidence lacks Similarweb's answer for {domain}")
            answer = entry.get("answer")
            status = DATA_NOT_FOUND if _not_found(entry.get("status"), answer) else 200
            figures.append(read_figure(domain, status, answer, month))
        return figures

    @staticmethod
    def _not_yet(config: dict, start: datetime, why: str) -> Verdict:
        explanation = (
            f"Similarweb has no figures for {config['month']} yet ({why}); the month is "
            f"decided from {show_when(start)}, once Similarweb has published it"
        )
        return Verdict(Outcome.UNDETERMINED, "", one_line(explanation))


def _not_found(status: Any, answer: Any) -> bool:
    """Similarweb's "Data not found": HTTP 401, or its error code 401 in the answer."""
    error = error_of(answer)
    return status == DATA_NOT_FOUND or (error is not None and error.code == DATA_NOT_FOUND)


def _stops(status: Any, answer: Any) -> bool:
    """An answer reporting an error other than "Data not found": it holds for every domain
    of the same month and key, so no further domain is asked."""
    return error_of(answer) is not None and not _not_found(status, answer)


def _scope(config: dict) -> str:
    country = config.get("country", "world")
    where = "worldwide" if country == "world" else f"country {country}"
    subdomains = "main domain only" if config.get("main_domain_only") else "subdomains included"
    return f"desktop and mobile web, {where}, {subdomains}"


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _scrubbed(result: FetchResult, key: str) -> FetchResult:
    """The response as fetched, unless it echoes the key: then with the key replaced."""
    if not key or key.encode() not in result.body:
        return result
    body = result.body.replace(key.encode(), b"[secret]")
    return FetchResult(
        url=result.url,
        status=result.status,
        content_type=result.content_type,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        duration_ms=result.duration_ms,
        link=result.link,
    )
