"""Tenants and accounts: organisations, users, operator grants, tokens, web sessions, sign-ins, audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow


class Organisation(Base):
    """A tenant; every tenant-private row points at one (``organisation_id``)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """An account: one organisation, one role. Operators act for other organisations only through grants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))  # admin | manager | analyst | viewer | operator
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None: cannot sign in
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32; required for admin/operator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # the interface's language (en, fr) and the time zone dates are shown in (an IANA name; none: the browser's)
    language: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))


class OperatorGrant(Base):
    """An operator may act for this organisation (besides its own)."""

    __tablename__ = "operator_grants"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", name="uq_operator_grants_user_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(64), default="cli")


class ApiToken(Base):
    """A bearer token: only the sha256 of its secret is kept; shown once, revocable, expiring."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell tokens apart in lists
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser: the cookie holds a random secret, the row its sha256 and the CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class LoginAttempt(Base):
    """Failed sign-ins, per account key and per client address: throttling that holds across workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the lower-cased email
    ip: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEvent(Base):
    """Who did what, when, to which record. ``detail`` never holds personal data (erasure keeps the row)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(16))  # user | token | cli | system
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # an operator acting for another org
    action: Mapped[str] = mapped_column(String(64))  # e.g. "user.create", "person.update", "auth.login"
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
