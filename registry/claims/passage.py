"""The objects every stage of the claim finder reads and annotates.

A `Passage` is the whole document as the finder sees it: its text, publication date, the
document-level horizon ("predictions for 2027"), the fiscal year's first month, and its
`Unit`s (sentences and list items, in text order). Each stage takes the passage and fills
in fields of its units, appending to `reasons` why it decided what it did, so that every
proposal can be explained. Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Horizon:
    """When a forecast is to come true: a window [earliest, latest], read from `phrase`.

    `latest` is the deadline a question closes on; `earliest` is the window's start ("in
    the 2030s" is 2030-01-01 to 2039-12-31; "by 2030" has no start). `relative_months` is
    a window after the event of another claim ("3-9 months later"), resolved by the
    assembly stage against the claim it follows. `source` says where it came from: the
    sentence itself or the document's horizon.
    """

    phrase: str
    earliest: date | None = None
    latest: date | None = None
    relative_months: tuple[int, int] | None = None
    source: str = "sentence"

    def describe(self) -> str:
        if self.relative_months and self.latest is None:
            low, high = self.relative_months
            return f"{low}-{high} months after the claim before"
        if self.latest is None:
            return "no date"
        if self.earliest and self.earliest != self.latest:
            return f"{self.earliest.isoformat()} to {self.latest.isoformat()}"
        return self.latest.isoformat()


@dataclass(frozen=True)
class StatedProbability:
    """A probability and the verbatim phrase that set it."""

    value: float | None
    phrase: str
    stated: bool  # a number the author wrote, not a reading of their words
    kind: str = ""  # "stated probability", "estimative word", "hedge", ...


@dataclass
class Unit:
    """A sentence or list item: the unit a forecast is proposed on."""

    start: int
    end: int
    text: str
    kind: str = "sentence"  # "sentence", "item" (a bullet or numbered line), "label" (X: 10%)
    block: int = 0  # the paragraph or list item it belongs to
    in_list: bool = False
    language: str = "en"
    # Filled in by the stages:
    header: bool = False
    verdict: bool | None = None  # forecast or not, once screened
    strength: str = ""  # "strong" or "weak" (a bare possibility word)
    speaker: str = ""  # someone else's forecast, quoted
    horizon: Horizon | None = None
    probability: StatedProbability | None = None
    next_line_probability: StatedProbability | None = None
    reasons: list[str] = field(default_factory=list)
    doc: Any = None  # the spaCy Span, when the language pipeline ran
    previous: Unit | None = field(default=None, repr=False, compare=False)  # the unit before

    def because(self, reason: str) -> None:
        self.reasons.append(reason)


@dataclass
class Passage:
    """The document flowing through the stages."""

    text: str
    published: date
    title: str = ""
    fiscal_year_start_month: int = 1
    horizon: Horizon | None = None  # the document's own ("predictions for 2026")
    horizon_reason: str = ""
    units: list[Unit] = field(default_factory=list)
    predictions_list_blocks: set[int] = field(default_factory=set)
    titled_as_bets: bool = False  # "My bets on …", "Predictions for 2026"
    titled_as_outlook: bool = False  # "2025 Outlook", "The year ahead"
    league: Any = None  # a season preview's league (seasons.League)
    policy_body: bool = False  # a central bank speaking: its "we will" is its own conduct


@dataclass
class ClaimProposal:
    """A forecast the finder proposes, with everything a reviewer needs to judge it."""

    quote: str
    start: int
    end: int
    horizon: Horizon | None
    implied_probability: float | None
    probability_phrase: str
    probability_stated: bool = False
    strength: str = "strong"
    speaker: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def horizon_phrase(self) -> str:
        return self.horizon.phrase if self.horizon else ""

    @property
    def deadline(self) -> date | None:
        return self.horizon.latest if self.horizon else None
