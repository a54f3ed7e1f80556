"""The scoring kernel: pure numpy, no Django (DESIGN.md, "Scoring").

Conventions
-----------
* Times are int64 microseconds since the Unix epoch, UTC. A *day number* is
  ``us // US_PER_DAY`` (days since 1970-01-01, UTC).
* A forecast is a full probability vector over the question's K options (a binary
  forecast p is ``(p, 1 - p)``; option 0 is Yes). ``outcome`` is the index of the option
  that happened.
* A question is scored over its *window days*; a forecaster's *standing forecast* on a
  window day is their latest forecast submitted before the end of that day (or before E,
  the end of the window, whichever is earlier).
* Lower is better for Brier, log loss and the relative score; higher is better for the
  spherical score.
* The *reference crowd* that relative scores are measured against is a subset of the
  forecasters (the callers pass the people: bots and pundits are scored against it but do
  not move it). On a day none of its members stands there is no reference, and that day
  counts 0 in everyone's relative score.

Everything is vectorised across forecasters and days: a question with 1,000 forecasters
over 365 days is a handful of array operations.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

US_PER_DAY = 86_400_000_000
"""Microseconds in a UTC day; ``us // US_PER_DAY`` is the day number."""

WILSON_Z_95 = 1.959963984540054
"""The two-sided 95% normal quantile."""

_NO_ROW = -1


# --------------------------------------------------------------------------------------
# Scoring rules
# --------------------------------------------------------------------------------------


def _as_matrix(probabilities: np.ndarray) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be an (n, K) array, got shape {p.shape}")
    return p


def brier_scores(probabilities: np.ndarray, outcome: int) -> np.ndarray:
    """Brier score of each forecast: ``sum_k (f_k - o_k)^2``, in [0, 2], lower is better.

    ``probabilities`` is (n, K); returns (n,). 0 is a certain correct forecast, 2 a certain
    wrong one; a binary p on an outcome that happens scores ``2 (1 - p)^2`` (0.7 -> 0.18).
    """
    p = _as_matrix(probabilities)
    diff = p.copy()
    diff[:, outcome] -= 1.0
    return (diff * diff).sum(axis=1)


def log_scores(probabilities: np.ndarray, outcome: int) -> np.ndarray:
    """Log loss of each forecast: ``-ln f_outcome`` (0 is perfect, lower is better)."""
    p = _as_matrix(probabilities)
    with np.errstate(divide="ignore"):
        return -np.log(p[:, outcome])


def spherical_scores(probabilities: np.ndarray, outcome: int) -> np.ndarray:
    """Spherical score of each forecast: ``f_outcome / sqrt(sum_k f_k^2)``, in [0, 1], higher
    is better."""
    p = _as_matrix(probabilities)
    with np.errstate(invalid="ignore", divide="ignore"):
        return p[:, outcome] / np.sqrt((p * p).sum(axis=1))


# --------------------------------------------------------------------------------------
# The scoring window and the standing-forecast matrix
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days a question is scored on.

    Window day i (0-based) is the UTC day number ``first_day + i``; the window ends at the
    instant ``end_us`` (E), and forecasts submitted at or after E are never scored.
    """

    first_day: int  # UTC day number of opens_at
    n_days: int  # number of window days (0 if the window is empty)
    end_us: int  # E = min(closes_at, 00:00 UTC of known_on)

    @property
    def last_day(self) -> int:
        """UTC day number of the last window day (``first_day - 1`` if the window is empty)."""
        return self.first_day + self.n_days - 1

    def day_cutoffs_us(self) -> np.ndarray:
        """(n_days,) the instant each window day's standing forecast must precede:
        ``min(end of day, E)``."""
        ends = (np.arange(self.n_days, dtype=np.int64) + (self.first_day + 1)) * US_PER_DAY
        return np.minimum(ends, self.end_us)


def scoring_window(opens_at_us: int, closes_at_us: int, known_on_day: int | None) -> Window:
    """The window of a question that opened at ``opens_at_us`` and closes at ``closes_at_us``,
    whose outcome became known on UTC day number ``known_on_day`` (None: not cut).

    E = min(closes_at, 00:00 UTC of known_on). Window days run from the day of opens_at
    through the day of the last instant before E (E - 1 microsecond).
    """
    end_us = int(closes_at_us)
    if known_on_day is not None:
        end_us = min(end_us, int(known_on_day) * US_PER_DAY)
    first_day = int(opens_at_us) // US_PER_DAY
    last_day = (end_us - 1) // US_PER_DAY
    return Window(first_day=first_day, n_days=max(0, last_day - first_day + 1), end_us=end_us)


def standing_forecasts(
    forecaster_index: np.ndarray,
    submitted_at_us: np.ndarray,
    n_forecasters: int,
    window: Window,
) -> np.ndarray:
    """(F, D) int64: for each forecaster and window day, the row index (into the inputs) of
    the standing forecast, or -1 if the forecaster has none that day.

    The standing forecast on day d is the latest row submitted before ``min(end of day d,
    E)``; on equal ``submitted_at`` the later row (higher index) wins. Rows need not be
    sorted. Rows submitted before the first window day stand from day 0; rows at or after E
    never stand.
    """
    n_f, n_d = int(n_forecasters), int(window.n_days)
    out = np.full((n_f, n_d), _NO_ROW, dtype=np.int64)
    fi = np.asarray(forecaster_index, dtype=np.int64).ravel()
    t = np.asarray(submitted_at_us, dtype=np.int64).ravel()
    if n_d == 0 or n_f == 0 or fi.size == 0:
        return out
    if fi.shape != t.shape:
        raise ValueError("forecaster_index and submitted_at_us must have the same length")

    rows = np.flatnonzero(t < window.end_us)
    if rows.size == 0:
        return out
    fr, tr = fi[rows], t[rows]
    # First window day on which each row can stand: a row stands on day d iff it was
    # submitted before the end of d, i.e. iff its own day <= d (it is before E already).
    start = np.maximum(tr // US_PER_DAY - window.first_day, 0)

    # Order rows by (forecaster, submitted_at, row); lexsort is stable and `rows` ascends,
    # so equal times keep row order and the higher row comes last.
    order = np.lexsort((tr, fr))
    rows, fr, start = rows[order], fr[order], start[order]
    # The last row of each (forecaster, start day) run is the one standing at that day's end.
    last = np.empty(rows.size, dtype=bool)
    last[-1] = True
    np.not_equal(fr[1:], fr[:-1], out=last[:-1])
    last[:-1] |= start[1:] != start[:-1]
    out[fr[last], start[last]] = rows[last]

    # Forward fill along days: the column of the latest placed row at or before each day.
    col = np.where(out >= 0, np.arange(n_d, dtype=np.int64), _NO_ROW)
    np.maximum.accumulate(col, axis=1, out=col)
    flat = col + (np.arange(n_f, dtype=np.int64) * n_d)[:, None]
    filled = out.ravel()[np.maximum(flat, 0)].reshape(n_f, n_d)
    filled[col < 0] = _NO_ROW
    return filled


# --------------------------------------------------------------------------------------
# Question scores
# --------------------------------------------------------------------------------------


def _median_rows(values: np.ndarray) -> np.ndarray:
    """Median of each row of a 2-D array ignoring NaN (NaN where a row is all NaN).

    Sort-based: NaN sorts last, so the median is the mean of the middle one or two of the
    leading finite values (the same (a + b) / 2 as ``np.median``).
    """
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    s = np.sort(values, axis=1)
    count = s.shape[1] - np.isnan(s).sum(axis=1)
    lo = np.maximum((count - 1) // 2, 0)
    hi = count // 2
    hi = np.minimum(hi, s.shape[1] - 1)
    r = np.arange(s.shape[0])
    med = (s[r, lo] + s[r, hi]) / 2
    med[count == 0] = np.nan
    return med


def _distinct_days(standing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(changed, repeat) for an (F, D) standing matrix: `changed` (D,) marks the days whose
    standing column differs from the day before, and `repeat` (D,) maps each day to its
    column among those. Forecasts change on few days, so the crowd forecast, gathered and
    sorted per day and option, is computed on the changed days only and repeated
    (``values[repeat]``): the same numbers, several times faster."""
    n_d = standing.shape[1]
    changed = np.ones(n_d, dtype=bool)
    if n_d > 1:
        changed[1:] = (standing[:, 1:] != standing[:, :-1]).any(axis=0)
    return changed, np.cumsum(changed) - 1


@dataclass(frozen=True)
class QuestionScores:
    """Every forecaster's scores on one question (F forecasters, D window days)."""

    standing: np.ndarray  # (F, D) row index of the standing forecast, -1 = none
    daily_brier: np.ndarray  # (F, D) Brier of the standing forecast, NaN where none
    reference: np.ndarray  # (F,) bool: the forecasters whose forecasts make the crowd
    crowd_median: np.ndarray  # (D,) median daily Brier of the reference crowd standing that day
    #                           (NaN on a day none of it stands)
    brier: np.ndarray  # (F,) mean daily Brier over the days with a standing forecast (NaN if none)
    relative: np.ndarray  # (F,) mean over all window days of (own - crowd median), 0 on days
    #                       without a standing forecast or without a crowd median; negative =
    #                       better than the crowd
    log_loss: np.ndarray  # (F,) -ln f_outcome of the final standing forecast (NaN if none)
    spherical: np.ndarray  # (F,) spherical score of the final standing forecast (NaN if none)
    days: np.ndarray  # (F,) number of window days with a standing forecast
    final_row: np.ndarray  # (F,) row of the standing forecast on the last window day, -1 if none

    @property
    def scored(self) -> np.ndarray:
        """(F,) bool: the forecaster stood on at least one window day (has scores)."""
        return self.days > 0


def score_question(
    forecaster_index: np.ndarray,
    submitted_at_us: np.ndarray,
    probabilities: np.ndarray,
    n_forecasters: int,
    window: Window,
    outcome: int,
    reference: np.ndarray | None = None,
) -> QuestionScores:
    """Score every forecaster on one question.

    Inputs are one row per forecast: ``forecaster_index`` in [0, n_forecasters),
    ``submitted_at_us`` and ``probabilities`` (n, K) full vectors; ``outcome`` is the
    index of the option that happened. ``reference`` (n_forecasters,) bool marks the
    forecasters whose standing forecasts make the crowd median (None: everyone); the others
    are scored against it without moving it.
    """
    standing = standing_forecasts(forecaster_index, submitted_at_us, n_forecasters, window)
    n_f, n_d = standing.shape
    if reference is None:
        members = np.ones(n_f, dtype=bool)
    else:
        members = np.asarray(reference, dtype=bool).ravel()
        if members.shape != (n_f,):
            raise ValueError(f"reference must have one flag per forecaster ({n_f})")
    p = _as_matrix(probabilities)
    has = standing >= 0
    days = has.sum(axis=1)

    if p.shape[0] == 0:
        row_brier = np.empty(0)
        daily = np.full((n_f, n_d), np.nan)
    else:
        row_brier = brier_scores(p, outcome)
        daily = row_brier[standing]
        daily[~has] = np.nan

    crowd = _median_rows(daily[members].T) if n_d else np.empty(0)
    own = np.where(has, daily, 0.0)
    # A day without a crowd median compares nobody: it counts 0, like a day before one's
    # first forecast.
    compared = has & ~np.isnan(crowd)
    with np.errstate(invalid="ignore", divide="ignore"):
        brier = own.sum(axis=1) / days
        rel_sum = np.where(compared, daily - crowd, 0.0).sum(axis=1)
        relative = rel_sum / n_d if n_d else np.full(n_f, np.nan)
    none = days == 0
    brier[none] = np.nan
    relative[none] = np.nan

    final_row = standing[:, -1].copy() if n_d else np.full(n_f, _NO_ROW, dtype=np.int64)
    log_loss = np.full(n_f, np.nan)
    spherical = np.full(n_f, np.nan)
    final = final_row >= 0
    if final.any():
        last_p = p[final_row[final]]
        log_loss[final] = log_scores(last_p, outcome)
        spherical[final] = spherical_scores(last_p, outcome)

    return QuestionScores(
        standing=standing,
        daily_brier=daily,
        reference=members,
        crowd_median=crowd,
        brier=brier,
        relative=relative,
        log_loss=log_loss,
        spherical=spherical,
        days=days,
        final_row=final_row,
    )


def crowd_forecast(probabilities: np.ndarray, standing: np.ndarray) -> np.ndarray:
    """(D, K) the crowd forecast of each window day: the per-option median of the standing
    forecasts, renormalised to sum 1; a NaN row on a day nobody stands."""
    p = np.asarray(probabilities, dtype=np.float64)
    standing = np.asarray(standing, dtype=np.int64)
    n_f, n_d = standing.shape
    k = p.shape[1] if p.ndim == 2 else 0
    if n_d == 0 or p.shape[0] == 0:
        return np.full((n_d, k), np.nan)
    changed, repeat = _distinct_days(standing)
    st = standing[:, changed].T  # (distinct days, F)
    n_u = st.shape[0]
    gathered = p[np.maximum(st, 0)]  # (U, F, K)
    gathered[st < 0] = np.nan
    by_option = gathered.transpose(0, 2, 1).reshape(n_u * k, n_f)  # (U*K, F)
    med = _median_rows(by_option).reshape(n_u, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        distinct = med / med.sum(axis=1, keepdims=True)
    return distinct[repeat]


@dataclass(frozen=True)
class CrowdScores:
    """The reference crowd scored as if it were one forecaster on one question: its forecast
    each day is the per-option median of its members' standing forecasts (`crowd_forecast`),
    scored like anyone's, against the crowd median of daily Brier."""

    forecast: np.ndarray  # (D, K) the crowd's forecast each day, a NaN row where none stands
    daily_brier: np.ndarray  # (D,) Brier of that forecast, NaN where none
    brier: float  # mean daily Brier over the days it stood (NaN if none)
    relative: float  # mean over all window days of (own - crowd median), as for anyone
    log_loss: float  # of the forecast on the last window day (NaN if none)
    spherical: float
    days: int  # window days on which some member stood


def score_crowd(probabilities: np.ndarray, scores: QuestionScores, outcome: int) -> CrowdScores:
    """The reference crowd's own record on the question `scores` scored, from the same
    ``probabilities`` rows. Members stand until the window ends once they have forecast, so
    the crowd stands from its first member's first day to the last."""
    p = _as_matrix(probabilities)
    forecast = crowd_forecast(p, scores.standing[scores.reference])
    n_d = forecast.shape[0]
    stood = ~np.isnan(forecast).any(axis=1) if forecast.shape[1] else np.zeros(n_d, dtype=bool)
    daily = np.full(n_d, np.nan)
    if stood.any():
        daily[stood] = brier_scores(forecast[stood], outcome)
    days = int(stood.sum())
    if days == 0:
        nan = float("nan")
        return CrowdScores(forecast, daily, nan, nan, nan, nan, 0)
    relative = float((daily[stood] - scores.crowd_median[stood]).sum() / n_d)
    last = forecast[-1:]
    return CrowdScores(
        forecast=forecast,
        daily_brier=daily,
        brier=float(daily[stood].mean()),
        relative=relative,
        log_loss=float(log_scores(last, outcome)[0]),
        spherical=float(spherical_scores(last, outcome)[0]),
        days=days,
    )


def standing_share(standing: np.ndarray, n_rows: int) -> np.ndarray:
    """(n_rows,) for each input row, the share of the window days it was the standing
    forecast (days standing / D): the weight of that forecast in calibration. All zeros when
    the window is empty."""
    standing = np.asarray(standing, dtype=np.int64)
    n_d = standing.shape[1] if standing.ndim == 2 else 0
    if n_d == 0 or n_rows == 0:
        return np.zeros(int(n_rows))
    counts = np.bincount(standing[standing >= 0], minlength=int(n_rows))
    return counts[: int(n_rows)] / n_d


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


def wilson_interval(
    successes: np.ndarray, n: np.ndarray, z: float = WILSON_Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lower, upper) of a proportion ``successes / n``.

    Works elementwise on arrays and on weighted (fractional) counts; NaN where n == 0.
    """
    s = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s / n
        z2n = z * z / n
        denom = 1.0 + z2n
        centre = (p + z2n / 2.0) / denom
        half = z * np.sqrt(np.maximum(p * (1.0 - p) / n + z2n / (4.0 * n), 0.0)) / denom
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    empty = ~(n > 0)
    lower = np.where(empty, np.nan, lower)
    upper = np.where(empty, np.nan, upper)
    return lower, upper


@dataclass(frozen=True)
class Calibration:
    """Calibration curve and Murphy decomposition of weighted binary events.

    The decomposition is of the binary (one-component, [0, 1]) Brier score over the events:
    mean Brier = reliability - resolution + uncertainty when the forecasts within each bin
    are equal (otherwise up to a within-bin variance term).
    """

    bin_edges: np.ndarray  # (n_bins + 1,) 0.0, 0.1, ..., 1.0
    counts: np.ndarray  # (n_bins,) sum of weights of the events in each bin
    mean_forecast: np.ndarray  # (n_bins,) weighted mean forecast in the bin (NaN if empty)
    observed: np.ndarray  # (n_bins,) weighted share of events that happened (NaN if empty)
    lower: np.ndarray  # (n_bins,) Wilson 95% interval of `observed`, on the weighted count
    upper: np.ndarray
    reliability: float  # sum_k n_k (fbar_k - obar_k)^2 / N: miscalibration, lower is better
    resolution: float  # sum_k n_k (obar_k - obar)^2 / N: discrimination, higher is better
    uncertainty: float  # obar (1 - obar): the base rate's own variance
    total: float  # N, the sum of all weights


def calibration(
    probabilities: np.ndarray,
    outcomes: np.ndarray,
    weights: np.ndarray,
    n_bins: int = 10,
) -> Calibration:
    """Calibration of binary events (probability, outcome 0/1, weight).

    Bin k holds p in [k / n_bins, (k + 1) / n_bins); the last bin includes 1.0. The edges are
    ``k / n_bins`` exactly (so 0.3 lands in bin 3, not bin 2).
    """
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    o = np.asarray(outcomes, dtype=np.float64).ravel()
    w = np.asarray(weights, dtype=np.float64).ravel()
    edges = np.arange(n_bins + 1, dtype=np.float64) / n_bins
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)

    counts = np.bincount(idx, weights=w, minlength=n_bins)
    sum_f = np.bincount(idx, weights=w * p, minlength=n_bins)
    sum_o = np.bincount(idx, weights=w * o, minlength=n_bins)
    filled = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast = np.where(filled, sum_f / counts, np.nan)
        observed = np.where(filled, sum_o / counts, np.nan)
    lower, upper = wilson_interval(sum_o, counts)

    total = float(counts.sum())
    if total > 0:
        obar = float(sum_o.sum()) / total
        nk = counts[filled]
        reliability = float((nk * (mean_forecast[filled] - observed[filled]) ** 2).sum() / total)
        resolution = float((nk * (observed[filled] - obar) ** 2).sum() / total)
        uncertainty = obar * (1.0 - obar)
    else:
        reliability = resolution = uncertainty = float("nan")
    return Calibration(
        bin_edges=edges,
        counts=counts,
        mean_forecast=mean_forecast,
        observed=observed,
        lower=lower,
        upper=upper,
        reliability=reliability,
        resolution=resolution,
        uncertainty=uncertainty,
        total=total,
    )


# --------------------------------------------------------------------------------------
# Bootstrap interval of a mean
# --------------------------------------------------------------------------------------


_COUNTS_CACHE_BYTES = 64 * 2**20
_counts_cache: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
_counts_cache_bytes = 0
_counts_cache_lock = threading.Lock()


def _draw_counts(n: int, resamples: int) -> np.ndarray:
    """(resamples, n) compact unsigned ints: how many times each of n positions is drawn in
    each resample with replacement (rows sum to n). Depends only on (n, resamples): the
    draws come from a numpy Generator seeded with n."""
    rng = np.random.default_rng(n)
    draws = rng.integers(0, n, size=(resamples, n), dtype=np.int64)
    draws += (np.arange(resamples, dtype=np.int64) * n)[:, None]
    counts = np.bincount(draws.ravel(), minlength=resamples * n).reshape(resamples, n)
    dtype = np.uint8 if n < 256 or counts.max() < 256 else np.uint32
    return counts.astype(dtype)


def _resample_counts(n: int, resamples: int) -> np.ndarray:
    """(resamples, n) float64 resampling counts for length n, from a small LRU cache (bounded
    in bytes; entries are kept compact and widened on use)."""
    global _counts_cache_bytes
    key = (int(n), int(resamples))
    with _counts_cache_lock:
        compact = _counts_cache.get(key)
        if compact is not None:
            _counts_cache.move_to_end(key)
    if compact is None:
        compact = _draw_counts(*key)
        with _counts_cache_lock:
            if key not in _counts_cache and compact.nbytes <= _COUNTS_CACHE_BYTES:
                _counts_cache[key] = compact
                _counts_cache_bytes += compact.nbytes
                while _counts_cache_bytes > _COUNTS_CACHE_BYTES:
                    _, evicted = _counts_cache.popitem(last=False)
                    _counts_cache_bytes -= evicted.nbytes
    return compact.astype(np.float64)


def _exact_scale(x: np.ndarray, n: int) -> np.ndarray:
    """Per-row power-of-two exponents e such that round(x * 2^e) are integers small enough
    that any weighted sum with non-negative integer weights totalling n is exact in float64.

    This makes the resampled means independent of the summation order BLAS picks (so one
    group alone and the same group in a batch give bit-identical numbers), at a cost of
    about ``log2(n) + 1`` bits of the 53 (relative error ~1e-13 of the largest value).
    """
    big = np.max(np.abs(x), axis=1)
    big = np.where(np.isfinite(big), big, 0.0)
    _, exp = np.frexp(big)  # big < 2^exp
    return (52 - int(n).bit_length()) - exp.astype(np.int64)


def _quantiles_linear(sorted_part: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """numpy's default ("linear") quantiles of each row, from a partitioned array."""
    r = sorted_part.shape[1]
    out = []
    for q in qs:
        h = (r - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, r - 1)
        frac = h - lo
        a, b = sorted_part[:, lo], sorted_part[:, hi]
        out.append(a + (b - a) * frac)
    return out


def _kth_for(r: int, qs: Sequence[float]) -> list[int]:
    kth: set[int] = set()
    for q in qs:
        lo = int(np.floor((r - 1) * q))
        kth.update((lo, min(lo + 1, r - 1)))
    return sorted(kth)


# Rows of one same-length batch handled per task: bounds the (rows, resamples) matrix of
# sums (4,096 x 1,000 doubles = 32 MB) and gives the threads work to share.
_ROWS_PER_TASK = 4096
# Below this many resampled sums (groups x resamples) the threads cost more than they save
# (one question's rescore: ~4,000 groups), measured on a loaded 2-core machine.
_THREADED_FROM = 20_000_000
_threads: ThreadPoolExecutor | None = None
_threads_lock = threading.Lock()


def _thread_pool() -> ThreadPoolExecutor:
    """Threads for the bootstrap: numpy releases the GIL in the matrix product and in the
    partition, so each core can work on its own rows (BOOTSTRAP_THREADS, default one per
    core)."""
    global _threads
    with _threads_lock:
        if _threads is None:
            workers = int(os.environ.get("BOOTSTRAP_THREADS", os.cpu_count() or 1))
            _threads = ThreadPoolExecutor(max_workers=max(workers, 1))
        return _threads


def _intervals_same_length(
    x: np.ndarray, resamples: int, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap intervals for the rows of x (m, n), all of the same length n >= 2.

    The resampled sums are exact integers (see `_exact_scale`) and the mean is a monotone
    function of the sum within a row, so the order statistics are taken on the sums and only
    those few are turned into means: the same numbers as converting every resample first.
    """
    n = x.shape[1]
    counts = _resample_counts(n, resamples)
    e = _exact_scale(x, n)
    q = np.rint(np.ldexp(x, e[:, None]))
    sums = q @ counts.T  # (m, resamples), exact integers
    alpha = (1.0 - confidence) / 2.0
    qs = (alpha, 1.0 - alpha)
    kth = _kth_for(resamples, qs)
    sums.partition(kth, axis=1)
    picked = np.empty_like(sums)  # only the kth columns are read by _quantiles_linear
    picked[:, kth] = np.ldexp(sums[:, kth], -e[:, None]) / n
    lo, hi = _quantiles_linear(picked, qs)
    return lo, hi


def bootstrap_mean_intervals_flat(
    values: np.ndarray, starts: np.ndarray, resamples: int = 1000, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """`bootstrap_mean_intervals` of the groups ``values[starts[i]:starts[i + 1]]`` (the last
    running to the end), without building a list of arrays: groups of one length are
    gathered by fancy indexing, and batches of rows go to threads. Bit-identical to one
    group at a time whatever the batching (the sums are exact)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    starts = np.asarray(starts, dtype=np.int64).ravel()
    m = len(starts)
    lengths = np.diff(np.append(starts, len(values)))
    lower = np.full(m, np.nan)
    upper = np.full(m, np.nan)
    single = lengths == 1
    lower[single] = upper[single] = values[starts[single]]
    jobs = []
    for n in np.unique(lengths[lengths >= 2]).tolist():
        members = np.flatnonzero(lengths == n)
        for first in range(0, len(members), _ROWS_PER_TASK):
            batch = members[first : first + _ROWS_PER_TASK]
            x = values[starts[batch][:, None] + np.arange(n)]
            jobs.append((batch, x))
    if len(jobs) > 1 and (lengths >= 2).sum() * resamples >= _THREADED_FROM:
        results = _thread_pool().map(
            lambda job: _intervals_same_length(job[1], resamples, confidence), jobs
        )
    else:
        results = (_intervals_same_length(job[1], resamples, confidence) for job in jobs)
    for (batch, _), (lo, hi) in zip(jobs, results, strict=True):
        lower[batch] = lo
        upper[batch] = hi
    return lower, upper


def bootstrap_mean_intervals(
    groups: list[np.ndarray], resamples: int = 1000, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap intervals (lower, upper) of the mean of each group, batched.

    Bit-identical to ``bootstrap_mean_interval`` on each group: groups of equal length
    share one resampling-count matrix C (resamples x n), and their resampled means are
    ``X @ C.T / n``. One value -> (v, v); an empty group -> (nan, nan).
    """
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in groups]
    lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    values = np.concatenate(arrays) if arrays else np.empty(0)
    starts = np.cumsum(lengths) - lengths
    return bootstrap_mean_intervals_flat(values, starts, resamples, confidence)


def bootstrap_mean_interval(
    values: np.ndarray, resamples: int = 1000, confidence: float = 0.95
) -> tuple[float, float]:
    """Percentile-bootstrap interval (lower, upper) of the mean of ``values``, e.g. of a
    forecaster's relative scores: the middle ``confidence`` share of the means of
    ``resamples`` resamples with replacement.

    Deterministic: the resampling pattern depends only on ``len(values)``, so recomputing
    gives identical numbers. One value -> (v, v); empty -> (nan, nan).
    """
    lo, hi = bootstrap_mean_intervals([values], resamples=resamples, confidence=confidence)
    return float(lo[0]), float(hi[0])
