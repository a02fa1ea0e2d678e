"""Times as stored: SQLite gives naive UTC datetimes back, PostgreSQL aware ones; compare as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
