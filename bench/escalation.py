"""Escalation detection (``risk.escalation.nb.v1``, risk/escalation.py) on simulated regions, against a
fixed-threshold baseline in the same run.

Simulation: 1,000 regions over two years (730 days). Each region has a background rate drawn uniformly
between 0.1 and 5 incidents a week (daily counts Poisson). Half of the regions get one surge: seven days at
six times the region's rate, with at least four incidents (when the draw gives fewer, incidents are added
on random surge days). A surge starts on a day drawn uniformly from day 56 (eight weeks of history) to the
last day that leaves it whole.

Figures:
- recall: share of surges detected within their seven days (an escalation raised on a surge day);
- median delay: days from the surge's first day to the raise, over the surges detected;
- false alarms per region-year: escalations raised outside any surge's seven days, over 2,000
  region-years.
Baseline: a fixed threshold (raised when the last seven days hold ``THRESHOLD`` incidents or more, the
same number for every region).

    .venv/bin/python bench/escalation.py
"""

from __future__ import annotations

import json
import statistics
import time

import numpy as np

from vedette.risk.escalation import Params, detect, fixed_threshold

REGIONS = 1000
DAYS = 730
SURGE_DAYS = 7
SURGE_FACTOR = 6
SURGE_MIN = 4
WARMUP = 56
THRESHOLD = 8
SEED = 2012


def simulate(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    weekly = rng.uniform(0.1, 5.0, REGIONS)
    counts = rng.poisson(np.repeat((weekly / 7)[:, None], DAYS, axis=1))
    surge = np.full(REGIONS, -1)
    for r in rng.choice(REGIONS, REGIONS // 2, replace=False):
        s = int(rng.integers(WARMUP, DAYS - SURGE_DAYS + 1))
        burst = rng.poisson(SURGE_FACTOR * weekly[r] / 7, SURGE_DAYS)
        while burst.sum() < SURGE_MIN:
            burst[rng.integers(0, SURGE_DAYS)] += 1
        counts[r, s : s + SURGE_DAYS] = burst
        surge[r] = s
    return counts, surge


def score(found: list, surge: np.ndarray) -> dict:
    detected, delays, false = 0, [], 0
    for r, raises in enumerate(found):
        s = int(surge[r])
        hit = None
        for x in raises:
            if s >= 0 and s <= x.raised < s + SURGE_DAYS:
                hit = x.raised if hit is None else hit
            else:
                false += 1
        if s >= 0 and hit is not None:
            detected += 1
            delays.append(hit - s)
    n_surges = int((surge >= 0).sum())
    return {
        "recall": round(detected / n_surges, 4),
        "median_delay_days": float(statistics.median(delays)) if delays else None,
        "false_alarms_per_region_year": round(false / (REGIONS * DAYS / 365), 4),
    }


def main() -> None:
    rng = np.random.default_rng(SEED)
    counts, surge = simulate(rng)
    print(f"{REGIONS} regions x {DAYS} days, {int((surge >= 0).sum())} surges, {int(counts.sum()):,} incidents")
    t = time.perf_counter()
    ours = score(detect(counts, Params()), surge)
    dt = time.perf_counter() - t
    base = score(fixed_threshold(counts, THRESHOLD), surge)
    print(f"negative-binomial tail test: {ours} ({dt:.2f} s)")
    print(f"fixed threshold ({THRESHOLD} incidents in 7 days): {base}")
    print(json.dumps({**ours, **{f"baseline_{k}": v for k, v in base.items()}}))


if __name__ == "__main__":
    main()
