"""HTTP routes of the gazetteer: search (JSON or GeoJSON), reverse, get, geometry, add an own place."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vedette.errors import BadInput, NotFound
from vedette.gazetteer import PlaceMatch, ResolveContext, get_gazetteer
from vedette.gazetteer.service import add_place, gazetteer_for, organisation
from vedette.web.deps import get_session

router = APIRouter(tags=["places"])
ERRORS = {404: {"description": "Not found"}, 422: {"description": "Bad input"}}


class PlaceIn(BaseModel):
    name: str = Field(min_length=1)
    lat: float
    lon: float
    country: str | None = None
    aliases: list[str] = []
    kind: str = "custom"
    admin1: str | None = None
    organisation: str | None = Field(None, description="slug; the place is then private to it")


def _geojson(matches: list[PlaceMatch]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]}, "properties": m.as_dict()}
            for m in matches
        ],
    }


@router.get("/places", responses=ERRORS)
def search_places(
    q: str = Query(..., min_length=1),
    country: str | None = None,
    limit: int = Query(10, ge=1, le=100),
    format: str = Query("json", pattern="^(json|geojson)$"),
    organisation_slug: str | None = Query(None, alias="org"),
    session: Session = Depends(get_session),
) -> dict | list:
    gaz = gazetteer_for(session, organisation(session, organisation_slug)) if organisation_slug else get_gazetteer()
    ctx = ResolveContext(countries={country.upper(): 1.0} if country else {})
    matches = gaz.candidates(q, ctx, limit)
    best = gaz.resolve(q, ctx)
    if best is not None and all(m.id != best.id for m in matches):
        matches = [best, *matches][:limit]
    if format == "geojson":
        return _geojson(matches)
    return [m.as_dict() for m in matches]


@router.get("/places/reverse", responses=ERRORS)
def reverse_place(lat: float, lon: float) -> dict:
    try:
        m = get_gazetteer().reverse(lat, lon)
    except ValueError as exc:
        raise BadInput(str(exc), item="lat,lon") from exc
    if m is None:
        raise NotFound("no place near that point", item=f"{lat},{lon}")
    return m.as_dict()


@router.get("/places/{place_id}", responses=ERRORS)
def get_place(place_id: str) -> dict:
    m = get_gazetteer().get(place_id)
    if m is None:
        raise NotFound(f"no place {place_id}", item=place_id)
    return m.as_dict()


@router.get("/places/{place_id}/geometry", responses=ERRORS)
def place_geometry(
    place_id: str,
    tolerance: float = Query(0.01, ge=0, le=1, description="simplification in degrees (0: full detail)"),
) -> dict:
    """GeoJSON Feature of a place or zone: a country's polygon, an admin-1 region approximated from its
    towns, 'zone:ML:north', 'zone:a1:ML-9:east', 'border:ML:DZ' (50 km strip; 'border:ML:DZ:30'), or
    a 0.5-degree disc around a town."""
    from vedette.gazetteer.geometry import feature

    found = feature(place_id, get_gazetteer(), tolerance)
    if found is None:
        raise NotFound(
            f"no place or zone {place_id!r} (ids look like gn:2460596, a1:ML-6, cc:ML, zone:ML:north, "
            "border:ML:DZ)",
            item=place_id,
        )
    return found


@router.post("/places", status_code=201, responses=ERRORS)
def create_place(body: PlaceIn, session: Session = Depends(get_session)) -> dict:
    p = add_place(
        session,
        name=body.name,
        lat=body.lat,
        lon=body.lon,
        country=body.country,
        aliases=body.aliases,
        kind=body.kind,
        admin1=body.admin1,
        org=organisation(session, body.organisation),
    )
    return {
        "id": f"db:{p.id}",
        "name": p.name,
        "lat": p.lat,
        "lon": p.lon,
        "country": p.country,
        "kind": p.kind,
        "organisation": body.organisation,
    }
