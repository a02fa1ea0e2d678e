"""The only place with SQL for people, trips, locations, positions and whereabouts.

Every function that reads or writes an organisation's data takes an ``OrgScope`` as a required argument
and filters by ``scope.org_id``; a record of another organisation is ``NotFound`` (404), never 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from vedette.errors import NotFound
from vedette.people.exposure import Circle, Window, bbox, disk_cells, haversine_km
from vedette.people.models import KnownLocation, PeopleSettings, Person, Position, Segment, Trip, Whereabouts
from vedette.tenancy.models import Organisation
from vedette.tenancy.scope import OrgScope

T = TypeVar("T")


# --- settings ---------------------------------------------------------------------------------------
def settings(session: Session, scope: OrgScope) -> PeopleSettings:
    found = session.get(PeopleSettings, scope.org_id)
    return found if found is not None else PeopleSettings(organisation_id=scope.org_id, radius_km=25.0,
                                                          bound_days=7, retention_days=None, demo=False)


def save_settings(session: Session, scope: OrgScope, **values: object) -> PeopleSettings:
    found = session.get(PeopleSettings, scope.org_id)
    if found is None:
        found = settings(session, scope)
        session.add(found)
    for k, v in values.items():
        setattr(found, k, v)
    session.flush()
    return found


def retention_plan(session: Session) -> list[tuple[int, str, int | None, bool]]:
    """(organisation id, slug, retention days or None, demo) of every organisation: for the purge job,
    which then works on each through a scope of its own."""
    rows = session.execute(
        select(Organisation.id, Organisation.slug, PeopleSettings.retention_days, PeopleSettings.demo).outerjoin(
            PeopleSettings, PeopleSettings.organisation_id == Organisation.id
        )
    )
    return [(i, s, r, bool(d)) for i, s, r, d in rows]


# --- generic scoped reads ---------------------------------------------------------------------------
def _get(session: Session, scope: OrgScope, model: type[T], obj_id: int, what: str) -> T:
    obj = session.scalar(select(model).where(model.id == obj_id, model.organisation_id == scope.org_id))
    if obj is None:
        raise NotFound(f"no {what} {obj_id}", item=str(obj_id))
    return obj


def get_person(session: Session, scope: OrgScope, person_id: int) -> Person:
    return _get(session, scope, Person, person_id, "person")


def get_trip(session: Session, scope: OrgScope, trip_id: int) -> Trip:
    return _get(session, scope, Trip, trip_id, "trip")


def get_segment(session: Session, scope: OrgScope, segment_id: int) -> Segment:
    return _get(session, scope, Segment, segment_id, "segment")


def get_location(session: Session, scope: OrgScope, location_id: int) -> KnownLocation:
    return _get(session, scope, KnownLocation, location_id, "location")


def _as_of(model, as_of: datetime | None):  # noqa: ANN001, ANN202
    return model.recorded_at <= as_of if as_of is not None else True


def list_people(
    session: Session,
    scope: OrgScope,
    *,
    q: str | None = None,
    tag: str | None = None,
    as_of: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Person], int]:
    cond = [Person.organisation_id == scope.org_id, _as_of(Person, as_of)]
    if q:
        like = f"%{q.lower()}%"
        cond.append(or_(func.lower(Person.name).like(like), func.lower(Person.external_id).like(like)))
    stmt = select(Person).where(*cond).order_by(Person.name, Person.id)
    if tag:  # tags are a JSON list: filtered here, the same on both stores
        rows = [p for p in session.scalars(stmt) if tag in (p.tags or [])]
        return rows[offset : offset + limit], len(rows)
    total = session.scalar(select(func.count()).select_from(Person).where(*cond)) or 0
    return list(session.scalars(stmt.limit(limit).offset(offset))), total


def people_by_ids(session: Session, scope: OrgScope, ids: Iterable[int]) -> dict[int, Person]:
    ids = list(set(ids))
    out: dict[int, Person] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        for p in session.scalars(select(Person).where(Person.organisation_id == scope.org_id, Person.id.in_(chunk))):
            out[p.id] = p
    return out


def people_by_external(session: Session, scope: OrgScope) -> dict[str, Person]:
    return {p.external_id: p for p in session.scalars(select(Person).where(Person.organisation_id == scope.org_id))}


def person_external_ids(session: Session, scope: OrgScope) -> dict[str, int]:
    rows = session.execute(select(Person.external_id, Person.id).where(Person.organisation_id == scope.org_id))
    return {e: i for e, i in rows}


def all_people(session: Session, scope: OrgScope) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.organisation_id == scope.org_id).order_by(Person.id)))


def trips_of(session: Session, scope: OrgScope, person_id: int | None = None, as_of: datetime | None = None
             ) -> list[Trip]:
    cond = [Trip.organisation_id == scope.org_id, _as_of(Trip, as_of)]
    if person_id is not None:
        cond.append(Trip.person_id == person_id)
    return list(session.scalars(select(Trip).where(*cond).order_by(Trip.id)))


def trip_by_external(session: Session, scope: OrgScope, external_id: str) -> Trip | None:
    return session.scalar(select(Trip).where(Trip.organisation_id == scope.org_id, Trip.external_id == external_id))


def trips_by_external(session: Session, scope: OrgScope) -> dict[str, Trip]:
    return {t.external_id: t for t in session.scalars(select(Trip).where(Trip.organisation_id == scope.org_id))}


def segments_of(session: Session, scope: OrgScope, trip_ids: Sequence[int] | None = None,
                person_id: int | None = None, as_of: datetime | None = None) -> list[Segment]:
    cond = [Segment.organisation_id == scope.org_id, _as_of(Segment, as_of)]
    if trip_ids is not None:
        cond.append(Segment.trip_id.in_(list(trip_ids)))
    if person_id is not None:
        cond.append(Segment.person_id == person_id)
    return list(session.scalars(select(Segment).where(*cond).order_by(Segment.starts_at, Segment.id)))


def segments_by_key(session: Session, scope: OrgScope) -> dict[tuple[int, str], Segment]:
    rows = session.scalars(select(Segment).where(Segment.organisation_id == scope.org_id))
    return {(s.trip_id, s.external_id): s for s in rows}


def locations_of(session: Session, scope: OrgScope, person_id: int | None = None, as_of: datetime | None = None
                 ) -> list[KnownLocation]:
    cond = [KnownLocation.organisation_id == scope.org_id, _as_of(KnownLocation, as_of)]
    if person_id is not None:
        cond.append(KnownLocation.person_id == person_id)
    return list(session.scalars(select(KnownLocation).where(*cond).order_by(KnownLocation.id)))


def locations_by_external(session: Session, scope: OrgScope) -> dict[str, KnownLocation]:
    rows = session.scalars(select(KnownLocation).where(KnownLocation.organisation_id == scope.org_id))
    return {x.external_id: x for x in rows}


def positions_of(session: Session, scope: OrgScope, person_id: int | None = None, as_of: datetime | None = None
                 ) -> list[Position]:
    cond = [Position.organisation_id == scope.org_id, _as_of(Position, as_of)]
    if as_of is not None:
        cond.append(Position.at <= as_of)
    if person_id is not None:
        cond.append(Position.person_id == person_id)
    return list(session.scalars(select(Position).where(*cond).order_by(Position.at.desc(), Position.id.desc())))


# --- writes -----------------------------------------------------------------------------------------
def add(session: Session, scope: OrgScope, obj: T) -> T:
    if getattr(obj, "organisation_id", None) != scope.org_id:
        raise NotFound("record outside the organisation")
    session.add(obj)
    session.flush()
    return obj


def add_many(session: Session, scope: OrgScope, model: type, rows: list[dict]) -> None:
    """Bulk insert (imports): every row is stamped with the scope's organisation."""
    for r in rows:
        r["organisation_id"] = scope.org_id
    for i in range(0, len(rows), 5000):
        session.execute(model.__table__.insert(), rows[i : i + 5000])


def delete_obj(session: Session, scope: OrgScope, obj: object) -> None:
    if getattr(obj, "organisation_id", None) != scope.org_id:
        raise NotFound("record outside the organisation")
    session.delete(obj)
    session.flush()


def set_managers(session: Session, scope: OrgScope, pairs: list[tuple[int, int | None]]) -> None:
    """(person id, manager id or None) pairs, both of the scope's organisation."""
    known = set(session.scalars(select(Person.id).where(Person.organisation_id == scope.org_id)))
    if any(p not in known or (m is not None and m not in known) for p, m in pairs):
        raise NotFound("person outside the organisation")
    if pairs:
        session.execute(update(Person), [{"id": p, "manager_id": m} for p, m in pairs])


SOURCES = {"segment": ("segment", "origin"), "location": ("location",), "position": ("position",)}


def replace_whereabouts(session: Session, scope: OrgScope, source: str, source_ids: Sequence[int],
                        rows: list[dict]) -> None:
    """Drop the whereabouts derived from these records and write ``rows`` in their place."""
    kinds = SOURCES[source]
    for i in range(0, len(source_ids), 900):
        chunk = list(source_ids[i : i + 900])
        session.execute(
            delete(Whereabouts).where(
                Whereabouts.organisation_id == scope.org_id,
                Whereabouts.source.in_(kinds),
                Whereabouts.source_id.in_(chunk),
            )
        )
    if rows:
        for r in rows:
            if r["organisation_id"] != scope.org_id:
                raise NotFound("record outside the organisation")
        for i in range(0, len(rows), 5000):
            session.execute(Whereabouts.__table__.insert(), rows[i : i + 5000])


def close_positions(session: Session, scope: OrgScope, person_id: int, at: datetime) -> None:
    """A newer position ends the whereabouts of the earlier ones at its time."""
    session.execute(
        update(Whereabouts)
        .where(
            Whereabouts.organisation_id == scope.org_id,
            Whereabouts.person_id == person_id,
            Whereabouts.source == "position",
            Whereabouts.starts_at < at,
            Whereabouts.ends_at > at,
        )
        .values(ends_at=at)
    )


# --- exposure ---------------------------------------------------------------------------------------
def _time_filter(w: Window, as_of: datetime | None) -> list:
    cond = [
        or_(Whereabouts.starts_at.is_(None), Whereabouts.starts_at <= w.bound_until),
        or_(Whereabouts.ends_at.is_(None), Whereabouts.ends_at >= w.start),
    ]
    if as_of is not None:
        cond.append(Whereabouts.recorded_at <= as_of)
    return cond


_POSTGIS: dict[str, bool] = {}


def uses_postgis(session: Session) -> bool:
    """PostgreSQL with PostGIS and the GiST index of the migration (else the h3 cells serve)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    key = bind.url.render_as_string(hide_password=True)
    if key not in _POSTGIS:
        found = session.execute(
            text("SELECT 1 FROM pg_indexes WHERE tablename = 'whereabouts' AND indexname = 'ix_whereabouts_geog'")
        ).first()
        _POSTGIS[key] = found is not None
    return _POSTGIS[key]


_GEOG = "ST_SetSRID(ST_MakePoint(whereabouts.lon, whereabouts.lat), 4326)::geography"
_POINT = "ST_SetSRID(ST_MakePoint(:qlon, :qlat), 4326)::geography"


def in_circle(session: Session, scope: OrgScope, area: Circle, w: Window, as_of: datetime | None = None,
              spatial: str | None = None) -> list[tuple[Whereabouts, float]]:
    """Whereabouts within ``area`` (great-circle) meeting the window or its bound, with distances in km.

    ``spatial``: 'postgis' (ST_DWithin on the sphere over the GiST index), 'h3' (cells, then haversine),
    or None for the best the store has."""
    spatial = spatial or ("postgis" if uses_postgis(session) else "h3")
    base = [Whereabouts.organisation_id == scope.org_id, *_time_filter(w, as_of)]
    if spatial == "postgis":
        within = text(f"ST_DWithin({_GEOG}, {_POINT}, :qm, false)")
        stmt = select(Whereabouts, text(f"ST_Distance({_GEOG}, {_POINT}, false) / 1000.0 AS dist_km")).where(
            *base, within
        )
        rows = session.execute(stmt, {"qlon": area.lon, "qlat": area.lat, "qm": area.km * 1000.0})
        return [(wh, float(d)) for wh, d in rows]
    cells = disk_cells(area.lat, area.lon, area.km)
    if cells is not None:
        cond = [Whereabouts.h3.in_(cells)]
    else:
        lo, hi, wlo, whi = bbox(area.lat, area.lon, area.km)
        lon_cond = Whereabouts.lon.between(wlo, whi)
        if wlo < -180:
            lon_cond = or_(Whereabouts.lon >= wlo + 360, Whereabouts.lon <= whi)
        elif whi > 180:
            lon_cond = or_(Whereabouts.lon >= wlo, Whereabouts.lon <= whi - 360)
        cond = [Whereabouts.lat.between(lo, hi), lon_cond]
    out = []
    for wh in session.scalars(select(Whereabouts).where(*base, *cond)):
        d = haversine_km(area.lat, area.lon, wh.lat, wh.lon)
        if d <= area.km:
            out.append((wh, d))
    return out


def in_region(session: Session, scope: OrgScope, code: str, w: Window, as_of: datetime | None = None
              ) -> list[Whereabouts]:
    base = [Whereabouts.organisation_id == scope.org_id, Whereabouts.region == code, *_time_filter(w, as_of)]
    return list(session.scalars(select(Whereabouts).where(*base)))


def in_country(session: Session, scope: OrgScope, cc: str, w: Window, as_of: datetime | None = None
               ) -> list[Whereabouts]:
    base = [Whereabouts.organisation_id == scope.org_id, Whereabouts.country == cc, *_time_filter(w, as_of)]
    return list(session.scalars(select(Whereabouts).where(*base)))


def in_bounds(session: Session, scope: OrgScope, bounds: tuple[float, float, float, float], w: Window,
              as_of: datetime | None = None) -> list[Whereabouts]:
    minx, miny, maxx, maxy = bounds
    base = [
        Whereabouts.organisation_id == scope.org_id,
        Whereabouts.lat.between(miny, maxy),
        Whereabouts.lon.between(minx, maxx),
        *_time_filter(w, as_of),
    ]
    return list(session.scalars(select(Whereabouts).where(*base)))


def at_moment(session: Session, scope: OrgScope, w: Window, as_of: datetime | None = None,
              bounds: tuple[float, float, float, float] | None = None, limit: int = 5000) -> list[Whereabouts]:
    """Whereabouts meeting the window (a map of where everyone is), optionally within (minx, miny, maxx, maxy)."""
    cond = [Whereabouts.organisation_id == scope.org_id, *_time_filter(w, as_of)]
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        cond += [Whereabouts.lat.between(miny, maxy), Whereabouts.lon.between(minx, maxx)]
    stmt = select(Whereabouts).where(*cond).order_by(Whereabouts.person_id, Whereabouts.id).limit(limit)
    return list(session.scalars(stmt))


def index_rows(session: Session, scope: OrgScope, as_of: datetime | None = None) -> list[tuple]:
    """Rows for an in-memory ``ExposureIndex`` of the organisation."""
    stmt = select(
        Whereabouts.person_id,
        Whereabouts.lat,
        Whereabouts.lon,
        Whereabouts.starts_at,
        Whereabouts.ends_at,
        Whereabouts.country,
        Whereabouts.region,
        Whereabouts.label,
        Whereabouts.id,
    ).where(Whereabouts.organisation_id == scope.org_id, _as_of(Whereabouts, as_of))
    return [tuple(r) for r in session.execute(stmt)]


def whereabouts_of(session: Session, scope: OrgScope, person_id: int | None = None) -> list[Whereabouts]:
    cond = [Whereabouts.organisation_id == scope.org_id]
    if person_id is not None:
        cond.append(Whereabouts.person_id == person_id)
    return list(session.scalars(select(Whereabouts).where(*cond).order_by(Whereabouts.id)))


# --- privacy ----------------------------------------------------------------------------------------
def purge_before(session: Session, scope: OrgScope, cutoff: datetime) -> dict[str, int]:
    """Delete segments and positions that ended before ``cutoff`` (and trips left empty)."""
    seg_ids = list(
        session.scalars(select(Segment.id).where(Segment.organisation_id == scope.org_id, Segment.ends_at < cutoff))
    )
    pos_ids = list(
        session.scalars(select(Position.id).where(Position.organisation_id == scope.org_id, Position.at < cutoff))
    )
    replace_whereabouts(session, scope, "segment", seg_ids, [])
    replace_whereabouts(session, scope, "position", pos_ids, [])
    for i in range(0, len(seg_ids), 900):
        session.execute(delete(Segment).where(Segment.organisation_id == scope.org_id,
                                              Segment.id.in_(seg_ids[i : i + 900])))
    for i in range(0, len(pos_ids), 900):
        session.execute(delete(Position).where(Position.organisation_id == scope.org_id,
                                               Position.id.in_(pos_ids[i : i + 900])))
    empty = list(
        session.scalars(
            select(Trip.id).where(
                Trip.organisation_id == scope.org_id,
                ~select(Segment.id).where(Segment.trip_id == Trip.id).exists(),
            )
        )
    )
    if empty:
        session.execute(delete(Trip).where(Trip.organisation_id == scope.org_id, Trip.id.in_(empty)))
    return {"segments": len(seg_ids), "positions": len(pos_ids), "trips": len(empty)}


def count_rows(session: Session, scope: OrgScope) -> dict[str, int]:
    out = {}
    for name, model in (("people", Person), ("trips", Trip), ("segments", Segment), ("locations", KnownLocation),
                        ("positions", Position), ("whereabouts", Whereabouts)):
        out[name] = session.scalar(select(func.count()).select_from(model).where(model.organisation_id == scope.org_id))
    return out

