"""Celery on Redis, used when ``broker_url`` (``VEDETTE_BROKER_URL``) is set.

The app is built from the settings: the broker and the result backend are the same Redis URL, the
tasks are the jobs of :mod:`vedette.jobs.tasks` under their own names, and beat polls due feeds every
``scheduler_tick_s`` seconds (``vedette worker --beat``). Tasks are acknowledged after they finish, so a
worker that dies mid-job leaves it to be run again (every job is idempotent).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from kombu.utils.url import maybe_sanitize_url

from vedette.config import Settings, get_settings
from vedette.errors import VedetteError

SCHEMES = ("redis://", "rediss://")
CONNECT_TIMEOUT_S = 5.0
_apps: dict[tuple[Any, ...], Celery] = {}


class BrokerUnavailable(VedetteError):
    """No broker configured, or the configured one cannot be reached."""

    status_code = 503


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    return maybe_sanitize_url(url)


def broker_url(settings: Settings | None = None) -> str:
    """The configured Redis URL, or BrokerUnavailable naming the setting."""
    url = (settings or get_settings()).broker_url.strip()
    if not url:
        raise BrokerUnavailable(
            "broker_url is not set: set VEDETTE_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to use Celery; "
            "without it `vedette serve` runs the jobs in-process"
        )
    if not url.startswith(SCHEMES):
        raise BrokerUnavailable(
            f"broker_url must be a redis:// or rediss:// URL (VEDETTE_BROKER_URL), not {safe_url(url)!r}"
        )
    return url


@lru_cache(maxsize=4)
def _redis_client(url: str, timeout: float):  # noqa: ANN202 - redis.Redis, imported lazily
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)


def check_broker(url: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Answer PING within ``timeout`` seconds or raise BrokerUnavailable saying why (a pooled client:
    cheap enough to call before every enqueue)."""
    import redis

    try:
        _redis_client(url, timeout).ping()
    except redis.RedisError as exc:
        raise BrokerUnavailable(
            f"cannot reach the broker at {safe_url(url)} (broker_url, VEDETTE_BROKER_URL): {exc}"
        ) from None


def create_celery(settings: Settings | None = None) -> Celery:
    """A new Celery app for these settings, with every job of ``JOBS`` registered as a task."""
    from vedette.incidents.flows import install
    from vedette.jobs.tasks import JOBS

    settings = settings or get_settings()
    url = broker_url(settings)
    install()  # new documents are extracted in the worker as in `serve`
    app = Celery("vedette", broker=url, backend=url, set_as_current=False)
    tick = max(float(settings.scheduler_tick_s), 1.0)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_extended=True,  # the job's name is kept with its state
        result_expires=7 * 24 * 3600,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"socket_connect_timeout": CONNECT_TIMEOUT_S},
        redis_socket_connect_timeout=CONNECT_TIMEOUT_S,
        beat_schedule={
            "intake.poll_due_feeds": {
                "task": "intake.poll_due_feeds",
                "schedule": tick,
                "options": {"expires": tick},  # a tick nobody ran in time is dropped, not piled up
            },
            "people.purge": {"task": "people.purge", "schedule": 24 * 3600.0},
            "alerts.ladder": {"task": "alerts.ladder", "schedule": tick, "options": {"expires": tick}},
            "risk.refresh": {
                "task": "risk.refresh",
                "schedule": settings.risk_refresh_s,
                "options": {"expires": settings.risk_refresh_s},
            },
        },
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
    )
    for name, job in JOBS.items():
        app.task(name=name)(job)
    from vedette.alerts.tasks import register_celery  # alerts.dispatch and alerts.flows, with their beat entries

    register_celery(app)
    return app


def get_celery() -> Celery:
    """The app for the current settings (one per broker URL, tick and var dir)."""
    settings = get_settings()
    key = (settings.broker_url, settings.scheduler_tick_s, str(settings.var_dir))
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = create_celery(settings)
    return app


def run_worker(*, beat: bool, concurrency: int, loglevel: str) -> None:
    """Check the broker, then run a worker (and beat) in this process until it is stopped."""
    settings = get_settings()
    check_broker(broker_url(settings))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    argv = ["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}"]
    if beat:
        argv.append("--beat")
    get_celery().worker_main(argv)


@worker_process_init.connect
def _fresh_engines(**_kwargs: Any) -> None:
    """A forked worker process opens its own database connections, never its parent's."""
    from vedette.store.db import get_engine

    get_engine.cache_clear()
