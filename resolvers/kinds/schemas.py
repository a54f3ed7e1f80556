"""Pieces of JSON Schema that several kinds' config schemas share."""

from __future__ import annotations

import re
from typing import Any

# ``description`` and ``examples`` are what the admin's and the staff page's generated forms
# show beside each field; validation ignores them.
HTTP_URL = {
    "type": "string",
    "minLength": 1,
    "maxLength": 2000,
    "description": "The http or https address to fetch.",
    "examples": ["https://api.example.org/v1/stats.json"],
}
DATE = {  # parsed by the kind's own check
    "type": "string",
    "maxLength": 40,
    "description": "An ISO 8601 date or datetime (UTC when it has no offset).",
    "examples": ["2026-05-01"],
}
DECIDE_NO_AFTER = {
    **DATE,
    "description": "ISO date/datetime from which an unmet condition resolves no "
    "(default: the question's close).",
    "examples": ["2027-01-01T00:00:00Z"],
}
FLAGS = {
    "type": "array",
    "items": {"enum": ["IGNORECASE", "MULTILINE", "DOTALL"]},
    "uniqueItems": True,
    "description": "Regular expression flags: IGNORECASE ignores case, MULTILINE makes ^ and "
    "$ match at each line, DOTALL makes . match line breaks.",
}
TERMS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 200},
    "minItems": 1,
    "maxItems": 20,
    "description": "Words or phrases to look for; at most 20.",
    "examples": [["open-weight model", "open weights"]],
}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def config_object(properties: dict, required: list[str], **extra: Any) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
        **extra,
    }


def when_mode(mode: str, required: list[str]) -> dict:
    """Fields a schema requires when its ``mode`` is ``mode``."""
    return {"if": {"properties": {"mode": {"const": mode}}}, "then": {"required": required}}
