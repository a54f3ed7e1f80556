"""A claim's words turned into a yes/no question, always asked affirmatively.

The author's probability is for the event as asked, so "open models won't keep up" is
asked as "Will open models keep up?" (and carries a low number). The steps, each a small
rule: keep the clause that holds the forecast (a sentence often adds a reason after ";" or
", but"), drop lead-ins ("In particular,", "I expect that", a list number, a trailing
"(70%)"), then rephrase by the first form that fits:

* "we expect X to grow" / "X is expected (projected, likely, set) to grow" → "Will X grow";
* "X will (won't, should, could, may, is going to) grow" → "Will X grow";
* "there will be X" → "Will there be X";
* a present-tense bet "The Fed cuts twice" → "Will the Fed cut twice";
* anything else → "Will “…” come true".
"""

from __future__ import annotations

import re

from registry.claims.nlp import english
from registry.claims.text import normalize

_LIST_NUMBER = re.compile(r"^\(?\d{1,3}[.)]\s+")
_TRAILING_NUMBER = re.compile(
    r"\s*(?:[:(\[\u2013\u2014-]|\.\s)\s*(?:probability[:\s]*)?[<>~]?\d{1,3}(?:\.\d+)?\s*%?\s*[)\]]?\s*\.?$"
    r"|\s*\((?:probability|p)\s*[:=]?\s*0?\.\d+\)\s*$",
    re.IGNORECASE,
)
_LEADING_NUMBER = re.compile(r"^\[?\d{1,3}(?:\.\d+)?%\]?\s*:?\s*")
_LEAD_IN = re.compile(
    r"^(?:(?:so|and|but|also|finally|overall|therefore|thus|still|ultimately|indeed|however|"
    r"meanwhile|basically|in\s+short|in\s+particular|as\s+a\s+reminder|in\s+our\s+view|in\s+my\s+view|"
    r"of\s+course|at\s+the\s+same\s+time|in\s+addition|additionally|specifically|bold\s+\w+\s+take)"
    r"\s*[,:]?\s+)+",
    re.IGNORECASE,
)
_JUDGEMENT = re.compile(
    r"^(?:(?:I|we)\s+(?:(?:now|also|still|fully|strongly|really|do)\s+)?(?:think|believe|suspect|"
    r"reckon|bet|predict|guess|doubt|hope)\s+(?:that\s+)?|(?:I|we)\s+(?:(?:now|also|still|fully)\s+)?"
    r"(?:expect|anticipate|forecast)\s+that\s+|my\s+(?:bet|guess|prediction)\s+is\s+"
    r"(?:that\s+)?|it\s+is\s+(?:very\s+|quite\s+|highly\s+)?(?:likely|unlikely|probable)\s+that\s+)",
    re.IGNORECASE,
)
_EXPECT = re.compile(
    r"^(?:I|we)\s+(?:(?:now|also|still|fully|continue\s+to)\s+)?(?:expect|anticipate|forecast|"
    r"project|see)\s+(?P<subject>.+?)\s+to\s+(?P<rest>\w.*)$",
    re.IGNORECASE,
)
_EXPECTED = re.compile(
    r"^(?P<subject>.+?)\s+(?:is|are)\s+(?:(?:widely|generally|now|also|still|very|highly)\s+)?"
    r"(?:expected|projected|forecast|predicted|anticipated|likely|unlikely|set|poised|on\s+track|"
    r"slated|due|bound|going)\s+to\s+(?P<rest>\w.*)$",
    re.IGNORECASE,
)
_MODAL = re.compile(
    r"^(?P<subject>.+?)(?:\s+(?:will|shall|should|could|may|might|can)(?:\s+not|n't)?|'ll|"
    r"\s+won't|\s+can't|\s+cannot)\s+(?P<rest>\w.*)$",
    re.IGNORECASE,
)
# A verb or a subordinator before the modal: the modal is in a clause inside the subject's
# sentence ("This answer is a form of saying they won't keep up"), not the subject's own.
_CLAUSE_IN_SUBJECT = re.compile(
    r"\b(?:is|are|was|were|am|says?|said|saying|means?|meaning|"
    r"when|if|because|whether)\b",
    re.IGNORECASE,
)
_THERE = re.compile(r"^there\s+(?:will|'ll|should|could|may|might)\s+(?:not\s+)?be\s+", re.I)
_KEEP_CAPITAL = re.compile(r"^(?:I\b|[A-Z]{2,}|[A-Z][a-z]+[A-Z]|U\.S\.)")
_COMMON_OPENINGS = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "these",
        "that",
        "those",
        "it",
        "they",
        "there",
        "some",
        "many",
        "most",
        "all",
        "our",
        "their",
        "his",
        "her",
        "its",
        "each",
        "every",
        "no",
        "any",
        "both",
    }
)


def _forecast_clause(text: str) -> str:
    """The part of the sentence that carries the forecast."""
    parts = re.split(r";\s+|\s+[\u2013\u2014-]\s+|,\s+(?:but|while|although|though)\s+", text)
    cue = re.compile(
        r"\b(?:will|won't|'ll|going\s+to|expect|likely|should|could|may|might)\b", re.I
    )
    for part in parts:
        if cue.search(normalize(part)):
            return part
    return parts[0]


def _lower_first(text: str) -> str:
    if _KEEP_CAPITAL.match(text):
        return text
    if text.split(" ", 1)[0].lower() in _COMMON_OPENINGS:
        return text[:1].lower() + text[1:]
    doc = english()(text[:60])
    if len(doc) and doc[0].pos_ == "PROPN":
        return text
    if len(doc) and doc[0].tag_ == "JJ" and re.search(r"(?:ese|ian|an|ish|ic|i)$", doc[0].text):
        return text  # a nationality: "Chinese labs", "American voters"
    return text[:1].lower() + text[1:]


def _present_bet(clause: str) -> str | None:
    """ "The Fed cuts twice" → "the Fed cut twice" (the root verb in its base form)."""
    doc = english()(clause)
    root = next((token for token in doc if token.dep_ == "ROOT"), None)
    if root is None or root.tag_ not in ("VBZ", "VBP") or root.i == 0:
        return None
    if any(child.dep_ in ("aux", "neg") for child in root.children):
        return None
    lemma = "be" if root.lemma_ == "be" else root.lemma_
    words = [token.text_with_ws for token in doc]
    # "It's" → "It be": a contraction's verb needs its own space
    words[root.i] = (" " if root.text.startswith("'") else "") + lemma + root.whitespace_
    return "".join(words).strip()


def as_question(quote: str, *, drop: str = "") -> str:
    """The claim as "Will …" without its closing "?" or deadline."""
    clause = normalize(re.sub(r"\s+", " ", quote)).strip()
    clause = _LIST_NUMBER.sub("", clause)
    clause = _TRAILING_NUMBER.sub("", clause)
    clause = _LEADING_NUMBER.sub("", clause)
    clause = _LEAD_IN.sub("", _forecast_clause(clause))
    clause = _JUDGEMENT.sub("", clause)
    if drop:
        clause = clause.replace(drop, "")
    clause = re.sub(r"\s{2,}", " ", clause).strip(" ,.;:!\"'")
    if not clause:
        return "Will the claim come true"
    there = _THERE.match(clause)
    if there:
        return "Will there be " + clause[there.end() :]
    for form in (_EXPECT, _EXPECTED, _MODAL):
        match = form.match(clause)
        if (
            match
            and len(match.group("subject").split()) <= 12
            and not _CLAUSE_IN_SUBJECT.search(match.group("subject"))
        ):
            rest = re.sub(r"^(?:not|never)\s+", "", match.group("rest"))
            return f"Will {_lower_first(match.group('subject'))} {rest}"
    bet = _present_bet(clause)
    if bet:
        return f"Will {_lower_first(bet)}"
    return f"Will “{clause}” come true"
