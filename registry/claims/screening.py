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

from registry.claims.clauses import (
    bare_participle,
    in_relative_clause,
    is_evaluation,
    is_imperative,
    is_rate_path,
    is_risk,
    is_stance,
    modal_cues,
    not_asserted,
    quoting_subject,
    speaker_of,
    subject_of,
    tense_of,
)
from registry.claims.cues import (
    ACTION_VERBS,
    ADVICE_VERBS,
    ADVISED,
    BASELINE_PREMISE,
    BET_NOTE,
    CAPTION,
    CHANGE_VERBS,
    EVENT_NOUNS,
    EXPECTING,
    FIRST_PERSON,
    FORECAST_NOUN,
    FUTURE_WORDS,
    INSTITUTIONS,
    JUDGING,
    LEADING_CONDITION,
    META_PATTERNS,
    NOT_SPEAKERS,
    PERIOD_NAME,
    PROJECTION,
    QUESTION_START,
    READERS,
    REPORTED_PROJECTION,
    SCENARIO,
    SPORTS_PICK,
    TAG_QUESTION,
    TEAM_LINE,
)
from registry.claims.estimative import EstimativeTable, default_table
from registry.claims.horizons import PROJECTION_HORIZON, Context, is_future, time_expressions
from registry.claims.passage import Passage, Unit
from registry.claims.probability import stated_probability
from registry.claims.text import blank_quotes, normalize

# --- refusals before any evidence ----------------------------------------------------------


def _is_heading(unit: Unit) -> bool:
    """A short line with no verb and no closing punctuation: "2023 Predictions", "1Q 2025"."""
    if unit.in_list or unit.doc is None or len(unit.text.split()) > 8:
        return False
    if re.search(r"(?<!\.\.)[.!?:;)\"'\u201d\u2019]$", unit.text.strip()):
        return False
    if re.search(r"\b(?:OVER|UNDER)$", unit.text.strip()):
        return False  # "Won 57 last season, so … OVER": a pick
    if REPORTED_PROJECTION.search(normalize(unit.text)):
        return False  # "Indonesia - GDP Forecast 5.3%": a line of an outlook's table
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
    if BET_NOTE.match(normalize(stripped)):
        return False
    if passage.league is not None and TEAM_LINE.fullmatch(stripped):
        return True  # a season preview's standings: "Pittsburgh Penguins", "Florida Panthers (A2)"
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
    if re.search(r"\?[\"')\]]*\s*$", text) and not TAG_QUESTION.search(text):
        return "a question"
    if QUESTION_START.search(text):
        return "a question"
    if _is_heading(unit) and not stated:
        return "a heading"
    if CAPTION.match(text):
        return "a caption or a footnote"
    if stated and unit.kind in ("item", "label"):
        return ""  # a bet with its number: "I subscribe to 5 new Substacks: 20%"
    for pattern in META_PATTERNS:
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
        self.vetoed_modals: set[str] = set()  # "may" of "I may want": not a possibility


def _modal_evidence(
    unit: Unit, found: Evidence, *, in_bets: bool, policy_body: bool = False
) -> None:
    past_root = tense_of(unit) == "past"
    for kind, modal, verb in modal_cues(unit):
        why_not = not_asserted(verb)
        if why_not:
            found.vetoes.append(f"its future wording is {why_not}")
            continue
        subject = subject_of(verb)
        subject_word = subject.lower_ if subject is not None else ""
        phrase = f"{modal.text} {verb.text}" if modal.i != verb.i else modal.text
        if verb.tag_ == "VBN" and any(child.lower_ == "have" for child in verb.children):
            continue  # "could have", "will have been": looks back
        if past_root and in_relative_clause(verb):
            # "We launched X, which will give fans ...": what a past act's product does
            found.vetoes.append(f"its future wording describes something done: “{phrase}”")
            continue
        if is_risk(verb):
            found.vetoes.append(f"a risk named, not foretold: “{phrase} {verb.text}”")
            found.vetoed_modals.add(modal.lower_)
            continue
        if verb.lemma_ in ("depend", "hinge") or (
            verb.lemma_ == "base" and any(c.dep_ == "auxpass" for c in verb.children)
        ):  # "it will depend on the data", "our decisions will be based on"
            found.vetoes.append(f"a reaction function, not an event: “{phrase}”")
            continue
        if (
            kind == "future"
            and verb.lemma_ == "see"
            and subject_word in FIRST_PERSON
            and not [c for c in verb.children if c.dep_ in ("dobj", "ccomp", "xcomp")]
        ):
            found.vetoes.append("a commitment to wait: “we'll see”")
            continue
        actor = subject_word in FIRST_PERSON or subject_word in INSTITUTIONS
        if kind == "future" and actor and verb.lemma_ in ACTION_VERBS:
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word in ("i", "we") and not in_bets and is_stance(verb):
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word == "i" and verb.lemma_ != "be" and not in_bets:
            # "I will first go back over", "I'll echo", "I'm going to take a swing": the
            # speaker's own act, announced, not an event forecast
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "possibility" and subject_word == "i" and not in_bets:
            found.vetoes.append(f"the speaker's own option: “{subject.text} {phrase}”")
            found.vetoed_modals.add(modal.lower_)
            continue
        if kind == "future" and is_evaluation(verb, subject_word):
            found.vetoes.append(f"an evaluation, not an event: “{subject.text} {phrase}”")
            continue
        if kind == "future" and policy_body and subject_word == "we" and not is_rate_path(verb):
            # A central bank's "we will be data dependent", "we shall see whether": its
            # own conduct; only its rate path ("we'll need to stay there") is a forecast.
            found.vetoes.append(f"a commitment: “{subject.text} {phrase}”")
            continue
        if kind == "future" and subject_word == "you" and verb.lemma_ in (
            "need", "want", "find", "notice", "read", "hear", "learn", "know", "see", "recall",
        ):  # fmt: skip
            found.vetoes.append("an instruction to the reader")
            continue
        if kind in ("future", "possibility") and subject_word == "you" and not in_bets:
            # "you will be on the receiving end", "you could pick one up": said to the
            # audience, not of the world
            found.vetoes.append(f"said to the audience: “{subject.text} {phrase}”")
            found.vetoed_modals.add(modal.lower_)
            continue
        if kind == "future" and verb.lemma_ == "need" and subject_word in READERS:
            found.vetoes.append(f"advice: “{subject.text} {phrase}”")
            continue
        if kind == "future" and verb.lemma_ == "need" and not is_rate_path(verb):
            # "Someva will need about $800 m of equity", "pledges will need to be followed
            # up": a requirement stated, not an event foretold
            found.vetoes.append(f"a requirement, not an event: “{phrase}”")
            continue
        if kind == "expectation" and (
            subject_word in ADVISED
            or (subject is not None and subject.ent_type_ in ("PERSON", "NORP"))
            or verb.lemma_ in ADVICE_VERBS
        ):
            continue  # "we should do", "you should", "investors should consider": advice
        if kind == "conditional":
            if verb.lemma_ in EXPECTING:
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


def _calls_an_event(token, subject, found: Evidence) -> bool:
    """ "We do not see a recession", "we see the 10-year yield stabilizing": a call on an
    event named by the verb's object. Whether it said so."""
    if token.lemma_ not in ("see", "expect", "anticipate", "foresee") or token.dep_ == "xcomp":
        return False
    thing = next((c for c in token.children if c.dep_ == "dobj"), None)
    if thing is None or thing.pos_ not in ("NOUN", "PROPN"):
        return False
    negated = any(child.dep_ == "neg" for child in token.children)
    happening = any(c.tag_ == "VBG" and c.dep_ in ("acl", "amod") for c in thing.children)
    if thing.lemma_.lower() in EVENT_NOUNS or (happening and not negated):
        no = "no " if negated or any(c.lower_ == "no" for c in thing.children) else ""
        found.strong.append(
            f"a first-person call on an event “{subject.text} {token.text} … {no}{thing.text}”"
        )
        return True
    return False


def _judgement_evidence(unit: Unit, found: Evidence) -> None:
    """ "I expect X to ...", "we think growth continues": a first-person call on an event."""
    if unit.doc is None:
        return
    for token in unit.doc:
        progressive = token.tag_ == "VBG" and any(  # "I am expecting", "we're expecting"
            c.dep_ == "aux" and c.lemma_ == "be" and c.tag_ in ("VBP", "VBZ")
            for c in token.children
        )
        if token.lemma_ not in EXPECTING | JUDGING or not (
            token.tag_ in ("VBP", "VB", "VBZ") or progressive
        ):
            continue
        subject = subject_of(token)
        if subject is None or not_asserted(token):
            continue
        if subject.lower_ not in ("i", "we"):
            # "FOMC participants expect the rebalancing to continue": a forecast reported
            if (
                token.lemma_ in EXPECTING
                and subject.pos_ in ("NOUN", "PROPN")
                and any(child.dep_ in ("ccomp", "xcomp") for child in token.children)
            ):
                found.strong.append(f"a reported expectation “{subject.text} {token.text}”")
            continue
        if token.tag_ == "VBZ":
            continue
        if _calls_an_event(token, subject, found):
            continue
        if token.dep_ == "xcomp" or any(child.dep_ == "neg" for child in token.children):
            continue  # "I wouldn't like to predict where prices will go"
        complement = next((c for c in token.children if c.dep_ in ("ccomp", "xcomp", "dobj")), None)
        if complement is None:
            continue
        complement_subject = subject_of(complement)
        modal = next(
            (c for c in complement.children if c.tag_ == "MD" and c.lower_ not in ("would",)), None
        )
        if modal is None and complement.tag_ == "MD" and complement.lower_ != "would":
            modal = complement  # "I'll guess that she won't": the modal stands for its verb
        if token.lemma_ in EXPECTING:
            said = token.doc[subject.i : token.i + 1].text if subject.i < token.i else token.text
            found.strong.append(f"a first-person expectation “{said}”")
        elif modal is not None:
            found.strong.append(
                f"a first-person judgement of what will be “{subject.text} {token.text} … "
                f"{modal.text} {complement.text}”"
            )
        elif (
            complement.tag_ in ("VBZ", "VBP")
            and complement.lemma_ in CHANGE_VERBS | {"continue", "stay", "keep", "persist"}
            and complement_subject is not None
            and complement_subject.lower_ not in NOT_SPEAKERS | {"there"}
            and not any(child.dep_ in ("aux", "neg") for child in complement.children)
        ):
            found.strong.append(
                f"a first-person judgement of an event “{subject.text} {token.text} … "
                f"{complement.text}”"
            )


def _projection_evidence(unit: Unit, tense: str, found: Evidence) -> None:
    """ "The median projection is 4.1 percent at the end of 2024": a forecast reported."""
    if tense == "past":
        return
    match = REPORTED_PROJECTION.search(normalize(unit.text))
    if match:
        found.strong.append(f"a reported projection “{unit.text[match.start() : match.end()]}”")


def _names_a_forecast(text: str, start: int, end: int) -> bool:
    """Whether the date at text[start:end] names a forecast ("the 2023 forecasts", "our Q4
    outlook", "guidance for fiscal 2025") in a sentence that gives no figure for it."""
    before, after = text[max(0, start - 30) : start], text[end : end + 25]
    named = re.search(
        rf"\b{FORECAST_NOUN}\s+(?:for|of)\s+(?:the\s+)?(?:\S+\s+and\s+)?$", before, re.I
    ) or re.match(rf"\s*(?:[\w-]+\s+)?{FORECAST_NOUN}\b", after, re.I)
    framed = re.search(r"\b(?:in|under)\s+(?:the\s+|our\s+)?[\w-]*\s*(?:and\s+)?$", before, re.I)
    if not named or framed:
        return False  # "In mid- and end-of-century projections, X increases": their content
    rest = PERIOD_NAME.sub("", text[:start] + text[end:])
    return not re.search(r"\d", rest)


def _said_to_them(unit: Unit) -> list[tuple[int, int]]:
    """The spans (offsets in the unit's text) of what an analyst says the speakers said:
    the clause of a "you" who said something ("you also mentioned headwinds in 2025") and a
    noun phrase of "your" ("your Q4 of 39.5")."""
    if unit.doc is None or not len(unit.doc):
        return []
    base = unit.doc[0].idx
    spans = []
    for token in unit.doc:
        yours = token.lower_ == "your" and token.dep_ == "poss"
        you_said = token.lower_ == "you" and token.dep_ == "nsubj" and token.head.tag_ == "VBD"
        if not (yours or you_said):
            continue
        tokens = list(token.head.subtree)
        spans.append((tokens[0].idx - base, tokens[-1].idx + len(tokens[-1]) - base))
    return spans


def _own_obligation(unit: Unit) -> bool:
    """ "We need to / have to / must …": what the speaker must do, not what will happen."""
    root = unit.doc.root if unit.doc is not None else None
    subject = subject_of(root) if root is not None else None
    if subject is None or subject.lower_ not in ("i", "we"):
        return False
    if root.lemma_ in ("need", "have") and any(c.dep_ == "xcomp" for c in root.children):
        return not any(c.dep_ == "aux" and c.lower_ in ("will", "'ll") for c in root.children)
    return any(c.dep_ == "aux" and c.lower_ == "must" for c in root.children)


def _date_evidence(unit: Unit, passage: Passage, tense: str, found: Evidence) -> None:
    if tense in ("past", "hypothetical") or (tense == "state" and not PROJECTION.search(unit.text)):
        return
    if unit.doc is not None and is_risk(unit.doc.root):
        return  # "The economy faces downside risks in the year ahead"
    if is_imperative(unit):
        return  # "Talk to you all next year", "Use layoffs.fyi to judge me at the end of the year"
    if _own_obligation(unit):
        return  # "Now we need to finish the year strong and prepare for 2025": a task
    asked = _said_to_them(unit)
    ctx = Context(passage.published, passage.fiscal_year_start_month)
    text = unit.text
    for expression in time_expressions(text, ctx):
        if _names_a_forecast(text, expression.start, expression.end):
            continue  # "revisions to 2022 forecasts", "my guidance for Q1": the forecast itself
        if any(start <= expression.start < end for start, end in asked):
            continue  # "you also mentioned headwinds in 2025", "your Q4 of 39.5": asked
        if expression.cue and is_future(expression, passage.published):
            found.strong.append(f"a date after publication “{expression.horizon.phrase}”")
            return


def _evidence(unit: Unit, passage: Passage, table: EstimativeTable, stated) -> Evidence:
    found = Evidence()
    if stated is not None:
        found.strong.append(f"a stated probability “{stated.phrase}”")
    tense = tense_of(unit)
    in_bets = passage.titled_as_bets or unit.block in passage.predictions_list_blocks
    _modal_evidence(unit, found, in_bets=in_bets, policy_body=passage.policy_body)
    _word_evidence(unit, table, tense, found)
    # Its verb's own tense decides: "Inflation has held above 2%, but we expect it to ease"
    _judgement_evidence(unit, found)
    if tense != "past" and not (unit.doc is not None and is_risk(unit.doc.root)):
        future_word = FUTURE_WORDS.search(blank_quotes(normalize(unit.text)))
        if future_word:
            found.strong.append(f"future wording “{future_word.group()}”")
    _date_evidence(unit, passage, tense, found)
    _projection_evidence(unit, tense, found)
    horizon_named = PROJECTION_HORIZON.search(normalize(unit.text))
    if horizon_named and tense != "past":  # "End of the forecast period looks a lot higher"
        found.strong.append(f"the projection's horizon “{horizon_named.group()}”")
    if passage.league is not None:
        pick = SPORTS_PICK.search(blank_quotes(normalize(unit.text)))
        # "I went with the Commanders ahead of the Giants": the preview's own pick, told
        made = pick is not None and re.search(
            r"\b(?:went\s+with|chose|decided\s+to\s+put)\b|\b(?:OVER|UNDER)\.?\s*$", pick.group()
        )  # "lost a ton of talent over the summer. UNDER": the pick, after its reason
        if pick and (tense != "past" or made):
            found.strong.append(f"a pick in a season preview “{pick.group().strip()}”")
    if _is_bet(unit, passage) and (tense != "past" or bare_participle(unit)):
        found.strong.append("an item of a list of predictions")
    # "I may want to travel": the table's bare "may" is the same word, vetoed with its verb
    found.weak = [
        w for w in found.weak if not any(f"“{word}”" in w.lower() for word in found.vetoed_modals)
    ]
    if tense == "past" and not found.strong and not found.weak:
        found.vetoes.append("the past")
    return found


def _conditional(unit: Unit) -> str:
    """A leading if/unless clause: the consequence holds only on an unasserted premise.
    An illustration of the claim before it ("E.g. if the U.S. bans ...") is asserted."""
    text = normalize(unit.text).lstrip("(\"' ")
    if re.match(r"(?:e\.g\.|for\s+example|for\s+instance)", text, re.I):
        return ""
    match = LEADING_CONDITION.match(text)
    if match and not BASELINE_PREMISE.match(text, match.end()):
        return f"a conditional (“{match.group(1)} …”): its premise is not asserted"
    scenario = SCENARIO.search(text)
    if scenario:
        return f"a scenario's consequence (“{scenario.group().strip()}”), not the expected path"
    return ""


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
    # A speaker's own dated plan ("we're going to execute the plan for fiscal 25") stays a
    # commitment; a date still decides for others ("the Fed will be making cuts in 2027").
    own = any(re.match(r"a commitment: “(?:i|we)\b", v, re.I) for v in commitments)
    undecisive = ("future modal", "future wording") + (("a date after publication",) if own else ())
    decisive = [r for r in found.strong if not r.startswith(undecisive)]
    if commitments and not decisive:
        return _refuse(unit, commitments[0])
    if not found.strong and not found.weak:
        quoted = blank_quotes(normalize(unit.text)) != normalize(unit.text)
        speaker = speaker_of(unit) or quoting_subject(unit)
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
    speaker = speaker_of(unit)
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
