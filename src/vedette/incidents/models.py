"""An incident and the reports (document spans) it rests on. Provenance is never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow


class Incident(Base):
    __tablename__ = "incidents"
    # Lists read newest first (date, id), and count what they filter by review status from the same index;
    # merging looks a report's country and dates up (country, date).
    # No index on ``status``: nearly every incident is new or confirmed, and an index that every row
    # matches led SQLite's planner (which has no statistics) to sort the whole table for each page.
    __table_args__ = (
        Index("ix_incidents_date_id_status", "date", "id", "status"),
        Index("ix_incidents_country_date", "country", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[str | None] = mapped_column(String(10))  # YYYY, YYYY-MM or YYYY-MM-DD
    date_precision: Mapped[str | None] = mapped_column(String(8))  # year | month | day
    date_certain: Mapped[bool] = mapped_column(default=True)
    time: Mapped[str | None] = mapped_column(String(5))
    place: Mapped[str | None] = mapped_column(String(500))
    place_ref: Mapped[str | None] = mapped_column(String(64))  # gazetteer id (e.g. "gn:2453348")
    admin1: Mapped[str | None] = mapped_column(String(200), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[int | None] = mapped_column(Integer)
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    hostages_or_kidnapped: Mapped[int | None] = mapped_column(Integer)
    actors: Mapped[list] = mapped_column(default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    extractor: Mapped[str | None] = mapped_column(String(64))
    merge_key: Mapped[str | None] = mapped_column(String(200), index=True)
    locked: Mapped[bool] = mapped_column(default=False)  # set when an analyst split or merged by hand
    # Review (incidents/review.py): new | confirmed | dismissed, or merged (a tombstone pointing at the
    # incident its reports went to; reversible). Only ``COUNTED_STATUSES`` count anywhere.
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    status_reason: Mapped[str | None] = mapped_column(Text)  # why dismissed (or a note on confirming)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))  # "user:ID", "token:ID" or "cli"
    reviewed_at: Mapped[datetime | None] = mapped_column()
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    # Optimistic locking: every review action names the version it saw; a stale one is refused (409).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    source: Mapped[str] = mapped_column(String(16), default="extracted", server_default="extracted")  # | manual
    source_note: Mapped[str | None] = mapped_column(Text)  # where a hand-entered incident comes from
    # Duration: ``date`` is the start; ``date_end`` the end (by hand, or the latest date a later report
    # gives it); ``ongoing`` a curfew, closure or siege still in force.
    date_end: Mapped[str | None] = mapped_column(String(10))
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Report(Base):
    """Ties an incident to the span of a document that reported it, with per-field provenance."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    provenance: Mapped[dict] = mapped_column(default=dict)  # field -> {span, rule}
    record: Mapped[dict] = mapped_column(default=dict)  # the extracted record as SCHEMA.md shapes it
    extractor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentEdit(Base):
    """An operator's value for one field of an incident, kept beside the extracted value it replaces.

    The newest row per (incident, field) is in force unless it is a ``cleared`` row (back to the extracted
    value). Re-extraction recomputes the extracted values, records the latest in ``extracted`` and applies
    the edit again (incidents/review.py ``apply_edits``), so the edit wins until cleared."""

    __tablename__ = "incident_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[dict] = mapped_column(default=dict)  # {"v": the operator's value}
    extracted: Mapped[dict] = mapped_column(default=dict)  # {"v": the extracted value it stands beside}
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(64))  # "user:ID", "token:ID" or "cli"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentMove(Base):
    """A merge or split by an operator: which reports went from which incident to which, so it can be
    undone (``undone_at``). A merge leaves the emptied incident as a ``merged`` tombstone."""

    __tablename__ = "incident_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # merge | split
    from_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    report_ids: Mapped[list] = mapped_column(default=list)
    prior: Mapped[dict] = mapped_column(default=dict)  # status etc. of the incidents before the move
    actor: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column()
    undone_by: Mapped[str | None] = mapped_column(String(64))
