"""Stage 0: the document — its header block and its own horizon.

A post titled or introduced as predictions for a year ("My predictions for 2026",
"2026 outlook", "What to expect in 2026", "here is what 2025 has in store") gives every
forecast that names no date of its own a deadline at the end of that year. The header
block (title, byline, dateline, "Share" lines above the first paragraph of prose) is
marked so that no stage proposes from it. A list that follows an introduction of
predictions ("Here are my predictions:") is a predictions list: its items are bets even
in the present tense.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date

from registry.claims.horizons import Context, heading_horizon, own_horizon
from registry.claims.passage import Horizon, Passage
from registry.claims.seasons import league_of, season_horizon
from registry.claims.text import normalize

_FORECAST_NOUNS = (
    r"(?:predictions?|forecasts?|bets?|outlook|expectations|prognosis|calls|picks|projections?|"
    r"(?:probability\s+)?estimates)"
)
# A year, not a season that spans two ("NBA Preview 2014-15" is the league's calendar)
_YEAR = r"(?P<year>20\d\d)(?!\s*[-\u2013/]\s*\d\d\b)"
DOCUMENT_HORIZON = [
    re.compile(rf"\b{_FORECAST_NOUNS}\s+(?:for|about|on|in)\s+(?:the\s+year\s+)?{_YEAR}\b", re.I),
    re.compile(
        rf"\b{_YEAR}\s*(?::\s*)?(?:tech\s+|economic\s+|market\s+|annual\s+|AI\s+)?{_FORECAST_NOUNS}\b",
        re.I,
    ),
    re.compile(
        rf"\bwhat\s+(?:to\s+expect|will\s+happen|lies\s+ahead|happens)\s+in\s+{_YEAR}\b", re.I
    ),
    re.compile(rf"\bwhat\s+{_YEAR}\s+(?:has|holds|will\s+bring|brings)\b", re.I),
    re.compile(
        rf"\b(?:outlook|preview|{_FORECAST_NOUNS})\s+(?:[1-4]Q\s+|Q[1-4]\s+|H[12]\s+)?{_YEAR}\b",
        re.I,
    ),
    re.compile(rf"\b{_YEAR}\s+(?:year[-\s]ahead|season)\b", re.I),
    re.compile(rf"\b{_FORECAST_NOUNS}\s*[:\u2013\u2014-]\s*{_YEAR}\b", re.I),
]
# A title of a list of bets: its list items are predictions even in the present tense.
LIST_TITLE = re.compile(
    r"\b(?:predictions?|predicting|forecasts?|bets|calls|picks|preview|projections)\b", re.I
)
PREDICTIONS_INTRO = re.compile(
    rf"\b(?:here\s+(?:are|is)|these\s+are|below\s+are|the\s+following|my|our|list\s+of)\b"
    rf"[^.]{{0,60}}\b{_FORECAST_NOUNS}\b|\bI\s+predict\b[^.]*:\s*$|"
    rf"\bwhat\s+(?:\d{{4}}|the\s+year|next\s+year)\s+has\s+in\s+store\b|"
    rf"\b(?:will|predict|expect|bet|forecast)\w*\b[^.]*:\s*$|"
    # a heading over a list: "Atlantic Division predictions", "Projected standings"
    rf"^[^.!?]{{0,50}}\b(?:{_FORECAST_NOUNS}|projected\s+standings)\s*:?\s*$",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:by\s+\S|posted\s|published\s|updated\s|share\b|tweet\b|print\b|email\b|"
    r"\d+\s+min(?:ute)?s?\s+read|listen\b|subscribe\b|follow\b|advertisement\b)",
    re.I,
)


def document_horizon(title: str, opening: str) -> tuple[Horizon | None, str]:
    """(the horizon the document sets, the words that set it) from its title and start."""
    for where, text in (("the title", title), ("the introduction", opening)):
        for pattern in DOCUMENT_HORIZON:
            match = pattern.search(normalize(text))
            if match:
                year = int(match.group("year"))
                phrase = text[match.start() : match.end()]
                horizon = Horizon(
                    phrase=phrase,
                    earliest=date(year, 1, 1),
                    latest=date(year, 12, 31),
                    source="document",
                )
                return horizon, f"{where} says “{phrase}”"
    return None, ""


# About the predictions as a set ("all predictions are about ..."), not one forecast
# ("inflation is forecast to be back in the band by end 2025").
_RULES_SENTENCE = re.compile(
    r"\b(?:all|these|my|our|each|every|the|any)\s+(?:of\s+(?:my|these|the)\s+)?"
    r"(?:predictions|forecasts|bets|statements|claims|prediction|forecast|bet)\b"
    r"(?!\s+(?:to|that|is|was)\b)[^.]*\b(?:about|by|on|at|as\s+of|happening|resolve|true)\b|"
    r"\blikelihood\s+of\s+it\s+happening\b",
    re.I,
)


def stated_rules_horizon(passage: Passage) -> tuple[Horizon, str] | None:
    """A date the introduction gives every prediction: "all predictions are about what will
    be true on January 1, 2022", "the likelihood of it happening by 1 January 2023"."""
    ctx = Context(passage.published, passage.fiscal_year_start_month)
    for unit in passage.units[:15]:
        if unit.language != "en" or not _RULES_SENTENCE.search(normalize(unit.text)):
            continue
        horizon = own_horizon(unit.text, ctx)
        if horizon is not None and horizon.latest is not None and not horizon.relative_months:
            phrase = horizon.phrase
            return replace(horizon, source="document"), f"the introduction says “{phrase}”"
    return None


def _is_header_line(text: str) -> bool:
    words = text.split()
    if _BYLINE.match(text):
        return True
    return len(words) <= 14 and not re.search(r"[.!?:;][\"'\u201d\u2019)]*$", text)


def _mark_line_lists(passage: Passage) -> None:
    """Three or more short lines in a row, with no blank line between them, are a list even
    without bullets ("By 2025\nRuth Bader Ginsburg is dead.\nS&P 500 closes above 3,500.")."""
    units = passage.units
    per_block = Counter(unit.block for unit in units)
    run: list = []

    def close() -> None:
        if len(run) >= 3:
            for unit in run:
                unit.in_list = True
        run.clear()

    for unit in units:
        single = len(unit.text.split()) <= 30 and "\n" not in unit.text
        alone = per_block[unit.block] == 1
        adjacent = bool(run) and passage.text[run[-1].end : unit.start].count("\n") == 1
        heading = _is_header_line(unit.text) and len(unit.text.split()) <= 8
        if heading:
            close()  # "By 2025" heads the list below it; it is not an item
            continue
        if single and alone and unit.language == "en" and not unit.in_list:
            if run and not adjacent:
                close()
            run.append(unit)
        else:
            close()
    close()


# A monetary policy statement or press conference: the speakers are the policy body.
_POLICY_BODY = re.compile(
    r"\bmonetary\s+policy\s+(?:committee|stance|decisions?|meeting)\b|\bGoverning\s+Council\b|"
    r"\bFOMC\b|\bfederal\s+funds\s+rate\b|\b(?:cash|policy|bank)\s+rate\b|\bdeposit\s+facility\b",
    re.I,
)


def read_document(passage: Passage) -> Passage:
    """Mark the header block, the predictions lists, and set the document's horizon."""
    units = passage.units
    for unit in units:
        if unit.language != "en" or (unit.kind != "label" and _is_header_line(unit.text)):
            unit.header = True
            continue
        break
    opening = " ".join(unit.text for unit in units[:12] if unit.language == "en")
    if passage.horizon is None:
        passage.horizon, passage.horizon_reason = stated_rules_horizon(passage) or (
            document_horizon(passage.title, opening)
        )
    passage.league = league_of(passage.title, opening)
    if passage.horizon is None and passage.league is not None:
        passage.horizon = season_horizon(passage.league, passage.published)
        passage.horizon_reason = f"a {passage.league.name} season preview"
    titled_as_bets = bool(LIST_TITLE.search(normalize(passage.title)))
    passage.titled_as_bets = titled_as_bets
    passage.titled_as_outlook = bool(
        re.search(r"\b(?:outlook|year[-\s]ahead|what\s+to\s+expect)\b", passage.title, re.I)
    )
    passage.policy_body = len(_POLICY_BODY.findall(passage.text)) >= 3
    _mark_line_lists(passage)
    ctx = Context(passage.published, passage.fiscal_year_start_month)
    intro_seen = titled_as_bets
    previous_block, block_is_intro = -1, False
    for unit in units:
        if unit.block != previous_block:
            if unit.in_list and (intro_seen or block_is_intro):
                passage.predictions_list_blocks.add(unit.block)
            elif not unit.in_list and not titled_as_bets:
                intro_seen = False
            previous_block = unit.block
            block_is_intro = False
        if not unit.in_list and (
            PREDICTIONS_INTRO.search(normalize(unit.text))
            or (_is_header_line(unit.text) and heading_horizon(unit.text, ctx) is not None)
        ):
            block_is_intro = True  # "Here are my predictions:", or a heading "By 2025"
            intro_seen = True
        if unit.in_list and unit.block in passage.predictions_list_blocks:
            intro_seen = True
    return passage
