"""Sign-in and sign-out pages, and the interface language switch."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from vedette.web.i18n import LANGUAGES
from vedette.web.pages.common import render

router = APIRouter()


def _safe_next(value: str | None) -> str:
    """Only a path on this site (never '//host' or a scheme): no open redirect after signing in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = Query(None, max_length=500)) -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next))


@router.get("/lang/{code}")
def set_language(
    code: str = Path(pattern="^[a-z]{2}$"), next: str | None = Query(None, max_length=500)
) -> RedirectResponse:
    """Choose the interface language (kept in a cookie; a signed-in user's own setting wins)."""
    response = RedirectResponse(_safe_next(next), 303)
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax", httponly=True, path="/")
    return response
