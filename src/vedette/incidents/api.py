"""HTTP routes of incidents: filtered lists, GeoJSON, detail with provenance, manual split and merge."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from vedette.bounds import MAX_ID, NO_NUL, StoredStr, responses
from vedette.errors import BadInput
from vedette.incidents import repository as repo
from vedette.incidents import service
from vedette.incidents.models import Incident
from vedette.incidents.schemas import IncidentDetail, IncidentOut, IncidentPage, MergeIn, ReportOut, SplitIn
from vedette.store.deps import get_session

router = APIRouter(tags=["incidents"], responses=responses(401, 403))  # every route needs a signed-in caller
ERRORS = responses(404, 422)
BODY_ERRORS = responses(400, 404, 413, 422)
IncidentId = Path(ge=1, le=MAX_ID)


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat", item="bbox") from exc
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise BadInput("bbox must be minLon,minLat,maxLon,maxLat with min <= max", item="bbox")
    return parts  # type: ignore[return-value]


# What a list item shows: the list reads these columns only, not whole incidents (no ORM objects to build).
LIST_COLUMNS = (
    Incident.id, Incident.date, Incident.time, Incident.place, Incident.admin1, Incident.country, Incident.lat,
    Incident.lon, Incident.category, Incident.killed, Incident.injured, Incident.hostages_or_kidnapped,
    Incident.actors, Incident.severity, Incident.locked,
)


def _out(inc: Incident | Row, n: int) -> IncidentOut:
    return IncidentOut(
        id=inc.id,
        date=inc.date,
        time=inc.time,
        place=inc.place,
        admin1=inc.admin1,
        country=inc.country,
        lat=inc.lat,
        lon=inc.lon,
        category=inc.category,
        killed=inc.killed,
        injured=inc.injured,
        hostages_or_kidnapped=inc.hostages_or_kidnapped,
        actors=list(inc.actors or []),
        severity=inc.severity,
        report_count=n,
        locked=inc.locked,
    )


def _filtered(session: Session, since, until, country, admin1, category, bbox, q, status=None):  # noqa: ANN001, ANN202
    statuses = list(status) if status else repo.COUNTED_STATUSES  # dismissed and merged only when asked for
    return repo.query_incidents(
        since=since, until=until, country=country, admin1=admin1, categories=category or None, bbox=_bbox(bbox), text=q,
        statuses=statuses,
    )


@router.get("/incidents", response_model=IncidentPage, responses=responses(422))
def list_incidents(
    since: date | None = None,
    until: date | None = None,
    country: str | None = Query(None, min_length=2, max_length=2, pattern=NO_NUL),
    admin1: str | None = Query(None, max_length=200, pattern=NO_NUL),
    category: list[StoredStr] | None = Query(None, max_length=50),
    bbox: str | None = Query(None, max_length=200, description="minLon,minLat,maxLon,maxLat"),
    q: str | None = Query(None, max_length=500, pattern=NO_NUL, description="in place, actors or evidence"),
    status: list[Literal["new", "confirmed", "dismissed", "merged"]] | None = Query(
        None, max_length=4, description="review statuses (default: new and confirmed; dismissed only when asked)"
    ),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
    session: Session = Depends(get_session),
) -> IncidentPage:
    query = _filtered(session, since, until, country, admin1, category, bbox, q, status)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Incident.id).subquery())) or 0
    page = query.with_only_columns(*LIST_COLUMNS).order_by(Incident.date.desc(), Incident.id.desc())
    rows = session.execute(page.limit(limit).offset(offset)).all()
    counts = repo.report_counts(session, [i.id for i in rows])
    return IncidentPage(total=total, items=[_out(i, counts.get(i.id, 0)) for i in rows])


@router.get("/incidents.geojson", responses=responses(422))
def incidents_geojson(
    since: date | None = None,
    until: date | None = None,
    country: str | None = Query(None, min_length=2, max_length=2, pattern=NO_NUL),
    category: list[StoredStr] | None = Query(None, max_length=50),
    bbox: str | None = Query(None, max_length=200, description="minLon,minLat,maxLon,maxLat"),
    session: Session = Depends(get_session),
) -> dict:
    query = _filtered(session, since, until, country, None, category, bbox, None)
    features = []
    for inc in session.scalars(query.limit(5000)):
        if inc.lat is None or inc.lon is None:
            continue
        props = _out(inc, 0).model_dump(exclude={"lat", "lon", "report_count"})
        features.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [inc.lon, inc.lat]}, "properties": props}
        )
    return {"type": "FeatureCollection", "features": features}


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, responses=ERRORS)
def get_incident(incident_id: int = IncidentId, session: Session = Depends(get_session)) -> IncidentDetail:
    inc = service.get_incident(session, incident_id)
    reports = repo.reports_for(session, [inc.id])
    names = repo.document_names(session, [r.document_id for r in reports])
    out = _out(inc, len(reports)).model_dump()
    out["reports"] = [
        ReportOut(
            id=r.id,
            document_id=r.document_id,
            document=names.get(r.document_id),
            span=(r.span_start, r.span_end),
            evidence=r.evidence,
            extractor=r.extractor,
            provenance=r.provenance or {},
        )
        for r in reports
    ]
    return IncidentDetail(**out)


@router.post("/incidents/{incident_id}/split", response_model=IncidentOut, responses=BODY_ERRORS)
def split_incident(
    body: SplitIn, incident_id: int = IncidentId, session: Session = Depends(get_session)
) -> IncidentOut:
    new = service.split(session, incident_id, body.report_id)
    return _out(new, 1)


@router.post("/incidents/{incident_id}/merge", response_model=IncidentOut, responses=BODY_ERRORS)
def merge_incidents(
    body: MergeIn, incident_id: int = IncidentId, session: Session = Depends(get_session)
) -> IncidentOut:
    inc = service.merge(session, incident_id, body.other_id)
    return _out(inc, len(repo.reports_for(session, [inc.id])))
