"""Background jobs, named ``<domain>.<verb>``: thin wrappers over the services, the same functions
whether they run in-process (embedded) or in a Celery worker (``broker_url`` set).

Each job takes plain values (ids, URLs), opens its own sessions from the settings, returns a small
JSON-able summary, and is idempotent: polling, ingesting and re-extracting twice store nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from vedette.errors import BadInput

log = logging.getLogger(__name__)


def _summary(report: Any) -> dict[str, Any]:
    return {
        "added": list(report.added),
        "duplicates": report.duplicates,
        "rejected": [{"item": item, "reason": reason} for item, reason in report.rejected],
    }


def poll_due_feeds() -> dict[str, Any]:
    """``intake.poll_due_feeds``: poll every subscribed feed whose interval has elapsed."""
    from vedette.intake.service import poll_due_feeds as poll

    out = {}
    for url, report in poll().items():
        log.info("feed %s: %d new, %d rejected", url, len(report.added), len(report.rejected))
        out[url] = _summary(report)
    return out


def poll_feed(url: str) -> dict[str, Any]:
    """``intake.poll_feed``: poll one feed now, due or not."""
    from vedette.intake.service import is_url
    from vedette.intake.service import poll_feed as poll

    if not is_url(url):
        raise BadInput("not an http(s) URL", item=url)
    return _summary(poll(url))


def ingest_url(url: str) -> dict[str, Any]:
    """``intake.ingest_url``: take in one page or feed by URL (never a local path: a worker's files are
    not the caller's)."""
    from vedette.intake.service import ingest_items, is_url

    if not is_url(url):
        raise BadInput("not an http(s) URL", item=url)
    return _summary(ingest_items([url]))


def reextract_document(document_id: int) -> dict[str, Any]:
    """``incidents.reextract``: run extraction (and advice) again on a stored document."""
    from vedette.incidents.flows import reextract
    from vedette.store.db import session_factory

    with session_factory().begin() as s:
        reports = reextract(s, int(document_id))
    return {"document_id": int(document_id), "reports": reports}


def purge_people() -> dict[str, Any]:
    """``people.purge``: trips and positions purged once their retention period has passed (daily)."""
    from vedette.people.tasks import purge_expired

    return purge_expired()


def refresh_risk() -> dict[str, Any]:
    """``risk.refresh``: transport statuses from new incidents, escalations (and their events), scores stored."""
    from vedette.risk.tasks import refresh

    return refresh()


def run_ladders() -> dict[str, Any]:
    """``alerts.ladder``: the escalation ladders' steps that are due (reminders, manager, duty officer)."""
    from vedette.alerts.ladder import tick

    return tick()


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "intake.poll_due_feeds": poll_due_feeds,
    "intake.poll_feed": poll_feed,
    "intake.ingest_url": ingest_url,
    "incidents.reextract": reextract_document,
    "people.purge": purge_people,
    "risk.refresh": refresh_risk,
    "alerts.ladder": run_ladders,
}
