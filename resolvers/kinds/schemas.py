"""Pieces of JSON Schema that several kinds' config schemas share."""

from __future__ import annotations

import re
from typing import Any

HTTP_URL = {"type": "string", "minLength": 1, "maxLength": 2000}
DATE = {"type": "string", "maxLength": 40}  # parsed by the kind's own check
DECIDE_NO_AFTER = {
    **DATE,
    "description": "ISO date/datetime from which an unmet condition resolves no "
    "(default: the question's close).",
}
FLAGS = {
    "type": "array",
    "items": {"enum": ["IGNORECASE", "MULTILINE", "DOTALL"]},
    "uniqueItems": True,
}
TERMS = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 200},
    "minItems": 1,
    "maxItems": 20,
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
