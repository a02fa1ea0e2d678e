"""Test fixtures: a real store, SQLite by default or PostgreSQL when VEDETTE_TEST_DATABASE_URL is set.

The whole suite runs against both (``make test`` runs it twice). Each test gets empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def _make_database_url(tmp_root: Path) -> str:
    pg = os.environ.get("VEDETTE_TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{tmp_root / 'test.sqlite'}"
    name = f"vedette_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(pg).set(database=name).render_as_string(hide_password=False)
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from vedette.store.migrate import upgrade

    root = tmp_path_factory.mktemp("store")
    url = _make_database_url(root)
    upgrade(url)
    yield url


@pytest.fixture
def settings_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the product's settings at the test store and a per-test var dir."""
    from vedette.config import get_settings
    from vedette.store.db import get_engine

    monkeypatch.setenv("VEDETTE_DATABASE_URL", database_url)
    monkeypatch.setenv("VEDETTE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VEDETTE_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("VEDETTE_FETCH_ALLOW", "127.0.0.1")  # the tests' local HTTP servers (tests/helpers.py)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def clean_db(database_url: str, settings_env: Path) -> str:
    """Empty every table before the test (schema stays)."""
    from vedette.models_registry import metadata
    from vedette.store.db import get_engine

    engine = get_engine(database_url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    from vedette.gazetteer.shared import invalidate

    invalidate()  # the shared gazetteer overlays the store's places: look at the emptied store again
    return database_url


@pytest.fixture
def session(clean_db: str) -> Iterator[Session]:
    from vedette.store.db import session_factory

    s = session_factory(clean_db)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


TEST_ORG = "test-org"  # the default test organisation: `client`'s operator holds a grant on it
OPERATOR_ORG = "ops"  # the provider's own organisation, home of the operator
OPERATOR_EMAIL = "operator@ops.test"


class Accounts:
    """Organisations, users and bearer tokens made directly in the test store (no passwords: fast).

    ``accounts.headers("org-a", "viewer")`` creates org-a and its viewer if needed and returns the
    Authorization header of a fresh token; ``accounts.client(...)`` wraps that in a TestClient.
    """

    def __init__(self, url: str) -> None:
        self.url = url

    def _session(self):
        from vedette.store.db import session_scope

        return session_scope(self.url)

    def org(self, slug: str) -> int:
        from vedette.tenancy import repository, service

        with self._session() as s:
            org = repository.org_by_slug(s, slug) or service.create_org(s, slug, slug.upper())
            return org.id

    def user(self, org: str, role: str, email: str | None = None, password: str | None = None) -> str:
        from vedette.tenancy import repository, service

        self.org(org)
        email = email or f"{role}@{org}.test"
        with self._session() as s:
            if repository.user_by_email(s, email) is None:
                service.create_user(s, email=email, org_slug=org, role=role, password=password)
        return email

    def grant(self, email: str, org: str) -> None:
        from vedette.tenancy import service

        self.org(org)
        with self._session() as s:
            service.grant_operator(s, email, org)

    def token(self, email: str) -> str:
        from vedette.tenancy import service

        with self._session() as s:
            return service.create_token(s, service.get_user(s, email), name="test").plain

    def headers(self, org: str, role: str, email: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(self.user(org, role, email))}"}

    def client(self, org: str, role: str, email: str | None = None):
        from fastapi.testclient import TestClient

        from vedette.web.app import create_app

        return TestClient(create_app(), headers=self.headers(org, role, email))


@pytest.fixture
def accounts(clean_db: str) -> Accounts:
    return Accounts(clean_db)


@pytest.fixture
def anon_client(clean_db: str):
    """No credentials: every API route but the public ones answers 401."""
    from fastapi.testclient import TestClient

    from vedette.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture
def client(accounts: Accounts):
    """Signed in with the bearer token of an operator (home: OPERATOR_ORG) granted TEST_ORG.

    Without ``?org=`` it acts for its own organisation; pass ``params={"org": TEST_ORG}`` for the test org's
    private data.
    """
    from fastapi.testclient import TestClient

    from vedette.web.app import create_app

    accounts.org(TEST_ORG)
    accounts.user(OPERATOR_ORG, "operator", OPERATOR_EMAIL)
    accounts.grant(OPERATOR_EMAIL, TEST_ORG)
    with TestClient(create_app(), headers={"Authorization": f"Bearer {accounts.token(OPERATOR_EMAIL)}"}) as c:
        yield c


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(
            f"the corpus is missing: expected ../shared/corpus beside the repository ({CORPUS}); "
            "the quality and corpus tests need it (CI clones the repository with ../shared beside it)"
        )
    return CORPUS
