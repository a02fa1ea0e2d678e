"""Reading the store's deployment-wide places for the shared gazetteer, without loading the ORM.

Extraction (``vedette extract``, ingest) asks at most every few seconds whether the deployment's own places
changed. On the embedded SQLite store that question is answered with the standard library's ``sqlite3``
(read-only), so a one-file extraction does not pay for importing SQLAlchemy and every domain's models; on
PostgreSQL it goes through the engine the rest of the product uses.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

_VERSION_SQL = "SELECT count(id), max(id) FROM places WHERE organisation_id IS NULL"
_ROWS_SQL = (
    "SELECT id, name, aliases, kind, country, admin1, lat, lon, population FROM places "
    "WHERE organisation_id IS NULL ORDER BY id"
)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    return Path(url.split("///", 1)[-1])


def _rows(url: str, sql: str) -> list[tuple]:
    path = _sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # not migrated yet: no places table, nothing to overlay
            return []
        finally:
            db.close()
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from vedette.store.db import get_engine

    try:
        with get_engine(url).connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    except DBAPIError:
        return []


def shared_places_version(url: str) -> tuple[int, int | None]:
    """(count, highest id) of the places loaded or added for the whole deployment."""
    rows = _rows(url, _VERSION_SQL)
    return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


def shared_place_rows(url: str) -> list[dict]:
    """Those places as overlay rows (``db:N`` ids), in id order."""
    out = []
    for pid, name, aliases, kind, country, admin1, lat, lon, population in _rows(url, _ROWS_SQL):
        if isinstance(aliases, str):
            aliases = json.loads(aliases or "[]")
        out.append({"id": f"db:{pid}", "name": name, "aliases": aliases or [], "kind": kind, "country": country,
                    "admin1": admin1, "lat": lat, "lon": lon, "population": population})
    return out
