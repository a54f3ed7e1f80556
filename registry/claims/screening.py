"""Stage 2: forecast or not — each unit gets a verdict and the reasons for it.

A unit is a forecast when the author asserts something about what will happen after
publication. Evidence, any one piece of which is enough (`_evidence`):

* a future modal on a verb of an asserted clause ("will", "'ll", "won't", "shall", "is
  going to", "should" on a non-personal subject) — read from the parse, so a "will" inside
  a when/if/whether clause, an embedded question ("what the peak will be") or quotation
  marks does not count;
* an estimative phrase of the table that is a cue ("likely", "expected to", "projected
  to", "I expect"), or a stated probability;
* a first-person judgement of an event ("So we think growth continues");
* a bare possibility ("may", "could", "might", "can spur"): a *weak* forecast, no number;
* a date after publication, on a clause that is neither past nor a present state (unless
  it reports a projection: "the median projection is 4.1 percent at the end of 2024");
* being an item of a predictions list (present-tense bets), or a label with a number.

Not forecasts, each with its reason (`_refusal`): questions, the header block, sentences
about the text or the event itself ("here are my predictions", "with that, I'll turn it
over to ...", forward-looking-statement disclaimers), the past and the present, intentions
and commitments ("we will do everything we can"), reaction functions ("it will depend on
the data"), hypotheticals ("would"), conditionals ("if X, Y will": the premise is not
asserted) and withheld claims ("[redacted]"). Someone else's forecast, in quotation marks
or attributed ("X said", "according to X"), is a forecast marked with its speaker.
"""

from __future__ import annotations

import re

from registry.claims.estimative import EstimativeTable, default_table
from registry.claims.horizons import Context, is_future, time_expressions
from registry.claims.passage import Passage, Unit
from registry.claims.probability import stated_probability
from registry.claims.text import blank_quotes, normalize

_SAY = r"(?:'ll|\s+will|\s+am\s+going\s+to|'m\s+going\s+to|\s+are\s+going\s+to|'re\s+going\s+to|\s+would\s+like\s+to|'d\s+like\s+to|\s+want\s+to)"  # noqa: E501
META = [
    r"\b(?:this|the\s+next|my\s+next|another|a\s+future|an\s+upcoming|a\s+follow-up)\s+"
    r"(?:post|piece|newsletter|episode|thread|series|chapter|section|talk|video|podcast|call|"
    r"presentation|slide)s?\b",
    r"\bsubscribe\b|\blet\s+me\s+know\b|\bstay\s+tuned\b|^(?:and\s+)?(?:thank\s+you|thanks)\b",
    rf"\b(?:I|we){_SAY}\s+(?:now\s+)?(?:discuss|cover|explain|argue|show|walk|look\s+at|talk|"
    r"write|describe|outline|go\s+over|share|review|summari[sz]e|turn|hand|open|start|begin|"
    r"move\s+on|update\s+you|revisit|score|grade|answer|repeat|highlight|provide|give\s+you|"
    r"be\s+happy|pass|comment|elaborate|return|check|make\s+a\s+few|have\s+more\s+to\s+say|"
    r"tell\s+you|take\s+(?:your\s+)?questions|point\s+you|say\s+(?:a\s+few|more))\b",
    r"\bforward[-\s]looking\s+statements?\b|\bsafe\s+harbor\b|\bactual\s+results\s+(?:may|could)\b",
    r"\b(?:here\s+(?:are|is)|below\s+are|these\s+are|the\s+following\s+are)\b[^.]{0,50}"
    r"\b(?:predictions?|forecasts?|bets?|calls|picks|thoughts)\b",
    r"\bturn\s+(?:it|the\s+call|things)\s+(?:back\s+)?over\b|\bopen\s+(?:it\s+)?up\s+for\s+questions\b|"
    r"\bnext\s+question\b|\bhappy\s+to\s+take\s+(?:your\s+)?questions\b",
    r"\bunless\s+otherwise\s+(?:stated|noted)\b|\bpredictions\s+are\s+about\b",
    # about the predictions themselves: "my predictions will mostly happen in tech",
    # "my range will be 5% to 95%"
    r"\b(?:my|our|these|the)\s+(?:predictions|forecasts|bets|range|list|picks)\s+"
    r"(?:will|won't|are\s+going\s+to)\b",
    # the call itself and its reminders: "we will go ahead and take our first question"
    r"\b(?:take|open\s+(?:the\s+call|the\s+line|it|the\s+floor)\s+(?:up\s+)?for)\s+"
    r"(?:our\s+|the\s+|your\s+)?(?:first\s+|next\s+)?questions?\b|^as\s+a\s+reminder\b|"
    r"\bmay\s+be\s+more\s+or\s+less\b|^(?:and\s+)?as\s+always\b",
    r"^\W*(?:my|our|the)\s+(?:[\w-]+\s+){0,3}(?:predictions|forecasts|bets|picks|calls)\s+"
    r"(?:for|about|on)\b[^.!?]{0,40}[:.]?\s*$",
    # predicting as an activity: "I am making a set of predictions for 2019", "publishes
    # predictions for the year", "I will rate my predictive success"
    r"\b(?:making|make|made|publish(?:es|ed|ing)?|rate|rating|score|scoring|grade|grading|"
    r"based\s+on)\b[^.]{0,40}\b(?:predictions|forecasts|predictive|calibration)\b",
    r"^(?:read|give|take|see|click|sign\s+up|fill\s+out|check\s+out|join|vote)\b[^.]*\bhere\b|"
    r"\b(?:is|are)\s+here\s*[.!]?$",
    r"\b(?:the\s+following|as\s+follows)\s*:\s*$|\blet(?:'s|\s+me|\s+us)\s+(?:now\s+)?(?:take|"
    r"look|get|start|begin|see|review|move|turn|dive|jump|go|close|end|recap|summari[sz]e)\b",
    # the call or the event itself: operators, webcasts, replays, the Q&A, conferences
    r"\b(?:conference\s+)?operator\b|\bwebcast\b|\breplay\b|\bquestion[-\s]and[-\s]answer\b|"
    r"\bQ&A\b|\b(?:earnings|conference)\s+call\b[^.]*\bscheduled\b|\bwill\s+be\s+(?:attending|"
    r"presenting|participating|hosting)\b|\binvestor\s+day\b",
    # disclaimers
    r"\bmay\s+differ\s+(?:materially|significantly)\b|\billustrative\s+purposes\b|"
    r"\bstatements?\s+(?:are|is)\s+made\s+as\s+of\b|\bnot\s+(?:a\s+)?guarantee\b|"
    r"\bpast\s+performance\b|\bno\s+obligation\s+to\s+update\b",
]
_META = [re.compile(pattern, re.I) for pattern in META]
_QUESTION_START = re.compile(
    r"^(?:I\s+wonder|I'm\s+wondering|can\s+you|could\s+you|would\s+you|do\s+you|did\s+you|"
    r"are\s+you|how\s+do\s+you|what\s+do\s+you|is\s+there\s+any)\b",
    re.I,
)
# "## FIGURE 2: ...", "Exhibit 3:", "*Long-run projections are ...", "Source: ..."
_CAPTION = re.compile(
    r"^(?:#+\s*)?(?:source|sources|note|notes|table\s+\d+[a-z]?)\s*"
    r"(?:\d+[a-z]?\s*)?[:.\u2013\u2014-]|^\*+[A-Za-z]|^\(?\d{1,2}\)\s*(?:source|note)\b",
    re.I,
)
_TAG_QUESTION = re.compile(r",?\s*(?:right|isn't\s+it|don't\s+you\s+think|no)\?[\"')\]]*\s*$", re.I)
_FUTURE_WORDS = re.compile(
    r"\beventually\b|\b(?<!as )(?:soon|shortly)\b(?!\s+as\b)|\bin\s+the\s+(?:coming|next)\s+"
    r"(?:few\s+|couple\s+of\s+)?(?:days|weeks|months|quarters|years|decades?)\b|"
    r"\bgoing\s+forward\b|\bfrom\s+now\s+on\b|\bin\s+the\s+future\b|\bin\s+years\s+to\s+come\b|"
    r"\b(?:is|are)\s+about\s+to\b|\bnot\s+(?:that\s+|too\s+|so\s+)?far\s+off\b|"
    r"\bwithin\s+(?:reach|grasp)\b|\bon\s+the\s+(?:table|horizon|way)\b|\bin\s+the\s+cards\b|"
    r"\bwhat(?:'s|\s+is)\s+coming\b|\b(?:lies?|lying)\s+ahead\b|\bahead\s+of\s+us\b|"
    r"\b(?:years?|months?|weeks?|quarters?|days?|decades?|road|period|times?)\s+ahead\b|"
    r"\b(?:starting|beginning)\s+(?:in|from|next|this|later)\b",
    re.I,
)
# In a season preview, the present tense picks: "Chiefs are clear number 1", "I like them
# in the regular season", "... OVER".
_SPORTS_PICK = re.compile(
    r"\b(?:OVER|UNDER)\.?\s*$|\b(?:I|we)(?:'m|\s+am|\s+are)?\s+(?:like|pick|picking|take|taking|"
    r"have|give|went\s+with|go\s+with|chose|choose|put|decided\s+to\s+put|see)\s+(?:the\s+)?"
    r"(?:them|him|[A-Z]\w+)|\b(?:is|are)\s+(?:a\s+|the\s+)?(?:clear\s+|solid\s+|distant\s+)?"
    r"(?:number\s+\d|No\.\s*\d|#\d|\d(?:st|nd|rd|th)|first|second|third|fourth|fifth|last)\b"
    r"(?:\s+(?:seed|place|in\s+the\b))?",
)
_PROJECTION = re.compile(
    r"\b(?:projections?|projected|forecasts?|outlook|estimates?|expectations?|guidance|"
    r"baseline|SEP|scenarios?)\b",
    re.I,
)
# Verbs of doing: "we will <verb>" is a commitment of the speaker's, not a forecast.
ACTION_VERBS = frozenset(
    [
        "do",
        "continue",
        "remain",
        "work",
        "provide",
        "update",
        "take",
        "keep",
        "monitor",
        "watch",
        "discuss",
        "turn",
        "talk",
        "share",
        "give",
        "focus",
        "act",
        "respond",
        "proceed",
        "hand",
        "pass",
        "try",
        "seek",
        "strive",
        "aim",
        "ensure",
        "support",
        "follow",
        "assess",
        "evaluate",
        "review",
        "consider",
        "decide",
        "adjust",
        "cover",
        "walk",
        "explain",
        "answer",
        "prioritize",
        "prioritise",
        "commit",
        "pursue",
        "maintain",
        "address",
        "stay",
        "make",
        "move",
        "find",
        "wait",
        "rate",
        "judge",
        "determine",
        "set",
        "echo",
        "begin",
        "start",
    ]
)
CHANGE_VERBS = frozenset(
    [
        "spur",
        "dominate",
        "drive",
        "lead",
        "cause",
        "accelerate",
        "become",
        "reshape",
        "transform",
        "replace",
        "overtake",
        "surpass",
        "unlock",
        "push",
        "bring",
        "trigger",
        "boost",
        "reduce",
        "increase",
        "hurt",
        "fuel",
        "create",
        "emerge",
        "erode",
        "shift",
        "win",
        "lose",
        "collapse",
        "crash",
        "rise",
        "fall",
        "grow",
        "decline",
        "rebound",
        "slow",
        "speed",
        "outpace",
        "disrupt",
        "come",
        "go",
        "improve",
        "worsen",
        "move",
        "return",
        "climb",
        "drop",
        "reach",
        "exceed",
        "hit",
        "surge",
        "change",
        "happen",
    ]
)
_EXPECTING = frozenset(
    ["expect", "anticipate", "predict", "forecast", "project", "foresee", "bet", "wager"]
)
# "I guess that's what I'd emphasise" is not a call: these need a future in what follows.
_JUDGING = frozenset(["think", "believe", "suspect", "reckon", "estimate", "see", "doubt", "guess"])
# "We'll be alert to it", "we will be ready": the speaker's stance, not an event.
_STANCES = frozenset(
    {"alert", "vigilant", "ready", "prepared", "watchful", "attentive", "mindful", "patient"}
    | {"careful", "cautious", "open", "happy", "glad", "watching", "looking"}
)
_STATIVE = frozenset(["be", "have", "seem", "appear", "look", "feel", "mean", "matter"])
_STATE_VERBS = _STATIVE | {"mark", "represent", "include", "contain", "stand"}
_SUBORDINATORS = frozenset(
    [
        "if",
        "when",
        "whether",
        "unless",
        "once",
        "until",
        "while",
        "before",
        "after",
        "whenever",
        "as",
    ]
)
_WH = frozenset(["what", "how", "where", "which", "whether", "when", "why", "who", "whom"])
_ATTRIBUTION = re.compile(
    r"(?:^|[,;]\s*|\s)(?:(?P<after>said|says|told|wrote|writes|argues|argued|predicts|predicted|"
    r"warned|warns|added|noted|explained)\s+(?P<who>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}))|"
    r"(?P<who2>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s+(?:said|says|told|wrote|writes|argues|"
    r"predicts|predicted|warned|warns|expects|believes|forecasts|projects|noted)\b|"
    r"according\s+to\s+(?P<who3>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})"
)
_NOT_SPEAKERS = frozenset({"i", "we", "you", "they", "he", "she", "it", "this", "that", "the"})
_FIRST_PERSON = frozenset({"i", "we", "us", "our", "my"})
# Who acts, not what happens: "the Committee will assess", "policy will adjust".
_INSTITUTIONS = frozenset({"committee", "board", "fed", "policy", "management", "company"})
# Who is advised: "investors should remain vigilant", "you will need a GPU".
_ADVISED = _FIRST_PERSON | {"you", "investors", "clients", "savers", "everyone", "people", "one"}
_ADVISED |= {"businesses", "companies", "firms", "policymakers", "governments", "readers"}
_READERS = frozenset({"you", "investors", "clients", "savers", "readers"})
# "X should consider": advice whoever X is, not an expectation.
_ADVICE_VERBS = frozenset(
    {"consider", "look", "focus", "avoid", "buy", "sell", "invest", "prioritize", "own"}
    | {"think", "note", "expect", "take", "watch", "add", "remember", "beware"}
)


# --- reading the parse ---------------------------------------------------------------------


def _subject_of(verb):
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "expl"):
            return child
    if verb.dep_ in ("conj", "xcomp") and verb.head.i != verb.i:
        return _subject_of(verb.head)
    return None


def _stance(verb) -> bool:
    """ "we'll be alert", "we'll have to be watching", "we will now report": what the
    speakers will do or be, said of themselves."""
    if verb.lemma_ == "have" and any(c.dep_ == "xcomp" for c in verb.children):
        return True  # "we'll have to ..."
    if verb.lemma_ == "report":
        return True
    if verb.lemma_ != "be":
        return False
    return any(
        child.dep_ in ("acomp", "attr", "xcomp") and child.lemma_.lower() in _STANCES
        for child in verb.children
    )


def _not_asserted(token) -> str:
    """Why the clause holding `token` is not asserted by the sentence ("" when it is)."""
    node = token
    while node.head.i != node.i:
        if node.dep_ in ("advcl", "csubj", "pcomp", "ccomp", "relcl", "acl", "pobj", "dobj"):
            children = list(node.children)
            marks = {c.lower_ for c in children if c.dep_ in ("mark", "advmod")} & _SUBORDINATORS
            if (marks and node.dep_ != "ccomp") or marks & {"if", "whether", "unless", "when"}:
                return f"inside a “{sorted(marks)[0]}” clause"
            first = node.doc[min(t.i for t in node.subtree)]
            if node.dep_ in ("ccomp", "pcomp", "pobj", "dobj", "csubj") and first.lower_ in _WH:
                return f"inside an embedded question (“{first.text} …”)"
        if node.dep_ == "relcl" and node.head.lower_ in ("when", "time", "period", "day"):
            return "inside a “when” clause"
        node = node.head
    return ""


def _quoted_ranges(unit: Unit) -> list[tuple[int, int]]:
    base = unit.doc[0].idx if unit.doc is not None and len(unit.doc) else 0
    return [
        (base + match.start(), base + match.end())
        for match in re.finditer(r'"[^"\n]*"', normalize(unit.text))
    ]


def _modal_cues(unit: Unit) -> list[tuple[str, object, object]]:
    """(kind, modal, verb) for each future, possibility or conditional modal."""
    span = unit.doc
    if span is None:
        return []
    quoted = _quoted_ranges(unit)
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
            # the verb is what is going to happen: "we're going to see", not "go"
            action = next((c for c in token.children if c.dep_ == "xcomp"), token)
            cues.append(("future", token, action))
    return cues


def _tense(unit: Unit) -> str:
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
    if root.tag_ in ("VBZ", "VBP") and root.lemma_ in _STATE_VERBS:
        return "state"
    return ""


def _bare_participle(unit: Unit) -> bool:
    """ "Chinese Communist Party represented in Hong Kong government": a bet's verbless
    participle, not the past."""
    root = unit.doc.root if unit.doc is not None else None
    return (
        root is not None
        and root.tag_ == "VBN"
        and not any(child.dep_ in ("aux", "auxpass") for child in root.children)
    )


def _speaker(unit: Unit) -> str:
    match = _ATTRIBUTION.search(blank_quotes(normalize(unit.text)))
    if not match:
        return ""
    who = (match.group("who") or match.group("who2") or match.group("who3") or "").strip(" .,")
    return "" if who.split(" ")[0].lower() in _NOT_SPEAKERS else who


def _quoting_subject(unit: Unit) -> str:
    """Who the main clause says holds the quoted words: "Many other outlets … “China will …”"."""
    if unit.doc is None:
        return ""
    subject = _subject_of(unit.doc.root)
    if subject is None or subject.lower_ in _NOT_SPEAKERS:
        return ""
    if any(start <= subject.idx < end for start, end in _quoted_ranges(unit)):
        return ""  # the subject is inside the quotation
    return " ".join(token.text for token in subject.subtree)


# --- refusals before any evidence ----------------------------------------------------------


def _is_heading(unit: Unit) -> bool:
    """A short line with no verb and no closing punctuation: "2023 Predictions", "1Q 2025"."""
    if unit.in_list or unit.doc is None or len(unit.text.split()) > 8:
        return False
    if re.search(r"(?<!\.\.)[.!?:;)\"'\u201d\u2019]$", unit.text.strip()):
        return False
    return not any(token.pos_ in ("VERB", "AUX") for token in unit.doc)


def _is_bet(unit: Unit, passage: Passage) -> bool:
    """The opening line of an item in a list of predictions: a bet, whatever its tense. Its
    further sentences explain it, and an item wholly in quotation marks quotes another."""
    if unit.block not in passage.predictions_list_blocks or len(unit.text.split()) > 30:
        return False
    stripped = unit.text.strip()
    marker = passage.text[max(0, unit.start - 8) : unit.start]
    if re.match(r"\(?\d{1,2}[.)]\s", stripped) or re.search(r"(?:^|\s)\d{1,2}[.)]\s*$", marker):
        return True  # a ranked position: "1. Chiefs (Playoffs)", "1) Rays, 2) Jays"
    has_verb = unit.doc is not None and any(t.pos_ in ("VERB", "AUX") for t in unit.doc)
    if stripped.endswith((",", ":")) or (not has_verb and len(stripped.split()) <= 3):
        return False  # a fragment: a name alone ("Chiefs"), a bin ("0.20-0.25:")
    if not has_verb and stripped.count(",") >= 2:
        return False  # "Max, Peacock, Paramount, Hulu, ...": the options of a bet, listed
    if unit.previous is not None and unit.previous.block == unit.block:
        return False
    return not re.fullmatch(r'\s*"[^"]*"?\s*', normalize(unit.text))


def _refusal(unit: Unit, stated: bool) -> str:
    text = normalize(unit.text)
    if unit.header:
        return "the document's header block"
    if unit.language != "en":
        return "not English"
    if re.search(
        r"\[(?:redacted|withheld|friend|name|job|person|company|someone)(?:\s*\d+)?\]", text, re.I
    ):
        return "its words are withheld"
    if re.search(r"\?[\"')\]]*\s*$", text) and not _TAG_QUESTION.search(text):
        return "a question"
    if _QUESTION_START.search(text):
        return "a question"
    if _is_heading(unit) and not stated:
        return "a heading"
    if _CAPTION.match(text):
        return "a caption or a footnote"
    if stated and unit.kind in ("item", "label"):
        return ""  # a bet with its number: "I subscribe to 5 new Substacks: 20%"
    for pattern in _META:
        meta = pattern.search(blank_quotes(text))
        if meta:
            return f"about the text or the event itself: “{meta.group()}”"
    return ""


# --- evidence ------------------------------------------------------------------------------


class Evidence:
    def __init__(self) -> None:
        self.strong: list[str] = []
        self.weak: list[str] = []
        self.vetoes: list[str] = []  # why it is not asserted, if nothing else counts


def _in_relative_clause(token) -> bool:
    node = token
    while node.head.i != node.i:
        if node.dep_ in ("relcl", "acl"):
            return True
        node = node.head
    return False


def _modal_evidence(unit: Unit, found: Evidence, *, in_bets: bool) -> None:
    past_root = _tense(unit) == "past"
    for kind, modal, verb in _modal_cues(unit):
        why_not = _not_asserted(verb)
        if why_not:
            found.vetoes.append(f"its future wording is {why_not}")
            continue
        subject = _subject_of(verb)
        subject_word = subject.lower_ if subject is not None else ""
        phrase = f"{modal.text} {verb.text}" if modal.i != verb.i else modal.text
        if verb.tag_ == "VBN" and any(child.lower_ == "have" for child in verb.children):
            continue  # "could have", "will have been": looks back
        if past_root and _in_relative_clause(verb):
            # "We launched X, which will give fans ...": what a past act's product does
            found.vetoes.append(f"its future wording describes something done: “{phrase}”")
            continue
        if verb.lemma_ == "depend":
            found.vetoes.append(f"a reaction function, not an event: “{phrase}”")
            continue
        if (
            kind == "future"
            and verb.lemma_ == "see"
            and subject_word in _FIRST_PERSON
            and not [c for c in verb.children if c.dep_ in ("dobj", "ccomp", "xcomp")]
        ):
            found.vetoes.append("a commitment to wait: “we'll see”")
            continue
        actor = subject_word in _FIRST_PERSON or subject_word in _INSTITUTIONS
        if kind == "future" and actor and verb.lemma_ in ACTION_VERBS:
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word in ("i", "we") and not in_bets and _stance(verb):
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word == "i" and verb.lemma_ != "be" and not in_bets:
            # "I will first go back over", "I'll echo", "I'm going to take a swing": the
            # speaker's own act, announced, not an event forecast
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word == "you" and verb.lemma_ in (
            "need", "want", "find", "notice", "read", "hear", "learn", "know", "see", "recall",
        ):  # fmt: skip
            found.vetoes.append("an instruction to the reader")
            continue
        if kind == "future" and verb.lemma_ == "need" and subject_word in _READERS:
            found.vetoes.append(f"advice: “{subject.text} {phrase}”")
            continue
        if kind == "expectation" and (
            subject_word in _ADVISED
            or (subject is not None and subject.ent_type_ in ("PERSON", "NORP"))
            or verb.lemma_ in _ADVICE_VERBS
        ):
            continue  # "we should do", "you should", "investors should consider": advice
        if kind == "conditional":
            if verb.lemma_ in _EXPECTING:
                found.strong.append(f"an estimate: “{phrase}”")
            else:
                found.vetoes.append(f"a hypothetical: “{phrase}”")
            continue
        (found.weak if kind == "possibility" else found.strong).append(f"{kind} modal “{phrase}”")


def _word_evidence(unit: Unit, table: EstimativeTable, tense: str, found: Evidence) -> None:
    for match in table.matches(unit.text):
        if match.discounted or not match.entry.cue:
            continue
        if match.entry.rank == 0 and match.entry.label != "is set to":
            continue  # the modals are read from the parse
        if match.entry.weak:
            found.weak.append(f"a bare possibility “{match.text}”")
        elif tense != "past":
            found.strong.append(f"{match.entry.label}: “{match.text}”")


def _judgement_evidence(unit: Unit, found: Evidence) -> None:
    """ "I expect X to ...", "we think growth continues": a first-person call on an event."""
    if unit.doc is None:
        return
    for token in unit.doc:
        if token.lemma_ not in _EXPECTING | _JUDGING or token.tag_ not in ("VBP", "VB"):
            continue
        subject = _subject_of(token)
        if subject is None or subject.lower_ not in ("i", "we") or _not_asserted(token):
            continue
        if token.dep_ == "xcomp" or any(child.dep_ == "neg" for child in token.children):
            continue  # "I wouldn't like to predict where prices will go"
        complement = next((c for c in token.children if c.dep_ in ("ccomp", "xcomp", "dobj")), None)
        if complement is None:
            continue
        complement_subject = _subject_of(complement)
        modal = next(
            (c for c in complement.children if c.tag_ == "MD" and c.lower_ not in ("would",)), None
        )
        if modal is None and complement.tag_ == "MD" and complement.lower_ != "would":
            modal = complement  # "I'll guess that she won't": the modal stands for its verb
        if token.lemma_ in _EXPECTING:
            found.strong.append(f"a first-person expectation “{subject.text} {token.text}”")
        elif modal is not None:
            found.strong.append(
                f"a first-person judgement of what will be “{subject.text} {token.text} … "
                f"{modal.text} {complement.text}”"
            )
        elif (
            complement.tag_ in ("VBZ", "VBP")
            and complement.lemma_ in CHANGE_VERBS | {"continue", "stay", "keep", "persist"}
            and complement_subject is not None
            and complement_subject.lower_ not in _NOT_SPEAKERS | {"there"}
            and not any(child.dep_ in ("aux", "neg") for child in complement.children)
        ):
            found.strong.append(
                f"a first-person judgement of an event “{subject.text} {token.text} … "
                f"{complement.text}”"
            )


_REPORTED_PROJECTION = re.compile(
    r"\b(?:(?:median|baseline|central|our|the)\s+)?(?:projections?|forecasts?|guidance|estimates?)\b"
    r"[^.;]{0,80}?\b(?:is|are|stands?|comes?\s+in|of|at)\b[^.;]{0,40}?\d",
    re.I,
)


def _projection_evidence(unit: Unit, tense: str, found: Evidence) -> None:
    """ "The median projection is 4.1 percent at the end of 2024": a forecast reported."""
    if tense == "past":
        return
    match = _REPORTED_PROJECTION.search(normalize(unit.text))
    if match:
        found.strong.append(f"a reported projection “{unit.text[match.start() : match.end()]}”")


def _date_evidence(unit: Unit, passage: Passage, tense: str, found: Evidence) -> None:
    if tense in ("past", "hypothetical") or (
        tense == "state" and not _PROJECTION.search(unit.text)
    ):
        return
    ctx = Context(passage.published, passage.fiscal_year_start_month)
    for expression in time_expressions(unit.text, ctx):
        if expression.cue and is_future(expression, passage.published):
            found.strong.append(f"a date after publication “{expression.horizon.phrase}”")
            return


def _evidence(unit: Unit, passage: Passage, table: EstimativeTable, stated) -> Evidence:
    found = Evidence()
    if stated is not None:
        found.strong.append(f"a stated probability “{stated.phrase}”")
    tense = _tense(unit)
    in_bets = passage.titled_as_bets or unit.block in passage.predictions_list_blocks
    _modal_evidence(unit, found, in_bets=in_bets)
    _word_evidence(unit, table, tense, found)
    if tense != "past":
        _judgement_evidence(unit, found)
        future_word = _FUTURE_WORDS.search(blank_quotes(normalize(unit.text)))
        if future_word:
            found.strong.append(f"future wording “{future_word.group()}”")
    _date_evidence(unit, passage, tense, found)
    _projection_evidence(unit, tense, found)
    if passage.league is not None and tense != "past":
        pick = _SPORTS_PICK.search(blank_quotes(normalize(unit.text)))
        if pick:
            found.strong.append(f"a pick in a season preview “{pick.group().strip()}”")
    if _is_bet(unit, passage) and (tense != "past" or _bare_participle(unit)):
        found.strong.append("an item of a list of predictions")
    if tense == "past" and not found.strong and not found.weak:
        found.vetoes.append("the past")
    return found


def _conditional(unit: Unit) -> str:
    """A leading if/unless clause: the consequence holds only on an unasserted premise.
    An illustration of the claim before it ("E.g. if the U.S. bans ...") is asserted."""
    text = normalize(unit.text).lstrip("(\"' ")
    if re.match(r"(?:e\.g\.|for\s+example|for\s+instance)", text, re.I):
        return ""
    match = re.match(r"(?:(?:and|but|so|now|even|only)\s+)?(if|unless)\b", text, re.I)
    return f"a conditional (“{match.group(1)} …”): its premise is not asserted" if match else ""


def screen_unit(unit: Unit, passage: Passage, table: EstimativeTable) -> None:
    """Set `unit.verdict`, `unit.strength` and `unit.speaker`, with reasons."""
    stated = stated_probability(unit.text) or unit.next_line_probability
    refusal = _refusal(unit, stated is not None)
    if refusal:
        return _refuse(unit, refusal)
    found = _evidence(unit, passage, table, stated)
    if _continues_forecast(unit, passage):
        found.strong.append("a continuation of the claim before (“…”)")
    conditional = _conditional(unit)
    if conditional and stated is None:
        return _refuse(unit, conditional)
    reaction = next((v for v in found.vetoes if v.startswith("a reaction")), None)
    if reaction and stated is None:
        return _refuse(unit, reaction)
    commitments = [
        veto
        for veto in found.vetoes
        if veto.startswith(("a commitment", "an instr", "a reaction", "advice"))
    ]
    decisive = [r for r in found.strong if not r.startswith(("future modal", "future wording"))]
    if commitments and not decisive:
        return _refuse(unit, commitments[0])
    if not found.strong and not found.weak:
        quoted = blank_quotes(normalize(unit.text)) != normalize(unit.text)
        speaker = _speaker(unit) or _quoting_subject(unit)
        if quoted and not speaker:
            return _refuse(unit, "a quotation with no speaker: the author's own old words?")
        if quoted and re.search(r"\b(?:will|won't|going\s+to)\b", normalize(unit.text), re.I):
            unit.speaker = speaker
            unit.verdict, unit.strength = True, "strong"
            unit.because(f"someone else's forecast, quoted: {unit.speaker}")
            return None
        return _refuse(unit, found.vetoes[0] if found.vetoes else "no forecast wording")
    if not found.strong and not _follows_forecast(unit, passage):
        return _refuse(
            unit, f"only a bare possibility ({found.weak[0]}), outside a run of forecasts"
        )
    unit.verdict = True
    unit.strength = "strong" if found.strong else "weak"
    for reason in found.strong + found.weak:
        unit.because(reason)
    speaker = _speaker(unit)
    if speaker:
        unit.speaker = speaker
        unit.because(f"attributed to {speaker}")
    return None


def _continues_forecast(unit: Unit, passage: Passage) -> bool:
    """ "…in any First World country: 80%" continues the claim on the line before."""
    if not re.match(r"\s*(?:\u2026|\.\.\.)", unit.text):
        return False
    return unit.previous is not None and unit.previous.verdict is True


def _follows_forecast(unit: Unit, passage: Passage) -> bool:
    """Whether a bare possibility is read as a forecast: in a post of bets, or when the unit
    just before it in its paragraph is one ("There will be more safety shocks. These can
    spur regulation." reads as one forecast)."""
    if passage.titled_as_bets or passage.titled_as_outlook:
        return True  # a post of bets or an outlook: its possibilities are forecasts too
    before = unit.previous
    return (
        before is not None
        and before.block == unit.block
        and before.verdict is True
        and before.strength == "strong"
    )


def _refuse(unit: Unit, reason: str) -> None:
    unit.verdict = False
    unit.because(f"not a forecast: {reason}")


def question_turns(passage: Passage) -> set[int]:
    """The paragraphs of an interview or a press conference that end by asking: a
    journalist's turn, whose other sentences set up the question ("You've said a lot of
    central banks are now more confident that inflation will return to target. ...?").
    Only in a text with at least three such paragraphs, so that a post's rhetorical
    question does not silence its paragraph."""
    last_of_block: dict[int, Unit] = {}
    sizes: dict[int, int] = {}
    for unit in passage.units:
        last_of_block[unit.block] = unit
        sizes[unit.block] = sizes.get(unit.block, 0) + 1
    asking = {
        block
        for block, unit in last_of_block.items()
        if sizes[block] > 1
        and not unit.in_list
        and re.search(r"\?[\"')\]\u201d]*\s*$", unit.text)
        and not re.search(r",\s*(?:right|isn't\s+it|no)\?", normalize(unit.text), re.I)
    }
    return asking if len(asking) >= 3 else set()


def screen(passage: Passage, *, table: EstimativeTable | None = None) -> Passage:
    table = table or default_table()
    asking = question_turns(passage)
    for unit in passage.units:
        if unit.block in asking and not (
            stated_probability(unit.text) or unit.next_line_probability
        ):
            _refuse(unit, "part of a question (its paragraph ends by asking)")
            continue
        screen_unit(unit, passage, table)
    return passage
