"""Server-rendered pages (Jinja2)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vedette.incidents.models import Incident
from vedette.intake.models import Document
from vedette.web.deps import get_session

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(get_session)) -> HTMLResponse:
    documents = session.scalars(select(Document).order_by(Document.fetched_at.desc()).limit(200)).all()
    incidents = session.scalars(
        select(Incident).order_by(Incident.date.desc().nulls_last(), Incident.id.desc()).limit(500)
    ).all()
    totals = {
        "documents": session.scalar(select(func.count()).select_from(Document)) or 0,
        "incidents": session.scalar(select(func.count()).select_from(Incident)) or 0,
    }
    return templates.TemplateResponse(
        request, "home.html", {"documents": documents, "incidents": incidents, "totals": totals}
    )
