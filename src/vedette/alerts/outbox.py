"""The outbox's sending side: claim due messages with a lease, record what each attempt did.

- :func:`claim` leases up to N due messages to one dispatcher (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
  the store's write lock, ``BEGIN IMMEDIATE``, on SQLite) and commits at once: a dispatcher killed after
  that leaves rows in ``sending`` whose lease lapses, and the next claim takes them again.
- :func:`record` writes the results of a chunk of attempts in one short transaction: sent; a transient
  error retried later with exponential backoff (until ``alerts_max_attempts``); a permanent one failed,
  and the person's next channel queued (``fallback``) as a new row with its own idempotency key.
- :func:`apply_receipt` / :func:`apply_bounce`: a provider's delivery receipt or a bounce update the row
  (delivered; or failed, and fallen back) and the log.

At least once: a kill after the receiver accepted a message and before :func:`record` committed sends it
again after the lease; the stable Message-ID / idempotency key lets the receiver drop the copy.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from vedette.alerts import repository as repo
from vedette.alerts.channels.base import Outbound, SendResult
from vedette.alerts.models import AlertSettings, DeliveryEvent, OutboxMessage
from vedette.alerts.service import address_for, record_event
from vedette.people.models import Person
from vedette.store.db import begin_write

log = logging.getLogger("vedette.alerts.outbox")


def _now() -> datetime:
    return datetime.now(UTC)


def _write(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        begin_write(session)  # BEGIN IMMEDIATE: one claimer at a time


def claim(session: Session, owner: str, *, limit: int, lease_s: float, channels: Sequence[str] | None = None,
          now: datetime | None = None) -> list[Outbound]:
    """Lease up to ``limit`` due messages to ``owner`` and commit; plain data for the channels."""
    now = now or _now()
    _write(session)
    rows = repo.claim(session, now, now + timedelta(seconds=lease_s), owner, limit, channels)
    secrets = _webhook_secrets(session, {r.organisation_id for r in rows if r.channel == "webhook"})
    out = [Outbound(r.id, r.organisation_id, r.channel, r.idempotency_key, r.address, r.payload or {},
                    r.attempts, secrets.get(r.organisation_id)) for r in rows]
    for r in rows:
        if r.attempts > 1:
            record_event(session, r, "claimed", f"attempt {r.attempts}", at=now)
    session.commit()
    return out


def _webhook_secrets(session: Session, org_ids: set[int]) -> dict[int, str | None]:
    return {o: (s.webhook_secret if (s := session.get(AlertSettings, o)) else None) for o in org_ids}


def extend_lease(session: Session, owner: str, ids: Sequence[int], lease_s: float) -> None:
    """Keep the lease of messages still being worked on (a long batch is not taken by another dispatcher)."""
    if not ids:
        return
    _write(session)
    session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(list(ids)), OutboxMessage.status == "sending", OutboxMessage.lease_owner == owner
    ).values(lease_until=_now() + timedelta(seconds=lease_s)).execution_options(synchronize_session=False))
    session.commit()


def backoff_s(attempts: int) -> float:
    from vedette.config import get_settings

    base = get_settings().alerts_backoff_s
    return min(base * (2 ** max(attempts - 1, 0)), 3600.0) * random.uniform(0.8, 1.2)


def record(session: Session, results: Sequence[tuple[Outbound, SendResult]], *, now: datetime | None = None
           ) -> None:
    """Write a chunk of attempts' results in one transaction (committed). Successes, the common case, are
    written with two statements for the whole chunk; retries and failures row by row (fallbacks)."""
    from vedette.config import get_settings

    if not results:
        return
    now = now or _now()
    max_attempts = get_settings().alerts_max_attempts
    _write(session)
    state = {i: (st, org, ch) for i, st, org, ch in session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.organisation_id, OutboxMessage.channel)
        .where(OutboxMessage.id.in_([m.id for m, _ in results])))}
    # a row another dispatcher finished (its lease lapsed under us) gets nothing more
    open_ = [(m, r) for m, r in results if m.id in state and state[m.id][0] in ("queued", "sending")]
    ok = [(m, r) for m, r in open_ if r.ok]
    if ok:
        t = OutboxMessage.__table__
        session.execute(
            update(t).where(t.c.id == bindparam("b_id")).values(
                status="sent", sent_at=now, provider_message_id=bindparam("b_pid"), last_error=None,
                lease_until=None, lease_owner=None, updated_at=now),
            [{"b_id": m.id, "b_pid": r.provider_id} for m, r in ok],
        )
        session.execute(insert(DeliveryEvent.__table__), [
            {"organisation_id": state[m.id][1], "message_id": m.id, "kind": "sent", "status": "sent",
             "detail": "local outbox" if state[m.id][2] == "local" or (r.provider_id or "").startswith("local:")
             else None, "provider_message_id": r.provider_id, "at": now}
            for m, r in ok
        ])
    bad = [(m, r) for m, r in open_ if not r.ok]
    rows = {r.id: r for r in repo.messages_by_ids(session, [m.id for m, _ in bad])} if bad else {}
    for m, res in bad:
        row = rows[m.id]
        row.lease_until, row.lease_owner, row.updated_at = None, None, now
        if res.transient and row.attempts < max_attempts:
            row.status, row.last_error = "queued", res.error
            row.next_attempt_at = now + timedelta(seconds=backoff_s(row.attempts))
            record_event(session, row, "retry", res.error, at=now)
        else:
            fail(session, row, res.error or "failed", now=now)
    session.commit()


def fail(session: Session, row: OutboxMessage, reason: str, *, now: datetime | None = None,
         kind: str = "failed") -> OutboxMessage | None:
    """Mark ``row`` failed (in the caller's transaction) and queue the person's next channel, if any."""
    now = now or _now()
    row.status, row.last_error, row.lease_until, row.lease_owner = "failed", reason[:500], None, None
    record_event(session, row, kind, reason, at=now)
    log.info("message %s on %s failed: %s", row.id, row.channel, reason)
    return _fall_back(session, row, now)


def _fall_back(session: Session, row: OutboxMessage, now: datetime) -> OutboxMessage | None:
    rest = list(row.fallback or [])
    person = session.get(Person, row.person_id) if row.person_id is not None else None
    cfg = session.get(AlertSettings, row.organisation_id)
    while rest and person is not None:
        nxt = rest.pop(0)
        addr = address_for(person, nxt, cfg.webhook_url if cfg else None)
        if not addr:
            continue
        key = row.idempotency_key.replace(f".{row.channel}.s{row.step}", f".{nxt}.s{row.step}", 1)
        if repo.message_by_key(session, key) is not None:
            return None  # already queued on that channel (sent at once, or an earlier fallback)
        new = OutboxMessage(
            organisation_id=row.organisation_id, alert_id=row.alert_id, person_id=row.person_id, channel=nxt,
            step=row.step, purpose=row.purpose, idempotency_key=key, address=addr, payload=row.payload,
            fallback=rest, fallback_of_id=row.id, status="queued", attempts=0, next_attempt_at=now,
            created_at=now, updated_at=now,
        )
        session.add(new)
        session.flush()
        record_event(session, row, "fallback", f"falls back to {nxt} (message {new.id})", at=now)
        record_event(session, new, "queued", f"fallback of message {row.id}", at=now)
        return new
    return None


def apply_receipt(session: Session, channel: str, provider_id: str, status: str, error: str | None = None
                  ) -> OutboxMessage | None:
    """A provider's delivery receipt: ``delivered`` (or ``failed``/``undelivered``: failed, fall back)."""
    row = repo.message_by_provider_id(session, channel, provider_id)
    if row is None:
        return None
    now = _now()
    st = status.lower()
    if st in ("delivered", "read"):
        if row.status != "delivered":
            row.status, row.delivered_at, row.updated_at = "delivered", now, now
            record_event(session, row, "delivered", None, provider_message_id=provider_id, at=now)
    elif st in ("failed", "undelivered", "rejected", "expired"):
        if row.status != "failed":
            fail(session, row, f"receipt: {st}" + (f" ({error[:100]})" if error else ""), now=now)
    else:
        record_event(session, row, "receipt", st[:50], provider_message_id=provider_id, at=now)
    return row


def apply_bounce(session: Session, message_id: str, reason: str) -> OutboxMessage | None:
    """An email bounced: the message (found by its Message-ID) is failed, not sent, and falls back."""
    mid = message_id.strip()
    if not mid.startswith("<"):
        mid = f"<{mid}>"
    row = repo.message_by_provider_id(session, "email", mid)
    if row is None or row.status == "failed":
        return row
    fail(session, row, f"bounced: {reason[:200]}", kind="bounced")
    return row
