"""HTTP routes of the gazetteer: search (JSON or GeoJSON), reverse, get, geometry, add an own place."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vedette.bounds import NO_NUL, StoredStr, responses
from vedette.errors import BadInput, NotFound
from vedette.gazetteer import PlaceMatch, ResolveContext, get_gazetteer
from vedette.gazetteer.service import add_place, gazetteer_for, get_visible_place, has_private_places
from vedette.gazetteer.shared import invalidate
from vedette.gazetteer.text import fold
from vedette.store.deps import get_session
from vedette.tenancy.authz import Forbidden
from vedette.tenancy.deps import org_scope
from vedette.tenancy.models import Organisation
from vedette.tenancy.scope import OrgScope

router = APIRouter(tags=["places"], responses=responses(401, 403))  # every route needs a signed-in caller
ERRORS = responses(404, 422)
KEY_MAX = 300  # places.key, the folded name
COUNTRY = r"^[A-Za-z]{2}$"
PlaceId = Path(max_length=200, pattern=NO_NUL, description="e.g. gn:2460596, a1:ML-6, cc:ML, db:12")


class PlaceIn(BaseModel):
    name: StoredStr = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    country: str | None = Field(None, pattern=COUNTRY, description="ISO 3166-1 alpha-2")
    aliases: list[StoredStr] = Field([], max_length=50)
    kind: StoredStr = Field("custom", max_length=32)
    admin1: StoredStr | None = Field(None, max_length=200)
    organisation: StoredStr | None = Field(None, max_length=64, description="slug: private to it")


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
    q: str = Query(..., min_length=1, max_length=200, pattern=NO_NUL),
    country: str | None = Query(None, pattern=COUNTRY),
    limit: int = Query(10, ge=1, le=100),
    format: str = Query("json", pattern="^(json|geojson)$"),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> dict | list:
    """Places by name: the built gazetteer, the deployment's places and the organisation's own ones (never
    another organisation's)."""
    org = session.get(Organisation, scope.org_id)
    gaz = gazetteer_for(session, org) if has_private_places(session, org) else get_gazetteer()
    ctx = ResolveContext(countries={country.upper(): 1.0} if country else {})
    matches = gaz.candidates(q, ctx, limit)
    best = gaz.resolve(q, ctx)
    if best is not None and all(m.id != best.id for m in matches):
        matches = [best, *matches][:limit]
    if format == "geojson":
        return _geojson(matches)
    return [m.as_dict() for m in matches]


@router.get("/places/reverse", responses=ERRORS)
def reverse_place(lat: float = Query(ge=-90, le=90), lon: float = Query(ge=-180, le=180)) -> dict:
    try:
        m = get_gazetteer().reverse(lat, lon)
    except ValueError as exc:
        raise BadInput(str(exc), item="lat,lon") from exc
    if m is None:
        raise NotFound("no place near that point", item=f"{lat},{lon}")
    return m.as_dict()


@router.get("/places/{place_id}", responses=ERRORS)
def get_place(
    place_id: str = PlaceId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> dict:
    """A place of the built gazetteer, or one added to the store (``db:N``: shared, or the organisation's)."""
    if place_id.startswith("db:"):
        p = get_visible_place(session, place_id, session.get(Organisation, scope.org_id))
        if p is None:
            raise NotFound(f"no place {place_id}", item=place_id)
        return {
            "id": place_id, "name": p.name, "kind": p.kind, "country": p.country, "admin1": p.admin1,
            "lat": p.lat, "lon": p.lon, "population": p.population, "score": 1.0, "why": "by id",
        }
    m = get_gazetteer().get(place_id)
    if m is None:
        raise NotFound(f"no place {place_id}", item=place_id)
    return m.as_dict()


@router.get("/places/{place_id}/geometry", responses=ERRORS)
def place_geometry(
    place_id: str = PlaceId,
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


@router.post("/places", status_code=201, responses=responses(400, 404, 413, 422))
def create_place(
    body: PlaceIn, session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)
) -> dict:
    """An organisation's own place (``organisation``: its slug), or, for operators, a place of the whole
    deployment (no organisation), which then places incidents for everyone."""
    if body.organisation is not None and body.organisation != scope.org_slug:
        raise NotFound(f"no organisation '{body.organisation}'", item="organisation")
    if body.organisation is None and not scope.can("review_shared"):
        raise Forbidden(
            "only operators add places for the whole deployment; name your organisation", item="organisation"
        )
    if len(fold(body.name)) > KEY_MAX:
        raise BadInput(f"name too long once folded (over {KEY_MAX} characters)", item="name")
    p = add_place(
        session,
        name=body.name,
        lat=body.lat,
        lon=body.lon,
        country=body.country,
        aliases=body.aliases,
        kind=body.kind,
        admin1=body.admin1,
        org=session.get(Organisation, scope.org_id) if body.organisation else None,
    )
    session.commit()
    invalidate()  # a shared place places incidents from now on (gazetteer/shared.py)
    return {
        "id": f"db:{p.id}",
        "name": p.name,
        "lat": p.lat,
        "lon": p.lon,
        "country": p.country,
        "kind": p.kind,
        "organisation": body.organisation,
    }
