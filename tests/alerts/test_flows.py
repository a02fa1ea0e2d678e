"""Event -> rules -> exposure -> alert: new alerts, updates on confirm or higher severity, cancels, merges
that alert nobody again, approval above the threshold, advisory changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from vedette.alerts import flows, service
from vedette.alerts.models import Alert, AlertRecipient, AlertSettings, OutboxMessage
from vedette.errors import Conflict
from vedette.incidents.models import Incident

BAMAKO = (12.6392, -8.0029)


@pytest.fixture
def place_person(session):
    from vedette.people import service as people
    from vedette.people.schemas import LocationIn, PersonIn

    def _make(scope, name: str, lat: float, lon: float, **kw):
        p = people.create_person(session, scope, PersonIn(name=name, emails=[f"{name.lower()}@example.org"], **kw))
        people.add_location(session, scope, p.id, LocationIn(kind="hotel", lat=lat, lon=lon, label="hotel"))
        session.flush()
        return p

    return _make


def _incident(session, *, lat=BAMAKO[0], lon=BAMAKO[1], killed=None, status="new", **kw) -> Incident:
    inc = Incident(date="2012-03-22", date_precision="day", place="Bamako", country="ML", lat=lat, lon=lon,
                   category=kw.pop("category", "armed_clash"), killed=killed, status=status, actors=[], **kw)
    session.add(inc)
    session.flush()
    return inc


def _alerts(session, scope) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.organisation_id == scope.org_id).order_by(Alert.id)))


def _outbox(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_rule_matches_exposure_then_confirm_and_severity_send_updates(session, make_scope, place_person) -> None:
    scope = make_scope("org-a")
    near = place_person(scope, "Near", *BAMAKO)
    place_person(scope, "Far", 48.85, 2.35)
    service.create_rule(session, scope, {"name": "Mali", "event_kinds": ["incident"], "statuses": ["new", "confirmed"],
                                         "countries": ["ML"], "channels": ["email"]})
    inc = _incident(session)
    made = flows.on_incident(session, inc.id)
    assert [(a.msg_type, a.status, a.recipient_count) for a in made] == [("alert", "sent", 1)]
    recips = session.scalars(select(AlertRecipient.person_id)).all()
    assert recips == [near.id]
    assert _outbox(session) == 1
    assert flows.on_incident(session, inc.id) == []  # nothing changed: nothing sent
    inc.status = "confirmed"
    session.flush()
    up = flows.on_incident(session, inc.id)
    assert [(a.msg_type, a.references_id) for a in up] == [("update", made[0].id)]
    assert up[0].thread_key == made[0].thread_key and up[0].thread_id == made[0].id
    assert flows.on_incident(session, inc.id) == []
    inc.killed = 40  # a higher severity
    session.flush()
    assert [a.msg_type for a in flows.on_incident(session, inc.id)] == ["update"]
    inc.status = "dismissed"
    session.flush()
    assert [a.msg_type for a in flows.on_incident(session, inc.id)] == ["cancel"]
    assert flows.on_incident(session, inc.id) == []
    assert _outbox(session) == 4  # one message per alert in the thread, all to the one person


def test_rule_conditions(session, make_scope, place_person) -> None:
    scope = make_scope("org-a")
    place_person(scope, "Near", *BAMAKO)
    service.create_rule(session, scope, {"name": "confirmed only", "statuses": ["confirmed"], "channels": ["email"]})
    service.create_rule(session, scope, {"name": "elsewhere", "statuses": ["new"], "countries": ["NE"],
                                         "channels": ["email"]})
    inc = _incident(session)
    assert flows.on_incident(session, inc.id) == []  # new: the first rule waits, the second is for Niger
    inc.status = "confirmed"
    session.flush()
    assert [a.msg_type for a in flows.on_incident(session, inc.id)] == ["alert"]


def test_a_merge_alerts_nobody_again(session, make_scope, place_person) -> None:
    scope = make_scope("org-a")
    a = place_person(scope, "Ana", *BAMAKO)
    b = place_person(scope, "Bea", BAMAKO[0] + 0.05, BAMAKO[1])
    service.create_rule(session, scope, {"name": "all", "statuses": ["new", "confirmed"], "channels": ["email"]})
    one = _incident(session)
    two = _incident(session, lat=BAMAKO[0] + 0.01)
    assert len(flows.on_incident(session, one.id)) == 1
    assert len(flows.on_incident(session, two.id)) == 1
    sent = _outbox(session)
    assert sent == 4  # both people, for each incident
    two.status, two.merged_into_id = "merged", one.id
    one.locked = True
    session.flush()
    assert flows.on_incident(session, two.id) == []
    assert flows.on_incident(session, one.id) == []
    assert _outbox(session) == sent
    # a change that matters after the merge: one update to everyone alerted for either incident
    one.status = "confirmed"
    session.flush()
    up = flows.on_incident(session, one.id)
    assert len(up) == 1 and up[0].msg_type == "update"
    assert {r.person_id for r in service.repo.recipients(session, scope, up[0].id)} == {a.id, b.id}
    assert _outbox(session) == sent + 2


def test_approval_above_the_threshold_by_a_second_person(session, make_scope, place_person, accounts) -> None:
    scope = make_scope("org-a")
    for i in range(3):
        place_person(scope, f"P{i}", *BAMAKO)
    session.add(AlertSettings(organisation_id=scope.org_id, approval_threshold=2, default_channels=["email"]))
    service.create_rule(session, scope, {"name": "all", "statuses": ["new"], "channels": ["email"]})
    inc = _incident(session)
    [alert] = flows.on_incident(session, inc.id)
    assert alert.status == "pending_approval" and _outbox(session) == 0
    assert service.preview(session, scope, alert.id)["needs_approval"] is True
    # the one who drafted it (here the rule, acting as the CLI scope) cannot approve it alone
    alert.created_by = service.actor_of(scope)
    with pytest.raises(Conflict):
        service.approve(session, scope, alert.id)
    from vedette.tenancy.authz import scope_for
    from vedette.tenancy.models import User

    session.commit()
    accounts.user("org-a", "manager", "m@org-a.test")
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "m@org-a.test"))
    other = scope_for(session, user)
    done = service.approve(session, other, alert.id)
    assert done.status == "sent" and done.approved_by == f"user:{user.id}"
    assert _outbox(session) == 3


def test_advisory_change_alerts_people_in_the_country(session, make_scope, place_person) -> None:
    from vedette.risk import events

    scope = make_scope("org-a")
    near = place_person(scope, "Near", *BAMAKO)
    service.create_rule(session, scope, {"name": "advisories", "event_kinds": ["advisory"], "min_level": 3,
                                         "channels": ["email"]})
    events.emit(session, "advisory.changed", country="ML", area=None, occurred_on="2012-01-10",
                payload={"from": 2, "to": 4, "source": "US"})  # before the cursor starts: history, not alerted
    session.flush()
    assert flows.process_pending(session)["alerts"] == 0
    row = events.emit(session, "advisory.changed", country="ML", area=None, occurred_on="2012-03-22",
                      payload={"from": 3, "to": 4, "source": "US"})
    session.flush()
    out = flows.process_pending(session)
    assert out["alerts"] == 1
    [alert] = _alerts(session, scope)
    assert alert.event_kind == "advisory" and alert.event["level"] == 4
    assert [r.person_id for r in service.repo.recipients(session, scope, alert.id)] == [near.id]
    assert flows.process_pending(session)["alerts"] == 0  # the overlap re-reads it: made once
    events.emit(session, "advisory.changed", country="ML", area=None, occurred_on="2012-04-22",
                payload={"from": 4, "to": 2, "source": "US"})
    session.flush()
    flows.process_pending(session)
    last = _alerts(session, scope)[-1]
    assert last.msg_type == "update" and last.all_clear and last.references_id == alert.id
    assert row.id


def test_the_incident_job_alerts_changes_after_it_started_only(session, make_scope, place_person) -> None:
    scope = make_scope("org-a")
    place_person(scope, "Near", *BAMAKO)
    old = _incident(session)
    service.create_rule(session, scope, {"name": "all", "statuses": ["new", "confirmed"], "channels": ["email"]})
    assert flows.process_pending(session)["alerts"] == 0  # the cursor starts now: the old incident is history
    import time

    time.sleep(0.01)
    new = _incident(session, lat=BAMAKO[0] + 0.01)
    assert flows.process_pending(session)["alerts"] == 1
    assert flows.process_pending(session)["alerts"] == 0  # the overlap re-reads it: nothing more
    assert {a.event_id for a in _alerts(session, scope)} == {str(new.id)}
    assert old.id != new.id


def test_adhoc_recipients_by_area_tag_and_name(session, make_scope, place_person) -> None:
    from vedette.errors import NotFound

    scope = make_scope("org-a")
    other = make_scope("org-b")
    ana = place_person(scope, "Ana", *BAMAKO, tags=["staff"])
    bea = place_person(scope, "Bea", *BAMAKO, tags=["visitor"])
    paris = place_person(scope, "Paul", 48.85, 2.35, tags=["staff"])
    outsider = place_person(other, "Olga", *BAMAKO)
    square = {"type": "Polygon", "coordinates": [[[-8.1, 12.5], [-7.9, 12.5], [-7.9, 12.8], [-8.1, 12.8],
                                                  [-8.1, 12.5]]]}

    def ids(**kw) -> set[int]:
        return {r.person.id for r in flows.adhoc_recipients(session, scope, **kw)}

    assert ids(polygon=square) == {ana.id, bea.id}  # never another organisation's people
    assert ids(countries=["ML"], tags=["staff"]) == {ana.id}
    assert ids(tags=["staff"]) == {ana.id, paris.id}
    assert ids(person_ids=[paris.id]) == {paris.id}
    with pytest.raises(NotFound):
        ids(person_ids=[outsider.id])
