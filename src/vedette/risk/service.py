"""Storing advisories with history: a change is a new row; the same advice stated again is not."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vedette.risk import repository as repo
from vedette.risk.models import Advisory


def is_advice(record: dict) -> bool:
    """A text gives travel advice when it states a level or names zones to avoid (a news story that
    only describes risks does not)."""
    stated = record.get("level") is not None or bool(record.get("regions_to_avoid"))
    return bool(record.get("country")) and stated


def _same(row: Advisory, record: dict) -> bool:
    return all(getattr(row, f) == record.get(f) for f in ("level", "date")) and all(
        list(getattr(row, f) or []) == list(record.get(f) or []) for f in ("indicators", "regions_to_avoid")
    )


def store_advisory(
    session: Session, record: dict, *, document_id: int | None = None, reason: str | None = None
) -> Advisory | None:
    """Append ``record`` (SCHEMA.md advisory) as a new row unless it repeats the current advice of its
    country or what the same document said last time (re-ingesting is idempotent). Returns the row
    that holds this advice, or None when the record is no advice."""
    if not is_advice(record):
        return None
    country = record["country"].upper()
    for prev in (
        repo.last_from_document(session, document_id, country) if document_id is not None else None,
        repo.latest(session, country, None),
    ):
        if prev is not None and _same(prev, record):
            return prev
    row = Advisory(
        country=country,
        admin1=None,
        level=record.get("level"),
        indicators=list(record.get("indicators") or []),
        regions_to_avoid=list(record.get("regions_to_avoid") or []),
        date=record.get("date"),
        document_id=document_id,
        reason=reason,
    )
    session.add(row)
    session.flush()
    _fuse_official(session, row, record, document_id, reason)
    return row


def _fuse_official(
    session: Session, row: Advisory, record: dict, document_id: int | None, reason: str | None
) -> None:
    """The advice joins the fused levels (levels.py) under its issuer, kept as written; a text that names
    zones but states no level leaves a record for analyst review."""
    import contextlib
    import re

    from vedette.intake.models import Document
    from vedette.risk.advisories import AdvisoryResult
    from vedette.risk.levels import AdvisoryUnparseable, record_official

    doc = session.get(Document, document_id) if document_id is not None else None
    if doc is None or not doc.text:
        return
    cue = re.match(r"level \d: (?P<cue>.*?)(?:; reasons: .*)?$", reason or "", re.S)
    analysis = AdvisoryResult(record, cue.group("cue") if cue else None)
    with contextlib.suppress(AdvisoryUnparseable):  # the review record is kept (needs_review); no level set
        record_official(
            session, doc.text, doc.name, country=row.country, document_id=document_id, advisory_id=row.id,
            analysis=analysis,
        )


def current(session: Session, country: str | None = None) -> list[Advisory]:
    """The current advice per country: its newest row."""
    seen: set[str] = set()
    out = []
    for row in repo.history(session, country):
        if row.country not in seen:
            seen.add(row.country)
            out.append(row)
    return out
