"""Background work of the risk picture (``risk.refresh``): takes no state from the caller, opens its own
session, idempotent. For the scheduler (in-process or Celery beat) to run every few minutes, so that
transport statuses, escalations (and their events) and stored scores follow intake without being asked."""

from __future__ import annotations


def refresh(country: str | None = None) -> dict:
    """``risk.refresh``: transport statuses from new incidents, escalation detection, scores stored."""
    from vedette.risk import picture
    from vedette.store.db import session_scope

    with session_scope() as session:
        return picture.refresh(session, country)
