"""The escalation ladder: steps as data, run when due (each once, across restarts), stopped by an answer;
the duty officer from the roster; alarms claimed by an analyst; the board and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from vedette.alerts import alarms, board, checkins, ladder, roster, service
from vedette.alerts.checkins import Answer
from vedette.alerts.ladder import LadderRun
from vedette.alerts.models import Alert, OutboxMessage
from vedette.errors import BadInput, Conflict
from vedette.tenancy.models import AuditEvent

from .test_checkins import make_alert


def _messages(session, **where) -> list[OutboxMessage]:
    q = select(OutboxMessage)
    for k, v in where.items():
        q = q.where(getattr(OutboxMessage, k) == v)
    return list(session.scalars(q.order_by(OutboxMessage.id)))


def test_ladder_validation(session, make_scope) -> None:
    scope = make_scope("org-a")
    assert ladder.get_ladder(session, scope)["default"] is True
    with pytest.raises(BadInput) as err:
        ladder.set_ladder(session, scope, {"steps": [{"after_min": 10, "action": "pray"}]})
    assert err.value.item == "steps.0.action"
    with pytest.raises(BadInput):
        ladder.set_ladder(session, scope, {"steps": [{"after_min": -5, "action": "reminder"}]})
    with pytest.raises(BadInput):
        ladder.set_ladder(session, scope, {"steps": [{"after_min": 5, "action": "reminder", "channels": ["fax"]}]})
    got = ladder.set_ladder(session, scope, {"checkin_hours": 24, "steps": [
        {"after_min": 60, "action": "manager"}, {"after_min": 15, "action": "reminder", "channels": ["sms"]}]})
    assert [s["action"] for s in got["steps"]] == ["alert", "reminder", "manager"]  # sorted, step 0 added
    assert ladder.get_ladder(session, scope)["checkin_hours"] == 24


def test_ladder_runs_each_step_once_and_an_answer_stops_it(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    boss = make_person(scope, "Boss", email="boss@example.org", phone="+33612340000")
    duty = make_person(scope, "Duty", email="duty@example.org")
    ana = make_person(scope, "Ana", email="ana@example.org", phone="+33612345678", manager_id=boss.id)
    bob = make_person(scope, "Bob", email="bob@example.org", phone="+33612345679", manager_id=boss.id)
    t0 = datetime.now(UTC)
    roster.add_shift(session, scope, duty.id, t0 + timedelta(hours=3), t0 + timedelta(hours=12))
    alert = make_alert(session, scope)
    service.queue_messages(session, scope, alert, [ana, bob], ["email", "sms"], mode="all")
    runs = {r.person_id: r for r in session.scalars(select(LadderRun))}
    assert set(runs) == {ana.id, bob.id} and runs[ana.id].next_step == 1
    for r in runs.values():  # the ladder started at t0 (deadlines are data: they survive a restart)
        r.started_at = t0
        r.next_due_at = t0 + timedelta(minutes=30)
    session.flush()
    assert ladder.run_due(session, t0 + timedelta(minutes=29)) == []
    done = ladder.run_due(session, t0 + timedelta(minutes=31))
    assert sorted(d["action"] for d in done) == ["reminder", "reminder"]
    reminders = _messages(session, purpose="reminder")
    assert sorted((m.person_id, m.channel, m.step) for m in reminders) == [(ana.id, "sms", 1), (bob.id, "sms", 1)]
    assert all("Reminder: we have not heard from you" in m.payload["sms"] for m in reminders)
    assert ladder.run_due(session, t0 + timedelta(minutes=31)) == []  # again at the same time: nothing twice
    # Ana answers: her ladder stops
    req = checkins.find_request(session, scope, alert.thread_key, ana.id)
    checkins.record_answer(session, req, Answer("safe"), "sms")
    assert runs[ana.id].status == "stopped" and "answered safe" in runs[ana.id].stopped_reason
    # two hours: Bob's manager; four hours: the duty officer on the roster then
    done = ladder.run_due(session, t0 + timedelta(minutes=121))
    assert [(d["action"], d["result"]) for d in done] == [("manager", "manager: 1 reached (2 messages)")]
    to_boss = _messages(session, person_id=boss.id)
    assert {m.purpose for m in to_boss} == {"escalation"} and "Bob" in to_boss[0].payload["subject"]
    assert all("/checkin/" not in (m.payload.get("text") or "") for m in to_boss)  # the manager is not asked
    done = ladder.run_due(session, t0 + timedelta(minutes=241))
    assert [d["action"] for d in done] == ["duty_officer"]
    assert [m.channel for m in _messages(session, person_id=duty.id)] == ["email"]
    assert runs[bob.id].status == "done"
    assert ladder.run_due(session, t0 + timedelta(hours=10)) == []
    steps = session.scalars(select(AuditEvent).where(AuditEvent.action == "ladder.step")).all()
    assert len(steps) == 4
    esc = [a for a in alarms.list_alarms(session, scope) if a.kind == "escalation"]
    assert len(esc) == 2 and all(a.person_id == bob.id for a in esc)


def test_overdue_steps_after_a_restart_run_in_order(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org", phone="+33612345678")
    alert = make_alert(session, scope)
    service.queue_messages(session, scope, alert, [ana], ["email"])
    run = session.scalars(select(LadderRun)).one()
    later = datetime.now(UTC) + timedelta(hours=5)  # down for five hours: every step is overdue
    actions = [d["action"] for _ in range(5) for d in ladder.run_due(session, later)]
    assert actions == ["reminder", "manager", "duty_officer"]
    assert run.status == "done"
    assert [h["result"] for h in run.history][1:] == ["no manager to reach", "no duty officer to reach"]
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.purpose == "reminder")) == 1


def test_roster_on_duty(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    a, b = make_person(scope, "A"), make_person(scope, "B")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    roster.add_shift(session, scope, a.id, t0, t0 + timedelta(hours=8))
    roster.add_shift(session, scope, b.id, t0 + timedelta(hours=8), t0 + timedelta(hours=16))
    assert [p.name for p in roster.officers_on_duty(session, scope, t0 + timedelta(hours=7))] == ["A"]
    assert [p.name for p in roster.officers_on_duty(session, scope, t0 + timedelta(hours=8))] == ["B"]
    assert roster.officers_on_duty(session, scope, t0 + timedelta(hours=17)) == []
    with pytest.raises(BadInput):
        roster.add_shift(session, scope, a.id, t0, t0)
    other = make_scope("org-b")
    with pytest.raises(BadInput):
        roster.add_shift(session, other, a.id, t0, t0 + timedelta(hours=1))


def test_alarm_claimed_once(session, make_scope, make_person, accounts) -> None:
    from vedette.tenancy import repository as trepo
    from vedette.tenancy.authz import scope_for

    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    alert = make_alert(session, scope)
    service.queue_messages(session, scope, alert, [ana], ["email"])
    req = checkins.find_request(session, scope, alert.thread_key, ana.id)
    checkins.record_answer(session, req, Answer("help", text="injured"), "link")
    alarm = alarms.list_alarms(session, scope, status="active")[0]
    assert alarm.kind == "help" and alarm.status == "open"
    session.commit()
    accounts.user("org-a", "analyst", "a1@org-a.test")
    accounts.user("org-a", "analyst", "a2@org-a.test")
    s1 = scope_for(session, trepo.user_by_email(session, "a1@org-a.test"))
    s2 = scope_for(session, trepo.user_by_email(session, "a2@org-a.test"))
    alarms.claim(session, s1, alarm.id)
    with pytest.raises(Conflict):
        alarms.claim(session, s2, alarm.id)
    alarms.resolve(session, s1, alarm.id, "called her, ambulance on its way")
    assert alarms.list_alarms(session, scope, status="active") == []


def test_board_and_csv(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    bob = make_person(scope, "Bob", email="bob@example.org")
    cyd = make_person(scope, "=Cyd")  # no contact: unreachable, and a name a spreadsheet must not run
    dan = make_person(scope, "Dan", email="dan@example.org")
    alert = make_alert(session, scope, headline="Unrest downtown")
    service.queue_messages(session, scope, alert, [ana, bob, cyd, dan], ["email"])
    r = {p.id: checkins.find_request(session, scope, alert.thread_key, p.id) for p in (ana, bob, dan)}
    checkins.record_answer(session, r[ana.id], Answer("safe"), "link")
    checkins.record_answer(session, r[bob.id], Answer("help", text="need a car", location="Hotel X"), "sms")
    checkins.mark_accounted(session, scope, r[dan.id].id, "phoned: fine")
    got = board.board(session, scope, alert.id)
    states = {row["name"]: row["state"] for row in got["rows"]}
    assert states == {"Ana": "safe", "Bob": "help", "=Cyd": "unreachable", "Dan": "accounted"}
    assert got["counts"]["accounted_for"] == 2 and got["counts"]["total"] == 4
    assert got["headline"] == "Unrest downtown"
    text = board.to_csv([got])
    rows = list(csv.reader(io.StringIO(text)))
    assert ["headcount", "org-a", "4", "2", "1", "1", "1", "0", "0", "1"] in rows
    assert any(row[2] == "'=Cyd" for row in rows[1:] if len(row) > 2)
    ev = board.events(session, scope)
    assert ev[0]["alert_id"] == alert.id and ev[0]["total"] == 3 and ev[0]["help"] == 1
    from vedette.errors import NotFound

    with pytest.raises(NotFound):
        board.board(session, make_scope("org-b"), alert.id)


def test_board_follows_the_thread(session, make_scope, make_person) -> None:
    scope = make_scope("org-a")
    ana = make_person(scope, "Ana", email="ana@example.org")
    first = make_alert(session, scope, "incident:9")
    update = Alert(organisation_id=scope.org_id, event_kind="incident", event_id="9", thread_key="incident:9",
                   template="adhoc", status="sent", msg_type="update", event={"headline": "worse"})
    session.add(update)
    session.flush()
    service.queue_messages(session, scope, first, [ana], ["email"])
    service.queue_messages(session, scope, update, [ana], ["email"])
    assert board.board(session, scope, update.id)["alert_id"] == first.id
    assert len(board.board(session, scope, update.id)["rows"]) == 1


def test_first_step_mode(session, make_scope) -> None:
    scope = make_scope("org-a")
    assert ladder.first_step_mode(session, scope) == "all"  # the default: email and SMS at once
    ladder.set_ladder(session, scope, {"steps": [{"after_min": 0, "action": "alert", "channels": ["email"]},
                                                 {"after_min": 30, "action": "reminder"}]})
    assert ladder.first_step_mode(session, scope) == "fallback"
