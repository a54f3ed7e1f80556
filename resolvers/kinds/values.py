"""Shared reading of values: ISO dates, numbers, text snippets, response bodies, comparison.

Pure helpers the kinds use to read evidence and to say what they measured; the one
comparison rule (``compare``) that every threshold goes through lives here too.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from resolvers.fetcher import FetchResult
from resolvers.kinds.errors import EvaluationError

API_BASE_DEFAULTS = {
    "huggingface": "https://huggingface.co",
    "github": "https://api.github.com",
    "wikipedia": "https://en.wikipedia.org",
    "federal_register": "https://www.federalregister.gov",
    "openrouter": "https://openrouter.ai",
    "manifold": "https://api.manifold.markets",
    "metaculus": "https://www.metaculus.com",
    "polymarket": "https://gamma-api.polymarket.com",
    "gdelt": "https://api.gdeltproject.org",
    "similarweb": "https://api.similarweb.com",
    # The tabular kind's named providers (config "provider" + "path").
    "artificial_analysis": "https://artificialanalysis.ai",
    "harbor_hub": "https://ofhuhcpkvzjlejydnvyd.supabase.co",  # Terminal-Bench leaderboards
    "hf_datasets_server": "https://datasets-server.huggingface.co",
}

# How much of a matched text, a title or a JSON value goes into a value or an explanation.
SNIPPET = 120


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


def aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def show_when(when: datetime) -> str:
    """A datetime the way an explanation shows it: the date alone when it is midnight UTC."""
    when = when.astimezone(UTC)
    if when.time() == datetime.min.time():
        return when.date().isoformat()
    return when.strftime("%Y-%m-%d %H:%M UTC")


def as_text(value: Any) -> str:
    """A JSON value as the text a person reads: strings bare, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def short(text: str, limit: int = SNIPPET) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_number(value: Any) -> Decimal | None:
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


def show_number(number: Any) -> str:
    decimal = as_number(number)
    if decimal is None:
        return as_text(number)
    if decimal == decimal.to_integral_value():
        return f"{int(decimal):,}"
    return f"{decimal.normalize():,f}"


def status_ok(evidence: FetchResult, what: str) -> None:
    if not 200 <= evidence.status < 300:
        raise EvaluationError(f"{what} answered HTTP {evidence.status} ({evidence.url})")


def decode_text(evidence: FetchResult) -> str:
    charset = "utf-8"
    match = re.search(r"charset=[\"']?([\w.:-]+)", evidence.content_type or "", re.IGNORECASE)
    if match:
        charset = match.group(1)
    try:
        return evidence.body.decode(charset, errors="replace")
    except LookupError:
        return evidence.body.decode("utf-8", errors="replace")


def json_body(evidence: FetchResult, what: str) -> Any:
    try:
        return json.loads(evidence.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{what} did not answer valid JSON ({evidence.url}): {exc}") from exc


def api_base(name: str) -> str:
    bases = {**API_BASE_DEFAULTS, **(getattr(settings, "RESOLVER_API_BASES", None) or {})}
    return bases[name].rstrip("/")


def regex_flags(names: list[str] | None) -> int:
    flags = 0
    for name in names or []:
        flags |= getattr(re, name)
    return flags


COMPARATORS = (">", ">=", "<", "<=", "==", "!=", "exists", "contains")
ORDERING = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def show_threshold(threshold: Any) -> str:
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        return show_number(threshold)
    return as_text(threshold)


def _equal(value: Any, threshold: Any) -> bool:
    """Equality by meaning: booleans as booleans, numbers as numbers, dates as dates."""
    if isinstance(threshold, bool) or isinstance(value, bool):
        return value is threshold
    number, limit = as_number(value), as_number(threshold)
    if number is not None and limit is not None:
        return number == limit
    when, limit_when = parse_when(value), parse_when(threshold)
    if when is not None and limit_when is not None:
        return when == limit_when
    return as_text(value) == as_text(threshold)


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
            return as_text(threshold) in value
        if isinstance(value, dict):
            return as_text(threshold) in value
        raise EvaluationError(f"'contains' needs a list or a text, not {short(as_text(value))}")
    order = ORDERING[comparator]
    if isinstance(threshold, bool) or isinstance(value, bool):
        raise EvaluationError(f"cannot order booleans ({as_text(value)} {comparator})")
    limit_when = parse_when(threshold)
    if limit_when is not None:
        when = parse_when(value)
        if when is None:
            raise EvaluationError(f"the value {short(as_text(value))} is not a date")
        return order(when, limit_when)
    limit = as_number(threshold)
    if limit is not None:
        number = as_number(value)
        if number is None:
            raise EvaluationError(f"the value {short(as_text(value))} is not a number")
        return order(number, limit)
    if isinstance(value, str):
        return order(value, threshold)
    raise EvaluationError(f"the value {short(as_text(value))} is not a text")


def one_line(text: str) -> str:
    return " ".join(text.split())


def combined_evidence(url: str, answers: dict[str, Any], duration_ms: int) -> FetchResult:
    """Several JSON answers kept as one piece of evidence: a body ``{request url: answer}``
    whose hash is the body's, so a kind that makes several requests stores one record."""
    body = json.dumps(answers, sort_keys=True, separators=(",", ":")).encode()
    return FetchResult(
        url=url,
        status=200,
        content_type="application/json",
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        duration_ms=duration_ms,
    )
