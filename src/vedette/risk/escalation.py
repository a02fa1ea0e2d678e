"""Escalation detection (``risk.escalation.nb.v1``): a region's activity jumps well above its own baseline.

The test, per region and per day ``t`` of the incidents' time (days are incident dates):

- Baseline: the incidents of the ``escalation_baseline_days`` days before the last 7 (the last 7 are the
  ones under test), ``B`` incidents over ``T`` days, with a weak prior of ``PRIOR_INCIDENTS`` incident
  per ``PRIOR_DAYS`` days so that a region with little history is not alarming on its first incidents.
  The region's daily rate is then Gamma(a = PRIOR_INCIDENTS + B, b = PRIOR_DAYS + T) distributed, and the
  count of ``w`` days is negative binomial (a Poisson count whose rate is uncertain):
  ``NB(r = a, p = b / (b + w))``, mean ``a * w / b``.
- Test: for each window ``w`` in ``WINDOWS`` (3 and 7 days) ending on ``t``, the tail probability
  ``P(X >= x_w)`` of the count ``x_w`` observed. An escalation is raised on a day that brings incidents
  when some window's tail is below ``escalation_alarms_per_year / (D * len(WINDOWS))``, where
  ``D = 365 * (1 - exp(-rate))`` is the number of days a year that bring incidents at the baseline rate:
  a Bonferroni bound that spreads a yearly false-alarm budget over the tests the region will make (a
  quiet region tests on a few days a year and may spend more on each; a busy one tests most days). The
  short window catches a sudden burst within days, the week a sustained rise. A window counts only with
  at least ``MIN_INCIDENTS`` (2) incidents: one incident is never an escalation. No escalation is raised
  before ``MIN_HISTORY_DAYS`` days of baseline (days count from the first incident of the series, so
  that a region's history starts when the store's does).
- Raised once: while it stands no new one is raised for the region. It clears on the first day, once the
  window that raised it has passed, that the last seven days' count is no longer improbable (tail >=
  ``escalation_clear_alpha``): activity fell back.

The evidence of a raise names the window, its count, the count expected from the baseline, the tail
probability and the baseline itself; the store adds the incidents of the window. ``bench/escalation.py``
measures recall, delay and false alarms against a fixed threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHOD = "risk.escalation.nb.v1"
WINDOWS = (3, 7)
PRIOR_INCIDENTS = 1.0
PRIOR_DAYS = 7.0
MIN_HISTORY_DAYS = 28
MIN_INCIDENTS = 2  # an escalation rests on at least two incidents, however quiet the region


@dataclass(frozen=True)
class Params:
    alarms_per_year: float = 0.35
    clear_alpha: float = 0.05
    baseline_days: int = 365
    windows: tuple[int, ...] = WINDOWS
    prior_incidents: float = PRIOR_INCIDENTS
    prior_days: float = PRIOR_DAYS
    min_history_days: int = MIN_HISTORY_DAYS
    min_incidents: int = MIN_INCIDENTS

    @classmethod
    def from_settings(cls) -> Params:
        from vedette.config import get_settings

        s = get_settings()
        return cls(s.escalation_alarms_per_year, s.escalation_clear_alpha, s.escalation_baseline_days)


@dataclass
class Raise:
    raised: int  # day index (column of the counts matrix)
    cleared: int | None = None
    evidence: dict = field(default_factory=dict)


def nb_tail(x: np.ndarray, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X >= x) for X ~ NB(r, p) (pmf(k) = C(k + r - 1, k) p^r (1 - p)^k), element-wise."""
    x = np.asarray(x, dtype=np.int64)
    out = np.ones(x.shape, dtype=np.float64)
    if x.size == 0:
        return out
    pmf = np.exp(r * np.log(p))
    cdf = np.zeros_like(pmf)
    q = 1.0 - p
    for k in range(int(x.max())):
        live = x > k
        if not live.any():
            break
        cdf = np.where(live, cdf + pmf, cdf)
        pmf = pmf * (k + r) / (k + 1) * q
    return np.clip(np.where(x > 0, 1.0 - cdf, 1.0), 0.0, 1.0)


def _baseline(cum: np.ndarray, t: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(incidents, days) of the baseline before the 7 days ending on each day ``t``."""
    guard = max(params.windows)
    end = t - guard  # last baseline day
    start = np.maximum(end - params.baseline_days + 1, 0)
    days = np.maximum(end - start + 1, 0)
    c_end = np.where(end >= 0, cum[..., np.maximum(end, 0)], 0)
    c_start = np.where(start > 0, cum[..., np.maximum(start - 1, 0)], 0)
    return np.where(days > 0, c_end - c_start, 0), days


def detect(counts: np.ndarray, params: Params | None = None) -> list[list[Raise]]:
    """Escalations of each region (row) of a regions x days matrix of daily incident counts."""
    params = params or Params()
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError("counts: regions x days")
    n_reg, n_days = counts.shape
    cum = np.cumsum(counts, axis=1)
    t = np.arange(n_days)
    base_n, base_days = _baseline(cum, t, params)  # regions x days, days
    a = params.prior_incidents + base_n
    b = np.broadcast_to(params.prior_days + base_days[None, :], a.shape)

    def window(w: int) -> np.ndarray:
        before = np.zeros_like(cum)
        before[:, w:] = cum[:, :-w]
        return cum - before

    # raise candidates: days that bring incidents; the smallest tail over the windows, and which window
    best_p = np.ones((n_reg, n_days))
    best_w = np.zeros((n_reg, n_days), dtype=np.int64)
    cand = counts > 0
    ri, di = np.nonzero(cand)
    for w in params.windows:
        x = window(w)[ri, di]
        p = np.where(x >= params.min_incidents, nb_tail(x, a[ri, di], b[ri, di] / (b[ri, di] + w)), 1.0)
        better = p < best_p[ri, di]
        best_p[ri[better], di[better]] = p[better]
        best_w[ri[better], di[better]] = w
    # the yearly false-alarm budget spread over the days that bring incidents (Bonferroni): a quiet region
    # tests a few days a year and may spend more on each, a busy one tests most days
    test_days = 365.0 * -np.expm1(-a / b)
    threshold = params.alarms_per_year / (np.maximum(test_days, 1.0) * len(params.windows))
    raise_ok = (best_p < threshold) & (base_days >= params.min_history_days)[None, :]
    # clearing: the last seven days' tail (1 where the window is empty)
    x7 = window(7)
    clear_p = np.ones((n_reg, n_days))
    ci, cj = np.nonzero(x7 > 0)
    clear_p[ci, cj] = nb_tail(x7[ci, cj], a[ci, cj], b[ci, cj] / (b[ci, cj] + 7))
    calm = clear_p >= params.clear_alpha

    out: list[list[Raise]] = []
    for r in range(n_reg):
        found: list[Raise] = []
        raises = np.flatnonzero(raise_ok[r])
        day = -1
        for d in raises.tolist():
            if d <= day:
                continue  # the escalation raised earlier still stands
            w = int(best_w[r, d])
            found.append(Raise(d, evidence={
                "window_days": w,
                "incidents": int(cum[r, d] - (cum[r, d - w] if d >= w else 0)),
                "expected": round(float(a[r, d] * w / b[r, d]), 3),
                "tail_probability": float(f"{best_p[r, d]:.3g}"),
                "baseline_incidents": int(base_n[r, d]),
                "baseline_days": int(base_days[d]),
                "threshold": float(f"{threshold[r, d]:.3g}"),
            }))
            hold = d + max(params.windows)  # the window that raised it has passed
            later = np.flatnonzero(calm[r, hold:])
            if later.size:
                day = hold + int(later[0])
                found[-1].cleared = day
            else:
                day = n_days  # still standing at the end of the series
        out.append(found)
    return out


def fixed_threshold(counts: np.ndarray, threshold: int, window_days: int = 7) -> list[list[Raise]]:
    """The baseline detector: raised when the last ``window_days`` hold ``threshold`` incidents or more,
    cleared when they hold fewer."""
    counts = np.asarray(counts, dtype=np.int64)
    cum = np.cumsum(counts, axis=1)
    before = np.zeros_like(cum)
    before[:, window_days:] = cum[:, :-window_days]
    high = (cum - before) >= threshold
    out = []
    for r in range(counts.shape[0]):
        found: list[Raise] = []
        row = high[r]
        edges = np.flatnonzero(np.diff(np.r_[0, row.astype(np.int8), 0]))
        for s, e in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            found.append(Raise(s, e if e < counts.shape[1] else None, {"threshold": threshold}))
        out.append(found)
    return out
