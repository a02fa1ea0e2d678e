"""Self-enrolment: a per-organisation link, answers held until the email is confirmed, update, leave (erased)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from vedette.alerts import enrolment
from vedette.alerts.enrolment import EnrolIn, Enrolment, LinkRefused
from vedette.alerts.models import OutboxMessage
from vedette.errors import BadInput
from vedette.people.models import Person, Segment, Trip


def _last_link(session, kind: str) -> str:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).all()
    for row in rows:
        m = re.search(rf"/enrol/{kind}/([A-Za-z0-9_-]+)", row.payload.get("text", ""))
        if m:
            return m.group(1)
    raise AssertionError(f"no {kind} link in the outbox")


def test_enrol_confirm_update_leave(session, make_scope) -> None:
    scope = make_scope("org-a")
    link = enrolment.create_link(session, scope, "Travellers 2026", tags=["traveller"], language="fr")
    token = enrolment.link_token(link)
    assert enrolment.link_url(link).endswith(f"/enrol/{token}")
    form = EnrolIn(name="Ana Traveller", email="ana@example.org", phone="+33 6 12 34 56 78", language="fr",
                   nationality="fr", contact_name="Mum", contact_phone="+33612345670", destination="Lyon",
                   arrive=date(2026, 12, 10), leave=date(2026, 12, 20))
    pending = enrolment.submit(session, token, form)
    assert pending.status == "pending"
    assert session.scalar(select(func.count()).select_from(Person)) == 0  # nobody until confirmed
    mail = session.scalars(select(OutboxMessage)).one()
    assert (mail.channel, mail.address, mail.purpose) == ("email", "ana@example.org", "confirmation")
    assert "Confirmez" in mail.payload["subject"]
    confirm = _last_link(session, "confirm")
    assert enrolment.check_confirm(session, confirm).id == pending.id  # the page shows; only the POST confirms
    enrol, manage = enrolment.confirm(session, confirm)
    person = session.get(Person, enrol.person_id)
    assert person.tags == ["enrolled", "traveller"] and person.phones == ["+33612345678"]
    assert person.emergency_contact["name"] == "Mum"
    seg = session.scalars(select(Segment).where(Segment.person_id == person.id)).one()
    assert seg.country == "FR" and seg.place_name == "Lyon"
    assert enrol.data == {}  # the pending answers are gone once they are a person
    assert _last_link(session, "manage") == manage
    with pytest.raises(LinkRefused) as err:
        enrolment.confirm(session, confirm)  # replayed
    assert err.value.reason in ("unknown", "answered")
    # update through the traveller's own link
    form2 = form.model_copy(update={"name": "Ana T.", "destination": "Paris", "phone": None})
    enrolment.update(session, manage, form2)
    assert person.name == "Ana T." and person.phones == []
    assert session.scalar(select(func.count()).select_from(Trip).where(Trip.person_id == person.id)) == 1
    assert enrolment.current_trip(session, enrol, person)["destination"] == "Paris"
    # leave: erased
    pid = person.id
    enrolment.leave(session, manage)
    session.expire_all()
    assert session.get(Person, pid) is None
    assert session.scalar(select(func.count()).select_from(Segment)) == 0
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 0
    with pytest.raises(LinkRefused):
        enrolment.by_manage_token(session, manage)


def test_enrol_bad_input_and_links(session, make_scope) -> None:
    scope = make_scope("org-a")
    link = enrolment.create_link(session, scope, "Staff")
    token = enrolment.link_token(link)
    with pytest.raises(BadInput) as err:
        enrolment.submit(session, token, EnrolIn(name="X", email="not-an-address"))
    assert err.value.item == "email"
    with pytest.raises(BadInput) as err:
        enrolment.submit(session, token, EnrolIn(name="X", email="x@example.org", phone="12"))
    assert err.value.item == "phone"
    with pytest.raises(BadInput) as err:
        enrolment.submit(session, token, EnrolIn(name="X", email="x@example.org", destination="Lyon"))
    assert err.value.item == "arrive"
    for bad in (token[:-3] + "abc", "7.xyz", "nonsense", ""):
        with pytest.raises(LinkRefused):
            enrolment.resolve_link(session, bad)
    enrolment.revoke_link(session, scope, link.id)
    with pytest.raises(LinkRefused) as err:
        enrolment.resolve_link(session, token)
    assert err.value.reason == "revoked"


def test_no_mail_bombing_through_the_form(session, make_scope) -> None:
    scope = make_scope("org-a")
    token = enrolment.link_token(enrolment.create_link(session, scope, "Staff"))
    form = EnrolIn(name="Victim", email="victim@example.org")
    got = [enrolment.submit(session, token, form) for _ in range(5)]
    assert [g is not None for g in got] == [True, True, True, False, False]
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    assert enrolment.submit(session, token, EnrolIn(name="Other", email="other@example.org")) is not None
