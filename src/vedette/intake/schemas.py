"""Pydantic shapes of the intake API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DocumentIn(BaseModel):
    """Either a URL to fetch, or text with a name."""

    url: str | None = Field(None, description="http(s) URL of a page or feed to fetch.")
    text: str | None = Field(None, description="Document text (plain or Markdown).")
    name: str | None = Field(None, description="Name for a text document, e.g. its file name.")

    @model_validator(mode="after")
    def _one_of(self) -> DocumentIn:
        if bool(self.url) == bool(self.text):
            raise ValueError("give exactly one of 'url' or 'text'")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("'url' must be an http(s) URL")
        return self


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sha256: str
    name: str
    origin: str
    media_type: str
    language: str | None
    title: str | None
    size_bytes: int
    fetched_at: datetime
    published_at: datetime | None
    created: bool = False


class DocumentFull(DocumentOut):
    text: str


class DocumentPage(BaseModel):
    total: int
    items: list[DocumentOut]


class FeedIn(BaseModel):
    url: str = Field(description="http(s) URL of an RSS or Atom feed.")
    interval_s: int | None = Field(None, ge=10, description="Seconds between polls (default: setting).")
    poll_now: bool = Field(True, description="Poll once right away.")

    @model_validator(mode="after")
    def _http(self) -> FeedIn:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("'url' must be an http(s) URL")
        return self


class FeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    locator: str = Field(description="The feed URL.")
    poll_interval_s: int | None
    last_polled_at: datetime | None
    last_status: str | None
    etag: str | None
    last_modified: str | None


class Rejected(BaseModel):
    item: str
    reason: str


class IngestReportOut(BaseModel):
    feed: FeedOut
    added: list[int] = []
    duplicates: int = 0
    rejected: list[Rejected] = []
