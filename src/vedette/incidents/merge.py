"""When two reports describe one incident (deterministic, re-runnable).

Same incident when all hold:
- dates agree: day dates within one day of each other, or one date contains the other
  ("2012-03" contains "2012-03-22");
- places agree: the same gazetteer entry, both country-level in the same country, or within
  ``MAX_KM`` of each other;
- categories are compatible: equal, or both in one of ``COMPATIBLE``;
- counts do not contradict (a field stated by both differs by at most a half).
"""

from __future__ import annotations

from datetime import date

from vedette.gazetteer import haversine_km

MAX_KM = 25.0
COMPATIBLE = ({"terrorism", "armed_conflict", "violence_against_civilians"}, {"civil_unrest", "crime"})
MERGER = "incidents.merge.v1"


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def dates_agree(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    da, db = _day(a), _day(b)
    if da and db:
        return abs((da - db).days) <= 1
    return a.startswith(b) or b.startswith(a)


def places_agree(a: dict, b: dict) -> bool:
    if a.get("country") != b.get("country"):
        return False
    if a.get("place_id") and a.get("place_id") == b.get("place_id"):
        return True
    if not a.get("admin1") and not b.get("admin1"):
        return True
    if None in (a.get("lat"), a.get("lon"), b.get("lat"), b.get("lon")):
        return False
    return haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]) <= MAX_KM


def categories_agree(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in COMPATIBLE)


def counts_agree(a: dict, b: dict) -> bool:
    for field in ("killed", "injured", "hostages_or_kidnapped"):
        x, y = a.get(field), b.get(field)
        if x is not None and y is not None and abs(x - y) > max(x, y) / 2:
            return False
    return True


def same_incident(a: dict, b: dict) -> bool:
    return (
        dates_agree(a.get("date"), b.get("date"))
        and places_agree(a, b)
        and categories_agree(a.get("category", ""), b.get("category", ""))
        and counts_agree(a, b)
    )
