"""The risk picture's outbox: one row per event, written in the same transaction as the change it reports.

Kinds: ``advisory.changed`` (a source's level for an area changed), ``escalation.raised``,
``escalation.cleared``, ``transport.changed``. Consumers (alerts) read the rows after the last id they saw
(``GET /api/risk/events?after=ID``); ``occurred_on`` is in the incidents' or the advisory's own time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.risk.models import RiskEvent

KINDS = ("advisory.changed", "escalation.raised", "escalation.cleared", "transport.changed")


def emit(
    session: Session, kind: str, *, country: str | None, area: str | None = None,
    occurred_on: str | None = None, payload: dict | None = None,
) -> RiskEvent:
    if kind not in KINDS:
        raise ValueError(f"unknown risk event kind {kind!r}")
    row = RiskEvent(kind=kind, country=country, area=area, occurred_on=occurred_on, payload=payload or {})
    session.add(row)
    return row


def as_dict(row: RiskEvent) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "country": row.country,
        "area": row.area,
        "occurred_on": row.occurred_on,
        "payload": row.payload,
        "created_at": row.created_at.isoformat() if row.created_at else None,
    }
