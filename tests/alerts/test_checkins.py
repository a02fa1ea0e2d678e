"""Check-ins: the signed link (forged, expired, replayed), SMS replies, answers closing requests and alarms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from vedette.alerts import alarms, checkins, service
from vedette.alerts.checkins import Answer, Checkin, CheckinRequest, LinkRefused
from vedette.alerts.models import Alert, InboundMessage
from vedette.tenancy.models import AuditEvent

URL = re.compile(r"/checkin/([0-9]+\.[A-Z0-9]+\.[0-9]+\.[A-Za-z0-9_-]+)")


def make_alert(session, scope, key: str = "adhoc:one", headline: str = "Stay indoors") -> Alert:
    a = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id=key, thread_key=key, template="adhoc",
              status="sent", event={"headline": headline})
    session.add(a)
    session.flush()
    return a


def token_of(row) -> str:  # noqa: ANN001 - an OutboxMessage
    text = row.payload.get("text") or row.payload.get("sms") or ""
    m = URL.search(text)
    assert m, "the message carries no check-in link"
    return m.group(1)


def inbound(session, person, body: str, n: int = 1) -> InboundMessage:
    msg = InboundMessage(organisation_id=person.organisation_id, person_id=person.id, channel="sms",
                         sender=person.phones[0] if person.phones else "+10000000000", body=body,
                         provider_message_id=f"in-{person.id}-{n}-{body[:5]}")
    session.add(msg)
    session.flush()
    return msg


def test_every_message_carries_a_link_and_the_sms_keywords(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org", phone="+33612345678", language="fr")
    bob = make_person(scope, "Bob", email="bob@example.org")
    alert = make_alert(session, scope)
    rows = service.queue_messages(session, scope, alert, [ana, bob], ["email", "sms"], mode="all")
    ana_email = next(r for r in rows if r.person_id == ana.id and r.channel == "email")
    ana_sms = next(r for r in rows if r.person_id == ana.id and r.channel == "sms")
    req = checkins.find_request(session, scope, alert.thread_key, ana.id)
    assert req is not None and req.status == "open"
    assert "OK ou AIDE" in ana_sms.payload["sms"] and req.code in ana_sms.payload["sms"]  # one request, one code
    assert req.token_hash == checkins.token_hash(token_of(ana_email))
    assert token_of(ana_email) not in req.token_hash  # only the hash is kept
    # a later message of the same thread (an update) re-uses the request
    update = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="x2", thread_key=alert.thread_key,
                   template="adhoc", status="sent", msg_type="update", event={"headline": "Still"})
    session.add(update)
    session.flush()
    again = service.queue_messages(session, scope, update, [ana], ["email"])
    assert token_of(again[0]) == token_of(ana_email)
    assert session.scalar(select(func.count()).select_from(CheckinRequest)) == 2
    # a cancellation asks nothing
    cancel = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="x3", thread_key=alert.thread_key,
                   template="adhoc", status="sent", msg_type="cancel", event={"headline": "Withdrawn"})
    session.add(cancel)
    session.flush()
    none = service.queue_messages(session, scope, cancel, [ana], ["email"])
    assert "/checkin/" not in none[0].payload["text"]


def test_link_forged_expired_replayed(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    alert = make_alert(session, scope)
    token = token_of(service.queue_messages(session, scope, alert, [ana], ["email"])[0])
    org, code, exp, sig = token.split(".")
    other = "".join(reversed(code)) if code[::-1] != code else "ABCDEF"
    forged = [f"{org}.{code}.{exp}.{sig[:-2]}AA", f"{int(org) + 1}.{code}.{exp}.{sig}", f"{org}.{other}.{exp}.{sig}",
              f"{org}.{code}.{int(exp) + 3600}.{sig}", "garbage", "", f"{org}.{code}.{exp}", f"{org}.c0de!.{exp}.{sig}"]
    for bad in forged:
        with pytest.raises(LinkRefused) as err:
            checkins.verify_token(session, bad)
        assert err.value.reason == "forged", bad
    later = datetime.now(UTC) + timedelta(hours=checkins.DEFAULT_HOURS + 1)
    with pytest.raises(LinkRefused) as err:
        checkins.answer_by_link(session, token, Answer("safe"), now=later)
    assert err.value.reason == "expired"
    got = checkins.answer_by_link(session, token, Answer("safe", text="at the hotel", location="Hotel"))
    req = session.get(CheckinRequest, got.request_id)
    assert (req.status, got.via, got.text) == ("safe", "link", "at the hotel")
    with pytest.raises(LinkRefused) as err:  # replayed: answers nothing more
        checkins.answer_by_link(session, token, Answer("help"))
    assert err.value.reason == "answered"
    assert session.scalar(select(func.count()).select_from(Checkin)) == 1
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "checkin.answer")).all()
    assert len(audit) == 1 and "at the hotel" not in str(audit[0].detail)


@pytest.mark.parametrize(("body", "answer", "code", "text"), [
    ("safe", "safe", None, None),
    ("  Ok ", "safe", None, None),
    ("SAFE.", "safe", None, None),
    ("aidé", "help", None, None),
    ("AÏDE k7p2qx blessé", "help", "K7P2QX", "blessé"),
    ("Help (K7P2QX) car broke down 12.65,-8.0", "help", "K7P2QX", "car broke down 12.65,-8.0"),
    ("maybe", None, None, None),
    ("", None, None, None),
])
def test_sms_keywords(body, answer, code, text) -> None:
    r = checkins.parse_reply(body)
    assert (r.answer, r.code, r.text) == (answer, code, text)


def test_sms_position() -> None:
    r = checkins.parse_reply("HELP stuck at 12.6392, -8.0029")
    assert (r.lat, r.lon) == (12.6392, -8.0029)


def test_sms_reply_answers_the_latest_request_unless_it_names_a_code(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", phone="+33612345678", language="fr")
    first, second = make_alert(session, scope, "adhoc:1"), make_alert(session, scope, "adhoc:2")
    service.queue_messages(session, scope, first, [ana], ["sms"])
    req1 = checkins.find_request(session, scope, "adhoc:1", ana.id)
    req1.created_at = datetime.now(UTC) - timedelta(minutes=10)
    service.queue_messages(session, scope, second, [ana], ["sms"])
    req2 = checkins.find_request(session, scope, "adhoc:2", ana.id)
    assert checkins.handle_inbound(session, inbound(session, ana, "bof", 1)) == "unknown keyword"
    assert checkins.handle_inbound(session, inbound(session, ana, "ok", 2)).startswith("answered safe")
    assert (req1.status, req2.status) == ("open", "safe")
    result = checkins.handle_inbound(session, inbound(session, ana, f"aide {req1.code} j'ai peur", 3))
    assert result == f"answered help ({req1.code})"
    assert req1.status == "help"
    assert checkins.handle_inbound(session, inbound(session, ana, "OK", 4)) == "no open check-in"
    # safe earlier, in trouble now: HELP is always heard (the latest request, answered or not)
    assert checkins.handle_inbound(session, inbound(session, ana, "HELP", 6)) == f"answered help ({req2.code})"
    assert req2.status == "help"
    cyd = make_person(scope, "Cyd", phone="+33612345670")  # never asked
    assert checkins.handle_inbound(session, inbound(session, cyd, "aide", 7)) == "help without a check-in: alarm raised"
    assert checkins.handle_inbound(session, inbound(session, ana, "OK ZZZZZZ", 5)) == "unknown code"
    kinds = sorted(a.kind for a in alarms.list_alarms(session, scope))
    assert kinds == ["help", "help", "help", "reply"]  # three calls for help and the unreadable reply
    stranger = InboundMessage(organisation_id=None, person_id=None, channel="sms", sender="+15550001111",
                              body="SAFE", provider_message_id="x-1")
    session.add(stranger)
    session.flush()
    assert checkins.handle_inbound(session, stranger) == "unknown sender"
    email = InboundMessage(channel="email", sender="a@b.c", body="x", provider_message_id="x-2")
    assert checkins.handle_inbound(session, email) is None


def test_sms_code_of_another_person_is_refused(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", phone="+33612345678")
    bob = make_person(scope, "Bob", phone="+33612345679")
    alert = make_alert(session, scope)
    service.queue_messages(session, scope, alert, [ana, bob], ["sms"])
    bob_req = checkins.find_request(session, scope, alert.thread_key, bob.id)
    assert checkins.handle_inbound(session, inbound(session, ana, f"SAFE {bob_req.code}")) == "unknown code"
    assert bob_req.status == "open"


def test_manager_accounts_for_a_person(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    other = make_scope("org-b")
    ana = make_person(scope, "Ana", email="ana@example.org")
    alert = make_alert(session, scope)
    service.queue_messages(session, scope, alert, [ana], ["email"])
    req = checkins.find_request(session, scope, alert.thread_key, ana.id)
    from vedette.errors import BadInput, NotFound

    with pytest.raises(NotFound):
        checkins.mark_accounted(session, other, req.id, "reached by phone")
    with pytest.raises(BadInput):
        checkins.mark_accounted(session, scope, req.id, "  ")
    row = checkins.mark_accounted(session, scope, req.id, "reached by phone, at home")
    assert (row.via, req.status) == ("manager", "accounted")


def test_demo_crowd_answers_only_in_demo_organisations(session, make_scope, make_person) -> None:
    from vedette.people import service as people

    demo, real = make_scope("demo-org"), make_scope("real-org")
    people.mark_demo(session, demo)
    alerts = {}
    for scope in (demo, real):
        crowd = [make_person(scope, f"{scope.org_slug}-{i}", email=f"p{i}@{scope.org_slug}.example")
                 for i in range(40)]
        alerts[scope.org_slug] = make_alert(session, scope, f"adhoc:{scope.org_slug}")
        service.queue_messages(session, scope, alerts[scope.org_slug], crowd, ["email"])
    t0 = datetime.now(UTC)
    assert checkins.demo_replies(session, t0 + timedelta(seconds=30)) == 0  # nobody answers at once
    n = checkins.demo_replies(session, t0 + timedelta(minutes=10))
    states = {}
    for req in session.scalars(select(CheckinRequest)):
        states.setdefault(req.organisation_id, []).append(req.status)
    assert set(states[real.org_id]) == {"open"}
    demo_states = states[demo.org_id]
    assert n == sum(s != "open" for s in demo_states) and 25 <= n <= 40
    assert demo_states.count("safe") > demo_states.count("help") > 0
    assert checkins.demo_replies(session, t0 + timedelta(minutes=20)) == 0  # the silent ones stay silent
