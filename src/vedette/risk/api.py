"""HTTP routes of advisories: the current advice per country, or its whole history."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from vedette.bounds import NO_NUL, UtcDatetime, responses
from vedette.risk import repository as repo
from vedette.risk import service
from vedette.store.deps import get_session

router = APIRouter(tags=["advisories"], responses=responses(401, 403))  # every route needs a signed-in caller


class AdvisoryOut(BaseModel):
    id: int
    country: str
    admin1: str | None
    level: int | None
    indicators: list[str]
    regions_to_avoid: list[str]
    date: str | None
    document_id: int | None
    reason: str | None
    created_at: UtcDatetime

    model_config = {"from_attributes": True}


@router.get("/advisories", response_model=list[AdvisoryOut], responses=responses(422))
def list_advisories(
    country: str | None = Query(
        None, min_length=2, max_length=2, pattern=NO_NUL, description="ISO 3166-1 alpha-2"
    ),
    history: bool = Query(False, description="every row (each change), newest first"),
    session: Session = Depends(get_session),
) -> list[AdvisoryOut]:
    rows = repo.history(session, country) if history else service.current(session, country)
    return [AdvisoryOut.model_validate(r) for r in rows]
