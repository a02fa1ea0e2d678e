"""Pydantic shapes of the incidents API (records follow SCHEMA.md, plus id, severity, report count)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from vedette.bounds import MAX_ID


class IncidentOut(BaseModel):
    id: int
    date: str | None
    time: str | None
    place: str | None
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
    report_count: int
    locked: bool


class ReportOut(BaseModel):
    id: int
    document_id: int
    document: str | None
    span: tuple[int, int]
    evidence: str
    extractor: str
    provenance: dict


class IncidentDetail(IncidentOut):
    reports: list[ReportOut]


class IncidentPage(BaseModel):
    total: int
    items: list[IncidentOut]


class SplitIn(BaseModel):
    report_id: int = Field(ge=1, le=MAX_ID, description="The report that becomes an incident of its own.")


class MergeIn(BaseModel):
    other_id: int = Field(ge=1, le=MAX_ID, description="The incident merged into this one.")
