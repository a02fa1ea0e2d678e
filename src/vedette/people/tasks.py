"""Scheduled jobs of the people domain (``people.<verb>``): they open their own session, act for each
organisation through a scope of its own, and are idempotent."""

from __future__ import annotations

from datetime import datetime


def purge_expired(now: datetime | None = None, url: str | None = None) -> dict[str, dict[str, int]]:
    """``people.purge``: delete segments and positions that ended longer ago than the retention period
    (``people_retention_days``, 90 by default, or the organisation's own); demo organisations are exempt."""
    from vedette.config import get_settings
    from vedette.people import repository as repo
    from vedette.people import service as svc
    from vedette.store.db import session_scope
    from vedette.tenancy.authz import cli_scope

    days = get_settings().people_retention_days
    done: dict[str, dict[str, int]] = {}
    with session_scope(url) as session:
        plan = repo.retention_plan(session)
    for _org_id, slug, _days, demo in plan:
        if demo:
            continue
        with session_scope(url) as session:
            done[slug] = svc.purge(session, cli_scope(session, slug), days, now)
    return done
