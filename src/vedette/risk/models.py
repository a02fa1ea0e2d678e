"""Travel advisories with history: each change is a new row, never an update of an old one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow


class Advisory(Base):
    """One advisory state for a country (or one zone of it) as a document stated it.

    The current advice for a (country, zone) is its newest row; older rows are its history.
    """

    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    admin1: Mapped[str | None] = mapped_column(String(200))  # a zone or region; null = the whole country
    level: Mapped[int | None] = mapped_column(Integer)  # 1-4 (US scale), null when the text gives none
    indicators: Mapped[list] = mapped_column(default=list)  # letters, SCHEMA.md
    regions_to_avoid: Mapped[list] = mapped_column(default=list)  # verbatim phrases
    date: Mapped[str | None] = mapped_column(String(10))  # the advisory's own date, YYYY-MM-DD
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)  # the words that decided the level and indicators
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the risk picture (issue 14): fused levels, events, scores, escalations, transport --------------------
# Areas: "" is the whole country, an ISO 3166-2 code ("ML-BKO") an admin-1 region, "zone:<name>" a named
# zone (the gazetteer's zones, or the words of an advisory that names no region). Names are labels only.


class AdvisoryLevel(Base):
    """One source's level for one area, as it changed: every row is a change (never updated), the newest
    row per (country, area, source) is that source's current level. Sources: "analyst" (set by hand, with
    a reason) or an issuing government ("US", "FR", "CH", "GB", ...) whose text is kept as written."""

    __tablename__ = "advisory_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    area: Mapped[str] = mapped_column(String(120), default="")
    area_label: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))
    level: Mapped[int | None] = mapped_column(Integer)  # the common 1-4 scale; null: needs analyst review
    previous_level: Mapped[int | None] = mapped_column(Integer)
    as_written: Mapped[str | None] = mapped_column(String(300))  # the issuer's own wording of its level
    indicators: Mapped[list] = mapped_column(default=list)
    text: Mapped[str | None] = mapped_column(Text)  # the advice as written (or the analyst's reason)
    diff: Mapped[str | None] = mapped_column(Text)  # unified diff against the previous row's text
    evidence: Mapped[str | None] = mapped_column(Text)  # the words that decided the level
    reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    advice: Mapped[str | None] = mapped_column(Text)
    stated_on: Mapped[str | None] = mapped_column(String(10))  # the advisory's own date, YYYY-MM-DD
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    advisory_id: Mapped[int | None] = mapped_column(ForeignKey("advisories.id", ondelete="SET NULL"))
    needs_review: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(300))
    set_by: Mapped[str | None] = mapped_column(String(64))  # "user:ID", "token:ID", "cli", "intake"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_advisory_levels_area", "country", "area", "source"),)


class CountryBrief(Base):
    """A country's summary and advice written by an operator (newest row in force; older rows: history)."""

    __tablename__ = "country_briefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    advice: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskEvent(Base):
    """The outbox of the risk picture: "advisory.changed", "escalation.raised", "escalation.cleared",
    "transport.changed". Consumers (alerts) read rows after the last id they saw and may stamp
    ``consumed_at``; ``occurred_on`` is in the incidents' or the advisory's own time."""

    __tablename__ = "risk_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    area: Mapped[str | None] = mapped_column(String(120))
    occurred_on: Mapped[str | None] = mapped_column(String(19))
    payload: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column()


class RiskScore(Base):
    """The current score of a country (admin1 "") or an admin-1 region, and the scorer that made it."""

    __tablename__ = "risk_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorer: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2), index=True)
    admin1: Mapped[str] = mapped_column(String(120), default="")
    admin1_label: Mapped[str | None] = mapped_column(String(200))
    as_of: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    raw: Mapped[float] = mapped_column(Float)
    incidents: Mapped[int] = mapped_column(Integer)
    trend: Mapped[dict] = mapped_column(default=dict)
    explained: Mapped[list] = mapped_column(default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("scorer", "country", "admin1", name="uq_risk_scores_area"),)


class Escalation(Base):
    """A region's activity jumped above its own baseline: raised once, cleared when it falls back. Both
    dates are in the incidents' time (a replay of 2012 raises in 2012)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2), index=True)
    admin1: Mapped[str] = mapped_column(String(120))
    admin1_label: Mapped[str | None] = mapped_column(String(200))
    raised_at: Mapped[str] = mapped_column(String(10))
    cleared_at: Mapped[str | None] = mapped_column(String(10))
    evidence: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("method", "country", "admin1", "raised_at", name="uq_escalations_raise"),
    )


class TransportStatus(Base):
    """The status of an airport (key: IATA code), a land border (key: "ML-NE", or "ML-*" for all of a
    country's land borders) or a national airspace (key: the country) as one source stated it at one time;
    every row is kept (history), the newest observation is in force."""

    __tablename__ = "transport_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # airport | border | airspace
    key: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2), index=True)
    label: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))  # open | partly_open | closed | unknown
    source: Mapped[str] = mapped_column(String(16))  # incident | analyst
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    evidence: Mapped[str | None] = mapped_column(Text)
    cue: Mapped[str | None] = mapped_column(String(200))
    observed_at: Mapped[datetime] = mapped_column()  # incident time, or when the operator says
    set_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_transport_statuses_key", "kind", "key"),)
