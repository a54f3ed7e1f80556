"""The scoring kernel (predictions/scoring.py) against hand-worked examples and a plain
reference implementation (tests/predictions/scoring_reference.py).

Pure: no database, no Django. Run alone with
`pytest tests/predictions/test_scoring.py -q -p no:django` where the suite's conftest allows.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predictions import scoring
from predictions.scoring import US_PER_DAY
from tests.predictions import scoring_reference as ref

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def us(*args: int) -> int:
    """Microseconds since the epoch of a UTC datetime(*args)."""
    return ref.to_us(datetime(*args, tzinfo=UTC))


def day(*args: int) -> int:
    """UTC day number of date(*args)."""
    return ref.day_number(date(*args))


def binary(*ps: float) -> np.ndarray:
    return np.array([[p, 1.0 - p] for p in ps])


# --------------------------------------------------------------------------------------
# Scoring rules, worked by hand
# --------------------------------------------------------------------------------------


class TestScoringRules:
    def test_seventy_percent_on_an_outcome_that_happens_scores_0_18(self):
        # (0.7 - 1)^2 + (0.3 - 0)^2 = 0.09 + 0.09
        assert scoring.brier_scores(binary(0.7), 0) == pytest.approx([0.18])

    def test_a_coin_flip_scores_half(self):
        assert scoring.brier_scores(binary(0.5), 0) == pytest.approx([0.5])
        assert scoring.brier_scores(binary(0.5), 1) == pytest.approx([0.5])

    def test_ninety_percent_on_no_scores_1_62(self):
        # Yes at 0.9, the outcome is No: (0.9 - 0)^2 + (0.1 - 1)^2 = 0.81 + 0.81
        assert scoring.brier_scores(binary(0.9), 1) == pytest.approx([1.62])

    def test_binary_brier_is_twice_the_squared_miss(self):
        ps = np.array([0.001, 0.2, 0.5, 0.8, 0.999])
        assert scoring.brier_scores(binary(*ps), 0) == pytest.approx(2 * (1 - ps) ** 2)

    def test_range_is_zero_to_two(self):
        assert scoring.brier_scores(np.array([[1.0, 0.0, 0.0]]), 0) == pytest.approx([0.0])
        assert scoring.brier_scores(np.array([[1.0, 0.0, 0.0]]), 2) == pytest.approx([2.0])

    def test_three_options(self):
        f = np.array([[0.5, 0.3, 0.2]])
        # outcome is the second option: 0.5^2 + (0.3 - 1)^2 + 0.2^2 = 0.25 + 0.49 + 0.04
        assert scoring.brier_scores(f, 1) == pytest.approx([0.78])
        assert scoring.log_scores(f, 1) == pytest.approx([-math.log(0.3)])
        # 0.3 / sqrt(0.25 + 0.09 + 0.04)
        assert scoring.spherical_scores(f, 1) == pytest.approx([0.3 / math.sqrt(0.38)])

    def test_log_loss_of_seventy_percent_on_yes(self):
        assert scoring.log_scores(binary(0.7), 0) == pytest.approx([-math.log(0.7)])
        assert scoring.log_scores(binary(0.7), 0)[0] == pytest.approx(0.356674944)

    def test_spherical_of_seventy_percent_on_yes(self):
        # 0.7 / sqrt(0.49 + 0.09)
        assert scoring.spherical_scores(binary(0.7), 0) == pytest.approx([0.7 / math.sqrt(0.58)])
        assert scoring.spherical_scores(binary(0.7), 0)[0] == pytest.approx(0.919145030)
        assert scoring.spherical_scores(binary(0.5), 1) == pytest.approx([math.sqrt(0.5)])

    def test_vectorised_over_rows(self):
        f = np.array([[0.7, 0.3], [0.5, 0.5], [0.9, 0.1]])
        assert scoring.brier_scores(f, 0) == pytest.approx([0.18, 0.5, 0.02])
        assert scoring.log_scores(f, 1) == pytest.approx(-np.log([0.3, 0.5, 0.1]))


# --------------------------------------------------------------------------------------
# The window
# --------------------------------------------------------------------------------------


class TestWindow:
    def test_known_on_cuts_the_window_at_its_midnight(self):
        w = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 10), day(2026, 3, 4))
        assert w == scoring.Window(first_day=day(2026, 3, 1), n_days=3, end_us=us(2026, 3, 4))
        assert w.last_day == day(2026, 3, 3)

    def test_closes_at_ends_the_window_when_known_later(self):
        w = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 5, 12), day(2026, 4, 1))
        assert (w.n_days, w.end_us) == (5, us(2026, 3, 5, 12))

    def test_closing_exactly_at_midnight_does_not_add_a_day(self):
        w = scoring.scoring_window(us(2026, 3, 1), us(2026, 3, 3), None)
        assert (w.first_day, w.n_days) == (day(2026, 3, 1), 2)

    def test_known_on_the_opening_day_leaves_no_window(self):
        w = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 10), day(2026, 3, 1))
        assert w.n_days == 0
        scores = scoring.score_question(
            np.array([0]), np.array([us(2026, 2, 1)]), binary(0.7), 1, w, 0
        )
        assert scores.standing.shape == (1, 0)
        assert np.isnan(scores.brier[0]) and np.isnan(scores.relative[0])
        assert scores.days[0] == 0 and scores.final_row[0] == -1

    def test_cutoffs(self):
        w = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 3, 12), None)
        assert list(w.day_cutoffs_us()) == [us(2026, 3, 2), us(2026, 3, 3), us(2026, 3, 3, 12)]


# --------------------------------------------------------------------------------------
# A small question worked by hand
# --------------------------------------------------------------------------------------


class TestSmallQuestionByHand:
    """Binary, outcome Yes. Opens 1 March 09:00, closes 10 March, known on 4 March, so
    E = 4 March 00:00 and the window is 1, 2 and 3 March.

    row forecaster  submitted          P(yes)  Brier 2(1-p)^2
      0  A          1 Mar 10:00        0.6     0.32
      1  A          2 Mar 00:00 exact  0.7     0.18   (stands from 2 March, not 1 March)
      2  A          2 Mar 20:00        0.8     0.08   (the mid-day update wins 2 March)
      3  A          4 Mar 00:00 = E    0.99    -      (at E: never scored)
      4  B          1 Mar 12:00        0.4     0.72
      5  B          3 Mar 23:59:59.999999  0.9  0.02  (just before E: stands on 3 March)
      6  C          3 Mar 06:00        0.5     0.5    (late entrant)

    Daily Brier   1 Mar   2 Mar   3 Mar
      A           0.32    0.08    0.08
      B           0.72    0.72    0.02
      C           -       -       0.5
      median      0.52    0.40    0.08

    A: Brier (0.32 + 0.08 + 0.08) / 3 = 0.16;  relative (-0.20 - 0.32 + 0) / 3 = -0.52 / 3
    B: Brier (0.72 + 0.72 + 0.02) / 3 = 1.46 / 3;  relative (0.20 + 0.32 - 0.06) / 3 = 0.46 / 3
    C: Brier 0.5;  relative (0 + 0 + 0.42) / 3 = 0.14 (the days before C's first forecast
       count 0)
    """

    FORECASTER = np.array([0, 0, 0, 0, 1, 1, 2])
    SUBMITTED = np.array(
        [
            us(2026, 3, 1, 10),
            us(2026, 3, 2),
            us(2026, 3, 2, 20),
            us(2026, 3, 4),
            us(2026, 3, 1, 12),
            us(2026, 3, 3, 23, 59, 59, 999_999),
            us(2026, 3, 3, 6),
        ]
    )
    PROBABILITIES = binary(0.6, 0.7, 0.8, 0.99, 0.4, 0.9, 0.5)

    @pytest.fixture
    def window(self):
        return scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 10), day(2026, 3, 4))

    @pytest.fixture
    def scores(self, window):
        return scoring.score_question(
            self.FORECASTER, self.SUBMITTED, self.PROBABILITIES, 3, window, 0
        )

    def test_standing(self, scores):
        assert scores.standing.tolist() == [[0, 2, 2], [4, 4, 5], [-1, -1, 6]]
        assert scores.days.tolist() == [3, 3, 1]
        assert scores.final_row.tolist() == [2, 5, 6]

    def test_daily_brier_and_crowd(self, scores):
        expected = [[0.32, 0.08, 0.08], [0.72, 0.72, 0.02], [np.nan, np.nan, 0.5]]
        np.testing.assert_allclose(scores.daily_brier, expected)
        np.testing.assert_allclose(scores.crowd_median, [0.52, 0.40, 0.08])

    def test_question_brier(self, scores):
        np.testing.assert_allclose(scores.brier, [0.16, 1.46 / 3, 0.5])

    def test_relative_score(self, scores):
        np.testing.assert_allclose(scores.relative, [-0.52 / 3, 0.46 / 3, 0.14])

    def test_final_forecast_scores(self, scores):
        np.testing.assert_allclose(scores.log_loss, -np.log([0.8, 0.9, 0.5]))
        np.testing.assert_allclose(
            scores.spherical,
            [0.8 / math.sqrt(0.68), 0.9 / math.sqrt(0.82), math.sqrt(0.5)],
        )

    def test_forecast_at_e_counts_once_the_window_runs_past_it(self):
        later = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 10), day(2026, 3, 5))
        scores = scoring.score_question(
            self.FORECASTER, self.SUBMITTED, self.PROBABILITIES, 3, later, 0
        )
        assert scores.standing[0].tolist() == [0, 2, 2, 3]
        assert scores.final_row[0] == 3

    def test_crowd_forecast(self, scores):
        # 1 Mar: median(0.6, 0.4) = 0.5; 2 Mar: median(0.8, 0.4) = 0.6;
        # 3 Mar: median(0.8, 0.9, 0.5) = 0.8 (and 0.2 for No).
        series = scoring.crowd_forecast(self.PROBABILITIES, scores.standing)
        np.testing.assert_allclose(series, [[0.5, 0.5], [0.6, 0.4], [0.8, 0.2]])

    def test_a_forecaster_outside_the_reference_crowd_does_not_move_it(self, window):
        # C is a bot: 3 March's median is that of A and B alone, median(0.08, 0.02) = 0.05.
        scores = scoring.score_question(
            self.FORECASTER,
            self.SUBMITTED,
            self.PROBABILITIES,
            3,
            window,
            0,
            reference=np.array([True, True, False]),
        )
        np.testing.assert_allclose(scores.crowd_median, [0.52, 0.40, 0.05])
        np.testing.assert_allclose(scores.relative, [-0.49 / 3, 0.49 / 3, 0.45 / 3])
        np.testing.assert_allclose(scores.brier, [0.16, 1.46 / 3, 0.5])  # Brier is its own

    def test_a_day_without_the_reference_crowd_counts_0_for_everyone(self, window):
        # Only B (row 4 from 1 March, row 5 on 3 March) is a person; A and C are bots.
        # B stands every day, so every day has a median: B's own daily Brier.
        only_b = scoring.score_question(
            self.FORECASTER,
            self.SUBMITTED,
            self.PROBABILITIES,
            3,
            window,
            0,
            reference=np.array([False, True, False]),
        )
        np.testing.assert_allclose(only_b.crowd_median, [0.72, 0.72, 0.02])
        # Only C is a person: no median on 1 and 2 March, so A and B score 0 those days.
        only_c = scoring.score_question(
            self.FORECASTER,
            self.SUBMITTED,
            self.PROBABILITIES,
            3,
            window,
            0,
            reference=np.array([False, False, True]),
        )
        assert np.isnan(only_c.crowd_median[:2]).all()
        np.testing.assert_allclose(only_c.relative, [(0.08 - 0.5) / 3, (0.02 - 0.5) / 3, 0.0])
        # Nobody in the crowd: no median any day, and no relative score moves.
        nobody = scoring.score_question(
            self.FORECASTER,
            self.SUBMITTED,
            self.PROBABILITIES,
            3,
            window,
            0,
            reference=np.zeros(3, dtype=bool),
        )
        assert np.isnan(nobody.crowd_median).all()
        assert nobody.relative.tolist() == [0.0, 0.0, 0.0]
        assert np.isnan(scoring.score_crowd(self.PROBABILITIES, nobody, 0).brier)

    def test_the_crowd_scored_as_a_forecaster(self, scores):
        # Its forecast: 0.5, 0.6, 0.8 on Yes (test_crowd_forecast), Brier 0.5, 0.32, 0.08;
        # against the medians 0.52, 0.40, 0.08: (-0.02 - 0.08 + 0) / 3.
        crowd = scoring.score_crowd(self.PROBABILITIES, scores, 0)
        np.testing.assert_allclose(crowd.daily_brier, [0.5, 0.32, 0.08])
        assert crowd.days == 3
        assert crowd.brier == pytest.approx(0.9 / 3)
        assert crowd.relative == pytest.approx(-0.10 / 3)
        assert crowd.log_loss == pytest.approx(-math.log(0.8))
        assert crowd.spherical == pytest.approx(0.8 / math.sqrt(0.68))

    def test_standing_share(self, scores):
        shares = scoring.standing_share(scores.standing, 7)
        np.testing.assert_allclose(shares, [1 / 3, 0, 2 / 3, 0, 2 / 3, 1 / 3, 1 / 3])

    def test_row_order_does_not_matter(self, window, scores):
        order = np.array([6, 3, 5, 1, 0, 4, 2])
        shuffled = scoring.score_question(
            self.FORECASTER[order], self.SUBMITTED[order], self.PROBABILITIES[order], 3, window, 0
        )
        np.testing.assert_array_equal(
            np.where(shuffled.standing >= 0, order[shuffled.standing], -1), scores.standing
        )
        np.testing.assert_allclose(shuffled.relative, scores.relative)


class TestStandingDetails:
    def test_equal_times_the_later_row_wins(self):
        w = scoring.scoring_window(us(2026, 3, 1), us(2026, 3, 3), None)
        t = us(2026, 3, 1, 12)
        standing = scoring.standing_forecasts(np.array([0, 0, 0]), np.array([t, t, t]), 1, w)
        assert standing.tolist() == [[2, 2]]

    def test_forecasts_before_opening_stand_from_the_first_day(self):
        w = scoring.scoring_window(us(2026, 3, 1, 9), us(2026, 3, 3), None)
        standing = scoring.standing_forecasts(
            np.array([0, 0]), np.array([us(2026, 2, 1), us(2026, 3, 1, 8)]), 1, w
        )
        assert standing.tolist() == [[1, 1]]

    def test_forecaster_without_forecasts(self):
        w = scoring.scoring_window(us(2026, 3, 1), us(2026, 3, 3), None)
        scores = scoring.score_question(
            np.array([1]), np.array([us(2026, 3, 1, 1)]), binary(0.7), 3, w, 0
        )
        assert scores.standing.tolist() == [[-1, -1], [0, 0], [-1, -1]]
        assert np.isnan(scores.brier[[0, 2]]).all()
        assert np.isnan(scores.log_loss[[0, 2]]).all()
        assert scores.relative[1] == 0.0

    def test_no_forecasts_at_all(self):
        w = scoring.scoring_window(us(2026, 3, 1), us(2026, 3, 3), None)
        scores = scoring.score_question(
            np.array([], dtype=np.int64), np.array([], dtype=np.int64), np.empty((0, 2)), 2, w, 0
        )
        assert scores.standing.tolist() == [[-1, -1], [-1, -1]]
        assert np.isnan(scores.crowd_median).all()
        assert np.isnan(scoring.crowd_forecast(np.empty((0, 2)), scores.standing)).all()
        assert scoring.standing_share(scores.standing, 0).shape == (0,)


# --------------------------------------------------------------------------------------
# Properties: the kernel equals the plain reference on random questions
# --------------------------------------------------------------------------------------

BASE_DAY = 20_500  # 2026-02-16


@st.composite
def questions(draw, single_forecaster: bool = False, early_resolution: bool = False):
    n_options = draw(st.sampled_from([2, 2, 3, 4]))
    n_forecasters = 1 if single_forecaster else draw(st.integers(1, 5))
    opens = BASE_DAY * US_PER_DAY + draw(
        st.one_of(st.just(0), st.integers(0, US_PER_DAY - 1), st.just(US_PER_DAY - 1))
    )
    if early_resolution:
        # Known on a day after the opening day and before the day closes_at falls in.
        closes = draw(st.integers((BASE_DAY + 2) * US_PER_DAY, opens + 6 * US_PER_DAY))
        known_on = draw(st.integers(BASE_DAY + 1, (closes - 1) // US_PER_DAY))
    else:
        closes = draw(
            st.one_of(
                st.integers(opens + 1, opens + 6 * US_PER_DAY),
                st.integers(BASE_DAY + 1, BASE_DAY + 6).map(lambda d: d * US_PER_DAY),
            )
        )
        known_on = draw(st.one_of(st.none(), st.integers(BASE_DAY - 1, BASE_DAY + 8)))
    end = closes if known_on is None else min(closes, known_on * US_PER_DAY)

    special = [opens, closes, end, end - 1, end + 1] + [
        (BASE_DAY + d) * US_PER_DAY for d in range(-1, 8)
    ]
    n_rows = draw(st.integers(0, 14))
    times: list[int] = []
    rows = []
    for _ in range(n_rows):
        choices = [
            st.sampled_from(special),
            st.integers(opens - 2 * US_PER_DAY, closes + US_PER_DAY),
            # several updates within one day
            st.integers(BASE_DAY, BASE_DAY + 6).flatmap(
                lambda d: st.integers(d * US_PER_DAY, (d + 1) * US_PER_DAY - 1)
            ),
        ]
        if times:
            choices.append(st.sampled_from(times))  # equal submission times
        t = draw(st.one_of(choices))
        times.append(t)
        who = draw(st.integers(0, n_forecasters - 1))
        if n_options == 2:
            p = draw(st.one_of(st.sampled_from([0.2, 0.5, 0.7, 0.9]), st.floats(0.001, 0.999)))
            probs = (p, 1.0 - p)
        else:
            weights = draw(st.lists(st.integers(1, 20), min_size=n_options, max_size=n_options))
            probs = tuple(w / sum(weights) for w in weights)
        rows.append((who, t, probs))
    outcome = draw(st.integers(0, n_options - 1))
    # Who makes the reference crowd (people; the rest are bots and pundits); None: everyone.
    reference = draw(
        st.one_of(
            st.none(), st.lists(st.booleans(), min_size=n_forecasters, max_size=n_forecasters)
        )
    )
    return {
        "n_options": n_options,
        "n_forecasters": n_forecasters,
        "opens": opens,
        "closes": closes,
        "known_on": known_on,
        "rows": rows,
        "outcome": outcome,
        "reference": reference,
    }


def run_both(q):
    rows = q["rows"]
    fi = np.array([r[0] for r in rows], dtype=np.int64)
    t = np.array([r[1] for r in rows], dtype=np.int64)
    probs = np.array([r[2] for r in rows], dtype=np.float64).reshape(len(rows), q["n_options"])
    window = scoring.scoring_window(q["opens"], q["closes"], q["known_on"])
    reference = None if q["reference"] is None else np.array(q["reference"], dtype=bool)
    fast = scoring.score_question(
        fi, t, probs, q["n_forecasters"], window, q["outcome"], reference=reference
    )

    forecasts = [ref.Forecast(who, ref.to_datetime(at), p) for who, at, p in rows]
    known_on = None if q["known_on"] is None else ref.from_day_number(q["known_on"])
    slow = ref.score_question(
        forecasts,
        q["n_forecasters"],
        ref.to_datetime(q["opens"]),
        ref.to_datetime(q["closes"]),
        known_on,
        q["outcome"],
        reference=q["reference"],
    )
    return window, probs, fast, forecasts, slow


def nan_for_none(values: list) -> np.ndarray:
    """A float array from (nested) lists with None for missing values."""

    def fill(v):
        return [fill(x) for x in v] if isinstance(v, list) else (np.nan if v is None else v)

    return np.array(fill(values), dtype=np.float64)


def assert_same_scores(q) -> None:
    window, probs, fast, forecasts, slow = run_both(q)
    n_f = q["n_forecasters"]

    assert window.n_days == len(slow.days)
    assert window.end_us == ref.to_us(slow.end)
    if slow.days:
        assert window.first_day == ref.day_number(slow.days[0])

    expected_standing = [[-1 if c is None else c for c in row] for row in slow.standing]
    assert fast.standing.shape == (n_f, len(slow.days))
    assert fast.standing.tolist() == expected_standing
    assert fast.days.tolist() == slow.n_days
    assert fast.final_row.tolist() == [-1 if r is None else r for r in slow.final_row]

    close = {"rtol": 1e-9, "atol": 1e-12, "equal_nan": True}
    np.testing.assert_allclose(
        fast.daily_brier.reshape(n_f, -1), nan_for_none(slow.daily_brier).reshape(n_f, -1), **close
    )
    np.testing.assert_allclose(fast.crowd_median, nan_for_none(slow.crowd_median), **close)
    np.testing.assert_allclose(fast.brier, nan_for_none(slow.brier), **close)
    np.testing.assert_allclose(fast.relative, nan_for_none(slow.relative), **close)
    np.testing.assert_allclose(fast.log_loss, nan_for_none(slow.log_loss), **close)
    np.testing.assert_allclose(fast.spherical, nan_for_none(slow.spherical), **close)

    series = scoring.crowd_forecast(probs, fast.standing)
    slow_series = ref.crowd_forecast(forecasts, slow.standing, q["n_options"])
    assert series.shape == (len(slow.days), q["n_options"])
    for d, row in enumerate(slow_series):
        if row is None:
            assert np.isnan(series[d]).all()
        else:
            np.testing.assert_allclose(series[d], row, **close)

    np.testing.assert_allclose(
        scoring.standing_share(fast.standing, len(q["rows"])),
        ref.standing_share(slow.standing, len(q["rows"])),
        **close,
    )

    members = q["reference"] or [True] * n_f
    crowd = scoring.score_crowd(probs, fast, q["outcome"])
    slow_crowd = ref.score_crowd(forecasts, slow, members, q["n_options"], q["outcome"])
    assert crowd.days == slow_crowd.days
    for name in ("brier", "relative", "log_loss", "spherical"):
        expected = getattr(slow_crowd, name)
        np.testing.assert_allclose(
            getattr(crowd, name), np.nan if expected is None else expected, **close
        )


class TestAgainstReference:
    @PROPERTY_SETTINGS
    @given(questions())
    def test_random_questions(self, q):
        assert_same_scores(q)

    @PROPERTY_SETTINGS
    @given(questions(early_resolution=True))
    def test_early_resolution(self, q):
        assert q["known_on"] * US_PER_DAY < q["closes"]
        assert_same_scores(q)

    @PROPERTY_SETTINGS
    @given(questions(single_forecaster=True))
    def test_single_forecaster(self, q):
        assert_same_scores(q)
        _, _, fast, _, _ = run_both(q)
        if fast.days[0] and fast.reference[0]:
            # Alone, a forecaster is the crowd: relative 0 on every day.
            assert fast.relative[0] == 0.0
            np.testing.assert_allclose(
                fast.crowd_median[fast.standing[0] >= 0], fast.daily_brier[0][fast.standing[0] >= 0]
            )
        elif fast.days[0]:
            # Alone and outside the reference crowd: no median, no relative score.
            assert np.isnan(fast.crowd_median).all() and fast.relative[0] == 0.0

    @PROPERTY_SETTINGS
    @given(questions())
    def test_relative_scores_sum_against_the_median(self, q):
        # Sanity beyond the reference: a forecaster who stands every day and always
        # equals the median scores 0; relative is bounded by the Brier range.
        _, _, fast, _, _ = run_both(q)
        scored = fast.days > 0
        assert np.all(np.abs(fast.relative[scored]) <= 2.0)
        assert np.all((fast.brier[scored] >= 0) & (fast.brier[scored] <= 2))


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


class TestWilson:
    def test_hand_computation(self):
        # 2 of 3, z = 1.96: p = 2/3, z^2/n = 1.2805333, denominator 2.2805333,
        # centre = (0.6666667 + 0.6402667) / 2.2805333 = 0.5730823,
        # half = 1.96 * sqrt(2/27 + 3.8416/36) / 2.2805333
        #      = 1.96 * sqrt(0.1807852) / 2.2805333 = 0.3654274
        lower, upper = scoring.wilson_interval(np.array([2.0]), np.array([3.0]), z=1.96)
        assert lower[0] == pytest.approx(0.5730823 - 0.3654274, abs=1e-6)
        assert upper[0] == pytest.approx(0.5730823 + 0.3654274, abs=1e-6)

    @pytest.mark.parametrize(
        ("successes", "n", "lower", "upper"),
        [
            # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (z = 1.96)
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
            # widely tabulated
            (8, 10, 0.4902, 0.9433),
            (50, 100, 0.4038, 0.5962),
        ],
    )
    def test_known_values(self, successes, n, lower, upper):
        lo, hi = scoring.wilson_interval(np.array([successes]), np.array([n]), z=1.96)
        assert (lo[0], hi[0]) == pytest.approx((lower, upper), abs=5e-5)

    def test_weighted_counts_and_empty(self):
        lo, hi = scoring.wilson_interval(np.array([0.5, 0.0, 0.0]), np.array([1.5, 0.0, 2.5]))
        expected = [ref.wilson(0.5, 1.5), (math.nan, math.nan), ref.wilson(0.0, 2.5)]
        np.testing.assert_allclose(lo, [e[0] for e in expected], equal_nan=True)
        np.testing.assert_allclose(hi, [e[1] for e in expected], equal_nan=True)
        assert lo[2] == 0.0


class TestCalibration:
    """Events (p, outcome, weight), worked by hand:

      bin 0: (0.05, 0, 1)                    n=1  fbar 0.05   obar 0
      bin 1: (0.10, 1, 0.5) (0.15, 0, 0.5)   n=1  fbar 0.125  obar 0.5   (0.1 is bin 1)
      bin 3: (0.30, 1, 2) (0.35, 0, 1)       n=3  fbar 0.95/3 obar 2/3   (0.3 is bin 3)
      bin 9: (1.00, 1, 1) (0.95, 0, 1)       n=2  fbar 0.975  obar 0.5   (1.0 is bin 9)

    N = 7, obar = 3.5 / 7 = 0.5, UNC = 0.25
    REL = (0.05^2 + 0.375^2 + 3 (0.35)^2 + 2 (0.475)^2) / 7 = 0.961875 / 7
    RES = (0.5^2 + 0 + 3 (1/6)^2 + 0) / 7 = (1/4 + 1/12) / 7 = 1 / 21
    """

    EVENTS = [
        (0.05, 0, 1.0),
        (0.1, 1, 0.5),
        (0.15, 0, 0.5),
        (0.3, 1, 2.0),
        (0.35, 0, 1.0),
        (1.0, 1, 1.0),
        (0.95, 0, 1.0),
    ]

    @pytest.fixture
    def cal(self):
        p, o, w = (np.array(c) for c in zip(*self.EVENTS, strict=True))
        return scoring.calibration(p, o, w)

    def test_bins(self, cal):
        np.testing.assert_allclose(cal.bin_edges, np.arange(11) / 10)
        np.testing.assert_allclose(cal.counts, [1, 1, 0, 3, 0, 0, 0, 0, 0, 2])
        nan = np.nan
        np.testing.assert_allclose(
            cal.mean_forecast, [0.05, 0.125, nan, 0.95 / 3, nan, nan, nan, nan, nan, 0.975]
        )
        np.testing.assert_allclose(cal.observed, [0, 0.5, nan, 2 / 3, nan, nan, nan, nan, nan, 0.5])
        assert cal.total == pytest.approx(7.0)

    def test_intervals(self, cal):
        lo3, hi3 = ref.wilson(2.0, 3.0)
        assert (cal.lower[3], cal.upper[3]) == pytest.approx((lo3, hi3))
        assert cal.lower[0] == 0.0
        assert np.isnan(cal.lower[2]) and np.isnan(cal.upper[2])
        filled = cal.counts > 0
        assert np.all(cal.lower[filled] <= cal.observed[filled])
        assert np.all(cal.observed[filled] <= cal.upper[filled])

    def test_murphy_terms(self, cal):
        assert cal.uncertainty == pytest.approx(0.25)
        assert cal.reliability == pytest.approx(0.961875 / 7)
        assert cal.resolution == pytest.approx(1 / 21)

    def test_no_events(self):
        cal = scoring.calibration(np.array([]), np.array([]), np.array([]))
        assert cal.total == 0.0
        assert np.isnan(cal.observed).all() and np.isnan(cal.lower).all()
        assert math.isnan(cal.reliability)

    @PROPERTY_SETTINGS
    @given(
        st.lists(
            st.tuples(
                st.one_of(
                    st.floats(0.0, 1.0), st.sampled_from([k / 10 for k in range(11)] + [0.001])
                ),
                st.integers(0, 1),
                st.one_of(st.floats(0.01, 1.0), st.just(1.0)),
            ),
            min_size=1,
            max_size=40,
        )
    )
    def test_against_reference(self, events):
        p, o, w = (np.array(c) for c in zip(*events, strict=True))
        cal = scoring.calibration(p, o, w)
        bins, murphy = ref.calibration(events)
        close = {"rtol": 1e-9, "atol": 1e-12, "equal_nan": True}

        def col(name):
            return [np.nan if getattr(b, name) is None else getattr(b, name) for b in bins]

        np.testing.assert_allclose(cal.counts, col("count"), **close)
        np.testing.assert_allclose(cal.mean_forecast, col("mean_forecast"), **close)
        np.testing.assert_allclose(cal.observed, col("observed"), **close)
        np.testing.assert_allclose(cal.lower, col("lower"), **close)
        np.testing.assert_allclose(cal.upper, col("upper"), **close)
        for name in ("reliability", "resolution", "uncertainty", "total"):
            assert getattr(cal, name) == pytest.approx(murphy[name], rel=1e-9, abs=1e-12)

    @PROPERTY_SETTINGS
    @given(
        st.lists(
            st.tuples(st.integers(0, 9), st.integers(0, 1), st.floats(0.01, 1.0)),
            min_size=1,
            max_size=40,
        ),
        st.lists(st.floats(0.0, 0.0999), min_size=10, max_size=10),
    )
    def test_murphy_decomposition_is_the_brier_when_bins_are_pure(self, events, offsets):
        # All forecasts in a bin equal: REL - RES + UNC is exactly the mean binary Brier.
        level = [k / 10 + offsets[k] for k in range(10)]
        p = np.array([level[b] for b, _, _ in events])
        o = np.array([e[1] for e in events], dtype=float)
        w = np.array([e[2] for e in events])
        cal = scoring.calibration(p, o, w)
        mean_brier = float((w * (p - o) ** 2).sum() / w.sum())
        assert cal.reliability - cal.resolution + cal.uncertainty == pytest.approx(
            mean_brier, abs=1e-12
        )


# --------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------


class TestBootstrap:
    def test_one_value_and_empty(self):
        assert scoring.bootstrap_mean_interval(np.array([0.25])) == (0.25, 0.25)
        lo, hi = scoring.bootstrap_mean_interval(np.array([]))
        assert math.isnan(lo) and math.isnan(hi)

    def test_deterministic(self):
        values = np.random.default_rng(7).normal(size=37)
        first = scoring.bootstrap_mean_interval(values)
        scoring._counts_cache.clear()
        scoring._counts_cache_bytes = 0
        assert scoring.bootstrap_mean_interval(values) == first
        assert scoring.bootstrap_mean_interval(values.copy()) == first

    def test_pattern_depends_only_on_the_length(self):
        # The same resamples for any data of one length: shifting or scaling the data
        # shifts or scales the interval.
        values = np.random.default_rng(8).normal(size=25)
        lo, hi = scoring.bootstrap_mean_interval(values)
        lo2, hi2 = scoring.bootstrap_mean_interval(3 * values + 1)
        assert (lo2, hi2) == pytest.approx((3 * lo + 1, 3 * hi + 1), rel=1e-12)

    def test_equals_a_plain_percentile_bootstrap_with_the_same_resamples(self):
        values = np.random.default_rng(9).normal(size=30)
        counts = scoring._resample_counts(30, 1000)
        assert np.all(counts.sum(axis=1) == 30)
        means = counts @ values / 30
        expected = np.quantile(means, [0.025, 0.975])
        got = scoring.bootstrap_mean_interval(values)
        assert got == pytest.approx(tuple(expected), rel=1e-12, abs=1e-15)
        assert got[0] < values.mean() < got[1]
        assert values.min() <= got[0] and got[1] <= values.max()

    def test_batched_is_bit_identical_to_one_at_a_time(self):
        rng = np.random.default_rng(10)
        lengths = [0, 1, 2, 2, 3, 17, 17, 17, 50, 1, 300, 0, 64]
        groups = [rng.normal(scale=rng.uniform(0.01, 100), size=n) for n in lengths]
        lower, upper = scoring.bootstrap_mean_intervals(groups)
        for g, lo, hi in zip(groups, lower, upper, strict=True):
            one = scoring.bootstrap_mean_interval(g)
            np.testing.assert_array_equal(np.array(one), np.array([lo, hi]))

    def test_other_confidence_and_resamples(self):
        values = np.random.default_rng(11).normal(size=40)
        lo90, hi90 = scoring.bootstrap_mean_interval(values, confidence=0.9)
        lo95, hi95 = scoring.bootstrap_mean_interval(values)
        assert lo95 <= lo90 < hi90 <= hi95
        lo, hi = scoring.bootstrap_mean_interval(values, resamples=200)
        assert lo < values.mean() < hi

    def test_coverage_sanity(self):
        # 400 samples of 40 normal values with mean 0.3: the percentile bootstrap's 95%
        # interval of the mean covers 0.3 a little under 95% of the time.
        rng = np.random.default_rng(12345)
        groups = [rng.normal(0.3, 1.0, size=40) for _ in range(400)]
        lower, upper = scoring.bootstrap_mean_intervals(groups)
        coverage = np.mean((lower <= 0.3) & (upper >= 0.3))
        assert 0.88 <= coverage <= 0.99
        # And the width is about that of the normal interval 2 * 1.96 / sqrt(40).
        assert np.median(upper - lower) == pytest.approx(2 * 1.96 / math.sqrt(40), rel=0.15)

    def test_batch_of_many_groups(self):
        rng = np.random.default_rng(13)
        groups = [rng.normal(size=n) for n in rng.integers(0, 120, size=600)]
        lower, upper = scoring.bootstrap_mean_intervals(groups)
        sizes = np.array([g.size for g in groups])
        assert np.isnan(lower[sizes == 0]).all()
        means = np.array([g.mean() if g.size else np.nan for g in groups])
        big = sizes >= 2
        assert np.all(lower[big] <= means[big] + 1e-12) and np.all(means[big] <= upper[big] + 1e-12)


def test_reference_helpers_round_trip():
    moment = datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=UTC)
    assert ref.to_datetime(ref.to_us(moment)) == moment
    assert ref.to_us(moment) // US_PER_DAY == ref.day_number(date(2026, 3, 1))
    assert ref.from_day_number(BASE_DAY) == date(2026, 2, 16)
    assert ref.midnight(date(2026, 3, 2)) - moment == timedelta(microseconds=1)
