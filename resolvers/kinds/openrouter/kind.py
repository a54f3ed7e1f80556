"""The ``openrouter`` kind: OpenRouter's models list and its usage rankings datasets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

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
from resolvers.kinds.openrouter import measures
from resolvers.kinds.openrouter.answers import (
    Window,
    last_complete_window,
    trim_models,
    window_containing,
)
from resolvers.kinds.openrouter.schema import CONFIG_SCHEMA, check_config, rankings_url
from resolvers.kinds.secrets import reveal
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    api_base,
    aware,
    combined_evidence,
    json_body,
    one_line,
    parse_when,
    show_when,
)

# The full models list with every output modality is about 1-2 MB; allow room to grow.
MODELS_MAX_BYTES = 8 * 1024 * 1024
# How long after its period ends a ranking still counts as current.
FRESH_DAYS = {"week": 14, "month": 45}


def _today() -> date:
    """The UTC date the ranking periods are counted back from (a seam for tests)."""
    return datetime.now(UTC).date()


class OpenRouterKind(ResolverKind):
    """OpenRouter usage: a group's share of the top models' tokens, a model's or an app's
    rank. Rankings come from the documented datasets API (an API key is required); which
    models are open-weight from the keyless models list. See docs/resolvers/openrouter.md.

    ``fetch`` makes every request the mode needs and returns one FetchResult (url
    {base}/api/v1/datasets, application/json) whose body is ``{request url: answer}``; the
    models answer is trimmed to the fields read. A request answering a non-2xx status or
    non-JSON is returned as it is instead, so its failure is what the check records."""

    name = "openrouter"
    label = "OpenRouter usage rankings (token share, model rank, app rank)"
    config_schema = CONFIG_SCHEMA
    uses_earlier_values = True  # baseline {"checked_on": ...}

    def check_config(self, config: dict, problems: Problems) -> None:
        check_config(config, problems)

    # --- Requests --------------------------------------------------------------------------

    @staticmethod
    def models_url() -> str:
        return f"{api_base('openrouter')}/api/v1/models?" + urlencode({"output_modalities": "all"})

    @staticmethod
    def model_ranking_url(window: Window) -> str:
        query = {
            "start_date": window.start.isoformat(),
            "end_date": window.end.isoformat(),
            "period": window.period,
        }
        return f"{rankings_url()}?{urlencode(query)}"

    @staticmethod
    def app_ranking_url(window: Window, subcategory: str | None = None) -> str:
        query = {
            "sort": "popular",
            "start_date": window.start.isoformat(),
            "end_date": window.end.isoformat(),
            "limit": "100",
        }
        if subcategory:
            query["subcategory"] = subcategory
        return f"{api_base('openrouter')}/api/v1/datasets/app-rankings?{urlencode(query)}"

    @staticmethod
    def baseline_window(config: dict) -> Window | None:
        on = parse_when((config.get("baseline") or {}).get("on"))
        return None if on is None else window_containing(config.get("period", "week"), on.date())

    def request_urls(self, config: dict, today: date) -> list[tuple[str, bool]]:
        """(url, needs the API key) for every request the config's mode makes."""
        window = last_complete_window(config.get("period", "week"), today)
        if config["mode"] == "app_rank":
            urls = [(self.app_ranking_url(window), True)]
            if config.get("subcategory"):
                urls.append((self.app_ranking_url(window, config["subcategory"]), True))
            return urls
        urls = [(self.models_url(), False), (self.model_ranking_url(window), True)]
        baseline = self.baseline_window(config)
        if baseline is not None and baseline != window:
            urls.append((self.model_ranking_url(baseline), True))
        return urls

    def fetch(self, config: dict) -> FetchResult:
        combined: dict[str, Any] = {}
        duration = 0
        for url, keyed in self.request_urls(config, _today()):
            secret = {"Authorization": f"Bearer {reveal(config['api_key'], url)}"} if keyed else {}
            result = fetcher.fetch(
                url,
                headers={"Accept": "application/json"},
                secret_headers=secret,
                max_bytes=None if keyed else MODELS_MAX_BYTES,
            )
            duration += result.duration_ms
            if not 200 <= result.status < 300:
                return result
            try:
                answer = json.loads(result.body)
            except (ValueError, UnicodeDecodeError):
                return result
            combined[url] = answer if keyed else trim_models(answer)
        return combined_evidence(f"{api_base('openrouter')}/api/v1/datasets", combined, duration)

    # --- Verdicts --------------------------------------------------------------------------

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        require_binary(self, question)
        if not 200 <= evidence.status < 300:
            hint = " (the API key was refused)" if evidence.status in (401, 403) else ""
            raise EvaluationError(
                f"OpenRouter answered HTTP {evidence.status}{hint} ({evidence.url})"
            )
        combined = json_body(evidence, "OpenRouter")
        if not isinstance(combined, dict):
            raise EvaluationError("the combined OpenRouter evidence is not a JSON object by URL")
        answers = measures.Answers(combined, self.baseline_window(config))
        window = answers.window
        if (aware(now).date() - window.end).days > FRESH_DAYS[window.period]:
            raise EvaluationError(
                f"the newest ranking in the evidence is for the {window}, too old for a check "
                f"on {show_when(aware(now))}"
            )
        mode = config["mode"]
        if mode == "app_rank":
            met, value, measured = measures.app_rank(answers, config)
        elif mode == "model_rank":
            met, value, measured = measures.model_rank(answers, config)
        else:
            met, value, measured = measures.token_share(answers, config, question)
        return self._decide(met, value, measured, config, question, now)

    @staticmethod
    def _decide(
        met: bool, value: str, measured: str, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        """The shared rule, after ``decide_from``: before it nothing is proposed."""
        start = parse_when(config.get("decide_from"))
        if start is not None and aware(now) < start:
            state = "met" if met else "not met"
            explanation = (
                f"{measured}: condition {state} now; it is decided from {show_when(start)}"
            )
            return Verdict(Outcome.UNDETERMINED, value, one_line(explanation))
        return decide(met, value, measured, config, question, now)
