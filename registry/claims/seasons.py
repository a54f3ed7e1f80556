"""Sports seasons: when a season preview's picks come true.

A preview rarely dates its picks ("the Chiefs win the division"); a question writer dates
them by the league's calendar. Each league's regular season and its final end in about
the same week every year, which is close enough for a deadline (the finder is measured
within a month): the NFL's regular season ends in the first week of January and the Super
Bowl is in the second week of February; the NBA's and NHL's regular seasons end in
mid-April and their finals in mid-June; MLB's regular season ends at the turn of September
and the World Series by the start of November; college football's regular season ends in
early December and its national championship game is in the third week of January; the
European football leagues end in the last week of May, the Champions League final about
the start of June; MLS's regular season ends in late October and the MLS Cup in early
December; the WNBA's regular season ends in mid-September and its finals in mid-October;
Formula 1's season ends in early December and the IPL's final is at the end of May. A
staff reviewer sets the exact day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from registry.claims.passage import Horizon


@dataclass(frozen=True)
class League:
    name: str
    words: re.Pattern
    # (month, day) the regular season ends and the final ends, in the year the season ends
    regular_end: tuple[int, int]
    final_end: tuple[int, int]
    final_words: re.Pattern
    starts_in: int  # the month the season starts (seasons spanning New Year end next year)


LEAGUES = [
    League(
        "NFL",
        re.compile(r"\b(?:NFL|AFC|NFC|Super\s+Bowl|quarterback|touchdowns?)\b", re.I),
        (1, 6),
        (2, 10),
        re.compile(r"\bSuper\s+Bowl\b|\bchampionship\b", re.I),
        9,
    ),
    League(
        "NBA",
        re.compile(
            r"\b(?:NBA|Lakers|Celtics|Knicks|Warriors|Eastern\s+Conference|Western\s+"
            r"Conference|win\s+totals?)\b",
            re.I,
        ),
        (4, 14),
        (6, 18),
        re.compile(r"\b(?:NBA\s+)?Finals\b|\bchampionship\b|\btitle\b", re.I),
        10,
    ),
    League(
        "MLB",
        re.compile(
            r"\b(?:MLB|World\s+Series|American\s+League|National\s+League|pitch(?:er|ing)|"
            r"Yankees|Dodgers|Red\s+Sox|Mets)\b",
            re.I,
        ),
        (9, 30),
        (11, 1),
        re.compile(r"\bWorld\s+Series\b|\bpennant\b", re.I),
        3,
    ),
    League(
        "NHL",
        re.compile(r"\b(?:NHL|Stanley\s+Cup|goaltend\w*|hockey)\b", re.I),
        (4, 16),
        (6, 20),
        re.compile(r"\bStanley\s+Cup\b|\bchampionship\b", re.I),
        10,
    ),
    League(
        "college football",
        re.compile(
            r"\b(?:college\s+football|CFP|College\s+Football\s+Playoff|Heisman|Big\s+Ten|"
            r"Big\s+12|bowl\s+games?)\b"
        ),
        (12, 7),
        (1, 20),
        re.compile(r"\bnational\s+(?:championship|title)\b|\bCFP\b", re.I),
        8,
    ),
    League(
        "European football",
        re.compile(
            r"\b(?:Premier\s+League|La\s+Liga|Serie\s+A|Bundesliga|Ligue\s+1|Eredivisie|"
            r"relegat\w+|top\s+four|Champions\s+League|Golden\s+Boot|Arsenal|Liverpool|"
            r"Manchester\s+(?:City|United)|Chelsea|Tottenham|Real\s+Madrid|Barcelona|Bayern)\b",
            re.I,
        ),
        (5, 25),
        (6, 1),
        re.compile(r"\bChampions\s+League\b|\bFA\s+Cup\b|\bcup\s+final\b", re.I),
        8,
    ),
    League(
        "MLS",
        re.compile(r"\b(?:MLS|Supporters'?\s+Shield|MLS\s+Cup)\b"),
        (10, 20),
        (12, 8),
        re.compile(r"\bMLS\s+Cup\b", re.I),
        2,
    ),
    League(
        "WNBA",
        re.compile(r"\b(?:WNBA|Aces|Liberty|Sparks|Mercury|Lynx)\b"),
        (9, 19),
        (10, 20),
        re.compile(r"\b(?:WNBA\s+)?Finals\b|\bchampionship\b|\btitle\b", re.I),
        5,
    ),
    League(
        "Formula 1",
        re.compile(
            r"\b(?:F1|Formula\s+(?:1|One)|Grand\s+Prix|Constructors'?\s+Championship|"
            r"Drivers'?\s+Championship|Verstappen|Hamilton|Leclerc|Norris)\b",
            re.I,
        ),
        (12, 8),
        (12, 8),
        re.compile(r"\bchampion(?:ship)?\b|\btitle\b", re.I),
        3,
    ),
    League(
        "IPL",
        re.compile(r"\b(?:IPL|Indian\s+Premier\s+League|T20|wickets?)\b", re.I),
        (5, 20),
        (5, 31),
        re.compile(r"\bfinal\b|\btitle\b|\bchampions?\b", re.I),
        3,
    ),
]
_PREVIEW = re.compile(
    r"\b(?:preview|predictions?|picks|projected|projections?|win\s+totals?|power\s+rankings|"
    r"bets|odds|standings|what\s+to\s+expect)\b",
    re.I,
)


# Played after the regular season: "playing Lebron in the playoffs", "a Game 7" (but
# "make the playoffs" is settled when the regular season ends)
_POSTSEASON = re.compile(
    r"\b(?:in|during|through)\s+the\s+(?:playoffs|postseason|post-season)\b|\bGame\s+7\b|"
    r"\bconference\s+finals?\b|\b(?:first|second)\s+round\b",
    re.I,
)


def league_of(title: str, opening: str) -> League | None:
    """The league a season preview is about, if its title says preview and one league's
    words dominate its opening."""
    if not _PREVIEW.search(title):
        return None
    counts = [(len(league.words.findall(f"{title} {opening}")), league) for league in LEAGUES]
    best = max(counts, key=lambda pair: pair[0])
    return best[1] if best[0] >= 2 else None


def _season_end_year(league: League, published: date) -> int:
    spans_new_year = league.regular_end[0] < league.starts_in
    if spans_new_year:
        return published.year + 1 if published.month >= 7 else published.year
    return published.year if published.month <= league.regular_end[0] else published.year + 1


def season_horizon(league: League, published: date, text: str = "") -> Horizon:
    """The end of the regular season after `published`, or of the final when the text
    names it or a game after the regular season."""
    year = _season_end_year(league, published)
    if text and (league.final_words.search(text) or _POSTSEASON.search(text)):
        month, day = league.final_end
        phrase = f"the {league.name} final of the season (about {day} {month}/{year})"
    else:
        month, day = league.regular_end
        phrase = f"the {league.name} regular season (ends about {day} {month}/{year})"
    return Horizon(phrase=phrase, latest=date(year, month, day), source="document")
