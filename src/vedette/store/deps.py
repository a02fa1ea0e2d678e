"""Request-scoped session dependency shared by every router (a low layer: domains import it from here)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from vedette.store.db import session_factory


def get_session() -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
