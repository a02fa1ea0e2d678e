"""Cross-domain flow: a newly stored document is extracted and its incidents (and its travel advice,
if it gives any) stored with provenance.

Intake only knows the hook registry; this module plugs extraction into it (data flows one way).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.intake.hooks import register_document_hook
from vedette.intake.models import Document


def extract_and_store(session: Session, document: Document) -> None:
    """Incidents of ``document`` replace the ones it gave before (re-extraction is idempotent)."""
    from datetime import UTC, datetime

    from vedette.incidents.service import store_records
    from vedette.intake.extract import EXTRACTOR, extract_text

    records = extract_text(document.text, document.name, document.published_at, document.language)
    store_records(session, document, records, EXTRACTOR)
    document.extracted_at = datetime.now(UTC)
    document.extractor = EXTRACTOR


def store_advice(session: Session, document: Document) -> None:
    """The document's travel advice, when it gives some (a level or zones to avoid), joins the history."""
    from vedette.errors import BadInput
    from vedette.risk.advisories import analyse_advisory
    from vedette.risk.service import store_advisory

    try:
        result = analyse_advisory(document.text, document.name, document.language)
    except BadInput:
        return  # an empty text gives no advice; extraction already reports it
    store_advisory(session, result.record, document_id=document.id, reason=result.reason or None)


def install() -> None:
    """Register the hooks (idempotent: a name registers once)."""
    register_document_hook("extract", extract_and_store)
    register_document_hook("advisories", store_advice)


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
