"""The curated catalogue: a source's forecasts as published, resolvable questions.

A catalogue file (``registry/catalogue/*.json``) names its source (the seed file, title and
author) and lists questions. Each entry carries what a stranger needs to resolve it: title,
criteria naming the data source(s) (``data_sources``, each of which must appear in the
criteria), the measurement date and a fallback, fine print, times, tags, the claims it comes
from (verbatim quotes of the source's text, the implied probability and the phrase that set
it), its resolution sources (each a resolver kind and its config: the automatic one that
decides it, or a news search gathering evidence for staff, and the manual instructions
with the criteria's fallback) and the author's implied forecast. A claim whose words imply
no number ("can", "massive potential") has ``implied_probability`` null, and a question all
of whose claims are such has ``pundit_forecast`` null: it is tracked, not scored as 50%.

``catalogue_load(path)`` loads one file in one transaction. It checks the whole file before
writing anything and fails loudly, naming every offending field: a quote that is not in the
stored source text (or appears in it more than once), a resolver config its kind refuses, a
data source the criteria do not name, times out of order. Then, for each entry whose slug is
new, it creates the question (published: the catalogue is curated), its claims at the
offsets ``str.find`` gives (accepted, as curated claims are), its resolution source and the
author's forecast (if any), dated on the file's ``pundit_forecast_at`` with origin ``claim``.

It is idempotent, keyed on the question's slug: a stored question is never touched (an
admin may have edited it since, and forecasts are never rewritten). The report lists, for
such a question, the fields where the stored state differs from the file, so a maintainer
can carry a change over through ``services.question_update``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from jsonschema import Draft202012Validator

from config.errors import ApplicationError
from predictions.models import Forecast
from predictions.services import probabilities_from_input
from registry import services
from registry.models import Claim, Forecaster, Question, Source
from resolvers import kinds
from resolvers import services as resolver_services

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

_TEXT = {"type": "string", "minLength": 1}
_WHEN = {"type": "string", "minLength": 10, "maxLength": 40}
_PROBABILITY = {"type": "number", "minimum": 0.001, "maximum": 0.999}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["source", "pundit_forecast_at", "questions"],
    "additionalProperties": False,
    "properties": {
        "source": {
            "type": "object",
            "required": ["seed", "title", "author"],
            "additionalProperties": False,
            "properties": {"seed": _TEXT, "title": _TEXT, "author": _TEXT},
        },
        "pundit_forecast_at": _WHEN,
        "about": {"type": "string"},
        "questions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "slug",
                    "title",
                    "kind",
                    "resolution_criteria",
                    "fine_print",
                    "opens_at",
                    "closes_at",
                    "resolve_by",
                    "tags",
                    "data_sources",
                    "claims",
                    "pundit_forecast",
                    "resolution_sources",
                ],
                "properties": {
                    "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
                    "title": {**_TEXT, "maxLength": 300},
                    "kind": {"enum": ["binary", "multiple_choice"]},
                    "options": {"type": "array", "items": _TEXT},
                    "body": {"type": "string"},
                    "resolution_criteria": _TEXT,
                    "fine_print": _TEXT,
                    "opens_at": _WHEN,
                    "closes_at": _WHEN,
                    "resolve_by": _WHEN,
                    "tags": {"type": "array", "items": _TEXT, "minItems": 1},
                    "data_sources": {"type": "array", "items": _TEXT, "minItems": 1},
                    "claims": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["quote", "implied_probability", "probability_phrase"],
                            "additionalProperties": False,
                            "properties": {
                                "quote": _TEXT,
                                "implied_probability": {"anyOf": [_PROBABILITY, {"type": "null"}]},
                                "probability_phrase": {**_TEXT, "maxLength": 120},
                            },
                        },
                    },
                    "pundit_forecast": {
                        "type": ["object", "null"],
                        "additionalProperties": False,
                        "properties": {
                            "probability": _PROBABILITY,
                            "probabilities": {
                                "type": "object",
                                "additionalProperties": _PROBABILITY,
                            },
                        },
                        "minProperties": 1,
                        "maxProperties": 1,
                    },
                    "resolution_sources": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["kind", "config"],
                            "additionalProperties": False,
                            "properties": {
                                "kind": _TEXT,
                                "config": {"type": "object"},
                                "check_every_hours": {"type": "number", "minimum": 0.1},
                            },
                        },
                    },
                },
            },
        },
    },
}


@dataclass
class CatalogueReport:
    """What a load did, by question slug."""

    path: str
    source: str  # the source's slug
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Stored questions whose state differs from the file: slug -> the differing fields.
    # They were left as stored.
    differing: dict[str, list[str]] = field(default_factory=dict)
    # Stored questions given the file's resolution source, which they lacked (a source is
    # how an outcome is looked up, not part of the record: adding one changes no forecast).
    sources_added: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"{self.path}: source {self.source}: {len(self.created)} created, "
            f"{len(self.unchanged)} already present, {len(self.differing)} present but "
            "different (left as stored)"
        ]
        lines += [f"  created {slug}" for slug in self.created]
        lines += [f"  resolution source added to {slug}" for slug in self.sources_added]
        lines += [
            f"  differs {slug}: {', '.join(fields)}" for slug, fields in self.differing.items()
        ]
        return lines


def catalogue_paths() -> list[Path]:
    return sorted(CATALOGUE_DIR.glob("*.json"))


def catalogue_read(path: Path | str) -> dict[str, Any]:
    """The parsed file, checked against the schema (an ApplicationError names each field)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ApplicationError.invalid_fields({"path": f"{path}: {error}"}) from error
    problems: dict[str, str] = {}
    for error in Draft202012Validator(SCHEMA).iter_errors(data):
        where = ".".join(str(part) for part in error.absolute_path) or "file"
        problems.setdefault(where, error.message)
    if problems:
        raise ApplicationError.invalid_fields(problems)
    return data


def catalogue_source(*, data: dict[str, Any]) -> Source | None:
    """The stored source a catalogue names (by title and its pundit author), if any."""
    spec = data["source"]
    return Source.objects.filter(
        title=spec["title"],
        author__display_name=spec["author"],
        author__kind=Forecaster.Kind.PUNDIT,
    ).first()


def _when(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _locate(text: str, quote: str) -> tuple[int, int] | str:
    """The quote's (start, end) in the text, or why it cannot be placed."""
    start = text.find(quote)
    if start < 0:
        return "is not found verbatim in the source text"
    if text.find(quote, start + 1) >= 0:
        return "appears more than once in the source text; quote a longer passage"
    return start, start + len(quote)


def _check(data: dict[str, Any], text: str) -> None:
    """Everything that can be checked before writing; one error naming every problem."""
    problems: dict[str, str] = {}
    if _when(data["pundit_forecast_at"]) is None:
        problems["pundit_forecast_at"] = "must be an ISO 8601 datetime with a time zone"
    seen: set[str] = set()
    for index, entry in enumerate(data["questions"]):
        where = f"questions.{index}"
        if entry["slug"] in seen:
            problems[f"{where}.slug"] = f"{entry['slug']!r} appears twice in the file"
        seen.add(entry["slug"])
        times = {name: _when(entry[name]) for name in ("opens_at", "closes_at", "resolve_by")}
        for name, when in times.items():
            if when is None:
                problems[f"{where}.{name}"] = "must be an ISO 8601 datetime with a time zone"
        if None not in times.values():
            if times["closes_at"] <= times["opens_at"]:
                problems[f"{where}.closes_at"] = "must be after opens_at"
            if times["resolve_by"] < times["closes_at"]:
                problems[f"{where}.resolve_by"] = "must not be before closes_at"
        binary = entry["kind"] == Question.Kind.BINARY
        options = entry.get("options") or []
        forecast = entry["pundit_forecast"]
        numbers = [c for c in entry["claims"] if c["implied_probability"] is not None]
        if forecast is None:
            if numbers:
                problems[f"{where}.pundit_forecast"] = (
                    "is null, but a claim implies a probability: give the author's forecast"
                )
        elif not numbers:
            problems[f"{where}.pundit_forecast"] = (
                "no claim implies a probability, so the author has no forecast: make it null"
            )
        elif binary and (options or "probability" not in forecast):
            problems[f"{where}.pundit_forecast"] = (
                "a binary question has no options and takes 'probability'"
            )
        if not binary and set(forecast.get("probabilities") or {}) != set(options):
            problems[f"{where}.pundit_forecast"] = "needs 'probabilities' for exactly the options"
        for name in entry["data_sources"]:
            if name not in entry["resolution_criteria"]:
                problems[f"{where}.data_sources"] = f"{name!r} is not named in the criteria"
        for number, claim in enumerate(entry["claims"]):
            placed = _locate(text, claim["quote"])
            if isinstance(placed, str):
                problems[f"{where}.claims.{number}.quote"] = placed
        for number, resolver in enumerate(entry["resolution_sources"]):
            try:
                kinds.validate_config(resolver["kind"], resolver["config"])
            except kinds.ConfigError as error:
                for name, message in error.fields.items():
                    problems[f"{where}.resolution_sources.{number}.{name}"] = message
    if problems:
        raise ApplicationError.invalid_fields(problems)


def _rationale(entry: dict[str, Any], source: Source) -> str:
    lines = [f"Implied by the wording of {source.title!r} ({source.published_on.isoformat()}):"]
    lines += [
        f"- \u201c{claim['probability_phrase']}\u201d \u2192 {claim['implied_probability']:g} "
        f"in \u201c{claim['quote']}\u201d"
        for claim in entry["claims"]
        if claim["implied_probability"] is not None
    ]
    if entry["kind"] == Question.Kind.MULTIPLE_CHOICE:
        lines.append("How the wording spreads over the options is set out in the fine print.")
    return "\n".join(lines)


def _create(
    entry: dict[str, Any], *, source: Source, pundit: Forecaster, submitted_at: datetime
) -> Question:
    question = services.question_create(
        slug=entry["slug"],
        title=entry["title"],
        body=entry.get("body", ""),
        resolution_criteria=entry["resolution_criteria"],
        fine_print=entry["fine_print"],
        kind=entry["kind"],
        options=entry.get("options") or [],
        opens_at=_when(entry["opens_at"]),
        closes_at=_when(entry["closes_at"]),
        resolve_by=_when(entry["resolve_by"]),
        tags=entry["tags"],
        published=True,
    )
    for claim in entry["claims"]:
        start, end = _locate(source.text, claim["quote"])
        Claim.objects.create(
            source=source,
            quote=claim["quote"],
            start_offset=start,
            end_offset=end,
            implied_probability=claim["implied_probability"],
            probability_phrase=claim["probability_phrase"],
            question=question,
            review_state=Claim.Review.ACCEPTED,  # curated: published as it is loaded
        )
    for resolver in entry["resolution_sources"]:
        _add_source(question, resolver)
    if entry["pundit_forecast"] is None:
        return question  # the wording implies no number: tracked, not scored
    # A historical forecast (the question opened before today): created directly, as the
    # submission service accepts forecasts only at the present instant. The vector is
    # checked the way the API checks one, and again by the database trigger.
    Forecast.objects.create(
        forecaster=pundit,
        question=question,
        probabilities=probabilities_from_input(question=question, **entry["pundit_forecast"]),
        rationale=_rationale(entry, source),
        submitted_at=submitted_at,
        origin=Forecast.Origin.CLAIM,
    )
    return question


def _differences(
    question: Question, entry: dict[str, Any], *, source: Source, pundit: Forecaster, at: datetime
) -> list[str]:
    """The fields where a stored question differs from its catalogue entry."""
    differing = [
        name
        for name in ("title", "resolution_criteria", "fine_print", "kind")
        if getattr(question, name) != entry[name]
    ]
    if question.body != entry.get("body", ""):
        differing.append("body")
    for name in ("opens_at", "closes_at", "resolve_by"):
        if getattr(question, name) != _when(entry[name]):
            differing.append(name)
    if question.published_at is None:
        differing.append("published")
    if not question.is_binary and question.option_labels() != (entry.get("options") or []):
        differing.append("options")
    if set(question.tags.values_list("slug", flat=True)) != set(entry["tags"]):
        differing.append("tags")
    stored_claims = {
        (
            claim.quote,
            claim.start_offset,
            claim.end_offset,
            claim.implied_probability,
            claim.probability_phrase,
        )
        for claim in question.claims.filter(source=source)
    }
    wanted_claims = set()
    for claim in entry["claims"]:
        placed = _locate(source.text, claim["quote"])
        wanted_claims.add(
            (claim["quote"], *placed, claim["implied_probability"], claim["probability_phrase"])
        )
    if stored_claims != wanted_claims:
        differing.append("claims")
    if _missing_sources(question, entry):
        differing.append("resolution_sources")
    pundit_forecasts = question.forecasts.filter(
        forecaster=pundit, origin=Forecast.Origin.CLAIM, submitted_at=at
    )
    if entry["pundit_forecast"] is None:
        # A forecast loaded before the file said the wording implies none stays (forecasts
        # are never removed); the report names it.
        if pundit_forecasts.exists():
            differing.append("pundit_forecast")
    elif not any(
        _same_vector(forecast.probabilities, question, entry) for forecast in pundit_forecasts
    ):
        differing.append("pundit_forecast")
    return differing


def _add_source(question: Question, resolver: dict[str, Any]) -> None:
    resolver_services.source_add(
        question=question,
        kind=resolver["kind"],
        config=resolver["config"],
        check_every=timedelta(hours=resolver.get("check_every_hours", 6)),
    )


def _missing_sources(question: Question, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalogue's sources a stored question lacks (same kind and config)."""
    return [
        resolver
        for resolver in entry["resolution_sources"]
        if not question.resolution_sources.filter(
            kind=resolver["kind"], config=resolver["config"]
        ).exists()
    ]


def _same_vector(stored: list[float], question: Question, entry: dict[str, Any]) -> bool:
    try:
        wanted = probabilities_from_input(question=question, **entry["pundit_forecast"])
    except ApplicationError:
        return False
    return len(stored) == len(wanted) and all(
        abs(a - b) < 1e-9 for a, b in zip(stored, wanted, strict=True)
    )


@transaction.atomic
def catalogue_load(path: Path | str) -> CatalogueReport:
    """Load one catalogue file (see the module's docstring); idempotent by question slug.

    The source must be stored already (``manage.py load_catalogue`` imports it from the
    seed file when it is not); raises ApplicationError, writing nothing, on any problem.
    """
    data = catalogue_read(path)
    source = catalogue_source(data=data)
    if source is None:
        spec = data["source"]
        raise ApplicationError(
            f"The source {spec['title']!r} by {spec['author']} is not stored; import it first "
            f"(manage.py load_catalogue imports it from registry/seed/{spec['seed']}).",
            code="not_found",
            fields={"source": "not stored"},
        )
    _check(data, source.text)
    pundit = services.pundit_get_or_create(display_name=data["source"]["author"])
    submitted_at = _when(data["pundit_forecast_at"])
    report = CatalogueReport(path=str(path), source=source.slug)
    stored = {
        question.slug: question
        for question in Question.objects.filter(
            slug__in=[entry["slug"] for entry in data["questions"]]
        )
    }
    for entry in data["questions"]:
        question = stored.get(entry["slug"])
        if question is None:
            _create(entry, source=source, pundit=pundit, submitted_at=submitted_at)
            report.created.append(entry["slug"])
            continue
        differing = _differences(question, entry, source=source, pundit=pundit, at=submitted_at)
        if "resolution_sources" in differing:
            for resolver in _missing_sources(question, entry):
                _add_source(question, resolver)
            report.sources_added.append(entry["slug"])
            differing.remove("resolution_sources")
        if differing:
            report.differing[entry["slug"]] = differing
        else:
            report.unchanged.append(entry["slug"])
    return report
