"""JSON the dashboard's map and live updates read: compact, viewport-filtered, as of a moment.

``/api/map/incidents`` answers a viewport (bbox) as of a moment with what the map draws, and nothing else:
id, position, category, severity, status, date, place, casualties. ``/api/live`` is a server-sent event
stream of new and changed incidents (and, later, check-ins), so pages update without a reload.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from vedette.errors import BadInput
from vedette.incidents import repository as incidents_repo
from vedette.incidents.models import Incident
from vedette.store.db import leave_gate, session_factory
from vedette.store.deps import get_session
from vedette.tenancy.deps import org_scope
from vedette.tenancy.scope import OrgScope
from vedette.web.limits import responses

router = APIRouter(tags=["dashboard"], responses=responses(401, 403))
MAP_LIMIT = 20_000
LIVE_POLL_S = 2.0
LIVE_MAX_S = 3600.0  # a stream ends after an hour; the browser reconnects on its own


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        w, s, e, n = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat", item="bbox") from exc
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
        raise BadInput("bbox out of range: minLon,minLat,maxLon,maxLat in degrees", item="bbox")
    return w, s, e, n


@router.get("/map/incidents", responses=responses(422))
def map_incidents(
    bbox: str | None = Query(None, max_length=100, description="minLon,minLat,maxLon,maxLat (may cross 180°)"),
    as_of: date | None = Query(None, description="only incidents dated on or before this day"),
    since: date | None = Query(None, description="only incidents dated on or after this day"),
    category: list[str] | None = Query(None, max_length=20),
    status: list[str] = Query(["new", "confirmed"], max_length=3),
    country: str | None = Query(None, pattern=r"^[A-Za-z]{2}$"),
    session: Session = Depends(get_session),
) -> dict:
    """The map's incident layer for one viewport, as compact GeoJSON (coordinates rounded to ~10 m)."""
    statuses = [s for s in status if s in ("new", "confirmed", "dismissed")] or ["new", "confirmed"]
    q = incidents_repo.query_incidents(
        since=since, until=as_of, country=country, categories=category or None, statuses=statuses
    ).where(Incident.lat.is_not(None), Incident.lon.is_not(None))
    box = _bbox(bbox)
    if box:
        w, s, e, n = box
        q = q.where(Incident.lat >= s, Incident.lat <= n)
        across = (Incident.lon >= w) | (Incident.lon <= e)  # a viewport across the antimeridian
        q = q.where(Incident.lon >= w, Incident.lon <= e) if w <= e else q.where(across)
    cols = (Incident.id, Incident.lat, Incident.lon, Incident.category, Incident.severity, Incident.status,
            Incident.date, Incident.place, Incident.country, Incident.killed, Incident.injured)
    sub = q.subquery()
    rows = session.execute(
        select(*(sub.c[c.key] for c in cols)).order_by(sub.c.date.desc(), sub.c.id.desc()).limit(MAP_LIMIT + 1)
    ).all()
    features = [
        {
            "type": "Feature",
            "id": r[0],
            "geometry": {"type": "Point", "coordinates": [round(r[2], 4), round(r[1], 4)]},
            "properties": {"category": r[3], "severity": r[4], "status": r[5], "date": r[6], "place": r[7],
                           "country": r[8], "killed": r[9], "injured": r[10]},
        }
        for r in rows[:MAP_LIMIT]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > MAP_LIMIT}


@router.get("/map/people", responses=responses(422))
def map_people(
    bbox: str = Query(..., max_length=100, description="minLon,minLat,maxLon,maxLat"),
    at: datetime | None = Query(None, description="the moment (default now); people there within 12 hours of it"),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(org_scope),
) -> dict:
    """Where the signed-in organisation's people are around a moment, with why (hotel stay, office, flight),
    for the map's people layer; only the organisation's own people, never another's."""
    from shapely.geometry import box as shape_box

    from vedette.people.exposure import Polygon, window_around
    from vedette.people.service import exposure

    w, s, e, n = _bbox(bbox) or (-180.0, -90.0, 180.0, 90.0)
    moment = at or datetime.now(UTC)
    found = exposure(session, scope, Polygon(shape_box(w, s, e, n), "the map"), window_around(moment, 12, 0),
                     as_of=at)
    features = []
    for person in found["people"]:
        where = next((r for r in person["reasons"] if r.get("lat") is not None), None)
        if where is None:
            continue
        features.append({
            "type": "Feature",
            "id": person["person_id"],
            "geometry": {"type": "Point", "coordinates": [round(where["lon"], 4), round(where["lat"], 4)]},
            "properties": {"name": person["name"], "status": person["status"],
                           "why": "; ".join(r["text"] for r in person["reasons"])},
        })
    return {"type": "FeatureCollection", "features": features}


class PreferencesIn(BaseModel):
    language: str | None = Field(None, pattern="^(en|fr)$", description="the interface's language")
    time_zone: str | None = Field(None, max_length=64, description="IANA zone dates are shown in; null: the browser's")


@router.put("/preferences", status_code=200, responses=responses(400, 413, 422))
def set_preferences(body: PreferencesIn, request: Request, session: Session = Depends(get_session)) -> dict:
    """The signed-in user's interface language and time zone (kept with the account, used on every page)."""
    from zoneinfo import available_timezones

    user = session.merge(request.state.principal.user)  # who the router's sign-in dependency found
    if body.time_zone is not None and body.time_zone not in available_timezones():
        raise BadInput(f"unknown time zone {body.time_zone!r} (an IANA name such as Africa/Bamako)", item="time_zone")
    if "language" in body.model_fields_set:
        user.language = body.language
    if "time_zone" in body.model_fields_set:
        user.time_zone = body.time_zone
    return {"language": user.language, "time_zone": user.time_zone}


def _watermark(session: Session) -> tuple[datetime | None, int]:
    row = session.execute(select(func.max(Incident.updated_at), func.count(Incident.id))).one()
    return row[0], int(row[1])


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _changes(url: str | None, since: datetime | None) -> tuple[list[dict], datetime | None]:
    """Incidents created or changed after ``since`` (the store's own timestamp, compared as the store keeps
    it), and the new watermark."""
    with session_factory(url)() as session:
        q = select(Incident.id, Incident.status, Incident.category, Incident.place, Incident.date,
                   Incident.severity, Incident.updated_at, Incident.created_at)
        if since is not None:
            q = q.where(Incident.updated_at > since)
        rows = session.execute(q.order_by(Incident.updated_at).limit(200)).all()
    events = [
        {"id": r[0], "status": r[1], "category": r[2], "place": r[3], "date": r[4], "severity": r[5],
         "kind": "incident.new" if since is None or (r[7] is not None and r[7] > since) else "incident.changed",
         "at": _utc(r[6])}
        for r in rows
    ]
    return events, (rows[-1][6] if rows else since)


@router.get(
    "/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
)
async def live(request: Request, session: Session = Depends(get_session)) -> StreamingResponse:
    """Server-sent events: ``incident.new`` and ``incident.changed`` as they happen (polled every 2 s,
    without holding a connection or a thread between polls), and a ``ping`` every 15 s."""
    start, _ = _watermark(session)
    url = str(session.get_bind().url.render_as_string(hide_password=False))
    leave_gate(session)  # the stream polls on sessions of its own: it keeps no place at the read gate
    # check-ins and alarms of the signed-in organisation, as events "checkin" (alerts.board.LiveSource)
    from vedette.alerts.board import LiveSource

    principal = getattr(request.state, "principal", None)
    checkins = await run_in_threadpool(LiveSource, url, principal.scope.org_id) if principal is not None else None

    async def stream() -> AsyncIterator[bytes]:
        mark = start
        yield b"retry: 3000\nevent: hello\ndata: {}\n\n"
        waited = 0.0
        loop = asyncio.get_running_loop()
        began = loop.time()
        while loop.time() - began < LIVE_MAX_S:
            if await request.is_disconnected():
                return
            await asyncio.sleep(LIVE_POLL_S)
            waited += LIVE_POLL_S
            changes, mark = await run_in_threadpool(_changes, url, mark)
            for ch in changes:
                yield f"event: {ch['kind']}\ndata: {json.dumps(ch)}\n\n".encode()
            for kind, data in await run_in_threadpool(checkins.poll) if checkins is not None else []:
                yield f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()
            if waited >= 15:
                waited = 0.0
                yield b"event: ping\ndata: {}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
