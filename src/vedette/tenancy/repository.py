"""SQL of tenancy: the only place its queries live."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vedette.tenancy.models import ApiToken, LoginAttempt, OperatorGrant, Organisation, User, WebSession
from vedette.tenancy.scope import OrgScope


def org_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def users_of(session: Session, scope: OrgScope) -> list[User]:
    return list(
        session.scalars(select(User).where(User.organisation_id == scope.org_id).order_by(User.email))
    )


def grant(session: Session, user_id: int, org_id: int) -> OperatorGrant | None:
    return session.scalar(
        select(OperatorGrant).where(OperatorGrant.user_id == user_id, OperatorGrant.organisation_id == org_id)
    )


def granted_orgs(session: Session, user_id: int) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .join(OperatorGrant, OperatorGrant.organisation_id == Organisation.id)
            .where(OperatorGrant.user_id == user_id)
            .order_by(Organisation.slug)
        )
    )


def _with_user_and_org(model: type[ApiToken] | type[WebSession], token_hash: str):  # noqa: ANN202 - a Select
    """The credential with its user and the user's organisation, in one statement: every request
    authenticates, and the user and organisation it then looks up by id are in the session already."""
    return (
        select(model, User, Organisation)
        .join(User, User.id == model.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(model.token_hash == token_hash)
    )


def _credential(session: Session, model: type[ApiToken] | type[WebSession], token_hash: str):  # noqa: ANN202
    row = session.execute(_with_user_and_org(model, token_hash)).first()
    if row is None:
        return None
    # the identity map holds objects weakly: kept here, the user and organisation are still there when
    # authentication asks for them by id
    session.info.setdefault("vedette.authenticated_rows", []).append(tuple(row))
    return row[0]


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return _credential(session, ApiToken, token_hash)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def web_session_by_hash(session: Session, token_hash: str) -> WebSession | None:
    return _credential(session, WebSession, token_hash)


def revoke_sessions(session: Session, user_id: int, now: datetime) -> None:
    for ws in session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    ):
        ws.revoked_at = now


def failures_since(
    session: Session, since: datetime, *, email_key: str | None = None, ip: str | None = None
) -> int:
    q = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    )
    if email_key is not None:
        q = q.where(LoginAttempt.email_key == email_key)
    if ip is not None:
        q = q.where(LoginAttempt.ip == ip)
    return session.scalar(q) or 0


def clear_failures(session: Session, email_key: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.email_key == email_key))


def prune_attempts(session: Session, before: datetime) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))
