"""A season preview's deadlines: the league's calendar, unless the preview is titled as a
year's predictions."""

from __future__ import annotations

from datetime import date

from registry.claims import find_claims

NBA_OPENING = "The NBA season tips off next week, and the Eastern Conference is wide open.\n\n"


def deadlines(text: str, published: date, title: str) -> dict[str, date | None]:
    return {p.quote: p.deadline for p in find_claims(text, published, title=title)}


def test_a_preview_titled_with_a_year_closes_at_that_years_end():
    text = (
        "Pitching wins in MLB, and the Yankees and Red Sox both have plenty.\n\n"
        "The Orioles will finally let Rutschman don a big league uniform."
    )
    found = deadlines(text, date(2022, 4, 2), title="MLB Preview 2022")
    assert found["The Orioles will finally let Rutschman don a big league uniform."] == date(
        2022, 12, 31
    )


def test_a_season_that_spans_two_years_is_read_by_the_leagues_calendar():
    text = NBA_OPENING + "The Bulls will win the Central Division."
    found = deadlines(text, date(2014, 11, 19), title="NBA Preview 2014-15")
    assert found["The Bulls will win the Central Division."] == date(2015, 4, 14)


def test_a_game_after_the_regular_season_closes_with_the_final():
    text = NBA_OPENING + (
        "The Knicks will make the playoffs.\n\nThey'll be playing the Cavaliers in the playoffs."
    )
    found = deadlines(text, date(2014, 11, 19), title="NBA Preview 2014-15")
    assert found["The Knicks will make the playoffs."] == date(2015, 4, 14)
    assert found["They'll be playing the Cavaliers in the playoffs."] == date(2015, 6, 18)


def test_an_over_or_under_pick_after_its_reasons_is_a_forecast():
    text = NBA_OPENING + (
        "Bringing back exact same team that won 62. This seems unreasonably low. OVER\n\n"
        "After winning 54 a year ago, lost a ton of talent over the summer. UNDER\n\n"
        "Won 57 last season, so \u2026 OVER"
    )
    quotes = list(deadlines(text, date(2014, 10, 7), title="Looking at projected win totals"))
    assert quotes[1:] == [
        "This seems unreasonably low. OVER",
        "After winning 54 a year ago, lost a ton of talent over the summer. UNDER",
        "Won 57 last season, so \u2026 OVER",
    ]
