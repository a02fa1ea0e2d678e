"""HTTP routes of the risk picture (under /api/risk): fused advisory levels by source, scores and trends,
escalations, transport statuses, per country, region and airport, with their history; a world or country
summary as JSON and GeoJSON; the outbox of risk events.

Reading needs a signed-in caller. Setting a level, a country's brief or a transport status by hand, and
recording an official text, need the operator role (``review_shared``); the acting user is stored with
the change. Counted incidents: new and confirmed (dismissed and merged ones count nowhere).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from vedette.bounds import MAX_ID, NO_NUL, StoredStr, UtcDatetime, responses
from vedette.risk import escalations, events, levels, picture, scores, severity, transport
from vedette.risk import repository as repo
from vedette.store.deps import get_session
from vedette.tenancy.deps import org_scope, requires
from vedette.tenancy.scope import OrgScope

# every route signs in (whatever the app adds when it includes the router)
router = APIRouter(prefix="/risk", tags=["risk"], responses=responses(401, 403), dependencies=[Depends(org_scope)])
operator = requires("review_shared")
READ = responses(404, 422)
ACT = responses(400, 404, 413, 422)
CC = r"^[A-Za-z]{2}$"
DAY = r"^\d{4}-\d{2}-\d{2}$"
Country = Path(pattern=CC, description="ISO 3166-1 alpha-2")
AsOf = Query(None, pattern=DAY, description="Scores as of this day (default: the newest counted incident's)")


Letter = Annotated[str, Field(min_length=1, max_length=2, pattern=NO_NUL)]


def _actor(scope: OrgScope) -> str:
    return f"{scope.actor}:{scope.user_id}" if scope.user_id is not None else scope.actor


class LevelIn(BaseModel):
    country: str = Field(pattern=CC)
    area: StoredStr | None = Field(
        None, max_length=120, description="ISO 3166-2 code or region name, or 'zone:NAME'; none: the country"
    )
    level: int = Field(ge=-MAX_ID, le=MAX_ID, description="1-4 (anything else is refused with 422)")
    indicators: list[Letter] = Field(default_factory=list, max_length=9, description="C T U H N E K D O")
    reason: StoredStr = Field(min_length=1, max_length=4000)


class BriefIn(BaseModel):
    summary: StoredStr | None = Field(None, max_length=20_000)
    advice: StoredStr | None = Field(None, max_length=20_000)


class OfficialIn(BaseModel):
    text: StoredStr = Field(min_length=1, max_length=500_000)
    name: StoredStr = Field("advisory.txt", max_length=200)
    source: StoredStr | None = Field(None, max_length=16, description="US, FR, CH, GB, CA...; default: recognised")
    country: str | None = Field(None, pattern=CC)


class TransportIn(BaseModel):
    kind: Literal["airport", "border", "airspace"]
    key: StoredStr = Field(min_length=2, max_length=16, description="IATA/ICAO code, 'ML-NE' or 'ML-*', 'ML'")
    status: Literal["open", "partly_open", "closed", "unknown"]
    reason: StoredStr = Field(min_length=1, max_length=4000)
    at: UtcDatetime | None = None


@router.get("/world", responses=READ)
def world(as_of: str | None = AsOf, session: Session = Depends(get_session)) -> list[dict]:
    """Every country with a level, a score or an escalation: effective level (with its source), score,
    trend, active escalations."""
    return picture.world(session, as_of)


@router.get("/world/geojson", responses=READ)
def world_geojson(as_of: str | None = AsOf, session: Session = Depends(get_session)) -> dict:
    """The world summary as GeoJSON points at the countries' centres."""
    return picture.world_geojson(session, as_of)


@router.get("/countries/{country}", responses=READ)
def country(country: str = Country, as_of: str | None = AsOf, session: Session = Depends(get_session)) -> dict:
    """A country's levels by source and effective level, brief (summary and advice), score and trend with the
    incidents that weigh most, its regions (levels inherited unless set, scores), escalations and transport."""
    return picture.country(session, country, as_of)


@router.get("/countries/{country}/regions/{area}", responses=READ)
def region(
    country: str = Country,
    area: str = Path(min_length=2, max_length=120, pattern=NO_NUL, description="ISO 3166-2 code, name, zone:..."),
    as_of: str | None = AsOf,
    session: Session = Depends(get_session),
) -> dict:
    """One region or zone: levels by source (inherited from the country unless set), effective level,
    score and trend, escalations, level history."""
    return picture.region(session, country, area, as_of)


@router.get("/countries/{country}/geojson", responses=READ)
def country_geojson(
    country: str = Country, as_of: str | None = AsOf,
    shapes: bool = Query(False, description="regions drawn as their shapes (gazetteer), not points"),
    session: Session = Depends(get_session),
) -> dict:
    """The country's regions and zones (levels, scores) and airports (statuses) as GeoJSON."""
    return picture.country_geojson(session, country, as_of, shapes)


@router.get("/countries/{country}/levels", responses=READ)
def country_levels(country: str = Country, session: Session = Depends(get_session)) -> dict:
    return levels.country_levels(session, country)


@router.get("/countries/{country}/levels/history", responses=READ)
def level_history(
    country: str = Country,
    area: str | None = Query(None, max_length=120, pattern=NO_NUL, description="'' or omitted: every area"),
    session: Session = Depends(get_session),
) -> list[dict]:
    """Every change of every source's level (newest first): from, to, the text diff, the evidence."""
    return levels.history(session, country, area or None)


@router.post("/levels", status_code=201, responses=ACT)
def set_level(body: LevelIn, session: Session = Depends(get_session), scope: OrgScope = Depends(operator)) -> dict:
    """An analyst's level for a country, region or zone, with its reason (operators only)."""
    row = levels.set_level(
        session, body.country, body.level, body.reason, _actor(scope), area=body.area, indicators=body.indicators
    )
    return levels.history(session, row.country, row.area or None)[0]


@router.put("/countries/{country}/brief", responses=ACT)
def set_brief(
    body: BriefIn, country: str = Country, session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> dict:
    """The country's summary and advice written by an operator."""
    levels.set_brief(session, country, _actor(scope), body.summary, body.advice)
    return levels.brief(session, country.upper())


@router.post("/advisories", status_code=201, responses=ACT, response_model=list[dict])
def record_official(
    body: OfficialIn, session: Session = Depends(get_session), scope: OrgScope = Depends(operator)
) -> list[dict] | JSONResponse:
    """An official advisory text: its levels (country, zones) join the fused levels under its issuer. A text
    that states no level answers 422 ``advisory_unparseable`` and is kept for analyst review."""
    try:
        rows = levels.record_official(
            session, body.text, body.name, source=body.source, country=body.country, actor=_actor(scope)
        )
    except levels.AdvisoryUnparseable as exc:
        return JSONResponse(
            {"detail": str(exc), "item": exc.item, "error": "advisory_unparseable", "review_id": exc.review_id},
            status_code=422,
        )
    return [levels.history(session, r.country, r.area or None)[0] for r in rows]


@router.get("/scores", responses=READ)
def list_scores(
    country: str | None = Query(None, pattern=CC),
    as_of: str | None = AsOf,
    stored: bool = Query(False, description="the stored results of the last refresh instead of fresh ones"),
    session: Session = Depends(get_session),
) -> list[dict]:
    """Scores (risk.score.v1) of a country and its regions, or of every area."""
    return scores.stored(session, country) if stored else scores.compute_for(session, country, as_of)


@router.get("/scores/history", responses=READ)
def score_history(
    country: str = Query(pattern=CC),
    admin1: str | None = Query(None, max_length=120, pattern=NO_NUL, description="ISO 3166-2 code or name"),
    days: int = Query(180, ge=1, le=3660),
    step: int = Query(7, ge=1, le=3660),
    until: str | None = Query(None, pattern=DAY, description="default: the newest counted incident's day"),
    session: Session = Depends(get_session),
) -> list[dict]:
    """A country's or region's score and trend every ``step`` days (the trend chart), oldest first."""
    return scores.history(session, country, admin1, days, step, until)


@router.get("/escalations", responses=READ)
def list_escalations(
    country: str | None = Query(None, pattern=CC),
    active: bool | None = Query(None, description="only standing (true) or cleared (false) ones"),
    session: Session = Depends(get_session),
) -> list[dict]:
    """Escalations as of the last refresh; dates in the incidents' time."""
    return escalations.listed(session, country, active)


@router.get("/transport", responses=READ)
def transport_status(
    country: str = Query(pattern=CC),
    as_of: UtcDatetime | None = Query(None, description="age and staleness at this time (default: now)"),
    all_airports: bool = Query(False, description="every airport of the country, unknown ones too"),
    session: Session = Depends(get_session),
) -> dict:
    """Airspace, land borders and airports of a country: status, source, evidence, age, stale."""
    return transport.status(session, country, as_of, all_airports=all_airports)


@router.get("/transport/history", responses=READ)
def transport_history(
    kind: Literal["airport", "border", "airspace"],
    key: str = Query(min_length=2, max_length=16, pattern=NO_NUL),
    session: Session = Depends(get_session),
) -> list[dict]:
    return transport.history(session, kind, key)


@router.post("/transport", status_code=201, responses=ACT)
def set_transport(
    body: TransportIn, session: Session = Depends(get_session), scope: OrgScope = Depends(operator)
) -> dict:
    """An operator's status for an airport, a land border or an airspace, with its reason."""
    row = transport.set_status(session, body.kind, body.key, body.status, _actor(scope), body.reason, body.at)
    return transport.history(session, row.kind, row.key)[0]


@router.get("/incidents/{incident_id}/severity", responses=READ)
def incident_severity(
    incident_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)
) -> dict:
    """The severity 1-5 of an incident and the steps of the table that decided it."""
    from vedette.errors import NotFound
    from vedette.incidents.models import Incident

    inc = session.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"no incident {incident_id}", item=f"incident {incident_id}")
    evidence = repo.evidence_of(session, [inc.id]).get(inc.id, [])
    return {"incident_id": inc.id, **severity.of_incident(inc, evidence).as_dict()}


@router.get("/events", responses=READ)
def list_events(
    after: int = Query(0, ge=0, le=MAX_ID, description="the last event id already read"),
    kind: Literal["advisory.changed", "escalation.raised", "escalation.cleared", "transport.changed"] | None = None,
    limit: int = Query(100, ge=1, le=1000),
    session: Session = Depends(get_session),
    _scope: OrgScope = Depends(org_scope),
) -> list[dict]:
    """The outbox of the risk picture, oldest first."""
    return [events.as_dict(e) for e in repo.events(session, after, kind, limit)]


@router.post("/refresh", responses=ACT)
def refresh(
    country: str | None = Query(None, pattern=CC), as_of: str | None = AsOf,
    session: Session = Depends(get_session), _scope: OrgScope = Depends(operator),
) -> dict:
    """Read transport statuses from new incidents, detect escalations, recompute and store scores."""
    return picture.refresh(session, country, as_of)

