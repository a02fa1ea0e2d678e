"""Accountability through the API and the public check-in page: roles, scope (404), CSV, live events."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from vedette.alerts import board, checkins, service
from vedette.alerts.models import Alert, OutboxMessage
from vedette.people.models import Person


def _seed(url: str, slug: str = "org-a") -> dict:
    from vedette.store.db import session_scope
    from vedette.tenancy import repository
    from vedette.tenancy.authz import cli_scope

    with session_scope(url) as s:
        scope = cli_scope(s, slug)
        assert repository.org_by_slug(s, slug) is not None
        people = [Person(organisation_id=scope.org_id, external_id=f"e{i}", name=n, emails=[f"{n.lower()}@x.org"],
                         phones=[f"+3361234567{i}"], language=lang)
                  for i, (n, lang) in enumerate([("Ana", "en"), ("Bob", "fr")])]
        s.add_all(people)
        alert = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="k", thread_key="adhoc:k",
                      template="adhoc", status="sent", event={"headline": "Curfew tonight"})
        s.add(alert)
        s.flush()
        rows = service.queue_messages(s, scope, alert, people, ["email", "sms"])
        link = next(re.search(r"/checkin/(\S+)", r.payload["text"]).group(1) for r in rows if r.channel == "email"
                    and r.person_id == people[0].id)
        return {"alert": alert.id, "ana": people[0].id, "bob": people[1].id, "link": link}


def test_board_api_roles_and_scope(accounts, clean_db) -> None:
    manager = accounts.client("org-a", "manager")
    viewer = accounts.client("org-a", "viewer")
    stranger = accounts.client("org-b", "admin")
    seed = _seed(clean_db)
    got = manager.get(f"/api/accountability/{seed['alert']}").json()
    assert got["counts"]["waiting"] == 2 and got["headline"] == "Curfew tonight"
    assert manager.get("/api/accountability").json()[0]["alert_id"] == seed["alert"]
    assert stranger.get(f"/api/accountability/{seed['alert']}").status_code == 404
    bob_req = next(r["request_id"] for r in got["rows"] if r["name"] == "Bob")
    assert stranger.post(f"/api/accountability/requests/{bob_req}/accounted", json={"note": "x"}).status_code == 404
    assert viewer.post(f"/api/accountability/requests/{bob_req}/accounted", json={"note": "x"}).status_code == 403
    r = manager.post(f"/api/accountability/requests/{bob_req}/accounted", json={"note": "phoned, fine"})
    assert r.status_code == 200 and r.json()["via"] == "manager"
    text = manager.get(f"/api/accountability/{seed['alert']}/export.csv").text
    rows = list(csv.reader(io.StringIO(text)))
    head = next(row for row in rows if row[:1] == ["headcount"] and row[1] == "org-a")
    assert head[2:4] == ["2", "1"]
    # the ladder, the roster, enrolment links: managers
    assert viewer.put("/api/ladder", json={"steps": [{"after_min": 5, "action": "reminder"}]}).status_code == 403
    r = manager.put("/api/ladder", json={"checkin_hours": 12, "steps": [{"after_min": 5, "action": "reminder"}]})
    assert r.status_code == 200 and [s["action"] for s in r.json()["steps"]] == ["alert", "reminder"]
    assert manager.put("/api/ladder", json={"steps": [{"after_min": 5, "action": "nap"}]}).status_code == 422
    r = manager.post("/api/roster", json={"person_id": seed["ana"], "starts_at": "2026-01-01T00:00:00Z",
                                          "ends_at": "2026-01-01T08:00:00Z"})
    assert r.status_code == 201
    assert stranger.post("/api/roster", json={"person_id": seed["ana"], "starts_at": "2026-01-01T00:00:00Z",
                                              "ends_at": "2026-01-01T08:00:00Z"}).status_code == 422
    assert [s["id"] for s in manager.get("/api/roster/now", params={"at": "2026-01-01T03:00:00Z"}).json()] == \
        [r.json()["id"]]
    link = manager.post("/api/enrolment-links", json={"label": "Travellers", "tags": ["trip"]}).json()
    assert "/enrol/" in link["url"]
    assert viewer.get("/api/enrolment-links").status_code == 403
    assert manager.post(f"/api/enrolment-links/{link['id']}/revoke").json()["url"] is None
    assert stranger.post(f"/api/enrolment-links/{link['id']}/revoke").status_code == 404


def test_checkin_page_and_live_events(accounts, clean_db, anon_client) -> None:
    from vedette.store.db import session_scope

    accounts.org("org-a")
    seed = _seed(clean_db)
    with session_scope(clean_db) as s:
        from vedette.tenancy.models import Organisation

        org_id = s.scalar(select(Organisation.id).where(Organisation.slug == "org-a"))
    live = board.LiveSource(clean_db, org_id)
    page = anon_client.get(f"/checkin/{seed['link']}")
    assert page.status_code == 200 and "I am safe" in page.text and "Curfew tonight" in page.text
    with session_scope(clean_db) as s:  # opening the page (a mail scanner) answered nothing
        code = seed["link"].split(".")[1]
        assert s.scalars(select(checkins.CheckinRequest).where(checkins.CheckinRequest.code == code)).one().status \
            == "open"
    r = anon_client.post(f"/checkin/{seed['link']}", data={"answer": "help", "text": "hurt", "location": ""})
    assert r.status_code == 200 and "help" in r.text.lower()
    again = anon_client.post(f"/checkin/{seed['link']}", data={"answer": "safe"})
    assert again.status_code == 409 and "already" in again.text
    org, code, exp, sig = seed["link"].split(".")
    forged = anon_client.get(f"/checkin/{org}.{code}.{exp}.{sig[::-1]}")
    assert forged.status_code == 403 and "not valid" in forged.text
    events = live.poll()
    kinds = sorted((k, d["type"]) for k, d in events)
    assert kinds == [("checkin", "alarm"), ("checkin", "answer")]
    assert live.poll() == []
    with session_scope(clean_db) as s:
        msgs = s.scalars(select(OutboxMessage)).all()
        assert all(seed["link"] not in (m.last_error or "") for m in msgs)


def test_sms_reply_through_the_providers_signed_webhook(accounts, clean_db, anon_client) -> None:
    from urllib.parse import urlencode

    from vedette.alerts import signing
    from vedette.alerts.checkins import Checkin, CheckinRequest
    from vedette.alerts.models import InboundMessage
    from vedette.store.db import session_scope

    accounts.org("org-a")
    seed = _seed(clean_db)
    secret = signing.callback_secret()

    def post(form: dict, sign: bool = True):  # noqa: ANN202
        body = urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if sign:
            headers[signing.HEADER] = signing.sign(secret, body)
        return anon_client.post("/api/alerts/sms/inbound", content=body, headers=headers)

    bob_phone = "+33612345671"
    assert post({"id": "p-0", "From": bob_phone, "Body": "ok"}, sign=False).status_code == 401
    assert post({"id": "p-1", "From": bob_phone, "Body": "Peut-être"}).status_code == 200
    assert post({"id": "p-2", "From": bob_phone, "Body": "Aïde coincé à la gare 12.65,-8.0"}).status_code == 200
    assert post({"id": "p-2", "From": bob_phone, "Body": "Aïde coincé à la gare 12.65,-8.0"}).status_code == 200
    with session_scope(clean_db) as s:
        req = s.scalars(select(CheckinRequest).where(CheckinRequest.person_id == seed["bob"])).one()
        assert req.status == "help"
        answers = s.scalars(select(Checkin).where(Checkin.person_id == seed["bob"])).all()
        assert len(answers) == 1  # the provider's retry answered nothing more
        assert (answers[0].via, answers[0].lat, answers[0].lon) == ("sms", 12.65, -8.0)
        results = dict(s.execute(select(InboundMessage.provider_message_id, InboundMessage.result)).all())
        assert results["p-1"] == "unknown keyword" and results["p-2"].startswith("answered help")


def test_erasing_a_person_erases_their_checkins(accounts, clean_db) -> None:
    from vedette.alerts.checkins import Checkin, CheckinRequest
    from vedette.alerts.ladder import LadderRun
    from vedette.people import service as people
    from vedette.store.db import session_scope
    from vedette.tenancy.authz import cli_scope

    accounts.org("org-a")
    seed = _seed(clean_db)
    with session_scope(clean_db) as s:
        req = s.scalars(select(CheckinRequest).where(CheckinRequest.person_id == seed["ana"])).one()
        checkins.record_answer(s, req, checkins.Answer("help", text="my words"), "link")
    with session_scope(clean_db) as s:
        people.erase_person(s, cli_scope(s, "org-a"), seed["ana"])
    with session_scope(clean_db) as s:
        for model in (CheckinRequest, Checkin, LadderRun):
            assert s.scalars(select(model).where(model.person_id == seed["ana"])).all() == []


def test_the_ladder_job_survives_a_restart(accounts, clean_db) -> None:
    """Deadlines are rows: a new process (a fresh session, the job run later) runs what fell due."""
    from datetime import UTC, datetime, timedelta

    from vedette.alerts import ladder
    from vedette.store.db import session_scope

    accounts.org("org-a")
    seed = _seed(clean_db)
    assert ladder.tick(clean_db, datetime.now(UTC)) == {"steps": 0}
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert ladder.tick(clean_db, later) == {"steps": 2}
    assert ladder.tick(clean_db, later) == {"steps": 0}  # each step once
    with session_scope(clean_db) as s:
        reminders = s.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "reminder")).all()
        assert sorted(m.person_id for m in reminders) == sorted([seed["ana"], seed["bob"]])


def test_event_headcount_per_organisation(accounts, clean_db, client) -> None:
    """One incident alerts two organisations (one thread key): an operator acting for both exports one CSV
    with a headcount per organisation; a manager sees only their own organisation."""
    from conftest import OPERATOR_ORG, TEST_ORG
    from vedette.store.db import session_scope
    from vedette.tenancy.authz import cli_scope

    for slug, n in ((TEST_ORG, 2), (OPERATOR_ORG, 1)):
        with session_scope(clean_db) as s:
            scope = cli_scope(s, slug)
            people = [Person(organisation_id=scope.org_id, external_id=f"{slug}{i}", name=f"P{i}",
                             emails=[f"p{i}@{slug}.org"]) for i in range(n)]
            s.add_all(people)
            alert = Alert(organisation_id=scope.org_id, event_kind="incident", event_id="77",
                          thread_key="incident:77", template="adhoc", status="sent", event={"headline": "Attack"})
            s.add(alert)
            s.flush()
            service.queue_messages(s, scope, alert, people, ["email"])
    r = client.get("/api/accountability-events/export.csv", params={"key": "incident:77", "all_orgs": "true"})
    assert r.status_code == 200
    heads = {row[1]: row[2] for row in csv.reader(io.StringIO(r.text)) if row[:1] == ["headcount"] and row[1:2]
             != ["organisation"]}
    assert heads == {TEST_ORG: "2", OPERATOR_ORG: "1"}
    manager = accounts.client(TEST_ORG, "manager")
    r = manager.get("/api/accountability-events/export.csv", params={"key": "incident:77", "all_orgs": "true"})
    heads = [row[1] for row in csv.reader(io.StringIO(r.text)) if row[:1] == ["headcount"]][1:]
    assert heads == [TEST_ORG]
    assert manager.get("/api/accountability-events/export.csv", params={"key": "incident:78"}).status_code == 404


def test_the_ladder_job_moves_each_run_one_step_per_tick_in_small_transactions(accounts, clean_db,
                                                                                 monkeypatch) -> None:
    """Down for five hours: every step is overdue; each tick moves each run by one step (reminders first),
    a transaction per BATCH runs."""
    from datetime import UTC, datetime, timedelta

    from vedette.alerts import ladder
    from vedette.alerts.ladder import LadderRun
    from vedette.store.db import session_scope

    accounts.org("org-a")
    _seed(clean_db)
    monkeypatch.setattr(ladder, "BATCH", 1)
    later = datetime.now(UTC) + timedelta(hours=5)
    assert ladder.tick(clean_db, later) == {"steps": 2}
    with session_scope(clean_db) as s:
        assert [r.history[-1]["action"] for r in s.scalars(select(LadderRun))] == ["reminder", "reminder"]
    assert ladder.tick(clean_db, later) == {"steps": 2}
    assert ladder.tick(clean_db, later) == {"steps": 2}
    assert ladder.tick(clean_db, later) == {"steps": 0}
    with session_scope(clean_db) as s:
        runs = list(s.scalars(select(LadderRun)))
        assert [[h["action"] for h in r.history] for r in runs] == [["reminder", "manager", "duty_officer"]] * 2
        assert {r.status for r in runs} == {"done"}
