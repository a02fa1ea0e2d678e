"""An incident and the reports (document spans) it rests on. Provenance is never lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[str | None] = mapped_column(String(10), index=True)  # YYYY, YYYY-MM or YYYY-MM-DD
    date_precision: Mapped[str | None] = mapped_column(String(8))  # year | month | day
    date_certain: Mapped[bool] = mapped_column(default=True)
    time: Mapped[str | None] = mapped_column(String(5))
    place: Mapped[str | None] = mapped_column(String(500))
    place_ref: Mapped[str | None] = mapped_column(String(64))  # gazetteer id (e.g. "gn:2453348")
    admin1: Mapped[str | None] = mapped_column(String(200), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
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
