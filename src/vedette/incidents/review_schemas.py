"""Pydantic shapes of the review API (incidents/review_api.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from vedette.bounds import MAX_ID, StoredStr

Date = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY, YYYY-MM or YYYY-MM-DD")]
Version = Annotated[int, Field(ge=1, le=MAX_ID, description="The version you read (optimistic locking: 409 if stale)")]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Text500 = Annotated[StoredStr, Field(max_length=500)]


class IncidentFieldsIn(BaseModel):
    """Fields of an incident; a field given as null is set to null (except category and ongoing)."""

    model_config = ConfigDict(extra="forbid")

    date: Date | None = None
    date_end: Date | None = Field(None, description="the end, if it ended")
    ongoing: bool | None = Field(None, description="still in force (a curfew, a closure, a siege)")
    time: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    place: Text500 | None = None
    place_id: Annotated[StoredStr, Field(max_length=64)] | None = Field(None, description="a gazetteer id")
    admin1: Annotated[StoredStr, Field(max_length=200)] | None = None
    country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    category: str | None = Field(None, max_length=40, pattern=r"^[a-z_]+$")
    killed: Count | None = None
    injured: Count | None = None
    hostages_or_kidnapped: Count | None = None
    actors: list[Annotated[StoredStr, Field(min_length=1, max_length=200)]] | None = Field(None, max_length=50)
    severity: int | None = Field(None, ge=1, le=5)
    summary: Annotated[StoredStr, Field(max_length=2000)] | None = None

    def given(self) -> dict[str, Any]:
        """The fields the caller sent (an explicit null included)."""
        return {k: getattr(self, k) for k in self.model_fields_set}


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version
    note: Annotated[StoredStr, Field(max_length=2000)] | None = None


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version
    reason: Annotated[StoredStr, Field(min_length=1, max_length=2000)]


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version
    set: IncidentFieldsIn = Field(default_factory=IncidentFieldsIn, description="fields to set")
    clear: list[Annotated[str, Field(max_length=40, pattern=r"^[a-z_0-9]+$")]] = Field(
        default_factory=list, max_length=30, description="edited fields to put back to their extracted value"
    )


class ManualIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: IncidentFieldsIn
    source_note: Annotated[StoredStr, Field(min_length=1, max_length=2000)]


class MergeReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version
    other_id: int = Field(ge=1, le=MAX_ID, description="The incident merged into this one.")
    other_version: Version | None = None


class SplitReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version
    report_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=1000)


class FactorOut(BaseModel):
    component: str
    score: float
    weight: float
    points: float
    rule: str | None
    why: str


class ConfidenceOut(BaseModel):
    score: float
    level: str
    scorer: str | None = None
    factors: list[FactorOut] = []


class ReviewIncidentOut(BaseModel):
    id: int
    date: str | None
    date_end: str | None
    ongoing: bool
    time: str | None
    place: str | None
    place_id: str | None
    admin1: str | None
    country: str | None
    lat: float | None
    lon: float | None
    category: str
    killed: int | None
    injured: int | None
    hostages_or_kidnapped: int | None
    actors: list[str]
    severity: int | None
    summary: str | None
    status: str
    status_reason: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    merged_into_id: int | None
    version: int
    source: str
    source_note: str | None
    locked: bool
    report_count: int = 0
    confidence: ConfidenceOut | None = None
    severity_explained: list[str] | None = None


class FieldOut(BaseModel):
    value: Any
    extracted: Any
    edited: bool
    edited_by: str | None
    edited_at: str | None


class EditOut(BaseModel):
    id: int
    field: str
    value: Any
    extracted: Any
    cleared: bool
    by: str
    at: str


class MoveOut(BaseModel):
    id: int
    kind: str
    from_id: int
    to_id: int
    report_ids: list[int]
    by: str
    at: str
    undone_at: str | None
    undone_by: str | None


class ReviewReportOut(BaseModel):
    id: int
    document_id: int
    document: str | None
    span: list[int]
    evidence: str
    provenance: dict


class ReviewDetail(ReviewIncidentOut):
    fields: dict[str, FieldOut]
    reports: list[ReviewReportOut]
    edits: list[EditOut]
    moves: list[MoveOut]


class QueueDocumentOut(BaseModel):
    id: int
    name: str
    origin: str
    title: str | None
    language: str | None
    published_at: str | None
    extracted_at: str | None
    extractor: str | None


class QueueOut(BaseModel):
    total: int
    incidents: list[ReviewIncidentOut]
    documents_without_incidents_total: int
    documents_without_incidents: list[QueueDocumentOut]


class SplitOut(BaseModel):
    incident: ReviewIncidentOut
    new: ReviewIncidentOut
