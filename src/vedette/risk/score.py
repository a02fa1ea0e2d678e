"""Risk score per country and admin-1 region from incidents (scorer ``risk.score.v1``).

For an area and a day ``as_of`` (the incidents' clock: by default the date of the newest incident counted):

- each incident of the area dated at most ``risk_horizon_days`` before ``as_of`` weighs
  ``points[severity] * 2 ** (-age_days / risk_half_life_days)`` (``risk_severity_points``: 1, 2, 4, 8, 16
  for severities 1-5 by default; incidents dated after ``as_of`` do not count);
- ``raw`` is the sum of the weights, and ``score = 100 * (1 - exp(-raw / risk_saturation))`` (0-100);
- the trend compares the count ``n`` of the last 7 days and of the last 30 days with the count expected
  from the 90 days before each (``e = b * days / 90``) as ``(n + 1) / (e + 1)`` (the ones keep a quiet
  area from "rising" on one incident): rising when the ratio reaches ``risk_trend_ratio`` and at least
  two incidents are recent, falling at the inverse ratio with at least two in the baseline, else steady;
- the score is explained by the ``risk_top_incidents`` incidents that weigh most.

A month-precise date counts as the 15th, a year-precise one as 1 July; undated incidents do not count.
``compute`` is vectorised (one pass over all areas); ``ScoreIndex`` keeps the sums so that one new
incident updates its country and region in constant time.
"""

from __future__ import annotations

import math
from bisect import insort
from dataclasses import dataclass, field
from datetime import date

import numpy as np

SCORER = "risk.score.v1"


@dataclass(frozen=True)
class Weights:
    half_life_days: float = 30.0
    horizon_days: int = 365
    severity_points: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    saturation: float = 40.0
    trend_ratio: float = 1.5
    top_n: int = 5

    @classmethod
    def from_settings(cls) -> Weights:
        from vedette.config import get_settings

        s = get_settings()
        return cls(
            s.risk_half_life_days,
            s.risk_horizon_days,
            tuple(s.risk_severity_points),
            s.risk_saturation,
            s.risk_trend_ratio,
            s.risk_top_incidents,
        )

    def as_dict(self) -> dict:
        return {
            "half_life_days": self.half_life_days,
            "horizon_days": self.horizon_days,
            "severity_points": list(self.severity_points),
            "saturation": self.saturation,
            "trend_ratio": self.trend_ratio,
            "top_n": self.top_n,
        }


def day_of(value: str | None) -> int | None:
    """The day number (proleptic ordinal) of an incident date: YYYY-MM-DD, YYYY-MM (15th) or YYYY (1 July)."""
    if not value:
        return None
    try:
        if len(value) >= 10:
            return date.fromisoformat(value[:10]).toordinal()
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 15).toordinal()
        if len(value) == 4:
            return date(int(value), 7, 1).toordinal()
    except ValueError:
        return None
    return None


@dataclass
class AreaScore:
    country: str
    admin1: str  # "" for the country itself, else the ISO 3166-2 code
    as_of: int
    raw: float = 0.0
    incidents: int = 0
    n7: int = 0
    n30: int = 0
    base7: int = 0  # incidents in the 90 days before the last 7
    base30: int = 0  # incidents in the 90 days before the last 30
    top: list[tuple[float, int, int, int]] = field(default_factory=list)  # (-weight, id, day, severity)

    def add(self, incident_id: int, day: int, severity: int, w: Weights) -> bool:
        """One more incident of this area, dated at most ``as_of`` (constant time); False when it is past
        the horizon (it weighs nothing)."""
        age = self.as_of - day
        if age < 0 or age > w.horizon_days:
            return False
        sev = min(max(int(severity), 1), 5)
        weight = float(w.severity_points[sev - 1] * np.exp2(-age / w.half_life_days))
        self.raw += weight
        self.incidents += 1
        self.n7 += age < 7
        self.n30 += age < 30
        self.base7 += 7 <= age < 97
        self.base30 += 30 <= age < 120
        if len(self.top) < w.top_n or (-weight, incident_id) < self.top[-1][:2]:
            insort(self.top, (-weight, incident_id, day, sev))
            del self.top[w.top_n :]
        return True

    @classmethod
    def from_dict(cls, d: dict) -> AreaScore:
        """Back from ``as_dict`` (a stored score), so that it can be updated in place."""
        t = d.get("trend") or {}
        return cls(
            d["country"], d["admin1"] or "", date.fromisoformat(d["as_of"]).toordinal(), float(d["raw"]),
            int(d["incidents"]), t.get("7d", {}).get("incidents", 0), t.get("30d", {}).get("incidents", 0),
            t.get("7d", {}).get("baseline_incidents_90d", 0), t.get("30d", {}).get("baseline_incidents_90d", 0),
            [(-float(e["weight"]), int(e["incident_id"]), date.fromisoformat(e["date"]).toordinal(),
              int(e["severity"])) for e in d.get("explained") or []],
        )

    def score(self, w: Weights) -> float:
        return round(100.0 * (1.0 - math.exp(-self.raw / w.saturation)), 2)

    def trend(self, w: Weights) -> dict:
        out = {}
        for name, n, days, b in (("7d", self.n7, 7, self.base7), ("30d", self.n30, 30, self.base30)):
            expected = b * days / 90
            ratio = (n + 1) / (expected + 1)
            direction = (
                "rising" if ratio >= w.trend_ratio and n >= 2
                else "falling" if ratio <= 1 / w.trend_ratio and b >= 2
                else "steady"
            )
            out[name] = {
                "incidents": n, "baseline_incidents_90d": b, "expected": round(expected, 2), "ratio": round(ratio, 2),
                "direction": direction,
            }
        return out

    def as_dict(self, w: Weights) -> dict:
        return {
            "scorer": SCORER,
            "country": self.country,
            "admin1": self.admin1,
            "as_of": date.fromordinal(self.as_of).isoformat(),
            "score": self.score(w),
            "raw": round(self.raw, 4),
            "incidents": self.incidents,
            "trend": self.trend(w),
            "explained": [
                {"incident_id": i, "date": date.fromordinal(d).isoformat(), "severity": s, "weight": round(-nw, 4)}
                for nw, i, d, s in self.top
            ],
        }


class Incidents:
    """Incidents in columns: ids, day numbers, severities, and each one's country and region area index."""

    def __init__(self) -> None:
        self.areas: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        self.ids: list[int] = []
        self.days: list[int] = []
        self.sev: list[int] = []
        self.c_idx: list[int] = []
        self.r_idx: list[int] = []

    def area(self, key: tuple[str, str]) -> int:
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.areas)
            self.areas.append(key)
        return i

    def add(self, incident_id: int, day: int, severity: int, country: str, region: str | None) -> None:
        self.ids.append(incident_id)
        self.days.append(day)
        self.sev.append(min(max(int(severity), 1), 5))
        self.c_idx.append(self.area((country, "")))
        self.r_idx.append(self.area((country, region)) if region else -1)

    @classmethod
    def from_arrays(
        cls, ids: np.ndarray, days: np.ndarray, sev: np.ndarray, areas: list[tuple[str, str]],
        c_idx: np.ndarray, r_idx: np.ndarray,
    ) -> Incidents:
        inc = cls()
        inc.areas = list(areas)
        inc.index = {a: i for i, a in enumerate(inc.areas)}
        inc.ids, inc.days, inc.sev = ids, days, sev
        inc.c_idx, inc.r_idx = c_idx, r_idx
        return inc

    def __len__(self) -> int:
        return len(self.ids)


def _windows(age: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "n7": age < 7,
        "n30": age < 30,
        "base7": (age >= 7) & (age < 97),
        "base30": (age >= 30) & (age < 120),
    }


def compute(inc: Incidents, as_of: int, w: Weights) -> dict[tuple[str, str], AreaScore]:
    """Scores of every area with at least one incident within the horizon, as of day ``as_of``."""
    ids = np.asarray(inc.ids, dtype=np.int64)
    days = np.asarray(inc.days, dtype=np.int64)
    sev = np.asarray(inc.sev, dtype=np.int64)
    c_idx = np.asarray(inc.c_idx, dtype=np.int64)
    r_idx = np.asarray(inc.r_idx, dtype=np.int64)
    points = np.asarray(w.severity_points, dtype=np.float64)
    age = as_of - days
    keep = (age >= 0) & (age <= w.horizon_days)
    weight = points[np.clip(sev, 1, 5) - 1] * np.exp2(-age / w.half_life_days)
    # every incident counts for its country and, when it has one, its region
    has_r = keep & (r_idx >= 0)
    area = np.concatenate([c_idx[keep], r_idx[has_r]])
    sel = np.concatenate([np.flatnonzero(keep), np.flatnonzero(has_r)])
    n_areas = len(inc.areas)
    a_w, a_age = weight[sel], age[sel]
    raw = np.bincount(area, a_w, minlength=n_areas)
    count = np.bincount(area, minlength=n_areas)
    wins = {k: np.bincount(area, m.astype(np.float64), minlength=n_areas) for k, m in _windows(a_age).items()}
    # the heaviest incidents of each area: sort by (area, -weight), keep the first top_n of each run
    order = np.lexsort((ids[sel], -a_w, area))
    sorted_area = area[order]
    starts = np.flatnonzero(np.r_[True, sorted_area[1:] != sorted_area[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(sorted_area)]))
    top = order[(np.arange(len(order)) - run_start) < w.top_n]
    out: dict[tuple[str, str], AreaScore] = {}
    for a in np.flatnonzero(count):
        cc, region = inc.areas[a]
        out[(cc, region)] = AreaScore(
            cc, region, as_of, float(raw[a]), int(count[a]),
            int(wins["n7"][a]), int(wins["n30"][a]), int(wins["base7"][a]), int(wins["base30"][a]),
        )
    t_area, t_w, t_id = area[top], a_w[top], ids[sel][top]
    t_day, t_sev = days[sel][top], sev[sel][top]
    for a, wt, i, d, s in zip(t_area.tolist(), t_w.tolist(), t_id.tolist(), t_day.tolist(), t_sev.tolist(),
                              strict=True):
        out[inc.areas[a]].top.append((-wt, i, d, s))
    return out


class ScoreIndex:
    """Scores kept up to date incident by incident: a new incident dated on or before ``as_of`` adds its
    weight, its window counts and (if it weighs enough) its place among the heaviest to its country and
    region (constant time); one dated after ``as_of`` moves the clock, which decays every area: a full
    ``compute``."""

    def __init__(self, inc: Incidents, as_of: int, w: Weights) -> None:
        self.inc, self.as_of, self.w = inc, as_of, w
        self.scores = compute(inc, as_of, w)

    def add(self, incident_id: int, day: int, severity: int, country: str, region: str | None) -> list[AreaScore]:
        """Add one incident; returns the areas whose score changed."""
        if isinstance(self.inc.ids, np.ndarray):  # built from arrays: back to lists for appending
            for name in ("ids", "days", "sev", "c_idx", "r_idx"):
                setattr(self.inc, name, getattr(self.inc, name).tolist())
        self.inc.add(incident_id, day, severity, country, region)
        if day > self.as_of:
            self.as_of = day
            self.scores = compute(self.inc, day, self.w)
            return list(self.scores.values())
        if self.as_of - day > self.w.horizon_days:
            return []
        sev = min(max(int(severity), 1), 5)
        changed = []
        for key in ((country, ""), (country, region)) if region else ((country, ""),):
            s = self.scores.get(key)
            if s is None:
                s = self.scores[key] = AreaScore(key[0], key[1], self.as_of)
            s.add(incident_id, day, sev, self.w)
            changed.append(s)
        return changed
