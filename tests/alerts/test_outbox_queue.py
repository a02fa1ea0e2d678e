"""queue_messages writes outbox rows in the caller's transaction, once per key."""

from __future__ import annotations

from sqlalchemy import func, select

from vedette.alerts import service
from vedette.alerts.models import Alert, DeliveryEvent, OutboxMessage


def _alert(session, scope, **kw) -> Alert:
    a = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="x", thread_key="adhoc:x",
              template="adhoc", status="sent", event={"headline": "Stay indoors"}, **kw)
    session.add(a)
    session.flush()
    return a


def test_queue_is_idempotent_and_falls_back_in_order(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org", phone="+33612345678", language="fr")
    bob = make_person(scope, "Bob", phone="+33612345679")
    nob = make_person(scope, "Nobody")
    alert = _alert(session, scope)
    rows = service.queue_messages(session, scope, alert, [ana, bob, nob], ["email", "sms"])
    by_person = {r.person_id: r for r in rows}
    assert by_person[ana.id].channel == "email" and by_person[ana.id].fallback == ["sms"]
    assert by_person[ana.id].payload["sms"] and by_person[ana.id].payload["html"]  # its fallback's too
    assert "Stay indoors" in by_person[ana.id].payload["subject"]
    assert by_person[bob.id].channel == "sms" and by_person[bob.id].fallback == []
    assert by_person[nob.id].status == "failed" and "no valid contact" in by_person[nob.id].last_error
    # again (a restart, a repeated event): nothing new
    assert service.queue_messages(session, scope, alert, [ana, bob, nob], ["email", "sms"]) == []
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    assert session.scalar(select(func.count()).select_from(DeliveryEvent)) == 3
    # all at once: one more row for Ana's SMS (her email row exists), none for the others
    more = service.queue_messages(session, scope, alert, [ana, bob], ["email", "sms"], mode="all")
    assert [(r.person_id, r.channel) for r in more] == [(ana.id, "sms")]
    # a later ladder step is another key
    step1 = service.queue_messages(session, scope, alert, [bob], ["sms"], step=1, purpose="reminder")
    assert step1[0].idempotency_key.endswith(".s1.reminder")


def test_message_id_is_stable() -> None:
    key = service.idempotency_key(7, 3, "email", 0)
    assert service.message_id_header(key) == service.message_id_header(key)
    assert service.message_id_header(key) != service.message_id_header(service.idempotency_key(7, 4, "email", 0))
