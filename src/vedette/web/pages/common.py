"""What every page shares: templates, the signed-in user (or a redirect to sign in), language, rendering."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from vedette import __version__
from vedette.errors import VedetteError
from vedette.store.deps import get_session
from vedette.web.i18n import LANGUAGES, choose, translator

TEMPLATES = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
TEMPLATES.env.globals["version"] = __version__
WRITE_ROLES = ("admin", "manager", "analyst", "operator")


DEMO_AS_OF = "2012-03-22T12:00"  # the demo crisis: the morning the coup began


def default_moment() -> str | None:
    """The "as of" moment pages open on: the demo's in demo mode (``VEDETTE_DEMO_MODE``), else now (None)."""
    from vedette.config import get_settings

    return DEMO_AS_OF if get_settings().demo_mode else None


class SignInRequired(Exception):
    """Raised by page dependencies when nobody is signed in: the app answers with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass
class Viewer:
    """The person looking at a page: who, for which organisation, in which role and language."""

    principal: object  # tenancy.deps.Principal
    lang: str
    can_act_for: tuple[str, ...] = ()  # an operator's own organisation and those it is granted

    @property
    def user(self):  # noqa: ANN201
        return self.principal.user

    @property
    def scope(self):  # noqa: ANN201
        return self.principal.scope

    @property
    def role(self) -> str:
        return self.principal.scope.role

    @property
    def csrf(self) -> str:
        ws = self.principal.web_session
        return ws.csrf_token if ws is not None else ""

    def can(self, action: str) -> bool:
        return self.principal.scope.can(action)


def language(request: Request, user: object | None = None) -> str:
    return choose(
        getattr(user, "language", None), request.cookies.get("lang"), request.headers.get("accept-language")
    )


def viewer(request: Request, session: Session = Depends(get_session)) -> Viewer:
    """The signed-in viewer (session cookie or token), else a redirect to the sign-in page."""
    from vedette.tenancy.deps import authenticated

    try:
        principal = authenticated(request, session, None)
    except VedetteError as exc:
        if exc.status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(target) from exc
        raise
    orgs: tuple[str, ...] = ()
    if principal.user.role == "operator":
        # an operator names the organisation it acts for in every request (?org=SLUG, checked against its
        # grants by tenancy); the one chosen last is remembered and put back in the address
        from vedette.tenancy import repository as accounts
        from vedette.tenancy.models import Organisation

        own = session.get(Organisation, principal.user.organisation_id)
        granted = {o.slug for o in accounts.granted_orgs(session, principal.user.id)}
        orgs = tuple(sorted(granted | {own.slug}))
        chosen = request.cookies.get("vedette_org")
        if "org" not in request.query_params and chosen and chosen in orgs and chosen != principal.scope.org_slug:
            sep = "&" if request.url.query else "?"
            raise GoTo(f"{request.url.path}{'?' + request.url.query if request.url.query else ''}{sep}org={chosen}")
    return Viewer(principal, language(request, principal.user), orgs)


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context) -> HTMLResponse:
    lang = viewer.lang if viewer else language(request)
    nonce = secrets.token_urlsafe(12)
    request.state.csp_nonce = nonce
    page = {
        "request": request,
        "_": translator(lang),
        "lang": lang,
        "languages": LANGUAGES,
        "viewer": viewer,
        "nonce": nonce,
        "path": request.url.path,
        **context,
    }
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status_code)


class GoTo(SignInRequired):
    """Raised by page dependencies to send the browser to ``url`` (handled with sign-in redirects: a 303)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def sign_in_redirect(exc: SignInRequired) -> RedirectResponse:
    if isinstance(exc, GoTo):
        return RedirectResponse(exc.url, status_code=303)
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)
