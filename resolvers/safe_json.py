"""JSON typed by a person, parsed without surprises.

``parse_json`` turns every bad input (invalid JSON, NUL characters, lone surrogates, huge
numbers, NaN and Infinity, deep nesting) into a ValidationError with one sentence, so a form
shows it next to its field; nothing reaches the recursive parser, the database or a 500.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import ValidationError

MAX_JSON_CHARS = 20_000
MAX_DEPTH = 20
MAX_DIGITS = 30  # of an integer written in JSON


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"the number {text[:12]}… is too large (at most {MAX_DIGITS} digits)")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def bad_string(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an invalid character (a lone surrogate such as \\ud800)"
    return None


def _walk_problem(value: Any, depth: int = 1) -> str | None:
    """What is wrong deeper in a parsed value: too deep, or a string no database stores."""
    if depth > MAX_DEPTH:
        return f"is nested too deeply (at most {MAX_DEPTH} levels)"
    if isinstance(value, str):
        return bad_string(value)
    items: list = []
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    for item in items:
        problem = _walk_problem(item, depth + (0 if isinstance(item, str) else 1))
        if problem:
            return problem
    return None


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside strings (checked before parsing, so a deep
    document never reaches the recursive parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json(text: str) -> Any:
    """The JSON value ``text`` holds; a ValidationError with one sentence otherwise."""
    if len(text) > MAX_JSON_CHARS:
        raise ValidationError(f"is too long (at most {MAX_JSON_CHARS:,} characters)")
    problem = bad_string(text)
    if problem:
        raise ValidationError(problem)
    if _nesting(text) > MAX_DEPTH:
        raise ValidationError(f"is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        value = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except (ValueError, RecursionError) as error:
        raise ValidationError(f"is not usable JSON: {error}") from None
    problem = _walk_problem(value)
    if problem:
        raise ValidationError(problem)
    return value


def show_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)
