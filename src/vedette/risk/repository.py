"""The only place advisory SQL lives."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vedette.risk.models import (
    Advisory,
    AdvisoryLevel,
    CountryBrief,
    Escalation,
    RiskEvent,
    RiskScore,
    TransportStatus,
)


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


# --- the risk picture ---------------------------------------------------------------------------------


def counted_statuses() -> tuple[str, ...]:
    """The incident statuses the risk picture counts: new and confirmed (never dismissed or merged)."""
    try:
        from vedette.incidents.review_repository import COUNTED_STATUSES
    except ImportError:  # before incident review: every incident counts
        return ("new", "confirmed")
    return tuple(COUNTED_STATUSES)


def counted_incidents(session: Session, country: str | None = None, ids: Sequence[int] | None = None) -> list:
    """Rows (id, date, time, country, admin1, category, killed, injured, hostages, summary, place_ref, lat, lon)
    of the incidents counted (``counted_statuses``), oldest first."""
    from vedette.incidents.models import Incident

    q = select(
        Incident.id, Incident.date, Incident.time, Incident.country, Incident.admin1, Incident.category,
        Incident.killed, Incident.injured, Incident.hostages_or_kidnapped, Incident.summary, Incident.place_ref,
        Incident.lat, Incident.lon,
    ).where(Incident.country.is_not(None), Incident.date.is_not(None))
    status = getattr(Incident, "status", None)
    if status is not None:
        q = q.where(status.in_(counted_statuses()))
    if country:
        q = q.where(Incident.country == country.upper())
    if ids is not None:
        q = q.where(Incident.id.in_(list(ids)))
    return list(session.connection().execute(q.order_by(Incident.date, Incident.id)).all())


def counted_evidence(session: Session, country: str | None = None) -> dict[int, list[str]]:
    """incident id -> the evidence of its reports, for every counted incident (one query)."""
    from vedette.incidents.models import Incident, Report

    q = select(Report.incident_id, Report.evidence).join(Incident, Incident.id == Report.incident_id)
    status = getattr(Incident, "status", None)
    if status is not None:
        q = q.where(status.in_(counted_statuses()))
    if country:
        q = q.where(Incident.country == country.upper())
    out: dict[int, list[str]] = {}
    for iid, ev in session.connection().execute(q.order_by(Report.id)):
        out.setdefault(iid, []).append(ev)
    return out


def evidence_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[str]]:
    from vedette.incidents.models import Report

    out: dict[int, list[str]] = {}
    if not incident_ids:
        return out
    for i in range(0, len(incident_ids), 500):
        chunk = list(incident_ids[i : i + 500])
        for iid, ev in session.execute(
            select(Report.incident_id, Report.evidence).where(Report.incident_id.in_(chunk)).order_by(Report.id)
        ):
            out.setdefault(iid, []).append(ev)
    return out


def level_rows(session: Session, country: str, area: str | None = None) -> Sequence[AdvisoryLevel]:
    q = select(AdvisoryLevel).where(AdvisoryLevel.country == country)
    if area is not None:
        q = q.where(AdvisoryLevel.area == area)
    return session.scalars(q.order_by(AdvisoryLevel.id)).all()


def current_level_rows(
    session: Session, country: str, as_of: str | None = None
) -> dict[tuple[str, str], AdvisoryLevel]:
    """(area, source) -> the newest row (review records included); with ``as_of`` (YYYY-MM-DD), the newest
    stated on or before that day (a row's own date, else the day it was recorded), so that a replayed crisis
    shows the levels of its day."""
    out: dict[tuple[str, str], AdvisoryLevel] = {}
    for row in level_rows(session, country):
        if as_of is not None and (row.stated_on or row.created_at.date().isoformat()) > as_of:
            continue
        out[(row.area, row.source)] = row
    return out


def latest_level(session: Session, country: str, area: str, source: str) -> AdvisoryLevel | None:
    q = select(AdvisoryLevel).where(
        AdvisoryLevel.country == country, AdvisoryLevel.area == area, AdvisoryLevel.source == source
    )
    return session.scalars(q.order_by(AdvisoryLevel.id.desc()).limit(1)).first()


def level_countries(session: Session) -> list[str]:
    return list(session.scalars(select(AdvisoryLevel.country).distinct().order_by(AdvisoryLevel.country)))


def latest_brief(session: Session, country: str) -> CountryBrief | None:
    q = select(CountryBrief).where(CountryBrief.country == country).order_by(CountryBrief.id.desc()).limit(1)
    return session.scalars(q).first()


def events(session: Session, after_id: int = 0, kind: str | None = None, limit: int = 100) -> Sequence[RiskEvent]:
    q = select(RiskEvent).where(RiskEvent.id > after_id)
    if kind:
        q = q.where(RiskEvent.kind == kind)
    return session.scalars(q.order_by(RiskEvent.id).limit(limit)).all()


def scores(session: Session, scorer: str, country: str | None = None) -> Sequence[RiskScore]:
    q = select(RiskScore).where(RiskScore.scorer == scorer)
    if country:
        q = q.where(RiskScore.country == country)
    return session.scalars(q.order_by(RiskScore.country, RiskScore.admin1)).all()


def delete_scores(session: Session, scorer: str, country: str | None = None) -> None:
    q = delete(RiskScore).where(RiskScore.scorer == scorer)
    if country:
        q = q.where(RiskScore.country == country)
    session.execute(q)


def escalations(session: Session, method: str, country: str | None = None) -> Sequence[Escalation]:
    q = select(Escalation).where(Escalation.method == method)
    if country:
        q = q.where(Escalation.country == country)
    return session.scalars(q.order_by(Escalation.raised_at, Escalation.country, Escalation.admin1)).all()


def transport_rows(
    session: Session, country: str | None = None, kind: str | None = None, key: str | None = None
) -> Sequence[TransportStatus]:
    q = select(TransportStatus)
    if country:
        q = q.where(TransportStatus.country == country)
    if kind:
        q = q.where(TransportStatus.kind == kind)
    if key:
        q = q.where(TransportStatus.key == key)
    return session.scalars(q.order_by(TransportStatus.observed_at, TransportStatus.id)).all()


def transport_from_incidents(session: Session, incident_ids: Sequence[int]) -> Sequence[TransportStatus]:
    if not incident_ids:
        return []
    return session.scalars(
        select(TransportStatus).where(TransportStatus.incident_id.in_(list(incident_ids)))
    ).all()


def incident_statuses(session: Session, incident_ids: Sequence[int]) -> dict[int, str]:
    from vedette.incidents.models import Incident

    status = getattr(Incident, "status", None)
    if status is None or not incident_ids:
        return {}
    return dict(session.execute(select(Incident.id, status).where(Incident.id.in_(list(incident_ids)))).all())


def severity_edits(session: Session, incident_ids: Sequence[int] | None = None) -> dict[int, int]:
    """incident id -> the severity an operator set (incident review's edits), where one is in force
    (the newest severity edit of an incident, unless it cleared the field); all incidents when no ids."""
    try:
        from vedette.incidents.models import IncidentEdit
    except ImportError:
        return {}
    from vedette.incidents.models import Incident

    q = select(IncidentEdit.incident_id, IncidentEdit.cleared).where(IncidentEdit.field == "severity")
    newest: dict[int, bool] = {}
    for iid, cleared in session.connection().execute(q.order_by(IncidentEdit.id)):
        newest[iid] = bool(cleared)
    wanted = set(incident_ids) if incident_ids is not None else None
    touched = [i for i, cleared in newest.items() if not cleared and (wanted is None or i in wanted)]
    out: dict[int, int] = {}
    for i in range(0, len(touched), 500):
        q2 = select(Incident.id, Incident.severity).where(Incident.id.in_(touched[i : i + 500]))
        for iid, sev in session.connection().execute(q2):
            if sev is not None:
                out[iid] = sev
    return out


Dated = tuple[str, str | None, str | None]


def reports_with_dates(session: Session, incident_ids: Sequence[int]) -> dict[int, list[Dated]]:
    """incident id -> [(evidence, the report's own date, its time)] (the record each report extracted)."""
    from vedette.incidents.models import Report

    out: dict[int, list[Dated]] = {}
    ids = list(incident_ids)
    for i in range(0, len(ids), 500):
        q = select(Report.incident_id, Report.evidence, Report.record).where(Report.incident_id.in_(ids[i : i + 500]))
        for iid, ev, record in session.execute(q.order_by(Report.id)):
            rec = record or {}
            out.setdefault(iid, []).append((ev, rec.get("date"), rec.get("time")))
    return out
