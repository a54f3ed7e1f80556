"""The ``http_json`` kind: a value picked out of a JSON document by JMESPath."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import jmespath
import jmespath.exceptions

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import (
    Outcome,
    QuestionFacts,
    ResolverKind,
    Verdict,
    decide,
    decision_date,
)
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.schemas import DECIDE_NO_AFTER, HTTP_URL, config_object
from resolvers.kinds.secrets import API_KEY_PROPERTIES, key_headers
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import (
    COMPARATORS,
    ORDERING,
    as_number,
    as_text,
    aware,
    compare,
    json_body,
    parse_when,
    short,
    show_number,
    show_threshold,
    status_ok,
)


class HttpJsonKind(ResolverKind):
    """A value picked out of a JSON document by a JMESPath expression, compared with a
    threshold; or, for a multiple-choice question, mapped to an option by ``option_map``."""

    name = "http_json"
    label = "JSON value (JMESPath) compared with a threshold"
    config_schema = config_object(
        {
            "url": HTTP_URL,
            "expression": {"type": "string", "minLength": 1, "maxLength": 1000},
            "comparator": {"enum": list(COMPARATORS)},
            "threshold": {"type": ["number", "string", "boolean"]},
            "option_map": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "minProperties": 1,
            },
            "decide_no_after": DECIDE_NO_AFTER,
            **API_KEY_PROPERTIES,
        },
        ["url", "expression"],
    )
    supports_multiple_choice = True

    def check_config(self, config: dict, problems: Problems) -> None:
        problems.url(config)
        problems.secret(config, "api_key", config["url"])
        try:
            jmespath.compile(config["expression"])
        except jmespath.exceptions.JMESPathError as exc:
            problems.add("expression", f"is not a valid JMESPath expression: {exc}")
        comparator = config.get("comparator")
        if comparator is None and "option_map" not in config:
            problems.add("comparator", "is required (or an option_map, for multiple choice)")
        if comparator not in (None, "exists") and "threshold" not in config:
            problems.add("threshold", f"is required with the comparator {comparator!r}")
        threshold = config.get("threshold")
        if comparator in ORDERING and isinstance(threshold, bool):
            problems.add("threshold", f"a boolean cannot be compared with {comparator!r}")
        if (
            isinstance(threshold, str)
            and re.match(r"^\d{4}-\d{2}-\d{2}", threshold.strip())
            and parse_when(threshold) is None
        ):
            problems.add("threshold", "looks like a date but is not a valid ISO 8601 date")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        return fetcher.fetch(
            config["url"],
            headers={"Accept": "application/json"},
            secret_headers=key_headers(config, config["url"]),
        )

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        status_ok(evidence, "the JSON source")
        document = json_body(evidence, "the JSON source")
        expression = config["expression"]
        try:
            value = jmespath.search(expression, document)
        except jmespath.exceptions.JMESPathError as exc:
            raise EvaluationError(f"JMESPath {expression!r} failed on the response: {exc}") from exc
        where = f"`{expression}` at {evidence.url}"
        if question.kind == "multiple_choice":
            return self._option(value, where, config, question, now)
        comparator = config.get("comparator")
        if comparator is None:
            raise EvaluationError("a binary question needs a comparator, not only an option_map")
        if value is None and comparator != "exists":
            raise EvaluationError(f"{where} found nothing in the response")
        met = compare(value, comparator, config.get("threshold"))
        text = "" if value is None else short(as_text(value), 500)
        if comparator == "exists":
            measured = f"{where} {'exists' if value is not None else 'is missing'}"
        else:
            shown = show_number(value) if as_number(value) is not None else short(text)
            measured = (
                f"{where} is {shown}, compared {comparator} "
                f"{show_threshold(config.get('threshold'))}"
            )
        return decide(met, text, measured, config, question, now)

    def _option(
        self, value: Any, where: str, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        option_map = config.get("option_map")
        if not option_map:
            raise EvaluationError("a multiple-choice question needs an option_map")
        unknown = sorted(set(option_map.values()) - set(question.options))
        if unknown:
            raise EvaluationError(
                f"option_map names {', '.join(map(repr, unknown))}, not an option of the question"
            )
        text = "" if value is None else as_text(value)
        label = option_map.get(text)
        if label is not None:
            return Verdict(
                Outcome.OPTION,
                short(text, 500),
                f"{where} is {short(text)!r}, which maps to option {label}",
                option=label,
            )
        shown = "missing" if value is None else f"{short(text)!r}"
        decision = decision_date(config, question)
        shown_decision = decision.strftime("%Y-%m-%d %H:%M UTC")
        if aware(now) >= decision:
            tail = f"past the decision date {shown_decision}; an admin must resolve it"
        else:
            tail = f"waiting (decision date {shown_decision})"
        return Verdict(
            Outcome.UNDETERMINED,
            short(text, 500),
            f"{where} is {shown}, which maps to no option; {tail}",
        )
