"""Enqueue a job and read its state, whichever shape runs: Celery when ``broker_url`` is set, else a
single in-process worker thread (embedded; states live in memory, the last ``KEEP`` jobs)."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from vedette.config import get_settings
from vedette.errors import BadInput, NotFound
from vedette.jobs.tasks import JOBS

KEEP = 500


class _Embedded:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.jobs: OrderedDict[str, tuple[str, Future]] = OrderedDict()

    def submit(self, name: str, args: tuple) -> str:
        with self.lock:
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vedette-job")
            job_id = uuid.uuid4().hex
            self.jobs[job_id] = (name, self.executor.submit(JOBS[name], *args))
            while len(self.jobs) > KEEP:
                self.jobs.popitem(last=False)
        return job_id

    def status(self, job_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.jobs.get(job_id)
        if found is None:
            raise NotFound(f"no job {job_id}", item=f"job {job_id}")
        name, future = found
        out: dict[str, Any] = {"id": job_id, "name": name, "backend": "embedded", "result": None, "error": None}
        if not future.done():
            out["state"] = "STARTED" if future.running() else "PENDING"
        elif future.exception() is not None:
            out["state"], out["error"] = "FAILURE", str(future.exception())
        else:
            out["state"], out["result"] = "SUCCESS", future.result()
        return out


_embedded = _Embedded()


def enqueue(name: str, *args: Any) -> str:
    """Queue job ``name`` with ``args``; returns its id. BrokerUnavailable (503) when Celery is
    configured but its broker does not answer."""
    if name not in JOBS:
        raise BadInput(f"unknown job (known: {', '.join(sorted(JOBS))})", item=name)
    if not get_settings().broker_url:
        return _embedded.submit(name, args)
    from kombu.exceptions import OperationalError
    from redis import RedisError

    from vedette.jobs.celery_app import BrokerUnavailable, check_broker, get_celery, safe_url

    app = get_celery()
    check_broker(app.conf.broker_url)  # a clear 503 at once, rather than Celery's retries
    try:
        return app.send_task(name, args=list(args)).id
    except (OperationalError, RedisError, RuntimeError) as exc:  # lost between the check and the send
        raise BrokerUnavailable(f"cannot enqueue on {safe_url(app.conf.broker_url)}: {exc}", item=name) from None


def job_status(job_id: str) -> dict[str, Any]:
    """``{"id", "name", "backend", "state", "result", "error"}``; Celery reports an id it does not know
    as PENDING."""
    if not get_settings().broker_url:
        return _embedded.status(job_id)
    from vedette.jobs.celery_app import get_celery

    result = get_celery().AsyncResult(job_id)
    state = result.state
    out: dict[str, Any] = {"id": job_id, "name": result.name, "backend": "celery", "state": state}
    out["result"] = result.result if state == "SUCCESS" else None
    out["error"] = str(result.result) if state == "FAILURE" else None
    return out
