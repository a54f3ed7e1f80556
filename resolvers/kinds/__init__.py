"""Resolver kinds: how a source's config becomes a request, and its response a verdict.

One module per kind behind a registry (``registry.py``); the interface and the shared
decision rule in ``base.py``; value parsing and comparison in ``values.py``; config checks
in ``validation.py``. Dates in configs are ISO 8601: a date (``2026-05-01``, meaning 00:00
UTC that day, except an ``until`` bound, which takes in the whole day) or a datetime
(``2026-05-01T12:00:00Z``; one without an offset is UTC). Only ``http_json`` (with
``option_map``) resolves multiple-choice questions.

This package only re-exports.
"""

from resolvers.kinds.base import (
    EarlierValue,
    Outcome,
    QuestionFacts,
    ResolverKind,
    Verdict,
    decision_date,
)
from resolvers.kinds.errors import ConfigError, EvaluationError
from resolvers.kinds.registry import KIND_PATHS, REGISTRY, get_kind, kind_choices
from resolvers.kinds.validation import validate_config
from resolvers.kinds.values import COMPARATORS, compare, parse_when

__all__ = [
    "COMPARATORS",
    "KIND_PATHS",
    "REGISTRY",
    "ConfigError",
    "EarlierValue",
    "EvaluationError",
    "Outcome",
    "QuestionFacts",
    "ResolverKind",
    "Verdict",
    "compare",
    "decision_date",
    "get_kind",
    "kind_choices",
    "parse_when",
    "validate_config",
]
