"""HTTP routes of people: people, trips and segments, known locations, positions, imports and exports, and
exposure (``GET /api/incidents/{id}/exposure``). Every route acts in the request's ``OrgScope``; a record
of another organisation answers 404. ``as_of`` replays what was known at a past moment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from vedette.bounds import MAX_ID, NO_NUL, responses
from vedette.errors import BadInput
from vedette.people import imports
from vedette.people import service as svc
from vedette.people.exposure import Circle, Country, Polygon, Region, utc
from vedette.people.schemas import (
    ExposureOut,
    ImportReport,
    LocationIn,
    LocationOut,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    PositionIn,
    PositionOut,
    SegmentIn,
    SegmentOut,
    SettingsIn,
    SettingsOut,
    TripIn,
    TripOut,
)
from vedette.store.deps import get_session
from vedette.tenancy.deps import org_scope, requires
from vedette.tenancy.scope import OrgScope

router = APIRouter(tags=["people"], responses=responses(401, 403))  # every route needs a signed-in caller
ERRORS = responses(404, 422)  # 404: not found, or another organisation's (existence never leaks)
BODY_ERRORS = responses(400, 404, 413, 422)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
AS_OF = Query(None, description="Replay: only what was known (recorded) at this moment, ISO 8601")
MAX_UPLOAD = 50 * 1024 * 1024


class CsvResponse(PlainTextResponse):
    media_type = "text/csv"


def _person(p) -> PersonOut:  # noqa: ANN001
    return PersonOut.model_validate(p, from_attributes=True)


def _trip(t, segs) -> TripOut:  # noqa: ANN001
    return TripOut(id=t.id, person_id=t.person_id, external_id=t.external_id, title=t.title,
                   segments=[SegmentOut.model_validate(s, from_attributes=True) for s in segs])


# --- people -----------------------------------------------------------------------------------------
@router.get("/people", response_model=PersonPage, responses=ERRORS)
def list_people(
    q: str | None = Query(None, max_length=200, pattern=NO_NUL, description="Part of a name or external id"),
    tag: str | None = Query(None, max_length=100, pattern=NO_NUL),
    as_of: datetime | None = AS_OF,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> PersonPage:
    rows, total = svc.list_people(session, scope, q=q, tag=tag, as_of=utc(as_of), limit=limit, offset=offset)
    return PersonPage(total=total, items=[_person(p) for p in rows])


@router.post("/people", response_model=PersonOut, status_code=201, responses=BODY_ERRORS)
def create_person(body: PersonIn, session: Session = Depends(get_session),
                  scope: OrgScope = Depends(org_scope)) -> PersonOut:
    return _person(svc.create_person(session, scope, body))


@router.get("/people/export.csv", response_class=CsvResponse, responses=ERRORS)
def export_csv(kind: Literal["people", "segments", "locations"] = "people", session: Session = Depends(get_session),
               scope: OrgScope = Depends(requires("manage"))) -> CsvResponse:
    """The organisation's people, segments or locations as CSV (the import's header)."""
    text = imports.export_csv(session, scope, kind)
    from vedette.tenancy import audit

    audit.record(session, f"people.export.{kind}", scope=scope, target_type="organisation", target_id=scope.org_id)
    return CsvResponse(text)


@router.post("/people/import", response_model=ImportReport, responses=BODY_ERRORS)
async def import_file(
    file: UploadFile = File(..., description="CSV (people, segments or locations) or iCalendar (.ics)"),
    dry_run: bool = Form(False),
    person_external_id: str | None = Form(None, max_length=100, description="iCalendar: whose itinerary"),
    trip_external_id: str | None = Form(None, max_length=100),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(requires("manage")),
) -> ImportReport:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise BadInput("file too large", item="file")
    if (file.filename or "").lower().endswith(".ics") or data.lstrip().startswith(b"BEGIN:VCALENDAR"):
        if not person_external_id:
            raise BadInput("an iCalendar itinerary needs person_external_id", item="person_external_id")
        report = imports.import_ics(session, scope, data, person_external_id, trip_external_id=trip_external_id,
                                    dry_run=dry_run)
    else:
        report = imports.import_csv(session, scope, data, dry_run=dry_run)
    if dry_run:
        session.rollback()
    return ImportReport(**report.as_dict())


@router.get("/people/{person_id}", response_model=PersonOut, responses=ERRORS)
def get_person(person_id: Id, session: Session = Depends(get_session),
               scope: OrgScope = Depends(org_scope)) -> PersonOut:
    return _person(svc.get_person(session, scope, person_id))


@router.patch("/people/{person_id}", response_model=PersonOut, responses=BODY_ERRORS)
def update_person(person_id: Id, body: PersonPatch, session: Session = Depends(get_session),
                  scope: OrgScope = Depends(org_scope)) -> PersonOut:
    return _person(svc.update_person(session, scope, person_id, body))


@router.delete("/people/{person_id}", responses=ERRORS)
def erase_person(person_id: Id, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(requires("manage"))) -> dict:
    """Erase a person and all their trips, locations and positions (the audit keeps no personal data)."""
    return {"erased": person_id, **svc.erase_person(session, scope, person_id)}


@router.get("/people/{person_id}/export", responses=ERRORS)
def export_person(person_id: Id, session: Session = Depends(get_session),
                  scope: OrgScope = Depends(requires("manage"))) -> dict:
    """Everything held about one person (subject access)."""
    return svc.export_person(session, scope, person_id)


# --- trips ------------------------------------------------------------------------------------------
@router.get("/trips", response_model=list[TripOut], responses=ERRORS)
def list_trips(person_id: int | None = Query(None, ge=1, le=MAX_ID), as_of: datetime | None = AS_OF,
               session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> list[TripOut]:
    return [_trip(t, segs) for t, segs in svc.list_trips(session, scope, person_id, utc(as_of))]


@router.post("/trips", response_model=TripOut, status_code=201, responses=BODY_ERRORS)
def create_trip(body: TripIn, session: Session = Depends(get_session),
                scope: OrgScope = Depends(org_scope)) -> TripOut:
    trip = svc.create_trip(session, scope, body)
    return _trip(*svc.trip_with_segments(session, scope, trip.id))


@router.get("/trips/{trip_id}", response_model=TripOut, responses=ERRORS)
def get_trip(trip_id: Id, session: Session = Depends(get_session),
             scope: OrgScope = Depends(org_scope)) -> TripOut:
    return _trip(*svc.trip_with_segments(session, scope, trip_id))


@router.delete("/trips/{trip_id}", status_code=204, responses=ERRORS)
def delete_trip(trip_id: Id, session: Session = Depends(get_session),
                scope: OrgScope = Depends(org_scope)) -> None:
    svc.delete_trip(session, scope, trip_id)


@router.post("/trips/{trip_id}/segments", response_model=SegmentOut, status_code=201, responses=BODY_ERRORS)
def add_segment(trip_id: Id, body: SegmentIn, session: Session = Depends(get_session),
                scope: OrgScope = Depends(org_scope)) -> SegmentOut:
    return SegmentOut.model_validate(svc.add_segment(session, scope, trip_id, body), from_attributes=True)


@router.delete("/segments/{segment_id}", status_code=204, responses=ERRORS)
def delete_segment(segment_id: Id, session: Session = Depends(get_session),
                   scope: OrgScope = Depends(org_scope)) -> None:
    svc.delete_segment(session, scope, segment_id)


# --- locations and positions ------------------------------------------------------------------------
@router.get("/locations", response_model=list[LocationOut], responses=ERRORS)
def list_locations(person_id: int | None = Query(None, ge=1, le=MAX_ID), as_of: datetime | None = AS_OF,
                   session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)
                   ) -> list[LocationOut]:
    return [LocationOut.model_validate(x, from_attributes=True)
            for x in svc.list_locations(session, scope, person_id, utc(as_of))]


@router.post("/people/{person_id}/locations", response_model=LocationOut, status_code=201, responses=BODY_ERRORS)
def add_location(person_id: Id, body: LocationIn, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(org_scope)) -> LocationOut:
    return LocationOut.model_validate(svc.add_location(session, scope, person_id, body), from_attributes=True)


@router.delete("/locations/{location_id}", status_code=204, responses=ERRORS)
def delete_location(location_id: Id, session: Session = Depends(get_session),
                    scope: OrgScope = Depends(org_scope)) -> None:
    svc.delete_location(session, scope, location_id)


@router.get("/people/{person_id}/positions", response_model=list[PositionOut], responses=ERRORS)
def list_positions(person_id: Id, as_of: datetime | None = AS_OF, session: Session = Depends(get_session),
                   scope: OrgScope = Depends(org_scope)) -> list[PositionOut]:
    from vedette.people import repository as repo

    svc.get_person(session, scope, person_id)
    return [PositionOut.model_validate(x, from_attributes=True)
            for x in repo.positions_of(session, scope, person_id, utc(as_of))]


@router.post("/people/{person_id}/positions", response_model=PositionOut, status_code=201, responses=BODY_ERRORS)
def add_position(person_id: Id, body: PositionIn, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(org_scope)) -> PositionOut:
    return PositionOut.model_validate(svc.add_position(session, scope, person_id, body), from_attributes=True)


@router.get("/people.geojson", responses=ERRORS)
def people_map(
    at: datetime = Query(..., description="The moment shown: who is where then"),
    as_of: datetime | None = AS_OF,
    bbox: str | None = Query(None, max_length=100, pattern=r"^[-0-9.,]*$", description="minLon,minLat,maxLon,maxLat"),
    limit: int = Query(5000, ge=1, le=50_000),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> dict:
    """Where the organisation's people are at a moment (homes, offices, trips, positions), as GeoJSON."""
    bounds = None
    if bbox:
        try:
            bounds = tuple(float(v) for v in bbox.split(","))
        except ValueError as exc:
            raise BadInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat", item="bbox") from exc
        if len(bounds) != 4 or bounds[0] > bounds[2] or bounds[1] > bounds[3]:
            raise BadInput("bbox must be minLon,minLat,maxLon,maxLat with min <= max", item="bbox")
    return svc.map_at(session, scope, utc(at), as_of=utc(as_of), bounds=bounds, limit=limit)


# --- exposure ---------------------------------------------------------------------------------------
@router.get("/incidents/{incident_id}/exposure", response_model=ExposureOut, responses=ERRORS)
def incident_exposure(
    incident_id: Id,
    as_of: datetime | None = AS_OF,
    radius_km: float | None = Query(None, gt=0, le=2000, description="Default: the organisation's (25 km)"),
    bound_days: int | None = Query(None, ge=0, le=60, description="Also who is bound there within N days"),
    hours: float = Query(24.0, ge=0, le=24 * 30, description="Window: the incident's time +- hours"),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> ExposureOut:
    """Who of the organisation is, or will be, near the incident, and why."""
    return ExposureOut(**svc.incident_exposure(session, scope, incident_id, as_of=utc(as_of), radius_km=radius_km,
                                               bound_days=bound_days, hours=hours))


Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


class AreaIn(BaseModel):
    """An area drawn or chosen by an analyst, and a moment."""

    kind: Literal["radius", "region", "country", "polygon"]
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=2000)
    region: str | None = Field(None, max_length=12, pattern=NO_NUL, description="ISO 3166-2, e.g. ML-BKO")
    country: str | None = Field(None, min_length=2, max_length=2, pattern=NO_NUL)
    polygon: list[tuple[Lon, Lat]] | None = Field(None, min_length=3, max_length=5000, description="[[lon, lat], ...]")
    at: datetime
    hours: float = Field(24.0, ge=0, le=24 * 366)
    bound_days: int | None = Field(None, ge=0, le=60)
    as_of: datetime | None = None

    @model_validator(mode="after")
    def _complete(self) -> AreaIn:
        need = {"radius": ("lat", "lon"), "region": ("region",), "country": ("country",), "polygon": ("polygon",)}
        for f in need[self.kind]:
            if getattr(self, f) is None:
                raise ValueError(f"a {self.kind} area needs {f}")
        return self


@router.post("/exposure", response_model=ExposureOut, responses=BODY_ERRORS)
def area_exposure(body: AreaIn, session: Session = Depends(get_session),
                  scope: OrgScope = Depends(org_scope)) -> ExposureOut:
    """Who is in an area (a point and radius, a region, a country or a polygon) around a moment."""
    if body.kind == "radius":
        area = Circle(body.lat, body.lon, body.radius_km or svc.get_settings(session, scope).radius_km)
    elif body.kind == "region":
        area = Region(body.region.upper())
    elif body.kind == "country":
        area = Country(body.country.upper())
    else:
        import shapely

        geom = shapely.Polygon(body.polygon)
        if not geom.is_valid:
            raise BadInput("the polygon is not valid (self-intersecting?)", item="polygon")
        area = Polygon(geom)
    return ExposureOut(**svc.exposure_at(session, scope, area, utc(body.at), hours=body.hours,
                                         bound_days=body.bound_days, as_of=utc(body.as_of)))


@router.get("/exposure/advisory", response_model=ExposureOut, responses=ERRORS)
def advisory_exposure(
    country: str = Query(..., min_length=2, max_length=2, pattern=NO_NUL),
    region: str | None = Query(None, max_length=200, pattern=NO_NUL, description="ISO 3166-2 code or name"),
    at: datetime | None = Query(None, description="When the advisory changed (default: now)"),
    bound_days: int | None = Query(None, ge=0, le=60),
    as_of: datetime | None = AS_OF,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> ExposureOut:
    """Who is in, or bound for, a country or region whose advisory changed."""
    return ExposureOut(**svc.advisory_exposure(session, scope, country, region, at=utc(at), bound_days=bound_days,
                                               as_of=utc(as_of)))


# --- settings ---------------------------------------------------------------------------------------
@router.get("/people-settings", response_model=SettingsOut)
def get_settings(session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> SettingsOut:
    return SettingsOut.model_validate(svc.get_settings(session, scope), from_attributes=True)


@router.put("/people-settings", response_model=SettingsOut, responses=BODY_ERRORS)
def put_settings(body: SettingsIn, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(requires("manage"))) -> SettingsOut:
    return SettingsOut.model_validate(svc.update_settings(session, scope, body), from_attributes=True)
