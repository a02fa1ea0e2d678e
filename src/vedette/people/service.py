"""People, trips, locations and positions of an organisation, and who an event exposes.

Every function takes the ``OrgScope`` it acts in; SQL stays in ``repository``. Writes keep the
whereabouts index (``Whereabouts``) in step with segments, locations and positions, so that exposure is
one indexed question.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from vedette.errors import BadInput, NotFound
from vedette.people import places
from vedette.people import repository as repo
from vedette.people.exposure import (
    Area,
    Circle,
    Country,
    Polygon,
    Region,
    Window,
    incident_window,
    location_rows,
    position_rows,
    reason_text,
    segment_rows,
    status,
    utc,
    window_around,
)
from vedette.people.models import KnownLocation, Person, Position, Segment, Trip
from vedette.people.schemas import LocationIn, PersonIn, PersonPatch, PositionIn, SegmentIn, SettingsIn, TripIn
from vedette.tenancy.scope import OrgScope


def _audit(session: Session, scope: OrgScope, action: str, target_type: str, target_id: int | str | None,
           **detail: object) -> None:
    from vedette.tenancy import audit

    audit.record(session, action, scope=scope, target_type=target_type, target_id=target_id, detail=detail)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --- settings ---------------------------------------------------------------------------------------
def get_settings(session: Session, scope: OrgScope):  # noqa: ANN201
    return repo.settings(session, scope)


def update_settings(session: Session, scope: OrgScope, data: SettingsIn):  # noqa: ANN201
    values = data.model_dump(exclude_none=True)
    found = repo.save_settings(session, scope, **values)
    _audit(session, scope, "people.settings", "organisation", scope.org_id, fields=sorted(values))
    return found


def mark_demo(session: Session, scope: OrgScope, demo: bool = True) -> None:
    repo.save_settings(session, scope, demo=demo)


# --- people -----------------------------------------------------------------------------------------
def _check_manager(session: Session, scope: OrgScope, manager_id: int | None, person_id: int | None) -> None:
    if manager_id is None:
        return
    if manager_id == person_id:
        raise BadInput("a person cannot be their own manager", item="manager_id")
    try:
        repo.get_person(session, scope, manager_id)
    except NotFound as exc:
        raise BadInput(f"no person {manager_id} to be the manager", item="manager_id") from exc


def create_person(session: Session, scope: OrgScope, data: PersonIn, recorded_at: datetime | None = None
                  ) -> Person:
    _check_manager(session, scope, data.manager_id, None)
    ext = data.external_id or _new_id("p")
    if data.external_id and data.external_id in repo.person_external_ids(session, scope):
        raise BadInput(f"a person with external id '{ext}' exists", item="external_id")
    person = Person(
        organisation_id=scope.org_id,
        external_id=ext,
        name=data.name,
        emails=data.emails,
        phones=data.phones,
        nationality=data.nationality,
        channel=data.channel,
        language=data.language,
        manager_id=data.manager_id,
        tags=data.tags,
        emergency_contact=data.emergency_contact.model_dump() if data.emergency_contact else {},
        recorded_at=recorded_at or datetime.now(UTC),
    )
    repo.add(session, scope, person)
    _audit(session, scope, "people.create", "person", person.id)
    return person


def update_person(session: Session, scope: OrgScope, person_id: int, patch: PersonPatch) -> Person:
    person = repo.get_person(session, scope, person_id)
    values = patch.model_dump(exclude_unset=True)
    try:
        merged = _merged(person, values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BadInput(first["msg"], item=".".join(str(x) for x in first["loc"]) or "body") from exc
    _check_manager(session, scope, merged.manager_id, person.id)
    for k in ("name", "emails", "phones", "nationality", "channel", "language", "manager_id", "tags"):
        setattr(person, k, getattr(merged, k))
    person.emergency_contact = merged.emergency_contact.model_dump() if merged.emergency_contact else {}
    session.flush()
    _audit(session, scope, "people.update", "person", person.id, fields=sorted(values))
    return person


def _merged(person: Person, values: dict) -> PersonIn:
    return PersonIn(
        external_id=person.external_id,
        name=values.get("name") or person.name,
        emails=values.get("emails", person.emails) or [],
        phones=values.get("phones", person.phones) or [],
        nationality=values.get("nationality", person.nationality),
        channel=values.get("channel") or person.channel,
        language=values.get("language") or person.language,
        manager_id=values.get("manager_id", person.manager_id),
        tags=values.get("tags", person.tags) or [],
        emergency_contact=values.get("emergency_contact", person.emergency_contact or None) or None,
    )


def get_person(session: Session, scope: OrgScope, person_id: int) -> Person:
    return repo.get_person(session, scope, person_id)


def list_people(session: Session, scope: OrgScope, **kw: object) -> tuple[list[Person], int]:
    return repo.list_people(session, scope, **kw)


def erase_person(session: Session, scope: OrgScope, person_id: int) -> dict[str, int]:
    """Erase a person and everything about them; the audit row keeps only ids and counts."""
    person = repo.get_person(session, scope, person_id)
    counts = {
        "trips": len(repo.trips_of(session, scope, person.id)),
        "segments": len(repo.segments_of(session, scope, person_id=person.id)),
        "locations": len(repo.locations_of(session, scope, person.id)),
        "positions": len(repo.positions_of(session, scope, person.id)),
    }
    for sub in repo.all_people(session, scope):
        if sub.manager_id == person.id:
            sub.manager_id = None
    repo.replace_whereabouts(session, scope, "segment", [s.id for s in repo.segments_of(session, scope,
                                                                                         person_id=person.id)], [])
    repo.delete_obj(session, scope, person)  # segments, locations, positions and whereabouts cascade
    _audit(session, scope, "people.erase", "person", person_id, **counts)
    return counts


def export_person(session: Session, scope: OrgScope, person_id: int) -> dict:
    """Everything held about one person (a subject access request), as plain JSON-able data."""
    from vedette.people.schemas import LocationOut, PersonOut, PositionOut, SegmentOut

    person = repo.get_person(session, scope, person_id)
    trips = repo.trips_of(session, scope, person.id)
    segs = repo.segments_of(session, scope, person_id=person.id)
    out = {
        "person": PersonOut.model_validate(person, from_attributes=True).model_dump(mode="json"),
        "trips": [
            {"id": t.id, "external_id": t.external_id, "title": t.title,
             "segments": [SegmentOut.model_validate(s, from_attributes=True).model_dump(mode="json")
                          for s in segs if s.trip_id == t.id]}
            for t in trips
        ],
        "locations": [LocationOut.model_validate(x, from_attributes=True).model_dump(mode="json")
                      for x in repo.locations_of(session, scope, person.id)],
        "positions": [PositionOut.model_validate(x, from_attributes=True).model_dump(mode="json")
                      for x in repo.positions_of(session, scope, person.id)],
    }
    _audit(session, scope, "people.export", "person", person.id)
    return out


# --- trips and segments -------------------------------------------------------------------------------
def _segment_fields(seg: SegmentIn) -> dict:
    """Resolve a segment's places (gazetteer id, name, IATA code or coordinates) into columns."""
    if seg.kind == "flight" and seg.dest_iata:
        dest = places.from_iata(seg.dest_iata, field="dest_iata")
    else:
        dest = places.locate(ref=seg.place_ref, name=seg.place_name, lat=seg.lat, lon=seg.lon)
    origin = None
    if seg.origin_iata:
        origin = places.from_iata(seg.origin_iata, field="origin_iata")
    elif seg.origin_ref or seg.origin_name or seg.origin_lat is not None:
        origin = places.locate(ref=seg.origin_ref, name=seg.origin_name, lat=seg.origin_lat, lon=seg.origin_lon,
                               field="origin")
    return dict(
        kind=seg.kind,
        starts_at=seg.starts_at,
        ends_at=seg.ends_at,
        tz=seg.tz,
        flight_number=seg.flight_number,
        origin_iata=seg.origin_iata.upper() if seg.origin_iata else None,
        dest_iata=seg.dest_iata.upper() if seg.dest_iata else None,
        address=seg.address,
        place_ref=dest.ref,
        place_name=seg.place_name if seg.place_name and seg.lat is not None else dest.name,
        lat=dest.lat,
        lon=dest.lon,
        country=dest.country,
        region=dest.region,
        origin_ref=origin.ref if origin else None,
        origin_name=origin.name if origin else None,
        origin_lat=origin.lat if origin else None,
        origin_lon=origin.lon if origin else None,
        origin_country=origin.country if origin else None,
        origin_region=origin.region if origin else None,
    )


def index_segments(session: Session, scope: OrgScope, segs: list[Segment]) -> None:
    rows = [r for s in segs for r in segment_rows(s)]
    repo.replace_whereabouts(session, scope, "segment", [s.id for s in segs], rows)


def create_trip(session: Session, scope: OrgScope, data: TripIn, recorded_at: datetime | None = None) -> Trip:
    person = repo.get_person(session, scope, data.person_id)
    if data.external_id and repo.trip_by_external(session, scope, data.external_id):
        raise BadInput(f"a trip with external id '{data.external_id}' exists", item="external_id")
    when = recorded_at or datetime.now(UTC)
    trip = repo.add(session, scope, Trip(organisation_id=scope.org_id, person_id=person.id,
                                         external_id=data.external_id or _new_id("t"), title=data.title,
                                         recorded_at=when))
    segs = []
    for i, seg in enumerate(data.segments):
        try:
            fields = _segment_fields(seg)
        except BadInput as exc:
            raise BadInput(exc.message, item=f"segments[{i}].{exc.item}") from exc
        segs.append(repo.add(session, scope, Segment(organisation_id=scope.org_id, trip_id=trip.id,
                                                     person_id=person.id, external_id=seg.external_id or str(i + 1),
                                                     recorded_at=when, **fields)))
    index_segments(session, scope, segs)
    _audit(session, scope, "trips.create", "trip", trip.id, segments=len(segs))
    return trip


def add_segment(session: Session, scope: OrgScope, trip_id: int, seg: SegmentIn) -> Segment:
    trip = repo.get_trip(session, scope, trip_id)
    existing = repo.segments_of(session, scope, [trip.id])
    ext = seg.external_id or str(len(existing) + 1)
    if any(s.external_id == ext for s in existing):
        raise BadInput(f"the trip has a segment '{ext}'", item="external_id")
    s = repo.add(session, scope, Segment(organisation_id=scope.org_id, trip_id=trip.id, person_id=trip.person_id,
                                         external_id=ext, **_segment_fields(seg)))
    index_segments(session, scope, [s])
    _audit(session, scope, "trips.segment.add", "segment", s.id)
    return s


def delete_segment(session: Session, scope: OrgScope, segment_id: int) -> None:
    s = repo.get_segment(session, scope, segment_id)
    repo.replace_whereabouts(session, scope, "segment", [s.id], [])
    repo.delete_obj(session, scope, s)
    _audit(session, scope, "trips.segment.delete", "segment", segment_id)


def delete_trip(session: Session, scope: OrgScope, trip_id: int) -> None:
    trip = repo.get_trip(session, scope, trip_id)
    repo.replace_whereabouts(session, scope, "segment", [s.id for s in repo.segments_of(session, scope, [trip.id])],
                             [])
    repo.delete_obj(session, scope, trip)
    _audit(session, scope, "trips.delete", "trip", trip_id)


def trip_with_segments(session: Session, scope: OrgScope, trip_id: int) -> tuple[Trip, list[Segment]]:
    trip = repo.get_trip(session, scope, trip_id)
    return trip, repo.segments_of(session, scope, [trip.id])


def list_trips(session: Session, scope: OrgScope, person_id: int | None = None, as_of: datetime | None = None
               ) -> list[tuple[Trip, list[Segment]]]:
    if person_id is not None:
        repo.get_person(session, scope, person_id)
    trips = repo.trips_of(session, scope, person_id, as_of)
    segs = repo.segments_of(session, scope, [t.id for t in trips], as_of=as_of) if trips else []
    by_trip: dict[int, list[Segment]] = {}
    for s in segs:
        by_trip.setdefault(s.trip_id, []).append(s)
    return [(t, by_trip.get(t.id, [])) for t in trips]


# --- locations and positions ----------------------------------------------------------------------------
def _location_fields(data: LocationIn) -> dict:
    where = places.locate(ref=data.place_ref, name=data.place_name or (data.address if data.lat is None
                                                                       and not data.place_ref else None),
                          lat=data.lat, lon=data.lon)
    return dict(kind=data.kind, label=data.label, address=data.address, place_ref=where.ref,
                place_name=data.place_name or where.name, lat=where.lat, lon=where.lon, country=where.country,
                region=where.region, valid_from=data.valid_from, valid_to=data.valid_to)


def add_location(session: Session, scope: OrgScope, person_id: int, data: LocationIn,
                 recorded_at: datetime | None = None) -> KnownLocation:
    person = repo.get_person(session, scope, person_id)
    loc = repo.add(session, scope, KnownLocation(organisation_id=scope.org_id, person_id=person.id,
                                                 external_id=data.external_id or _new_id("l"),
                                                 recorded_at=recorded_at or datetime.now(UTC),
                                                 **_location_fields(data)))
    repo.replace_whereabouts(session, scope, "location", [loc.id], location_rows(loc))
    _audit(session, scope, "locations.add", "location", loc.id)
    return loc


def delete_location(session: Session, scope: OrgScope, location_id: int) -> None:
    loc = repo.get_location(session, scope, location_id)
    repo.replace_whereabouts(session, scope, "location", [loc.id], [])
    repo.delete_obj(session, scope, loc)
    _audit(session, scope, "locations.delete", "location", location_id)


def list_locations(session: Session, scope: OrgScope, person_id: int | None = None,
                   as_of: datetime | None = None) -> list[KnownLocation]:
    if person_id is not None:
        repo.get_person(session, scope, person_id)
    return repo.locations_of(session, scope, person_id, as_of)


def add_position(session: Session, scope: OrgScope, person_id: int, data: PositionIn,
                 recorded_at: datetime | None = None) -> Position:
    person = repo.get_person(session, scope, person_id)
    where = places.from_coords(data.lat, data.lon)
    pos = repo.add(session, scope, Position(organisation_id=scope.org_id, person_id=person.id, at=data.at,
                                            lat=data.lat, lon=data.lon, country=where.country, region=where.region,
                                            source=data.source, recorded_at=recorded_at or datetime.now(UTC)))
    later = [p for p in repo.positions_of(session, scope, person.id) if utc(p.at) > utc(pos.at)]
    repo.close_positions(session, scope, person.id, utc(pos.at))
    until = min((utc(p.at) for p in later), default=None)
    repo.replace_whereabouts(session, scope, "position", [pos.id], position_rows(pos, until))
    _audit(session, scope, "positions.add", "position", pos.id)
    return pos


def last_position(session: Session, scope: OrgScope, person_id: int, as_of: datetime | None = None
                  ) -> Position | None:
    found = repo.positions_of(session, scope, person_id, as_of)
    return found[0] if found else None


# --- exposure ---------------------------------------------------------------------------------------
def _area_kind(area: Area) -> str:
    return {Circle: "radius", Region: "region", Country: "country", Polygon: "polygon"}[type(area)]


def exposure(session: Session, scope: OrgScope, area: Area, window: Window, *, as_of: datetime | None = None,
             spatial: str | None = None, incident_id: int | None = None) -> dict:
    """Who is or will be in ``area`` during ``window`` (and who is bound there), with the reasons."""
    as_of = utc(as_of)
    hits: list[tuple] = []  # (whereabouts, distance or None)
    if isinstance(area, Circle):
        hits = repo.in_circle(session, scope, area, window, as_of, spatial)
    elif isinstance(area, Region):
        hits = [(w, None) for w in repo.in_region(session, scope, area.code, window, as_of)]
    elif isinstance(area, Country):
        hits = [(w, None) for w in repo.in_country(session, scope, area.cc, window, as_of)]
    else:
        import shapely

        found = repo.in_bounds(session, scope, area.geom.bounds, window, as_of)
        hits = [(w, None) for w in found if shapely.intersects_xy(area.geom, w.lon, w.lat)]
    per_person: dict[int, list[dict]] = {}
    for wh, dist in hits:
        st = status(wh.starts_at, wh.ends_at, window)
        if st is None:
            continue
        per_person.setdefault(wh.person_id, []).append(
            dict(
                text=reason_text(wh.label, st, area, dist, wh.starts_at, window),
                status=st,
                kind=wh.kind,
                source=wh.source,
                source_id=wh.source_id,
                distance_km=None if dist is None else round(dist, 3),
                starts_at=utc(wh.starts_at),
                ends_at=utc(wh.ends_at),
                lat=wh.lat,
                lon=wh.lon,
                country=wh.country,
                region=wh.region,
            )
        )
    people = repo.people_by_ids(session, scope, per_person)
    out = []
    for pid, reasons in per_person.items():
        person = people.get(pid)
        if person is None or (as_of is not None and utc(person.recorded_at) > as_of):
            continue
        reasons.sort(key=lambda r: (r["status"] != "present", r["distance_km"] or 0.0, r["text"]))
        out.append(dict(person_id=pid, external_id=person.external_id, name=person.name,
                        status=reasons[0]["status"], reasons=reasons))
    out.sort(key=lambda p: (p["status"] != "present", p["reasons"][0]["distance_km"] or 0.0, p["name"], p["person_id"]))
    return dict(
        area=area.describe(),
        area_kind=_area_kind(area),
        window_start=window.start,
        window_end=window.end,
        bound_until=window.bound_until,
        as_of=as_of,
        note=window.note,
        incident_id=incident_id,
        count=len(out),
        people=out,
    )


def incident_area(incident, radius_km: float) -> Area:  # noqa: ANN001 - an Incident
    """The area of an incident: its country, region or zone when that is all it names, else its point."""
    from vedette.gazetteer.resolver import get_gazetteer

    ref = incident.place_ref or ""
    if ref.startswith("cc:") or (incident.lat is None and incident.country and not incident.admin1):
        cc = ref[3:] if ref.startswith("cc:") else incident.country
        return Country(cc, incident.place or cc)
    if ref.startswith("a1:"):
        return Region(ref[3:], incident.place or incident.admin1)
    if ref.startswith(("z:", "zone:", "border:")):
        geom = get_gazetteer().zone_geometry(ref)
        if geom is not None:
            return Polygon(geom, incident.place)
    if incident.lat is not None and incident.lon is not None:
        return Circle(incident.lat, incident.lon, radius_km, incident.place)
    code = places.region_code(incident.country, incident.admin1)
    if code:
        return Region(code, incident.admin1)
    if incident.country:
        return Country(incident.country, incident.country)
    raise BadInput("the incident has no place to measure exposure from", item="place")


def incident_exposure(session: Session, scope: OrgScope, incident_id: int, *, as_of: datetime | None = None,
                      radius_km: float | None = None, bound_days: int | None = None,
                      hours: float = 24.0, spatial: str | None = None) -> dict:
    """Exposure of the organisation's people to one incident (read through the incidents service)."""
    from vedette.incidents.service import get_incident

    incident = get_incident(session, incident_id)
    cfg = repo.settings(session, scope)
    area = incident_area(incident, radius_km or cfg.radius_km)
    window = incident_window(incident.date, incident.date_precision, incident.time, hours=hours,
                             bound_days=cfg.bound_days if bound_days is None else bound_days)
    return exposure(session, scope, area, window, as_of=as_of, spatial=spatial, incident_id=incident.id)


def incidents_exposure_many(session: Session, scope: OrgScope, incident_ids: list[int], *,
                            as_of: datetime | None = None) -> dict[int, list[tuple[int, str]]]:
    """Exposure of the organisation to many incidents at once (after a bulk import): the organisation's
    whereabouts are read once into an in-memory index (``ExposureIndex``) and each area looked up once.
    Returns, per incident id, (person id, reason in words) of every exposed whereabouts; incidents that
    cannot be placed or dated are left out."""
    from vedette.incidents.service import get_incident
    from vedette.people.exposure import ExposureIndex

    cfg = repo.settings(session, scope)
    cases, ids = [], []
    for iid in incident_ids:
        inc = get_incident(session, iid)
        try:
            cases.append((incident_area(inc, cfg.radius_km),
                          incident_window(inc.date, inc.date_precision, inc.time, bound_days=cfg.bound_days)))
        except BadInput:
            continue
        ids.append(inc.id)
    index = ExposureIndex.build(repo.index_rows(session, scope, utc(as_of)))
    out: dict[int, list[tuple[int, str]]] = {}
    for iid, (area, window) in zip(ids, cases, strict=True):
        out[iid] = index.answer(area, window)
    return out


def advisory_exposure(session: Session, scope: OrgScope, country: str, region: str | None = None, *,
                      at: datetime | None = None, bound_days: int | None = None,
                      as_of: datetime | None = None) -> dict:
    """Who is in, or bound within N days for, a country or region whose advisory changed at ``at``."""
    cc = (country or "").strip().upper()
    if len(cc) != 2 or not cc.isalpha():
        raise BadInput(f"'{country}' is not an ISO 3166-1 alpha-2 code", item="country")
    cfg = repo.settings(session, scope)
    days = cfg.bound_days if bound_days is None else bound_days
    t = utc(at) or datetime.now(UTC)
    window = Window(t, t, t + timedelta(days=days))
    if region:
        code = places.region_code(cc, region)
        if code is None:
            raise BadInput(f"unknown region '{region}' of {cc}", item="region")
        area: Area = Region(code, region if region != code else None)
    else:
        area = Country(cc)
    return exposure(session, scope, area, window, as_of=as_of)


def exposure_at(session: Session, scope: OrgScope, area: Area, at: datetime, *, hours: float = 24.0,
                bound_days: int | None = None, as_of: datetime | None = None) -> dict:
    cfg = repo.settings(session, scope)
    w = window_around(at, hours, cfg.bound_days if bound_days is None else bound_days)
    return exposure(session, scope, area, w, as_of=as_of)


def map_at(session: Session, scope: OrgScope, at: datetime, *, as_of: datetime | None = None,
           bounds: tuple[float, float, float, float] | None = None, limit: int = 5000) -> dict:
    """Where everyone is at ``at`` (as known at ``as_of``), as a GeoJSON FeatureCollection for the map."""
    t = utc(at)
    w = Window(t, t, t)
    rows = repo.at_moment(session, scope, w, utc(as_of), bounds, limit)
    people = repo.people_by_ids(session, scope, {r.person_id for r in rows})
    as_of = utc(as_of)
    features = []
    for r in rows:
        person = people.get(r.person_id)
        if person is None or (as_of is not None and utc(person.recorded_at) > as_of):
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {"person_id": person.id, "name": person.name, "kind": r.kind, "label": r.label,
                           "source": r.source, "country": r.country, "region": r.region},
        })
    return {"type": "FeatureCollection", "at": t.isoformat(), "as_of": as_of.isoformat() if as_of else None,
            "features": features}


# --- privacy ----------------------------------------------------------------------------------------
def purge(session: Session, scope: OrgScope, default_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete trips' segments and positions that ended more than the retention period ago (demo: exempt)."""
    cfg = repo.settings(session, scope)
    if cfg.demo:
        return {"segments": 0, "positions": 0, "trips": 0}
    days = cfg.retention_days or default_days
    cutoff = (utc(now) or datetime.now(UTC)) - timedelta(days=days)
    counts = repo.purge_before(session, scope, cutoff)
    if any(counts.values()):
        _audit(session, scope, "people.purge", "organisation", scope.org_id, days=days, **counts)
    return counts
