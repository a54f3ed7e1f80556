"""A source's config checked against its kind: the JSON Schema first, then the kind's own
checks, each problem a sentence keyed by the field (``config.<path>``), which the API's 400
and the admin's form both show next to the field."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from resolvers.kinds.errors import ConfigError
from resolvers.kinds.registry import get_kind
from resolvers.kinds.schemas import NAME_RE
from resolvers.kinds.secrets import secret_problem
from resolvers.kinds.values import parse_when, regex_flags


class Problems:
    """Offending config fields, collected then raised as one ConfigError."""

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
            re.compile(config[field], regex_flags(config.get(flags_field) if flags_field else []))
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
        if isinstance(value, str) and (not NAME_RE.match(value) or value in (".", "..")):
            self.add(label or field, "may hold only letters, digits, '-', '_' and '.'")

    def secret(self, config: dict, field: str, url: str) -> None:
        """The API key named in ``field``, when configured, may go to ``url``'s host. A key
        not configured yet is allowed: its checks fail with a sentence until it is."""
        ref = config.get(field)
        if isinstance(ref, dict) and "secret" in ref:
            problem = secret_problem(ref, url, configured_only=True)
            if problem is not None:
                self.add(f"{field}.secret", problem)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ConfigError(dict(self.fields))


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


def _schema_problems(schema: dict, config: dict, problems: Problems) -> None:
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable_strings(value: Any, path: str, problems: Problems, depth: int = 0) -> None:
    """Strings in the config (keys too) that no database can store: a NUL byte, a lone
    surrogate. Checked before the schema, so a config of them is refused by field."""
    if depth > 32:
        problems.add(path, "is nested too deeply")
        return
    if isinstance(value, str):
        if "\x00" in value:
            problems.add(path, "must not contain NUL bytes")
        elif _SURROGATE.search(value):
            problems.add(path, "must not contain lone surrogates (broken Unicode)")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and ("\x00" in key or _SURROGATE.search(key)):
                problems.add(path, "has a setting name with a NUL byte or a lone surrogate")
                continue
            _unstorable_strings(item, name, problems, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _unstorable_strings(
                item, f"{path}.{index}" if path else str(index), problems, depth + 1
            )


def validate_config(kind: str, config: dict) -> dict:
    """Check ``config`` against the kind's schema, then the kind's own checks (JMESPath and
    regexes compile, dates parse, URLs are http(s)). Raises ConfigError naming every
    offending field as ``config.<path>``; returns the config."""
    resolver = get_kind(kind)
    if not isinstance(config, dict):
        raise ConfigError({"config": "must be a JSON object"})
    problems = Problems()
    _unstorable_strings(config, "", problems)
    problems.raise_if_any()
    _schema_problems(resolver.config_schema, config, problems)
    problems.raise_if_any()
    resolver.check_config(config, problems)
    problems.raise_if_any()
    return config
