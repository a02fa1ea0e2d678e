"""Account pages: one's own API tokens (everyone), the organisation's users and audit log (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vedette.store.deps import get_session
from vedette.web.pages.common import Viewer, render, viewer

router = APIRouter()


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: Session = Depends(get_session), who: Viewer = Depends(viewer)):
    """Tokens of the signed-in user; for admins, users of the organisation and its recent audit log."""
    from vedette.tenancy import audit, service
    from vedette.tenancy import repository as repo

    tokens = service.list_tokens(session, who.user)
    users = repo.users_of(session, who.scope) if who.can("manage_users") else []
    events = audit.events(session, who.scope, limit=50) if who.can("read_audit") else []
    from zoneinfo import available_timezones

    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return render(request, "account.html", who, tokens=tokens, users=users, events=events, time_zones=zones)
