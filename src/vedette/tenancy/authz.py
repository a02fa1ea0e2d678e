"""Authorisation: the only producer of :class:`~vedette.tenancy.scope.OrgScope`.

- ``scope_for(session, user, org_slug=None)``: a signed-in user (or a token's user) acting for its own
  organisation, or, for an operator, for an organisation it holds a grant on. Anything outside is
  ``NotFound`` (404), so a guessed slug tells nothing.
- ``cli_scope(session, org_slug)``: the command line (a trusted local operator of the installation), audited
  as actor ``"cli"``.
- ``require(scope, action)``: ``Forbidden`` (403) when the role may not do it. Only for actions on the
  scope's own organisation (whose existence the caller already knows); records of other organisations are
  never reached, they are ``NotFound``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vedette.errors import NotFound, VedetteError
from vedette.tenancy.models import OperatorGrant, Organisation, User
from vedette.tenancy.scope import _MINT, OrgScope


class Unauthenticated(VedetteError):
    """No valid credentials (HTTP 401)."""

    status_code = 401


class Forbidden(VedetteError):
    """Signed in, but the role may not do this in its own organisation (HTTP 403)."""

    status_code = 403


def _org_by_slug(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(f"no organisation '{slug}'", item=slug)
    return org


def _mint(org: Organisation, user_id: int | None, role: str, actor: str, on_behalf: bool) -> OrgScope:
    return OrgScope(
        org_id=org.id,
        org_slug=org.slug,
        user_id=user_id,
        role=role,
        actor=actor,
        on_behalf=on_behalf,
        _mint=_MINT,
    )


def granted_org_ids(session: Session, user: User) -> set[int]:
    """Organisations the user may act for: its own, plus an operator's grants."""
    ids = {user.organisation_id}
    if user.role == "operator":
        ids.update(
            session.scalars(select(OperatorGrant.organisation_id).where(OperatorGrant.user_id == user.id))
        )
    return ids


def scope_for(session: Session, user: User, org_slug: str | None = None, *, actor: str = "user") -> OrgScope:
    """The scope ``user`` acts in: its own organisation, or (operators) a granted one (``org_slug``)."""
    if not user.active:
        raise Unauthenticated("account deactivated")
    own = session.get(Organisation, user.organisation_id)
    if own is None:  # pragma: no cover - FK guarantees it
        raise NotFound("no organisation")
    if not org_slug or org_slug == own.slug:
        return _mint(own, user.id, user.role, actor, on_behalf=False)
    if user.role != "operator":
        raise NotFound(f"no organisation '{org_slug}'", item=org_slug)
    org = session.scalar(
        select(Organisation)
        .join(OperatorGrant, OperatorGrant.organisation_id == Organisation.id)
        .where(Organisation.slug == org_slug, OperatorGrant.user_id == user.id)
    )
    if org is None:
        raise NotFound(f"no organisation '{org_slug}'", item=org_slug)
    return _mint(org, user.id, "operator", actor, on_behalf=True)


def cli_scope(session: Session, org_slug: str) -> OrgScope:
    """The command line acting for ``org_slug`` (full rights within it; audited as actor ``cli``)."""
    return _mint(_org_by_slug(session, org_slug), None, "admin", "cli", on_behalf=False)


def require(scope: OrgScope, action: str) -> OrgScope:
    if not scope.can(action):
        raise Forbidden(f"role '{scope.role}' may not {action.replace('_', ' ')}", item=scope.org_slug)
    return scope
