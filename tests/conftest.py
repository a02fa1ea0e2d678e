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
    from vedette.store.db import get_engine
    from vedette.store.models import metadata

    engine = get_engine(database_url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
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


@pytest.fixture
def client(clean_db: str):
    from fastapi.testclient import TestClient

    from vedette.web.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS
