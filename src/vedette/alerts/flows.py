"""Event -> rules -> exposure -> alert -> outbox: the cross-domain steps of alerting.

Two sources of events, each consumed through a cursor (``alert_cursors``) and processed idempotently:

- **incident review changes**: incidents whose ``updated_at`` moved since the cursor (re-read with an
  overlap, since transactions commit out of order). An incident's *stable identity* is the root of its
  merges (``merged_into_id`` followed to the end): its thread key is ``incident:<root id>`` and the threads of
  every incident merged into it count as its own. For each organisation with incident rules:
  * no alert yet and a rule matches -> exposure (people.service.incident_exposure with the rule's radius)
    -> a new alert to the exposed people (the rule's tags filter them);
  * already alerted and the change matters (new -> confirmed, a higher severity) -> an **update** to
    everyone alerted in the thread so far, plus newly exposed people; dismissed -> a **cancel**;
  * a merge alone alerts nobody again: people alerted for either incident are in the merged thread.
- **risk events** (``risk_events``: advisory.changed, escalation.raised/cleared, transport.changed), after
  the cursor's id (re-read over an overlap of ids; an alert per (org, event) is made once).

Alerts above the approval threshold wait as ``pending_approval``; the others are sent (their messages
queued) in the same transaction as the cursor's move. ``process_pending`` is the job; ``on_incident``
handles one incident now (an API handler may call it within its own transaction).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vedette.alerts import repository as repo
from vedette.alerts import rules as rules_mod
from vedette.alerts import service
from vedette.alerts.models import Alert, AlertCursor, AlertRule
from vedette.alerts.service import Recipient
from vedette.incidents.models import Incident
from vedette.people.models import Person
from vedette.tenancy.models import Organisation
from vedette.tenancy.scope import OrgScope

log = logging.getLogger("vedette.alerts.flows")
OVERLAP_S = 120.0
RISK_OVERLAP_IDS = 200
BATCH = 500


# --- scopes for the system ----------------------------------------------------------------------------
def _system_scope(session: Session, org_id: int) -> OrgScope:
    from vedette.tenancy.authz import cli_scope

    org = session.get(Organisation, org_id)
    return cli_scope(session, org.slug)


# --- incidents ------------------------------------------------------------------------------------------
def root_of(session: Session, incident: Incident) -> Incident:
    seen = {incident.id}
    while incident.merged_into_id is not None:
        nxt = session.get(Incident, incident.merged_into_id)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        incident = nxt
    return incident


def merged_into(session: Session, root_id: int) -> list[int]:
    """The root and every incident merged into it, directly or through others."""
    out, frontier = [root_id], [root_id]
    while frontier:
        found = list(session.scalars(select(Incident.id).where(Incident.merged_into_id.in_(frontier))))
        found = [i for i in found if i not in out]
        out.extend(found)
        frontier = found
    return out


def incident_event(session: Session, inc: Incident) -> dict:
    from vedette.incidents.review import confidences, severities
    from vedette.people.places import region_code

    sev = severities(session, [inc]).get(inc.id, (inc.severity or 0, []))[0] or inc.severity or 0
    try:
        conf = confidences(session, [inc]).get(inc.id)
        confidence = round(conf.score, 3) if conf is not None else None
    except Exception:  # noqa: BLE001 - confidence is a filter, never a reason to drop the event
        confidence = None
    return {
        "kind": "incident", "id": inc.id, "category": inc.category, "severity": int(sev) if sev else None,
        "status": inc.status, "confidence": confidence, "country": inc.country,
        "region": region_code(inc.country, inc.admin1), "place": inc.place, "date": inc.date,
        "time": inc.time, "lat": inc.lat, "lon": inc.lon, "killed": inc.killed, "injured": inc.injured,
        "summary": (inc.summary or "")[:600] or None,
        "category_label": (inc.category or "incident").replace("_", " ").capitalize(),
    }


def _exposed(session: Session, scope: OrgScope, incident_id: int, rule: AlertRule) -> list[Recipient]:
    from vedette.people.service import incident_exposure

    found = incident_exposure(session, scope, incident_id, radius_km=rule.radius_km)
    return _recipients(session, scope, found, rule)


def _recipients(session: Session, scope: OrgScope, found: dict, rule: AlertRule | None) -> list[Recipient]:
    people = repo.people(session, scope, [p["person_id"] for p in found["people"]])
    out = []
    for p in found["people"]:
        person = people.get(p["person_id"])
        if person is None:
            continue
        if rule is not None and rule.tags and not set(rule.tags) & set(person.tags or []):
            continue
        out.append(Recipient(person, p["reasons"][0]["text"] if p["reasons"] else "",
                             {"reason_data": {"status": p["status"]}}, rule.language if rule else None))
    return out


def on_incident(session: Session, incident_id: int) -> list[Alert]:
    """Alerts (new, update, cancel) that the incident's current state calls for, in every organisation
    with incident rules; written in the caller's transaction."""
    inc = session.get(Incident, incident_id)
    if inc is None:
        return []
    root = root_of(session, inc)
    if root.status == "merged":
        return []
    made: list[Alert] = []
    for org_id in repo.orgs_with_rules(session, "incident"):
        scope = _system_scope(session, org_id)
        made.extend(_incident_for_org(session, scope, root))
    return made


def _incident_for_org(session: Session, scope: OrgScope, inc: Incident) -> list[Alert]:
    ids = merged_into(session, inc.id)
    keys = [f"incident:{i}" for i in ids]
    prior = repo.thread_alerts(session, scope, keys)
    event = incident_event(session, inc)
    rules = rules_mod.matching(repo.list_rules(session, scope, enabled=True), event)
    if not prior:
        if not rules or inc.status == "dismissed":
            return []
        rule = rules[0]
        recips = _exposed(session, scope, inc.id, rule)
        if not recips:
            return []
        alert = service.draft_alert(
            session, scope, event_kind="incident", event_id=str(inc.id), thread_key=f"incident:{inc.id}",
            template=rule.template or "incident", event=event, recipients=recips, channels=rule.channels,
            language=rule.language, rule=rule, public=rule.public, severity=event["severity"],
            created_by=f"rule:{rule.id}",
        )
        return [service.send_alert(session, scope, alert.id)]
    latest = prior[-1]
    if latest.msg_type == "cancel":
        return []
    before = latest.event or {}
    if inc.status == "dismissed":
        return [service.follow_up(session, scope, latest.id, "cancel", event=event, thread_keys=keys)]
    confirmed_now = before.get("status") != "confirmed" and inc.status == "confirmed"
    worse = (event.get("severity") or 0) > (before.get("severity") or 0)
    alerted = service.thread_recipients(session, scope, keys)
    already = {r.person_id for r in alerted}
    extra: list[Recipient] = []
    if rules:
        extra = [r for r in _exposed(session, scope, inc.id, rules[0]) if r.person.id not in already]
    if confirmed_now or worse:
        return [service.follow_up(session, scope, latest.id, "update", event=event, extra=extra, thread_keys=keys)]
    if extra:  # a merge or an edit that reaches new people: alert them only
        rule = rules[0]
        alert = service.draft_alert(
            session, scope, event_kind="incident", event_id=str(inc.id), thread_key=latest.thread_key,
            template=rule.template or "incident", event=event, recipients=extra, channels=rule.channels,
            language=rule.language, rule=rule, public=rule.public, severity=event["severity"],
            created_by=f"rule:{rule.id}",
        )
        return [service.send_alert(session, scope, alert.id)]
    return []


# --- risk events ---------------------------------------------------------------------------------------
def _risk_event(row) -> tuple[str, str, dict] | None:  # noqa: ANN001 - a RiskEvent
    """(event kind, thread key, event snapshot) of a risk event."""
    from vedette.people.places import REGION

    p = row.payload or {}
    area = row.area or ""
    region = area if area and REGION.fullmatch(area) else None
    if row.kind == "advisory.changed":
        return "advisory", f"advisory:{row.country}:{area}", {
            "kind": "advisory", "country": row.country, "region": region, "area": area,
            "area_label": p.get("area_label") or row.country, "level": p.get("to"), "previous_level": p.get("from"),
            "source": p.get("source"), "indicators": p.get("indicators") or [], "occurred_on": row.occurred_on}
    if row.kind in ("escalation.raised", "escalation.cleared"):
        return "escalation", f"escalation:{row.country}:{area}", {
            "kind": "escalation", "country": row.country, "region": region, "area": area,
            "area_label": p.get("admin1_label") or area, "raised_at": p.get("raised_at") or row.occurred_on,
            "cleared": row.kind == "escalation.cleared", "occurred_on": row.occurred_on}
    if row.kind == "transport.changed":
        return "transport", f"transport:{area}", {
            "kind": "transport", "country": row.country, "region": None, "key": p.get("key"),
            "label": p.get("label") or p.get("key"), "status": p.get("to"), "previous": p.get("from"),
            "occurred_on": row.occurred_on}
    return None


def on_risk_event(session: Session, row) -> list[Alert]:  # noqa: ANN001 - a RiskEvent
    parsed = _risk_event(row)
    if parsed is None:
        return []
    kind, thread_key, event = parsed
    made: list[Alert] = []
    for org_id in repo.orgs_with_rules(session, kind):
        scope = _system_scope(session, org_id)
        event_id = f"risk_event:{row.id}"
        if session.scalar(select(Alert.id).where(Alert.organisation_id == org_id, Alert.event_id == event_id)):
            continue  # made already (the cursor's overlap)
        prior = repo.thread_alerts(session, scope, [thread_key])
        latest = prior[-1] if prior else None
        ending = (kind == "escalation" and event.get("cleared")) or (
            kind == "transport" and event.get("status") == "open")
        rules = rules_mod.matching(repo.list_rules(session, scope, enabled=True), event)
        if latest is not None and latest.msg_type != "cancel":
            lowered = kind == "advisory" and not rules  # fell below every rule's level: the danger has passed
            if ending or lowered or rules:
                up = service.follow_up(session, scope, latest.id, "update", event=event,
                                       all_clear=bool(ending or lowered), send=False)
                up.event_id = event_id
                made.append(service.send_alert(session, scope, up.id))
            continue
        if not rules or ending:
            continue
        rule = rules[0]
        found = _area_exposure(session, scope, event)
        recips = _recipients(session, scope, found, rule) if found else []
        if not recips:
            continue
        alert = service.draft_alert(
            session, scope, event_kind=kind, event_id=event_id, thread_key=thread_key,
            template=rule.template or kind, event=event, recipients=recips, channels=rule.channels,
            language=rule.language, rule=rule, public=rule.public, created_by=f"rule:{rule.id}",
        )
        made.append(service.send_alert(session, scope, alert.id))
    return made


def _area_exposure(session: Session, scope: OrgScope, event: dict) -> dict | None:
    from vedette.errors import BadInput
    from vedette.people.service import advisory_exposure

    if not event.get("country"):
        return None
    try:
        return advisory_exposure(session, scope, event["country"], event.get("region"))
    except BadInput:
        return advisory_exposure(session, scope, event["country"])


# --- the job -------------------------------------------------------------------------------------------
def _us(t: datetime) -> int:
    """Microseconds since the epoch (the cursor's compact form)."""
    return (_aware(t) - _EPOCH) // timedelta(microseconds=1)


def _from_us(value: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(value))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _aware(t: datetime | None) -> datetime | None:
    return t if t is None or t.tzinfo else t.replace(tzinfo=UTC)


def process_pending(session: Session, *, now: datetime | None = None) -> dict:
    """Consume incident changes and risk events since the cursors; alerts made (caller commits).

    A cursor seen for the first time starts at the present (the newest incident change, the last risk
    event): history is never alerted, and a rule created later does not alert the backlog either, since the
    cursors move whether or not any organisation has rules."""
    from sqlalchemy import func

    from vedette.risk.models import RiskEvent
    from vedette.store.db import begin_write

    begin_write(session)
    made = 0
    cur = session.get(AlertCursor, "incidents")
    if cur is None:  # "<epoch>|<last seen>" (microseconds): nothing changed at or before the epoch is read
        newest = _aware(session.scalar(select(func.max(Incident.updated_at)))) or now or datetime.now(UTC)
        session.add(AlertCursor(name="incidents", position=f"{_us(newest)}|{_us(newest)}"))
    else:
        epoch_s, _, since_s = cur.position.partition("|")
        epoch, since = _from_us(epoch_s), _from_us(since_s or epoch_s)
        start = max(epoch, since - timedelta(seconds=OVERLAP_S))
        rows = list(session.execute(
            select(Incident.id, Incident.updated_at).where(Incident.updated_at > start)
            .order_by(Incident.updated_at, Incident.id).limit(BATCH)))
        if rows and repo.orgs_with_rules(session, "incident"):
            for iid, _ in rows:
                made += len(on_incident(session, iid))
        if rows:
            last = _aware(max(t for _, t in rows))
            if last > since:
                cur.position = f"{_us(epoch)}|{_us(last)}"
    cur = session.get(AlertCursor, "risk_events")
    if cur is None:  # position "<epoch id>|<last id>", as above
        top = session.scalar(select(func.max(RiskEvent.id))) or 0
        session.add(AlertCursor(name="risk_events", position=f"{top}|{top}"))
    else:
        epoch_s, _, after_s = cur.position.partition("|")
        epoch, after = int(epoch_s or 0), int(after_s or epoch_s or 0)
        rows = list(session.scalars(select(RiskEvent).where(RiskEvent.id > max(after - RISK_OVERLAP_IDS, epoch))
                                    .order_by(RiskEvent.id).limit(BATCH + RISK_OVERLAP_IDS)))
        for row in rows:
            made += len(on_risk_event(session, row))
        if rows:
            cur.position = f"{epoch}|{max(after, rows[-1].id)}"
    session.flush()
    return {"alerts": made}


# --- ad-hoc alerts --------------------------------------------------------------------------------------
def adhoc_recipients(session: Session, scope: OrgScope, *, tags: list[str] | None = None,
                     countries: list[str] | None = None, regions: list[str] | None = None,
                     polygon: dict | None = None, person_ids: list[int] | None = None,
                     at: datetime | None = None) -> list[Recipient]:
    """People an analyst chose: by name (ids), by tag, or who are in a country, a region or an area drawn on
    the map (GeoJSON polygon) at ``at`` (default now); the criteria add up, tags then narrow the areas."""
    from vedette.people.exposure import Country, Polygon, Region
    from vedette.people.service import exposure_at

    at = at or datetime.now(UTC)
    chosen: dict[int, Recipient] = {}
    areas = [Country(c.upper()) for c in countries or []] + [Region(r.upper()) for r in regions or []]
    if polygon:
        import shapely.geometry

        from vedette.errors import BadInput

        try:
            geom = shapely.geometry.shape(polygon)
        except Exception as exc:  # noqa: BLE001
            raise BadInput(f"not a GeoJSON polygon ({type(exc).__name__})", item="polygon") from None
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise BadInput("not a GeoJSON polygon", item="polygon")
        areas.append(Polygon(geom, "the area drawn"))
    for area in areas:
        found = exposure_at(session, scope, area, at)
        for r in _recipients(session, scope, found, None):
            chosen.setdefault(r.person.id, r)
    if tags and areas:
        chosen = {pid: r for pid, r in chosen.items() if set(tags) & set(r.person.tags or [])}
    elif tags:
        for p in repo.people_matching(session, scope, tags=tags):
            chosen.setdefault(p.id, Recipient(p, "tag: " + ", ".join(sorted(set(tags) & set(p.tags or [])))))
    if person_ids:
        found_people = repo.people(session, scope, person_ids)
        missing = set(person_ids) - set(found_people)
        if missing:
            from vedette.errors import NotFound

            raise NotFound(f"no person {sorted(missing)[0]}", item=str(sorted(missing)[0]))
        for pid, p in found_people.items():
            chosen.setdefault(pid, Recipient(p, "chosen by name"))
    return sorted(chosen.values(), key=lambda r: r.person.id)


__all__ = ["on_incident", "on_risk_event", "process_pending", "adhoc_recipients", "root_of", "Person"]
