"""Fixtures of the people tests: organisations made in the test store and their CLI scopes."""

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
