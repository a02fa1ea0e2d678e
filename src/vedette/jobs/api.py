"""HTTP routes of jobs: enqueue long work (feed polls, URL intake, re-extraction) and read its state.

With ``broker_url`` set the jobs go to Celery; without it, to one in-process worker thread.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from vedette.bounds import MAX_ID, NO_NUL, HttpUrlStr, responses
from vedette.errors import NotFound
from vedette.intake.models import Document
from vedette.jobs.queue import enqueue, job_status
from vedette.store.deps import get_session

router = APIRouter(tags=["jobs"], responses=responses(401, 403))  # every route needs a signed-in caller
ERRORS = responses(404, 422, 503)
BODY_ERRORS = responses(400, 413, 422, 503)


class JobOut(BaseModel):
    id: str
    name: str | None = Field(None, description="e.g. intake.poll_due_feeds (None: unknown to Celery yet)")
    backend: str = Field(description="celery or embedded")
    state: str = Field(description="PENDING, STARTED, SUCCESS or FAILURE")
    result: Any = None
    error: str | None = None


class UrlIn(BaseModel):
    url: HttpUrlStr = Field(max_length=2000, description="http(s) URL of a page or feed")

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("'url' must be an http(s) URL")
        return value


def _queued(name: str, *args: Any) -> JobOut:
    return JobOut.model_validate(job_status(enqueue(name, *args)))


@router.post("/jobs/poll-feeds", response_model=JobOut, status_code=202, responses=responses(503))
def post_poll_feeds() -> JobOut:
    """Poll every feed that is due, in the background."""
    return _queued("intake.poll_due_feeds")


@router.post("/jobs/poll-feed", response_model=JobOut, status_code=202, responses=BODY_ERRORS)
def post_poll_feed(body: UrlIn) -> JobOut:
    """Poll one feed now, in the background."""
    return _queued("intake.poll_feed", body.url)


@router.post("/jobs/ingest", response_model=JobOut, status_code=202, responses=BODY_ERRORS)
def post_ingest(body: UrlIn) -> JobOut:
    """Take in a page or feed by URL, in the background."""
    return _queued("intake.ingest_url", body.url)


@router.post("/jobs/reextract/{document_id}", response_model=JobOut, status_code=202, responses=ERRORS)
def post_reextract(
    document_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)
) -> JobOut:
    """Extract a stored document again (its incidents are replaced, analysts' splits kept)."""
    if session.get(Document, document_id) is None:
        raise NotFound(f"no document {document_id}", item=f"document {document_id}")
    return _queued("incidents.reextract", document_id)


@router.get("/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def get_job(job_id: str = Path(max_length=200, pattern=NO_NUL)) -> JobOut:
    """A job's state and, once done, its result or error."""
    return JobOut.model_validate(job_status(job_id))
