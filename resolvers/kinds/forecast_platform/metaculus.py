"""Metaculus: one post (the number in www.metaculus.com/questions/<id>/), from its API.

``GET {base}/api/posts/{id}/`` answers the post with its ``question`` (Metaculus' post and
question serializers): ``type`` ("binary", "multiple_choice", ...), ``status`` ("upcoming",
"open", "closed", "resolved"), ``resolution`` (null until resolved; "yes", "no",
"ambiguous", "annulled", or a multiple-choice option's label), ``actual_resolve_time``,
``scheduled_close_time``, ``options`` and, when shown, the community forecast under
``aggregations.recency_weighted.latest``. A post holding a group of questions, a conditional
pair or a notebook has no ``question`` and is not read.

Metaculus documents a token (``Authorization: Token <key>``) for its API; the kind sends one
when the config names it (``api_key``) and says so when Metaculus refuses a keyless request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.forecast_platform.reading import (
    ANNULLED,
    ANSWER,
    NO,
    YES,
    Reading,
    State,
    field,
    iso,
    when_text,
)
from resolvers.kinds.secrets import reveal
from resolvers.kinds.values import api_base, as_number, short

NAME = "Metaculus"
WHAT = "the Metaculus question"
VOID = ("ambiguous", "annulled")  # Metaculus' two unsuccessful resolutions


def url(config: dict) -> str:
    return f"{api_base('metaculus')}/api/posts/{int(config['id'])}/"


def secret_headers(config: dict) -> dict[str, str]:
    if not config.get("api_key"):
        return {}
    return {"Authorization": f"Token {reveal(config['api_key'], url(config))}"}


def missing(status: int, config: dict) -> str:
    if status in (401, 403):
        keyed = "refused the API token" if config.get("api_key") else "asks for an API token"
        return (
            f"Metaculus {keyed} (HTTP {status}); name a Metaculus token as api_key, "
            '{"secret": "METACULUS_TOKEN"}'
        )
    return f"Metaculus has no post {config.get('id')} (HTTP {status}); check the post id"


def read(data: dict, config: dict, multiple_choice: bool, now: datetime) -> Reading:
    question = data.get("question")
    if not isinstance(question, dict):
        shape = next(
            (name for name in ("group_of_questions", "conditional", "notebook") if data.get(name)),
            "",
        )
        held = f"holds a {shape.replace('_', ' ')}" if shape else "holds no question"
        raise EvaluationError(f"the Metaculus post {held}; this resolver reads single questions")
    kind = field(question, "type", str, WHAT)
    allowed = ("binary", "multiple_choice") if multiple_choice else ("binary",)
    if kind not in allowed:
        wanted = " or ".join(allowed)
        raise EvaluationError(
            f"the Metaculus question is {kind or 'of no type'}; this question needs a {wanted} one"
        )
    title = field(question, "title", str, WHAT) or field(data, "title", str, WHAT) or "?"
    base = {
        "platform": NAME,
        "market": f'"{short(title, 100)}"',
        "closes_at": iso(question.get("scheduled_close_time"), "scheduled_close_time", WHAT),
    }
    status = field(question, "status", str, WHAT) or field(data, "status", str, WHAT)
    resolution = field(question, "resolution", str, WHAT) or None
    resolved_at = iso(question.get("actual_resolve_time"), "actual_resolve_time", WHAT)
    options = question.get("options") if kind == "multiple_choice" else None
    if resolution is None:
        if status == "resolved":
            raise EvaluationError("the Metaculus question is marked resolved but has no resolution")
        chance, leading = _community(question, options)
        state = State.CLOSED if status == "closed" else State.OPEN
        return Reading(
            **base, state=state, raw=status or "unresolved", probability=chance, leading=leading
        )
    if status != "resolved":  # set, but effective later (actual_resolve_time ahead)
        note = (
            f"Metaculus has set the resolution {resolution!r}, effective {when_text(resolved_at)}"
        )
        return Reading(**base, state=State.PENDING, raw=resolution, note=note)
    done = {**base, "state": State.RESOLVED, "raw": resolution, "resolved_at": resolved_at}
    if resolution in VOID:
        return Reading(**done, outcome=ANNULLED)
    if kind == "binary":
        if resolution not in ("yes", "no"):
            raise EvaluationError(f"the Metaculus question resolved to {resolution!r}")
        if multiple_choice:  # a binary question mapped to options through option_map
            return Reading(**done, outcome=ANSWER, answer=resolution)
        return Reading(**done, outcome=YES if resolution == "yes" else NO)
    if isinstance(options, list) and resolution not in options:
        raise EvaluationError(
            f"the Metaculus question resolved to {resolution!r}, which is not one of its options"
        )
    return Reading(**done, outcome=ANSWER, answer=resolution)


def _community(question: dict, options: object) -> tuple[Decimal | None, str]:
    """The latest community forecast when Metaculus shows it: yes's probability for a
    binary question, the leading option for a multiple-choice one (only for the sentence)."""
    latest = ((question.get("aggregations") or {}).get("recency_weighted") or {}).get("latest")
    if not isinstance(latest, dict):
        return None, ""
    if isinstance(options, list):
        values = latest.get("forecast_values")
        if not isinstance(values, list) or len(values) != len(options):
            return None, ""
        numbers = [as_number(value) for value in values]
        if any(number is None for number in numbers):
            return None, ""
        best = max(range(len(numbers)), key=lambda index: numbers[index])
        return numbers[best], str(options[best])
    centers = latest.get("centers")
    if isinstance(centers, list) and centers:
        number = as_number(centers[0])
        if number is not None and 0 <= number <= 1:
            return number, ""
    return None, ""
