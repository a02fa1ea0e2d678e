"""Cross-domain flow: a newly stored document is extracted and its incidents (and its travel advice,
if it gives any) stored with provenance.

Intake only knows the hook registry; this module plugs extraction into it (data flows one way).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.intake.hooks import DocumentDraft, register_document_hook
from vedette.intake.models import Document

_NOT_PREPARED = object()


def extract_records(draft: DocumentDraft) -> list | None:
    """The slow half of ``extract_and_store``, run by intake before its write transaction: the records,
    or None when extraction ran past ``extract_timeout_s`` (the document is then stored for review)."""
    from vedette.intake.extract import ExtractionTimedOut, extract_text

    try:
        return extract_text(draft.text, draft.name, draft.published_at, draft.language)
    except ExtractionTimedOut:
        return None


def extract_and_store(session: Session, document: Document, records: object = _NOT_PREPARED) -> None:
    """Incidents of ``document`` replace the ones it gave before (re-extraction is idempotent);
    ``records``: what ``extract_records`` gave for it, if intake prepared them. A document whose
    extraction timed out keeps no incidents and is marked ``TIMED_OUT`` for review."""
    from datetime import UTC, datetime

    from vedette.incidents.service import store_records
    from vedette.intake.extract import EXTRACTOR, TIMED_OUT

    if records is _NOT_PREPARED:
        records = extract_records(DocumentDraft(document.text, document.name, document.published_at, document.language))
    store_records(session, document, records or [], EXTRACTOR)
    document.extracted_at = datetime.now(UTC)
    document.extractor = EXTRACTOR if records is not None else TIMED_OUT


def analyse_advice(draft: DocumentDraft):  # noqa: ANN201 - an AdvisoryAnalysis or None
    """The slow half of ``store_advice``, run by intake before its write transaction."""
    from vedette.errors import BadInput
    from vedette.risk.advisories import analyse_advisory

    try:
        return analyse_advisory(draft.text, draft.name, draft.language)
    except BadInput:
        return None  # an empty text gives no advice; extraction already reports it


def store_advice(session: Session, document: Document, result: object = _NOT_PREPARED) -> None:
    """The document's travel advice, when it gives some (a level or zones to avoid), joins the history."""
    from vedette.risk.service import store_advisory

    if result is _NOT_PREPARED:
        result = analyse_advice(DocumentDraft(document.text, document.name, None, document.language))
    if result is None:
        return
    store_advisory(session, result.record, document_id=document.id, reason=result.reason or None)


def install() -> None:
    """Register the hooks (idempotent: a name registers once)."""
    register_document_hook("extract", extract_and_store, prepare=extract_records)
    register_document_hook("advisories", store_advice, prepare=analyse_advice)


def reextract(session: Session, document_id: int) -> int:
    """Run the document hooks again on a stored document (extraction, advice) in the caller's
    transaction; returns how many incident reports it now gives. Idempotent: see ``extract_and_store``."""
    from sqlalchemy import func, select

    from vedette.errors import NotFound
    from vedette.incidents.models import Report
    from vedette.intake.hooks import run_document_hooks

    install()
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"no document {document_id}", item=f"document {document_id}")
    run_document_hooks(session, document)
    session.flush()
    return session.scalar(select(func.count()).select_from(Report).where(Report.document_id == document_id)) or 0
