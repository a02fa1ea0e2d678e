"""The dispatcher: claims due outbox messages, sends them through their channels, records the results.

One loop, the same in-process (a daemon thread, alerts/tasks.py) and in Celery workers (the task
``alerts.dispatch``): claim a batch with a lease (outbox.claim), send each message through its channel
with the channel's rate limit, and record results in small chunks (every ``flush_every`` messages or
``flush_s`` seconds), renewing the lease of the rest of the batch when a third of it has passed. A failing channel only
fails its own messages (retried, then fallen back); the other channels go on. Messages are never
logged whole: ids, channels and reasons only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy.orm import Session

from vedette.alerts import outbox
from vedette.alerts.channels import Channel, Outbound, SendResult, for_settings

log = logging.getLogger("vedette.alerts.dispatcher")


class RateLimiter:
    """A token bucket: ``rate`` messages per second, bursts of up to ``rate`` (one second's worth)."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)
        self.tokens = max(self.rate, 1.0)
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


class Dispatcher:
    def __init__(self, session_factory: Callable[[], Session] | None = None, *,
                 channels: dict[str, Channel] | None = None, owner: str | None = None, batch: int | None = None,
                 lease_s: float | None = None, flush_every: int = 20, flush_s: float = 0.5,
                 rates: dict[str, float] | None = None, only: list[str] | None = None) -> None:
        from vedette.config import get_settings
        from vedette.store.db import session_factory as make_factory

        s = get_settings()
        self.session_factory = session_factory or make_factory()
        self.channels = channels if channels is not None else for_settings(s)
        self.owner = owner or f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch = batch or s.alerts_batch
        self.lease_s = lease_s or s.alerts_lease_s
        self.flush_every, self.flush_s = flush_every, flush_s
        rates = s.alerts_rate_per_s if rates is None else rates
        self.limiters = {name: RateLimiter(rates.get(name, 0.0)) for name in ("email", "sms", "webhook", "local")}
        self.only = only
        self.stats: dict[str, int] = defaultdict(int)

    def run_once(self) -> int:
        """Claim one batch, send it, record it; the number of messages handled (0: nothing due)."""
        with self.session_factory() as session:
            msgs = outbox.claim(session, self.owner, limit=self.batch, lease_s=self.lease_s, channels=self.only)
        if not msgs:
            return 0
        by_channel: dict[str, list[Outbound]] = defaultdict(list)
        for m in msgs:
            by_channel[m.channel].append(m)
        pending: list[tuple[Outbound, SendResult]] = []
        left = {m.id for m in msgs}
        last_flush = leased_at = time.monotonic()

        def flush() -> None:
            nonlocal pending, last_flush, leased_at
            if pending:
                with self.session_factory() as session:
                    outbox.record(session, pending)
                for m, r in pending:
                    left.discard(m.id)
                    self.stats["sent" if r.ok else ("retry" if r.transient else "failed")] += 1
                pending = []
            if left and time.monotonic() - leased_at > self.lease_s / 3:  # renewed well before it lapses
                with self.session_factory() as session:
                    outbox.extend_lease(session, self.owner, sorted(left), self.lease_s)
                leased_at = time.monotonic()
            last_flush = time.monotonic()

        for name, group in by_channel.items():
            channel = self.channels.get(name)
            limiter = self.limiters.get(name)
            for m in group:
                if channel is None:
                    res = SendResult.fail(f"no channel '{name}'")
                else:
                    if limiter is not None and channel.name != "local":
                        limiter.acquire()
                    try:
                        res = channel.send(m)
                    except Exception as exc:  # noqa: BLE001 - one message never stops the others
                        res = SendResult.retry(f"{name}: {type(exc).__name__}")
                if not res.ok:
                    log.info("message %s on %s: %s", m.id, name, res.error)
                pending.append((m, res))
                if len(pending) >= self.flush_every or time.monotonic() - last_flush >= self.flush_s:
                    flush()
        flush()
        return len(msgs)

    def drain(self, *, max_s: float | None = None) -> int:
        """Run batches until nothing is due (or ``max_s`` has passed); messages handled."""
        start, total = time.monotonic(), 0
        while True:
            n = self.run_once()
            total += n
            if n == 0 or (max_s is not None and time.monotonic() - start >= max_s):
                return total

    def close(self) -> None:
        seen: set[int] = set()
        for ch in self.channels.values():
            if id(ch) not in seen:
                seen.add(id(ch))
                with contextlib.suppress(Exception):
                    ch.close()
