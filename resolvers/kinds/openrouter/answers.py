"""Reading OpenRouter's answers strictly: the models list and the two ranking datasets.

Each reader checks the shape its endpoint documents (the OpenRouter API reference,
``GET /api/v1/models``, ``/api/v1/datasets/rankings-daily`` and
``/api/v1/datasets/app-rankings``) and raises EvaluationError with a sentence naming what
is missing: a share or a rank is never computed from an answer whose shape is in doubt.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import as_number, parse_when, short, show_when

OTHER = "other"  # the reserved permaslug of the row summing every model past the top 50
DATASET_FLOOR = date(2025, 1, 1)  # the datasets begin here


# --- Periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    period: str  # "week" (ISO, Monday to Sunday) or "month" (calendar month)
    start: date
    end: date  # inclusive

    def __str__(self) -> str:
        return f"{self.period} {self.start.isoformat()} to {self.end.isoformat()}"


def window_containing(period: str, day: date) -> Window:
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return Window(period, start, start + timedelta(days=6))
    last = calendar.monthrange(day.year, day.month)[1]
    return Window(period, day.replace(day=1), day.replace(day=last))


def last_complete_window(period: str, today: date) -> Window:
    """The newest week or month that ended before ``today`` (UTC)."""
    current = window_containing(period, today)
    return window_containing(period, current.start - timedelta(days=1))


# --- The models list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    id: str
    canonical_slug: str
    name: str
    hugging_face_id: str  # "" when OpenRouter names none


MODEL_FIELDS = ("id", "canonical_slug", "name", "hugging_face_id")


def trim_models(answer: Any) -> Any:
    """The fields this kind reads from each model, to keep the evidence small; an answer of
    another shape is kept whole so that reading it fails with the right sentence."""
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        return answer
    if not all(isinstance(model, dict) for model in answer["data"]):
        return answer
    return {"data": [{key: m.get(key) for key in MODEL_FIELDS} for m in answer["data"]]}


def read_models(answer: Any) -> dict[str, Model]:
    """Every model by its ``id`` and by its ``canonical_slug`` (the permaslug the rankings
    use)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise EvaluationError("OpenRouter's models answer has no 'data' list of models")
    if not answer["data"]:
        raise EvaluationError("OpenRouter's models answer lists no models")
    index: dict[str, Model] = {}
    for position, item in enumerate(answer["data"]):
        if not isinstance(item, dict):
            raise EvaluationError(f"model {position} in OpenRouter's models answer is no object")
        model_id, slug = item.get("id"), item.get("canonical_slug")
        if not isinstance(model_id, str) or not model_id or not isinstance(slug, str) or not slug:
            raise EvaluationError(
                f"model {position} in OpenRouter's models answer lacks an 'id' or a "
                "'canonical_slug'"
            )
        hf_id = item.get("hugging_face_id")
        if hf_id is not None and not isinstance(hf_id, str):
            raise EvaluationError(f"the model {model_id} has a 'hugging_face_id' that is no text")
        name = item.get("name") if isinstance(item.get("name"), str) else model_id
        model = Model(model_id, slug, name, (hf_id or "").strip())
        index.setdefault(model_id, model)
        index.setdefault(slug, model)
    return index


# --- Rankings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    window: Window
    as_of: str  # meta.as_of as shown
    rows: list[tuple[str, Decimal]]  # (permaslug, tokens), OpenRouter's order
    other: Decimal  # tokens of every model past the top 50 (0 when the row is absent)


def _meta(answer: Any, window: Window, what: str) -> str:
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise EvaluationError(f"OpenRouter's {what} answer has no 'data' list")
    meta = answer.get("meta")
    if not isinstance(meta, dict):
        raise EvaluationError(f"OpenRouter's {what} answer has no 'meta' object")
    answered = (meta.get("start_date"), meta.get("end_date"))
    wanted = (window.start.isoformat(), window.end.isoformat())
    if answered != wanted:
        raise EvaluationError(
            f"OpenRouter's {what} answer covers {answered[0]} to {answered[1]}, not the "
            f"{window} that was asked for"
        )
    as_of = parse_when(meta.get("as_of"))
    if as_of is None:
        raise EvaluationError(f"OpenRouter's {what} answer has no valid meta.as_of")
    return show_when(as_of)


def _tokens(value: Any, where: str) -> Decimal:
    number = as_number(value) if isinstance(value, str) else None
    if number is None or number < 0 or number != number.to_integral_value():
        raise EvaluationError(f"{where} has no whole 'total_tokens' count (a decimal string)")
    return number


def read_model_ranking(answer: Any, window: Window) -> Ranking:
    """The rows of the one bucket (dated the window's first day) of a rankings-daily answer
    asked for ``period=week|month`` over exactly that window."""
    what = f"model rankings ({window})"
    as_of = _meta(answer, window, what)
    rows: list[tuple[str, Decimal]] = []
    other = Decimal(0)
    for position, row in enumerate(answer["data"]):
        if not isinstance(row, dict) or not isinstance(row.get("model_permaslug"), str):
            raise EvaluationError(f"row {position} of OpenRouter's {what} has no model_permaslug")
        slug = row["model_permaslug"]
        if row.get("date") != window.start.isoformat():
            raise EvaluationError(
                f"OpenRouter's {what} has a row for {slug} dated {short(str(row.get('date')))}, "
                f"outside the one {window.period} bucket starting {window.start.isoformat()}"
            )
        tokens = _tokens(row.get("total_tokens"), f"the row for {slug} in OpenRouter's {what}")
        if slug == OTHER:
            other += tokens
        else:
            rows.append((slug, tokens))
    if not rows:
        raise EvaluationError(f"OpenRouter's {what} lists no models at all")
    return Ranking(window, as_of, rows, other)


def base_slug(permaslug: str) -> str:
    """A variant's model: ``vendor/model:free`` -> ``vendor/model``."""
    return permaslug.split(":", 1)[0]


def ranked_models(ranking: Ranking, merge_variants: bool) -> list[tuple[str, Decimal]]:
    """(slug, tokens) by tokens, most first (ties alphabetically, as OpenRouter breaks
    them); with ``merge_variants`` a model's ``:free`` and other variants count as one."""
    totals: dict[str, Decimal] = {}
    for slug, tokens in ranking.rows:
        key = base_slug(slug) if merge_variants else slug
        totals[key] = totals.get(key, Decimal(0)) + tokens
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class App:
    rank: int
    app_id: int
    name: str
    tokens: Decimal


def read_app_ranking(answer: Any, window: Window, what: str) -> tuple[list[App], str]:
    """The apps of an app-rankings answer, with its ``as_of``; ranks as OpenRouter gives them."""
    as_of = _meta(answer, window, what)
    apps: list[App] = []
    for position, row in enumerate(answer["data"]):
        fields = (
            (row.get("rank"), row.get("app_id"), row.get("app_name"))
            if isinstance(row, dict)
            else (None, None, None)
        )
        rank, app_id, name = fields
        if (
            not isinstance(rank, int)
            or isinstance(rank, bool)
            or rank < 1
            or not isinstance(app_id, int)
            or isinstance(app_id, bool)
            or not isinstance(name, str)
        ):
            raise EvaluationError(
                f"row {position} of OpenRouter's {what} lacks a 'rank', 'app_id' or 'app_name'"
            )
        tokens = _tokens(row.get("total_tokens"), f"the row for {name} in OpenRouter's {what}")
        apps.append(App(rank, app_id, name, tokens))
    ranks = [app.rank for app in apps]
    if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
        raise EvaluationError(f"the ranks in OpenRouter's {what} are not in order or repeat")
    return apps, as_of
