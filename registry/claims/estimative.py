"""The words-of-estimative-probability table (`estimative_probability.json`), compiled.

Every entry found in a sentence is a candidate: a longer match beats a shorter one inside
it ("will not" over "will"), then the highest `rank` wins and the first in the sentence
breaks ties. Numbers are for the event the sentence names, stated affirmatively, so
negations come out low: "won't" is 1 - p("will") through `negation_of`. A `weak` entry (a
bare possibility: "may", "could") carries no number. See the table's "about".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from registry.claims.text import blank_quotes, normalize

TABLE_PATH = Path(__file__).with_name("estimative_probability.json")

RANK_NAMES = {
    5: "stated probability",
    4: "hedge on the horizon",
    3: "estimative word",
    2: "hedge",
    1: "first-person estimate",
    0: "future wording",
}

# Future wording inside one of these clauses is an embedded question or a condition, not a
# forecast: "it's unclear when it will settle", "the period when we'll learn if ...".
_SUBORDINATE = re.compile(r"\b(?:when|whether|if|unless|once)\b", re.IGNORECASE)
_CLAUSE_BOUNDARY = re.compile(r"[,;:()\u2013\u2014]")


@dataclass(frozen=True)
class TableEntry:
    label: str
    regex: re.Pattern
    probability: float | None
    rank: int
    cue: bool
    source: str
    probability_from: str = ""
    negative: bool = False  # a negated future ("won't"), from `negation_of`
    weak: bool = False  # a bare possibility: no number

    def probability_for(self, match: re.Match) -> float | None:
        if self.probability_from:
            value = float(match.group(self.probability_from)) / 100
            return min(max(value, 0.01), 0.99)
        return self.probability


@dataclass(frozen=True)
class PhraseMatch:
    entry: TableEntry
    start: int  # offsets in the sentence
    end: int
    text: str  # verbatim
    probability: float | None
    discounted: str = ""  # why it does not count, if it does not


def _phrase_regex(phrase: str) -> str:
    words = [re.escape(word) for word in normalize(phrase).split()]
    body = r"\s+".join(words)
    prefix = r"\b" if re.match(r"\w", phrase) else ""
    suffix = r"\b" if re.search(r"\w$", phrase) else ""
    return prefix + body + suffix


def discount(searchable: str, position: int, future_auxiliary: bool) -> str:
    """Why a cue at `position` does not count ("" when it does)."""
    before = searchable[:position]
    boundaries = list(_CLAUSE_BOUNDARY.finditer(before))
    clause = before[boundaries[-1].end() :] if boundaries else before
    if _SUBORDINATE.search(clause):
        return "inside a when/if/whether clause"
    return ""


class EstimativeTable:
    """The table, compiled and checked."""

    def __init__(self, raw_entries: list[dict[str, Any]]):
        labels: dict[str, dict[str, Any]] = {}
        for raw in raw_entries:
            if ("phrase" in raw) == ("pattern" in raw):
                raise ValueError(f"entry needs exactly one of phrase / pattern: {raw}")
            label = raw.get("label") or raw.get("phrase")
            if not label:
                raise ValueError(f"a pattern entry needs a label: {raw}")
            if not raw.get("source"):
                raise ValueError(f"entry {label!r} has no source")
            labels[label] = raw
        self.entries = [self._entry(raw, labels) for raw in raw_entries]
        self._by_label = {entry.label: entry for entry in self.entries}

    @staticmethod
    def _entry(raw: dict[str, Any], labels: dict[str, dict[str, Any]]) -> TableEntry:
        label = raw.get("label") or raw["phrase"]
        probability = raw.get("probability")
        if "negation_of" in raw:
            other = labels.get(raw["negation_of"])
            if other is None or other.get("probability") is None:
                raise ValueError(f"{label!r}: negation_of names no entry with a number")
            probability = round(1 - other["probability"], 6)
        weak = bool(raw.get("weak"))
        if probability is None and not raw.get("probability_from") and not weak:
            raise ValueError(f"entry {label!r} has no probability")
        if probability is not None and not 0 < probability < 1:
            raise ValueError(f"entry {label!r}: probability must be in (0, 1)")
        pattern = raw["pattern"] if "pattern" in raw else _phrase_regex(raw["phrase"])
        flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
        return TableEntry(
            label=label,
            regex=re.compile(pattern, flags),
            probability=probability,
            rank=int(raw["rank"]),
            cue=bool(raw["cue"]),
            source=raw["source"],
            probability_from=raw.get("probability_from", ""),
            negative="negation_of" in raw,
            weak=weak,
        )

    @classmethod
    def from_file(cls, path: Path | str = TABLE_PATH) -> EstimativeTable:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["entries"])

    def __getitem__(self, label: str) -> TableEntry:
        return self._by_label[label]

    def matches(self, sentence: str) -> list[PhraseMatch]:
        """Every entry found in `sentence` (a match inside a longer one dropped), with
        quotations blanked and matches in when/if/whether clauses marked discounted."""
        searchable = blank_quotes(normalize(sentence))
        found = [
            PhraseMatch(
                entry=entry,
                start=match.start(),
                end=match.end(),
                text=sentence[match.start() : match.end()].strip(),
                probability=entry.probability_for(match),
                discounted=discount(searchable, match.start(), entry.rank == 0),
            )
            for entry in self.entries
            for match in entry.regex.finditer(searchable)
            if match.end() > match.start() and match.group().strip()
        ]
        kept = [
            one
            for one in found
            if not any(
                other.start <= one.start
                and one.end <= other.end
                and other.end - other.start > one.end - one.start
                for other in found
            )
        ]
        kept = [_negated(one, kept, sentence, searchable) for one in kept]
        return sorted(kept, key=lambda one: (one.start, -one.entry.rank))

    def best(self, sentence: str) -> PhraseMatch | None:
        """The match that sets the sentence's number: a weak word only if nothing else."""
        return best_match(self.matches(sentence))


def best_match(matches: list[PhraseMatch]) -> PhraseMatch | None:
    counted = [one for one in matches if not one.discounted]
    if not counted:
        return None
    return min(counted, key=lambda one: (one.entry.weak, -one.entry.rank, one.start))


def _negated(
    hedge: PhraseMatch, matches: list[PhraseMatch], sentence: str, searchable: str
) -> PhraseMatch:
    """A hedge on a negated verb is mirrored to 1 - p: next to it ("probably won't",
    "likely not"; the phrase spans both) or, for a hedge that frames a clause ("I expect
    ...", "it is likely that ..."), anywhere after it ("I expect they won't")."""
    entry = hedge.entry
    if entry.rank == 0 or entry.negative or entry.probability_from or hedge.probability is None:
        return hedge
    start, end, text = hedge.start, hedge.end, ""
    negations = [one for one in matches if one.entry.negative and one.entry.rank == 0]
    following_not = re.match(r"\s+not\b", searchable[end:])
    adjacent = next(
        (
            one
            for one in negations
            if (one.start >= end and not searchable[end : one.start].strip())
            or (one.end <= start and not searchable[one.end : start].strip())
        ),
        None,
    )
    framing = entry.rank == 1 or re.match(r"\s+that\b", searchable[end:])
    later = next(
        (one for one in negations if one.start >= end and not one.discounted and framing), None
    )
    if following_not:
        end += following_not.end()
    elif adjacent is not None:
        start, end = min(start, adjacent.start), max(end, adjacent.end)
    elif later is not None:
        text = f"{hedge.text} … {later.text}"
    else:
        return hedge
    return replace(
        hedge,
        start=start,
        end=end,
        text=text or sentence[start:end],
        probability=round(1 - hedge.probability, 6),
    )


@lru_cache(maxsize=1)
def default_table() -> EstimativeTable:
    return EstimativeTable.from_file(TABLE_PATH)
