"""In-process scheduler (APScheduler): polls due feeds every ``scheduler_tick_s`` seconds.

Only in the embedded shape: with ``broker_url`` set, Celery beat and workers do this work
(``vedette worker --beat``) and ``serve`` starts no scheduler.

Jobs take no state from the caller: each run opens its own sessions, so a crash in one poll never
touches the web requests, and a feed that fails is recorded on its source row and retried next tick.
"""

from __future__ import annotations

from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from vedette.config import get_settings


def poll_feeds_job() -> None:
    """``intake.poll_due_feeds``: poll every feed whose interval has elapsed (the same job Celery beat
    sends when a broker is configured)."""
    from vedette.jobs.tasks import poll_due_feeds

    poll_due_feeds()


def purge_people_job() -> None:
    """``people.purge``: trips and positions past their retention period (daily; demo organisations exempt)."""
    from vedette.jobs.tasks import purge_people

    purge_people()


def refresh_risk_job() -> None:
    """``risk.refresh``: the risk picture follows intake (transport statuses, escalations, stored scores)."""
    from vedette.jobs.tasks import refresh_risk

    refresh_risk()


def ladder_job() -> None:
    """``alerts.ladder``: escalation steps that are due (their due times are stored: a restart loses none)."""
    from vedette.jobs.tasks import run_ladders

    run_ladders()


_elected = None  # the lock file held by the process whose scheduler runs (kept open while it lives)


def _elect(var_dir: Path) -> bool:
    """Exactly one scheduler per store folder: the process that holds ``var_dir/scheduler.lock`` runs it.
    `vedette serve --workers N` starts N processes (and two serves may share a store): one of them wins;
    the lock goes with the process, so a restarted worker can take it over."""
    global _elected
    if _elected is not None:
        return True
    import fcntl

    var_dir.mkdir(parents=True, exist_ok=True)
    handle = (var_dir / "scheduler.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _elected = handle
    return True


def start_scheduler() -> BackgroundScheduler | None:
    settings = get_settings()
    if not settings.scheduler_enabled or settings.broker_url:
        return None
    if not _elect(settings.var_dir):
        return None  # another process (a sibling worker) runs it
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.add_job(
        poll_feeds_job,
        "interval",
        seconds=settings.scheduler_tick_s,
        id="intake.poll_feeds",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(purge_people_job, "interval", hours=24, id="people.purge", max_instances=1, coalesce=True)
    scheduler.add_job(
        refresh_risk_job, "interval", seconds=settings.risk_refresh_s, id="risk.refresh", max_instances=1, coalesce=True
    )
    scheduler.add_job(ladder_job, "interval", seconds=settings.scheduler_tick_s, id="alerts.ladder", max_instances=1,
                      coalesce=True)
    scheduler.start()
    return scheduler
