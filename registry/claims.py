"""The claim finder: which sentences of a text forecast the future, by when, and how surely.

Pure Python (no Django), so it can be tested and reused alone. `find_claims(text, published)`
splits an English text into sentences and proposes those that make a forecast, each as a
`ClaimProposal` with the verbatim quote, its [start, end) character offsets in the text it
was given (``text[start:end] == quote``), the horizon it states and the probability its
wording implies. Sentences in another script (the seed article opens with a Japanese
summary) are skipped.

A sentence is proposed when, outside quotation marks and outside a when/if/whether clause,
it holds a forecast cue:

* a cue entry of the words-of-estimative-probability table (`estimative_probability.json`):
  "will", "won't", "I expect", "likely", "may", "could", "as soon as" ...;
* future wording (`FUTURE_WORDS`): "eventually", "soon", "starting in", "in the coming years";
* a time expression that lies after the publication date ("later this year", "early 2027",
  "by 2030", "3-9 months later").

and is none of: a question (it ends with "?"), a sentence about the text itself
(`META_PATTERNS`: "in this post I will discuss", "another piece coming soon, so please
subscribe"), a sentence that only describes the present or the past (no cue), a
conditional whose only future wording sits inside its if-clause ("if it will rain"), an
instruction to the reader ("you will need"), or someone else's words in quotation marks
(“China will assuredly catch us”).

Horizon (`parse_horizon`), resolved against the publication date P; when a sentence states
several, the first one after P counts:

* "later this year", "by the end of the year", "this year" -> 31 December of P's year;
* "next year" -> 31 December of the year after; "next month" / "next quarter" -> its last day;
* "early 2027", "the start of 2027" -> 31 March (the end of the first quarter);
  "mid-2027", "the first half of 2027", "H1 2027" -> 30 June; "late 2027", "the end of
  2027", "the second half of 2027" -> 31 December; "Q3 2027" -> the quarter's last day;
  "early next year" -> the same, in the year after P;
* "by 2027", "in 2027", "starting in 2027", a bare future year -> 31 December 2027: a year
  named as a deadline counts whole, read generously to the author ("before 2027" is strict:
  31 December 2026);
* "June 2027" -> 30 June 2027; "summer 2027" -> 31 August (spring 31 May, autumn 30
  November, winter the end of the following February);
* "within 6 months", "in two years", "18 months from now" -> P plus that many months;
* "3-9 months later" -> ``{"relative_to": i, "months": [3, 9]}``: a window after the event
  of proposal i, the proposal just before it (None when there is none: then P);
  `horizon_window` turns it into dates;
* no stated horizon -> None.

Implied probability (`implied_probability`): every table entry found in the sentence (outside
quotes and when/if/whether clauses) is a candidate; a longer match beats a shorter one inside
it ("will not" over "will"), then the highest `rank` wins (a stated number > a hedge on the
horizon > an estimative word > a hedge on the verb > a first-person estimate > a plain
future) and the first in the sentence breaks ties. The number is the probability of the
event the sentence names, stated affirmatively, so negations come out low: "won't" is
1 - p("will") = 0.1 via the table's `negation_of`, while "unlikely", "probably not" and
"impossible" carry the surveys' own numbers. See the table's "about" for the sources.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("estimative_probability.json")

RANK_NAMES = {
    5: "stated probability",
    4: "hedge on the horizon",
    3: "estimative word",
    2: "hedge",
    1: "first-person estimate",
    0: "future wording",
}

# Future wording that marks a forecast but sets no number.
FUTURE_WORDS: dict[str, str] = {
    "eventually": r"\beventually\b",
    "soon": r"\b(?<!as )(?:soon|shortly)\b(?!\s+as\b)",  # not "as soon as"
    "in the coming years": (
        r"\bin\s+the\s+(?:coming|next)\s+(?:few\s+|couple\s+of\s+)?"
        r"(?:days|weeks|months|quarters|years|decades?)\b"
    ),
    "in the long run": r"\bin\s+the\s+(?:long|medium|short|near)\s+(?:run|term)\b",
    "starting in": r"\b(?:starting|beginning)\s+(?:in|from|next|this|later)\b",
    "going forward": (
        r"\bgoing\s+forward\b|\bfrom\s+now\s+on\b|\bin\s+the\s+future\b|\bin\s+years\s+to\s+come\b"
    ),
}

# Sentences about the writing itself, not the world.
META_PATTERNS: tuple[str, ...] = (
    r"\b(?:this|the\s+next|my\s+next|another|a\s+future|an\s+upcoming|a\s+follow-up)\s+"
    r"(?:post|piece|article|essay|newsletter|issue|episode|thread|series|chapter|section|talk|"
    r"video|podcast)\b",
    r"\bsubscribe\b",
    r"\bI(?:'ll|\s+will|\s+am\s+going\s+to|'m\s+going\s+to)\s+(?:discuss|cover|explain|argue|"
    r"show|walk|look|talk|write|describe|outline|go\s+over|share|review|summari[sz]e)\b",
    r"\blet\s+me\s+know\b",
)

# Future wording inside one of these clauses is an embedded question or a condition, not a
# forecast: "it's unclear when it will settle", "the period when we'll learn if ...".
_SUBORDINATE = re.compile(r"\b(?:when|whether|if)\b", re.IGNORECASE)
_CLAUSE_BOUNDARY = re.compile(r"[,;:()\u2013\u2014]")

_NORMALIZE = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "\u201c": '"', "\u201d": '"'}
)
_QUOTED = re.compile(r'"[^"\n]*"')


def normalize(text: str) -> str:
    """Straight apostrophes and quotes for matching; the same length as `text`."""
    return text.translate(_NORMALIZE)


# ---------------------------------------------------------------------------------------------
# Sentences


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


# Abbreviations after which a full stop never ends a sentence.
_NEVER_ENDS = frozenset(
    {
        *("e.g", "i.e", "vs", "cf", "viz", "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr"),
        *("fig", "figs", "approx", "ca", "al", "ed", "eds", "vol", "pp", "gen", "gov", "sen"),
        *("rep", "rev", "hon", "capt", "col", "lt", "sgt", "mt"),
    }
)
# Words that follow "U.S." and the like inside one sentence ("the U.S. Senate").
_ABBREVIATION_CONTINUATIONS = frozenset(
    {
        *("Senate", "Congress", "House", "Government", "Army", "Navy", "Air", "Marines"),
        *("Department", "President", "Treasury", "Supreme", "Court", "Federal", "Dollar"),
        *("Dollars", "Census", "Bureau", "Embassy", "Attorney", "Secretary", "Constitution"),
        *("Code", "Patent", "Postal", "Open", "Steel"),
    }
)
_BULLET = re.compile(
    r"[ \t]*(?:[-*\u2022\u2023\u25e6\u25aa\u2013\u2014]|\d{1,2}[.)]|[a-z]\)|\(\d{1,2}\)|\([a-z]\))"
    r"[ \t]+"
)
_TERMINATOR = re.compile(r"(\.{1,3}|[!?]+|\u2026)([\"'\u201d\u2019)\]]*)(\s+|$)")
_SENTENCE_START = re.compile(r"[\"'\u201c\u2018(\[]*[A-Z0-9]")


def _lines(text: str):
    """(start, end) of each line, without its line break."""
    offset = 0
    for line in text.split("\n"):
        yield offset, offset + len(line.rstrip("\r"))
        offset += len(line) + 1


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs and list items. A line break ends a block unless the next line continues a
    wrapped sentence: it starts in lower case and the line before ends without a stop."""
    blocks: list[list[int]] = []
    current: list[int] | None = None
    for start, end in _lines(text):
        line = text[start:end]
        if not line.strip():
            current = None
            continue
        bullet = _BULLET.match(line)
        content_start = start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        content_end = start + len(line.rstrip())
        wrapped = (
            current is not None
            and bullet is None
            and line.lstrip()[:1].islower()
            and not re.search(r"[.!?:\u2026][\"'\u201d\u2019)\]]*$", text[current[0] : current[1]])
        )
        if wrapped:
            current[1] = content_end
        else:
            current = [content_start, content_end]
            blocks.append(current)
    return [(start, end) for start, end in blocks if end > start]


def _ends_sentence(block: str, match: re.Match) -> bool:
    rest = block[match.end() :]
    if not rest:
        return True
    if not _SENTENCE_START.match(rest):
        return False  # "e.g. regulation", "vs. closed", "3.5"
    if not match.group(1).startswith(".") or match.group(1) == "...":
        return True
    before = block[: match.start(1)]
    token = re.search(r"[^\s(\[\"'\u201c\u2018]*$", before).group()
    lowered = token.lower()
    next_word = re.match(r"[\"'\u201c\u2018(\[]*([\w-]*)", rest).group(1)
    if lowered in _NEVER_ENDS:
        return False
    if lowered in {"no", "nos"} and next_word[:1].isdigit():
        return False  # "No. 5"
    if re.fullmatch(r"[A-Z]", token):
        return False  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token) or lowered in {
        "etc",
        "inc",
        "ltd",
        "corp",
        "co",
        "bros",
    }:
        # "U.S." or "etc." can end a sentence: split unless a name continues it.
        if next_word in _ABBREVIATION_CONTINUATIONS:
            return False
        return not (len(next_word) > 1 and next_word.isupper())  # "U.S. AI policy"
    return True


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text`, each with its [start, end) offsets: text[start:end] is the
    sentence, without surrounding spaces or a list item's bullet."""
    sentences = []
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        start = 0
        for match in _TERMINATOR.finditer(block):
            if not _ends_sentence(block, match):
                continue
            end = match.end(2)
            sentences.append((block_start + start, block_start + end))
            start = match.end()
        if start < len(block):
            sentences.append((block_start + start, block_end))
    result = []
    for start, end in sentences:
        chunk = text[start:end]
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        if end > start:
            result.append(Sentence(start, end, text[start:end]))
    return result


def is_english(text: str) -> bool:
    """Mostly Latin letters (the finder handles English; it skips other scripts)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return False
    latin = sum(1 for char in letters if char < "\u0250")
    return latin / len(letters) >= 0.8


# ---------------------------------------------------------------------------------------------
# The words-of-estimative-probability table


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

    def probability_for(self, match: re.Match) -> float:
        if self.probability_from:
            value = float(match.group(self.probability_from)) / 100
            return min(max(value, 0.01), 0.99)
        assert self.probability is not None
        return self.probability


@dataclass(frozen=True)
class PhraseMatch:
    entry: TableEntry
    start: int  # offsets in the sentence
    end: int
    text: str  # verbatim
    probability: float
    discounted: str = ""  # why it does not count, if it does not


def _phrase_regex(phrase: str) -> str:
    words = [re.escape(word) for word in normalize(phrase).split()]
    body = r"\s+".join(words)
    prefix = r"\b" if re.match(r"\w", phrase) else ""
    suffix = r"\b" if re.search(r"\w$", phrase) else ""
    return prefix + body + suffix


class EstimativeTable:
    """The table of `estimative_probability.json`, compiled."""

    def __init__(self, raw_entries: list[dict[str, Any]]):
        entries: list[TableEntry] = []
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
        for raw in raw_entries:
            label = raw.get("label") or raw["phrase"]
            probability = raw.get("probability")
            if "negation_of" in raw:
                other = labels.get(raw["negation_of"])
                if other is None or "probability" not in other:
                    raise ValueError(f"{label!r}: negation_of names no entry with a number")
                probability = round(1 - other["probability"], 6)
            if probability is None and not raw.get("probability_from"):
                raise ValueError(f"entry {label!r} has no probability")
            if probability is not None and not 0 < probability < 1:
                raise ValueError(f"entry {label!r}: probability must be in (0, 1)")
            pattern = raw["pattern"] if "pattern" in raw else _phrase_regex(raw["phrase"])
            flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
            entries.append(
                TableEntry(
                    label=label,
                    regex=re.compile(pattern, flags),
                    probability=probability,
                    rank=int(raw["rank"]),
                    cue=bool(raw["cue"]),
                    source=raw["source"],
                    probability_from=raw.get("probability_from", ""),
                    negative="negation_of" in raw,
                )
            )
        self.entries = entries
        self._by_label = {entry.label: entry for entry in entries}

    @classmethod
    def from_file(cls, path: Path | str = TABLE_PATH) -> EstimativeTable:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["entries"])

    def __getitem__(self, label: str) -> TableEntry:
        return self._by_label[label]

    def lookup(self, phrase: str) -> float | None:
        """The number for a phrase, as the finder would read it on its own."""
        probability, _ = implied_probability(phrase, table=self)
        return probability

    def matches(self, sentence: str) -> list[PhraseMatch]:
        """Every entry found in `sentence` (a match inside a longer one dropped), with
        quotations blanked and matches in when/if/whether clauses marked discounted."""
        searchable = _blank_quotes(normalize(sentence))
        found = []
        for entry in self.entries:
            for match in entry.regex.finditer(searchable):
                if match.end() == match.start():
                    continue
                found.append(
                    PhraseMatch(
                        entry=entry,
                        start=match.start(),
                        end=match.end(),
                        text=sentence[match.start() : match.end()],
                        probability=entry.probability_for(match),
                        discounted=_discount(searchable, match.start(), entry.rank == 0),
                    )
                )
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


def _negated(
    hedge: PhraseMatch, matches: list[PhraseMatch], sentence: str, searchable: str
) -> PhraseMatch:
    """A hedge on a negated verb is mirrored to 1 - p: next to it ("probably won't",
    "almost certainly will not", "likely not"; the phrase spans both) or, for a hedge that
    frames a clause ("I expect ...", "it is likely that ..."), anywhere after it ("I expect
    they won't": the phrase is "I expect … won't")."""
    if hedge.entry.rank == 0 or hedge.entry.negative or hedge.entry.probability_from:
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
    framing = hedge.entry.rank == 1 or re.match(r"\s+that\b", searchable[end:])
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


def _blank_quotes(text: str) -> str:
    """Quoted passages replaced by spaces (someone else's words, not the author's forecast)."""
    return _QUOTED.sub(lambda match: " " * len(match.group()), text)


def _discount(searchable: str, position: int, future_auxiliary: bool) -> str:
    before = searchable[:position]
    boundaries = list(_CLAUSE_BOUNDARY.finditer(before))
    clause = before[boundaries[-1].end() :] if boundaries else before
    if _SUBORDINATE.search(clause):
        return "inside a when/if/whether clause"
    if future_auxiliary and re.search(r"\byou\s*$", before, re.IGNORECASE):
        return "addressed to the reader"
    return ""


def implied_probability(
    sentence: str, *, table: EstimativeTable | None = None
) -> tuple[float | None, str]:
    """(probability, the verbatim phrase that set it) for a sentence; (None, "") if no entry
    of the table is found outside quotes and when/if/whether clauses."""
    best = _best_match((table or default_table()).matches(sentence))
    if best is None:
        return None, ""
    return best.probability, best.text


def _best_match(matches: list[PhraseMatch]) -> PhraseMatch | None:
    counted = [one for one in matches if not one.discounted]
    if not counted:
        return None
    return min(counted, key=lambda one: (-one.entry.rank, one.start))


# ---------------------------------------------------------------------------------------------
# Horizons

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
}
_NUM = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>weeks?|months?|quarters?|years?)"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?![\d%])"
_PART = (
    r"(?P<part>early|mid|late|(?:the\s+)?(?:end|start|beginning|middle)\s+of|"
    r"(?:the\s+)?(?:first|second)\s+half\s+of|H[12]|Q[1-4])"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


@dataclass(frozen=True)
class RelativeWindow:
    """A window after another claim's event ("3-9 months later"), in months."""

    months: tuple[int, int]


@dataclass(frozen=True)
class HorizonMatch:
    start: int
    end: int
    phrase: str
    value: date | RelativeWindow | None  # None: a time expression without a deadline
    cue: bool  # whether it marks the sentence as a forecast when it lies in the future


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the last day of a month stays the last day."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    last = calendar.monthrange(year, month)[1]
    at_month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_month_end else min(day.day, last))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def _in_months(count: int, unit: str) -> int:
    unit = unit.lower().rstrip("s")
    if unit == "week":
        return -(-count * 7 // 30)  # whole months, rounded up
    return count * {"month": 1, "quarter": 3, "year": 12}[unit]


def _part_date(part: str, year: int) -> date:
    part = re.sub(r"\s+", " ", part.lower()).removeprefix("the ")
    if part in {"early", "start of", "beginning of"}:
        return date(year, 3, 31)
    if part in {"mid", "middle of", "first half of", "h1"}:
        return date(year, 6, 30)
    if part in {"late", "end of", "second half of", "h2"}:
        return date(year, 12, 31)
    quarter = int(part[1])  # q1..q4
    return _month_end(year, quarter * 3)


def _year_of(match: re.Match, published: date) -> int:
    if match.groupdict().get("year"):
        return int(match.group("year"))
    return published.year + (1 if match.group("rel").lower() == "next" else 0)


def _rules(published: date):
    """(regex, value function, cue) for each kind of time expression."""

    def relative_window(match):
        low = _in_months(_number(match.group("a")), match.group("unit"))
        high = _in_months(_number(match.group("b") or match.group("a")), match.group("unit"))
        return RelativeWindow((min(low, high), max(low, high)))

    def from_publication(match):
        count = max(_number(match.group("a")), _number(match.group("b") or match.group("a")))
        return add_months(published, _in_months(count, match.group("unit")))

    def part_of_year(match):
        return _part_date(match.group("part"), _year_of(match, published))

    def month_year(match):
        month, year = _MONTHS[match.group("month").lower()], int(match.group("year"))
        if (match.group("prep") or "").lower() == "before":
            return date(year, month, 1) - timedelta(days=1)
        return _month_end(year, month)

    def season_year(match):
        year = int(match.group("year"))
        season = match.group("season").lower()
        if season == "winter":
            return _month_end(year + 1, 2)
        return _month_end(year, {"spring": 5, "summer": 8, "fall": 11, "autumn": 11}[season])

    def preposition_year(match):
        year, prep = int(match.group("year")), re.sub(r"\s+", " ", match.group("prep").lower())
        if prep == "after":
            return None
        if prep == "before":
            return date(year - 1, 12, 31)
        return date(year, 12, 31)

    def next_period(match):
        unit = match.group("unit").lower()
        if unit == "year":
            return date(published.year + 1, 12, 31)
        if unit == "month":
            year, month_index = divmod(published.year * 12 + published.month, 12)
            return _month_end(year, month_index + 1)
        quarter = (published.month - 1) // 3 + 1
        year, quarter = (published.year + 1, 1) if quarter == 4 else (published.year, quarter + 1)
        return _month_end(year, quarter * 3)

    def end_of_this_year(_match):
        return date(published.year, 12, 31)

    def end_of_decade(_match):
        return date(published.year // 10 * 10 + 9, 12, 31)

    def bare_year(match):
        return date(int(match.group("year")), 12, 31)

    prep_year = (
        r"(?P<prep>by|before|in|during|until|till|through|throughout|from|after|"
        r"(?:starting|beginning)\s+in)"
    )
    return [
        (
            rf"\b(?P<a>{_NUM})\s*(?:-|\u2013|\u2014|to)\s*(?P<b>{_NUM})\s+{_UNIT}\s+"
            r"(?:later|afterwards?|after\s+that|on)\b",
            relative_window,
            True,
        ),
        (
            rf"\b(?P<a>{_NUM})\s+{_UNIT}\s+(?:later|afterwards?|after\s+that)\b(?P<b>)",
            relative_window,
            True,
        ),
        (
            rf"\b(?:within|(?:in|over)\s+the\s+(?:next|coming))\s+(?P<a>{_NUM})"
            rf"(?:\s*(?:-|\u2013|to)\s*(?P<b>{_NUM}))?\s+{_UNIT}\b",
            from_publication,
            True,
        ),
        (
            # "in two years" dates a forecast, but "doubled in a year" is the past: no cue.
            rf"\b(?:in|over)\s+(?P<a>{_NUM})(?:\s*(?:-|\u2013|to)\s*(?P<b>{_NUM}))?\s+"
            rf"{_UNIT}\b(?!\s+(?:later|ago|after))",
            from_publication,
            False,
        ),
        (
            rf"\b(?P<a>{_NUM})(?:\s*(?:-|\u2013|to)\s*(?P<b>{_NUM}))?\s+{_UNIT}\s+from\s+now\b",
            from_publication,
            True,
        ),
        (
            r"\b(?:(?:later|sometime|(?:by\s+|before\s+|at\s+)?(?:the\s+)?end\s+of|"
            r"the\s+rest\s+of|later\s+in)\s+this\s+year|later\s+in\s+the\s+year|"
            r"(?:by|before)\s+(?:the\s+)?(?:end\s+of\s+the\s+year|year[-\s]end))\b",
            end_of_this_year,
            True,
        ),
        (r"\bthis\s+year\b", end_of_this_year, False),
        (r"\bnext\s+(?P<unit>year|month|quarter)\b", next_period, True),
        (
            r"\b(?:by\s+)?the\s+end\s+of\s+(?:the|this)\s+decade\b|\bthis\s+decade\b",
            end_of_decade,
            True,
        ),
        (
            r"\b(?:(?:starting|beginning)\s+(?:in\s+)?|(?:by|in|before|from|until|through|"
            rf"during)\s+)?{_PART}[\s-]+(?:{_YEAR}|(?P<rel>this|next)\s+year\b)",
            part_of_year,
            True,
        ),
        (
            rf"\b(?:(?P<prep>by|in|before|until|through|from|(?:starting|beginning)\s+in)\s+)?"
            rf"{_MONTH}\s+(?:of\s+)?{_YEAR}",
            month_year,
            True,
        ),
        (
            r"\b(?P<season>spring|summer|fall|autumn|winter)\s+(?:of\s+)?" + _YEAR,
            season_year,
            True,
        ),
        (rf"\b{prep_year}\s+{_YEAR}", preposition_year, True),
        (r"(?<![\d.,$])\b" + _YEAR, bare_year, True),
    ]


@lru_cache(maxsize=64)
def _compiled_rules(published: date):
    return [
        (re.compile(regex, re.IGNORECASE), value, cue) for regex, value, cue in _rules(published)
    ]


def time_expressions(sentence: str, published: date) -> list[HorizonMatch]:
    """Every time expression in the sentence outside quotation marks (one inside a longer one
    dropped), in order."""
    searchable = _blank_quotes(normalize(sentence))
    found = []
    for regex, value, cue in _compiled_rules(published):
        for match in regex.finditer(searchable):
            found.append(
                HorizonMatch(
                    match.start(),
                    match.end(),
                    sentence[match.start() : match.end()],
                    value(match),
                    cue,
                )
            )
    kept = []
    for index, one in enumerate(found):
        dominated = any(
            other.start <= one.start
            and one.end <= other.end
            and (
                other.end - other.start > one.end - one.start
                or ((other.start, other.end) == (one.start, one.end) and rival < index)
            )
            for rival, other in enumerate(found)
            if rival != index
        )
        if not dominated:
            kept.append(one)
    return sorted(kept, key=lambda one: one.start)


def _is_future(match: HorizonMatch, published: date) -> bool:
    if isinstance(match.value, RelativeWindow):
        return True
    if isinstance(match.value, date):
        return match.value > published
    # "after 2027": no deadline, but the future if the year is still to come.
    year = re.search(r"(?:19|20)\d\d", match.phrase)
    return bool(year) and int(year.group()) >= published.year


def parse_horizon(sentence: str, published: date) -> tuple[date | RelativeWindow | None, str]:
    """(horizon, the phrase that stated it): the first time expression after `published`."""
    for match in time_expressions(sentence, published):
        if _is_future(match, published) and match.value is not None:
            return match.value, match.phrase
    return None, ""


# ---------------------------------------------------------------------------------------------
# Claims


@dataclass
class ClaimProposal:
    quote: str
    start: int
    end: int
    horizon: date | dict | None
    implied_probability: float | None
    probability_phrase: str
    reasons: list[str] = field(default_factory=list)
    horizon_phrase: str = ""


@dataclass
class SentenceAnalysis:
    is_forecast: bool
    reasons: list[str]
    horizon: date | RelativeWindow | None = None
    horizon_phrase: str = ""
    probability: float | None = None
    probability_phrase: str = ""


def _describe(value: date | RelativeWindow | None) -> str:
    if isinstance(value, RelativeWindow):
        return f"{value.months[0]}-{value.months[1]} months after the claim before"
    return value.isoformat() if value else "no date"


def analyse_sentence(
    sentence: str, published: date, *, table: EstimativeTable | None = None
) -> SentenceAnalysis:
    """Whether one sentence forecasts the future, and why (or why not)."""
    table = table or default_table()
    if not is_english(sentence):
        return SentenceAnalysis(False, ["not English"])
    searchable = _blank_quotes(normalize(sentence))
    if re.search(r"\?[\"')\]]*\s*$", normalize(sentence)):
        return SentenceAnalysis(False, ["a question"])
    for pattern in META_PATTERNS:
        meta = re.search(pattern, searchable, re.IGNORECASE)
        if meta:
            return SentenceAnalysis(False, [f"about the text itself: “{meta.group()}”"])

    reasons: list[str] = []
    cue = False
    matches = table.matches(sentence)
    for one in matches:
        kind = RANK_NAMES.get(one.entry.rank, "wording")
        if one.discounted:
            reasons.append(f"ignored “{one.text}”: {one.discounted}")
            continue
        reasons.append(f"{kind}: “{one.text}” ({one.probability:g})")
        cue = cue or one.entry.cue
    for pattern in FUTURE_WORDS.values():
        for match in re.finditer(pattern, searchable, re.IGNORECASE):
            if _discount(searchable, match.start(), False):
                continue
            reasons.append(f"future wording: “{sentence[match.start() : match.end()]}”")
            cue = True
            break
    horizon, horizon_phrase = None, ""
    for match in time_expressions(sentence, published):
        if not _is_future(match, published):
            continue
        if match.cue:
            cue = True
        if horizon is None and match.value is not None:
            horizon, horizon_phrase = match.value, match.phrase
        reasons.append(f"time expression: “{match.phrase}” → {_describe(match.value)}")
    if not cue:
        return SentenceAnalysis(False, reasons or ["no forecast wording"])
    best = _best_match(matches)
    return SentenceAnalysis(
        True,
        reasons,
        horizon=horizon,
        horizon_phrase=horizon_phrase,
        probability=best.probability if best else None,
        probability_phrase=best.text if best else "",
    )


def find_claims(
    text: str, published: date, *, table: EstimativeTable | None = None
) -> list[ClaimProposal]:
    """The sentences of `text` that forecast the future, in order."""
    proposals: list[ClaimProposal] = []
    for sentence in split_sentences(text):
        analysis = analyse_sentence(sentence.text, published, table=table)
        if not analysis.is_forecast:
            continue
        horizon: date | dict | None
        if isinstance(analysis.horizon, RelativeWindow):
            horizon = {
                "relative_to": len(proposals) - 1 if proposals else None,
                "months": list(analysis.horizon.months),
            }
        else:
            horizon = analysis.horizon
        proposals.append(
            ClaimProposal(
                quote=sentence.text,
                start=sentence.start,
                end=sentence.end,
                horizon=horizon,
                implied_probability=analysis.probability,
                probability_phrase=analysis.probability_phrase,
                reasons=analysis.reasons,
                horizon_phrase=analysis.horizon_phrase,
            )
        )
    return proposals


def horizon_window(
    proposals: list[ClaimProposal], index: int, published: date
) -> tuple[date, date] | None:
    """The (earliest, latest) dates of proposal `index`'s horizon; None if it has none or it
    is relative to a claim without one. A date is a window of one day."""
    horizon = proposals[index].horizon
    if horizon is None:
        return None
    if isinstance(horizon, date):
        return horizon, horizon
    reference = horizon["relative_to"]
    if reference is None:
        base = published
    else:
        if not 0 <= reference < index:
            return None
        window = horizon_window(proposals, reference, published)
        if window is None:
            return None
        base = window[1]
    low, high = horizon["months"]
    return add_months(base, low), add_months(base, high)
