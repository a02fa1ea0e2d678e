"""HTTP routes of incident review (incidents/review.py): the queue, an incident as reviewed, and the
operators' actions: confirm, dismiss, reopen, edit, merge, split, undo, enter by hand.

Reading needs a signed-in caller; every action needs the operator role (``review_shared``) and names the
``version`` it read: a stale version is refused with 409, a missing incident with 404, an incident merged
away with 409. Each action is stamped with its actor and written to the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from vedette.bounds import MAX_ID, responses
from vedette.incidents import repository as repo
from vedette.incidents import review, service
from vedette.incidents.review_schemas import (
    ConfirmIn,
    DismissIn,
    EditIn,
    ManualIn,
    MergeReviewIn,
    MoveOut,
    QueueOut,
    ReopenIn,
    ReviewDetail,
    ReviewIncidentOut,
    SplitOut,
    SplitReviewIn,
)
from vedette.store.deps import get_session
from vedette.tenancy.deps import org_scope, requires
from vedette.tenancy.scope import OrgScope

router = APIRouter(prefix="/review", tags=["review"], responses=responses(401, 403))
READ_ERRORS = responses(404, 422)
ACT_ERRORS = responses(400, 404, 409, 413, 422)
IncidentId = Path(ge=1, le=MAX_ID)
operator = requires("review_shared")


def _out(session: Session, inc_id: int) -> ReviewIncidentOut:
    inc = service.get_incident(session, inc_id)
    conf = review.confidences(session, [inc])[inc.id]
    n = repo.report_counts(session, [inc.id]).get(inc.id, 0)
    return ReviewIncidentOut(**review.summary(inc), report_count=n, confidence=conf.as_dict())


@router.get("/queue", response_model=QueueOut, responses=responses(422))
def review_queue(
    country: str | None = Query(None, pattern=r"^[A-Za-z]{2}$"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
    session: Session = Depends(get_session),
    _scope: OrgScope = Depends(org_scope),
) -> dict:
    """New incidents, most severe then most confident first, and the documents that gave no incident."""
    return review.queue(session, country=country, limit=limit, offset=offset)


@router.get("/incidents/{incident_id}", response_model=ReviewDetail, responses=READ_ERRORS)
def review_incident(
    incident_id: int = IncidentId, session: Session = Depends(get_session), _scope: OrgScope = Depends(org_scope)
) -> dict:
    """The incident with each field's extracted value beside an operator's edit, the confidence explained,
    its reports with provenance, the edit history and the merges and splits it took part in."""
    return review.review_view(session, incident_id)


@router.post("/incidents", response_model=ReviewIncidentOut, status_code=201, responses=ACT_ERRORS)
def add_incident(
    body: ManualIn, session: Session = Depends(get_session), scope: OrgScope = Depends(operator)
) -> ReviewIncidentOut:
    """An incident entered by hand, with a source note: confirmed from the start."""
    inc = review.add_manual(session, review.Actor.of(scope), body.fields.given(), source_note=body.source_note)
    return _out(session, inc.id)


@router.post("/incidents/{incident_id}/confirm", response_model=ReviewIncidentOut, responses=ACT_ERRORS)
def confirm_incident(
    body: ConfirmIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> ReviewIncidentOut:
    review.confirm(session, incident_id, review.Actor.of(scope), version=body.version, note=body.note)
    return _out(session, incident_id)


@router.post("/incidents/{incident_id}/dismiss", response_model=ReviewIncidentOut, responses=ACT_ERRORS)
def dismiss_incident(
    body: DismissIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> ReviewIncidentOut:
    review.dismiss(session, incident_id, review.Actor.of(scope), version=body.version, reason=body.reason)
    return _out(session, incident_id)


@router.post("/incidents/{incident_id}/reopen", response_model=ReviewIncidentOut, responses=ACT_ERRORS)
def reopen_incident(
    body: ReopenIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> ReviewIncidentOut:
    """Back to ``new`` (a confirmation or dismissal undone; the audit log keeps both)."""
    review.reopen(session, incident_id, review.Actor.of(scope), version=body.version)
    return _out(session, incident_id)


@router.patch("/incidents/{incident_id}", response_model=ReviewIncidentOut, responses=ACT_ERRORS)
def edit_incident(
    body: EditIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> ReviewIncidentOut:
    """Set fields (kept beside the extracted values, surviving re-extraction) or clear earlier edits."""
    review.edit(session, incident_id, review.Actor.of(scope), body.set.given(), clear=body.clear,
                version=body.version)
    return _out(session, incident_id)


@router.post("/incidents/{incident_id}/merge", response_model=ReviewIncidentOut, responses=ACT_ERRORS)
def merge_incident(
    body: MergeReviewIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> ReviewIncidentOut:
    """Move every report of ``other_id`` into this incident; the other stays as a ``merged`` tombstone
    (undo with POST /api/review/moves/{move_id}/undo)."""
    review.merge(session, incident_id, body.other_id, review.Actor.of(scope), version=body.version,
                 other_version=body.other_version)
    return _out(session, incident_id)


@router.post("/incidents/{incident_id}/split", response_model=SplitOut, responses=ACT_ERRORS)
def split_incident(
    body: SplitReviewIn,
    incident_id: int = IncidentId,
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> SplitOut:
    """Move ``report_ids`` into a new incident (to be reviewed)."""
    new = review.split(session, incident_id, body.report_ids, review.Actor.of(scope), version=body.version)
    return SplitOut(incident=_out(session, incident_id), new=_out(session, new.id))


@router.post("/moves/{move_id}/undo", response_model=MoveOut, responses=ACT_ERRORS)
def undo_move(
    move_id: int = Path(ge=1, le=MAX_ID),
    session: Session = Depends(get_session),
    scope: OrgScope = Depends(operator),
) -> dict:
    """Put the reports of a merge or split back where they were."""
    return review.move_view(review.undo(session, move_id, review.Actor.of(scope)))
