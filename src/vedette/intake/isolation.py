"""Run a parse in a worker process that can be killed when it overruns ``parse_timeout_s``.

The main thread interrupts a slow parse with SIGALRM (see :func:`vedette.intake.readers.time_limit`),
but web requests are served from worker threads, which Python cannot interrupt. There, HTML (parsed by
lxml and trafilatura, which never look at a clock) is handed to a small pool of spawned processes; on
timeout the pool is killed and replaced, so a hostile page costs at most ``parse_timeout_s`` and never
keeps a core busy afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_started: dict[int, list] = {}  # the worker processes of each pool, kept in case the pool forgets them
_WORKERS = 2
_START_TIMEOUT_S = 60.0  # a cold worker imports lxml and trafilatura before its first parse


class IsolatedTimeout(Exception):
    """The isolated call did not finish in time; its worker was killed."""


def _warm() -> int:
    import trafilatura  # noqa: F401 - imported now so that the first parse is not charged for it

    return os.getpid()


def _call_with_env(env: dict[str, str], fn: Callable[..., Any], args: tuple) -> Any:
    """Run ``fn`` in the worker with the caller's current VEDETTE_* settings."""
    from vedette.config import get_settings

    for key in [k for k in os.environ if k.startswith("VEDETTE_") and k not in env]:
        del os.environ[key]
    os.environ.update(env)
    get_settings.cache_clear()
    return fn(*args)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            pool = ProcessPoolExecutor(max_workers=_WORKERS, mp_context=multiprocessing.get_context("spawn"))
            for f in [pool.submit(_warm) for _ in range(_WORKERS)]:
                f.result(timeout=_START_TIMEOUT_S)
            _started[id(pool)] = list((getattr(pool, "_processes", None) or {}).values())
            _pool = pool
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    procs = {p.pid: p for p in _started.pop(id(pool), [])}
    procs.update({p.pid: p for p in list((getattr(pool, "_processes", None) or {}).values())})
    for proc in procs.values():
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs.values():
        proc.join(timeout=5)  # reap them: nothing of a killed parse is left running


def run_isolated(fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
    """``fn(*args)`` in a worker process; :class:`IsolatedTimeout` after ``timeout`` seconds.

    ``fn`` and its arguments must be picklable (module-level functions, bytes, str). Exceptions
    raised by ``fn`` reach the caller unchanged. A call whose pool was broken by another call's
    timeout is retried once on a fresh pool.
    """
    env = {k: v for k, v in os.environ.items() if k.startswith("VEDETTE_")}
    for attempt in (1, 2):
        pool = _get_pool()
        try:
            future = pool.submit(_call_with_env, env, fn, args)
        except (BrokenProcessPool, RuntimeError):
            _discard(pool)
            continue
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            _discard(pool)
            raise IsolatedTimeout(f"no result after {timeout:g} s") from None
        except BrokenProcessPool:
            _discard(pool)
            if attempt == 2:
                raise
    raise BrokenProcessPool("the parse worker pool could not be started")


def shutdown() -> None:
    """Stop the workers (tests, and the web app's shutdown)."""
    with _lock:
        pool = _pool
    if pool is not None:
        _discard(pool)
