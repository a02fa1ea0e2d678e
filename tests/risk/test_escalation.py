"""The escalation test (risk.escalation.nb.v1): negative-binomial tail, raised once, cleared."""

from __future__ import annotations

import math

import numpy as np

from vedette.risk.escalation import Params, detect, fixed_threshold, nb_tail


def _nb_tail_direct(x: int, r: float, p: float) -> float:
    cdf = sum(math.exp(math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log(p)
                       + k * math.log(1 - p)) for k in range(x))
    return 1.0 - cdf


def test_nb_tail_matches_the_formula() -> None:
    xs = np.array([0, 1, 2, 5, 9, 20])
    rs = np.array([1.0, 2.5, 3.0, 40.0, 7.0, 12.0])
    ps = np.array([0.9, 0.8, 0.95, 0.99, 0.7, 0.97])
    got = nb_tail(xs, rs, ps)
    for x, r, p, g in zip(xs, rs, ps, got, strict=True):
        assert abs(g - _nb_tail_direct(int(x), float(r), float(p))) < 1e-9


def _series(rate_per_week: float, days: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate_per_week / 7, days)


def test_a_surge_is_raised_once_with_evidence_and_cleared() -> None:
    quiet = _series(1.0, 300, 1)
    surged = quiet.copy()
    surged[200:207] = [2, 1, 3, 2, 1, 2, 2]  # 13 incidents in a week where one is usual
    found = detect(np.vstack([quiet, surged]))
    assert found[0] == []
    raises = [x for x in found[1] if 200 <= x.raised < 207]
    assert len(raises) == 1
    x = raises[0]
    assert x.cleared is not None and x.cleared > 206  # activity fell back afterwards
    ev = x.evidence
    assert ev["incidents"] >= 3 and ev["expected"] < ev["incidents"] and ev["tail_probability"] < ev["threshold"]
    assert ev["window_days"] in Params().windows


def test_the_test_is_relative_to_the_region_not_a_fixed_count() -> None:
    busy = _series(35.0, 300, 2)  # five a day
    quiet = np.zeros(300, dtype=np.int64)
    quiet[[20, 90, 160]] = 1
    quiet[250:253] = [2, 2, 1]  # five in three days
    found = detect(np.vstack([busy, quiet]))
    assert not [x for x in found[0] if x.raised > 60]  # a busy region's ordinary days raise nothing
    assert [x.raised for x in found[1]][:1] and 250 <= found[1][0].raised <= 252
    # a fixed threshold stands raised over the busy region's ordinary weeks
    fixed = fixed_threshold(np.vstack([busy]), 8)[0]
    assert fixed and fixed[0].raised < 10


def test_no_raise_before_a_baseline_exists() -> None:
    counts = np.zeros((1, 40), dtype=np.int64)
    counts[0, 5:8] = 4
    assert detect(counts, Params())[0] == []
