"""In-process scheduler (APScheduler): polls due feeds every ``scheduler_tick_s`` seconds.

Jobs take no state from the caller: each run opens its own sessions, so a crash in one poll never
touches the web requests, and a feed that fails is recorded on its source row and retried next tick.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from vedette.config import get_settings

log = logging.getLogger(__name__)


def poll_feeds_job() -> None:
    """``intake.poll_feeds``: poll every feed whose interval has elapsed."""
    from vedette.intake.service import poll_due_feeds

    for url, report in poll_due_feeds().items():
        log.info("feed %s: %d new, %d rejected", url, len(report.added), len(report.rejected))


def start_scheduler() -> BackgroundScheduler | None:
    settings = get_settings()
    if not settings.scheduler_enabled:
        return None
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        poll_feeds_job,
        "interval",
        seconds=settings.scheduler_tick_s,
        id="intake.poll_feeds",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
