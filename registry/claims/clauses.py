"""Reading spaCy's parse of a unit for stage 2 (screening): a verb's subject, whether a
clause is asserted or sits inside an if/when clause or an embedded question, the modals
and what they bear on, the main clause's tense, and who is quoted."""

from __future__ import annotations

import re

from registry.claims.cues import (
    ATTRIBUTION,
    CHANGE_VERBS,
    EVALUATIVE_NOUNS,
    NOT_SPEAKERS,
    RATE_PATH,
    STANCES,
    STATE_VERBS,
    SUBORDINATORS,
    WH,
)
from registry.claims.passage import Unit
from registry.claims.text import blank_quotes, normalize


def subject_of(verb):
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "expl"):
            return child
    if verb.dep_ in ("conj", "xcomp") and verb.head.i != verb.i:
        return subject_of(verb.head)
    return None


def is_stance(verb) -> bool:
    """ "we'll be alert", "we'll have to be watching", "we will now report": what the
    speakers will do or be, said of themselves."""
    if verb.lemma_ == "have" and any(c.dep_ == "xcomp" for c in verb.children):
        return True  # "we'll have to ..."
    if verb.lemma_ == "report":
        return True
    if verb.lemma_ != "be":
        return False
    return any(
        child.dep_ in ("acomp", "attr", "xcomp") and child.lemma_.lower() in STANCES
        for child in verb.children
    )


def not_asserted(token) -> str:
    """Why the clause holding `token` is not asserted by the sentence ("" when it is)."""
    node = token
    while node.head.i != node.i:
        if node.dep_ in ("advcl", "csubj", "pcomp", "ccomp", "relcl", "acl", "pobj", "dobj"):
            children = list(node.children)
            marks = {c.lower_ for c in children if c.dep_ in ("mark", "advmod")} & SUBORDINATORS
            if (marks and node.dep_ != "ccomp") or marks & {"if", "whether", "unless", "when"}:
                return f"inside a “{sorted(marks)[0]}” clause"
            first = node.doc[min(t.i for t in node.subtree)]
            if node.dep_ in ("ccomp", "pcomp", "pobj", "dobj", "csubj") and first.lower_ in WH:
                return f"inside an embedded question (“{first.text} …”)"
        if node.dep_ == "relcl" and node.head.lower_ in ("when", "time", "period", "day"):
            return "inside a “when” clause"
        node = node.head
    return ""


def quoted_ranges(unit: Unit) -> list[tuple[int, int]]:
    base = unit.doc[0].idx if unit.doc is not None and len(unit.doc) else 0
    return [
        (base + match.start(), base + match.end())
        for match in re.finditer(r'"[^"\n]*"', normalize(unit.text))
    ]


def modal_cues(unit: Unit) -> list[tuple[str, object, object]]:
    """(kind, modal, verb) for each future, possibility or conditional modal."""
    span = unit.doc
    if span is None:
        return []
    quoted = quoted_ranges(unit)
    cues = []
    for token in span:
        if any(start <= token.idx < end for start, end in quoted):
            continue
        lower = normalize(token.lower_)
        if token.tag_ != "MD" and lower not in ("'ll", "going"):
            continue
        verb = token.head if token.dep_ in ("aux", "auxpass") else token
        if lower in ("will", "'ll", "wo", "shall", "ll"):
            cues.append(("future", token, verb))
        elif lower in ("may", "might", "could"):
            cues.append(("possibility", token, verb))
        elif lower == "should":
            cues.append(("expectation", token, verb))
        elif lower in ("can", "ca") and verb.lemma_ in CHANGE_VERBS:
            cues.append(("possibility", token, verb))
        elif lower == "would":
            cues.append(("conditional", token, verb))
        elif lower == "going" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to":
            if any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in token.children):
                continue  # "we thought those were going to be necessary": the past's future
            # the verb is what is going to happen: "we're going to see", not "go"
            action = next((c for c in token.children if c.dep_ == "xcomp"), token)
            cues.append(("future", token, action))
    return cues


def tense_of(unit: Unit) -> str:
    """ "past", "state" (a present state: "is", "has") or "" for the main clause."""
    span = unit.doc
    if span is None:
        return ""
    root = span.root
    children = list(root.children)
    if any(child.lower_ in ("would", "'d", "\u2019d") for child in children):
        return "hypothetical"
    if any(child.tag_ == "MD" for child in children):
        return ""
    auxes = [child for child in children if child.dep_ in ("aux", "auxpass")]
    if root.tag_ == "VBD" or any(aux.tag_ == "VBD" for aux in auxes):
        return "past"
    if root.tag_ == "VBN" and (not auxes or any(aux.lemma_ == "have" for aux in auxes)):
        return "past"  # "has grown"
    if root.tag_ in ("VBZ", "VBP") and root.lemma_ in STATE_VERBS:
        return "state"
    return ""


def bare_participle(unit: Unit) -> bool:
    """ "Chinese Communist Party represented in Hong Kong government": a bet's verbless
    participle, not the past."""
    root = unit.doc.root if unit.doc is not None else None
    return (
        root is not None
        and root.tag_ == "VBN"
        and not any(child.dep_ in ("aux", "auxpass") for child in root.children)
    )


def speaker_of(unit: Unit) -> str:
    match = ATTRIBUTION.search(blank_quotes(normalize(unit.text)))
    if not match:
        return ""
    who = (match.group("who") or match.group("who2") or match.group("who3") or "").strip(" .,")
    return "" if who.split(" ")[0].lower() in NOT_SPEAKERS else who


def quoting_subject(unit: Unit) -> str:
    """Who the main clause says holds the quoted words: "Many other outlets … “China will …”"."""
    if unit.doc is None:
        return ""
    subject = subject_of(unit.doc.root)
    if subject is None or subject.lower_ in NOT_SPEAKERS:
        return ""
    if any(start <= subject.idx < end for start, end in quoted_ranges(unit)):
        return ""  # the subject is inside the quotation
    return " ".join(token.text for token in subject.subtree)


def in_relative_clause(token) -> bool:
    node = token
    while node.head.i != node.i:
        if node.dep_ in ("relcl", "acl"):
            return True
        node = node.head
    return False


def is_evaluation(verb, subject_word: str) -> bool:
    """ "That'll be the key thing", "that will allow us to feel our way": the speaker
    weighing things, not an event foretold."""
    if subject_word not in ("that", "this", "it", "which"):
        return False
    if verb.lemma_ in ("be", "become"):
        return any(
            child.dep_ == "attr" and child.lemma_.lower() in EVALUATIVE_NOUNS
            for child in verb.children
        )
    if verb.lemma_ in ("help", "allow", "enable", "let", "inform", "guide"):
        # "us" is the verb's object, or the subject of its complement ("allow us to feel")
        return any(
            token.lower_ in ("us", "me") and verb in (token.head, token.head.head)
            for token in verb.subtree
        )
    return False


def is_rate_path(verb) -> bool:
    """ "we'll need to stay there", "we will cut rates": the policy path, a forecast."""
    words = {verb.lemma_} | {child.lemma_ for child in verb.children if child.dep_ == "xcomp"}
    return bool(words & RATE_PATH)


def is_imperative(unit: Unit) -> bool:
    root = unit.doc.root if unit.doc is not None else None
    return (
        root is not None
        and root.tag_ == "VB"
        and root.i == unit.doc.start
        and subject_of(root) is None
        and not any(child.tag_ == "MD" for child in root.children)
    )


def is_risk(verb) -> bool:
    """ "The economy faces downside risks", "wage growth may pose an upside risk": a risk to
    the outlook, named; not a forecast that it comes about."""
    return verb.lemma_ in ("face", "pose", "carry", "present", "see") and any(
        child.dep_ == "dobj" and child.lemma_.lower() in ("risk", "threat")
        for child in verb.children
    )
