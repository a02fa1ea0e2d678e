"""Cross-domain flow: a newly stored document is extracted and its incidents stored with provenance.

Intake only knows the hook registry; this module plugs extraction into it (data flows one way).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.intake.hooks import register_document_hook
from vedette.intake.models import Document


def extract_and_store(session: Session, document: Document) -> None:
    from datetime import UTC, datetime

    from vedette.incidents.service import store_records
    from vedette.intake.extract import EXTRACTOR, extract_text

    records = extract_text(document.text, document.name, document.published_at, document.language)
    store_records(session, document, records, EXTRACTOR)
    document.extracted_at = datetime.now(UTC)
    document.extractor = EXTRACTOR


def install() -> None:
    register_document_hook("extract", extract_and_store)
