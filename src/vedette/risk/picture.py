"""The risk picture of a country or of the world: fused levels, scores and trends, escalations and transport
statuses together (JSON and GeoJSON), and ``refresh``, which brings the stored parts up to date.

Counted incidents: new and confirmed (``repository.counted_statuses``); dismissed and merged ones count in
no score, escalation or transport status.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from vedette.errors import BadInput
from vedette.risk import areas, escalations, levels, scores, transport
from vedette.risk import repository as repo
from vedette.risk.escalation import METHOD
from vedette.risk.score import SCORER


def refresh(session: Session, country: str | None = None, as_of: str | None = None) -> dict:
    """Read transport statuses from new incidents, run escalation detection, recompute and store scores."""
    added = transport.derive(session, country)
    found = escalations.detect_and_store(session)
    n = scores.recompute(session, country, as_of)
    return {"transport_rows_added": added, "escalations": len(found), "scores": n, "scorer": SCORER,
            "escalation_method": METHOD, "counted_statuses": list(repo.counted_statuses())}


def country(session: Session, cc: str, as_of: str | None = None, transport_as_of: datetime | None = None) -> dict:
    """Everything the risk picture knows of one country (scores computed as of ``as_of``)."""
    cc = areas.check_country(cc)
    lv = levels.country_levels(session, cc, as_of=as_of)
    computed = {s["admin1"]: s for s in scores.compute_for(session, cc, as_of)}
    own = computed.get("")
    for region in lv["regions"]:
        region["score"] = computed.get(region["area"])
    return {
        "country": cc,
        "label": lv["label"],
        "counted_statuses": list(repo.counted_statuses()),
        "levels": {"by_source": lv["by_source"], "effective": lv["effective"], "needs_review": lv["needs_review"]},
        "brief": lv["brief"],
        "score": own,
        "regions": lv["regions"],
        "escalations": escalations.listed(session, cc),
        "transport": transport.status(session, cc, transport_as_of, all_airports=False),
    }


def region(session: Session, country_code: str, area: str, as_of: str | None = None) -> dict:
    """One admin-1 region or zone: its levels by source (inherited unless set), effective level, score and
    trend, escalations, level history."""
    cc = areas.check_country(country_code)
    key, label = areas.check_area(cc, area)
    if not key:
        raise BadInput("name a region (ISO 3166-2 code or name) or a zone, not the country", item="area")
    current = repo.current_level_rows(session, cc, as_of)
    by_source, effective = levels.area_levels(current, key)
    computed = {s["admin1"]: s for s in scores.compute_for(session, cc, as_of)}
    return {
        "country": cc,
        "area": key,
        "label": label,
        "levels": {"by_source": by_source, "effective": effective},
        "score": computed.get(key),
        "escalations": [e for e in escalations.listed(session, cc) if e["admin1"] == key],
        "level_history": levels.history(session, cc, key),
    }


def world(session: Session, as_of: str | None = None) -> list[dict]:
    """One line per country with a level, a score or an escalation."""
    computed = {s["country"]: s for s in scores.compute_for(session, None, as_of) if not s["admin1"]}
    active: dict[str, int] = {}
    for e in escalations.listed(session, None, active=True):
        active[e["country"]] = active.get(e["country"], 0) + 1
    out = []
    for cc in sorted(set(computed) | set(repo.level_countries(session)) | set(active)):
        lv = levels.country_levels(session, cc, all_regions=False, as_of=as_of)
        s = computed.get(cc)
        out.append({
            "country": cc,
            "label": lv["label"],
            "effective_level": lv["effective"],
            "score": s["score"] if s else None,
            "trend": s["trend"] if s else None,
            "as_of": s["as_of"] if s else None,
            "active_escalations": active.get(cc, 0),
        })
    return out


def _point(lon: float, lat: float, props: dict) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def world_geojson(session: Session, as_of: str | None = None) -> dict:
    feats = []
    for row in world(session, as_of):
        centre = areas.country_centre(row["country"])
        if centre:
            feats.append(_point(centre[1], centre[0], row))
    return {"type": "FeatureCollection", "features": feats}


def _shape(area: str) -> dict | None:
    """The geometry of a region ("a1:CODE") or of a gazetteer zone, from the gazetteer (None if unknown)."""
    from vedette.gazetteer.geometry import feature

    try:
        found = feature(area if area.startswith("zone:") else f"a1:{area}")
    except Exception:  # noqa: BLE001 - a shape that cannot be built is drawn as a point
        return None
    return found["geometry"] if found else None


def country_geojson(session: Session, cc: str, as_of: str | None = None, shapes: bool = False) -> dict:
    """The country's regions and zones with levels and scores (points at their centres, or their shapes
    from the gazetteer with ``shapes``), and its airports with statuses."""
    data = country(session, cc, as_of)
    feats = []
    for region in data["regions"]:
        eff = region["effective"] or {}
        sc = region["score"] or {}
        props = {
            "kind": "zone" if region["area"].startswith("zone:") else "admin1", "area": region["area"],
            "label": region["label"], "level": eff.get("level"), "level_source": eff.get("source"),
            "inherited": eff.get("inherited"), "score": sc.get("score"),
            "trend": (sc.get("trend") or {}).get("30d", {}).get("direction"),
        }
        geometry = _shape(region["area"]) if shapes or region["area"].startswith("zone:") else None
        if geometry is not None:
            feats.append({"type": "Feature", "geometry": geometry, "properties": props})
            continue
        info = areas.region(region["area"]) if not region["area"].startswith("zone:") else None
        if info is not None:
            feats.append(_point(info[3], info[2], props))
    for ap in transport.status(session, data["country"])["airports"]:
        feats.append(_point(ap["lon"], ap["lat"], {
            "kind": "airport", "key": ap["key"], "label": ap["label"], "status": ap["status"],
            "source": ap["source"], "observed_at": ap["observed_at"], "stale": ap["stale"],
        }))
    return {"type": "FeatureCollection", "features": feats}
