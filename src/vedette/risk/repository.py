"""The only place advisory SQL lives."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vedette.risk.models import Advisory


def history(session: Session, country: str | None = None, admin1: str | None = None) -> Sequence[Advisory]:
    """Every advisory row, newest advice first (by the advisory's own date, then by arrival)."""
    q = select(Advisory)
    if country:
        q = q.where(Advisory.country == country.upper())
    if admin1:
        q = q.where(func.lower(Advisory.admin1) == admin1.lower())
    newest = (Advisory.country, func.coalesce(Advisory.date, "").desc(), Advisory.id.desc())
    return session.scalars(q.order_by(*newest)).all()


def latest(session: Session, country: str, admin1: str | None) -> Advisory | None:
    zone = Advisory.admin1.is_(None) if admin1 is None else Advisory.admin1 == admin1
    q = select(Advisory).where(Advisory.country == country, zone)
    return session.scalars(q.order_by(func.coalesce(Advisory.date, "").desc(), Advisory.id.desc()).limit(1)).first()


def last_from_document(session: Session, document_id: int, country: str) -> Advisory | None:
    q = select(Advisory).where(Advisory.document_id == document_id, Advisory.country == country)
    return session.scalars(q.order_by(Advisory.id.desc()).limit(1)).first()
