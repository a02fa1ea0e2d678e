"""API of accountability (issue 16, items 4-6): boards, accounting for a person, the ladder, the duty roster,
alarms and enrolment links. Every route needs a signed-in caller (included under /api with
``tenancy.deps.authenticated``) and acts in its organisation's scope; another organisation's record is 404.

The public faces (the check-in link's page, enrolment) are pages (``web/pages/alerts.py``), not API routes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from vedette.alerts import alarms, board, checkins, enrolment, ladder, roster
from vedette.bounds import MAX_ID, StoredStr, UtcDatetime, responses
from vedette.store.deps import get_session
from vedette.tenancy.deps import org_scope, requires
from vedette.tenancy.scope import OrgScope

checkins.install()  # every message queued in this process carries its check-in link

router = APIRouter(tags=["accountability"], responses=responses(401, 403))
ERRORS = responses(404, 422)
BODY_ERRORS = responses(400, 404, 409, 413, 422)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class CsvResponse(PlainTextResponse):
    media_type = "text/csv"


# --- boards ------------------------------------------------------------------------------------------------
@router.get("/accountability", responses=ERRORS)
def list_events(limit: int = Query(100, ge=1, le=500), session: Session = Depends(get_session),
                scope: OrgScope = Depends(org_scope)) -> list[dict]:
    """Alert threads with check-ins, newest first, with how many answered and how many need help."""
    return board.events(session, scope, limit)


@router.get("/accountability/{alert_id}", responses=ERRORS)
def get_board(alert_id: Id, session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> dict:
    """The board of an alert's thread: each person's state (safe, help, accounted, waiting, expired,
    unreachable), answer, words, position, delivery and the ladder's next step; counts."""
    return board.board(session, scope, alert_id)


@router.get("/accountability/{alert_id}/export.csv", response_class=CsvResponse, responses=ERRORS)
def export_board(alert_id: Id, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(org_scope)) -> CsvResponse:
    """The board as CSV, ending with a headcount per organisation."""
    text = board.to_csv([board.board(session, scope, alert_id)])
    return CsvResponse(text, headers={"Content-Disposition": f'attachment; filename="accountability-{alert_id}.csv"'})


@router.get("/accountability-events/export.csv", response_class=CsvResponse, responses=ERRORS)
def export_event(request: Request, key: str = Query(..., min_length=3, max_length=160, pattern=r"^[^\x00]*$",
                                                    description="the event's thread key, e.g. incident:12"),
                 all_orgs: bool = Query(False, description="operators: every organisation they act for"),
                 session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> CsvResponse:
    """One event's boards as CSV with a headcount per organisation: the caller's organisation, or for an
    operator with ``all_orgs`` every organisation it may act for that the event reached (each act audited)."""
    from vedette.errors import NotFound
    from vedette.tenancy.authz import granted_org_ids, scope_for
    from vedette.tenancy.models import Organisation

    scopes = [scope]
    principal = getattr(request.state, "principal", None)
    if all_orgs and scope.role == "operator" and principal is not None:
        from vedette.tenancy import audit

        others = sorted(granted_org_ids(session, principal.user) - {scope.org_id})
        for org in (session.get(Organisation, i) for i in others):
            if org is not None:
                sc = scope_for(session, principal.user, org.slug)
                audit.record(session, "operator.act", scope=sc, target_type="route",
                             target_id="GET /api/accountability-events/export.csv")
                scopes.append(sc)
    boards = board.thread_boards(session, scopes, key)
    if not boards:
        raise NotFound("no alert of this event", item=key[:60])
    return CsvResponse(board.to_csv(boards), headers={"Content-Disposition": 'attachment; filename="headcount.csv"'})


class AccountedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: StoredStr = Field(min_length=1, max_length=2000, description="How the person was reached")
    answer: Literal["safe", "help"] = "safe"


@router.post("/accountability/requests/{request_id}/accounted", responses=BODY_ERRORS)
def accounted(request_id: Id, body: AccountedIn, session: Session = Depends(get_session),
              scope: OrgScope = Depends(org_scope)) -> dict:
    """A manager accounts for a person reached by phone (or records that they need help), with a note."""
    row = checkins.mark_accounted(session, scope, request_id, body.note, answer=body.answer)
    return {"request_id": row.request_id, "answer": row.answer, "via": row.via, "at": row.at}


# --- the ladder ----------------------------------------------------------------------------------------------
class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_min: float = Field(ge=0, le=20160)
    action: Literal["alert", "reminder", "manager", "duty_officer"]
    channels: list[Literal["email", "sms", "webhook", "local"]] = Field(default_factory=lambda: ["email", "sms"],
                                                                       max_length=4)


class LadderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkin_hours: int = Field(72, ge=1, le=720)
    steps: list[StepIn] = Field(min_length=1, max_length=12)


@router.get("/ladder", responses=ERRORS)
def get_ladder(session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> dict:
    """The organisation's escalation ladder (the default one until it sets its own)."""
    return ladder.get_ladder(session, scope)


@router.put("/ladder", responses=BODY_ERRORS)
def put_ladder(body: LadderIn, session: Session = Depends(get_session),
               scope: OrgScope = Depends(requires("manage"))) -> dict:
    """Set the ladder (managers and admins); audited. Runs already started keep the plan they started with."""
    return ladder.set_ladder(session, scope, body.model_dump())


# --- the duty roster ---------------------------------------------------------------------------------------
class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(ge=1, le=MAX_ID)
    user_id: int | None = Field(None, ge=1, le=MAX_ID)
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    note: StoredStr | None = Field(None, max_length=300)


class ShiftOut(BaseModel):
    id: int
    person_id: int
    user_id: int | None
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    note: str | None


@router.get("/roster", responses=ERRORS)
def list_roster(since: UtcDatetime | None = Query(None, description="shifts ending after this moment"),
                session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> list[ShiftOut]:
    """The duty roster's shifts."""
    return [ShiftOut.model_validate(s, from_attributes=True) for s in roster.list_shifts(session, scope, since)]


@router.get("/roster/now", responses=ERRORS)
def on_duty(at: UtcDatetime | None = Query(None), session: Session = Depends(get_session),
            scope: OrgScope = Depends(org_scope)) -> list[ShiftOut]:
    """Who is on duty at a moment (default now)."""
    moment = at or datetime.now(UTC)
    return [ShiftOut.model_validate(s, from_attributes=True) for s in roster.on_duty(session, scope, moment)]


@router.post("/roster", status_code=201, responses=BODY_ERRORS)
def add_shift(body: ShiftIn, session: Session = Depends(get_session),
              scope: OrgScope = Depends(requires("manage"))) -> ShiftOut:
    """Add a shift (managers and admins)."""
    shift = roster.add_shift(session, scope, body.person_id, body.starts_at, body.ends_at, user_id=body.user_id,
                             note=body.note)
    return ShiftOut.model_validate(shift, from_attributes=True)


@router.delete("/roster/{shift_id}", status_code=204, responses=ERRORS)
def delete_shift(shift_id: Id, session: Session = Depends(get_session),
                 scope: OrgScope = Depends(requires("manage"))) -> None:
    roster.delete_shift(session, scope, shift_id)


# --- alarms ------------------------------------------------------------------------------------------------
class AlarmOut(BaseModel):
    id: int
    kind: str
    status: str
    summary: str
    person_id: int | None
    request_id: int | None
    alert_id: int | None
    raised_at: UtcDatetime
    claimed_by_user_id: int | None
    claimed_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    resolution: str | None


@router.get("/alarms", responses=ERRORS)
def list_alarms(status: Literal["active", "open", "claimed", "resolved"] | None = Query("active"),
                session: Session = Depends(get_session), scope: OrgScope = Depends(org_scope)) -> list[AlarmOut]:
    """Alarms ("need help" answers, escalations, unreadable replies), newest first."""
    return [AlarmOut.model_validate(a, from_attributes=True) for a in alarms.list_alarms(session, scope, status=status)]


@router.post("/alarms/{alarm_id}/claim", responses=responses(404, 409, 422))
def claim_alarm(alarm_id: Id, session: Session = Depends(get_session),
                scope: OrgScope = Depends(org_scope)) -> AlarmOut:
    """The signed-in analyst takes the alarm (409 when another has it)."""
    return AlarmOut.model_validate(alarms.claim(session, scope, alarm_id), from_attributes=True)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: StoredStr = Field(min_length=1, max_length=2000)


@router.post("/alarms/{alarm_id}/resolve", responses=BODY_ERRORS)
def resolve_alarm(alarm_id: Id, body: ResolveIn, session: Session = Depends(get_session),
                  scope: OrgScope = Depends(org_scope)) -> AlarmOut:
    return AlarmOut.model_validate(alarms.resolve(session, scope, alarm_id, body.note), from_attributes=True)


# --- enrolment links ---------------------------------------------------------------------------------------
class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: StoredStr = Field(min_length=1, max_length=200)
    tags: list[Annotated[StoredStr, Field(max_length=100)]] = Field(default_factory=list, max_length=20)
    language: Literal["en", "fr"] = "en"


def _link_out(link: enrolment.EnrolmentLink, n: dict[str, int] | None = None) -> dict:
    return {"id": link.id, "label": link.label, "tags": link.tags, "language": link.language,
            "url": enrolment.link_url(link) if link.revoked_at is None else None,
            "created_at": link.created_at, "revoked_at": link.revoked_at,
            "enrolled": (n or {}).get("confirmed", 0), "pending": (n or {}).get("pending", 0)}


@router.get("/enrolment-links", responses=ERRORS)
def list_links(session: Session = Depends(get_session), scope: OrgScope = Depends(requires("manage"))) -> list[dict]:
    """The organisation's self-enrolment links, with their URL and how many enrolled through each."""
    n = enrolment.counts(session, scope)
    return [_link_out(link, n.get(link.id)) for link in enrolment.list_links(session, scope)]


@router.post("/enrolment-links", status_code=201, responses=BODY_ERRORS)
def create_link(body: LinkIn, session: Session = Depends(get_session),
                scope: OrgScope = Depends(requires("manage"))) -> dict:
    return _link_out(enrolment.create_link(session, scope, body.label, body.tags, body.language))


@router.post("/enrolment-links/{link_id}/revoke", responses=ERRORS)
def revoke_link(link_id: Id, session: Session = Depends(get_session),
                scope: OrgScope = Depends(requires("manage"))) -> dict:
    return _link_out(enrolment.revoke_link(session, scope, link_id))
