"""Fixtures of the alerts tests: organisations and people made in the test store, and their scopes."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_scope(session):
    """``make_scope("org-a")`` creates the organisation if needed and returns its scope (authz.cli_scope)."""
    from vedette.tenancy import repository, service
    from vedette.tenancy.authz import cli_scope

    def _make(slug: str):
        if repository.org_by_slug(session, slug) is None:
            service.create_org(session, slug, slug.upper())
            session.flush()
        return cli_scope(session, slug)

    return _make


@pytest.fixture
def make_person(session):
    """``make_person(scope, "Ana", email=..., phone=..., language="fr")``: a person of the scope's org."""
    from vedette.people.models import Person

    def _make(scope, name: str, *, email: str | None = None, phone: str | None = None, language: str = "en",
              tags: list[str] | None = None, manager_id: int | None = None):
        p = Person(organisation_id=scope.org_id, external_id=f"ext-{name}", name=name,
                   emails=[email] if email else [], phones=[phone] if phone else [], language=language,
                   tags=tags or [], manager_id=manager_id)
        session.add(p)
        session.flush()
        return p

    return _make
