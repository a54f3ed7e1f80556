"""Stage 4: by when — the time expressions of each unit, resolved to a `Horizon`.

Every rule is a regular expression and a small named function that turns its match into a
window (earliest, latest) against the publication date P and the fiscal year's first
month. The rules, in `RULES`:

* relative windows after another claim ("3-9 months later") and from P ("within 6 months",
  "over the next two years", "18 months from now", "in the next decade");
* this / next period: "later this year", "by year-end", "next year", "next quarter",
  "this summer", "the rest of the decade", "by the end of the decade";
* quarters and halves: "Q3 2027", "the third quarter", "the June quarter", "fiscal Q2",
  "H2", "the second half of next year" (fiscal quarters when the source's fiscal year
  starts in another month than January);
* fiscal years: "fiscal 2026", "FY26", "this fiscal year";
* parts of years: "early 2027", "by mid-2027", "late next year", "the start of 2028";
* months and seasons: "June 2027", "beginning in April", "summer 2027";
* exact dates ("May 15, 2025"), read with dateparser;
* decades, ranges and centuries: "the 2030s" (2030-01-01 to 2039-12-31), "2081-2100",
  "over the 21st century", "by the end of the century";
* years: "by 2030", "in 2027", "before 2027" (strict), "starting in 2027", a bare year.

A year that names a reference point rather than a deadline ("back to 2019 levels",
"since 2019", "compared with 2024") is left out, and so are phrases without a date ("in
the long term", "eventually"). The first expression that lies after P sets the horizon.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

import dateparser

from registry.claims.passage import Horizon, Passage
from registry.claims.seasons import season_horizon
from registry.claims.text import blank_quotes, normalize

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "eighteen": 18, "twenty": 20, "twenty-four": 24, "thirty": 30, "fifty": 50, "several": 3,
    "few": 3, "a few": 3, "couple of": 2, "a couple of": 2, "hundred": 100, "a hundred": 100,
    "one hundred": 100, "a few hundred": 300, "several hundred": 300, "thousand": 1000,
    "a thousand": 1000, "one thousand": 1000, "a few thousand": 3000, "several thousand": 3000,
}  # fmt: skip
_NUM = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>days?|weeks?|months?|quarters?|years?|decades?|century|centuries)"
_YEAR = r"(?P<year>(?:19|20|21|22|23)\d\d)(?![\d%])"
_YEAR2 = _YEAR.replace("?P<year>", "?P<year2>")  # a second year group in one pattern
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
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH = rf"(?P<month>{_MONTH_NAMES})\b\.?"
_ANY_MONTH = rf"(?:{_MONTH_NAMES})\b\.?"
# A month written with its capital (so not the modal "may") naming when an event falls.
_CAPITAL_MONTH = (
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)
_EVENT_NOUN = (
    r"(?:elections?|vote|voting|ballot|referendum|primar(?:y|ies)|midterms?|meeting|summit|"
    r"budget|conference|deadline|launch|release|hearing|auction|draft)\b"
)
_SEASON_END = {"spring": 5, "summer": 8, "fall": 11, "autumn": 11, "winter": 2}
_ORDINAL_QUARTER = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2}
_ORDINAL_QUARTER |= {"3rd": 3, "4th": 4}
# Words before a year that make it a reference point, not a deadline.
_REFERENCE_BEFORE = re.compile(
    r"(?:\bsince|\bthan(?:\s+in)?|\bversus|\bvs\.?|\bcompared\s+(?:with|to)(?:\s+in)?|"
    r"\brelative\s+to|\bback\s+to|\bpre-?|\bpost-?|\babove|\bbelow|\bsimilar\s+to|"
    r"\b(?:up|down|rebound|recover(?:y|ed)?)\s+from|\bas\s+of|\bof)\s*$",
    re.IGNORECASE,
)
_REFERENCE_AFTER = re.compile(
    r"^(?:'s|\s*levels?\b|\s*peaks?\b|\s*highs?\b|\s*lows?\b|\s*baseline\b|\s*average\b|"
    r"\s*dollars\b|\s*prices\b|\s*[-\u2013]\s*(?:era|style)\b)",
    re.IGNORECASE,
)
# Phrases that name a time without a date: the unit is still dated by nothing.
UNDATED = re.compile(
    r"\b(?:in|over)\s+the\s+(?:long|longer|medium|short|near)(?:[\s-]+|er\s+)(?:term|run)\b|"
    r"\beventually\b|\bsomeday\b|\bone\s+day\b|\bin\s+the\s+future\b",
    re.IGNORECASE,
)


NEAR_TERM = re.compile(r"\b(?:short|near)\b", re.I)


@dataclass(frozen=True)
class Context:
    published: date
    fiscal_start: int = 1  # the fiscal year's first month


@dataclass(frozen=True)
class TimeExpression:
    start: int
    end: int
    horizon: Horizon | None  # None: a time expression without a deadline ("after 2027")
    cue: bool  # marks a unit as a forecast when it lies after publication


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """`day` plus whole months; the last day of a month stays the last day."""
    years, index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, index + 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


def _number(word: str) -> int:
    word = re.sub(r"\s+", " ", word.lower())
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _months_in(count: int, unit: str) -> int:
    unit = unit.lower().rstrip("s").replace("centurie", "century")
    if unit in ("day", "week"):
        return max(1, -(-count * (7 if unit == "week" else 1) // 30))
    return count * {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200}[unit]


def _window(phrase: str, earliest: date | None, latest: date) -> Horizon:
    return Horizon(phrase=phrase, earliest=earliest, latest=latest)


# --- fiscal arithmetic ---------------------------------------------------------------------


def fiscal_year_of(day: date, start: int) -> int:
    """The fiscal year containing `day`, named by the calendar year it ends in."""
    return day.year + (1 if start > 1 and day.month >= start else 0)


def fiscal_year_end(year: int, start: int) -> date:
    return month_end(year, 12) if start == 1 else month_end(year, start - 1)


def fiscal_quarter(year: int, quarter: int, start: int) -> tuple[date, date]:
    first = date(year if start == 1 else year - 1, start, 1)
    begin = add_months(first, 3 * (quarter - 1))
    return begin, add_months(begin, 3) - timedelta(days=1)


REPORTED_QUARTER_DAYS = 60


def _quarter_after(ctx: Context, quarter: int) -> tuple[date, date]:
    """Quarter `quarter` of the current fiscal year, or of the next if it has ended."""
    year = fiscal_year_of(ctx.published, ctx.fiscal_start) - 1
    window = fiscal_quarter(year, quarter, ctx.fiscal_start)
    # A quarter that ended just before publication is the one being reported on (the
    # past: an earnings call comes weeks after its quarter); one that ended long before
    # is next year's.
    while window[1] < ctx.published - timedelta(days=REPORTED_QUARTER_DAYS):
        year += 1
        window = fiscal_quarter(year, quarter, ctx.fiscal_start)
    return window


def _short_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


# --- rule functions: (match, context) -> Horizon | None ------------------------------------


def spoken_year(m: re.Match, ctx: Context) -> Horizon | None:
    """ "as we step into 25", "ramping in 26 in Panther Lake": a year said in two digits, read
    as one only within five years after publication."""
    year = 2000 + int(m.group("yy"))
    if re.search(rf"(?:\d|\b{_NUM})\s*$", m.string[: m.start()], re.I):
        return None  # "one in 25", "3 in 10": odds, not a year
    if not ctx.published.year <= year <= ctx.published.year + 5:
        return None
    return _window(m.group(), date(year, 1, 1), date(year, 12, 31))


def relative_window(m: re.Match, ctx: Context) -> Horizon:
    low = _months_in(_number(m.group("a")), m.group("unit"))
    high = _months_in(_number(m.group("b") or m.group("a")), m.group("unit"))
    return Horizon(phrase=m.group(), relative_months=(min(low, high), max(low, high)))


def from_publication(m: re.Match, ctx: Context) -> Horizon:
    if not (m.group("b") or m.group("a")):
        if m.group("unit").lower() == "century":  # "in the coming century": this one's end
            return _window(
                m.group(), None, date((ctx.published.year - 1) // 100 * 100 + 100, 12, 31)
            )
        if not m.group("unit").lower().endswith("s"):  # "within the next year": one of it
            months = _months_in(1, m.group("unit"))
            return _window(m.group(), None, add_months(ctx.published, months))
        return undated_period(m, ctx)  # "in the coming months"
    count = _number(m.group("b") or m.group("a"))
    unit = m.group("unit").lower()
    days = count * (7 if unit.startswith("week") else 1)
    if _months_in(count, unit) > 12 * 2000:
        return undated_period(m, ctx)  # "in 900 centuries": past any calendar's end
    if unit.startswith(("day", "week")):  # "in a few thousand days": counted in days
        return _window(m.group(), None, ctx.published + timedelta(days=days))
    return _window(m.group(), None, add_months(ctx.published, _months_in(count, unit)))


def _year_end(year: int, ctx: Context) -> date:
    """The end of year `year`: a fiscal year where the source counts in fiscal years."""
    return fiscal_year_end(year, ctx.fiscal_start)


def this_year(m: re.Match, ctx: Context) -> Horizon:
    return _window(m.group(), None, _year_end(fiscal_year_of(ctx.published, ctx.fiscal_start), ctx))


def year_ahead(m: re.Match, ctx: Context) -> Horizon:
    """ "the year ahead": the next calendar year when written in its last quarter."""
    p = ctx.published
    if p.month >= 10:
        return _window(m.group(), None, date(p.year + 1, 12, 31))
    return _window(m.group(), None, add_months(p, 12))


def undated_period(m: re.Match, ctx: Context) -> Horizon:
    """ "in the coming months": the future, with no date a question could close on."""
    return Horizon(phrase=m.group())


def between_now_and(m: re.Match, ctx: Context) -> Horizon:
    return _window(m.group(), None, date(int(m.group("year")) - 1, 12, 31))


def _strictly_before(m: re.Match) -> bool:
    """ "before 2027" ends the year before; "on or before 31 Dec 2021" is that day."""
    return (m.group("prep") or "").lower() == "before" and not re.search(
        r"\bon\s+or\s+$", m.string[: m.start("prep")], re.I
    )


def numeric_date(m: re.Match, ctx: Context) -> Horizon | None:
    month, day, year = int(m.group("m")), int(m.group("d")), int(m.group("y"))
    year = year + 2000 if year < 100 else year
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if _strictly_before(m):
        found -= timedelta(days=1)
    return _window(m.group(), None, found)


def month_day(m: re.Match, ctx: Context) -> Horizon | None:
    """ "by January 30": the next such day after publication."""
    month = _MONTHS[m.group("month").lower().rstrip(".")]
    try:
        found = date(ctx.published.year, month, int(m.group("day")))
        if found < ctx.published:
            found = date(ctx.published.year + 1, month, int(m.group("day")))
    except ValueError:
        return None
    return _window(m.group(), None, found)


def next_period(m: re.Match, ctx: Context) -> Horizon:
    unit, p = m.group("unit").lower(), ctx.published
    if unit == "year":
        if ctx.fiscal_start != 1:
            return _window(m.group(), None, _year_end(fiscal_year_of(p, ctx.fiscal_start) + 1, ctx))
        return _window(m.group(), date(p.year + 1, 1, 1), date(p.year + 1, 12, 31))
    if unit == "month":
        following = add_months(date(p.year, p.month, 1), 1)
        return _window(m.group(), following, month_end(following.year, following.month))
    if unit == "week":
        return _window(m.group(), None, p + timedelta(days=14))
    if unit == "decade":
        return _window(m.group(), None, add_months(p, 120))
    current = next(
        q
        for q in range(1, 5)
        if fiscal_quarter(fiscal_year_of(p, ctx.fiscal_start), q, ctx.fiscal_start)[1] >= p
    )
    year = fiscal_year_of(p, ctx.fiscal_start) + (1 if current == 4 else 0)
    return _window(m.group(), *fiscal_quarter(year, current % 4 + 1, ctx.fiscal_start))


def this_quarter(m: re.Match, ctx: Context) -> Horizon:
    p = ctx.published
    year = fiscal_year_of(p, ctx.fiscal_start)
    for quarter in range(1, 5):
        window = fiscal_quarter(year, quarter, ctx.fiscal_start)
        if window[1] >= p:
            return _window(m.group(), *window)
    return _window(m.group(), None, fiscal_year_end(year, ctx.fiscal_start))


def end_of_decade(m: re.Match, ctx: Context) -> Horizon:
    return _window(m.group(), None, date(ctx.published.year // 10 * 10 + 9, 12, 31))


def end_of_century(m: re.Match, ctx: Context) -> Horizon:
    century = m.groupdict().get("century")
    last = int(century) * 100 if century else (ctx.published.year // 100 + 1) * 100
    return _window(m.group(), None, date(last, 12, 31))


def part_of_century(m: re.Match, ctx: Context) -> Horizon:
    """ "by the mid-21st century" (2050), "by mid-century", "the coming century" (its end)."""
    century = m.group("century")
    number = int(century) if century else ctx.published.year // 100 + 1
    part = (m.group("part") or "").lower()
    if m.group("coming"):
        number = ctx.published.year // 100 + 2 if ctx.published.year % 100 > 50 else number
    offset = 50 if part.startswith("mid") else 33 if part.startswith("early") else 100
    return _window(m.group(), None, date((number - 1) * 100 + offset, 12, 31))


def _quarter_written_short(m: re.Match, ctx: Context) -> Horizon:
    """ "1Q 2023", "1Q/2023", "1Q23", "Q1/2023": a calendar quarter of that year."""
    quarter = int(m.group("q") or m.group("q2"))
    year_text = m.group("year") or m.group("year2") or m.group("yy")
    return _window(m.group(), *fiscal_quarter(_short_year(year_text), quarter, 1))


def quarter_named(m: re.Match, ctx: Context) -> Horizon:
    quarter = int(m.group("q")) if m.group("q") else _ORDINAL_QUARTER[m.group("ord").lower()]
    fiscal = bool(m.group("fiscal")) or ctx.fiscal_start != 1
    start = ctx.fiscal_start if fiscal else 1
    if m.group("year"):
        year = _short_year(m.group("year"))
        return _window(m.group(), *fiscal_quarter(year, quarter, start))
    if m.group("rel") and m.group("rel").lower() == "next":
        year = fiscal_year_of(ctx.published, start) + 1
        return _window(m.group(), *fiscal_quarter(year, quarter, start))
    return _window(m.group(), *_quarter_after(Context(ctx.published, start), quarter))


def month_quarter(m: re.Match, ctx: Context) -> Horizon:
    """ "the June quarter": the calendar quarter ending in that month, next to come."""
    month = _MONTHS[m.group("month").lower().rstrip(".")]
    year = int(m.group("year")) if m.group("year") else ctx.published.year - 1
    end = month_end(year, month)
    while not m.group("year") and end < ctx.published - timedelta(days=REPORTED_QUARTER_DAYS):
        year += 1
        end = month_end(year, month)
    return _window(m.group(), add_months(end, -3) + timedelta(days=1), end)


def fiscal_year(m: re.Match, ctx: Context) -> Horizon:
    if m.group("year"):
        year = _short_year(m.group("year"))
    else:
        year = fiscal_year_of(ctx.published, ctx.fiscal_start)
        if m.group("rel") and m.group("rel").lower() == "next":
            year += 1
    return _window(m.group(), None, fiscal_year_end(year, ctx.fiscal_start))


def half_of_year(m: re.Match, ctx: Context) -> Horizon:
    year = _year_or_relative(m, ctx)
    second = m.group("half").lower() in ("second", "2nd", "h2", "back")
    if ctx.fiscal_start != 1 and m.group("fiscal"):
        begin = fiscal_quarter(year, 3 if second else 1, ctx.fiscal_start)[0]
        return _window(m.group(), begin, add_months(begin, 6) - timedelta(days=1))
    return _window(
        m.group(),
        date(year, 7 if second else 1, 1),
        date(year, 12, 31) if second else date(year, 6, 30),
    )


def _year_or_relative(m: re.Match, ctx: Context) -> int:
    if m.groupdict().get("year"):
        return _short_year(m.group("year"))
    rel = (m.groupdict().get("rel") or "this").lower()
    return ctx.published.year + (1 if rel == "next" else 0)


def part_of_year(m: re.Match, ctx: Context) -> Horizon:
    year = _year_or_relative(m, ctx)
    part = re.sub(r"\s+", " ", m.group("part").lower()).removeprefix("the ")
    if part in ("early", "start of", "beginning of", "the start of", "first months of"):
        return _window(m.group(), date(year, 1, 1), date(year, 3, 31))
    if part in ("mid", "middle of", "mid-"):
        return _window(m.group(), None, date(year, 6, 30))
    return _window(m.group(), date(year, 10, 1), date(year, 12, 31))


def month_of_year(m: re.Match, ctx: Context) -> Horizon:
    month = _MONTHS[m.group("month").lower().rstrip(".")]
    if m.group("year"):
        year = int(m.group("year"))
    else:
        # "by April" looks ahead to the next April; "in August" written in September is
        # the August just gone.
        year = ctx.published.year
        ahead = (m.group("prep") or "").lower() in ("by", "before", "until", "") or re.match(
            r"(?:starting|beginning)", m.group("prep") or "", re.I
        )
        if month_end(year, month) < ctx.published and ahead:
            year += 1
        if re.search(r"\bback\s*$", m.string[: m.start()], re.I) and month >= ctx.published.month:
            year -= 1  # "as we had it back in November", said in February: the one gone
    if _strictly_before(m):
        return _window(m.group(), None, date(year, month, 1) - timedelta(days=1))
    return _window(m.group(), date(year, month, 1), month_end(year, month))


def season(m: re.Match, ctx: Context) -> Horizon:
    name = m.group("season").lower()
    year = int(m.group("year")) if m.group("year") else ctx.published.year
    rel = (m.group("rel") or "").lower()
    if rel == "next":
        year += 1
    end_month = _SEASON_END[name]
    end = month_end(year + (1 if name == "winter" else 0), end_month)
    if not m.group("year") and not rel and end < ctx.published:
        end = month_end(end.year + 1, end_month)
    return _window(m.group(), None, end)


def exact_date(m: re.Match, ctx: Context) -> Horizon | None:
    parsed = dateparser.parse(
        m.group("date"),
        languages=["en"],
        settings={"RELATIVE_BASE": datetime.combine(ctx.published, datetime.min.time())},
    )
    if parsed is None:
        return None
    day = parsed.date()
    if _strictly_before(m):
        day -= timedelta(days=1)
    return _window(m.group(), None, day)


def decade(m: re.Match, ctx: Context) -> Horizon:
    first = int(m.group("decade"))
    part = (m.group("part") or "").lower()
    low, high = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}.get(part.rstrip("-"), (0, 9))
    return _window(m.group(), date(first + low, 1, 1), date(first + high, 12, 31))


def rest_of_year(m: re.Match, ctx: Context) -> Horizon:
    return _window(m.group(), None, _year_end(int(m.group("year")), ctx))


def half_decade(m: re.Match, ctx: Context) -> Horizon:
    first = int(m.group("decade")) + (5 if m.group("half").lower() == "second" else 0)
    return _window(m.group(), date(first, 1, 1), date(first + 4, 12, 31))


def year_range(m: re.Match, ctx: Context) -> Horizon | None:
    first, last = int(m.group("first")), m.group("last")
    last_year = int(last) if len(last) == 4 else first // 100 * 100 + int(last)
    if last_year <= first:
        return None
    return _window(m.group(), date(first, 1, 1), date(last_year, 12, 31))


def preposition_year(m: re.Match, ctx: Context) -> Horizon | None:
    year, prep = int(m.group("year")), re.sub(r"\s+", " ", m.group("prep").lower())
    if prep == "after":
        return None
    if _strictly_before(m):
        return _window(m.group(), None, _year_end(year - 1, ctx))
    if ctx.fiscal_start != 1:
        return _window(m.group(), None, _year_end(year, ctx))
    return _window(m.group(), date(year, 1, 1), date(year, 12, 31))


def bare_year(m: re.Match, ctx: Context) -> Horizon:
    return _window(m.group(), None, _year_end(int(m.group("year")), ctx))


_PREP = (
    r"(?:(?P<prep>by|before|in|during|until|till|through|throughout|from|after|for|over|"
    r"(?:starting|beginning)(?:\s+in)?|as\s+early\s+as|as\s+soon\s+as|no\s+later\s+than)\s+)?"
)

# (regex, rule, cue). Longer matches win over shorter ones inside them.
RULES: list[tuple[str, Callable[[re.Match, Context], Horizon | None], bool]] = [
    (
        r"\b(?:in\s+|over\s+|for\s+)?the\s+(?:year|twelve\s+months|12\s+months)\s+ahead\b|\bthe\s+coming\s+year\b",
        year_ahead,
        True,
    ),
    (
        rf"\b(?:for\s+|through\s+|over\s+|in\s+)?(?:the\s+)?(?:rest|remainder|balance)\s+of\s+{_YEAR}",
        rest_of_year,
        True,
    ),
    (
        r"\b(?:in\s+|by\s+)?the\s+(?P<half>first|second)\s+half\s+of\s+the\s+(?P<decade>(?:19|20|21)\d0)'?s\b",
        half_decade,
        True,
    ),
    (rf"\bbetween\s+now\s+and\s+(?:the\s+end\s+of\s+)?{_YEAR}", between_now_and, True),
    (
        r"\b(?:(?P<prep>by|before|on|until)\s+)?(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>(?:20)?\d\d)\b",
        numeric_date,
        True,
    ),
    (
        rf"\b(?:by|before|on|until|through|the|around|about|approximately|is)\s+{_MONTH}\s+(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b(?!,?\s+(?:19|20)\d\d)",
        month_day,
        True,
    ),
    (
        rf"\b(?P<a>{_NUM})\s*(?:-|to)\s*(?P<b>{_NUM})\s+{_UNIT}\s+(?:later|afterwards?|after\s+that|on)\b",
        relative_window,
        True,
    ),
    (
        rf"\b(?P<a>{_NUM})\s+{_UNIT}\s+(?:later|afterwards?|after\s+that)\b(?P<b>)",
        relative_window,
        True,
    ),
    (
        rf"\b(?:within(?:\s+the\s+(?:next|coming))?|(?:in|over|during)\s+the\s+(?:next|coming|following))\s+(?P<a>{_NUM})?(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?\s*{_UNIT}\b",
        from_publication,
        True,
    ),
    (
        rf"\b(?:in|over)\s+(?P<a>{_NUM})(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?\s+{_UNIT}\b(?!\s+(?:later|ago|after|earlier|before))",
        from_publication,
        False,
    ),
    (
        # "a 2 to 3 year horizon", "over a 12-month horizon": that long from publication
        rf"\b(?P<a>{_NUM})(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?[\s-]+{_UNIT}\s+(?:horizon|time\s+frame|timeframe)\b",
        from_publication,
        False,
    ),
    (
        rf"\b(?P<a>{_NUM})(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?\s+{_UNIT}\s+from\s+(?:now|today)\b",
        from_publication,
        True,
    ),
    (
        r"\b(?:(?:later|sometime|(?:by\s+|before\s+|at\s+)?(?:the\s+)?end\s+of|the\s+rest\s+of|later\s+in|for)\s+this\s+year|later\s+in\s+the\s+year|(?:by|before|at|through)\s+(?:the\s+)?(?:end\s+of\s+the\s+year|year[-\s]end)|by\s+year[-\s]end|for\s+the\s+(?:full\s+)?year|(?:the\s+)?(?:rest|balance|remainder)\s+of\s+the\s+year|full[-\s]year)\b",
        this_year,
        True,
    ),
    (r"\b(?:this|the\s+current|the\s+calendar)\s+year\b|\byear[-\s]end\b", this_year, False),
    (
        r"\b(?:next|the\s+coming|the\s+following)\s+(?P<unit>year|month|quarter|week|decade)\b",
        next_period,
        True,
    ),
    (r"\b(?:this|the\s+current)\s+quarter\b", this_quarter, True),
    (
        r"\b(?:(?:by\s+|before\s+)?the\s+end\s+of\s+(?:the|this)\s+decade|(?:later\s+)?this\s+decade|the\s+rest\s+of\s+the\s+decade|the\s+decade'?s\s+end)\b",
        end_of_decade,
        True,
    ),
    (
        r"\b(?:(?:by|before|at)\s+)?the\s+end\s+of\s+(?:the|this)\s+century\b|\b(?:this|the)\s+century\b(?!\s+ago)|\b(?:over|during|in|through(?:out)?|by\s+the\s+end\s+of)\s+the\s+(?P<century>2[1-3])(?:st|nd|rd|th)\s+century\b",
        end_of_century,
        True,
    ),
    (
        r"\b(?:(?:by|before|in|around|at|through|toward|towards)\s+)?(?:the\s+)?(?:(?P<part>mid|middle|early|late|end)(?:\s+of\s+the)?[-\s]+(?:(?P<century>2[1-3])(?:st|nd|rd|th)[-\s]+)?century|end[-\s]of[-\s](?:the[-\s])?century|(?P<coming>coming|next)\s+century)\b",
        part_of_century,
        True,
    ),
    (
        rf"\b(?P<fiscal>fiscal\s+(?:year\s+)?|FY\s*)?(?:Q(?P<q>[1-4])|(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter)(?:\s+(?:of\s+)?(?:(?:fiscal\s+(?:year\s+)?|FY\s*)?(?:{_YEAR}|'?(?P<yy>\d\d)\b)|(?P<rel>this|next)\s+(?:fiscal\s+)?year))?",
        lambda m, c: quarter_named(_YearFromShort(m), c),
        True,
    ),
    (rf"\b(?:the\s+)?{_MONTH}\s+quarter(?:\s+of\s+{_YEAR})?", month_quarter, True),
    (
        rf"\b(?P<q>[1-4])Q\s*[/']?\s*(?:{_YEAR}|(?P<yy>\d\d)\b)|\bQ(?P<q2>[1-4])\s*/\s*{_YEAR2}",
        lambda m, c: _quarter_written_short(m, c),
        True,
    ),
    (
        r"\b(?:fiscal\s+(?:year\s+)?'?|FY\s*'?)(?P<year>(?:20)?\d\d)\b|\b(?:this|the\s+current|(?P<rel>next))\s+fiscal\s+year\b|\bfiscal[-\s]year[-\s]end\b",
        fiscal_year,
        True,
    ),
    (
        rf"\b(?:(?:in|by|over|during|for)\s+)?(?:the\s+)?(?P<half>first|second|1st|2nd|back|front)\s+half\s+(?:of\s+)?(?P<fiscal>fiscal\s+)?(?:(?:the\s+)?(?:year|{_YEAR})|(?P<rel>this|next)\s+year)|\b(?P<half2>H[12])\s+(?P<year2>(?:19|20|21)\d\d)\b",
        lambda m, c: half_of_year(_HalfAlias(m), c),
        True,
    ),
    (
        rf"\b(?:(?:starting|beginning)\s+(?:in\s+)?|(?:by|in|before|from|until|through|during)\s+)?(?P<part>early|mid|late|(?:the\s+)?(?:end|start|beginning|middle|first\s+months)\s+of)[\s-]+(?:{_YEAR}|(?P<rel>this|next)\s+year\b)",
        part_of_year,
        True,
    ),
    (
        rf"\b(?:{_PREP})?(?P<date>{_ANY_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_ANY_MONTH}\s+(?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)\b",
        exact_date,
        True,
    ),
    (rf"\b{_PREP}{_MONTH}\s+(?:of\s+)?{_YEAR}", month_of_year, True),
    (
        r"\b(?:in|into|through|for|by)\s+['\u2019]?(?P<yy>\d\d)\b(?![\d.,]\d)"
        r"(?=\s*(?:[,.;)]|$|\s(?:in|as|and|when|with|because|we|that|or|but)\b))",
        spoken_year,
        False,
    ),
    (
        rf"\b(?:(?P<prep>by|in|before|until|from|(?:starting|beginning)(?:\s+in)?)\s+)(?:the\s+end\s+of\s+)?{_MONTH}(?!\s+\d)(?P<year>)",
        month_of_year,
        True,
    ),
    (
        # "the November election", "come November": the month of a named event; it dates a
        # forecast but does not make one ("at the December meeting we will have the data")
        rf"\bcome\s+(?P<month>{_CAPITAL_MONTH})(?P<prep>)(?P<year>)",
        month_of_year,
        False,
    ),
    (
        rf"\bthe\s+(?P<month>{_CAPITAL_MONTH})\s+{_EVENT_NOUN}(?P<prep>)(?P<year>)",
        month_of_year,
        False,
    ),
    (
        rf"\b(?:(?:this|(?P<rel>next))\s+(?P<season>spring|summer|fall|autumn|winter)|(?P<season2>spring|summer|fall|autumn|winter)\s+(?:of\s+)?{_YEAR})",
        lambda m, c: season(_SeasonAlias(m), c),
        True,
    ),
    (
        r"\b(?:(?:in|by|during|over|through(?:out)?)\s+)?(?:the\s+)?(?P<part>early|mid|late|mid-)?[\s-]*(?P<decade>(?:19|20|21)\d0)'?s\b",
        decade,
        True,
    ),
    (
        r"\b(?:(?:between|from|for|over|in)\s+)?(?P<first>(?:19|20|21|22|23)\d\d)\s*(?:-|to|and|through)\s*(?P<last>(?:19|20|21|22|23)\d\d|\d\d)(?![\d%])",
        year_range,
        True,
    ),
    (
        rf"\b(?P<prep>by|before|in|during|until|till|through|throughout|from|after|for|(?:starting|beginning)\s+in|as\s+early\s+as|no\s+later\s+than)\s+{_YEAR}",
        preposition_year,
        True,
    ),
    (rf"(?<![\d.,$])\b{_YEAR}", bare_year, True),
]


class _Alias:
    """A match whose alternatives spell one group two ways: read as one."""

    aliases: dict[str, str] = {}

    def __init__(self, match: re.Match):
        self.match = match

    def group(self, name: str | int = 0):
        value = self.match.group(name) if name in self.match.re.groupindex or name == 0 else None
        alias = self.aliases.get(name) if isinstance(name, str) else None
        if value is None and alias:
            value = self.match.group(alias)
        return value

    def groupdict(self):
        return {name: self.group(name) for name in self.match.re.groupindex}


class _YearFromShort(_Alias):
    aliases = {"year": "yy"}


class _HalfAlias(_Alias):
    aliases = {"half": "half2", "year": "year2"}

    def group(self, name: str | int = 0):
        value = super().group(name)
        if name == "half" and value and value.upper() in ("H1", "H2"):
            return "first" if value.upper() == "H1" else "second"
        if name == "fiscal":
            return value
        return value


class _SeasonAlias(_Alias):
    aliases = {"season": "season2"}


@lru_cache(maxsize=1)
def _compiled():
    return [(re.compile(regex, re.IGNORECASE), rule, cue) for regex, rule, cue in RULES]


def _is_reference_year(searchable: str, start: int, end: int, phrase: str) -> bool:
    if not re.fullmatch(r"(?:in\s+)?(?:19|20|21|22|23)\d\d", phrase.strip(), re.IGNORECASE):
        return False
    return bool(
        _REFERENCE_BEFORE.search(searchable[:start]) or _REFERENCE_AFTER.match(searchable[end:])
    )


@lru_cache(maxsize=4096)  # screening and the horizon stage both read each unit's dates
def time_expressions(text: str, ctx: Context) -> tuple[TimeExpression, ...]:
    """Every time expression outside quotation marks (one inside a longer one dropped)."""
    searchable = blank_quotes(normalize(text))
    found: list[TimeExpression] = []
    for regex, rule, cue in _compiled():
        for match in regex.finditer(searchable):
            phrase = text[match.start() : match.end()]
            if _is_reference_year(searchable, match.start(), match.end(), phrase):
                continue
            horizon = rule(match, ctx)
            if horizon is not None:
                horizon = Horizon(
                    phrase=phrase.strip(),
                    earliest=horizon.earliest,
                    latest=horizon.latest,
                    relative_months=horizon.relative_months,
                )
            found.append(TimeExpression(match.start(), match.end(), horizon, cue))
    kept = []
    for index, one in enumerate(found):
        # An expression overlapping a longer one is part of it ("From 2025" in "From 2025
        # to 2035"); of two equally long, the earlier rule wins.
        dominated = any(
            other.start < one.end
            and one.start < other.end
            and (
                other.end - other.start > one.end - one.start
                or (other.end - other.start == one.end - one.start and rival < index)
            )
            for rival, other in enumerate(found)
            if rival != index
        )
        if not dominated:
            kept.append(one)
    return tuple(sorted(kept, key=lambda one: one.start))


def is_future(expression: TimeExpression, published: date) -> bool:
    horizon = expression.horizon
    if horizon is None:
        return False
    if horizon.relative_months:
        return True
    return horizon.latest is not None and horizon.latest >= published


def own_horizon(text: str, ctx: Context) -> Horizon | None:
    """The unit's own deadline: a window after another claim if it names one, else the
    latest of the dates after publication it names ("2.3% this year, 2.0% next year" comes
    true by the end of next year)."""
    future = [one for one in time_expressions(text, ctx) if is_future(one, ctx.published)]
    relative = next((one.horizon for one in future if one.horizon.relative_months), None)
    if relative is not None:
        return relative
    dated = [one.horizon for one in future if one.horizon.latest is not None]
    return max(dated, key=lambda horizon: horizon.latest) if dated else None


_HEADING_SPAN = re.compile(
    rf"^(?:[A-Z][\w&-]*\s+){{0,3}}?(?:(?:in|over|within)\s+)?(?:the\s+)?(?:next\s+)?(?P<a>{_NUM})?"
    rf"(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?(?P<plus>\+|\s+or\s+more)?\s*{_UNIT}(?:\s+(?:out|from\s+now|ahead))?\s*:?$",
    re.IGNORECASE,
)


def heading_horizon(text: str, ctx: Context) -> Horizon | None:
    """The horizon a section heading sets for the forecasts under it: "Within a Year",
    "2-3 Years", "2026", "By 2030"."""
    text = normalize(text).strip(" #*:")
    span = _HEADING_SPAN.match(text)
    if span and span.group("plus"):
        # "10+ Years Out": no sooner than that, and no deadline
        return Horizon(phrase=text, source="section")
    if span and (span.group("a") or span.group("b")):
        return replace(from_publication(span, ctx), phrase=text, source="section")
    horizon = own_horizon(text, ctx)
    return replace(horizon, source="section") if horizon and horizon.latest else None


def _in_the_documents_year(horizon: Horizon | None, passage: Passage) -> Horizon | None:
    """ "by the end of the year" in predictions for 2024 written in December 2023 is 2024."""
    document = passage.horizon
    if horizon is None or document is None or document.latest is None:
        return horizon
    this_year_end = date(passage.published.year, 12, 31)
    if (
        horizon.latest == this_year_end
        and document.latest.year == passage.published.year + 1
        and not re.search(r"\d{4}", horizon.phrase)
    ):
        return replace(horizon, latest=document.latest, earliest=None)
    return horizon


PROJECTION_HORIZON = re.compile(
    r"\b(?:(?:over|throughout|within|by|at|towards?|in)\s+)?(?:the\s+)?(?:end\s+of\s+)?"
    r"(?:the|our)\s+(?:projection|forecast)\s+(?:horizon|period)\b",
    re.I,
)


def _projection_horizon(passage: Passage, phrase: str) -> Horizon | None:
    """ "Over the projection horizon": to the end of the last year ahead the text names ("…
    average 2¼% over 2025 and 2026"), none when it names no year ahead."""
    first = passage.published.year
    years = [int(y) for y in re.findall(r"\b(20\d\d)\b(?![\d%])", passage.text)]
    ahead = [year for year in years if first < year <= first + 4]
    if not ahead:
        return None
    last = max(ahead)
    return Horizon(f"{phrase} (to {last})", None, date(last, 12, 31), source="sentence")


_INTRODUCES_GUIDANCE = re.compile(
    r"\b(?:outlook|guidance|forecasts?|predictions?|expectations?|projections?)\s+(?:for|of)\b|"
    r"\b(?:Q[1-4]|quarter|year|fiscal\s+\S+)\s+(?:outlook|guidance)\b",
    re.I,
)


def read_horizons(passage: Passage) -> Passage:
    """Set each remaining unit's horizon: its own, else the one its paragraph set before it
    ("For Q4, we expect ... We expect margins ..."), else its section heading's ("Within
    a Year"), else the document's."""
    ctx = Context(passage.published, passage.fiscal_year_start_month)
    carried: Horizon | None = None
    carried_block = -1
    section: Horizon | None = None
    guidance: Horizon | None = None
    for unit in passage.units:
        if unit.block != carried_block:
            carried = None
        if unit.verdict is False:
            if any(reason.endswith("a heading") for reason in unit.reasons):
                section = heading_horizon(unit.text, ctx)
            elif _INTRODUCES_GUIDANCE.search(normalize(unit.text)):
                # "Let me turn to the outlook for the third quarter.": what follows is
                # for it, until the questions start
                introduced = heading_horizon(unit.text, ctx)
                if introduced is not None:
                    guidance, carried = introduced, None
            if any(reason.endswith(("a question", "a heading")) for reason in unit.reasons):
                guidance = None
            continue
        unit.horizon = _in_the_documents_year(own_horizon(unit.text, ctx), passage)
        if unit.horizon is not None:
            unit.because(f"deadline: “{unit.horizon.phrase}” → {unit.horizon.describe()}")
            if unit.horizon.latest is not None and not unit.horizon.relative_months:
                carried, carried_block = unit.horizon, unit.block
            continue
        horizon_named = PROJECTION_HORIZON.search(normalize(unit.text))
        if horizon_named:
            unit.horizon = _projection_horizon(passage, horizon_named.group())
            if unit.horizon is None:
                unit.because(f"no date: “{horizon_named.group()}” ends in no year the text names")
                continue
            unit.because(f"deadline: “{unit.horizon.phrase}” → {unit.horizon.describe()}")
            carried, carried_block = unit.horizon, unit.block
            continue
        undated = UNDATED.search(normalize(unit.text))
        if undated and NEAR_TERM.search(undated.group()) and passage.horizon is not None:
            undated = None  # "in the near term" of a 2025 outlook: within its year
        if undated:
            unit.because(f"no date: “{undated.group()}” names none")
        elif carried is not None:
            unit.horizon = replace(carried, source="context")
            unit.because(f"deadline carried from the sentence before: “{carried.phrase}”")
        elif guidance is not None:
            unit.horizon = guidance
            unit.because(f"deadline from the outlook or list it follows: “{guidance.phrase}”")
        elif section is not None:
            unit.horizon = section
            unit.because(f"deadline from its section heading: “{section.phrase}”")
        elif passage.horizon is not None:
            unit.horizon = passage.horizon
            season = passage.league and season_horizon(passage.league, passage.published)
            if season is not None and passage.horizon == season:
                # a preview dated by its league's calendar, not "Preview 2022", whose
                # forecasts are for the end of 2022 like any year's predictions
                unit.horizon = season_horizon(passage.league, passage.published, unit.text)
            unit.because(
                f"deadline from the document: {passage.horizon_reason} → "
                f"{passage.horizon.describe()}"
            )
    return passage
