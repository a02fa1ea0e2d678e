"""The duty analyst's pages: map, feed and review queue, incident."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from vedette.errors import NotFound
from vedette.incidents import repository as incidents_repo
from vedette.incidents.models import Incident
from vedette.incidents.review import CATEGORIES  # the one list of categories (SCHEMA.md)
from vedette.store.deps import get_session
from vedette.web.limits import MAX_ID
from vedette.web.pages.common import Viewer, default_moment, render, viewer

router = APIRouter()

STATUSES = ("new", "confirmed", "dismissed")


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/map", status_code=303)


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    as_of: str | None = Query(None, max_length=20, pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$"),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """Incidents, advisory levels, airports and the organisation's people on one map, as of a moment."""
    start = as_of or default_moment()
    return render(request, "map.html", who, as_of=start, categories=CATEGORIES, statuses=STATUSES)


@router.get("/feed", response_class=HTMLResponse)
def feed_page(
    request: Request,
    order: str = Query("newest", pattern="^(newest|severe)$"),
    status: list[str] = Query(["new", "confirmed"], max_length=3),
    country: str | None = Query(None, pattern=r"^[A-Za-z]{2}$|^$"),
    category: str | None = Query(None, max_length=40),
    limit: int = Query(200, ge=1, le=1000),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """Incidents newest or most severe first, with the review actions an operator may take."""
    statuses = [s for s in status if s in STATUSES] or ["new", "confirmed"]
    query = incidents_repo.query_incidents(
        country=country or None, categories=[category] if category else None, statuses=statuses
    )
    if order == "severe":
        query = query.order_by(Incident.severity.desc().nulls_last(), Incident.date.desc().nulls_last())
    else:
        query = query.order_by(Incident.date.desc().nulls_last(), Incident.id.desc())
    rows = list(session.scalars(query.limit(limit)))
    counts = incidents_repo.report_counts(session, [i.id for i in rows])
    from vedette.incidents.review import queue

    pending = queue(session, limit=1, documents_limit=50)
    return render(
        request,
        "feed.html",
        who,
        incidents=rows,
        counts=counts,
        order=order,
        status=statuses,
        country=country or "",
        category=category or "",
        categories=CATEGORIES,
        statuses=STATUSES,
        silent_documents=pending.get("documents_without_incidents", []),
        silent_total=pending.get("documents_without_incidents_total", 0),
        can_review=who.can("review_shared"),
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    incident_id: int = Path(ge=1, le=MAX_ID),
    session: Session = Depends(get_session),
    who: Viewer = Depends(viewer),
) -> HTMLResponse:
    """Every field with its evidence and edits, the source sentence in its document, the reports merged into
    it, the review history, and who of the organisation is exposed and why."""
    from vedette.incidents.review import review_view
    from vedette.intake.models import Document

    try:
        view = review_view(session, incident_id)
    except NotFound:
        return render(request, "not_found.html", who, status_code=404, what=f"incident {incident_id}")
    documents = {}
    for rep in view["reports"]:
        doc = session.get(Document, rep["document_id"])
        if doc is not None and rep["document_id"] not in documents:
            documents[rep["document_id"]] = doc
    snippets = []
    for rep in view["reports"]:
        doc = documents.get(rep["document_id"])
        text = (doc.text or "") if doc is not None else ""
        a, b = rep["span"]
        if text[a:b].strip() != (rep["evidence"] or "").strip():
            # spans count in the cleaned text; find the evidence sentence in the stored one instead
            found = text.find((rep["evidence"] or "").strip()[:200]) if rep["evidence"] else -1
            if found >= 0:
                a, b = found, found + len(rep["evidence"].strip())
        lo, hi = max(0, a - 400), min(len(text), b + 400)
        snippets.append({"report": rep, "before": text[lo:a], "hit": text[a:b], "after": text[b:hi],
                         "title": getattr(doc, "title", None) or rep["document"]})
    exposure = None
    try:
        from vedette.people.service import incident_exposure

        exposure = incident_exposure(session, who.scope, incident_id)
    except NotFound:
        exposure = None
    can_review = who.can("review_shared")
    return render(request, "incident.html", who, inc=view, snippets=snippets, exposure=exposure, can_review=can_review,
                  categories=CATEGORIES)
