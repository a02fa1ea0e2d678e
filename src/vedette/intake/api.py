"""HTTP routes of intake: post documents (file upload, text or URL), list and read them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from vedette.bounds import MAX_ID, responses
from vedette.config import get_settings
from vedette.errors import BadInput, NotFound
from vedette.intake.fetch import Fetched
from vedette.intake.models import Document, Source
from vedette.intake.schemas import (
    NAME_MAX,
    DocumentFull,
    DocumentIn,
    DocumentOut,
    DocumentPage,
    FeedIn,
    FeedOut,
    IngestReportOut,
    Rejected,
    TextDocumentIn,
    UrlDocumentIn,
)
from vedette.store.deps import get_session

router = APIRouter(tags=["documents"], responses=responses(401, 403))  # every route needs a signed-in caller

# The body of POST /api/documents is read by hand (a file or JSON): its two media types, documented.
DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The document file."}
                    },
                }
            },
            "application/json": {
                "schema": {"oneOf": [UrlDocumentIn.model_json_schema(), TextDocumentIn.model_json_schema()]}
            },
        },
    }
}


def _out(doc: Document, created: bool) -> DocumentOut:
    out = DocumentOut.model_validate(doc)
    out.created = created
    return out


@router.post(
    "/documents",
    response_model=DocumentOut,
    status_code=201,
    responses={200: {"model": DocumentOut, "description": "The same bytes were already stored"}}
    | responses(400, 413, 422, 502),
    openapi_extra=DOCUMENT_BODY,
)
async def post_document(request: Request, response: Response, session: Session = Depends(get_session)):
    """Upload a file (multipart ``file``), or JSON ``{"url": ...}`` or ``{"text": ..., "name": ...}``.

    201 when the document is new, 200 when the same bytes were already in the store.
    """
    limit = get_settings().max_document_bytes
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadInput("multipart upload needs a 'file' field with a file name", item="file")
        if len(upload.filename) > NAME_MAX or "\x00" in upload.filename:
            raise BadInput(f"file name too long (over {NAME_MAX}) or with NUL characters", item="file")
        if upload.size is not None and upload.size > limit:
            raise BadInput(f"too large: {upload.size} bytes, the limit is {limit}", item=upload.filename)
        raw = await upload.read(limit + 1)
        if len(raw) > limit:
            raise BadInput(f"too large: more than {limit} bytes (max_document_bytes)", item=upload.filename)
        args = (raw, upload.filename, f"upload:{upload.filename}", upload.content_type)
        url = None
    else:
        try:
            body = DocumentIn.model_validate(await request.json())
        except ValueError as exc:  # malformed JSON and validation errors alike
            raise BadInput(_first_error(exc), item="body") from exc
        url = body.url
        name = body.name or "posted.txt"
        args = (body.text.encode("utf-8") if body.text else b"", name, f"api:{name}", "text/plain")
    # Reading and parsing are blocking work: keep them off the event loop. A URL is fetched on threads of its
    # own (intake/fetch.py), so slow sites never hold the threads that answer other requests, nor (the
    # session's reads so far committed) a store connection.
    from vedette.intake.fetch import fetch_async

    fetched = None
    if url:
        await run_in_threadpool(session.commit)
        fetched = await fetch_async(url)
    doc, created = await run_in_threadpool(_ingest, session, url, *args, fetched)
    response.status_code = 201 if created else 200
    return _out(doc, created)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first['msg']}" if where else first["msg"]
    return f"request body is not valid JSON ({exc})"


def _ingest(
    session: Session,
    url: str | None,
    raw: bytes,
    name: str,
    origin: str,
    media_type: str | None,
    fetched: Fetched | None = None,
) -> tuple[Document, bool]:
    from vedette.intake.feeds import looks_like_feed
    from vedette.intake.fetch import fetch
    from vedette.intake.service import ingest_bytes, url_name

    if url:
        fetched = fetched or fetch(url)
        if looks_like_feed(fetched.content, fetched.media_type):
            raise BadInput("this URL is an RSS/Atom feed: post it to /api/feeds instead", item=url)
        raw, name, origin, media_type = fetched.content, url_name(url), url, fetched.media_type
        doc, created = ingest_bytes(session, raw, name, origin, media_type, url, source_kind="url")
    else:
        doc, created = ingest_bytes(session, raw, name, origin, media_type)
    session.commit()  # the answer says 201 only for a document that is really stored
    return doc, created


@router.get("/documents", response_model=DocumentPage, responses=responses(422))
def list_documents(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
    session: Session = Depends(get_session),
) -> DocumentPage:
    total = session.scalar(select(func.count()).select_from(Document)) or 0
    docs = session.scalars(select(Document).order_by(Document.id.desc()).limit(limit).offset(offset)).all()
    return DocumentPage(total=total, items=[_out(d, False) for d in docs])


@router.get("/documents/{document_id}", response_model=DocumentFull, responses=responses(404, 422))
def get_document(
    document_id: int = Path(ge=1, le=MAX_ID), session: Session = Depends(get_session)
) -> DocumentFull:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}", item=f"document {document_id}")
    return DocumentFull.model_validate(doc)


def _feed_out(source: Source) -> FeedOut:
    return FeedOut.model_validate(source)


@router.post(
    "/feeds", response_model=IngestReportOut, status_code=201, responses=responses(400, 413, 422, 502)
)
async def post_feed(body: FeedIn, session: Session = Depends(get_session)) -> IngestReportOut:
    """Subscribe to an RSS/Atom feed (polled every ``interval_s``) and, unless ``poll_now`` is false,
    poll it at once; returns what that poll took in."""
    from vedette.intake.fetch import run_off_request_threads

    return await run_off_request_threads(_post_feed, body, session)  # slow feeds hold no request thread


def _post_feed(body: FeedIn, session: Session) -> IngestReportOut:
    from vedette.intake.service import add_feed, poll_feed

    feed = add_feed(session, body.url, body.interval_s)
    session.commit()
    out = IngestReportOut(feed=_feed_out(feed))
    if body.poll_now:
        report = poll_feed(body.url)
        out.added, out.duplicates = report.added, report.duplicates
        out.rejected = [Rejected(item=item, reason=reason) for item, reason in report.rejected]
        session.refresh(feed)
        out.feed = _feed_out(feed)
    return out


@router.get("/feeds", response_model=list[FeedOut])
def list_feeds(session: Session = Depends(get_session)) -> list[FeedOut]:
    """Feeds subscribed to, with their last poll."""
    rows = session.scalars(
        select(Source).where(Source.kind == "feed", Source.poll_interval_s.is_not(None)).order_by(Source.id)
    )
    return [_feed_out(f) for f in rows]
