"""From a proposal to the draft of a question a stranger could resolve.

`draft_question` phrases the claim as a question ("Will open models be adopted … by 31 Dec
2026?"), always affirmatively (the author's probability is for the event as asked, so
"won't" gives a low number on "Will …?"), fills the resolution criteria from the claim
(the deadline, the numbers and thresholds it names, the quoted words, what counts as yes
and as no, where to look), and suggests a resolution source kind when its words point to
one. Staff edit it on the review page before it is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from registry.claims.passage import ClaimProposal
from registry.claims.phrasing import as_question
from registry.claims.text import normalize

TITLE_MAX = 300

# (source kind, what to look at, words that point to it). The first that matches wins.
SOURCE_HINTS: list[tuple[str, str, re.Pattern]] = [
    (
        "federal_register",
        "the Federal Register (final rules, executive orders, notices)",
        re.compile(
            r"\b(?:federal\s+register|executive\s+order|regulat(?:ion|ions|ory|e|ed)|rules?\b|"
            r"ban(?:s|ned)?|bill|law|legislation|congress|agency)\b",
            re.I,
        ),
    ),
    (
        "huggingface",
        "the Hugging Face Hub's model listings (downloads, likes, releases of open weights)",
        re.compile(
            r"\b(?:downloads?|hugging\s*face|open[-\s]weights?|model\s+weights|checkpoints?)\b",
            re.I,
        ),
    ),
    (
        "github_releases",
        "the project's GitHub releases",
        re.compile(
            r"\b(?:github|open[-\s]source\s+release|release[sd]?\s+(?:of\s+)?v?\d|version\s+\d)\b",
            re.I,
        ),
    ),
    (
        "http_json",
        "an official statistics API or data file (the number the claim names)",
        re.compile(
            r"\b(?:GDP|inflation|CPI|unemployment|interest\s+rates?|federal\s+funds|yield|"
            r"S&P|Nasdaq|Dow|price|revenue|earnings|sales|margin|growth|benchmarks?|"
            r"leaderboard|market\s+share|share\s+of)\b",
            re.I,
        ),
    ),
    (
        "wikipedia",
        "the Wikipedia article on the event (office holders, election results, records)",
        re.compile(
            r"\b(?:election|elected|president|prime\s+minister|chancellor|speaker|wins?|"
            r"champion(?:ship)?|playoffs?|super\s+bowl|world\s+series|nomination)\b",
            re.I,
        ),
    ),
    (
        "feed",
        "news feeds reporting the event",
        re.compile(
            r"\b(?:launch(?:es|ed)?|announce[sd]?|release[sd]?|acquir(?:e|es|ed)|merger|"
            r"IPO|funding|raise[sd]?)\b",
            re.I,
        ),
    ),
]
_NUMBERS = re.compile(
    r"(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?\s*(?:%|percent|per\s+cent|bn|billion|million|trillion|"
    r"basis\s+points|bps|x\b)?",
    re.I,
)


@dataclass(frozen=True)
class Draft:
    title: str
    resolution_criteria: str
    closes_on: date | None
    suggested_source_kind: str
    source_hint: str
    implied_probability: float | None
    probability_phrase: str


def long_date(day: date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def question_title(proposal: ClaimProposal) -> str:
    """ "Will … by <deadline>?" from the claim's main clause."""
    drop = (
        proposal.horizon.phrase
        if proposal.horizon and proposal.horizon.source == "sentence"
        else ""
    )
    asked = as_question(proposal.quote, drop=drop)
    deadline = proposal.deadline
    suffix = f" by {long_date(deadline)}?" if deadline else "?"
    if len(asked) + len(suffix) > TITLE_MAX:
        asked = asked[: TITLE_MAX - len(suffix) - 1].rsplit(" ", 1)[0] + "…"
    return asked + suffix


def suggested_source(quote: str) -> tuple[str, str]:
    for kind, where, pattern in SOURCE_HINTS:
        if pattern.search(normalize(quote)):
            return kind, where
    return "manual", "a person reading the news at the deadline"


def draft_question(
    proposal: ClaimProposal,
    *,
    source_title: str,
    author: str,
    published_on: date,
    url: str = "",
) -> Draft:
    kind, where = suggested_source(proposal.quote)
    deadline = proposal.deadline
    quote = re.sub(r"\s+", " ", proposal.quote).strip()
    numbers = sorted(
        {n.strip() for n in _NUMBERS.findall(quote) if re.search(r"\d", n)}
        - {str(y) for y in range(1900, 2400)}
    )
    cited = f"{author + ', ' if author else ''}“{source_title}”, {long_date(published_on)}"
    if url:
        cited += f" ({url})"
    when = (
        f"by {long_date(deadline)} (23:59 UTC)"
        if deadline
        else "by the question's closing date (the claim names no date: set one)"
    )
    lines = [
        f"Resolves Yes if, {when}, what the claim states has happened, as a reader of the "
        f"quote would judge it: “{quote}” ({cited}).",
        "Resolves No if it has not happened by then.",
    ]
    if proposal.horizon and proposal.horizon.earliest and proposal.horizon.source == "sentence":
        lines.append(
            f"The claim names a window (“{proposal.horizon.phrase}”): it counts only if it "
            f"happens from {long_date(proposal.horizon.earliest)} on."
        )
    if proposal.horizon and proposal.horizon.source == "document":
        lines.append(f"The deadline comes from the document: “{proposal.horizon.phrase}”.")
    if numbers:
        lines.append(f"Numbers the claim names, to be met as stated: {', '.join(numbers)}.")
    if proposal.speaker:
        lines.append(f"The forecast is {proposal.speaker}'s, quoted by the author.")
    lines.append(f"Where to look: {where}.")
    return Draft(
        title=question_title(proposal),
        resolution_criteria="\n".join(lines),
        closes_on=deadline,
        suggested_source_kind=kind,
        source_hint=where,
        implied_probability=proposal.implied_probability,
        probability_phrase=proposal.probability_phrase,
    )
