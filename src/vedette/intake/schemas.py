"""Pydantic shapes of the intake API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vedette.bounds import HttpUrlStr, StoredStr, UtcDatetime

URL_MAX = 2000  # sources.locator
NAME_MAX = 200  # documents.name (500), with room for the origin "api:<name>"


class DocumentIn(BaseModel):
    """Either a URL to fetch, or text with a name."""

    url: StoredStr | None = Field(None, max_length=URL_MAX, description="http(s) URL of a page or feed.")
    text: StoredStr | None = Field(None, description="Document text (plain or Markdown).")
    name: StoredStr | None = Field(None, max_length=NAME_MAX, description="Name, e.g. its file name.")

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
    fetched_at: UtcDatetime
    published_at: UtcDatetime | None
    created: bool = False


class DocumentFull(DocumentOut):
    text: str


class UrlDocumentIn(BaseModel):
    """A page (or feed) to fetch and take in (documents the JSON body of POST /api/documents)."""

    url: HttpUrlStr = Field(max_length=URL_MAX, description="http(s) URL to fetch.")


class TextDocumentIn(BaseModel):
    """A text to take in (documents the JSON body of POST /api/documents)."""

    text: StoredStr = Field(min_length=1, description="Document text (plain or Markdown).")
    name: StoredStr | None = Field(None, max_length=NAME_MAX, description="Name, e.g. its file name.")


class DocumentPage(BaseModel):
    total: int
    items: list[DocumentOut]


class FeedIn(BaseModel):
    url: HttpUrlStr = Field(max_length=URL_MAX, description="http(s) URL of an RSS or Atom feed.")
    interval_s: int | None = Field(
        None, ge=10, le=366 * 86400, description="Seconds between polls (default: setting); at most a year."
    )
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
    last_polled_at: UtcDatetime | None
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
