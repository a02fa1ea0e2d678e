"""Request-scoped session dependency shared by every router (a low layer: domains import it from here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.orm import Session

from vedette.store.db import request_session


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, admitted by the read or write gate of store/db.py (waiting there holds no
    thread and no connection), committed on success, rolled back on error."""
    async with request_session(request.method) as session:
        yield session
