"""The claim finder on a central bank's remarks: what its forecasts are about, and the
deadline of "over the projection horizon"."""

from __future__ import annotations

from datetime import date

from registry.claims import analyse

OPENING = (
    "Good afternoon. The Monetary Policy Committee decided to hold the Bank Rate.\n\n"
    "Monetary policy decisions are made meeting by meeting; the policy rate stays.\n\n"
)


def verdicts(text: str, published: date = date(2024, 10, 17)) -> dict[str, bool | None]:
    passage = analyse(OPENING + text, published)
    assert passage.policy_body
    return {unit.text: unit.verdict for unit in passage.units}


class TestWhatACentralBanksForecastIsAbout:
    def test_talk_about_the_conference_itself_is_not_a_forecast(self):
        found = verdicts(
            "But I'll try to answer your question more broadly.\n\n"
            "Between now and December, a lot of surveys will come into play.\n\n"
            "Of course, what happens will happen."
        )
        assert found["But I'll try to answer your question more broadly."] is False
        assert found["Between now and December, a lot of surveys will come into play."] is False
        assert found["Of course, what happens will happen."] is False

    def test_a_future_naming_an_economic_measure_is_a_forecast(self):
        found = verdicts(
            "We know that housing services inflation will continue to go up.\n\n"
            "Reserves will start to come down next year."
        )
        assert found["We know that housing services inflation will continue to go up."] is True
        assert found["Reserves will start to come down next year."] is True

    def test_it_and_that_take_their_measure_from_the_sentences_before(self):
        found = verdicts(
            "Rents have risen fast in the capital cities. I think that will start to ease."
        )
        assert found["I think that will start to ease."] is True

    def test_a_continuation_of_a_forecast_stays_one(self):
        found = verdicts(
            "So what we're forecasting is that it's going to come down gradually. "
            "But it's going to be gradual."
        )
        assert found["But it's going to be gradual."] is True


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
