"""The escalation ladder (issue 16, item 5): declared per organisation as data, run by the scheduler.

A ladder is a list of steps, each ``{"after_min": N, "action": A, "channels": [...]}``:

- ``alert``: the alert itself (step 0, sent by the alerts code when the alert goes out);
- ``reminder``: the person again, on the channels given (the same check-in link and code);
- ``manager``: the person's manager (``Person.manager_id``), told who has not answered;
- ``duty_officer``: whoever is on the organisation's duty roster at that moment (``roster.on_duty``).

Default: email and SMS at once; an SMS reminder after 30 min; the manager after 2 h; the duty officer after 4 h.
``checkin_hours`` says how long check-in links stay valid.

When a check-in request opens, a :class:`LadderRun` starts with a copy of the ladder and the due time of its
next step, in the database: a restart loses nothing, and a step that was due while the process was down runs at
the next tick. :func:`run_due` (job ``alerts.ladder``) runs the steps that are due, each once: the outbox key
holds the step's number, and the run's ``next_step`` moves on in the same transaction. Every step is audited;
an answer stops the run (:func:`stop`). Steps that reach a manager or the duty officer raise an alarm.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from vedette.errors import BadInput
from vedette.store.base import Base, utcnow
from vedette.tenancy.clock import aware
from vedette.tenancy.scope import OrgScope

log = logging.getLogger("vedette.alerts.ladder")

ORG_FK = "organisations.id"
ACTIONS = ("alert", "reminder", "manager", "duty_officer")
STEP_CHANNELS = ("email", "sms", "webhook", "local")
DEFAULT_LADDER: dict = {
    "checkin_hours": 72,
    "steps": [
        {"after_min": 0, "action": "alert", "channels": ["email", "sms"]},
        {"after_min": 30, "action": "reminder", "channels": ["sms"]},
        {"after_min": 120, "action": "manager", "channels": ["email", "sms"]},
        {"after_min": 240, "action": "duty_officer", "channels": ["email", "sms"]},
    ],
}
BATCH = 200
REMINDER = {"en": "Reminder: we have not heard from you. Please tell us whether you are safe.",
            "fr": "Rappel : nous n'avons pas de nouvelles de vous. Dites-nous si vous êtes en sécurité."}


class EscalationLadder(Base):
    """One organisation's ladder, as data (see the module doc)."""

    __tablename__ = "escalation_ladders"

    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), primary_key=True)
    steps: Mapped[list] = mapped_column(default=list)
    checkin_hours: Mapped[int] = mapped_column(Integer, default=72)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LadderRun(Base):
    """The ladder of one check-in request: its plan (a copy), the next step and when it is due, what ran."""

    __tablename__ = "ladder_runs"
    __table_args__ = (Index("ix_ladder_runs_due", "status", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("checkin_requests.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    plan: Mapped[list] = mapped_column(default=list)
    next_step: Mapped[int] = mapped_column(Integer, default=1)
    next_due_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="running")  # running | stopped | done
    stopped_reason: Mapped[str | None] = mapped_column(String(200))
    history: Mapped[list] = mapped_column(default=list)  # [{step, action, at, result}]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # set when a run starts with its request in the same flush (the request's id is not known yet); never read
    request = relationship("CheckinRequest", lazy="raise")


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- the ladder as data ------------------------------------------------------------------------------------
def validate(data: dict) -> dict:
    """A ladder checked and normalised: steps sorted by delay, step 0 the alert; BadInput names the fault."""
    if not isinstance(data, dict):
        raise BadInput("a ladder is an object with 'steps'", item="ladder")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or len(steps) > 12:
        raise BadInput("1 to 12 steps", item="steps")
    out = []
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise BadInput("each step is an object", item=f"steps.{i}")
        action = step.get("action")
        if action not in ACTIONS:
            raise BadInput(f"action is one of {', '.join(ACTIONS)}", item=f"steps.{i}.action")
        after = step.get("after_min", 0)
        if not isinstance(after, int | float) or isinstance(after, bool) or not 0 <= after <= 60 * 24 * 14:
            raise BadInput("after_min: minutes from 0 to 20160", item=f"steps.{i}.after_min")
        channels = step.get("channels") or ["email", "sms"]
        if not isinstance(channels, list) or any(c not in STEP_CHANNELS for c in channels):
            raise BadInput(f"channels among {', '.join(STEP_CHANNELS)}", item=f"steps.{i}.channels")
        out.append({"after_min": float(after) if after % 1 else int(after), "action": action,
                    "channels": list(dict.fromkeys(channels))})
    out.sort(key=lambda s: s["after_min"])
    if out[0]["action"] != "alert" or out[0]["after_min"] != 0:
        out.insert(0, {"after_min": 0, "action": "alert", "channels": ["email", "sms"]})
    if any(s["action"] == "alert" for s in out[1:]):
        raise BadInput("only the first step is the alert", item="steps")
    hours = data.get("checkin_hours", DEFAULT_LADDER["checkin_hours"])
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 30:
        raise BadInput("checkin_hours: 1 to 720", item="checkin_hours")
    return {"checkin_hours": hours, "steps": out}


def get_ladder(session: Session, scope: OrgScope) -> dict:
    row = session.get(EscalationLadder, scope.org_id)
    if row is None or not row.steps:
        return {"checkin_hours": DEFAULT_LADDER["checkin_hours"], "steps": [dict(s) for s in DEFAULT_LADDER["steps"]],
                "default": True}
    return {"checkin_hours": row.checkin_hours, "steps": list(row.steps), "default": False}


def set_ladder(session: Session, scope: OrgScope, data: dict) -> dict:
    from vedette.tenancy import audit

    clean = validate(data)
    row = session.get(EscalationLadder, scope.org_id)
    if row is None:
        row = EscalationLadder(organisation_id=scope.org_id)
        session.add(row)
    row.steps = clean["steps"]
    row.checkin_hours = clean["checkin_hours"]
    row.updated_by = f"{scope.actor}:{scope.user_id}" if scope.user_id is not None else scope.actor
    session.flush()
    session.info.pop("vedette.checkins", None)  # requests opened from now on start with this ladder
    audit.record(session, "ladder.set", scope=scope, target_type="organisation", target_id=scope.org_id,
                 detail={"steps": [f"{s['action']}@{s['after_min']}" for s in clean["steps"]],
                         "checkin_hours": clean["checkin_hours"]})
    return {**clean, "default": False}


def first_step_mode(session: Session, scope: OrgScope) -> str:
    """How the alert itself goes out under the organisation's ladder: "all" (every channel of step 0 at once,
    the default "email and SMS at once") when step 0 names several channels, else "fallback" (the first
    channel the person can be reached on, the others kept as fallbacks). For ``alerts.service``."""
    steps = get_ladder(session, scope)["steps"]
    return "all" if steps and len(steps[0].get("channels") or []) > 1 else "fallback"


# --- runs --------------------------------------------------------------------------------------------------
def _due(started: datetime, plan: list, step: int) -> datetime | None:
    if step >= len(plan):
        return None
    return aware(started) + timedelta(minutes=float(plan[step]["after_min"]))


def start(session: Session, scope: OrgScope, req, plan: dict, *, now: datetime | None = None):  # noqa: ANN001, ANN201
    """Start the ladder of a new check-in request (idempotent: one run per request)."""
    if req.id is not None:
        found = session.scalar(select(LadderRun).where(LadderRun.request_id == req.id))
        if found is not None:
            return found
    moment = now or now_utc()
    steps = plan["steps"]
    run = LadderRun(organisation_id=scope.org_id, request=req, person_id=req.person_id, alert_id=req.alert_id,
                    plan=steps, next_step=1, next_due_at=_due(moment, steps, 1),
                    status="running" if len(steps) > 1 else "done", history=[], started_at=moment)
    session.add(run)
    return run


def stop(session: Session, req, reason: str, *, now: datetime | None = None) -> bool:  # noqa: ANN001
    """Stop the ladder of an answered request; audited. False when there was none running."""
    run = session.scalar(select(LadderRun).where(LadderRun.request_id == req.id))
    if run is None or run.status != "running":
        return False
    from vedette.tenancy import audit

    run.status = "stopped"
    run.stopped_reason = reason[:200]
    run.next_due_at = None
    run.updated_at = now or now_utc()
    audit.record(session, "ladder.stop", actor="system", org_id=run.organisation_id, target_type="ladder_run",
                 target_id=run.id, detail={"request": req.id, "at_step": run.next_step, "reason": reason[:100]})
    return True


def _scope_for_org(session: Session, org_id: int) -> OrgScope:
    from vedette.tenancy.authz import cli_scope
    from vedette.tenancy.models import Organisation

    org = session.get(Organisation, org_id)
    return cli_scope(session, org.slug)


def _escalation_context(person, alert, lang: str, action: str, code: str) -> dict:  # noqa: ANN001
    name = person.name
    headline_src = (alert.event or {}).get("headline") if alert is not None else None
    if lang == "fr":
        head = f"{name} n'a pas répondu au message de sécurité"
        note = (f"{name} n'a pas dit être en sécurité ({headline_src or 'alerte'}; code {code}). "
                "Essayez de joindre cette personne et notez le résultat sur le tableau de suivi.")
    else:
        head = f"{name} has not answered the safety check"
        note = (f"{name} has not said they are safe ({headline_src or 'alert'}; code {code}). "
                "Please try to reach them and record the result on the accountability board.")
    if action == "duty_officer":
        head = ("[Permanence] " if lang == "fr" else "[Duty] ") + head
    return {"event": {"headline": head},
            "alert": {"id": alert.id if alert is not None else None, "msg_type": "alert", "all_clear": False,
                      "severity": alert.severity if alert is not None else None, "note": note,
                      "thread_key": alert.thread_key if alert is not None else ""}}


def _skip(run: LadderRun, req, person, alert, moment: datetime) -> str | None:  # noqa: ANN001
    if req is None or person is None or req.status != "open":
        return "skipped: answered or gone"
    if aware(req.expires_at) < moment:
        req.status = "expired"
        return "skipped: check-in expired"
    if alert is None:
        return "skipped: the alert is gone"
    return None


def _escalate(session: Session, scope: OrgScope, run: LadderRun, req, person, alert,  # noqa: ANN001
              moment: datetime) -> str:
    from vedette.alerts import alarms, roster
    from vedette.alerts import service as alerts_service
    from vedette.people.models import Person

    step = run.plan[run.next_step]
    action, channels, n = step["action"], step.get("channels") or ["email", "sms"], run.next_step
    targets: list[Person] = []
    if action == "manager":
        mgr = session.get(Person, person.manager_id) if person.manager_id else None
        if mgr is not None and mgr.organisation_id == run.organisation_id:
            targets.append(mgr)
    else:
        targets.extend(roster.officers_on_duty(session, scope, moment))
    rows = []
    for t in targets:
        lang = t.language or "en"
        ctx = _escalation_context(person, alert, lang, action, req.code)
        rec = alerts_service.Recipient(t, "manager" if action == "manager" else "duty officer", {}, lang)
        rows += alerts_service.queue_messages(
            session, scope, alert, [rec], channels, step=n, purpose="escalation", mode="all", template="adhoc",
            context=ctx, event_key=f"{alert.id}.r{req.id}")
    who = "manager" if action == "manager" else "duty officer"
    result = f"{who}: {len(targets)} reached ({len(rows)} messages)" if targets else f"no {who} to reach"
    alarms.raise_alarm(session, run.organisation_id, "escalation", request=req,
                       summary=f"no answer: {who} step" + ("" if targets else f" (no {who})"),
                       dedupe=f"ladder:{run.id}:{n}", now=moment)
    return result


def run_due(session: Session, now: datetime | None = None, limit: int = BATCH, after_id: int = 0) -> list[dict]:
    """Run the ladder steps due at ``now`` of up to ``limit`` runs with ids above ``after_id`` (in the caller's
    transaction). Each run moves on by one step per call, so a run overdue by hours does its steps over the
    next ticks, in order and each once. Reminders of one alert and step go out in one ``queue_messages``."""
    from vedette.alerts import service as alerts_service
    from vedette.alerts.checkins import CheckinRequest
    from vedette.alerts.models import Alert
    from vedette.people.models import Person
    from vedette.tenancy import audit

    moment = now or now_utc()
    q = (select(LadderRun).where(LadderRun.status == "running", LadderRun.next_due_at <= moment,
                                 LadderRun.id > after_id).order_by(LadderRun.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    runs = list(session.scalars(q))
    if not runs:
        return []
    reqs = {r.id: r for r in session.scalars(select(CheckinRequest).where(
        CheckinRequest.id.in_({r.request_id for r in runs})))}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_({r.person_id for r in runs})))}
    alert_ids = {r.alert_id for r in runs if r.alert_id is not None}
    alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(alert_ids)))} if alert_ids else {}
    scopes: dict[int, OrgScope] = {}
    results: dict[int, str] = {}
    reminders: dict[tuple, list[LadderRun]] = {}
    for run in runs:
        req, person, alert = reqs.get(run.request_id), people.get(run.person_id), alerts.get(run.alert_id)
        skipped = _skip(run, req, person, alert, moment)
        if skipped:
            results[run.id] = skipped
            continue
        step = run.plan[run.next_step]
        if run.organisation_id not in scopes:
            scopes[run.organisation_id] = _scope_for_org(session, run.organisation_id)
        if step["action"] == "reminder":
            channels = tuple(step.get("channels") or ("email", "sms"))
            reminders.setdefault((run.organisation_id, run.alert_id, run.next_step, channels), []).append(run)
        elif step["action"] in ("manager", "duty_officer"):
            results[run.id] = _escalate(session, scopes[run.organisation_id], run, req, person, alert, moment)
        else:
            results[run.id] = "skipped: the alert itself"
    for (org_id, alert_id, n, channels), group in reminders.items():
        alert = alerts[alert_id]
        by_lang: dict[str, list] = {}
        for r in group:
            person = people[r.person_id]
            by_lang.setdefault(person.language if person.language in REMINDER else "en", []).append(person)
        rows = []
        for lang, persons in by_lang.items():
            note = f"{REMINDER[lang]} {alert.note or ''}".strip()
            ctx = {"alert": {"id": alert.id, "msg_type": alert.msg_type, "all_clear": alert.all_clear,
                             "severity": alert.severity, "note": note, "thread_key": alert.thread_key}}
            rows += alerts_service.queue_messages(session, scopes[org_id], alert, persons, list(channels), step=n,
                                                  purpose="reminder", mode="all", context=ctx)
        per_person: dict[int, int] = {}
        for row in rows:
            per_person[row.person_id] = per_person.get(row.person_id, 0) + 1
        for r in group:
            results[r.id] = f"reminder queued ({per_person.get(r.person_id, 0)})"
    done = []
    for run in runs:
        n, result = run.next_step, results[run.id]
        action = run.plan[n]["action"]
        run.history = [*run.history, {"step": n, "action": action, "at": moment.isoformat(), "result": result}]
        audit.record(session, "ladder.step", actor="system", org_id=run.organisation_id, target_type="ladder_run",
                     target_id=run.id, detail={"request": run.request_id, "step": n, "action": action,
                                               "result": result})
        if result.startswith(("skipped: answered", "skipped: check-in expired")):
            run.status, run.next_due_at, run.stopped_reason = "stopped", None, result[9:]
        else:
            run.next_step = n + 1
            run.next_due_at = _due(run.started_at, run.plan, n + 1)
            if run.next_due_at is None:
                run.status = "done"
        run.updated_at = moment
        done.append({"run": run.id, "step": n, "action": action, "result": result})
    session.flush()
    log.info("ladder: %d steps run", len(done))
    return done


def tick(url: str | None = None, now: datetime | None = None, budget_s: float = 20.0) -> dict:
    """Job ``alerts.ladder``: the due steps, ``BATCH`` runs per write transaction (the write lock is held
    briefly), until none is left or ``budget_s`` has passed; each run moves on by at most one step per tick."""
    import time

    from vedette.alerts import checkins
    from vedette.store.db import session_scope

    checkins.install()
    moment = now or now_utc()
    from vedette.config import get_settings

    if get_settings().demo_mode:  # the demo's people answer (checkins.demo_replies)
        with session_scope(url, write=True) as session:
            checkins.demo_replies(session, moment)
    with session_scope(url) as session:  # a read first: most ticks find nothing and take no write lock
        if session.scalar(select(LadderRun.id).where(LadderRun.status == "running",
                                                     LadderRun.next_due_at <= moment).limit(1)) is None:
            return {"steps": 0}
    began, cursor, total = time.monotonic(), 0, 0
    while time.monotonic() - began < budget_s:
        with session_scope(url, write=True) as session:
            done = run_due(session, moment, BATCH, after_id=cursor)
        total += len(done)
        if len(done) < BATCH:
            break
        cursor = max(d["run"] for d in done)
    return {"steps": total}


def runs_for(session: Session, scope: OrgScope, request_ids: list[int]) -> dict[int, LadderRun]:
    if not request_ids:
        return {}
    rows = session.scalars(select(LadderRun).where(LadderRun.organisation_id == scope.org_id,
                                                  LadderRun.request_id.in_(request_ids)))
    return {r.request_id: r for r in rows}
