"""The duty roster (issue 16, item 5): who is the organisation's duty officer at a moment, kept as data.

A :class:`DutyShift` names a person of the organisation (their contacts are how the ladder reaches them) and,
optionally, the dashboard user who claims alarms on that shift, from ``starts_at`` to ``ends_at``. The duty
officer at a moment is whoever has a shift covering it (several overlapping shifts: all of them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vedette.errors import BadInput, NotFound
from vedette.people.models import Person
from vedette.store.base import Base, utcnow
from vedette.tenancy.clock import aware
from vedette.tenancy.scope import OrgScope

ORG_FK = "organisations.id"


class DutyShift(Base):
    __tablename__ = "duty_shifts"
    __table_args__ = (Index("ix_duty_shifts_org_time", "organisation_id", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def add_shift(session: Session, scope: OrgScope, person_id: int, starts_at: datetime, ends_at: datetime,
              *, user_id: int | None = None, note: str | None = None) -> DutyShift:
    from vedette.people import repository as people_repo
    from vedette.tenancy import audit

    starts, ends = aware(starts_at), aware(ends_at)
    if ends <= starts:
        raise BadInput("a shift ends after it starts", item="ends_at")
    if (ends - starts).days > 31:
        raise BadInput("a shift lasts at most 31 days", item="ends_at")
    try:
        people_repo.get_person(session, scope, person_id)
    except NotFound as exc:
        raise BadInput(f"no person {person_id}", item="person_id") from exc
    if user_id is not None:
        from vedette.tenancy.models import User

        user = session.get(User, user_id)
        if user is None or user.organisation_id != scope.org_id:
            raise BadInput(f"no user {user_id} in this organisation", item="user_id")
    shift = DutyShift(organisation_id=scope.org_id, person_id=person_id, user_id=user_id, starts_at=starts,
                      ends_at=ends, note=(note or "").strip()[:300] or None)
    session.add(shift)
    session.flush()
    audit.record(session, "roster.add", scope=scope, target_type="duty_shift", target_id=shift.id,
                 detail={"person": person_id, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()})
    return shift


def delete_shift(session: Session, scope: OrgScope, shift_id: int) -> None:
    from vedette.tenancy import audit

    shift = session.scalar(select(DutyShift).where(DutyShift.id == shift_id,
                                                   DutyShift.organisation_id == scope.org_id))
    if shift is None:
        raise NotFound(f"no shift {shift_id}", item=str(shift_id))
    session.delete(shift)
    session.flush()
    audit.record(session, "roster.delete", scope=scope, target_type="duty_shift", target_id=shift_id)


def list_shifts(session: Session, scope: OrgScope, since: datetime | None = None, limit: int = 200
                ) -> list[DutyShift]:
    q = select(DutyShift).where(DutyShift.organisation_id == scope.org_id)
    if since is not None:
        q = q.where(DutyShift.ends_at >= since)
    return list(session.scalars(q.order_by(DutyShift.starts_at).limit(limit)))


def on_duty(session: Session, scope: OrgScope, at: datetime) -> list[DutyShift]:
    """The shifts covering ``at`` (earliest start first)."""
    return list(session.scalars(
        select(DutyShift).where(DutyShift.organisation_id == scope.org_id, DutyShift.starts_at <= at,
                                DutyShift.ends_at > at).order_by(DutyShift.starts_at, DutyShift.id)))


def officers_on_duty(session: Session, scope: OrgScope, at: datetime) -> list[Person]:
    """The people on duty at ``at`` (each once)."""
    ids = list(dict.fromkeys(s.person_id for s in on_duty(session, scope, at)))
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(select(Person).where(Person.organisation_id == scope.org_id,
                                                                   Person.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
