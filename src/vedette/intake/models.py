"""Sources (files, URLs, feeds, API posts), the documents they yield, and rejected items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow


class Source(Base):
    """Where documents come from. Feeds keep their HTTP validators for conditional polling."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # file | url | feed | api | manual
    locator: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    poll_interval_s: Mapped[int | None] = mapped_column(Integer)
    last_polled_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    """One unique piece of content (identified by the SHA-256 of its raw bytes)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    origin: Mapped[str] = mapped_column(String(2000))  # path or URL it was read from
    name: Mapped[str] = mapped_column(String(500))  # file name or URL tail, used as SCHEMA.md `doc`
    media_type: Mapped[str] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(String(1000))
    text: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    extracted_at: Mapped[datetime | None] = mapped_column()
    extractor: Mapped[str | None] = mapped_column(String(64))


class Rejection(Base):
    """An item that could not be taken in, with the reason: nothing is silently lost."""

    __tablename__ = "intake_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
