"""The accountability board (issue 16, item 4): per alert thread, who answered what and when, who has not.

Everyone an alert of the thread went to is on the board: those with a check-in request (asked), and those the
outbox could not reach (no valid contact: "unreachable"). A row's state is ``safe``, ``help``, ``accounted``
(a manager reached them by phone), ``waiting`` (asked, no answer yet), ``expired`` or ``unreachable``. The CSV
export ends with a headcount per organisation.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vedette.alerts.checkins import Checkin, CheckinRequest
from vedette.alerts.models import Alert, AlertRecipient, OutboxMessage
from vedette.errors import NotFound
from vedette.people.models import Person
from vedette.tenancy.clock import aware
from vedette.tenancy.scope import OrgScope

STATES = ("safe", "help", "accounted", "waiting", "expired", "unreachable")


def _iso(dt: datetime | None) -> str | None:
    return aware(dt).isoformat() if dt is not None else None


def _thread(session: Session, scope: OrgScope, alert_id: int) -> tuple[Alert, list[Alert]]:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id, Alert.organisation_id == scope.org_id))
    if alert is None:
        raise NotFound(f"no alert {alert_id}", item=str(alert_id))
    thread = list(session.scalars(select(Alert).where(Alert.organisation_id == scope.org_id,
                                                      Alert.thread_key == alert.thread_key).order_by(Alert.id)))
    return alert, thread


def headline(alert: Alert) -> str:
    ev = alert.event or {}
    return str(ev.get("headline") or ev.get("title") or ev.get("place") or alert.thread_key)[:200]


def board(session: Session, scope: OrgScope, alert_id: int, now: datetime | None = None) -> dict:
    """The board of the thread of ``alert_id`` (404 outside the scope)."""
    from vedette.alerts import ladder

    moment = now or datetime.now(UTC)
    alert, thread = _thread(session, scope, alert_id)
    first = thread[0]
    ids = [a.id for a in thread]
    reqs = list(session.scalars(select(CheckinRequest).where(CheckinRequest.organisation_id == scope.org_id,
                                                             CheckinRequest.thread_key == first.thread_key)))
    person_ids = {r.person_id for r in reqs}
    person_ids |= {pid for pid in session.scalars(select(AlertRecipient.person_id).where(
        AlertRecipient.organisation_id == scope.org_id, AlertRecipient.alert_id.in_(ids))) if pid is not None}
    msgs = session.execute(select(OutboxMessage.person_id, OutboxMessage.channel, OutboxMessage.status,
                                  OutboxMessage.last_error, OutboxMessage.purpose).where(
        OutboxMessage.organisation_id == scope.org_id, OutboxMessage.alert_id.in_(ids),
        OutboxMessage.purpose.in_(("alert", "reminder")))).all()
    person_ids |= {m[0] for m in msgs if m[0] is not None}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.organisation_id == scope.org_id,
                                                                    Person.id.in_(person_ids)))} if person_ids else {}
    last: dict[int, Checkin] = {}
    if reqs:
        for c in session.scalars(select(Checkin).where(Checkin.request_id.in_([r.id for r in reqs]))
                                 .order_by(Checkin.at, Checkin.id)):
            last[c.request_id] = c
    runs = ladder.runs_for(session, scope, [r.id for r in reqs])
    delivery: dict[int, list[str]] = {}
    for pid, channel, status, error, _purpose in msgs:
        if pid is not None:
            delivery.setdefault(pid, []).append(f"{channel} {status}" + (f" ({error})" if error else ""))
    by_person = {r.person_id: r for r in reqs}
    rows = []
    for pid in sorted(people, key=lambda i: people[i].name.lower()):
        p = people[pid]
        req = by_person.get(pid)
        c = last.get(req.id) if req is not None else None
        if req is None:
            state = "unreachable" if delivery.get(pid) and all(" failed" in d for d in delivery[pid]) else "waiting"
        elif req.status == "open":
            state = "expired" if aware(req.expires_at) < moment else "waiting"
        else:
            state = req.status
        run = runs.get(req.id) if req is not None else None
        next_step = None
        if run is not None and run.status == "running" and run.next_step < len(run.plan):
            next_step = {"action": run.plan[run.next_step]["action"], "due_at": _iso(run.next_due_at)}
        rows.append({
            "person_id": pid, "name": p.name, "tags": list(p.tags or []), "manager_id": p.manager_id,
            "state": state, "request_id": req.id if req is not None else None,
            "code": req.code if req is not None else None,
            "asked_at": _iso(req.created_at) if req is not None else None,
            "answered_at": _iso(c.at) if c is not None else None,
            "answer": c.answer if c is not None else None, "via": c.via if c is not None else None,
            "text": c.text if c is not None else None, "location": c.location if c is not None else None,
            "lat": c.lat if c is not None else None, "lon": c.lon if c is not None else None,
            "delivery": delivery.get(pid, []), "next_step": next_step,
            "steps_done": [h["action"] for h in (run.history if run is not None else [])],
        })
    counts = {s: 0 for s in STATES}
    for r in rows:
        counts[r["state"]] += 1
    return {
        "alert_id": first.id, "thread_key": first.thread_key, "headline": headline(first),
        "organisation": scope.org_slug, "sent_at": _iso(first.sent_at or first.created_at),
        "alerts": [{"id": a.id, "msg_type": a.msg_type, "all_clear": a.all_clear, "status": a.status}
                   for a in thread],
        "counts": {**counts, "total": len(rows), "accounted_for": counts["safe"] + counts["accounted"]},
        "rows": rows,
    }


def first_alert_of_thread(session: Session, scope: OrgScope, thread_key: str) -> int | None:
    """The scope's first alert of a thread (an incident alerts each organisation with its own alerts, under the
    same thread key), or None."""
    return session.scalar(select(func.min(Alert.id)).where(Alert.organisation_id == scope.org_id,
                                                           Alert.thread_key == thread_key))


def thread_boards(session: Session, scopes: list[OrgScope], thread_key: str) -> list[dict]:
    """The boards of one event in each organisation given (those it reached), for a headcount per organisation."""
    out = []
    for sc in scopes:
        first = first_alert_of_thread(session, sc, thread_key)
        if first is not None:
            out.append(board(session, sc, first))
    return out


def events(session: Session, scope: OrgScope, limit: int = 100) -> list[dict]:
    """Alert threads with check-ins, newest first, with their counts by request status."""
    q = (select(CheckinRequest.thread_key, CheckinRequest.status, func.count(), func.min(CheckinRequest.alert_id),
                func.max(CheckinRequest.created_at))
         .where(CheckinRequest.organisation_id == scope.org_id)
         .group_by(CheckinRequest.thread_key, CheckinRequest.status))
    threads: dict[str, dict] = {}
    for key, status, n, alert_id, latest in session.execute(q):
        t = threads.setdefault(key, {"thread_key": key, "alert_id": alert_id, "counts": {}, "latest": latest})
        t["counts"][status] = t["counts"].get(status, 0) + int(n)
        if alert_id is not None and (t["alert_id"] is None or alert_id < t["alert_id"]):
            t["alert_id"] = alert_id
        if latest is not None and (t["latest"] is None or aware(latest) > aware(t["latest"])):
            t["latest"] = latest
    ids = [t["alert_id"] for t in threads.values() if t["alert_id"] is not None]
    alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.organisation_id == scope.org_id,
                                                                   Alert.id.in_(ids)))} if ids else {}
    out = []
    for t in threads.values():
        a = alerts.get(t["alert_id"])
        if a is None:
            continue
        total = sum(t["counts"].values())
        out.append({"alert_id": a.id, "thread_key": t["thread_key"], "headline": headline(a),
                    "event_kind": a.event_kind, "latest": _iso(t["latest"]), "total": total,
                    "answered": total - t["counts"].get("open", 0) - t["counts"].get("expired", 0),
                    "help": t["counts"].get("help", 0), "counts": t["counts"]})
    out.sort(key=lambda e: e["latest"] or "", reverse=True)
    return out[:limit]


CSV_COLUMNS = ("organisation", "person_id", "name", "state", "answer", "via", "answered_at", "text", "location",
               "lat", "lon", "code", "asked_at", "delivery")


def _safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(boards: list[dict]) -> str:
    """Rows of one or more boards (one per organisation), then a headcount per organisation."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for b in boards:
        for r in b["rows"]:
            w.writerow([_safe_cell(b["organisation"]), r["person_id"], _safe_cell(r["name"]), r["state"],
                        r["answer"] or "", r["via"] or "", r["answered_at"] or "", _safe_cell(r["text"]),
                        _safe_cell(r["location"]), r["lat"] if r["lat"] is not None else "",
                        r["lon"] if r["lon"] is not None else "", r["code"] or "", r["asked_at"] or "",
                        _safe_cell("; ".join(r["delivery"]))])
    w.writerow([])
    w.writerow(["headcount", "organisation", "total", "accounted_for", *STATES])
    for b in boards:
        c = b["counts"]
        w.writerow(["headcount", _safe_cell(b["organisation"]), c["total"], c["accounted_for"],
                    *(c[s] for s in STATES)])
    return buf.getvalue()


class LiveSource:
    """What ``/api/live`` sends about check-ins: event ``checkin`` with ``{type: answer|alarm, ...}`` for the
    signed-in organisation, after the watermarks taken when the stream opened."""

    def __init__(self, url: str | None, org_id: int) -> None:
        from vedette.alerts.alarms import Alarm
        from vedette.store.db import session_factory

        self.url, self.org_id = url, org_id
        with session_factory(url)() as s:
            self.checkin_mark = s.scalar(select(func.max(Checkin.id)).where(Checkin.organisation_id == org_id)) or 0
            self.alarm_mark = s.scalar(select(func.max(Alarm.id)).where(Alarm.organisation_id == org_id)) or 0

    def poll(self) -> list[tuple[str, dict]]:
        from vedette.alerts.alarms import Alarm
        from vedette.store.db import session_factory

        out: list[tuple[str, dict]] = []
        with session_factory(self.url)() as s:
            rows = s.execute(
                select(Checkin.id, Checkin.request_id, Checkin.person_id, Checkin.answer, Checkin.via, Checkin.at,
                       CheckinRequest.alert_id, CheckinRequest.thread_key)
                .join(CheckinRequest, CheckinRequest.id == Checkin.request_id)
                .where(Checkin.organisation_id == self.org_id, Checkin.id > self.checkin_mark)
                .order_by(Checkin.id).limit(500)).all()
            for r in rows:
                self.checkin_mark = max(self.checkin_mark, r[0])
                out.append(("checkin", {"type": "answer", "id": r[0], "request_id": r[1], "person_id": r[2],
                                        "answer": r[3], "via": r[4], "at": _iso(r[5]), "alert_id": r[6],
                                        "thread_key": r[7]}))
            alarms = s.execute(select(Alarm.id, Alarm.kind, Alarm.person_id, Alarm.alert_id, Alarm.raised_at)
                               .where(Alarm.organisation_id == self.org_id, Alarm.id > self.alarm_mark)
                               .order_by(Alarm.id).limit(200)).all()
            for a in alarms:
                self.alarm_mark = max(self.alarm_mark, a[0])
                out.append(("checkin", {"type": "alarm", "id": a[0], "kind": a[1], "person_id": a[2],
                                        "alert_id": a[3], "at": _iso(a[4])}))
        return out
