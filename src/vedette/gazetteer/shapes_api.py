"""Map shapes served by Vedette: the world's countries and a country's admin-1 regions, as GeoJSON."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from vedette.errors import NotFound

router = APIRouter(tags=["places"])
GEOJSON = "application/geo+json"
_CACHE = "private, max-age=86400"


@router.get(
    "/geo/countries.geojson",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "FeatureCollection of countries (cc, name)"}},
)
async def countries_geojson() -> Response:
    """Every country's outline (Natural Earth 10m, simplified for maps)."""
    from vedette.gazetteer.shapes import world_geojson

    body = await run_in_threadpool(world_geojson)
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": _CACHE})


@router.get(
    "/geo/admin1/{cc}.geojson",
    response_class=Response,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "FeatureCollection of admin-1 regions (code, name)"},
        404: {"description": "No such country or no regions"},
        422: {"description": "Bad input"},
    },
)
async def admin1_geojson(cc: str = Path(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")) -> Response:
    """A country's admin-1 regions, approximated from their towns (``gazetteer/geometry.py``)."""
    from vedette.gazetteer.shapes import admin1_geojson as build

    body = await run_in_threadpool(build, cc)
    if body is None:
        raise NotFound(f"no admin-1 regions for country {cc!r}", item=cc)
    return Response(body, media_type=GEOJSON, headers={"Cache-Control": _CACHE})
