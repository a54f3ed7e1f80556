"""The ``forecast_platform`` kind: how Manifold, Metaculus or Polymarket resolved the same
question, read from their public APIs and mapped to yes / no / annulled (or an option).

The kind follows the platform and never decides on its own: a market not resolved yet is
undetermined, even past the question's close ("waiting for Manifold to resolve"), since
the platform, not the calendar, says no. A resolution to a probability (Manifold's MKT), an
answer that maps to no option, or an answer it cannot read is inconclusive with the reason.
Like every kind it only proposes: the proposal becomes final after the dispute window, and
a platform that re-resolves (yes, then no) holds it for an admin (services' flip guard).
"""

from __future__ import annotations

import re
from datetime import datetime
from types import ModuleType

from resolvers import fetcher
from resolvers.fetcher import FetchResult
from resolvers.kinds.base import Outcome, QuestionFacts, ResolverKind, Verdict
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.forecast_platform import manifold, metaculus, polymarket
from resolvers.kinds.forecast_platform.reading import (
    ANNULLED,
    ANSWER,
    YES,
    Reading,
    State,
    when_text,
)
from resolvers.kinds.schemas import config_object
from resolvers.kinds.secrets import SECRET_REF
from resolvers.kinds.validation import Problems
from resolvers.kinds.values import aware, json_body, one_line, short, show_when

PLATFORMS: dict[str, ModuleType] = {
    "manifold": manifold,
    "metaculus": metaculus,
    "polymarket": polymarket,
}
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ID_RES = {"manifold": re.compile(r"^[A-Za-z0-9]+$"), "polymarket": re.compile(r"^[0-9]+$")}
# Settings only one platform reads.
ONLY_FOR = {"answer": "manifold", "yes_outcome": "polymarket", "api_key": "metaculus"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 300}

CONFIG_SCHEMA = config_object(
    {
        "platform": {
            "enum": list(PLATFORMS),
            "description": "The forecasting platform whose resolution this question follows.",
        },
        "slug": {
            **TEXT,
            "description": "Manifold or Polymarket: the market's slug, the last part of its "
            "page address (manifold.markets/<user>/<slug>, polymarket.com/market/<slug>).",
            "examples": ["will-an-open-weight-model-top-lmarena-by-2027"],
        },
        "id": {
            "type": ["string", "integer"],
            "description": "Instead of a slug: the Manifold market id or the numeric "
            "Polymarket market id. Metaculus needs it: the post number in "
            "metaculus.com/questions/<id>/.",
            "examples": [31467],
        },
        "answer": {
            **TEXT,
            "description": "Manifold, binary question on a multiple-choice market: the answer "
            "(its text or id) whose resolution decides the question.",
        },
        "yes_outcome": {
            **TEXT,
            "default": "Yes",
            "description": "Polymarket, binary question: the outcome that means yes, for a "
            'market whose outcomes are not "Yes" and "No".',
        },
        "option_map": {
            "type": "object",
            "additionalProperties": {"type": "string", "minLength": 1},
            "minProperties": 1,
            "description": "Multiple-choice question: the platform's answer (or outcome) -> "
            "the question's option. Without it an answer matches the option of the same "
            "name (case ignored).",
            "examples": [{"OpenAI": "An American lab", "DeepSeek": "A Chinese lab"}],
        },
        "api_key": {
            **SECRET_REF,
            "description": "Metaculus only: a Metaculus API token, named as "
            '{"secret": "METACULUS_TOKEN"}, sent as "Authorization: Token ...".',
        },
    },
    ["platform"],
)


class ForecastPlatformKind(ResolverKind):
    """The resolution of the same question on Manifold, Metaculus or Polymarket (one
    request; see docs/resolvers/forecast_platform.md)."""

    name = "forecast_platform"
    label = "Resolution on Manifold, Metaculus or Polymarket"
    config_schema = CONFIG_SCHEMA
    supports_multiple_choice = True

    def check_config(self, config: dict, problems: Problems) -> None:
        platform = config["platform"]
        for field, only in ONLY_FOR.items():
            if field in config and platform != only:
                problems.add(field, f"is a setting of {only} only, not of {platform}")
        slug, given_id = config.get("slug"), config.get("id")
        if (slug is None) == (given_id is None) and platform != "metaculus":
            problems.add("slug", "give the market's slug or its id (exactly one)")
        if platform == "metaculus":
            if slug is not None:
                problems.add("slug", "Metaculus posts are named by id: the number in the address")
            if not _positive_integer(given_id):
                problems.add("id", "is required: the Metaculus post number, e.g. 31467")
            else:
                problems.secret(config, "api_key", metaculus.url(config))
        else:
            if slug is not None and not SLUG_RE.match(slug):
                problems.add(
                    "slug", "must be the slug from the market's address: letters, digits, '-'"
                )
            if given_id is not None and not ID_RES[platform].match(str(given_id)):
                wanted = "letters and digits" if platform == "manifold" else "digits"
                problems.add("id", f"a {platform} market id has {wanted} only")

    @staticmethod
    def platform(config: dict) -> ModuleType:
        return PLATFORMS[config["platform"]]

    def fetch(self, config: dict) -> FetchResult:
        module = self.platform(config)
        secret = metaculus.secret_headers(config) if module is metaculus else {}
        return fetcher.fetch(
            module.url(config), headers={"Accept": "application/json"}, secret_headers=secret
        )

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        module = self.platform(config)
        if evidence.status in (401, 403, 404, 410):
            raise EvaluationError(module.missing(evidence.status, config))
        if not 200 <= evidence.status < 300:
            raise EvaluationError(f"{module.NAME} answered HTTP {evidence.status} ({evidence.url})")
        data = json_body(evidence, module.NAME)
        if not isinstance(data, dict):
            raise EvaluationError(f"{module.NAME} did not answer one market as a JSON object")
        multiple_choice = question.kind == "multiple_choice"
        reading = module.read(data, config, multiple_choice, aware(now))
        if reading.state == State.RESOLVED:
            return _resolved(reading, config, question)
        return _waiting(reading, question, aware(now))


def _positive_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    # isdigit() alone takes '²' and thousands of digits, which int() refuses; no post
    # number runs to 19 digits.
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return False
    return len(value) <= 18 and int(value) > 0


def _resolved(reading: Reading, config: dict, question: QuestionFacts) -> Verdict:
    said = f"{reading.platform} resolved {reading.market}"
    on = f"on {when_text(reading.resolved_at)}"
    if reading.outcome == ANNULLED:
        explanation = f"{said} as void ({reading.raw}) {on}, so the question is annulled"
        return Verdict(Outcome.ANNULLED, reading.raw, one_line(explanation))
    if reading.outcome == ANSWER:
        label = _option(reading.answer, config, question)
        if label is None:
            raise EvaluationError(
                f'{said} "{short(reading.answer, 80)}" {on}, which maps to no option of the '
                "question (option_map); a person decides"
            )
        explanation = f'{said} "{short(reading.answer, 80)}" {on}: option {label}'
        return Verdict(Outcome.OPTION, reading.raw, one_line(explanation), option=label)
    outcome = Outcome.YES if reading.outcome == YES else Outcome.NO
    return Verdict(outcome, reading.raw, one_line(f"{said} {reading.raw} {on}"))


def _option(answer: str, config: dict, question: QuestionFacts) -> str | None:
    """The question's option for the platform's answer: by option_map, else by name."""
    option_map = config.get("option_map")
    if option_map:
        unknown = sorted(set(option_map.values()) - set(question.options))
        if unknown:
            raise EvaluationError(
                f"option_map names {', '.join(map(repr, unknown))}, not an option of the question"
            )
        wanted = {key.strip().casefold(): label for key, label in option_map.items()}
        return wanted.get(answer.strip().casefold())
    by_name = {label.strip().casefold(): label for label in question.options}
    return by_name.get(answer.strip().casefold())


def _waiting(reading: Reading, question: QuestionFacts, now: datetime) -> Verdict:
    """Not resolved on the platform: undetermined, with its state, odds and close date."""
    if reading.state == State.PENDING:
        state = reading.note
    elif reading.state == State.CLOSED:
        state = f"closed {when_text(reading.closes_at)}, not resolved"
    else:
        state = f"open, closes {when_text(reading.closes_at)}"
    odds = reading.odds()
    detail = f"{state}; {odds}" if odds else state
    closes = aware(question.closes_at)
    if now < closes:
        explanation = (
            f"{reading.platform} has not resolved {reading.market} yet ({detail}); "
            f"this question follows its resolution"
        )
    else:
        explanation = (
            f"waiting for {reading.platform} to resolve {reading.market} ({detail}); "
            f"the question closed {show_when(closes)}"
        )
        resolve_by = aware(question.resolve_by)
        if now >= resolve_by:
            explanation += (
                f"; its resolve-by date {show_when(resolve_by)} has passed, "
                "so staff may resolve it by hand"
            )
    value = f"{reading.raw}, {odds}" if odds else reading.raw
    return Verdict(Outcome.UNDETERMINED, value, one_line(explanation))
