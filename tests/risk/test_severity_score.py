"""Severity from the documented table, the risk score (risk.score.v1) and its incremental index."""

from __future__ import annotations

import math
import random
from datetime import date

import pytest

from vedette.risk.score import SCORER, Incidents, ScoreIndex, Weights, compute, day_of
from vedette.risk.severity import severity, table


def test_every_extracted_category_has_a_base_severity() -> None:
    from pathlib import Path

    import vedette.intake

    cats = set()
    for lang in ("en", "fr"):
        path = Path(vedette.intake.__file__).with_name("lang") / lang / "categories.tsv"
        cats |= {ln.split("\t")[0] for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")}
    assert cats and cats <= set(table().base), cats - set(table().base)


def test_severity_steps_are_explained() -> None:
    quiet = severity("political")
    assert quiet.value == 1 and quiet.steps == ["base political: 1"]
    coup = severity("coup", killed=12)
    assert coup.value == 5 and any(s.startswith("killed 12 >= 10") for s in coup.steps) and "capped: 5" in coup.steps
    # the highest of killed / injured / hostages counts, not their sum
    mixed = severity("civil_unrest", killed=1, injured=15, hostages=0)
    assert mixed.value == 3
    kidnap = severity("kidnapping", hostages=2)
    assert kidnap.value == 4 and kidnap.steps[-1].startswith("hostages 2 >= 1")
    target = severity("terrorism", texts=("Gunmen attacked a hotel used by foreigners.",))
    assert target.value == 4 and target.steps[-1].startswith("target soft (hotel)")
    assert severity("no such category").value == 1
    assert severity(None).value == 1


def _hand_score(items: list[tuple[int, int, int]], as_of: int, w: Weights) -> float:
    raw = sum(w.severity_points[s - 1] * 2 ** (-(as_of - d) / w.half_life_days)
              for _i, d, s in items if 0 <= as_of - d <= w.horizon_days)
    return raw


def test_score_is_decayed_severity_with_trend_and_explanation() -> None:
    w = Weights()
    today = date(2024, 6, 30).toordinal()
    inc = Incidents()
    items = [(1, today, 5), (2, today - 30, 5), (3, today - 400, 5), (4, today + 3, 5), (5, today - 3, 2)]
    for i, d, s in items:
        inc.add(i, d, s, "ML", "ML-BKO" if i != 5 else None)
    scores = compute(inc, today, w)
    country, region = scores[("ML", "")], scores[("ML", "ML-BKO")]
    # one incident at full weight, one a half-life old, one past the horizon, one after as_of (ignored)
    assert region.raw == pytest.approx(16 + 8)
    assert country.raw == pytest.approx(_hand_score(items, today, w))
    assert region.incidents == 2 and country.incidents == 3
    view = region.as_dict(w)
    assert view["scorer"] == SCORER and view["as_of"] == "2024-06-30"
    assert view["score"] == pytest.approx(round(100 * (1 - math.exp(-24 / w.saturation)), 2))
    assert [e["incident_id"] for e in view["explained"]] == [1, 2]


def test_trend_rises_and_falls() -> None:
    w = Weights()
    today = date(2024, 6, 30).toordinal()
    rising, falling = Incidents(), Incidents()
    for k in range(6):
        rising.add(k + 1, today - k, 2, "AA", None)  # six in the last week
    rising.add(99, today - 60, 2, "AA", None)  # one before
    for k in range(20):
        falling.add(100 + k, today - 40 - 3 * k, 2, "BB", None)  # busy months ago, quiet now
    up = compute(rising, today, w)[("AA", "")].trend(w)
    down = compute(falling, today, w)[("BB", "")].trend(w)
    assert up["7d"]["direction"] == "rising" and up["7d"]["incidents"] == 6
    assert down["30d"]["direction"] == "falling" and down["30d"]["incidents"] == 0
    assert down["30d"]["baseline_incidents_90d"] == 20


def test_incremental_index_matches_a_full_recompute() -> None:
    rng = random.Random(7)
    w = Weights(top_n=3)
    today = date(2024, 1, 1).toordinal()
    inc = Incidents()
    for i in range(500):
        cc = rng.choice(["ML", "NE", "BF"])
        inc.add(i, today - rng.randrange(400), rng.randrange(1, 6), cc, f"{cc}-{rng.randrange(3)}")
    index = ScoreIndex(inc, today, w)
    for i in range(500, 560):
        cc = rng.choice(["ML", "NE", "BF", "TD"])
        changed = index.add(i, today - rng.randrange(200), rng.randrange(1, 6), cc, f"{cc}-{rng.randrange(3)}")
        assert {(s.country, s.admin1) for s in changed} == {(cc, ""), (cc, changed[1].admin1)}
    fresh = compute(index.inc, today, w)
    assert set(fresh) == set(index.scores)
    for key, s in fresh.items():
        got = index.scores[key]
        assert got.raw == pytest.approx(s.raw) and [t[1:] for t in got.top] == [t[1:] for t in s.top]
        assert (got.n7, got.n30, got.base7, got.base30, got.incidents) == (s.n7, s.n30, s.base7, s.base30, s.incidents)
    # an incident after the clock moves it: everything decays (a full recompute)
    later = index.add(999, today + 10, 3, "ML", "ML-0")
    assert index.as_of == today + 10 and len(later) == len(index.scores)


def test_dates_of_every_precision() -> None:
    assert day_of("2012-03-22") == date(2012, 3, 22).toordinal()
    assert day_of("2012-03") == date(2012, 3, 15).toordinal()
    assert day_of("2012") == date(2012, 7, 1).toordinal()
    assert day_of(None) is None and day_of("2012-13") is None


def test_weights_come_from_settings(settings_env, monkeypatch) -> None:
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_RISK_SEVERITY_POINTS", "1,1,1,1,10")
    monkeypatch.setenv("VEDETTE_RISK_HALF_LIFE_DAYS", "7")
    get_settings.cache_clear()
    try:
        w = Weights.from_settings()
        assert w.severity_points == (1, 1, 1, 1, 10) and w.half_life_days == 7
        monkeypatch.setenv("VEDETTE_RISK_SEVERITY_POINTS", "1,2")
        get_settings.cache_clear()
        with pytest.raises(ValueError):
            get_settings()
    finally:
        get_settings.cache_clear()
