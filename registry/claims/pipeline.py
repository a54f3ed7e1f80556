"""The claim finder's stages, in order, and `find_claims`, which runs them.

document text → units (sentences, list items, label lines) → the document (header,
horizon, predictions lists) → screening (forecast or not) → probability → horizon →
proposals. Each stage takes the `Passage` and annotates it; see each module's docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from registry.claims.assembly import assemble
from registry.claims.document import read_document
from registry.claims.horizons import read_horizons
from registry.claims.passage import ClaimProposal, Passage
from registry.claims.probability import read_probabilities
from registry.claims.screening import screen
from registry.claims.sentences import split_units

STAGES: list[tuple[str, Callable[[Passage], Passage]]] = [
    ("units", split_units),
    ("document", read_document),
    ("screening", screen),
    ("probability", read_probabilities),
    ("horizon", read_horizons),
]


def analyse(
    text: str, published: date, *, title: str = "", fiscal_year_start_month: int = 1
) -> Passage:
    """The passage with every stage's annotations (for review pages and debugging)."""
    passage = Passage(
        text=text,
        published=published,
        title=title,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    for _name, stage in STAGES:
        passage = stage(passage)
    return passage


def find_claims(
    text: str, published: date, *, title: str = "", fiscal_year_start_month: int = 1
) -> list[ClaimProposal]:
    """The forecasts in `text`, in order, each with its reasons."""
    return assemble(
        analyse(text, published, title=title, fiscal_year_start_month=fiscal_year_start_month)
    )
