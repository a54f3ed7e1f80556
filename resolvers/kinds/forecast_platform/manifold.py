"""Manifold: one market by slug or id, read from its documented API (no key needed).

``GET {base}/v0/slug/{slug}`` and ``GET {base}/v0/market/{id}`` answer a FullMarket
(docs.manifold.markets/api): ``outcomeType``, ``isResolved``, ``resolution`` ("YES", "NO",
"MKT" for a probability, "CANCEL"; for a multiple-choice market the winning answer's id),
``resolutionTime`` and ``closeTime`` in milliseconds since the epoch, ``probability`` for a
binary market and ``answers`` ([{id, text, probability, resolution?}]) for a multiple-choice
one.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.forecast_platform.reading import (
    ANNULLED,
    ANSWER,
    NO,
    YES,
    Reading,
    State,
    epoch_ms,
    field,
    probability,
)
from resolvers.kinds.values import api_base, short

NAME = "Manifold"
WHAT = "the Manifold market"


def url(config: dict) -> str:
    if config.get("slug"):
        return f"{api_base('manifold')}/v0/slug/{quote(config['slug'], safe='')}"
    return f"{api_base('manifold')}/v0/market/{quote(str(config['id']), safe='')}"


def missing(status: int, config: dict) -> str:
    market = config.get("slug") or config.get("id")
    return f"Manifold has no market {market!r} (HTTP {status}); check its slug or id"


def read(data: dict, config: dict, multiple_choice: bool, now: datetime) -> Reading:
    kind = field(data, "outcomeType", str, WHAT)
    title = field(data, "question", str, WHAT) or str(data.get("id", "?"))
    base = {
        "platform": NAME,
        "market": f'"{short(title, 100)}"',
        "closes_at": epoch_ms(data.get("closeTime"), "closeTime", WHAT),
    }
    if kind == "BINARY":
        if config.get("answer"):
            raise EvaluationError(
                "the Manifold market is binary; `answer` is for a multiple-choice market"
            )
        return _binary(data, base, multiple_choice, now)
    if kind == "MULTIPLE_CHOICE":
        answers = _answers(data)
        if multiple_choice:
            return _choice(data, answers, base, now)
        if not config.get("answer"):
            raise EvaluationError(
                "the Manifold market is multiple choice; a binary question needs `answer` "
                "(the answer whose resolution decides it)"
            )
        return _one_answer(data, answers, config["answer"], base, now)
    raise EvaluationError(
        f"the Manifold market is a {kind or 'market without an outcomeType'}; this resolver "
        "reads BINARY and MULTIPLE_CHOICE markets only"
    )


def _resolved(data: dict) -> bool:
    resolved = field(data, "isResolved", bool, WHAT)
    if resolved is None:
        raise EvaluationError("the Manifold market's answer has no isResolved")
    return resolved


def _waiting(base: dict, now: datetime, raw: str, **extra) -> Reading:
    closes = base["closes_at"]
    state = State.CLOSED if closes is not None and closes <= now else State.OPEN
    return Reading(**base, state=state, raw=raw, **extra)


def _binary(data: dict, base: dict, multiple_choice: bool, now: datetime) -> Reading:
    chance = probability(data.get("probability"), "probability", WHAT)
    if not _resolved(data):
        return _waiting(base, now, "unresolved", probability=chance)
    resolution = field(data, "resolution", str, WHAT)
    resolved_at = epoch_ms(data.get("resolutionTime"), "resolutionTime", WHAT)
    done = {**base, "state": State.RESOLVED, "raw": resolution or "", "resolved_at": resolved_at}
    if resolution == "CANCEL":
        return Reading(**done, outcome=ANNULLED)
    if resolution == "MKT":
        share = probability(data.get("resolutionProbability"), "resolutionProbability", WHAT)
        shown = f" at {share * 100:.0f}%" if share is not None else ""
        raise EvaluationError(
            f"Manifold resolved the market to a probability (MKT{shown}), not YES or NO; "
            "a person decides this question"
        )
    if resolution in ("YES", "NO"):
        if multiple_choice:  # a binary market mapped to options through option_map
            return Reading(**done, outcome=ANSWER, answer=resolution)
        return Reading(**done, outcome=YES if resolution == "YES" else NO)
    raise EvaluationError(f"the Manifold market is resolved with an unknown value {resolution!r}")


def _answers(data: dict) -> list[dict]:
    answers = data.get("answers")
    if not isinstance(answers, list) or not all(
        isinstance(answer, dict) and isinstance(answer.get("text"), str) for answer in answers
    ):
        raise EvaluationError("the Manifold market's answers are missing or not a list of answers")
    return answers


def _leading(answers: list[dict]) -> tuple[str, object]:
    best = None
    for answer in answers:
        chance = probability(answer.get("probability"), "answer probability", WHAT)
        if chance is not None and (best is None or chance > best[1]):
            best = (answer["text"], chance)
    return best or ("", None)


def _choice(data: dict, answers: list[dict], base: dict, now: datetime) -> Reading:
    leading, chance = _leading(answers)
    if not _resolved(data):
        return _waiting(base, now, "unresolved", probability=chance, leading=leading)
    resolution = field(data, "resolution", str, WHAT)
    resolved_at = epoch_ms(data.get("resolutionTime"), "resolutionTime", WHAT)
    done = {**base, "state": State.RESOLVED, "raw": resolution or "", "resolved_at": resolved_at}
    if resolution == "CANCEL":
        return Reading(**done, outcome=ANNULLED)
    if resolution == "MKT":
        raise EvaluationError(
            "Manifold resolved the market to several answers at once (MKT); "
            "a person decides this question"
        )
    by_id = {answer.get("id"): answer for answer in answers}
    winner = by_id.get(resolution)
    if winner is None:  # some markets resolve answer by answer instead
        chosen = [answer for answer in answers if answer.get("resolution") == "YES"]
        if len(chosen) != 1:
            raise EvaluationError(
                f"the Manifold market is resolved ({resolution!r}) but names no single "
                "winning answer"
            )
        winner = chosen[0]
    return Reading(**{**done, "raw": winner["text"]}, outcome=ANSWER, answer=winner["text"])


def _find(answers: list[dict], wanted: str) -> dict:
    key = wanted.strip().casefold()
    for answer in answers:
        if answer.get("id") == wanted or answer["text"].strip().casefold() == key:
            return answer
    texts = ", ".join(repr(short(answer["text"], 40)) for answer in answers[:10])
    raise EvaluationError(f"the Manifold market has no answer {wanted!r} (its answers: {texts})")


def _one_answer(data: dict, answers: list[dict], wanted: str, base: dict, now: datetime) -> Reading:
    """A binary question decided by one answer of a multiple-choice market."""
    answer = _find(answers, wanted)
    base = {**base, "market": f'{base["market"]}, answer "{short(answer["text"], 60)}"'}
    chance = probability(answer.get("probability"), "answer probability", WHAT)
    own = answer.get("resolution")
    if own in ("YES", "NO", "CANCEL"):
        resolved_at = epoch_ms(answer.get("resolutionTime"), "resolutionTime", WHAT)
        outcome = {"YES": YES, "NO": NO, "CANCEL": ANNULLED}[own]
        return Reading(
            **base, state=State.RESOLVED, raw=own, outcome=outcome, resolved_at=resolved_at
        )
    if own == "MKT":
        raise EvaluationError(
            "Manifold resolved this answer to a probability (MKT); a person decides this question"
        )
    if not _resolved(data):
        return _waiting(base, now, "unresolved", probability=chance)
    resolution = field(data, "resolution", str, WHAT)
    resolved_at = epoch_ms(data.get("resolutionTime"), "resolutionTime", WHAT)
    done = {**base, "state": State.RESOLVED, "raw": resolution or "", "resolved_at": resolved_at}
    if resolution == "CANCEL":
        return Reading(**done, outcome=ANNULLED)
    if resolution == answer.get("id"):
        return Reading(**done, outcome=YES)
    if resolution in {other.get("id") for other in answers}:
        return Reading(**done, outcome=NO)
    raise EvaluationError(
        f"the Manifold market is resolved ({resolution!r}) without saying whether the answer "
        f"{answer['text']!r} won; a person decides this question"
    )
