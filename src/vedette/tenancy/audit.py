"""The audit log: who did what, when, to which record.

Every domain records through :func:`record` with the scope it acted in (so an operator's act for another
organisation is marked ``on_behalf``). ``detail`` must hold no personal data (names, emails, phones,
positions): erasing a person keeps the audit rows, which then still say nothing about them. Secrets
(passwords, tokens, TOTP codes, reset links) never go into the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vedette.tenancy.models import AuditEvent
from vedette.tenancy.scope import OrgScope

FORBIDDEN_DETAIL_KEYS = frozenset({"password", "token", "secret", "totp", "code", "email", "phone", "name"})


def record(
    session: Session,
    action: str,
    *,
    scope: OrgScope | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    detail: dict | None = None,
    ip: str | None = None,
    actor: str | None = None,
    org_id: int | None = None,
    user_id: int | None = None,
) -> AuditEvent:
    """Add one audit row to the session (committed with the act it records)."""
    detail = dict(detail or {})
    bad = FORBIDDEN_DETAIL_KEYS & {k.lower() for k in detail}
    if bad:
        raise ValueError(f"audit detail may not carry {sorted(bad)}")
    event = AuditEvent(
        action=action,
        organisation_id=scope.org_id if scope is not None else org_id,
        actor_user_id=scope.user_id if scope is not None else user_id,
        actor=actor or (scope.actor if scope is not None else "system"),
        on_behalf=scope.on_behalf if scope is not None else False,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail,
        ip=ip,
    )
    session.add(event)
    return event


def events(
    session: Session,
    scope: OrgScope,
    *,
    limit: int = 100,
    before_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> list[AuditEvent]:
    """The scope's organisation's audit rows, newest first."""
    q = select(AuditEvent).where(AuditEvent.organisation_id == scope.org_id)
    if before_id is not None:
        q = q.where(AuditEvent.id < before_id)
    if action:
        q = q.where(AuditEvent.action == action)
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    return list(session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)))
