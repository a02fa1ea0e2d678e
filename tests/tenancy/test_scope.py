"""The scope type: produced only by authz; operators reach other organisations only through grants."""

from __future__ import annotations

import pytest

from vedette.errors import NotFound
from vedette.tenancy import authz
from vedette.tenancy.models import OperatorGrant, Organisation, User
from vedette.tenancy.scope import OrgScope


def _orgs(session):
    a, b, c = (Organisation(slug=s, name=s.upper()) for s in ("org-a", "org-b", "org-c"))
    session.add_all([a, b, c])
    session.flush()
    return a, b, c


def test_scope_cannot_be_built_by_hand() -> None:
    with pytest.raises(TypeError):
        OrgScope(org_id=1, org_slug="x", user_id=None, role="admin")
    with pytest.raises(TypeError):
        OrgScope(1, "x", None, "admin", "cli", False, object())


def test_roles_and_actions(session) -> None:
    a, _, _ = _orgs(session)
    viewer = User(organisation_id=a.id, email="v@a.test", role="viewer")
    session.add(viewer)
    session.flush()
    scope = authz.scope_for(session, viewer)
    assert (scope.org_id, scope.org_slug, scope.user_id, scope.role) == (a.id, "org-a", viewer.id, "viewer")
    assert scope.can("read") and not scope.can("write") and not scope.can("review_shared")
    with pytest.raises(authz.Forbidden):
        authz.require(scope, "write")
    with pytest.raises(ValueError):
        scope.can("fly")


def test_non_operator_cannot_name_another_org(session) -> None:
    a, b, _ = _orgs(session)
    admin = User(organisation_id=a.id, email="adm@a.test", role="admin")
    session.add(admin)
    session.flush()
    assert authz.scope_for(session, admin, "org-a").org_id == a.id
    with pytest.raises(NotFound):
        authz.scope_for(session, admin, "org-b")
    with pytest.raises(NotFound):
        authz.scope_for(session, admin, "no-such-org")


def test_operator_acts_only_for_granted_orgs(session) -> None:
    a, b, c = _orgs(session)
    op = User(organisation_id=a.id, email="op@a.test", role="operator")
    session.add(op)
    session.flush()
    session.add(OperatorGrant(user_id=op.id, organisation_id=b.id))
    session.flush()
    own = authz.scope_for(session, op)
    assert own.org_id == a.id and not own.on_behalf
    other = authz.scope_for(session, op, "org-b")
    assert other.org_id == b.id and other.on_behalf and other.role == "operator"
    assert other.can("review_shared")
    with pytest.raises(NotFound):  # not granted: indistinguishable from a missing org
        authz.scope_for(session, op, "org-c")
    assert authz.granted_org_ids(session, op) == {a.id, b.id}


def test_cli_scope(session) -> None:
    a, _, _ = _orgs(session)
    scope = authz.cli_scope(session, "org-a")
    assert scope.org_id == a.id and scope.user_id is None and scope.actor == "cli"
    with pytest.raises(NotFound):
        authz.cli_scope(session, "nope")


def test_deactivated_user_has_no_scope(session) -> None:
    a, _, _ = _orgs(session)
    u = User(organisation_id=a.id, email="x@a.test", role="analyst", active=False)
    session.add(u)
    session.flush()
    with pytest.raises(authz.Unauthenticated):
        authz.scope_for(session, u)
