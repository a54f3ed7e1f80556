"""The claim finder's dates named by an event's month ("the November election") and by a
sentence that introduces a run of predictions ("here's some predictions … to be evaluated
at the end of 2025")."""

from __future__ import annotations

from datetime import date

from registry.claims import analyse, find_claims
from registry.claims.horizons import Context, own_horizon

MAY_2020 = Context(date(2020, 5, 31))


class TestTheMonthOfANamedEvent:
    def test_the_month_before_an_event_dates_it(self):
        horizon = own_horizon("Trump wins the November election: 60%", MAY_2020)
        assert (horizon.earliest, horizon.latest) == (date(2020, 11, 1), date(2020, 11, 30))

    def test_come_and_a_month_dates_it(self):
        horizon = own_horizon("Biden is the nominee come November voting: 95%", MAY_2020)
        assert horizon.latest == date(2020, 11, 30)

    def test_a_month_already_past_is_next_years(self):
        horizon = own_horizon("They cut at the January meeting.", MAY_2020)
        assert horizon.latest == date(2021, 1, 31)

    def test_the_modal_may_is_not_a_month(self):
        assert own_horizon("Prices may come down the road.", MAY_2020) is None

    def test_a_meeting_named_does_not_make_a_forecast(self):
        # the date of the institution's own schedule, not an event foretold
        assert find_claims("We review the data at the December meeting.", date(2024, 10, 17)) == []


class TestASentenceThatIntroducesPredictions:
    TEXT = (
        "Rules: all predictions are about what will be true on January 1, 2021.\n\n"
        "1. Trump is the Republican nominee: 95%\n\n"
        "Longer Term Predictions\n\n"
        "So here\u2019s some predictions for the next five years, to be evaluated at the end "
        "of 2025.\n\n"
        "1. The US has invested more in pandemic preparation: 90%\n"
        "2. Political polarization in the US is significantly reduced: 10%"
    )

    def test_it_is_not_itself_a_forecast(self):
        quotes = [p.quote for p in find_claims(self.TEXT, date(2020, 5, 31))]
        assert not any(q.startswith("So here") for q in quotes)

    def test_what_follows_takes_its_date(self):
        passage = analyse(self.TEXT, date(2020, 5, 31))
        dated = {u.text[:12]: u.horizon.latest for u in passage.units if u.verdict}
        assert dated["Trump is the"] == date(2021, 1, 1)
        assert dated["The US has i"] == date(2025, 12, 31)
        assert dated["Political po"] == date(2025, 12, 31)
