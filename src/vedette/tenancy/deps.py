"""FastAPI dependencies of authentication and authorisation.

``authenticated`` is attached once, when ``web/app.py`` includes each router (every route but the
``PUBLIC_ROUTES`` below). It

1. finds the subject: ``Authorization: Bearer vdt_...`` (an API token) or the ``vedette_session`` cookie;
   cookie-authenticated unsafe requests must carry the session's CSRF token (``X-CSRF-Token`` header or a
   ``csrf_token`` form field: synchronizer token, kept with the session row);
2. turns it into an ``OrgScope`` (``?org=SLUG`` names the organisation an operator acts for; outside its
   grants, 404), auditing every act an operator does for another organisation;
3. checks the role against ``ROUTE_ACTIONS`` for unsafe methods (default ``write``: analysts and up).

Routes that need the scope declare ``scope: OrgScope = Depends(org_scope)`` (resolved once per request).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vedette.store.deps import get_session
from vedette.tenancy import audit, service
from vedette.tenancy.authz import Forbidden, Unauthenticated, require, scope_for
from vedette.tenancy.models import ApiToken, User, WebSession
from vedette.tenancy.scope import OrgScope

SESSION_COOKIE = "vedette_session"
CSRF_COOKIE = "vedette_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The one list of API routes open without signing in (method, path as in the OpenAPI document). A public
# feed (CAP/Atom) is added here and its router included in web/app.py without ``authenticated``;
# tests/tenancy/test_every_route.py holds every other route to 401. Outside the API: /static, the docs
# (/docs, /redoc, /openapi.json) and the sign-in page (/login) are open.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/api/health"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/reset"),
        # alerts: feeds reached with a feed token, the public feed, providers' signed callbacks (alerts/api.py)
        ("GET", "/api/alerts/feeds/{org_slug}/atom.xml"),
        ("GET", "/api/alerts/feeds/{org_slug}/cap/{alert_id}.xml"),
        ("GET", "/api/alerts/public/atom.xml"),
        ("GET", "/api/alerts/public/cap/{alert_id}.xml"),
        ("POST", "/api/alerts/sms/receipt"),
        ("POST", "/api/alerts/sms/inbound"),
        ("POST", "/api/alerts/email/bounce"),
    }
)

# What an unsafe request needs (see scope.ACTIONS). Shared intelligence: analysts and up add documents and
# feeds; only operators change it (review: split, merge, re-extract; shared places).
ROUTE_ACTIONS: dict[tuple[str, str], str] = {
    ("POST", "/api/documents"): "post_documents",
    ("POST", "/api/feeds"): "post_documents",
    ("POST", "/api/jobs/poll-feeds"): "post_documents",
    ("POST", "/api/jobs/poll-feed"): "post_documents",
    ("POST", "/api/jobs/ingest"): "post_documents",
    ("POST", "/api/jobs/reextract/{document_id}"): "review_shared",
    ("POST", "/api/incidents/{incident_id}/split"): "review_shared",
    ("POST", "/api/incidents/{incident_id}/merge"): "review_shared",
    # an organisation's own place (the route checks the slug against the scope; a shared one: operators)
    ("POST", "/api/places"): "write",
    ("POST", "/api/auth/logout"): "read",
    ("POST", "/api/auth/password"): "read",
    ("POST", "/api/tokens"): "read",
    ("DELETE", "/api/tokens/{token_id}"): "read",
    ("PUT", "/api/preferences"): "read",  # one's own language and time zone
    ("POST", "/api/users"): "manage_users",
    ("POST", "/api/users/{user_id}/deactivate"): "manage_users",
}
DEFAULT_UNSAFE_ACTION = "write"


@dataclass
class Principal:
    user: User
    via: str  # "token" | "session"
    scope: OrgScope
    token: ApiToken | None = None
    web_session: WebSession | None = None


def client_ip(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


async def _csrf_form_field(request: Request) -> str | None:
    """The ``csrf_token`` of a cookie-authenticated HTML form post (read only when no header carries it)."""
    if (
        request.method in SAFE_METHODS
        or "authorization" in request.headers
        or CSRF_HEADER in request.headers
        or SESSION_COOKIE not in request.cookies
    ):
        return None
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def _route_path(request: Request) -> str:
    """The route's template with its include prefix, as in the OpenAPI document ('/api/tokens/{token_id}').

    FastAPI (0.16x) keeps the router's own route in ``scope["route"]`` (no prefix) and the effective one in
    its ``scope["fastapi"]`` context; a test checks that the templates found here are the OpenAPI ones.
    """
    ctx = (request.scope.get("fastapi") or {}).get("effective_route_context")
    template = getattr(ctx, "path_format", None)
    if template:
        return template
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or request.url.path
    if request.url.path.startswith("/api/") and not template.startswith("/api/"):
        template = "/api" + template
    return template


def authenticated(
    request: Request,
    session: Session = Depends(get_session),
    csrf_field: str | None = Depends(_csrf_form_field),
) -> Principal:
    auth = request.headers.get("authorization")
    if auth is not None:
        kind, _, value = auth.partition(" ")
        found = service.token_user(session, value.strip()) if kind.lower() == "bearer" else None
        if found is None:
            raise Unauthenticated("invalid, expired or revoked token", item="authorization")
        user, token = found
        scope = scope_for(session, user, request.query_params.get("org"), actor="token")
        principal = Principal(user, "token", scope, token=token)
    else:
        found_s = service.session_user(session, request.cookies.get(SESSION_COOKIE, ""))
        if found_s is None:
            raise Unauthenticated(
                "sign in (POST /api/auth/login) or send a bearer token", item="authorization"
            )
        user, row = found_s
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER) or csrf_field or ""
            if not hmac.compare_digest(sent.encode(), row.csrf_token.encode()):
                raise Forbidden("CSRF token missing or wrong", item="csrf_token")
        scope = scope_for(session, user, request.query_params.get("org"))
        principal = Principal(user, "session", scope, web_session=row)
    if request.method not in SAFE_METHODS:
        key = (request.method, _route_path(request))
        require(principal.scope, ROUTE_ACTIONS.get(key, DEFAULT_UNSAFE_ACTION))
    if principal.scope.on_behalf:
        # In a transaction of its own, committed before the act: an attempted act is on record even if it
        # fails, and a read does not hold the write lock for its whole length.
        scope, route, ip = (
            principal.scope,
            f"{request.method} {_route_path(request)}"[:64],
            client_ip(request),
        )
        params = {k: str(v)[:64] for k, v in request.path_params.items()}
        service.side_write(
            session,
            lambda s: audit.record(
                s,
                "operator.act",
                scope=scope,
                target_type="route",
                target_id=route,
                detail={"path_params": params},
                ip=ip,
            ),
        )
    request.state.principal = principal
    return principal


def org_scope(principal: Principal = Depends(authenticated)) -> OrgScope:
    """The scope of the request: the user's organisation, or for an operator the granted ``?org=``."""
    return principal.scope


def requires(action: str) -> Callable[..., OrgScope]:
    """A dependency giving the scope when its role may do ``action`` (403 otherwise)."""

    def _dep(scope: OrgScope = Depends(org_scope)) -> OrgScope:
        return require(scope, action)

    _dep.__name__ = f"requires_{action}"
    return _dep
