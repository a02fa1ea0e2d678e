"""Severity 1-5 of an incident, from its category, casualties, hostages and target, by the documented table
of ``data/severity.tsv``, with the steps that decided it. Derived from the stored incident (and its evidence
sentences when given): extraction records stay as they are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
SEVERITY = "risk.severity.v1"


@dataclass(frozen=True)
class _Table:
    base: dict[str, tuple[int, str]]
    steps: dict[str, list[tuple[int, int, str]]]  # kind -> [(threshold, points, note)], highest threshold first
    targets: list[tuple[str, int, re.Pattern[str]]]


@dataclass
class Severity:
    value: int
    steps: list[str] = field(default_factory=list)
    scheme: str = SEVERITY

    def as_dict(self) -> dict:
        return {"severity": self.value, "explained": self.steps, "scheme": self.scheme}


@lru_cache(maxsize=1)
def table() -> _Table:
    base: dict[str, tuple[int, str]] = {}
    steps: dict[str, list[tuple[int, int, str]]] = {"killed": [], "injured": [], "hostages": []}
    targets: list[tuple[str, int, re.Pattern[str]]] = []
    for n, line in enumerate((DATA / "severity.tsv").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, key, points, note = line.split("\t")
        if kind == "base":
            base[key] = (int(points), note)
        elif kind in steps:
            steps[kind].append((int(key), int(points), note))
        elif kind == "target":
            targets.append((key, int(points), re.compile(note, re.I)))
        else:
            raise ValueError(f"severity.tsv line {n}: unknown kind {kind!r}")
    for rows in steps.values():
        rows.sort(reverse=True)
    return _Table(base, steps, targets)


def severity(
    category: str | None,
    killed: int | None = None,
    injured: int | None = None,
    hostages: int | None = None,
    texts: tuple[str | None, ...] = (),
) -> Severity:
    """The severity of one incident and the steps that decided it; ``texts``: its summary and evidence."""
    t = table()
    cat = category or "other"
    points, _note = t.base.get(cat, t.base["*"])
    steps = [f"base {cat}: {points}"]
    best, best_step = 0, ""
    for kind, count in (("killed", killed), ("injured", injured), ("hostages", hostages)):
        for threshold, pts, _n in t.steps[kind]:
            if (count or 0) >= threshold:
                if pts > best:
                    best, best_step = pts, f"{kind} {count} >= {threshold}: +{pts}"
                break
    if best:
        steps.append(best_step)
    joined = " ".join(x for x in texts if x)
    for name, pts, rx in t.targets:
        m = rx.search(joined)
        if m:
            steps.append(f"target {name} ({m.group(0)}): +{pts}")
            best += pts
            break
    value = points + best
    if value > 5 or value < 1:
        steps.append(f"capped: {min(max(value, 1), 5)}")
    return Severity(min(max(value, 1), 5), steps)


@lru_cache(maxsize=4096)
def _points(category: str | None, killed: int | None, injured: int | None, hostages: int | None) -> int:
    """Base plus casualty points, before the target step and the cap (the same steps as ``severity``)."""
    t = table()
    points = t.base.get(category or "other", t.base["*"])[0]
    best = 0
    for kind, count in (("killed", killed), ("injured", injured), ("hostages", hostages)):
        for threshold, pts, _n in t.steps[kind]:
            if (count or 0) >= threshold:
                best = max(best, pts)
                break
    return points + best


def value(
    category: str | None, killed: int | None, injured: int | None, hostages: int | None, texts: tuple = ()
) -> int:
    """``severity(...).value`` without building the explanation (the fast path when scoring many incidents)."""
    points = _points(category or "other", killed, injured, hostages)
    joined = " ".join(x for x in texts if x)
    for _name, pts, rx in table().targets:
        if rx.search(joined):
            points += pts
            break
    return min(max(points, 1), 5)


def of_incident(incident, evidence: list[str] | None = None) -> Severity:  # noqa: ANN001 - an Incident row
    """The severity of a stored incident (its summary and, when given, its reports' evidence)."""
    return severity(
        incident.category,
        incident.killed,
        incident.injured,
        incident.hostages_or_kidnapped,
        (incident.summary, *(evidence or [])),
    )
