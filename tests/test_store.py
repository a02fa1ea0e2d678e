"""The schema: migrations match the models, and the store works on the configured backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from vedette.models_registry import metadata
from vedette.store.db import get_engine


def test_migrations_match_models(clean_db: str) -> None:
    engine = get_engine(clean_db)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, metadata) if "spatial_ref_sys" not in str(d)]
    # PostGIS adds its own tables/schemas; anything else is drift between models and migrations.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name in {"spatial_ref_sys"})]
    assert diff == [], f"models and migrations differ: {diff}"


def test_core_tables_exist(clean_db: str) -> None:
    names = set(inspect(get_engine(clean_db)).get_table_names())
    assert {"sources", "documents", "incidents", "incident_reports", "places", "organisations"} <= names


def test_sqlite_runs_in_wal_mode(clean_db: str) -> None:
    engine = get_engine(clean_db)
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
