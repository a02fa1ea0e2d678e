"""The only place incident SQL lives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from sqlalchemy import CompoundSelect, Select, String, bindparam, cast, delete, func, or_, select, union
from sqlalchemy.orm import Session

from vedette.incidents.models import Incident, Report
from vedette.incidents.review_repository import COUNTED_STATUSES

__all__ = ["COUNTED_STATUSES"]  # consumers filter by it (dismissed and merged incidents count nowhere)
from vedette.intake.models import Document


@lru_cache(maxsize=4)
def _candidates_statement(null_country: bool, by_category: bool) -> CompoundSelect:
    """Ids of the incidents that ``merge.same_incident`` could accept for a report (same country, agreeing
    date, compatible category): a superset of its matches, found by two seeks of the (country, date)
    index: the dates named, and the days within ``d`` ("2012-03" -> "2012-03-05"; ``high`` is ``d`` + "~",
    which sorts after every character of a date). An OR of the two made SQLite scan the whole country.
    Built once per shape, with bound parameters: compiled once, not for every report."""
    country = Incident.country.is_(None) if null_country else Incident.country == bindparam("country")
    named = select(Incident.id).where(country, Incident.date.in_(bindparam("dates", expanding=True)))
    within = select(Incident.id).where(country, Incident.date.between(bindparam("low"), bindparam("high")))
    if by_category:
        categories = Incident.category.in_(bindparam("categories", expanding=True))
        named, within = named.where(categories), within.where(categories)
    return union(named, within)


def _candidate_ids(
    session: Session, country: str | None, day_or_period: str | None, category: str | None
) -> list[int]:
    from datetime import timedelta

    from vedette.incidents.merge import COMPATIBLE, _day

    if not day_or_period:
        return []  # dates_agree needs two dates
    d = day_or_period
    dates = {d[:k] for k in range(1, len(d) + 1)}  # the periods that contain it ("2012", "2012-03")
    day = _day(d)
    if day is not None:
        dates |= {(day + timedelta(days=k)).isoformat() for k in (-1, 1)}
    params: dict = {"dates": sorted(dates), "low": d, "high": f"{d}~"}
    if country is not None:
        params["country"] = country
    if category:
        params["categories"] = sorted({category}.union(*(group for group in COMPATIBLE if category in group)))
    statement = _candidates_statement(country is None, bool(category))
    return list(session.scalars(statement, params))


def merge_candidates(
    session: Session, keys: Sequence[tuple[str | None, str | None, str | None]]
) -> list[list[Incident]]:
    """For each (country, date, category) of a document's reports, the incidents that could merge with
    it, by id; their rows are read in one statement (this runs inside the write lock)."""
    found = [_candidate_ids(session, *key) for key in keys]
    ids = sorted({i for group in found for i in group})
    by_id = {inc.id: inc for inc in session.scalars(select(Incident).where(Incident.id.in_(ids)))} if ids else {}
    return [[by_id[i] for i in sorted(group) if i in by_id] for group in found]


def reports_of_document(session: Session, document_id: int) -> Sequence[Report]:
    return session.scalars(select(Report).where(Report.document_id == document_id)).all()


def delete_reports(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(delete(Report).where(Report.id.in_(ids)))


def reports_for(session: Session, incident_ids: list[int]) -> Sequence[Report]:
    if not incident_ids:
        return []
    return session.scalars(select(Report).where(Report.incident_id.in_(incident_ids)).order_by(Report.id)).all()


def orphan_incidents(session: Session, ids: list[int]) -> Sequence[Incident]:
    if not ids:
        return []
    has = select(Report.incident_id).where(Report.incident_id.in_(ids)).distinct()
    return session.scalars(select(Incident).where(Incident.id.in_(ids), Incident.id.not_in(has))).all()


def query_incidents(
    *,
    since: date | None = None,
    until: date | None = None,
    country: str | None = None,
    admin1: str | None = None,
    categories: list[str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    text: str | None = None,
    statuses: Sequence[str] | None = COUNTED_STATUSES,
) -> Select:
    """Incidents matching the filters. ``statuses``: which review statuses count (default new and
    confirmed: dismissed and merged incidents count nowhere unless asked for; None: every status)."""
    q = select(Incident)
    if statuses is not None:
        q = q.where(Incident.status.in_(list(statuses)))
    if since:
        # an incident dated only to a month or a year overlaps ``since`` when that period contains it
        day = since.isoformat()[:10]
        q = q.where(or_(Incident.date >= day, Incident.date == day[:7], Incident.date == day[:4]))
    if until:  # "2023-03" <= "2023-03-09": a month or year that starts by ``until`` is kept
        q = q.where(Incident.date <= until.isoformat())
    if country:
        q = q.where(Incident.country == country.upper())
    if admin1:  # "Far North" finds what French reports filed under "Extrême-Nord", and the reverse
        from vedette.gazetteer import get_gazetteer

        names = get_gazetteer().admin1_variants(admin1, country)
        lowered = sorted({n.lower() for n in names})
        q = q.where(or_(func.lower(Incident.admin1).in_(lowered), Incident.admin1.in_(sorted(names))))
    if categories:
        q = q.where(Incident.category.in_(categories))
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        q = q.where(Incident.lon.between(min_lon, max_lon), Incident.lat.between(min_lat, max_lat))
    if text:
        like = f"%{text.lower()}%"
        has_report = select(Report.incident_id).where(func.lower(Report.evidence).like(like))
        q = q.where(
            or_(
                func.lower(Incident.place).like(like),
                func.lower(cast(Incident.actors, String)).like(like),
                Incident.id.in_(has_report),
            )
        )
    return q


def report_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Report.incident_id, func.count()).where(Report.incident_id.in_(ids)).group_by(Report.incident_id)
    )
    return dict(rows.all())


def document_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Document.id, Document.name).where(Document.id.in_(ids))).all())
