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


def test_the_calls_running_order_is_not_a_forecast():
    text = (
        "Joining us on today's call will be our CEO and our CFO.\n\n"
        "Matt will provide more detail on our results and outlook later in the call.\n\n"
        "Our first question will come from the line of Matthew Boss with J.P. Morgan."
    )
    assert find_claims(text, CALL.published) == []


def test_a_date_does_not_turn_a_commitment_into_a_forecast():
    text = (
        "So over the next couple of quarters, we're going to execute the plan that we've "
        "laid out here for fiscal 25.\n\nRevenue will grow in fiscal 25."
    )
    quotes = [p.quote for p in find_claims(text, CALL.published)]
    assert quotes == ["Revenue will grow in fiscal 25."]
