"""Country intelligence page and the documents page."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vedette.errors import VedetteError
from vedette.incidents import repository as incidents_repo
from vedette.incidents.models import Incident, Report
from vedette.incidents.review import CATEGORIES
from vedette.intake.models import Document
from vedette.store.deps import get_session
from vedette.web.pages.common import Viewer, render, viewer

router = APIRouter()
CHRONOLOGY = 60  # incidents listed on a country page
TREND_WEEKS = 26


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def weekly_counts(incidents: list[Incident], end: date, weeks: int = TREND_WEEKS) -> dict:
    """Incidents per week by category over the ``weeks`` ending at ``end`` (for the trend chart)."""
    start = end - timedelta(days=7 * weeks - 1)
    start -= timedelta(days=start.weekday())  # weeks start on Monday
    n = (end - start).days // 7 + 1
    series: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    for inc in incidents:
        d = _day(inc.date)
        if d is None or d < start or d > end:
            continue
        series[inc.category][(d - start).days // 7] += 1
    return {
        "weeks": [(start + timedelta(days=7 * i)).isoformat() for i in range(n)],
        "series": {c: series[c] for c in CATEGORIES if c in series},
    }


@router.get("/countries/{cc}", response_class=HTMLResponse)
def country_page(
    request: Request,
    cc: str = Path(pattern=r"^[A-Za-z]{2}$"),
    as_of: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """The country intelligence page: levels by source with their history, indicators, summary and advice,
    recent incidents on a map and as a chronology, a weekly trend by category, transport status, actors
    named, and the organisation's people in the country."""
    from vedette.gazetteer import get_gazetteer
    from vedette.risk import levels, picture

    cc = cc.upper()
    place = get_gazetteer().get(f"cc:{cc}")
    if place is None:
        return render(request, "not_found.html", who, status_code=404, what=f"country {cc}")
    rows = list(session.scalars(
        incidents_repo.query_incidents(country=cc, until=_day(as_of)).order_by(
            Incident.date.desc().nulls_last(), Incident.id.desc()
        )
    ))
    latest = next((d for d in (_day(i.date) for i in rows) if d), None)
    end = _day(as_of) or latest or date.today()
    pic = picture.country(session, cc, as_of)
    history = levels.history(session, cc)
    actors = Counter(a for i in rows[:200] for a in (i.actors or []))
    people = None
    try:
        from datetime import UTC, datetime, time

        from vedette.people.service import advisory_exposure

        people = advisory_exposure(session, who.scope, cc, at=datetime.combine(end, time(12), UTC))
    except VedetteError:
        people = None
    trend = weekly_counts(rows, end)
    return render(
        request,
        "country.html",
        who,
        cc=cc,
        name=place.name,
        centre=(place.lat, place.lon),
        pic=pic,
        history=history,
        chronology=rows[:CHRONOLOGY],
        total=len(rows),
        actors=actors.most_common(15),
        people=people,
        trend=trend,
        as_of=as_of or "",
        end=end.isoformat(),
    )


@router.get("/documents", response_class=HTMLResponse)
def documents_page(
    request: Request,
    limit: int = Query(100, ge=1, le=500),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """Upload a file, add a URL or a feed, and see what each document produced."""
    docs = list(session.scalars(select(Document).order_by(Document.id.desc()).limit(limit)))
    produced = dict(
        session.execute(
            select(Report.document_id, func.count(func.distinct(Report.incident_id)))
            .where(Report.document_id.in_([d.id for d in docs]))
            .group_by(Report.document_id)
        ).all()
    ) if docs else {}
    total = session.scalar(select(func.count()).select_from(Document)) or 0
    return render(
        request, "documents.html", who, documents=docs, produced=produced, total=total,
        can_post=who.can("post_documents"),
    )
