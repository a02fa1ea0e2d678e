"""Alerting jobs, in-process (a daemon thread started with the web app) or as Celery tasks on Redis.

- ``alerts.flows``: consume incident review changes and risk events (flows.process_pending) in one write
  transaction: alerts and their outbox rows are written with the cursor's move.
- ``alerts.dispatch``: send what is due (dispatcher.Dispatcher.drain for at most ``DRAIN_MAX_S``).

Celery and its visibility timeout: tasks are acknowledged late (jobs/celery_app.py), so a worker killed
mid-task has its task delivered again, but only after Redis's visibility timeout (an hour by default). The
dispatcher does not rely on that: each message is leased in the database (``alerts_lease_s``), so any other
worker's next ``alerts.dispatch`` (beat's tick, or the next kick) takes the dead worker's messages once
their lease lapses; a redelivered task finds them sent. A task drains for at most ``DRAIN_MAX_S`` seconds,
far below the visibility timeout, so a slow task is never handed to a second worker while it runs.

``kick()`` after a commit that queued messages: wakes the in-process thread, or enqueues ``alerts.dispatch``.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from typing import Any

log = logging.getLogger("vedette.alerts.tasks")
DRAIN_MAX_S = 50.0


def _install_hooks() -> None:
    """The check-ins code adds links to messages and answers inbound SMS: installed wherever we queue."""
    if importlib.util.find_spec("vedette.alerts.checkins") is not None:
        from vedette.alerts import checkins

        install = getattr(checkins, "install", None)
        if install is not None:
            install()


def flows_job() -> dict[str, Any]:
    """``alerts.flows``: alerts for what changed since the cursors."""
    from vedette.alerts.flows import process_pending
    from vedette.store.db import session_scope

    _install_hooks()
    with session_scope(write=True) as s:
        out = process_pending(s)
    if out.get("alerts"):
        kick()
    return out


def dispatch_job(max_s: float = DRAIN_MAX_S) -> dict[str, Any]:
    """``alerts.dispatch``: send due messages for at most ``max_s`` seconds."""
    from vedette.alerts.dispatcher import Dispatcher

    d = Dispatcher()
    try:
        handled = d.drain(max_s=max_s)
    finally:
        d.close()
    return {"handled": handled, **dict(d.stats)}


JOBS = {"alerts.flows": flows_job, "alerts.dispatch": dispatch_job}


# --- in-process ---------------------------------------------------------------------------------------
class InProcess:
    """A daemon thread: flows then dispatch, every ``alerts_dispatch_tick_s`` or when kicked."""

    def __init__(self, tick_s: float) -> None:
        self.tick_s = tick_s
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="vedette-alerts", daemon=True)

    def start(self) -> InProcess:
        self.thread.start()
        return self

    def _run(self) -> None:
        from vedette.alerts.dispatcher import Dispatcher

        dispatcher = None
        while not self.stopping.is_set():
            try:
                flows_job()
                dispatcher = dispatcher or Dispatcher()
                dispatcher.drain(max_s=DRAIN_MAX_S)
            except Exception as exc:  # noqa: BLE001 - the loop survives a bad tick (logged without data)
                log.warning("alerts tick failed: %s", type(exc).__name__)
                if dispatcher is not None:
                    dispatcher.close()
                    dispatcher = None
            self.wake.wait(self.tick_s)
            self.wake.clear()
        if dispatcher is not None:
            dispatcher.close()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout=10)


_runner: InProcess | None = None


def start_in_process() -> InProcess | None:
    """Start the in-process loop unless a broker is configured or the scheduler is disabled."""
    global _runner
    from vedette.config import get_settings

    s = get_settings()
    if s.broker_url or not s.scheduler_enabled:
        return None
    if _runner is None or not _runner.thread.is_alive():
        _runner = InProcess(s.alerts_dispatch_tick_s).start()
    return _runner


def kick() -> bool:
    """Have due messages sent soon: wake the in-process loop, or enqueue ``alerts.dispatch`` (Celery)."""
    from vedette.config import get_settings

    if get_settings().broker_url:
        try:
            from vedette.jobs.celery_app import get_celery

            get_celery().send_task("alerts.dispatch")
            return True
        except Exception as exc:  # noqa: BLE001 - beat's tick sends it later anyway
            log.warning("could not enqueue alerts.dispatch: %s", type(exc).__name__)
            return False
    if _runner is not None:
        _runner.wake.set()
        return True
    return False


def register_celery(app) -> None:  # noqa: ANN001 - a Celery app
    """Register the alerting tasks on ``app`` and beat entries for both (every ``alerts_dispatch_tick_s``)."""
    from vedette.config import get_settings

    tick = max(get_settings().alerts_dispatch_tick_s, 1.0)
    for name, job in JOBS.items():
        if name not in app.tasks:
            app.task(name=name)(job)
    schedule = dict(app.conf.beat_schedule or {})
    for name in JOBS:
        schedule.setdefault(name, {"task": name, "schedule": tick, "options": {"expires": tick * 5}})
    app.conf.beat_schedule = schedule


def run_dispatcher_forever(idle_s: float = 0.2, max_s: float | None = None) -> None:
    """A dispatcher process of its own (``vedette alerts dispatch --loop``; the crash bench kills it)."""
    from vedette.alerts.dispatcher import Dispatcher

    _install_hooks()
    d = Dispatcher()
    start = time.monotonic()
    try:
        while max_s is None or time.monotonic() - start < max_s:
            if d.run_once() == 0:
                time.sleep(idle_s)
    finally:
        d.close()


if __name__ == "__main__":  # python -m vedette.alerts.tasks: one dispatcher process (benches, operators)
    logging.basicConfig(level=logging.WARNING)
    run_dispatcher_forever()
