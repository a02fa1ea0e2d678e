"""The dispatcher against real local receivers: SMTP (aiosmtpd), a fake SMS provider, a webhook receiver."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from vedette.alerts import outbox, service, signing
from vedette.alerts.channels.local import LocalChannel
from vedette.alerts.channels.sms import SmsChannel
from vedette.alerts.channels.smtp import SmtpChannel
from vedette.alerts.channels.webhook import WebhookChannel
from vedette.alerts.dispatcher import Dispatcher
from vedette.alerts.models import Alert, AlertSettings, DeliveryEvent, OutboxMessage
from vedette.alerts.sinks import DroppingServer, FakeSmsProvider, SmtpSink, WebhookReceiver


@pytest.fixture
def smtp():
    sink = SmtpSink(keep=True).start()
    yield sink
    sink.stop()


@pytest.fixture
def sms():
    p = FakeSmsProvider().start()
    yield p
    p.stop()


@pytest.fixture
def hook():
    r = WebhookReceiver().start()
    yield r
    r.stop()


def _alert(session, scope) -> Alert:
    a = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="x", thread_key="adhoc:x",
              template="adhoc", status="sent", event={"headline": "Stay indoors", "headline_fr": "Restez chez vous"})
    session.add(a)
    session.flush()
    return a


def _dispatcher(clean_db, channels, **kw) -> Dispatcher:
    from vedette.store.db import session_factory

    return Dispatcher(session_factory(clean_db), channels=channels, rates={}, **kw)


def _channels(smtp_url=None, sms_url=None):
    from vedette.config import get_settings

    s = get_settings()
    local = LocalChannel()
    return {
        "email": SmtpChannel.from_url(smtp_url, s) if smtp_url else local,
        "sms": SmsChannel.from_url(sms_url, s) if sms_url else local,
        "webhook": WebhookChannel(s),
        "local": local,
    }


def _statuses(session) -> dict[tuple[int, str], str]:
    session.expire_all()
    return {(m.person_id, m.channel): m.status for m in session.scalars(select(OutboxMessage))}


def test_email_and_sms_reach_the_receivers_once(session, clean_db, make_scope, make_person, smtp, sms) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org", language="fr")
    bob = make_person(scope, "Bob", phone="+33612345679")
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, [ana, bob], ["email", "sms"])
    session.commit()
    d = _dispatcher(clean_db, _channels(smtp.url, sms.url))
    assert d.drain() == 2
    assert d.drain() == 0
    d.close()
    assert smtp.received == 1 and sms.received == 1
    mail = smtp.items[0]["message"]
    assert mail["Subject"] == "Restez chez vous"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Message-ID"] == service.message_id_header(service.idempotency_key(alert.id, ana.id, "email"))
    assert sms.items[0]["to"] == "+33612345679" and "Stay indoors" in sms.items[0]["body"]
    st = _statuses(session)
    assert st[(ana.id, "email")] == "sent" and st[(bob.id, "sms")] == "sent"


def test_smtp_refusing_falls_back_to_sms_and_tempfail_retries(session, clean_db, make_scope, make_person,
                                                              smtp, sms, monkeypatch) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="gone@example.org", phone="+33612345678")
    bob = make_person(scope, "Bob", email="bob@example.org")
    smtp.refuse = {"gone@example.org"}
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, [ana, bob], ["email", "sms"])
    session.commit()
    smtp.tempfail = 1  # the first DATA answered 451: retried later
    d = _dispatcher(clean_db, _channels(smtp.url, sms.url))
    d.drain()
    st = _statuses(session)
    assert st[(ana.id, "email")] == "failed" and st[(ana.id, "sms")] == "sent"  # the fallback went out
    assert st[(bob.id, "email")] == "queued"  # the 451: waiting for its backoff
    session.execute(OutboxMessage.__table__.update().values(next_attempt_at=OutboxMessage.created_at))
    session.commit()
    d.drain()
    d.close()
    assert _statuses(session)[(bob.id, "email")] == "sent"
    assert smtp.distinct == 1 and sms.received == 1
    kinds = [e.kind for e in session.scalars(select(DeliveryEvent).order_by(DeliveryEvent.id))]
    assert "fallback" in kinds and "retry" in kinds


def test_dropped_connection_and_provider_errors_retry(session, clean_db, make_scope, make_person, sms) -> None:
    dropping = DroppingServer()
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    bob = make_person(scope, "Bob", phone="+33612345679")
    cid = make_person(scope, "Cid", phone="+33612345670")
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, [ana, bob, cid], ["email", "sms"])
    session.commit()
    sms.fail_next = [429, 500]
    d = _dispatcher(clean_db, _channels(f"smtp://127.0.0.1:{dropping.port}", sms.url))
    d.drain()
    d.close()
    dropping.stop()
    rows = {m.person_id: m for m in session.scalars(select(OutboxMessage))}
    session.expire_all()
    assert rows[ana.id].status == "queued" and "smtp" in rows[ana.id].last_error
    assert rows[bob.id].status == "queued" and rows[cid.id].status == "queued"
    assert {rows[bob.id].last_error, rows[cid.id].last_error} == {"sms provider HTTP 429", "sms provider HTTP 500"}
    assert sms.received == 0


def test_a_killed_dispatchers_messages_are_sent_after_the_lease(session, clean_db, make_scope, make_person,
                                                                smtp) -> None:
    scope = make_scope("org-a")
    people = [make_person(scope, f"P{i}", email=f"p{i}@example.org") for i in range(5)]
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, people, ["email"])
    session.commit()
    from vedette.store.db import session_factory

    with session_factory(clean_db)() as s:  # a dispatcher claims, then dies before sending
        claimed = outbox.claim(s, "dead", limit=10, lease_s=300)
    assert len(claimed) == 5
    d = _dispatcher(clean_db, _channels(smtp.url))
    assert d.drain() == 0  # leased: not taken
    with session_factory(clean_db)() as s:  # the lease lapses (moved back, not waited for: no race with a clock)
        s.execute(update(OutboxMessage).where(OutboxMessage.lease_owner == "dead")
                  .values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
        s.commit()
    assert d.drain() == 5
    d.close()
    assert smtp.received == 5
    # queueing the same again (a restart that replays the event) adds nothing, sends nothing
    assert service.queue_messages(session, scope, alert, people, ["email"]) == []


def test_webhook_is_signed_and_verifiable(session, clean_db, make_scope, make_person, hook) -> None:
    scope = make_scope("org-a")
    session.add(AlertSettings(organisation_id=scope.org_id, webhook_url=hook.url, webhook_secret="s3cret",
                              approval_threshold=50, default_channels=["webhook"]))
    ana = make_person(scope, "Ana")
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, [ana], ["webhook"])
    session.commit()
    d = _dispatcher(clean_db, _channels())
    d.drain()
    d.close()
    assert hook.received == 1
    item = hook.items[0]
    sig = item["headers"]["X-Vedette-Signature"]
    assert signing.verify("s3cret", item["body"], sig) is None
    assert signing.verify("wrong", item["body"], sig) == "bad signature"
    assert signing.verify("s3cret", item["body"] + b" ", sig) == "bad signature"
    assert signing.verify("s3cret", item["body"], sig, now=time.time() + 3600) == "signature expired"
    assert json.loads(item["body"])["alert"]["msg_type"] == "alert"
    assert item["headers"]["Idempotency-Key"] == service.idempotency_key(alert.id, ana.id, "webhook")


def test_local_outbox_when_nothing_is_configured(session, clean_db, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    alert = _alert(session, scope)
    service.queue_messages(session, scope, alert, [ana], ["email"])
    session.commit()
    d = _dispatcher(clean_db, None)
    d.drain()
    session.expire_all()
    row = session.scalar(select(OutboxMessage))
    assert row.status == "sent" and row.provider_message_id == f"local:{row.id}"


def test_rate_limit_and_nothing_secret_in_the_logs(session, clean_db, make_scope, make_person, smtp, sms,
                                                   caplog) -> None:
    import logging

    from vedette.store.db import session_factory

    scope = make_scope("org-a")
    people = [make_person(scope, f"P{i}", email=f"p{i}@example.org") for i in range(12)]
    people.append(make_person(scope, "Gone", email="gone@example.org"))
    smtp.refuse = {"gone@example.org"}
    alert = _alert(session, scope)
    alert.note = "the secret plan is at the embassy"
    session.flush()
    service.queue_messages(session, scope, alert, people, ["email"])
    session.commit()
    caplog.set_level(logging.DEBUG, logger="vedette")
    # credentials the sink does not take: every message fails (retried later), and the log says why
    with_password = _channels(f"smtp://bob:hunter2pass@127.0.0.1:{smtp.port}", sms.url)
    d = Dispatcher(session_factory(clean_db), channels=with_password, rates={})
    d.run_once()
    d.close()
    assert smtp.received == 0
    session.execute(OutboxMessage.__table__.update().values(next_attempt_at=OutboxMessage.created_at))
    session.commit()
    d = Dispatcher(session_factory(clean_db), channels=_channels(smtp.url, sms.url), rates={"email": 5.0})
    t0 = time.monotonic()
    d.drain()
    elapsed = time.monotonic() - t0
    d.close()
    assert smtp.received == 12
    assert elapsed >= 1.2  # 13 sends at 5/s with a burst of 5: at least (13 - 5) / 5 s
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vedette"))
    assert "recipient refused" in ours and "SMTP" in ours  # failures are logged, with their reasons
    for secret in ("hunter2pass", "secret plan", "p1@example.org", "Stay indoors"):
        assert secret not in ours
    assert "hunter2pass" not in repr(with_password["email"])
