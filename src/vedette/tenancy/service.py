"""Accounts: organisations, users, grants, sign-in (throttled, second factor), sessions, tokens, resets.

Services never commit (the request or the CLI command does), with one deliberate exception: a failed
sign-in is written in its own short transaction, so that the throttle holds even though the request fails
and across every worker (the count lives in the database).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vedette.config import get_settings
from vedette.errors import BadInput, NotFound, VedetteError
from vedette.tenancy import audit
from vedette.tenancy import passwords as pw
from vedette.tenancy import repository as repo
from vedette.tenancy.authz import Forbidden, Unauthenticated
from vedette.tenancy.clock import aware
from vedette.tenancy.models import ApiToken, LoginAttempt, OperatorGrant, Organisation, User, WebSession
from vedette.tenancy.scope import ROLES, OrgScope
from vedette.tenancy.tokens import TOKEN_PREFIX, digest, new_secret

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
SECOND_FACTOR_ROLES = frozenset({"admin", "operator"})
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen/last_used writes at most this often (keeps reads read-only)


class TooManyAttempts(VedetteError):
    """Sign-in refused for a while after repeated failures (HTTP 429)."""

    status_code = 429


class SecondFactorRequired(VedetteError):
    """Password right, TOTP code missing or wrong (HTTP 401, ``item`` = ``totp``)."""

    status_code = 401


def now() -> datetime:
    return datetime.now(UTC)


def normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise BadInput("not an email address", item="email")
    return email


# --- organisations, users, grants ---


def create_org(session: Session, slug: str, name: str) -> Organisation:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise BadInput("a slug is 2-64 lower-case letters, digits or '-'", item="slug")
    if repo.org_by_slug(session, slug) is not None:
        raise BadInput("an organisation with this slug exists", item=slug)
    org = Organisation(slug=slug, name=(name or slug).strip()[:200])
    session.add(org)
    session.flush()
    audit.record(
        session, "org.create", org_id=org.id, actor="cli", target_type="organisation", target_id=org.id
    )
    return org


def get_org(session: Session, slug: str) -> Organisation:
    org = repo.org_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation '{slug}'", item=slug)
    return org


@dataclass
class NewUser:
    user: User
    totp_uri: str | None  # shown once, for admins and operators (their second factor)


def create_user(
    session: Session,
    *,
    email: str,
    org_slug: str | None = None,
    role: str,
    password: str | None = None,
    name: str = "",
    by: OrgScope | None = None,
) -> NewUser:
    """Create an account. ``by`` is the scope of an admin creating it over the API (its own org only, no
    operators); ``by=None`` is the CLI."""
    email = normal_email(email)
    if role not in ROLES:
        raise BadInput(f"role must be one of {', '.join(ROLES)}", item="role")
    if by is not None:
        if not by.can("manage_users"):
            raise Forbidden("only admins create users", item="role")
        if role == "operator":
            raise Forbidden("operators are created from the command line", item="role")
        org = get_org(session, by.org_slug)
    else:
        if not org_slug:
            raise BadInput("an organisation is required", item="org")
        org = get_org(session, org_slug)
    if repo.user_by_email(session, email) is not None:
        raise BadInput("an account with this email exists", item="email")
    if password is not None:
        pw.check_password_strength(password)
    user = User(
        organisation_id=org.id,
        email=email,
        name=name.strip()[:200],
        role=role,
        password_hash=pw.hash_password(password) if password is not None else None,
        totp_secret=pw.new_totp_secret() if role in SECOND_FACTOR_ROLES else None,
        active=True,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create of the same email
        raise BadInput("an account with this email exists", item="email") from exc
    audit.record(
        session,
        "user.create",
        scope=by,
        org_id=org.id,
        actor=None if by else "cli",
        target_type="user",
        target_id=user.id,
        detail={"role": role},
    )
    uri = pw.totp_uri(user.totp_secret, email) if user.totp_secret else None
    return NewUser(user, uri)


def get_user(session: Session, email: str) -> User:
    user = repo.user_by_email(session, normal_email(email))
    if user is None:
        raise NotFound("no such account", item="email")
    return user


def set_password(session: Session, user: User, password: str, *, actor: str = "cli") -> None:
    pw.check_password_strength(password)
    user.password_hash = pw.hash_password(password)
    user.password_changed_at = now()
    repo.revoke_sessions(session, user.id, now())
    audit.record(
        session,
        "user.password",
        org_id=user.organisation_id,
        user_id=None,
        actor=actor,
        target_type="user",
        target_id=user.id,
    )


def deactivate(session: Session, user: User, *, by: OrgScope | None = None) -> None:
    if by is not None and (not by.can("manage_users") or user.organisation_id != by.org_id):
        raise NotFound("no such account", item="user")
    user.active = False
    t = now()
    repo.revoke_sessions(session, user.id, t)
    for tok in repo.tokens_of(session, user.id):
        if tok.revoked_at is None:
            tok.revoked_at = t
    audit.record(
        session,
        "user.deactivate",
        scope=by,
        org_id=user.organisation_id,
        actor=None if by else "cli",
        target_type="user",
        target_id=user.id,
    )


def new_totp(session: Session, user: User) -> str:
    """A fresh TOTP secret (the old one stops working); returns its provisioning URI, shown once."""
    user.totp_secret = pw.new_totp_secret()
    audit.record(
        session, "user.totp", org_id=user.organisation_id, actor="cli", target_type="user", target_id=user.id
    )
    return pw.totp_uri(user.totp_secret, user.email)


def grant_operator(session: Session, email: str, org_slug: str) -> OperatorGrant:
    user = get_user(session, email)
    if user.role != "operator":
        raise BadInput("only operators receive grants", item="email")
    org = get_org(session, org_slug)
    existing = repo.grant(session, user.id, org.id)
    if existing is not None:
        return existing
    g = OperatorGrant(user_id=user.id, organisation_id=org.id, granted_by="cli")
    session.add(g)
    session.flush()
    audit.record(session, "operator.grant", org_id=org.id, actor="cli", target_type="user", target_id=user.id)
    return g


def revoke_grant(session: Session, email: str, org_slug: str) -> None:
    user = get_user(session, email)
    org = get_org(session, org_slug)
    g = repo.grant(session, user.id, org.id)
    if g is None:
        raise NotFound("no such grant", item=org_slug)
    session.delete(g)
    audit.record(
        session, "operator.revoke", org_id=org.id, actor="cli", target_type="user", target_id=user.id
    )


# --- sign-in ---


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def side_write(session: Session, write: Callable[[Session], object]) -> None:
    """A short write in a transaction of its own, committed at once.

    For what must not wait for (or hold) the request's transaction: a failed sign-in that must outlive the
    failing request; the "last used" times of tokens and sessions and the audit of an operator's act,
    which would otherwise put a read-only request on the store's write lock for its whole length.
    """
    with Session(bind=session.get_bind()) as s, s.begin():
        write(s)


def _record_failure(session: Session, email_key: str, ip: str, user: User | None) -> None:
    """Written in its own transaction: it must outlive the failing request."""
    with Session(bind=session.get_bind()) as s, s.begin():
        s.add(LoginAttempt(email_key=email_key, ip=ip, success=False))
        window = timedelta(minutes=get_settings().login_window_minutes)
        repo.prune_attempts(s, now() - max(window * 4, timedelta(days=1)))  # the table stays small
        if user is not None:
            audit.record(
                s,
                "auth.login_failed",
                org_id=user.organisation_id,
                user_id=user.id,
                actor="user",
                ip=ip,
                target_type="user",
                target_id=user.id,
            )


def authenticate(session: Session, email: str, password: str, totp_code: str | None, ip: str) -> User:
    """The account, when the password (and for admins and operators the TOTP code) is right.

    Too many recent failures for the account or from the address: refused, right password or not.
    """
    s = get_settings()
    key = _email_key(email)
    ip = (ip or "unknown")[:64]
    window_start = now() - timedelta(minutes=s.login_window_minutes)
    if (
        repo.failures_since(session, window_start, email_key=key) >= s.login_max_failures_account
        or repo.failures_since(session, window_start, ip=ip) >= s.login_max_failures_ip
    ):
        raise TooManyAttempts("too many failed sign-ins; try again later", item="login")
    try:
        user = repo.user_by_email(session, normal_email(email))
    except BadInput:
        user = None
    ok = pw.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        _record_failure(session, key, ip, user)
        raise Unauthenticated("wrong email or password", item="login")
    if user.role in SECOND_FACTOR_ROLES:
        if not user.totp_secret:
            raise SecondFactorRequired("second factor not set up: `vedette user totp EMAIL`", item="totp")
        step = pw.totp_step(user.totp_secret, totp_code)
        # A code is good once: a step at or before the last sign-in's is a replay (sign-ins of admins and
        # operators always carry a code, so last_login_at says which step was used last).
        last = aware(user.last_login_at)
        if step is not None and last is not None and step <= int(last.timestamp()) // 30:
            step = None
        if step is None:
            if totp_code:  # a wrong code counts as a guess; a missing one is the first step of a sign-in
                _record_failure(session, key, ip, user)
            raise SecondFactorRequired("a valid TOTP code is required (each code works once)", item="totp")
    else:
        step = None
    repo.clear_failures(session, key)
    if user.password_hash and pw.needs_rehash(user.password_hash):
        user.password_hash = pw.hash_password(password)
    user.last_login_at = now()
    if step is not None:  # a code of the next step (a clock ahead) is spent too
        user.last_login_at = max(user.last_login_at, datetime.fromtimestamp(step * 30, UTC))
    audit.record(
        session,
        "auth.login",
        org_id=user.organisation_id,
        user_id=user.id,
        actor="user",
        ip=ip,
        target_type="user",
        target_id=user.id,
    )
    return user


# --- web sessions ---


@dataclass
class NewSession:
    cookie: str  # the secret for the cookie; only its hash is stored
    csrf: str
    row: WebSession


def start_session(session: Session, user: User) -> NewSession:
    plain, hashed = new_secret()
    csrf = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        token_hash=hashed,
        csrf_token=csrf,
        expires_at=now() + timedelta(hours=get_settings().session_ttl_hours),
    )
    session.add(row)
    session.flush()
    return NewSession(plain, csrf, row)


def session_user(session: Session, cookie: str) -> tuple[User, WebSession] | None:
    """The signed-in user of a session cookie, or None (unknown, revoked, expired, idle, deactivated)."""
    if not cookie or len(cookie) > 200:
        return None
    row = repo.web_session_by_hash(session, digest(cookie))
    if row is None or row.revoked_at is not None:
        return None
    t = now()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if aware(row.expires_at) <= t or aware(row.last_seen_at) + idle <= t:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if t - aware(row.last_seen_at) >= _TOUCH_EVERY:
        side_write(
            session,
            lambda s: s.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=t)),
        )
    return user, row


def end_session(session: Session, cookie: str) -> None:
    row = repo.web_session_by_hash(session, digest(cookie)) if cookie else None
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()


# --- API tokens ---


@dataclass
class NewToken:
    plain: str  # shown once
    row: ApiToken


def create_token(
    session: Session, user: User, *, name: str = "", expires_days: int | None = None, actor: str = "cli"
) -> NewToken:
    if not user.active:
        raise BadInput("account deactivated", item="email")
    days = get_settings().token_default_days if expires_days is None else expires_days
    if days < 0 or days > 3650:
        raise BadInput("expiry must be 0 (none) to 3650 days", item="expires_days")
    plain, hashed = new_secret(TOKEN_PREFIX)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:100],
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        token_hash=hashed,
        expires_at=now() + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "token.create",
        org_id=user.organisation_id,
        user_id=user.id,
        actor=actor,
        target_type="token",
        target_id=row.id,
        detail={"expires_days": days},
    )
    return NewToken(plain, row)


def token_user(session: Session, plain: str) -> tuple[User, ApiToken] | None:
    if not plain or len(plain) > 200 or not plain.startswith(TOKEN_PREFIX):
        return None
    row = repo.token_by_hash(session, digest(plain))
    if row is None or row.revoked_at is not None:
        return None
    t = now()
    if row.expires_at is not None and aware(row.expires_at) <= t:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or t - aware(row.last_used_at) >= _TOUCH_EVERY:
        side_write(
            session, lambda s: s.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=t))
        )
    return user, row


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return repo.tokens_of(session, user.id)


def revoke_token(session: Session, user: User, token_id: int, *, actor: str = "user") -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no token {token_id}", item=str(token_id))
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.record(
            session,
            "token.revoke",
            org_id=user.organisation_id,
            user_id=user.id,
            actor=actor,
            target_type="token",
            target_id=row.id,
        )
    return row


# --- password reset ---


def reset_token(session: Session, user: User) -> str:
    """A signed link token, valid ``password_reset_minutes`` and only until the password changes."""
    expires = int((now() + timedelta(minutes=get_settings().password_reset_minutes)).timestamp())
    audit.record(
        session,
        "user.reset_link",
        org_id=user.organisation_id,
        actor="cli",
        target_type="user",
        target_id=user.id,
    )
    return pw.make_reset_token(user.id, user.password_hash, user.password_changed_at, expires)


def reset_with_token(session: Session, token: str, password: str) -> User:
    parsed = pw.read_reset_token(token or "")
    bad = BadInput("this reset link is not valid (wrong, used or expired)", item="token")
    if parsed is None:
        raise bad
    uid, expires, fp = parsed
    if expires <= int(now().timestamp()):
        raise bad
    user = session.get(User, uid)
    if (
        user is None
        or not user.active
        or not pw.reset_token_matches(fp, user.password_hash, user.password_changed_at)
    ):
        raise bad
    set_password(session, user, password, actor="user")
    return user
