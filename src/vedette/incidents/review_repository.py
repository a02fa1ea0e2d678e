"""SQL of incident review: statuses, operators' edits, moves (merge, split), the queue's documents.

Statuses: ``new`` (as extracted), ``confirmed`` and ``dismissed`` (by an operator), and ``merged`` (a
tombstone left by a merge). Consumers say which statuses they count: ``COUNTED_STATUSES`` (new and
confirmed) by default, ``CONFIRMED_ONLY`` for the strict; dismissed and merged incidents count nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from vedette.incidents.models import Incident, IncidentEdit, IncidentMove, Report
from vedette.intake.models import Document

REVIEW_STATUSES = ("new", "confirmed", "dismissed")
STATUSES = (*REVIEW_STATUSES, "merged")
COUNTED_STATUSES: tuple[str, ...] = ("new", "confirmed")
CONFIRMED_ONLY: tuple[str, ...] = ("confirmed",)


def counted_statuses(*, include_new: bool = True) -> tuple[str, ...]:
    """The statuses a consumer counts: new and confirmed (default), or confirmed only. Never dismissed."""
    return COUNTED_STATUSES if include_new else CONFIRMED_ONLY


def only_counted(query: Select, statuses: Sequence[str] = COUNTED_STATUSES) -> Select:
    """``query`` (over ``Incident``) restricted to ``statuses`` (dismissed and merged never count)."""
    allowed = [s for s in statuses if s in COUNTED_STATUSES]
    return query.where(Incident.status.in_(allowed))


def bump_version(session: Session, incident_id: int, expected: int) -> bool:
    """Compare-and-set the incident's version (``expected`` -> ``expected + 1``); False when another
    action got there first. Atomic: two transactions that read the same version cannot both pass."""
    result = session.execute(
        update(Incident)
        .where(Incident.id == incident_id, Incident.version == expected)
        .values(version=expected + 1)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def edits_of(session: Session, incident_ids: Sequence[int]) -> Sequence[IncidentEdit]:
    if not incident_ids:
        return []
    return session.scalars(
        select(IncidentEdit).where(IncidentEdit.incident_id.in_(list(incident_ids))).order_by(IncidentEdit.id)
    ).all()


def active_edits(session: Session, incident_ids: Sequence[int]) -> dict[int, dict[str, IncidentEdit]]:
    """incident id -> field -> the edit in force (the newest row per field, unless it clears)."""
    return _in_force(edits_of(session, incident_ids))


def _in_force(edits: Sequence[IncidentEdit]) -> dict[int, dict[str, IncidentEdit]]:
    latest: dict[int, dict[str, IncidentEdit]] = {}
    for e in edits:  # oldest first: the newest row per field stays
        latest.setdefault(e.incident_id, {})[e.field] = e
    return {i: {f: e for f, e in fields.items() if not e.cleared} for i, fields in latest.items()}


def _new(query: Select, column, country: str | None) -> Select:  # noqa: ANN001 - an incident id column
    query = query.join(Incident, Incident.id == column).where(Incident.status == "new")
    return query.where(Incident.country == country.upper()) if country else query


RANK_COLUMNS = (
    Incident.id, Incident.date, Incident.date_end, Incident.ongoing, Incident.time, Incident.place,
    Incident.place_ref, Incident.admin1, Incident.country, Incident.lat, Incident.lon, Incident.category,
    Incident.killed, Incident.injured, Incident.hostages_or_kidnapped, Incident.actors, Incident.severity,
    Incident.summary, Incident.source,
)


def new_incident_rows(session: Session, country: str | None = None) -> list:
    """The new incidents (of ``country``) as plain rows (attribute names as on ``Incident``)."""
    q = select(*RANK_COLUMNS).where(Incident.status == "new")
    if country:
        q = q.where(Incident.country == country.upper())
    return list(session.execute(q).all())


def new_incident_report_rows(session: Session, country: str | None = None) -> list:
    """(incident id, document id, record) of every report of the new incidents (of ``country``)."""
    q = _new(select(Report.incident_id, Report.document_id, Report.record), Report.incident_id, country)
    return list(session.execute(q.order_by(Report.id)).all())


def incidents_by_id(session: Session, ids: Sequence[int]) -> Sequence[Incident]:
    if not ids:
        return []
    return session.scalars(select(Incident).where(Incident.id.in_(list(ids)))).all()


def new_incidents_edits(session: Session, country: str | None = None) -> dict[int, dict[str, IncidentEdit]]:
    """``active_edits`` of the new incidents (of ``country``)."""
    q = _new(select(IncidentEdit), IncidentEdit.incident_id, country).order_by(IncidentEdit.id)
    return _in_force(session.scalars(q).all())


def edited_incident_ids(session: Session, incident_ids: Sequence[int]) -> set[int]:
    return {i for i, fields in active_edits(session, incident_ids).items() if fields}


def moves_of(session: Session, incident_id: int) -> Sequence[IncidentMove]:
    return session.scalars(
        select(IncidentMove)
        .where((IncidentMove.from_id == incident_id) | (IncidentMove.to_id == incident_id))
        .order_by(IncidentMove.id)
    ).all()


def documents_without_incidents(
    session: Session, limit: int = 100, offset: int = 0
) -> tuple[int, Sequence[Document]]:
    """Extracted documents that gave no incident at all (newest first), and how many there are."""
    from sqlalchemy import func

    has = exists().where(Report.document_id == Document.id)
    q = select(Document).where(Document.extracted_at.is_not(None), ~has)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Document.fetched_at.desc(), Document.id.desc()).limit(limit).offset(offset))
    return total, rows.all()
