"""Alarms in the dashboard (issue 16, item 5): "need help" answers, escalations and unreadable replies raise
an alarm that a duty analyst claims, then resolves with a note.

``dedupe`` makes raising idempotent (a ladder step that runs again, an SMS the provider posts twice).
An alarm's ``summary`` says what happened in a few words; it carries no message body.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vedette.errors import BadInput, Conflict, NotFound
from vedette.store.base import Base, utcnow
from vedette.tenancy.scope import OrgScope

ORG_FK = "organisations.id"
KINDS = ("help", "escalation", "reply")
STATUSES = ("open", "claimed", "resolved")


class Alarm(Base):
    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_org_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # help | escalation | reply
    dedupe: Mapped[str] = mapped_column(String(120), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_requests.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    thread_key: Mapped[str | None] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="open")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)


def now_utc() -> datetime:
    return datetime.now(UTC)


def raise_alarm(session: Session, org_id: int, kind: str, *, request=None, person_id: int | None = None,  # noqa: ANN001
                summary: str, dedupe: str, now: datetime | None = None) -> Alarm:
    """Raise an alarm once per ``dedupe`` key (an existing one is returned as it is)."""
    if kind not in KINDS:
        raise BadInput(f"kind is one of {', '.join(KINDS)}", item="kind")
    key = f"{org_id}:{dedupe}"[:120]
    found = session.scalar(select(Alarm).where(Alarm.dedupe == key))
    if found is not None:
        return found
    alarm = Alarm(organisation_id=org_id, kind=kind, dedupe=key,
                  person_id=request.person_id if request is not None else person_id,
                  request_id=request.id if request is not None else None,
                  alert_id=request.alert_id if request is not None else None,
                  thread_key=request.thread_key if request is not None else None,
                  summary=summary[:300], status="open", raised_at=now or now_utc())
    session.add(alarm)
    session.flush()
    from vedette.tenancy import audit

    audit.record(session, "alarm.raise", actor="system", org_id=org_id, target_type="alarm", target_id=alarm.id,
                 detail={"kind": kind, "request": alarm.request_id})
    return alarm


def get_alarm(session: Session, scope: OrgScope, alarm_id: int) -> Alarm:
    alarm = session.scalar(select(Alarm).where(Alarm.id == alarm_id, Alarm.organisation_id == scope.org_id))
    if alarm is None:
        raise NotFound(f"no alarm {alarm_id}", item=str(alarm_id))
    return alarm


def list_alarms(session: Session, scope: OrgScope, *, status: str | None = None, limit: int = 200) -> list[Alarm]:
    q = select(Alarm).where(Alarm.organisation_id == scope.org_id)
    if status == "active":
        q = q.where(Alarm.status != "resolved")
    elif status:
        q = q.where(Alarm.status == status)
    return list(session.scalars(q.order_by(Alarm.raised_at.desc(), Alarm.id.desc()).limit(limit)))


def claim(session: Session, scope: OrgScope, alarm_id: int, now: datetime | None = None) -> Alarm:
    """The signed-in analyst takes the alarm; 409 when another has it (or it is resolved)."""
    from vedette.tenancy import audit

    if scope.user_id is None:
        raise BadInput("only a signed-in user claims an alarm", item="user")
    alarm = get_alarm(session, scope, alarm_id)
    if alarm.status == "resolved":
        raise Conflict("the alarm is resolved", item=str(alarm_id))
    if alarm.status == "claimed" and alarm.claimed_by_user_id != scope.user_id:
        raise Conflict("another analyst has claimed this alarm", item=str(alarm_id))
    alarm.status, alarm.claimed_by_user_id, alarm.claimed_at = "claimed", scope.user_id, now or now_utc()
    session.flush()
    audit.record(session, "alarm.claim", scope=scope, target_type="alarm", target_id=alarm.id)
    return alarm


def resolve(session: Session, scope: OrgScope, alarm_id: int, note: str, now: datetime | None = None) -> Alarm:
    from vedette.tenancy import audit

    alarm = get_alarm(session, scope, alarm_id)
    if alarm.status == "resolved":
        raise Conflict("the alarm is already resolved", item=str(alarm_id))
    if alarm.status == "claimed" and alarm.claimed_by_user_id not in (None, scope.user_id):
        raise Conflict("another analyst has claimed this alarm", item=str(alarm_id))
    if not (note or "").strip():
        raise BadInput("say what was done", item="note")
    alarm.status, alarm.resolved_at, alarm.resolution = "resolved", now or now_utc(), note.strip()[:2000]
    if alarm.claimed_by_user_id is None:
        alarm.claimed_by_user_id, alarm.claimed_at = scope.user_id, alarm.resolved_at
    session.flush()
    audit.record(session, "alarm.resolve", scope=scope, target_type="alarm", target_id=alarm.id)
    return alarm
