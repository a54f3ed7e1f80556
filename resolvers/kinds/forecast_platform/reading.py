"""What a platform's answer says, read into one shape the kind turns into a verdict.

Each platform module (manifold, metaculus, polymarket) reads its documented answer into a
``Reading``; only ``kind.py`` decides what the reading means for the question. Small strict
readers of JSON fields live here too: a field of the wrong type is an ``EvaluationError``
naming it, never a guess.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import as_number, parse_when, show_when


class State(enum.StrEnum):
    RESOLVED = "resolved"  # the platform's final word: outcome (or answer) is set
    OPEN = "open"  # still trading / forecasting
    CLOSED = "closed"  # closed, no resolution yet
    PENDING = "pending"  # a resolution is proposed or disputed, not final on the platform


# A resolved reading's outcome: "yes", "no", "annulled", or "answer" (see Reading.answer).
YES, NO, ANNULLED, ANSWER = "yes", "no", "annulled", "answer"


@dataclass(frozen=True)
class Reading:
    platform: str  # "Manifold", "Metaculus", "Polymarket"
    market: str  # how the explanation names the market: its title, quoted
    state: State
    raw: str  # the platform's own resolution word or status, for the check's value
    outcome: str = ""  # when RESOLVED: YES, NO, ANNULLED or ANSWER
    answer: str = ""  # when outcome is ANSWER: the platform's answer text
    resolved_at: datetime | None = None
    closes_at: datetime | None = None
    probability: Decimal | None = None  # the current yes (or leading answer) probability
    leading: str = ""  # the leading answer's text, for multiple choice
    note: str = ""  # a sentence on why it is not final (a proposal, a dispute...)

    def odds(self) -> str:
        """'63%' or 'leading: China at 63%' (empty when the platform gives none)."""
        if self.probability is None:
            return ""
        shown = f"{(self.probability * 100).quantize(Decimal('0.1')).normalize():f}%"
        return f"leading: {self.leading} at {shown}" if self.leading else f"at {shown}"


def field(data: dict, name: str, kinds: type | tuple[type, ...], what: str) -> Any:
    """``data[name]`` when it is one of ``kinds`` (None when absent or null)."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise EvaluationError(f"{what}'s {name} is not what its API documents: {value!r}")
    if not isinstance(value, kinds):
        raise EvaluationError(f"{what}'s {name} is not what its API documents: {value!r}")
    return value


def probability(value: Any, name: str, what: str) -> Decimal | None:
    if value is None:
        return None
    number = as_number(value)
    if number is None or not 0 <= number <= 1:
        raise EvaluationError(f"{what}'s {name} is not a probability: {value!r}")
    return number


def epoch_ms(value: Any, name: str, what: str) -> datetime | None:
    """A Manifold timestamp (milliseconds since the epoch) as a UTC datetime."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EvaluationError(f"{what}'s {name} is not a timestamp: {value!r}")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise EvaluationError(f"{what}'s {name} is not a timestamp: {value!r}") from exc


def iso(value: Any, name: str, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    when = parse_when(value)
    if when is None:
        raise EvaluationError(f"{what}'s {name} is not a date: {value!r}")
    return when


def when_text(when: datetime | None) -> str:
    return show_when(when) if when is not None else "an unknown date"
