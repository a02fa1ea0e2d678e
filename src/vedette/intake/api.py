"""HTTP routes of intake: post documents (file upload, text or URL), list and read them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from vedette.config import get_settings
from vedette.errors import BadInput, NotFound
from vedette.intake.models import Document
from vedette.intake.schemas import DocumentFull, DocumentIn, DocumentOut, DocumentPage
from vedette.web.deps import get_session

router = APIRouter(tags=["documents"])
ERRORS = {
    404: {"description": "Not found"},
    422: {"description": "Bad input"},
    502: {"description": "Fetch failed"},
}


def _out(doc: Document, created: bool) -> DocumentOut:
    out = DocumentOut.model_validate(doc)
    out.created = created
    return out


@router.post("/documents", response_model=DocumentOut, status_code=201, responses=ERRORS)
async def post_document(request: Request, response: Response, session: Session = Depends(get_session)):
    """Upload a file (multipart ``file``), or JSON ``{"url": ...}`` or ``{"text": ..., "name": ...}``."""
    from vedette.intake.fetch import fetch
    from vedette.intake.service import ingest_bytes, url_name

    limit = get_settings().max_document_bytes
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise BadInput("multipart upload needs a 'file' field", item="file")
        raw = await upload.read(limit + 1)
        if len(raw) > limit:
            raise BadInput(f"too large: the limit is {limit} bytes", item=upload.filename)
        doc, created = ingest_bytes(
            session, raw, upload.filename, f"upload:{upload.filename}", upload.content_type
        )
    else:
        try:
            body = DocumentIn.model_validate(await request.json())
        except ValueError as exc:
            raise BadInput(
                str(exc).splitlines()[0] if "\n" not in str(exc) else str(exc), item="body"
            ) from exc
        if body.url:
            fetched = fetch(body.url)
            doc, created = ingest_bytes(
                session, fetched.content, url_name(body.url), body.url, fetched.media_type, source_kind="url"
            )
        else:
            name = body.name or "posted.txt"
            doc, created = ingest_bytes(session, body.text.encode("utf-8"), name, f"api:{name}", "text/plain")
    response.status_code = 201 if created else 200
    return _out(doc, created)


@router.get("/documents", response_model=DocumentPage)
def list_documents(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: Session = Depends(get_session),
) -> DocumentPage:
    total = session.scalar(select(func.count()).select_from(Document)) or 0
    docs = session.scalars(select(Document).order_by(Document.id.desc()).limit(limit).offset(offset)).all()
    return DocumentPage(total=total, items=[_out(d, False) for d in docs])


@router.get("/documents/{document_id}", response_model=DocumentFull, responses=ERRORS)
def get_document(document_id: int, session: Session = Depends(get_session)) -> DocumentFull:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}", item=f"document {document_id}")
    return DocumentFull.model_validate(doc)
