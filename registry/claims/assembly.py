"""Stage 5: proposals — each unit screened as a forecast becomes a `ClaimProposal`.

A relative window ("3-9 months later") is resolved here against the deadline of the
proposal before it (or the publication date when there is none), so callers get plain
dates.
"""

from __future__ import annotations

from dataclasses import replace

from registry.claims.horizons import add_months
from registry.claims.passage import ClaimProposal, Horizon, Passage


def _resolved(horizon: Horizon | None, before: ClaimProposal | None, passage: Passage):
    if horizon is None or horizon.relative_months is None:
        return horizon
    base = before.deadline if before and before.deadline else passage.published
    low, high = horizon.relative_months
    if base.year + high // 12 > 9000:
        return replace(horizon, relative_months=None)  # "900 centuries later": no date
    return replace(horizon, earliest=add_months(base, low), latest=add_months(base, high))


def assemble(passage: Passage) -> list[ClaimProposal]:
    proposals: list[ClaimProposal] = []
    for unit in passage.units:
        if not unit.verdict:
            continue
        probability = unit.probability
        horizon = _resolved(unit.horizon, proposals[-1] if proposals else None, passage)
        if horizon is not unit.horizon and horizon is not None:
            unit.because(f"window after the claim before: {horizon.describe()}")
        proposals.append(
            ClaimProposal(
                quote=unit.text,
                start=unit.start,
                end=unit.end,
                horizon=horizon,
                implied_probability=probability.value if probability else None,
                probability_phrase=probability.phrase if probability else "",
                probability_stated=bool(probability and probability.stated),
                strength=unit.strength or "strong",
                speaker=unit.speaker,
                reasons=list(unit.reasons),
            )
        )
    return proposals
