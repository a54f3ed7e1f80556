"""Stage 3: how sure the author is — a number they state, else the estimative table.

A stated number always wins over wording. The forms read (`STATED_FORMS`, in order):
a market call on an earlier number ("(95%): SELL to 90%" is 90%, "(80%): HOLD" 80%),
a range "40-60%" (its midpoint), "p = 0.3", "probability of 30%", "70% chance" / "70%
confident" / "70% likely", "chances: 78.6%", a label line ending "...: 10%" or "... (70%)",
a leading "[60%]" or "60%:", "3 in 10" / "one in four chance", and odds "3 to 1" (0.75)
or "3 to 1 against" (0.25). A line holding nothing but a probability belongs to the claim
on the line before it (`probability_only_line`). Percentages that measure a quantity
("grow 2.5%", "a 25% tariff") are not probabilities: a bare percentage counts only in the
positions above. Without a number, the estimative table sets it ("likely" 0.7); a bare
possibility ("may", "could") sets none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from registry.claims.estimative import RANK_NAMES, EstimativeTable, default_table
from registry.claims.passage import Passage, StatedProbability, Unit
from registry.claims.text import normalize

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50,
    "a hundred": 100, "hundred": 100, "a thousand": 1000, "thousand": 1000, "a": 1, "an": 1,
}  # fmt: skip
_NUM = r"\d{1,3}(?:\.\d+)?"
_COUNT = r"(?:\d{1,4}|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_PCT = r"(?:\s?%|\s*percent\b|\s*per\s+cent\b|\s*pct\b)"
_CHANCE = r"(?:chances?|probability|odds|likelihood|likely|confiden(?:t|ce)|sure|certain|shot)"


def _count(word: str) -> float:
    word = word.lower()
    return float(word) if word[0].isdigit() else float(_WORDS[word])


def _percent(match: re.Match) -> float:
    return float(match.group("p")) / 100


def _midpoint(match: re.Match) -> float:
    return (float(match.group("a")) + float(match.group("b"))) / 200


def _fraction(match: re.Match) -> float | None:
    top, bottom = _count(match.group("a")), _count(match.group("b"))
    return top / bottom if 0 < top <= bottom else None


def _decimal(match: re.Match) -> float | None:
    value = float(match.group("p"))
    return value if value <= 1 else value / 100 if value <= 100 else None


def _odds(match: re.Match) -> float | None:
    favour, against = _count(match.group("a")), _count(match.group("b"))
    if favour <= 0 or against <= 0:
        return None
    if match.group("against"):
        favour, against = against, favour
    return favour / (favour + against)


# (name, pattern on the normalized unit, value). Order matters: the first form that
# matches sets the number.
STATED_FORMS: list[tuple[str, str, Callable[[re.Match], float | None]]] = [
    (
        # a market call on an earlier forecast: "(95%): SELL to 90%" moves it to 90%;
        # "(80%): HOLD" keeps it
        "market call",
        rf"\((?P<was>{_NUM}){_PCT}\)\s*:?\s*(?:(?:BUY|SELL)\s+to\s+(?P<p>{_NUM}){_PCT}|"
        rf"HOLD\b|N/?A\b)",
        lambda m: float(m.group("p") or m.group("was")) / 100,
    ),
    (
        "range",
        rf"\b{_CHANCE}\b\D{{0,20}}?(?<![\d.,$])(?P<a>{_NUM})\s*(?:{_PCT})?\s*(?:-|to)\s*(?P<b>{_NUM}){_PCT}",
        _midpoint,
    ),
    (
        "range",
        rf"(?:^|[:(=]|\s-)\s*(?P<a>{_NUM})\s*(?:{_PCT})?\s*(?:-|to)\s*(?P<b>{_NUM}){_PCT}"
        rf"(?=\s*{_CHANCE}|\s*\)?\s*[.!]?\s*$)",
        _midpoint,
    ),
    (
        "range",
        rf"(?<![\d.,$])(?P<a>{_NUM})\s*(?:{_PCT})?\s*(?:-|to)\s*(?P<b>{_NUM}){_PCT}\s*{_CHANCE}",
        _midpoint,
    ),
    (
        "p =",
        rf"(?<![\w.])(?:p|P\([^)]{{0,60}}\))\s*[=:]\s*(?P<p>0?\.\d+|1(?:\.0+)?|{_NUM}%)",
        lambda m: _decimal(re.match(r"(?P<p>[\d.]+)", m.group("p"))),
    ),
    (
        "probability of",
        rf"\b(?:probability|chances?|likelihood|odds|confidence|credence)\b[^.;\d]{{0,40}}?"
        rf"(?:\bis\b|\bat\b|\bof\b|:|=|\bto\b|\bare\b|\baround\b|\babout\b)\s*"
        rf"(?:about\s+|around\s+|roughly\s+)?(?P<p>{_NUM}){_PCT}",
        _percent,
    ),
    (
        "probability in brackets",  # "(confidence 80%)", "[probability 70%]"
        rf"[(\[]\s*(?:probability|confidence|credence|chance|likelihood)\s+(?P<p>{_NUM}){_PCT}\s*[)\]]",
        _percent,
    ),
    (
        "probability as a decimal",
        r"\(?\b(?:probability|p|confidence|credence)\s*[:=]?\s*(?P<p>0?\.\d+|1\.0)\b\)?",
        _decimal,
    ),
    ("percent chance", rf"(?P<p>{_NUM}){_PCT}\s*(?:-\s*)?{_CHANCE}\b", _percent),
    (
        "probability as a decimal",
        r"\b(?:probability|chance|credence)\b[^.;\d]{0,30}?(?:\bis\b|\bof\b|:|=)\s*"
        r"(?P<p>0?\.\d+)\b",
        _decimal,
    ),
    (
        "label",
        # "Claim - 70%", not "a rate of -6.1 per cent" (a negative number)
        rf"(?:[:=|@\u2192]|\s-(?!\d)|[(\[]|[.;,]\s|\t)\s*[(\[*_]*(?:~|>|<|\u2265|\u2264|about\s+|p\s*=\s*)?"
        rf"(?P<p>{_NUM}){_PCT}[)\]*_]*[.!]?\s*\|?\s*$",
        _percent,
    ),
    (
        "label with its change",  # "(80%, up from 70%)": the number now
        rf"\((?P<p>{_NUM}){_PCT}\s*[,;]\s*(?:up|down|was|from)\b[^()]{{0,30}}\)[.!]?\s*$",
        _percent,
    ),
    (
        # "- 8/10", "(80/100)": a score out of ten or a hundred ending the line
        "label out of ten",
        r"(?:[:=|(\[]|\s[-\u2013\u2014])\s*(?P<a>\d{1,3}(?:\.\d)?)\s*/\s*(?P<b>10|100)[)\]]?[.!]?\s*$",
        lambda m: _fraction(m),
    ),
    (
        "label in",  # "— 4 in 5", ": 3 in 10"
        rf"(?:[:=|]|\s[-\u2013\u2014])\s*(?P<a>{_COUNT})\s+in\s+(?P<b>{_COUNT})[.!]?\s*$",
        lambda m: _fraction(m),
    ),
    (
        "label as a decimal",
        r"(?:[:=|]\s+|\s-\s*|\u2013\s*|\u2014\s*)[(\[]?(?P<p>0?\.\d+|0|1(?:\.0+)?)[)\]]?\s*$"
        r"|\((?P<p2>0?\.\d+)\)\s*$",
        lambda m: float(m.group("p") if m.group("p") is not None else m.group("p2")),
    ),
    (
        # "60%: the Fed cuts", not "80% seems about right" (a remark on a number)
        "leading",
        rf"^\s*[\[(]?(?P<p>{_NUM}){_PCT}[\])]?\s*(?:[:\])-]|\s)(?!\s*(?:seems?|seemed|felt|feels?|is|"
        rf"was|sounds?|sounded|might|may|could|would)\b)",
        _percent,
    ),
    (
        "in",
        rf"\b(?P<a>{_COUNT})\s+(?:in|out\s+of)\s+(?P<b>{_COUNT})\b(?:\s+(?:chance|shot|odds))"
        rf"|\b(?:chance|odds|probability)\s+(?:is|are|of)\s+(?:about\s+)?(?P<a2>{_COUNT})\s+"
        rf"(?:in|out\s+of)\s+(?P<b2>{_COUNT})\b",
        lambda m: _fraction(_Groups(m)),
    ),
    (
        "odds",
        rf"\bodds\b[^.;\d]{{0,20}}?(?P<a>{_COUNT})\s*(?:to|-to-|:)\s*(?P<b>{_COUNT})"
        rf"(?P<against>\s+against)?|(?P<a2>{_COUNT})\s*(?:to|-to-|:)\s*(?P<b2>{_COUNT})"
        rf"(?P<against2>\s+against)?\s+odds|(?P<a3>{_COUNT})\s*(?:-to-|\s+to\s+)(?P<b3>{_COUNT})"
        rf"\s+(?P<against3>against|on|in\s+favou?r)\b",
        lambda m: _odds(_Groups(m)),
    ),
]


class _Groups:
    """A match whose alternatives name their groups a, a2, a3: read as one set."""

    def __init__(self, match: re.Match):
        self.match = match

    def group(self, name: str):
        for suffix in ("", "2", "3"):
            key = name + suffix
            if key in self.match.re.groupindex and self.match.group(key) is not None:
                value = self.match.group(key)
                if (name == "against" and value.strip().lower() in ("on",)) or "favo" in value:
                    return None
                return value
        return None


_COMPILED = [
    (name, re.compile(pattern, re.IGNORECASE), value) for name, pattern, value in STATED_FORMS
]
_ONLY = re.compile(
    rf"^\s*[(\[]?\s*(?:(?:probability|chances?|confidence|odds|p|likelihood|certainty|credence|"
    rf"my\s+(?:confidence|credence|estimate)\s+is|I(?:'d|\s+would)?\s+put\s+it\s+at)\s*[:=]?\s*)?"
    rf"(?:~|about\s+)?"
    rf"(?P<p>{_NUM}){_PCT}\s*(?:chance|probability|confidence|confident)?\s*[)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)  # screening and the probability stage both ask for each unit
def stated_probability(text: str) -> StatedProbability | None:
    """The number `text` states for its own claim, with the phrase that says it."""
    searchable = normalize(text)
    for name, regex, value in _COMPILED:
        for match in regex.finditer(searchable):
            number = value(match)
            if number is None or not 0 <= number <= 1:
                continue
            phrase = text[match.start() : match.end()].strip(" :=([-|.;,@\t").rstrip(")]")
            return StatedProbability(round(number, 6), phrase, True, f"stated ({name})")
    return None


_ONLY_DECIMAL = re.compile(
    r"^\s*[(\[]?\s*(?:probability|chance|confidence|credence|p)\s*[:=]?\s*(?P<p>0?\.\d+|1\.0)"
    r"\s*[)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)


def probability_only_line(line: str) -> StatedProbability | None:
    """A line or sentence that holds only a probability ("Probability: 75%", "(70%)",
    "(Probability 0.7)"): the number of the claim before it."""
    normalized = normalize(line)
    match = _ONLY.match(normalized)
    if match is not None:
        return StatedProbability(float(match.group("p")) / 100, line.strip(), True, "stated")
    match = _ONLY_DECIMAL.match(normalized)
    if match is not None:
        return StatedProbability(float(match.group("p")), line.strip(), True, "stated")
    return None


def estimated_probability(text: str, table: EstimativeTable) -> StatedProbability | None:
    """What the wording implies, from the table; None when nothing in it counts."""
    best = table.best(text)
    if best is None:
        return None
    kind = "bare possibility" if best.entry.weak else RANK_NAMES.get(best.entry.rank, "wording")
    return StatedProbability(best.probability, best.text, False, kind)


def read_probabilities(passage: Passage, *, table: EstimativeTable | None = None) -> Passage:
    """Set `probability` on every unit still in the running."""
    table = table or default_table()
    for unit in passage.units:
        if unit.verdict is False:
            continue
        unit.probability = _probability_of(unit, table)
        if unit.probability is not None:
            found = unit.probability
            shown = "no number" if found.value is None else f"{found.value:g}"
            unit.because(f"probability: {found.kind} “{found.phrase}” → {shown}")
    return passage


def _probability_of(unit: Unit, table: EstimativeTable) -> StatedProbability | None:
    return (
        stated_probability(unit.text)
        or unit.next_line_probability
        or estimated_probability(unit.text, table)
    )
