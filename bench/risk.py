"""Risk scores (``risk.score.v1``): a full recompute of every country and admin-1 region from 100,000
incidents (goal < 1 s), and the update after one new incident through ``ScoreIndex`` (goal < 10 ms), beside
the baseline of recomputing everything from scratch after that one incident, measured in the same run.

Synthetic incidents: 60 countries of 12 regions each (a tenth without a region), two years of dates,
severities 1-5. The scorer's own work is timed (the store's reads and writes are not). With ``--store``,
the same 100,000 incidents are also written to a temporary SQLite store (real country and region names)
and ``scores.compute_for`` is timed end to end: reading the counted incidents, their evidence and edits,
severity by the table, regions by code, the scores (printed, not in the JSON line).

    .venv/bin/python bench/risk.py [--store]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

from vedette.risk.score import Incidents, ScoreIndex, Weights, compute

N = 100_000
COUNTRIES = 60
REGIONS = 12
DAYS = 730
SEED = 14


def synthetic(rng: np.random.Generator) -> tuple[Incidents, int]:
    areas: list[tuple[str, str]] = []
    for c in range(COUNTRIES):
        cc = f"{chr(65 + c // 26)}{chr(65 + c % 26)}"
        areas.append((cc, ""))
        areas += [(cc, f"{cc}-{r}") for r in range(REGIONS)]
    country = rng.integers(0, COUNTRIES, N)
    region = rng.integers(0, REGIONS, N)
    c_idx = country * (REGIONS + 1)
    r_idx = np.where(rng.random(N) < 0.9, c_idx + 1 + region, -1)
    start = 738_000
    days = start + rng.integers(0, DAYS, N)
    sev = rng.choice(np.arange(1, 6), N, p=[0.3, 0.3, 0.2, 0.12, 0.08])
    ids = np.arange(1, N + 1)
    return Incidents.from_arrays(ids, days, sev, areas, c_idx, r_idx), start + DAYS - 1


def main() -> None:
    rng = np.random.default_rng(SEED)
    inc, as_of = synthetic(rng)
    w = Weights()
    compute(inc, as_of, w)  # warm-up (imports, allocator)
    full = []
    for _ in range(5):
        t = time.perf_counter()
        scores = compute(inc, as_of, w)
        full.append(time.perf_counter() - t)
    full_s = statistics.median(full)
    print(f"full recompute: {len(inc):,} incidents -> {len(scores):,} areas in {full_s * 1000:.1f} ms (median of 5)")

    index = ScoreIndex(inc, as_of, w)
    one, base = [], []
    for k in range(200):
        cc = f"{chr(65 + k % COUNTRIES // 26)}{chr(65 + k % COUNTRIES % 26)}"
        day = as_of - int(rng.integers(0, 200))
        t = time.perf_counter()
        changed = index.add(N + 1 + k, day, int(rng.integers(1, 6)), cc, f"{cc}-{k % REGIONS}")
        one.append(time.perf_counter() - t)
        assert len(changed) == 2
    for _ in range(5):  # baseline: the same one new incident, then everything from scratch
        t = time.perf_counter()
        fresh = compute(index.inc, as_of, w)
        base.append(time.perf_counter() - t)
    # the incremental scores are the scores a recompute gives
    worst = max(abs(fresh[k].raw - index.scores[k].raw) for k in fresh)
    assert worst < 1e-6 and all(fresh[k].top == index.scores[k].top for k in fresh), worst
    one_ms, base_ms = statistics.median(one) * 1000, statistics.median(base) * 1000
    print(f"one new incident: {one_ms:.3f} ms (median of 200; its country and region updated)")
    print(f"baseline, recompute from scratch after one incident: {base_ms:.1f} ms (median of 5)")
    print(f"incremental scores equal the recomputed ones (largest difference {worst:.2e})")
    print(json.dumps({
        "full_recompute_s": round(full_s, 4),
        "one_incident_ms": round(one_ms, 4),
        "baseline_one_incident_ms": round(base_ms, 2),
    }))


def from_store() -> None:
    import random
    from datetime import date, timedelta

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VEDETTE_VAR_DIR"] = tmp
        os.environ.pop("VEDETTE_DATABASE_URL", None)
        from vedette.config import get_settings
        from vedette.incidents.models import Incident
        from vedette.risk import areas, scores
        from vedette.store.db import get_engine, session_scope
        from vedette.store.migrate import upgrade

        url = get_settings().effective_database_url
        upgrade(url)
        rng = random.Random(SEED)
        regions = [(cc, label) for cc in ("ML", "NE", "BF", "NG", "TD", "CM", "SD", "SO", "YE", "HT")
                   for _code, label, _lat, _lon in areas.regions_of(cc)]
        cats = ["armed_conflict", "terrorism", "civil_unrest", "coup", "kidnapping", "crime", "political"]
        start = date(2023, 1, 1)
        rows = []
        for _ in range(N):
            cc, label = rng.choice(regions)
            rows.append({
                "date": (start + timedelta(days=rng.randrange(DAYS))).isoformat(), "country": cc, "admin1": label,
                "category": rng.choice(cats), "killed": rng.choice([None, None, 1, 3, 12]), "actors": [],
                "summary": f"Armed men attacked {rng.choice(['a market', 'a convoy', 'a village'])} in {label}.",
                "date_certain": True, "locked": False,
            })
        with get_engine(url).begin() as conn:
            conn.execute(Incident.__table__.insert(), rows)
        with session_scope(url) as s:
            scores.compute_for(s, "ML")  # warm-up: gazetteer regions, imports
            t = time.perf_counter()
            out = scores.compute_for(s)
            dt = time.perf_counter() - t
            t = time.perf_counter()
            scores.recompute(s)
            stored_s = time.perf_counter() - t
            s.commit()
            cc, label = regions[0]
            one = Incident(date=(start + timedelta(days=DAYS - 3)).isoformat(), country=cc, admin1=label,
                           category="terrorism", killed=4, summary="Armed men attacked a hotel.", actors=[])
            s.add(one)
            s.flush()
            t = time.perf_counter()
            changed = scores.add_incident(s, one.id)
            add_ms = (time.perf_counter() - t) * 1000
        print(f"from the store (SQLite): {N:,} incidents -> {len(out)} areas in {dt:.2f} s "
              f"(read, severity, regions, scores); recompute and store {stored_s:.2f} s; one new incident "
              f"updates {changed} stored areas in {add_ms:.1f} ms (scores.add_incident)")


if __name__ == "__main__":
    if "--store" in sys.argv:
        from_store()
    main()
