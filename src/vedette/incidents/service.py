"""Storing extracted records as incidents with reports, merging across documents, manual split/merge."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vedette.errors import BadInput, NotFound
from vedette.incidents import repository as repo
from vedette.incidents import review_repository as review_repo
from vedette.incidents.merge import MERGER, same_incident
from vedette.incidents.models import Incident, Report
from vedette.intake.models import Document

FIELDS = ("killed", "injured", "hostages_or_kidnapped")
PRECISION = {4: 0, 7: 1, 10: 2}


def _record_dict(rec: Any) -> dict:
    """A record (IncidentRecord or a dict) as the dict stored on its report."""
    if isinstance(rec, dict):
        return dict(rec)
    d = rec.as_schema()
    d.update(
        place_id=rec.place_id,
        date_certain=rec.date_certain,
        severity=rec.severity,
        category_cue=rec.category_cue,
        span=list(rec.span),
        provenance=rec.provenance,
    )
    return d


def incident_view(inc: Incident) -> dict:
    return {
        "date": inc.date,
        "place_id": inc.place_ref,
        "admin1": inc.admin1,
        "country": inc.country,
        "lat": inc.lat,
        "lon": inc.lon,
        "category": inc.category,
        "killed": inc.killed,
        "injured": inc.injured,
        "hostages_or_kidnapped": inc.hostages_or_kidnapped,
    }


def refresh(incident: Incident, records: list[dict]) -> None:
    """An incident's fields are the most specific, most certain values among its reports."""
    if not records:
        return
    best_date = max(records, key=lambda r: (PRECISION.get(len(r.get("date") or ""), -1), r.get("date_certain", True)))
    incident.date = best_date.get("date")
    incident.date_precision = {4: "year", 7: "month", 10: "day"}.get(len(incident.date or ""))
    incident.date_certain = bool(best_date.get("date_certain", True))
    incident.time = next((r["time"] for r in records if r.get("time")), None)
    spec = max(records, key=lambda r: (r.get("admin1") is not None, r.get("place_id", "") or ""))
    incident.place, incident.place_ref = spec.get("place"), spec.get("place_id")
    incident.admin1, incident.country = spec.get("admin1"), spec.get("country")
    incident.lat, incident.lon = spec.get("lat"), spec.get("lon")
    cats = [r["category"] for r in records]
    incident.category = max(set(cats), key=lambda c: (cats.count(c), c))
    for f in FIELDS:
        values = [r[f] for r in records if r.get(f) is not None]
        setattr(incident, f, max(values) if values else None)
    actors: list[str] = []
    for r in records:
        actors += [a for a in r.get("actors") or [] if a not in actors]
    incident.actors = actors
    incident.severity = max(int(r.get("severity") or 1) for r in records)
    incident.summary = records[0].get("evidence", "")[:500]


def store_records(
    session: Session, document: Document, records: list[Any], extractor: str | None = None
) -> list[Incident]:
    """Replace this document's reports with ``records``, merging each into a matching incident.

    ``extractor`` names what produced the records (default: the extraction pipeline's name)."""
    if extractor is None:
        from vedette.intake.extract import EXTRACTOR

        extractor = EXTRACTOR
    old = repo.reports_of_document(session, document.id)
    touched = {r.incident_id for r in old}
    # an analyst's split, merge or review survives re-extraction: the same span goes back to its incident
    # when that incident is locked, reviewed (confirmed, dismissed) or edited (incidents/review.py)
    edited = review_repo.edited_incident_ids(session, sorted(touched))
    pinned = {}
    for r in old:
        inc = session.get(Incident, r.incident_id)
        if inc is not None and (inc.locked or inc.status in ("confirmed", "dismissed") or inc.id in edited):
            pinned[(r.span_start, r.span_end, r.record.get("category"))] = inc.id
    repo.delete_reports(session, [r.id for r in old])
    session.flush()
    datas = [_record_dict(rec) for rec in records]
    targets: list[Incident | None] = []
    for data in datas:
        span = data.get("span") or [0, 0]
        pin = pinned.get((span[0], span[1], data.get("category")))
        targets.append(session.get(Incident, pin) if pin is not None else None)
    # the candidates of every record at once: incidents made for this document's earlier records have no
    # country or date before their refresh, so they were never candidates of its later ones
    keys = [(d.get("country"), d.get("date"), d.get("category")) for d, t in zip(datas, targets, strict=True)
            if t is None]
    nearby = iter(repo.merge_candidates(session, keys))
    made: dict[Incident, list[dict]] = {}  # new incidents -> their records, in order
    for i, data in enumerate(datas):
        if targets[i] is None:
            found = (inc for inc in next(nearby) if not inc.locked and same_incident(incident_view(inc), data))
            targets[i] = next(found, None) or Incident(category=data["category"], extractor=MERGER, actors=[])
            if targets[i].id is None:
                made[targets[i]] = []
    for data, target in zip(datas, targets, strict=True):
        if target in made:
            made[target].append(data)
    from vedette.incidents.review import derive_duration

    for inc, recs in made.items():  # filled before their INSERT: the refresh below then changes nothing
        refresh(inc, recs)
        inc.date_end, inc.ongoing = derive_duration(inc, recs)
    session.add_all(made)
    session.flush()  # one INSERT for the new incidents
    result: list[Incident] = []
    for data, target in zip(datas, targets, strict=True):
        assert target is not None
        span = data.get("span") or [0, 0]
        session.add(
            Report(
                incident_id=target.id,
                document_id=document.id,
                span_start=span[0],
                span_end=span[1],
                evidence=data.get("evidence", ""),
                provenance=data.get("provenance") or {},
                record=data,
                extractor=extractor,
            )
        )
        touched.add(target.id)
        result.append(target)
    session.flush()  # one INSERT for the reports
    _refresh_all(session, touched - {inc.id for inc in made})  # the new ones are filled already
    return result


def _refresh_all(session: Session, ids: set[int]) -> None:
    reports = repo.reports_for(session, list(ids))
    by_incident: dict[int, list[dict]] = {}
    for r in reports:
        by_incident.setdefault(r.incident_id, []).append(r.record)
    for inc_id, recs in by_incident.items():
        refresh(session.get(Incident, inc_id), recs)
    from vedette.incidents.review import apply_edits

    apply_edits(session, by_incident)  # operators' edits win over the values just recomputed
    # an incident left without reports goes, unless an operator vouched for it (reviewed, edited, by hand)
    orphans = repo.orphan_incidents(session, list(ids))
    kept = review_repo.edited_incident_ids(session, [o.id for o in orphans])
    for orphan in orphans:
        if orphan.status == "new" and orphan.source == "extracted" and orphan.id not in kept:
            session.delete(orphan)
    session.flush()


def get_incident(session: Session, incident_id: int) -> Incident:
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"no incident {incident_id}", item=f"incident {incident_id}")
    return inc


def split(session: Session, incident_id: int, report_id: int) -> Incident:
    """Move one report to a new incident of its own; both are locked against automatic merging."""
    inc = get_incident(session, incident_id)
    report = session.get(Report, report_id)
    if report is None or report.incident_id != inc.id:
        raise BadInput(f"report {report_id} does not belong to incident {incident_id}", item=f"report {report_id}")
    if len(repo.reports_for(session, [inc.id])) < 2:
        raise BadInput("an incident with one report cannot be split", item=f"incident {incident_id}")
    new = Incident(
        category=report.record.get("category", inc.category), extractor="manual.split", actors=[], locked=True
    )
    session.add(new)
    session.flush()
    report.incident_id = new.id
    inc.locked = True
    session.flush()
    _refresh_all(session, {inc.id, new.id})
    return new


def merge(session: Session, incident_id: int, other_id: int) -> Incident:
    """Move every report of ``other`` into ``incident``; the merged incident is locked."""
    if incident_id == other_id:
        raise BadInput("cannot merge an incident with itself", item=f"incident {incident_id}")
    inc, other = get_incident(session, incident_id), get_incident(session, other_id)
    for r in repo.reports_for(session, [other.id]):
        r.incident_id = inc.id
    inc.locked = True
    if other.status != "new" or other.source != "extracted":  # reviewed: kept as a tombstone, not deleted
        other.status, other.merged_into_id = "merged", inc.id
    session.flush()
    _refresh_all(session, {inc.id, other.id})
    return inc
