"""The claim finder on central banks' and banks' outlooks: the deadline of "over the
projection horizon", and an outlook's table of forecast figures."""

from __future__ import annotations

from datetime import date

from registry.claims import analyse, find_claims
from registry.claims.horizons import Context, own_horizon

OPENING = (
    "Good afternoon. The Monetary Policy Committee decided to hold the Bank Rate.\n\n"
    "Monetary policy decisions are made meeting by meeting; the policy rate stays.\n\n"
)


class TestTheProjectionHorizon:
    def test_it_ends_with_the_last_year_ahead_the_text_names(self):
        passage = analyse(
            OPENING + "Growth is expected to average 2¼% over 2025 and 2026.\n\n"
            "Over the projection horizon, inflation is expected to remain close to the 2% "
            "target. Core inflation is forecast to decline gradually.",
            date(2024, 10, 23),
        )
        dated = {unit.text[:20]: unit.horizon for unit in passage.units if unit.verdict}
        assert dated["Over the projection "].latest == date(2026, 12, 31)
        # the paragraph's next sentence is read against the same horizon
        assert dated["Core inflation is fo"].latest == date(2026, 12, 31)

    def test_a_text_that_names_no_later_year_leaves_it_undated(self):
        passage = analyse(
            OPENING + "Inflation is expected to rise further in the second half of the year. "
            "Headline inflation is expected to remain below our aim over the projection horizon.",
            date(2021, 6, 10),
        )
        unit = next(u for u in passage.units if u.text.startswith("Headline"))
        assert unit.verdict is True
        assert unit.horizon is None


class TestAnOutlooksTable:
    def test_a_line_of_forecast_figures_is_a_forecast_for_the_outlooks_year(self):
        text = (
            "Growth in Asia should hold up next year.\n\n"
            "Indonesia - GDP Forecast 5.3%\n\n"
            "Thailand - GDP Forecast 2.5% - CPI Forecast 1.2%\n\n"
            "Regional Outlook\n"
        )
        passage = analyse(text, date(2024, 12, 5), title="2025 Outlook")
        lines = {unit.text: unit for unit in passage.units}
        table = [
            "Indonesia - GDP Forecast 5.3%",
            "Thailand - GDP Forecast 2.5% - CPI Forecast 1.2%",
        ]
        for line in table:
            assert lines[line].verdict is True
            assert lines[line].horizon.latest == date(2025, 12, 31)
        assert lines["Regional Outlook"].verdict is False  # a heading stays one


class TestTheNearTerm:
    TEXT = "In the near term, China\u2019s export volumes should remain buoyant."

    def test_in_a_years_outlook_it_is_within_that_year(self):
        [proposal] = find_claims(self.TEXT, date(2024, 12, 5), title="2025 Outlook")
        assert proposal.deadline == date(2025, 12, 31)

    def test_elsewhere_it_names_no_date(self):
        [proposal] = find_claims(self.TEXT, date(2024, 12, 5), title="China's exports")
        assert proposal.deadline is None

    def test_the_long_term_names_none_even_in_an_outlook(self):
        text = "In the long term, China\u2019s export volumes should remain buoyant."
        [proposal] = find_claims(text, date(2024, 12, 5), title="2025 Outlook")
        assert proposal.deadline is None


class TestHorizonsOfAProjection:
    def test_a_stated_span_of_years_is_that_long_from_publication(self):
        horizon = own_horizon("a 2 to 3 year horizon here", Context(date(2025, 2, 6)))
        assert horizon.latest == date(2028, 2, 6)

    def test_the_end_of_the_forecast_period_is_the_last_year_the_text_names(self):
        passage = analyse(
            OPENING + "Growth picks up in 2026 and 2027.\n\n"
            "End of the forecast period looks a lot higher, around about 4%.",
            date(2025, 2, 6),
        )
        unit = next(u for u in passage.units if u.text.startswith("End of"))
        assert unit.horizon.latest == date(2027, 12, 31)

    def test_back_in_a_month_is_the_one_gone(self):
        horizon = own_horizon("as we had it back in November", Context(date(2025, 2, 6)))
        assert horizon is None or horizon.latest < date(2025, 2, 6)
