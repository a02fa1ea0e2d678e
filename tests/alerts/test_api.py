"""The alerts API: rules, ad-hoc alerts with preview and approval, the local outbox, settings, feeds (CAP 1.2
validated against the OASIS schema), signed callbacks, and tenant isolation (another org: 404)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xmlschema

import vedette.alerts
from vedette.alerts import signing

XSD = Path(vedette.alerts.__file__).with_name("schema") / "CAP-v1.2.xsd"


@pytest.fixture(scope="module")
def cap_schema():
    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture
def orgs(accounts):
    a = {role: accounts.client("org-a", role, f"{role}@org-a.test") for role in ("admin", "analyst")}
    a["analyst2"] = accounts.client("org-a", "analyst", "second@org-a.test")
    b = accounts.client("org-b", "admin", "admin@org-b.test")
    yield a, b
    for c in [*a.values(), b]:
        c.close()


def _people(client, n: int, tag: str = "staff") -> list[int]:
    ids = []
    for i in range(n):
        r = client.post("/api/people", json={"name": f"P{i}", "emails": [f"p{i}@example.org"], "tags": [tag],
                                             "language": "fr" if i % 2 else "en"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_adhoc_preview_approval_local_outbox_and_isolation(orgs) -> None:
    a, b = orgs
    _people(a["admin"], 3)
    assert a["admin"].put("/api/alerts/settings/current", json={"approval_threshold": 2}).status_code == 200
    r = a["analyst"].post("/api/alerts", json={"headline": "Stay indoors", "headline_fr": "Restez chez vous",
                                               "tags": ["staff"], "channels": ["email"]})
    assert r.status_code == 201, r.text
    alert = r.json()
    assert alert["status"] == "draft" and alert["recipient_count"] == 3
    pv = a["analyst"].get(f"/api/alerts/{alert['id']}/preview").json()
    assert pv["needs_approval"] is True
    assert pv["content"]["fr"]["subject"] == "Restez chez vous" and pv["content"]["en"]["subject"] == "Stay indoors"
    assert pv["samples"][0]["text"].startswith("P0")
    sent = a["analyst"].post(f"/api/alerts/{alert['id']}/send").json()
    assert sent["status"] == "pending_approval"
    assert a["analyst"].post(f"/api/alerts/{alert['id']}/approve").status_code == 409  # not alone
    # another organisation sees none of it
    assert b.get(f"/api/alerts/{alert['id']}").status_code == 404
    assert b.get(f"/api/alerts/{alert['id']}/preview").status_code == 404
    assert b.post(f"/api/alerts/{alert['id']}/approve").status_code == 404
    assert b.get("/api/alerts").json() == []
    ok = a["analyst2"].post(f"/api/alerts/{alert['id']}/approve")
    assert ok.status_code == 200 and ok.json()["status"] == "sent"
    # nothing configured: the dispatcher puts them in the local outbox, which the API shows whole
    from vedette.alerts.dispatcher import Dispatcher

    d = Dispatcher(rates={})
    assert d.drain() == 3
    page = a["analyst"].get("/api/alerts/outbox/messages", params={"local": "true"}).json()
    assert page["counts"] == {"sent": 3}
    assert {m["content"]["subject"] for m in page["messages"]} == {"Stay indoors", "Restez chez vous"}
    one = a["analyst"].get(f"/api/alerts/outbox/messages/{page['messages'][0]['id']}").json()
    assert [e["kind"] for e in one["events"]] == ["queued", "sent"]
    assert b.get(f"/api/alerts/outbox/messages/{one['id']}").status_code == 404
    assert b.get("/api/alerts/outbox/messages").json()["messages"] == []
    # the alert's life: an update and an all-clear to the same people
    up = a["analyst"].post(f"/api/alerts/{alert['id']}/update", json={"note": "Curfew from 18:00"}).json()
    assert up["msg_type"] == "update" and up["references_id"] == alert["id"] and up["recipient_count"] == 3
    clear = a["analyst"].post(f"/api/alerts/{alert['id']}/all-clear", json={}).json()
    assert clear["all_clear"] is True and clear["references_id"] == up["id"]
    assert b.post(f"/api/alerts/{alert['id']}/cancel", json={}).status_code == 404


def test_rules_crud_and_isolation(orgs) -> None:
    a, b = orgs
    r = a["admin"].post("/api/alerts/rules", json={"name": "Mali", "countries": ["ML"], "min_severity": 3,
                                                   "channels": ["sms", "email"]})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    assert a["admin"].patch(f"/api/alerts/rules/{rid}", json={"enabled": False}).json()["enabled"] is False
    assert b.get(f"/api/alerts/rules/{rid}").status_code == 404
    assert b.patch(f"/api/alerts/rules/{rid}", json={"enabled": True}).status_code == 404
    assert b.delete(f"/api/alerts/rules/{rid}").status_code == 404
    assert b.get("/api/alerts/rules").json() == []
    assert a["admin"].post("/api/alerts/rules", json={"name": "x", "countries": ["Mali"]}).status_code == 422
    assert a["admin"].delete(f"/api/alerts/rules/{rid}").status_code == 204


def test_feeds_cap_validates_and_tokens_are_needed(orgs, anon_client, cap_schema) -> None:
    a, b = orgs
    _people(a["admin"], 1)
    alert = a["admin"].post("/api/alerts", json={"headline": "Roadblocks on the airport road", "tags": ["staff"],
                                                 "channels": ["email"], "public": True, "send": True,
                                                 "severity": 4}).json()
    a["admin"].post(f"/api/alerts/{alert['id']}/cancel", json={"note": "Roads open"})
    tok = a["admin"].post("/api/alerts/settings/feed-token").json()
    token = tok["secret"]
    assert b.post("/api/alerts/settings/feed-token").status_code == 200  # its own, not org-a's
    atom = anon_client.get("/api/alerts/feeds/org-a/atom.xml", params={"token": token})
    assert atom.status_code == 200 and "Roadblocks" in atom.text
    assert anon_client.get("/api/alerts/feeds/org-a/atom.xml").status_code == 401
    assert anon_client.get("/api/alerts/feeds/org-a/atom.xml", params={"token": "vdf_wrong"}).status_code == 401
    assert anon_client.get("/api/alerts/feeds/org-b/atom.xml", params={"token": token}).status_code == 401
    ids = [m["id"] for m in a["admin"].get("/api/alerts").json()]
    for aid in ids:
        doc = anon_client.get(f"/api/alerts/feeds/org-a/cap/{aid}.xml", params={"token": token})
        assert doc.status_code == 200
        cap_schema.validate(doc.text)  # raises on any departure from the OASIS schema
    cancel = anon_client.get(f"/api/alerts/feeds/org-a/cap/{max(ids)}.xml", params={"token": token}).text
    assert "<msgType>Cancel</msgType>" in cancel and "<references>" in cancel
    # the public feed: only when the organisation publishes
    assert "Roadblocks" not in anon_client.get("/api/alerts/public/atom.xml").text
    a["admin"].put("/api/alerts/settings/current", json={"public_feed": True})
    assert "Roadblocks" in anon_client.get("/api/alerts/public/atom.xml").text
    pub = anon_client.get(f"/api/alerts/public/cap/{alert['id']}.xml")
    assert pub.status_code == 200 and "<scope>Public</scope>" in pub.text
    cap_schema.validate(pub.text)


def test_cap_of_an_incident_alert_validates(session, make_scope, cap_schema) -> None:
    from vedette.alerts import feeds
    from vedette.alerts.models import Alert

    scope = make_scope("org-a")
    a = Alert(organisation_id=scope.org_id, event_kind="incident", event_id="1", thread_key="incident:1",
              template="incident", status="sent", msg_type="update", all_clear=True, severity=5,
              event={"place": "Bamako", "country": "ML", "region": "ML-BKO", "lat": 12.64, "lon": -8.0,
                     "status": "confirmed", "category": "coup"},
              content={"en": {"subject": "S", "text": "T"}, "fr": {"subject": "S", "text": "T"}})
    session.add(a)
    session.flush()
    xml = feeds.cap_xml(a, "org-a", referenced=a).decode()
    cap_schema.validate(xml)
    assert "<circle>12.6400,-8.0000 25</circle>" in xml and "<responseType>AllClear</responseType>" in xml


def _signed(body: dict) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", signing.HEADER: signing.sign(signing.callback_secret(), raw)}


def test_receipts_and_inbound_are_signed(orgs, anon_client, session) -> None:
    from sqlalchemy import select

    from vedette.alerts.models import InboundMessage, OutboxMessage
    from vedette.people.models import Person

    a, _ = orgs
    pid = a["admin"].post("/api/people", json={"name": "Ana", "phones": ["+33612345678"]}).json()["id"]
    alert = a["admin"].post("/api/alerts", json={"headline": "Check in", "person_ids": [pid], "channels": ["sms"],
                                                 "send": True}).json()
    assert alert["status"] == "sent"
    session.expire_all()
    msg = session.scalar(select(OutboxMessage))
    msg.status, msg.provider_message_id = "sent", "SM123"
    session.commit()
    raw, headers = _signed({"id": "SM123", "status": "delivered"})
    assert anon_client.post("/api/alerts/sms/receipt", content=raw,
                            headers={"Content-Type": "application/json"}).status_code == 401
    forged = dict(headers, **{signing.HEADER: signing.sign("not-the-secret", raw)})
    assert anon_client.post("/api/alerts/sms/receipt", content=raw, headers=forged).status_code == 401
    r = anon_client.post("/api/alerts/sms/receipt", content=raw, headers=headers)
    assert r.status_code == 200 and r.json() == {"known": True, "status": "delivered"}
    events = a["admin"].get(f"/api/alerts/outbox/messages/{msg.id}").json()["events"]
    assert events[-1]["kind"] == "delivered"
    raw, headers = _signed({"id": "IN1", "From": "+33612345678", "Body": "safe"})
    first = anon_client.post("/api/alerts/sms/inbound", content=raw, headers=headers).json()
    again = anon_client.post("/api/alerts/sms/inbound", content=raw, headers=headers).json()
    assert first["stored"] and first["person_known"] and again["duplicate"]
    session.expire_all()
    row = session.scalar(select(InboundMessage))
    assert row.person_id == pid and session.get(Person, pid).organisation_id == row.organisation_id


def test_an_email_bounce_fails_the_message(orgs, anon_client, session) -> None:
    from sqlalchemy import select

    from vedette.alerts import service
    from vedette.alerts.models import OutboxMessage

    a, _ = orgs
    pid = a["admin"].post("/api/people", json={"name": "Ana", "emails": ["ana@example.org"],
                                               "phones": ["+33612345678"]}).json()["id"]
    alert = a["admin"].post("/api/alerts", json={"headline": "Hello", "person_ids": [pid],
                                                 "channels": ["email", "sms"], "send": True}).json()
    key = service.idempotency_key(alert["id"], pid, "email")
    session.expire_all()
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    msg.status, msg.provider_message_id = "sent", service.message_id_header(key)
    session.commit()
    dsn = (f"From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           f"Content-Type: text/plain\r\n\r\nOriginal-Message-ID: {service.message_id_header(key)}\r\n").encode()
    headers = {"Content-Type": "message/rfc822", signing.HEADER: signing.sign(signing.callback_secret(), dsn)}
    r = anon_client.post("/api/alerts/email/bounce", content=dsn, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "failed"
    session.expire_all()
    rows = {m.channel: m for m in session.scalars(select(OutboxMessage))}
    assert rows["email"].status == "failed" and rows["email"].last_error.startswith("bounced")
    # the default ladder sends email and SMS at once: the SMS was queued already (no second one)
    assert rows["sms"].status == "queued" and len(rows) == 2
