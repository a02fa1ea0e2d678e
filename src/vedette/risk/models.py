"""Travel advisories with history: each change is a new row, never an update of an old one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
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
