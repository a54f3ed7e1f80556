"""The claim finder: which passages of a text forecast the future, by when, and how surely.

A pipeline of small stages over one `Passage` (see `pipeline.py`); pure Python and spaCy,
no Django. `find_claims(text, published)` returns `ClaimProposal`s whose quote is
``text[start:end]``; `draft_question` turns one into the draft of a question.
"""

from registry.claims.drafts import Draft, draft_question
from registry.claims.estimative import EstimativeTable, default_table
from registry.claims.passage import ClaimProposal, Horizon, Passage, StatedProbability, Unit
from registry.claims.pipeline import STAGES, analyse, find_claims
from registry.claims.probability import stated_probability
from registry.claims.sentences import is_english

__all__ = [
    "STAGES",
    "ClaimProposal",
    "Draft",
    "EstimativeTable",
    "Horizon",
    "Passage",
    "StatedProbability",
    "Unit",
    "analyse",
    "default_table",
    "draft_question",
    "find_claims",
    "is_english",
    "stated_probability",
]
