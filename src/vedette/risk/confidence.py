"""How sure we are of an incident, from the evidence that produced it (``risk.confidence.v1``).

Derived, never stored: a pure function of the stored incident (its fields, its source, the fields an
operator edited) and its reports (each report's ``record`` and per-field ``provenance``, whose ``rule``
names what produced the field). The extraction records stay as they are.

The table is the data file ``risk/data/confidence.toml`` (documented there): a weighted sum of components
(date, place, category, counts, actors, corroboration), each scored 0..1 from the rule that produced it;
each component takes its best score among the reports. An explicit date, a named town and a stated
casualty count make a "high" incident; a weak category cue dated by the document's own date and placed
in the document's country makes a "low" one. Every answer is explained: one factor per component with
the rule, the score and why.

Operators' edits and hand-entered incidents score as stated (1.0, a date still by its precision): the
operator vouches for them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "confidence.toml"
COUNT_FIELDS = ("killed", "injured", "hostages_or_kidnapped")
PLACE_FIELDS = ("place", "place_id", "place_ref", "admin1", "country", "lat", "lon")


@dataclass(frozen=True)
class Factor:
    component: str
    score: float  # 0..1
    weight: float
    rule: str | None
    why: str

    def as_dict(self) -> dict:
        return {
            "component": self.component,
            "score": round(self.score, 3),
            "weight": self.weight,
            "points": round(self.score * self.weight, 3),
            "rule": self.rule,
            "why": self.why,
        }


@dataclass(frozen=True)
class Confidence:
    score: float  # 0..1
    level: str  # high | medium | low
    factors: list[Factor] = field(default_factory=list)
    scorer: str = "risk.confidence.v1"

    def as_dict(self) -> dict:
        return {
            "score": round(self.score, 3),
            "level": self.level,
            "scorer": self.scorer,
            "factors": [f.as_dict() for f in self.factors],
        }


@lru_cache(maxsize=1)
def table() -> dict:
    with DATA.open("rb") as fh:
        data = tomllib.load(fh)
    total = sum(data["weights"].values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"{DATA.name}: weights sum to {total}, not 1")
    return data


def _rule(record: Mapping, provenance: Mapping, key: str) -> str | None:
    prov = provenance.get(key) or (record.get("provenance") or {}).get(key) or {}
    return prov.get("rule") if isinstance(prov, Mapping) else None


def _by_pattern(rows: list[dict], rule: str | None) -> tuple[float, str] | None:
    if not rule:
        return None
    for row in rows:
        if row["pattern"] in rule:
            return float(row["score"]), row["why"]
    return None


def _precision(date: str | None) -> str | None:
    return {4: "year", 7: "month", 10: "day"}.get(len(date or ""))


def _date(t: dict, record: Mapping, provenance: Mapping) -> tuple[float, str | None, str]:
    date = record.get("date")
    precision = _precision(date)
    if precision is None:
        return 0.0, None, "no date"
    rule = _rule(record, provenance, "date")
    found = _by_pattern(t["date"], rule)
    base, why = found if found else (0.5, "a date without a recorded rule")
    factor = t["date_precision"][precision]
    return base * factor, rule, f"{why} ({precision})"


def _place_fallback(t: dict, record: Mapping) -> tuple[float, str]:
    fb = t["place_fallback"]
    if record.get("admin1") and record.get("place") and record.get("place") != record.get("admin1"):
        return fb["town"], "a place below the region"
    if record.get("admin1"):
        return fb["region"], "a region"
    if record.get("country"):
        return fb["country"], "only the country"
    return fb["none"], "no place"


def _place(t: dict, record: Mapping, provenance: Mapping) -> tuple[float, str | None, str]:
    if not record.get("country") and not record.get("place"):
        return 0.0, None, "no place"
    rule = _rule(record, provenance, "place")
    found = _by_pattern(t["place"], rule)
    if found is None:
        score, why = _place_fallback(t, record)
        return score, rule, why
    return found[0], rule, found[1]


def _category(t: dict, record: Mapping, provenance: Mapping) -> tuple[float, str | None, str]:
    rule = _rule(record, provenance, "category")
    found = _by_pattern(t["category"], rule)
    if found is None:
        fb = t["category_fallback"]
        return float(fb["score"]), rule, fb["why"]
    return found[0], rule, found[1]


def _counts(t: dict, record: Mapping, provenance: Mapping) -> tuple[float, str | None, str]:
    for f in COUNT_FIELDS:
        if record.get(f) is not None:
            return float(t["counts"]["stated"]), _rule(record, provenance, f), t["counts"]["why"]
    return 0.0, None, "no casualty or hostage count"


def _actors(t: dict, record: Mapping, provenance: Mapping) -> tuple[float, str | None, str]:
    if not record.get("actors"):
        return 0.0, None, "no actor named"
    rule = _rule(record, provenance, "actors")
    found = _by_pattern(t["actors"], rule)
    if found is None:
        return 0.5, rule, "an actor without a recorded rule"
    return found[0], rule, found[1]


SCORERS = {"date": _date, "place": _place, "category": _category, "counts": _counts, "actors": _actors}
# which edited incident fields vouch for which component
EDITED = {
    "date": ("date",),
    "place": PLACE_FIELDS,
    "category": ("category",),
    "counts": COUNT_FIELDS,
    "actors": ("actors",),
}


def _operator(t: dict, component: str, incident: Mapping) -> tuple[float, str] | None:
    """The component as an operator set it (edit or hand entry); None when the operator left it empty."""
    if component == "date":
        precision = _precision(incident.get("date"))
        return (t["date_precision"][precision], f"set by an operator ({precision})") if precision else None
    if component == "place":
        if incident.get("place") or incident.get("admin1"):
            return 1.0, "set by an operator"
        return (t["place_fallback"]["country"], "only the country, set by an operator") if incident.get(
            "country"
        ) else None
    if component == "counts":
        return (1.0, "set by an operator") if any(incident.get(f) is not None for f in COUNT_FIELDS) else None
    if component == "actors":
        return (1.0, "set by an operator") if incident.get("actors") else None
    return 1.0, "set by an operator"


def _corroboration(t: dict, documents: int) -> tuple[float, str]:
    c = t["corroboration"]
    if documents >= 3:
        return float(c["three_or_more"]), f"reported by {documents} documents"
    if documents == 2:
        return float(c["two"]), "reported by 2 documents"
    return float(c["one"]), "reported by one document" if documents == 1 else "no document"


def score(
    incident: Mapping[str, Any],
    reports: Iterable[tuple[Mapping, Mapping]],
    *,
    documents: int | None = None,
    edited: Iterable[str] = (),
    manual: bool = False,
) -> Confidence:
    """Confidence of ``incident`` (its fields as a mapping) from ``reports`` ((record, provenance) pairs).

    ``documents``: how many distinct documents report it (default: one per report); ``edited``: the
    fields an operator set; ``manual``: entered by hand (every component as the operator set it)."""
    t = table()
    reports = list(reports)
    edited = set(edited)
    factors: list[Factor] = []
    for component, scorer in SCORERS.items():
        weight = float(t["weights"][component])
        best: tuple[float, str | None, str] = (0.0, None, "no evidence")
        if manual or edited & set(EDITED[component]):
            op = _operator(t, component, incident)
            if op is not None:
                best = (op[0], "operator", op[1])
        for record, provenance in reports:
            got = scorer(t, record, provenance or {})
            if got[0] > best[0]:
                best = got
        factors.append(Factor(component, best[0], weight, best[1], best[2]))
    n = len(reports) if documents is None else documents
    corr, why = _corroboration(t, n)
    factors.append(Factor("corroboration", corr, float(t["weights"]["corroboration"]), None, why))
    total = round(sum(f.score * f.weight for f in factors), 6)
    levels = t["levels"]
    level = "high" if total >= levels["high"] else "medium" if total >= levels["medium"] else "low"
    return Confidence(total, level, factors, t["version"])
