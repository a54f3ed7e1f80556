"""The claim finder on a central bank's remarks: the deadline of "over the projection
horizon"."""

from __future__ import annotations

from datetime import date

from registry.claims import analyse

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
