"""Resolver kinds: how a source's config becomes a request, and its response a verdict.

A kind is a registered class with a JSON Schema for its config and two steps:

* ``fetch(config) -> FetchResult`` builds the real API URL and goes through the safe fetcher
  (``resolvers.fetcher.fetch``), the only way a resolver reaches the network. A FetchError
  raised there propagates to the caller untouched.
* ``evaluate(evidence, config, question, now) -> Verdict`` reads the evidence and applies the
  shared decision rule for "will X happen by the deadline": the condition is met -> ``yes``;
  otherwise, once ``now`` is at or past the decision date (config ``decide_no_after`` if given,
  else the question's ``closes_at``) -> ``no``; otherwise ``undetermined``. Data the kind
  cannot interpret (an unexpected HTTP status, malformed JSON, a missing field) raises
  ``EvaluationError``, which the caller records as a failed check. A 404 that means "does not
  exist" (a Hugging Face model, a Wikipedia page) is a legitimate "condition not met".

Dates in configs are ISO 8601: a date (``2026-05-01``, meaning 00:00 UTC that day, except an
``until`` bound, which takes in the whole day) or a datetime (``2026-05-01T12:00:00Z``; one
without an offset is UTC).

Only ``http_json`` (with ``option_map``) resolves multiple-choice questions; every other kind
raises EvaluationError for one (see ``ResolverKind.supports_multiple_choice``).
"""

from __future__ import annotations

import abc
import calendar
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import feedparser
import jmespath
import jmespath.exceptions
from django.conf import settings
from jsonschema import Draft202012Validator

from config.errors import ApplicationError
from resolvers import fetcher
from resolvers.fetcher import FetchResult

API_BASE_DEFAULTS = {
    "huggingface": "https://huggingface.co",
    "github": "https://api.github.com",
    "wikipedia": "https://en.wikipedia.org",
    "federal_register": "https://www.federalregister.gov",
}

# How much of a matched text, a title or a JSON value goes into a value or an explanation.
_SNIPPET = 120


@dataclass(frozen=True)
class QuestionFacts:
    """What a kind may know about the question (no ORM objects)."""

    kind: str  # "binary" | "multiple_choice"
    options: tuple[str, ...]  # option labels in order (empty for binary)
    opens_at: datetime
    closes_at: datetime
    resolve_by: datetime


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "yes" | "no" | "undetermined" | "option:<label>"
    value: str  # the extracted value as text
    explanation: str  # one line: what was measured against what


class EvaluationError(Exception):
    """The evidence cannot be interpreted; the caller records a failed check."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Helpers shared by the kinds


_ISO_DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def parse_when(text: Any, *, end_of_day: bool = False) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 date or datetime, or None if it is not one.

    A bare date means 00:00 UTC that day, or the last instant of it with ``end_of_day``.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ISO_DATE_RE.match(text):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if end_of_day and _DATE_ONLY_RE.match(text):
        when = when + timedelta(days=1) - timedelta(microseconds=1)
    return when


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _show_when(when: datetime) -> str:
    """A datetime the way an explanation shows it: the date alone when it is midnight UTC."""
    when = when.astimezone(UTC)
    if when.time() == datetime.min.time():
        return when.date().isoformat()
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _as_text(value: Any) -> str:
    """A JSON value as the text a person reads: strings bare, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _short(text: str, limit: int = _SNIPPET) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: Any) -> Decimal | None:
    """A JSON number or a numeric string as a Decimal; None for anything else (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if isinstance(value, str) and _NUMBER_RE.match(value.strip()):
        return Decimal(value.strip())
    return None


def _show_number(number: Any) -> str:
    decimal = _number(number)
    if decimal is None:
        return _as_text(number)
    if decimal == decimal.to_integral_value():
        return f"{int(decimal):,}"
    return f"{decimal.normalize():,f}"


def _status_ok(evidence: FetchResult, what: str) -> None:
    if not 200 <= evidence.status < 300:
        raise EvaluationError(f"{what} answered HTTP {evidence.status} ({evidence.url})")


def _decode_text(evidence: FetchResult) -> str:
    charset = "utf-8"
    match = re.search(r"charset=[\"']?([\w.:-]+)", evidence.content_type or "", re.IGNORECASE)
    if match:
        charset = match.group(1)
    try:
        return evidence.body.decode(charset, errors="replace")
    except LookupError:
        return evidence.body.decode("utf-8", errors="replace")


def _json_body(evidence: FetchResult, what: str) -> Any:
    try:
        return json.loads(evidence.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{what} did not answer valid JSON ({evidence.url}): {exc}") from exc


def _api_base(name: str) -> str:
    bases = {**API_BASE_DEFAULTS, **(getattr(settings, "RESOLVER_API_BASES", None) or {})}
    return bases[name].rstrip("/")


def _regex_flags(names: list[str] | None) -> int:
    flags = 0
    for name in names or []:
        flags |= getattr(re, name)
    return flags


def _require_binary(kind: ResolverKind, question: QuestionFacts) -> None:
    if question.kind != "binary":
        raise EvaluationError(
            f"the {kind.name} resolver decides binary questions only, "
            f"not a {question.kind} question"
        )


def decision_date(config: dict, question: QuestionFacts) -> datetime:
    """From when an unmet condition resolves no: ``decide_no_after``, else the question's
    close. (Callers may use it to stop scheduling checks.)"""
    given = parse_when(config.get("decide_no_after"))
    return given if given is not None else _aware(question.closes_at)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _decide(
    met: bool, value: str, measured: str, config: dict, question: QuestionFacts, now: datetime
) -> Verdict:
    """The shared rule: met -> yes; not met at or past the decision date -> no; else wait."""
    if met:
        return Verdict("yes", value, _one_line(f"{measured}: condition met"))
    decision = decision_date(config, question)
    shown = decision.strftime("%Y-%m-%d %H:%M UTC")
    if _aware(now) >= decision:
        explanation = f"{measured}: condition not met by the decision date {shown}"
        return Verdict("no", value, _one_line(explanation))
    explanation = f"{measured}: condition not met yet; it resolves no at {shown} if still unmet"
    return Verdict("undetermined", value, _one_line(explanation))


# ---------------------------------------------------------------------------------------------
# Config schemas: shared pieces

_HTTP_URL = {"type": "string", "minLength": 1, "maxLength": 2000}
_DATE = {"type": "string", "maxLength": 40}  # parsed by the kind's own check
_DECIDE_NO_AFTER = {
    **_DATE,
    "description": "ISO date/datetime from which an unmet condition resolves no "
    "(default: the question's close).",
}
_FLAGS = {
    "type": "array",
    "items": {"enum": ["IGNORECASE", "MULTILINE", "DOTALL"]},
    "uniqueItems": True,
}
_TERMS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 200},
    "minItems": 1,
    "maxItems": 20,
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _object(properties: dict, required: list[str], **extra: Any) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        **extra,
    }


class _Problems:
    """Offending config fields, collected then raised as one ApplicationError."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(f"config.{field}" if field else "config", message)

    def url(self, config: dict, field: str = "url") -> None:
        value = config.get(field)
        if value is None:
            return
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            self.add(field, "must be an http or https URL")
        elif "@" in parts.netloc or any(char.isspace() for char in value):
            self.add(field, "must not hold credentials or spaces")

    def regex(self, config: dict, field: str, flags_field: str | None = None) -> None:
        if field not in config:
            return
        try:
            re.compile(config[field], _regex_flags(config.get(flags_field) if flags_field else []))
        except re.error as exc:
            self.add(field, f"is not a valid regular expression: {exc}")

    def when(self, config: dict, *fields: str) -> None:
        for field in fields:
            if field in config and parse_when(config[field]) is None:
                self.add(field, "must be an ISO 8601 date or datetime, e.g. 2026-05-01")

    def ordered(self, config: dict, first: str, second: str) -> None:
        start = parse_when(config.get(first))
        end = parse_when(config.get(second), end_of_day=True)
        if start is not None and end is not None and end < start:
            self.add(second, f"must not be before {first}")

    def name(self, config: dict, field: str, value: Any = None, label: str | None = None) -> None:
        value = config.get(field) if value is None else value
        if isinstance(value, str) and (not _NAME.match(value) or value in (".", "..")):
            self.add(label or field, "may hold only letters, digits, '-', '_' and '.'")

    def raise_if_any(self) -> None:
        if self.fields:
            raise ApplicationError.invalid_fields(self.fields)


# ---------------------------------------------------------------------------------------------
# The kinds


class ResolverKind(abc.ABC):
    """Base class: a name, a label, a config schema, then fetch and evaluate."""

    name: ClassVar[str]
    label: ClassVar[str]
    config_schema: ClassVar[dict]
    supports_multiple_choice: ClassVar[bool] = False
    fetches: ClassVar[bool] = True  # False for `manual`, whose fetch returns None

    def check_config(self, config: dict, problems: _Problems) -> None:  # noqa: B027
        """Kind-specific checks after the schema passed; add problems by field. Most kinds
        need none beyond their schema, so the default checks nothing more."""

    @abc.abstractmethod
    def fetch(self, config: dict) -> FetchResult:
        """Read the source through the safe fetcher (every kind defines this)."""

    @abc.abstractmethod
    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        """Decide yes / no / option / undetermined from the evidence (every kind defines this)."""


class ManualKind(ResolverKind):
    """An admin decides. Nothing is fetched: ``fetch`` returns None (callers should not
    schedule checks for a manual source), and ``evaluate`` is always undetermined."""

    name = "manual"
    label = "Manual (an admin resolves)"
    config_schema = _object(
        {"instructions": {"type": "string", "maxLength": 4000}},
        [],
        description="Resolved by an admin; instructions say what to look at.",
    )
    supports_multiple_choice = True
    fetches = False

    def fetch(self, config: dict) -> None:  # type: ignore[override]
        return None

    def evaluate(
        self, evidence: FetchResult | None, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        instructions = _short(config.get("instructions") or "", 200)
        explanation = "Resolved manually by an admin"
        if instructions:
            explanation += f": {instructions}"
        return Verdict("undetermined", "", explanation)


COMPARATORS = (">", ">=", "<", "<=", "==", "!=", "exists", "contains")
_ORDERING = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _show_threshold(threshold: Any) -> str:
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        return _show_number(threshold)
    return _as_text(threshold)


def _equal(value: Any, threshold: Any) -> bool:
    """Equality by meaning: booleans as booleans, numbers as numbers, dates as dates."""
    if isinstance(threshold, bool) or isinstance(value, bool):
        return value is threshold
    number, limit = _number(value), _number(threshold)
    if number is not None and limit is not None:
        return number == limit
    when, limit_when = parse_when(value), parse_when(threshold)
    if when is not None and limit_when is not None:
        return when == limit_when
    return _as_text(value) == _as_text(threshold)


def compare(value: Any, comparator: str, threshold: Any) -> bool:
    """Whether ``value <comparator> threshold`` holds; EvaluationError if it cannot be said.

    Numbers (and numeric strings) compare as numbers; when both sides parse as ISO dates
    they compare as dates; other strings compare as text.
    """
    if comparator == "exists":
        return value is not None
    if value is None:
        raise EvaluationError("the expression found nothing in the response")
    if comparator == "==":
        return _equal(value, threshold)
    if comparator == "!=":
        return not _equal(value, threshold)
    if comparator == "contains":
        if isinstance(value, list):
            return any(_equal(item, threshold) for item in value)
        if isinstance(value, str):
            return _as_text(threshold) in value
        if isinstance(value, dict):
            return _as_text(threshold) in value
        raise EvaluationError(f"'contains' needs a list or a text, not {_short(_as_text(value))}")
    order = _ORDERING[comparator]
    if isinstance(threshold, bool) or isinstance(value, bool):
        raise EvaluationError(f"cannot order booleans ({_as_text(value)} {comparator})")
    limit_when = parse_when(threshold)
    if limit_when is not None:
        when = parse_when(value)
        if when is None:
            raise EvaluationError(f"the value {_short(_as_text(value))} is not a date")
        return order(when, limit_when)
    limit = _number(threshold)
    if limit is not None:
        number = _number(value)
        if number is None:
            raise EvaluationError(f"the value {_short(_as_text(value))} is not a number")
        return order(number, limit)
    if isinstance(value, str):
        return order(value, threshold)
    raise EvaluationError(f"the value {_short(_as_text(value))} is not a text")


class HttpJsonKind(ResolverKind):
    """A value picked out of a JSON document by a JMESPath expression, compared with a
    threshold; or, for a multiple-choice question, mapped to an option by ``option_map``."""

    name = "http_json"
    label = "JSON value (JMESPath) compared with a threshold"
    config_schema = _object(
        {
            "url": _HTTP_URL,
            "expression": {"type": "string", "minLength": 1, "maxLength": 1000},
            "comparator": {"enum": list(COMPARATORS)},
            "threshold": {"type": ["number", "string", "boolean"]},
            "option_map": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1},
                "minProperties": 1,
            },
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["url", "expression"],
    )
    supports_multiple_choice = True

    def check_config(self, config: dict, problems: _Problems) -> None:
        problems.url(config)
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
        if comparator in _ORDERING and isinstance(threshold, bool):
            problems.add("threshold", f"a boolean cannot be compared with {comparator!r}")
        if (
            isinstance(threshold, str)
            and re.match(r"^\d{4}-\d{2}-\d{2}", threshold.strip())
            and parse_when(threshold) is None
        ):
            problems.add("threshold", "looks like a date but is not a valid ISO 8601 date")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        return fetcher.fetch(config["url"], headers={"Accept": "application/json"})

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _status_ok(evidence, "the JSON source")
        document = _json_body(evidence, "the JSON source")
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
        text = "" if value is None else _short(_as_text(value), 500)
        if comparator == "exists":
            measured = f"{where} {'exists' if value is not None else 'is missing'}"
        else:
            shown = _show_number(value) if _number(value) is not None else _short(text)
            measured = (
                f"{where} is {shown}, compared {comparator} "
                f"{_show_threshold(config.get('threshold'))}"
            )
        return _decide(met, text, measured, config, question, now)

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
        text = "" if value is None else _as_text(value)
        label = option_map.get(text)
        if label is not None:
            return Verdict(
                f"option:{label}",
                _short(text, 500),
                f"{where} is {_short(text)!r}, which maps to option {label}",
            )
        shown = "missing" if value is None else f"{_short(text)!r}"
        decision = decision_date(config, question)
        shown_decision = decision.strftime("%Y-%m-%d %H:%M UTC")
        if _aware(now) >= decision:
            tail = f"past the decision date {shown_decision}; an admin must resolve it"
        else:
            tail = f"waiting (decision date {shown_decision})"
        return Verdict(
            "undetermined",
            _short(text, 500),
            f"{where} is {shown}, which maps to no option; {tail}",
        )


class HttpTextKind(ResolverKind):
    """A regular expression searched for in a page's raw text (HTML included)."""

    name = "http_text"
    label = "Text on a page (regex present or absent)"
    config_schema = _object(
        {
            "url": _HTTP_URL,
            "pattern": {"type": "string", "minLength": 1, "maxLength": 1000},
            "mode": {"enum": ["present", "absent"]},
            "flags": _FLAGS,
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["url", "pattern", "mode"],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
        problems.url(config)
        problems.regex(config, "pattern", "flags")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        return fetcher.fetch(config["url"])

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        _status_ok(evidence, "the page")
        text = _decode_text(evidence)
        pattern = config["pattern"]
        match = re.search(pattern, text, _regex_flags(config.get("flags")))
        found = match is not None
        value = _short(match.group(0), 500) if match else "no match"
        seen = f"found ({_short(match.group(0))!r})" if match else "not found"
        measured = f"/{pattern}/ {seen} at {evidence.url}, wanted {config['mode']}"
        met = found if config["mode"] == "present" else not found
        return _decide(met, value, measured, config, question, now)


def _entry_when(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text or ""))


class FeedKind(ResolverKind):
    """RSS or Atom entries, dated within [since, until], whose title or summary holds every
    term (case-insensitive); at least ``min_entries`` of them."""

    name = "feed"
    label = "RSS/Atom entries matching terms in a date range"
    config_schema = _object(
        {
            "url": _HTTP_URL,
            "terms": _TERMS,
            "since": _DATE,
            "until": _DATE,
            "min_entries": {"type": "integer", "minimum": 1, "default": 1},
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["url", "terms", "since"],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
        problems.url(config)
        problems.when(config, "since", "until", "decide_no_after")
        problems.ordered(config, "since", "until")

    def fetch(self, config: dict) -> FetchResult:
        accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
        return fetcher.fetch(config["url"], headers={"Accept": accept})

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        _status_ok(evidence, "the feed")
        # A stream, never the bytes: feedparser opens a bytes argument as a local file name
        # when one exists.
        parsed = feedparser.parse(
            io.BytesIO(evidence.body),
            response_headers={"content-type": evidence.content_type or "application/xml"},
        )
        if not parsed.get("version") and not parsed.entries:
            reason = parsed.get("bozo_exception") or "no RSS or Atom document"
            raise EvaluationError(f"the feed at {evidence.url} is not RSS or Atom: {reason}")
        since = parse_when(config["since"])
        until = parse_when(config.get("until"), end_of_day=True)
        terms = [term.casefold() for term in config["terms"]]
        matching = []
        for entry in parsed.entries:
            when = _entry_when(entry)
            if when is None or when < since or (until is not None and when > until):
                continue
            text = f"{_plain(entry.get('title', ''))} {_plain(entry.get('summary', ''))}"
            text = text.casefold()
            if all(term in text for term in terms):
                matching.append((when, _short(_plain(entry.get("title", "")) or "(untitled)", 80)))
        matching.sort()
        minimum = config.get("min_entries", 1)
        count = len(matching)
        value = f"{count} matching {'entry' if count == 1 else 'entries'}"
        window = f"from {_show_when(since)}" + (f" to {_show_when(until)}" if until else "")
        titles = "; ".join(f'"{title}"' for _, title in matching[:3])
        if count > 3:
            titles += f"; and {count - 3} more"
        shown_terms = ", ".join(json.dumps(term, ensure_ascii=False) for term in config["terms"])
        measured = (
            f"{count} of the {len(parsed.entries)} entries in the feed {evidence.url} contain "
            f"all of {shown_terms} and are dated {window}, needed {minimum}"
            + (f" ({titles})" if titles else "")
        )
        return _decide(count >= minimum, value, measured, config, question, now)


_HF_MODES = ("model_exists", "created_after", "downloads_over", "likes_over", "org_download_share")
_HF_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")
_HF_ORGS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 100},
    "minItems": 1,
    "maxItems": 20,
    "uniqueItems": True,
}


def _when_mode(mode: str, required: list[str]) -> dict:
    return {"if": {"properties": {"mode": {"const": mode}}}, "then": {"required": required}}


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
    config_schema = _object(
        {
            "mode": {"enum": list(_HF_MODES)},
            "repo_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "after": _DATE,
            "threshold": {"type": "number", "minimum": 0},
            "all_time": {"type": "boolean", "default": False},
            "orgs": _HF_ORGS,
            "compare_orgs": _HF_ORGS,
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["mode"],
        allOf=[
            _when_mode("model_exists", ["repo_id"]),
            _when_mode("created_after", ["repo_id", "after"]),
            _when_mode("downloads_over", ["repo_id", "threshold"]),
            _when_mode("likes_over", ["repo_id", "threshold"]),
            _when_mode("org_download_share", ["orgs", "compare_orgs", "threshold"]),
        ],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
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
        url = f"{_api_base('huggingface')}/api/models/{quote(config['repo_id'], safe='/')}"
        if config.get("all_time") and config["mode"] == "downloads_over":
            fields = ["downloads", "downloadsAllTime", "likes", "createdAt"]
            url += "?" + urlencode([("expand[]", field) for field in fields])
        return url

    @staticmethod
    def org_url(org: str, limit: int) -> str:
        query = urlencode(
            {"author": org, "sort": "downloads", "direction": "-1", "limit": str(limit)}
        )
        return f"{_api_base('huggingface')}/api/models?{query}"

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
        body = json.dumps(combined, sort_keys=True, separators=(",", ":")).encode()
        return FetchResult(
            url=f"{_api_base('huggingface')}/api/models",
            status=200,
            content_type="application/json",
            body=body,
            sha256=hashlib.sha256(body).hexdigest(),
            duration_ms=duration,
        )

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        if config["mode"] == "org_download_share":
            return self._share(evidence, config, question, now)
        repo_id = config["repo_id"]
        model = f"Hugging Face model {repo_id}"
        if evidence.status in (401, 404):
            return _decide(False, "not found", f"{model} does not exist", config, question, now)
        _status_ok(evidence, "the Hugging Face Hub")
        data = _json_body(evidence, "the Hugging Face Hub")
        if not isinstance(data, dict):
            raise EvaluationError(f"the Hub answered a {type(data).__name__}, not a model")
        mode = config["mode"]
        if mode == "model_exists":
            found = data.get("id") or data.get("modelId") or repo_id
            return _decide(True, "exists", f"{model} exists (as {found})", config, question, now)
        if mode == "created_after":
            created = parse_when(data.get("createdAt"))
            if created is None:
                raise EvaluationError(f"{model} has no valid createdAt in the Hub's answer")
            after = parse_when(config["after"])
            measured = f"{model} was created {_show_when(created)}, wanted on or after " + (
                _show_when(after)
            )
            return _decide(created >= after, created.isoformat(), measured, config, question, now)
        field = "likes"
        if mode == "downloads_over":
            field = "downloadsAllTime" if config.get("all_time") else "downloads"
        count = data.get(field)
        if _number(count) is None or isinstance(count, str):
            raise EvaluationError(f"{model}: the Hub's answer has no numeric {field!r}")
        what = {
            "downloads": "downloads (last 30 days)",
            "downloadsAllTime": "downloads (all time)",
            "likes": "likes",
        }[field]
        measured = (
            f"{model} has {_show_number(count)} {what}, "
            f"threshold {_show_number(config['threshold'])}"
        )
        met = _number(count) >= _number(config["threshold"])
        return _decide(met, _as_text(count), measured, config, question, now)

    def _share(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _status_ok(evidence, "the Hugging Face Hub")
        combined = _json_body(evidence, "the Hugging Face Hub")
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
                if _number(downloads) is None or isinstance(downloads, str):
                    raise EvaluationError(f"a model of {org} has no numeric 'downloads'")
                total += _number(downloads)
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
            f"{', '.join(config['orgs'])}: {_show_number(ours)} of {_show_number(everyone)} "
            f"(with {', '.join(config['compare_orgs'])}) = {share:.1%}, threshold "
            f"{Decimal(str(config['threshold'])):.1%}"
        )
        met = share >= Decimal(str(config["threshold"]))
        return _decide(met, value, measured, config, question, now)


class GitHubReleasesKind(ResolverKind):
    """A published (non-draft) release of a GitHub repository, from its 100 latest:
    tag matching ``tag_pattern`` (searched in tag_name), published on or after ``after``,
    prereleases only with ``include_prereleases``. A 404 (no such repository) is an error."""

    name = "github_releases"
    label = "GitHub release published"
    config_schema = _object(
        {
            "owner": {"type": "string", "minLength": 1, "maxLength": 100},
            "repo": {"type": "string", "minLength": 1, "maxLength": 100},
            "tag_pattern": {"type": "string", "minLength": 1, "maxLength": 500},
            "include_prereleases": {"type": "boolean", "default": False},
            "after": _DATE,
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["owner", "repo"],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
        problems.name(config, "owner")
        problems.name(config, "repo")
        problems.regex(config, "tag_pattern")
        problems.when(config, "after", "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        owner, repo = quote(config["owner"], safe=""), quote(config["repo"], safe="")
        url = f"{_api_base('github')}/repos/{owner}/{repo}/releases?per_page=100"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        return fetcher.fetch(url, headers=headers)

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        _status_ok(evidence, "GitHub")
        releases = _json_body(evidence, "GitHub")
        if not isinstance(releases, list):
            raise EvaluationError("GitHub's answer is not a list of releases")
        pattern = config.get("tag_pattern")
        after = parse_when(config.get("after"))
        prereleases = config.get("include_prereleases", False)
        matching = []
        for release in releases:
            if not isinstance(release, dict) or not isinstance(release.get("tag_name"), str):
                raise EvaluationError("a release in GitHub's answer has no tag_name")
            if release.get("draft") or (release.get("prerelease") and not prereleases):
                continue
            published = parse_when(release.get("published_at"))
            if published is None or (after is not None and published < after):
                continue
            if pattern and not re.search(pattern, release["tag_name"]):
                continue
            matching.append((published, release["tag_name"]))
        matching.sort()
        repo = f"{config['owner']}/{config['repo']}"
        wanted = "release" + ("" if prereleases else " (not prerelease)")
        if pattern:
            wanted += f" with a tag matching /{pattern}/"
        if after is not None:
            wanted += f" published on or after {_show_when(after)}"
        if matching:
            published, tag = matching[0]
            measured = f"GitHub {repo}: {tag} published {_show_when(published)} is a {wanted}" + (
                f" (of {len(matching)} such)" if len(matching) > 1 else ""
            )
            return _decide(True, tag, measured, config, question, now)
        measured = f"GitHub {repo}: none of its {len(releases)} latest releases is a {wanted}"
        return _decide(False, "0 matching releases", measured, config, question, now)


class WikipediaKind(ResolverKind):
    """A Wikipedia page through the MediaWiki API: ``page_exists``, or ``text_matches`` (a
    regex searched in the current wikitext). Redirects are followed unless
    ``follow_redirects`` is false. A missing page is "not met"."""

    name = "wikipedia"
    label = "Wikipedia page (exists, or its text matches)"
    config_schema = _object(
        {
            "mode": {"enum": ["page_exists", "text_matches"]},
            "title": {"type": "string", "minLength": 1, "maxLength": 255},
            "pattern": {"type": "string", "minLength": 1, "maxLength": 1000},
            "flags": _FLAGS,
            "follow_redirects": {"type": "boolean", "default": True},
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["mode", "title"],
        allOf=[_when_mode("text_matches", ["pattern"])],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
        if re.search(r"[#<>\[\]|{}]", config["title"]):
            problems.add("title", "is not a valid page title (no # < > [ ] | { })")
        problems.regex(config, "pattern", "flags")
        problems.when(config, "decide_no_after")

    def fetch(self, config: dict) -> FetchResult:
        query = {
            "action": "query",
            "prop": "revisions",
            "rvprop": "content",
            "rvslots": "main",
            "titles": config["title"],
            "format": "json",
            "formatversion": "2",
        }
        if config.get("follow_redirects", True):
            query["redirects"] = "1"
        return fetcher.fetch(f"{_api_base('wikipedia')}/w/api.php?{urlencode(query)}")

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        _status_ok(evidence, "Wikipedia")
        data = _json_body(evidence, "Wikipedia")
        if isinstance(data, dict) and "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            raise EvaluationError(f"Wikipedia's API refused: {error.get('info', data['error'])}")
        try:
            page = data["query"]["pages"][0]
            title = page["title"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EvaluationError("Wikipedia's answer has no query.pages[0].title") from exc
        if page.get("invalid"):
            raise EvaluationError(f"Wikipedia calls the title invalid: {page.get('invalidreason')}")
        redirected = ""
        redirects = data["query"].get("redirects") or []
        if redirects and isinstance(redirects[0], dict):
            redirected = f" (redirected from {redirects[0].get('from')})"
        page_name = f'Wikipedia page "{title}"{redirected}'
        if page.get("missing"):
            return _decide(False, "missing", f"{page_name} does not exist", config, question, now)
        if config["mode"] == "page_exists":
            return _decide(True, "exists", f"{page_name} exists", config, question, now)
        try:
            content = page["revisions"][0]["slots"]["main"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise EvaluationError(f"Wikipedia's answer has no content for {title!r}") from exc
        if not isinstance(content, str):
            raise EvaluationError(f"Wikipedia's content for {title!r} is not text")
        pattern = config["pattern"]
        match = re.search(pattern, content, _regex_flags(config.get("flags")))
        seen = (
            f"matches /{pattern}/ ({_short(match.group(0))!r})"
            if match
            else (f"does not match /{pattern}/")
        )
        value = _short(match.group(0), 500) if match else "no match"
        return _decide(match is not None, value, f"{page_name} {seen}", config, question, now)


FEDERAL_REGISTER_TYPES = ("RULE", "PRORULE", "NOTICE", "PRESDOCU")


class FederalRegisterKind(ResolverKind):
    """Federal Register documents (the documents.json search API) matching ``terms`` (full
    text, all of them; a term with spaces is searched as a phrase), of the given ``types``,
    published within [since, until]; the API's ``count`` must reach ``min_count``."""

    name = "federal_register"
    label = "Federal Register documents matching terms"
    config_schema = _object(
        {
            "terms": _TERMS,
            "types": {
                "type": "array",
                "items": {"enum": list(FEDERAL_REGISTER_TYPES)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "agencies": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
                "uniqueItems": True,
            },
            "since": _DATE,
            "until": _DATE,
            "min_count": {"type": "integer", "minimum": 1, "default": 1},
            "decide_no_after": _DECIDE_NO_AFTER,
        },
        ["terms", "since"],
    )

    def check_config(self, config: dict, problems: _Problems) -> None:
        problems.when(config, "since", "until", "decide_no_after")
        problems.ordered(config, "since", "until")
        for index, slug in enumerate(config.get("agencies", [])):
            if not re.match(r"^[a-z0-9-]+$", slug):
                problems.add(
                    f"agencies.{index}", "must be an agency slug, e.g. 'commerce-department'"
                )

    @staticmethod
    def search_term(terms: list[str]) -> str:
        return " ".join(f'"{term}"' if " " in term.strip() else term.strip() for term in terms)

    def fetch(self, config: dict) -> FetchResult:
        query: list[tuple[str, str]] = [("conditions[term]", self.search_term(config["terms"]))]
        query += [("conditions[type][]", kind) for kind in config.get("types", [])]
        query += [("conditions[agencies][]", slug) for slug in config.get("agencies", [])]
        query.append(("conditions[publication_date][gte]", parse_when(config["since"]).date()))
        if config.get("until"):
            until = parse_when(config["until"], end_of_day=True).date()
            query.append(("conditions[publication_date][lte]", until))
        query += [("per_page", "20"), ("order", "newest")]
        url = f"{_api_base('federal_register')}/api/v1/documents.json?{urlencode(query)}"
        return fetcher.fetch(url, headers={"Accept": "application/json"})

    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        _require_binary(self, question)
        _status_ok(evidence, "the Federal Register")
        data = _json_body(evidence, "the Federal Register")
        if not isinstance(data, dict) or isinstance(data.get("count"), bool):
            raise EvaluationError("the Federal Register's answer has no document count")
        count = data.get("count")
        if not isinstance(count, int):
            raise EvaluationError("the Federal Register's answer has no document count")
        results = data.get("results") or []
        if not isinstance(results, list):
            raise EvaluationError("the Federal Register's results are not a list")
        minimum = config.get("min_count", 1)
        since = parse_when(config["since"]).date()
        window = f"published from {since}"
        if config.get("until"):
            window += f" to {parse_when(config['until'], end_of_day=True).date()}"
        types = "/".join(config.get("types", [])) or "any type"
        newest = ""
        if results and isinstance(results[0], dict) and results[0].get("title"):
            first = results[0]
            newest = (
                f'; newest: "{_short(first["title"], 80)}" '
                f"({first.get('publication_date', 'undated')})"
            )
        value = f"{count} document{'' if count == 1 else 's'}"
        measured = (
            f"Federal Register: {value} ({types}) matching {self.search_term(config['terms'])} "
            f"{window}, needed {minimum}{newest}"
        )
        return _decide(count >= minimum, str(count), measured, config, question, now)


# ---------------------------------------------------------------------------------------------
# Registry and validation

REGISTRY: dict[str, ResolverKind] = {
    kind.name: kind
    for kind in (
        ManualKind(),
        HttpJsonKind(),
        HttpTextKind(),
        FeedKind(),
        HuggingFaceKind(),
        GitHubReleasesKind(),
        WikipediaKind(),
        FederalRegisterKind(),
    )
}

KIND_CHOICES: tuple[tuple[str, str], ...] = tuple((k.name, k.label) for k in REGISTRY.values())


def get_kind(name: str) -> ResolverKind:
    """The registered kind called ``name``; an ApplicationError naming ``kind`` otherwise."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ApplicationError.invalid_fields(
            {"kind": f"unknown resolver kind {name!r}; one of {', '.join(REGISTRY)}"}
        ) from None


_TYPE_NAMES = {
    "string": "a text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


def _schema_message(error: Any) -> str:
    validator = error.validator
    if validator == "enum":
        return f"must be one of: {', '.join(map(str, error.validator_value))}"
    if validator == "const":
        return f"must be {error.validator_value!r}"
    if validator == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, list) else [wanted]
        return "must be " + " or ".join(_TYPE_NAMES.get(name, name) for name in wanted)
    if validator == "minLength" and error.validator_value == 1:
        return "must not be empty"
    if validator == "minItems":
        return f"needs at least {error.validator_value} item(s)"
    return error.message


def _schema_problems(schema: dict, config: dict, problems: _Problems) -> None:
    validator = Draft202012Validator(schema)
    errors = validator.iter_errors(config)
    for error in sorted(errors, key=lambda e: [str(part) for part in e.absolute_path]):
        path = ".".join(str(part) for part in error.absolute_path)
        prefix = f"{path}." if path else ""
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    problems.add(f"{prefix}{name}", "is required")
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for name in error.instance:
                if name not in known:
                    problems.add(f"{prefix}{name}", "is not a setting of this kind")
        else:
            problems.add(path, _schema_message(error))


def validate_config(kind: str, config: dict) -> dict:
    """Check ``config`` against the kind's schema, then the kind's own checks (JMESPath and
    regexes compile, dates parse, URLs are http(s)). Raises ApplicationError naming every
    offending field as ``config.<path>``; returns the config."""
    resolver = get_kind(kind)
    if not isinstance(config, dict):
        raise ApplicationError.invalid_fields({"config": "must be a JSON object"})
    problems = _Problems()
    _schema_problems(resolver.config_schema, config, problems)
    problems.raise_if_any()
    resolver.check_config(config, problems)
    problems.raise_if_any()
    return config
