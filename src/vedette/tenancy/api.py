"""HTTP routes of accounts: sign-in and out, who am I, API tokens, users (admins), the audit log (admins).

``public_router`` holds the routes open without signing in (see ``deps.PUBLIC_ROUTES``); ``router`` is
included behind ``deps.authenticated`` like every other router.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from vedette.config import get_settings
from vedette.store.deps import get_session
from vedette.tenancy import audit, authz, service
from vedette.tenancy import repository as repo
from vedette.tenancy.deps import CSRF_COOKIE, SESSION_COOKIE, Principal, authenticated, client_ip, requires
from vedette.tenancy.models import Organisation, User
from vedette.tenancy.schemas import (
    AuditOut,
    LoginIn,
    LoginOut,
    MeOut,
    NewTokenOut,
    NewUserOut,
    OrgOut,
    PasswordIn,
    ResetIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from vedette.tenancy.scope import OrgScope

MAX_ID = 2**31 - 1  # ids are 32-bit in the store
public_router = APIRouter(tags=["auth"])
router = APIRouter(tags=["auth"])
ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Role may not"},
    404: {"description": "Not found"},
}


def _set_cookies(response: Response, cookie: str, csrf: str) -> None:
    s = get_settings()
    max_age = int(s.session_ttl_hours * 3600)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=max_age,
        httponly=True,
        secure=s.cookie_secure,
        samesite="lax",
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token; not a credential on its own.
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        httponly=False,
        secure=s.cookie_secure,
        samesite="strict",
        path="/",
    )


@public_router.post(
    "/auth/login",
    response_model=LoginOut,
    responses={401: {"description": "Wrong credentials or TOTP needed"}, 429: {"description": "Throttled"}},
)
def login(
    body: LoginIn, request: Request, response: Response, session: Session = Depends(get_session)
) -> LoginOut:
    """Sign in with email and password (and a TOTP code for admins and operators): sets the session cookie
    (HttpOnly, Secure, SameSite=Lax) and returns the CSRF token to send with unsafe requests."""
    user = service.authenticate(session, body.email, body.password, body.totp, client_ip(request))
    new = service.start_session(session, user)
    _set_cookies(response, new.cookie, new.csrf)
    return LoginOut(user=UserOut.model_validate(user), csrf_token=new.csrf, expires_at=new.row.expires_at)


@public_router.post("/auth/reset", status_code=204, responses={422: {"description": "Bad or used link"}})
def reset_password(body: ResetIn, session: Session = Depends(get_session)) -> Response:
    """Set a new password with a signed reset link's token (single use, expiring); ends every session."""
    service.reset_with_token(session, body.token, body.password)
    return Response(status_code=204)


@router.post("/auth/logout", status_code=204, responses=ERRORS)
def logout(
    request: Request, principal: Principal = Depends(authenticated), session: Session = Depends(get_session)
) -> Response:
    """End this web session (a bearer token stays valid: revoke it with DELETE /api/tokens/{id})."""
    service.end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/auth/password", status_code=204, responses=ERRORS)
def change_password(
    body: PasswordIn, principal: Principal = Depends(authenticated), session: Session = Depends(get_session)
) -> Response:
    """Change one's own password (the current one is asked again); every session ends, sign in again."""
    from vedette.tenancy import passwords

    if not passwords.verify_password(principal.user.password_hash, body.current):
        raise authz.Forbidden("the current password is wrong", item="current")
    service.set_password(session, principal.user, body.new, actor=principal.via)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=MeOut, responses=ERRORS)
def me(principal: Principal = Depends(authenticated), session: Session = Depends(get_session)) -> MeOut:
    user = principal.user
    own = session.get(Organisation, user.organisation_id)
    acting = session.get(Organisation, principal.scope.org_id)
    orgs = [own, *repo.granted_orgs(session, user.id)] if user.role == "operator" else [own]
    return MeOut(
        user=UserOut.model_validate(user),
        organisation=OrgOut.model_validate(own),
        acting_for=OrgOut.model_validate(acting),
        role=principal.scope.role,
        via=principal.via,
        can_act_for=[OrgOut.model_validate(o) for o in orgs],
        csrf_token=principal.web_session.csrf_token if principal.web_session else None,
    )


@router.get("/tokens", response_model=list[TokenOut], responses=ERRORS)
def list_tokens(principal: Principal = Depends(authenticated), session: Session = Depends(get_session)):
    """The signed-in user's API tokens (never their secrets)."""
    return [TokenOut.model_validate(t) for t in service.list_tokens(session, principal.user)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201, responses=ERRORS)
def create_token(
    body: TokenIn, principal: Principal = Depends(authenticated), session: Session = Depends(get_session)
):
    """A new API token for the signed-in user; the secret is in this answer only."""
    new = service.create_token(
        session, principal.user, name=body.name, expires_days=body.expires_days, actor=principal.via
    )
    return NewTokenOut(**TokenOut.model_validate(new.row).model_dump(), token=new.plain)


@router.delete("/tokens/{token_id}", status_code=204, responses=ERRORS)
def revoke_token(
    token_id: int = Path(ge=1, le=MAX_ID),
    *,
    principal: Principal = Depends(authenticated),
    session: Session = Depends(get_session),
) -> Response:
    service.revoke_token(session, principal.user, token_id, actor=principal.via)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
def list_users(scope: OrgScope = Depends(requires("manage_users")), session: Session = Depends(get_session)):
    """The organisation's accounts (admins)."""
    return [UserOut.model_validate(u) for u in repo.users_of(session, scope)]


@router.post("/users", response_model=NewUserOut, status_code=201, responses=ERRORS)
def create_user(
    body: UserIn, scope: OrgScope = Depends(requires("manage_users")), session: Session = Depends(get_session)
):
    """A new account in the admin's organisation. Without a password it cannot sign in until reset."""
    new = service.create_user(
        session, email=body.email, role=body.role, password=body.password, name=body.name, by=scope
    )
    return NewUserOut(**UserOut.model_validate(new.user).model_dump(), totp_uri=new.totp_uri)


@router.post("/users/{user_id}/deactivate", response_model=UserOut, responses=ERRORS)
def deactivate_user(
    user_id: int = Path(ge=1, le=MAX_ID),
    *,
    scope: OrgScope = Depends(requires("manage_users")),
    session: Session = Depends(get_session),
):
    user = session.get(User, user_id)
    if user is None or user.organisation_id != scope.org_id:
        from vedette.errors import NotFound

        raise NotFound(f"no user {user_id}", item=str(user_id))
    service.deactivate(session, user, by=scope)
    return UserOut.model_validate(user)


@router.get("/audit", response_model=list[AuditOut], responses=ERRORS)
def read_audit(
    limit: int = Query(100, ge=1, le=1000),
    before_id: int | None = Query(None, ge=1, le=MAX_ID, description="page: rows older than this id"),
    action: str | None = Query(None, max_length=64),
    scope: OrgScope = Depends(requires("read_audit")),
    session: Session = Depends(get_session),
) -> list[AuditOut]:
    """The organisation's audit log, newest first (admins; operators for the organisation they act for)."""
    rows = audit.events(session, scope, limit=limit, before_id=before_id, action=action)
    return [AuditOut.model_validate(e) for e in rows]
