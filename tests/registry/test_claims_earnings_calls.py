"""The claim finder on an earnings call: years said in two digits, and the company's own
tasks."""

from __future__ import annotations

from datetime import date

import pytest

from registry.claims import find_claims
from registry.claims.horizons import Context, own_horizon

CALL = Context(date(2024, 10, 31))


@pytest.mark.parametrize(
    ("text", "latest"),
    [
        ("gross margins improve as we step into 25, partly because of mix", date(2025, 12, 31)),
        ("as we get more volume ramping in 26 in Panther Lake", date(2026, 12, 31)),
    ],
)
def test_a_year_said_in_two_digits_dates_a_forecast(text, latest):
    assert own_horizon(text, CALL).latest == latest


@pytest.mark.parametrize(
    "text",
    [
        "He scored in 25 games.",  # a count
        "The odds are 1 in 25.",  # odds
        "We grew in 19 and 20.",  # before the call
        "That is possible in 40, not before.",  # more than five years out
    ],
)
def test_other_two_digit_numbers_are_not_years(text):
    assert own_horizon(text, CALL) is None


def test_the_companys_own_task_is_not_a_forecast():
    assert (
        find_claims("Now we need to finish the year strong and prepare for 2025.", CALL.published)
        == []
    )
    assert find_claims("We must deliver on our commitments in 2025.", CALL.published) == []
