"""The ``manual`` kind: an admin decides; nothing is fetched."""

from __future__ import annotations

from datetime import datetime

from resolvers.fetcher import FetchResult
from resolvers.kinds.base import Outcome, QuestionFacts, ResolverKind, Verdict
from resolvers.kinds.schemas import config_object
from resolvers.kinds.values import short


class ManualKind(ResolverKind):
    """An admin decides. Nothing is fetched: ``fetch`` returns None (callers should not
    schedule checks for a manual source), and ``evaluate`` is always undetermined."""

    name = "manual"
    label = "Manual (an admin resolves)"
    config_schema = config_object(
        {"instructions": {"type": "string", "maxLength": 4000}},
        [],
        description="Resolved by an admin; instructions say what to look at.",
    )
    supports_multiple_choice = True
    fetches = False

    def fetch(self, config: dict) -> None:  # type: ignore[override]
        return None

    def evaluate(
        self, evidence: FetchResult | None, config: dict, question: QuestionFacts, now: datetime
    ) -> Verdict:
        instructions = short(config.get("instructions") or "", 200)
        explanation = "Resolved manually by an admin"
        if instructions:
            explanation += f": {instructions}"
        return Verdict(Outcome.UNDETERMINED, "", explanation)
