"""The kind interface: what a kind knows of a question, what it answers, and the shared rule.

A kind is a class with a JSON Schema for its config and two steps:

* ``fetch(config) -> FetchResult`` builds the real API URL and goes through the safe fetcher
  (``resolvers.fetcher.fetch``), the only way a resolver reaches the network. A FetchError
  raised there propagates to the caller untouched.
* ``evaluate(evidence, config, question, now) -> Verdict`` reads the evidence and applies the
  shared decision rule for "will X happen by the deadline" (``decide``): the condition is met
  -> yes; otherwise, once ``now`` is at or past the decision date (config ``decide_no_after``
  if given, else the question's ``closes_at``) -> no; otherwise undetermined. Data the kind
  cannot interpret (an unexpected HTTP status, malformed JSON, a missing field) raises
  ``EvaluationError``, which the caller records as a failed check. A 404 that means "does not
  exist" (a Hugging Face model, a Wikipedia page) is a legitimate "condition not met".
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from resolvers.fetcher import FetchResult
from resolvers.kinds.errors import EvaluationError
from resolvers.kinds.values import aware, one_line, parse_when

if TYPE_CHECKING:
    from resolvers.kinds.validation import Problems


class Outcome(enum.StrEnum):
    """What a check concludes. Only YES, NO, OPTION and ANNULLED become a proposed
    resolution (ANNULLED: the source itself voided the question, e.g. a forecasting
    platform cancelled the market); NEEDS_REVIEW asks staff to look at the evidence the
    check gathered."""

    YES = "yes"
    NO = "no"
    OPTION = "option"
    ANNULLED = "annulled"
    UNDETERMINED = "undetermined"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class EarlierValue:
    """A value an earlier successful check of the same source extracted."""

    checked_at: datetime
    value: str


@dataclass(frozen=True)
class QuestionFacts:
    """What a kind may know about the question (no ORM objects).

    ``earlier_values`` are filled only for kinds that set ``uses_earlier_values``: what this
    source's earlier successful checks extracted, oldest first, so a kind can compare today's
    value with the one kept on an earlier date."""

    kind: str  # "binary" | "multiple_choice"
    options: tuple[str, ...]  # option labels in order (empty for binary)
    opens_at: datetime
    closes_at: datetime
    resolve_by: datetime
    title: str = ""
    earlier_values: tuple[EarlierValue, ...] = ()


def earlier_value_between(
    question: QuestionFacts, since: datetime, until: datetime
) -> EarlierValue | None:
    """The first value an earlier check of the source kept in [since, until), if any: the
    baseline of a "higher than on that date" question."""
    for earlier in question.earlier_values:
        if aware(since) <= aware(earlier.checked_at) < aware(until):
            return earlier
    return None


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    value: str  # the extracted value as text
    explanation: str  # one line: what was measured against what
    option: str = ""  # the option's label when the outcome is OPTION

    @property
    def recorded(self) -> str:
        """The verdict as a check stores it: the outcome, or ``option:<label>``."""
        if self.outcome == Outcome.OPTION:
            return f"option:{self.option}"
        return str(self.outcome)

    @property
    def decisive(self) -> bool:
        return self.outcome in (Outcome.YES, Outcome.NO, Outcome.OPTION, Outcome.ANNULLED)


def require_binary(kind: ResolverKind, question: QuestionFacts) -> None:
    if question.kind != "binary":
        raise EvaluationError(
            f"the {kind.name} resolver decides binary questions only, "
            f"not a {question.kind} question"
        )


def decision_date(config: dict, question: QuestionFacts) -> datetime:
    """From when an unmet condition resolves no: ``decide_no_after``, else the question's
    close. (Callers may use it to stop scheduling checks.)"""
    given = parse_when(config.get("decide_no_after"))
    return given if given is not None else aware(question.closes_at)


def decide(
    met: bool, value: str, measured: str, config: dict, question: QuestionFacts, now: datetime
) -> Verdict:
    """The shared rule: met -> yes; not met at or past the decision date -> no; else wait."""
    if met:
        return Verdict(Outcome.YES, value, one_line(f"{measured}: condition met"))
    decision = decision_date(config, question)
    shown = decision.strftime("%Y-%m-%d %H:%M UTC")
    if aware(now) >= decision:
        explanation = f"{measured}: condition not met by the decision date {shown}"
        return Verdict(Outcome.NO, value, one_line(explanation))
    explanation = f"{measured}: condition not met yet; it resolves no at {shown} if still unmet"
    return Verdict(Outcome.UNDETERMINED, value, one_line(explanation))


class ResolverKind(abc.ABC):
    """Base class: a name, a label, a config schema, then fetch and evaluate."""

    name: ClassVar[str]
    label: ClassVar[str]
    config_schema: ClassVar[dict]
    supports_multiple_choice: ClassVar[bool] = False
    fetches: ClassVar[bool] = True  # False for `manual`, whose fetch returns None
    uses_earlier_values: ClassVar[bool] = False  # True: QuestionFacts.earlier_values filled

    def check_config(self, config: dict, problems: Problems) -> None:  # noqa: B027
        """Kind-specific checks after the schema passed; add problems by field. Most kinds
        need none beyond their schema, so the default checks nothing more."""

    @abc.abstractmethod
    def fetch(self, config: dict) -> FetchResult:
        """Read the source through the safe fetcher (every kind defines this)."""

    @abc.abstractmethod
    def evaluate(
        self, evidence: FetchResult, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        """Decide yes / no / option / undetermined from the evidence (every kind defines this)."""
