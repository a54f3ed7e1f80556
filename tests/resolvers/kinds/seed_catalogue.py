"""The seed catalogue's questions and sources as the tests of each kind read them: the
config a test runs is the one the catalogue stores, not a copy."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from resolvers.kinds import QuestionFacts, parse_when

CATALOGUE = Path(__file__).parents[3] / "registry" / "catalogue" / "open-models-mid-2026.json"


@cache
def _questions() -> dict[str, dict]:
    return {q["slug"]: q for q in json.loads(CATALOGUE.read_text(encoding="utf-8"))["questions"]}


def entry(slug: str) -> dict:
    return _questions()[slug]


def source(slug: str, kind: str) -> dict:
    """The question's source of ``kind`` (kind, config, check_every_hours)."""
    found = [s for s in entry(slug)["resolution_sources"] if s["kind"] == kind]
    assert found, f"the catalogue's {slug} has no {kind} source"
    return found[0]


def facts(slug: str) -> QuestionFacts:
    """What a kind knows of the catalogued question."""
    question = entry(slug)
    return QuestionFacts(
        kind=question["kind"],
        options=tuple(question.get("options") or ()),
        opens_at=parse_when(question["opens_at"]),
        closes_at=parse_when(question["closes_at"]),
        resolve_by=parse_when(question["resolve_by"]),
        title=question["title"],
    )
