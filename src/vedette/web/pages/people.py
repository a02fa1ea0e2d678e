"""The organisation's people: who they are, where they are at a moment, their trips; import and export."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vedette.store.deps import get_session
from vedette.web.pages.common import Viewer, default_moment, render, viewer

router = APIRouter()


@router.get("/people", response_class=HTMLResponse)
def people_page(
    request: Request,
    q: str | None = Query(None, max_length=200),
    tag: str | None = Query(None, max_length=100),
    at: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """People of the signed-in organisation, where each is at the chosen moment and why, their trips ahead."""
    from vedette.people import service as people

    rows, total = people.list_people(session, who.scope, q=q or None, tag=tag or None, limit=500, offset=0)
    if at is None:
        at = (default_moment() or datetime.now(UTC).isoformat())[:10]
    moment = datetime.combine(datetime.fromisoformat(at).date(), time(12), UTC)
    where: dict[int, list[str]] = {}
    for f in people.map_at(session, who.scope, moment)["features"]:
        p = f["properties"]
        where.setdefault(p["person_id"], []).append(f"{p['label']}" + (f" ({p['country']})" if p["country"] else ""))
    trips = people.list_trips(session, who.scope)
    names = {p.id: p.name for p in rows}
    ahead = sorted(
        (s for _t, segs in trips for s in segs
         if s.ends_at.replace(tzinfo=s.ends_at.tzinfo or UTC) >= moment
         and s.starts_at.replace(tzinfo=s.starts_at.tzinfo or UTC) <= moment + timedelta(days=14)),
        key=lambda s: s.starts_at,
    )[:200]
    return render(
        request, "people.html", who, people=rows, total=total, where=where, at=at, q=q or "", tag=tag or "",
        segments=ahead, names=names, can_manage=who.can("manage"),
    )
