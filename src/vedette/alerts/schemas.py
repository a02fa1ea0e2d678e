"""Request and answer bodies of the alerts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "sms", "webhook", "local"]
Lang = Literal["en", "fr"]
EventKind = Literal["incident", "advisory", "escalation", "transport"]
Short = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short = Field(min_length=1)
    enabled: bool = True
    event_kinds: list[EventKind] = Field(default_factory=lambda: ["incident"], max_length=4)
    categories: list[Short] = Field(default_factory=list, max_length=50)
    min_severity: int | None = Field(None, ge=1, le=5)
    statuses: list[Literal["new", "confirmed"]] = Field(default_factory=lambda: ["confirmed"], max_length=2)
    min_confidence: float | None = Field(None, ge=0, le=1)
    radius_km: float | None = Field(None, gt=0, le=2000)
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list, max_length=250)
    regions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]] = Field(default_factory=list,
                                                                                      max_length=500)
    min_level: int | None = Field(None, ge=1, le=4)
    tags: list[Short] = Field(default_factory=list, max_length=50)
    channels: list[Channel] = Field(default_factory=lambda: ["email", "sms"], min_length=1, max_length=4)
    language: Lang | None = None
    template: Literal["incident", "advisory", "escalation", "transport", "adhoc"] | None = None
    public: bool = False


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short | None = None
    enabled: bool | None = None
    event_kinds: list[EventKind] | None = Field(None, max_length=4)
    categories: list[Short] | None = Field(None, max_length=50)
    min_severity: int | None = Field(None, ge=1, le=5)
    statuses: list[Literal["new", "confirmed"]] | None = Field(None, max_length=2)
    min_confidence: float | None = Field(None, ge=0, le=1)
    radius_km: float | None = Field(None, gt=0, le=2000)
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] | None = Field(None, max_length=250)
    regions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]] | None = Field(None, max_length=500)
    min_level: int | None = Field(None, ge=1, le=4)
    tags: list[Short] | None = Field(None, max_length=50)
    channels: list[Channel] | None = Field(None, min_length=1, max_length=4)
    language: Lang | None = None
    template: Literal["incident", "advisory", "escalation", "transport", "adhoc"] | None = None
    public: bool | None = None


class RuleOut(RuleIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: int
    created_by: str | None = None
    created_at: datetime


class AdhocIn(BaseModel):
    """An analyst's alert: people chosen by tag, country, region, an area drawn on the map or by name."""

    model_config = ConfigDict(extra="forbid")

    headline: Short = Field(min_length=1)
    headline_fr: Short | None = None
    note: Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")] | None = None
    tags: list[Short] = Field(default_factory=list, max_length=50)
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list, max_length=50)
    regions: list[Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]] = Field(default_factory=list,
                                                                                      max_length=100)
    polygon: dict | None = Field(None, description="GeoJSON Polygon or MultiPolygon (lon, lat)")
    person_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(default_factory=list, max_length=10000)
    channels: list[Channel] = Field(default_factory=lambda: ["email", "sms"], min_length=1, max_length=4)
    language: Lang | None = None
    public: bool = False
    severity: int | None = Field(None, ge=1, le=5)
    send: bool = Field(False, description="Send at once (or wait for approval above the threshold)")


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")] | None = None


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: int | None
    event_kind: str
    event_id: str
    thread_key: str
    thread_id: int | None
    msg_type: str
    all_clear: bool
    references_id: int | None
    status: str
    language: str | None
    template: str
    severity: int | None
    note: str | None
    channels: list[str]
    public: bool
    recipient_count: int
    created_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


class RecipientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int | None
    reason: str
    language: str


class PreviewOut(BaseModel):
    alert_id: int
    status: str
    msg_type: str
    content: dict
    samples: list[dict]
    recipients: int
    channels: list[str]
    needs_approval: bool
    approval_threshold: int


class DeliveryEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    status: str
    detail: str | None
    provider_message_id: str | None
    at: datetime


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    alert_id: int | None
    person_id: int | None
    channel: str
    step: int
    purpose: str
    idempotency_key: str
    address: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    provider_message_id: str | None
    last_error: str | None
    fallback: list[str]
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    local: bool = False
    content: dict | None = Field(None, description="The rendered message (local outbox only)")
    events: list[DeliveryEventOut] | None = None


class OutboxPage(BaseModel):
    counts: dict[str, int]
    messages: list[MessageOut]


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approval_threshold: int | None = Field(None, ge=1, le=1_000_000)
    default_channels: list[Channel] | None = Field(None, min_length=1, max_length=4)
    public_feed: bool | None = None
    webhook_url: Annotated[str, Field(max_length=500, pattern=r"^https?://[^\x00\s]+$")] | None = None


class SettingsOut(BaseModel):
    approval_threshold: int
    default_channels: list[str]
    public_feed: bool
    webhook_url: str | None
    webhook_secret_set: bool
    feed_token_set: bool


class SecretOut(BaseModel):
    secret: str = Field(description="Shown once; only a hash (feed token) or the key itself (webhook) is kept")
    url: str | None = None


class ReceiptIn(BaseModel):
    """A provider's delivery receipt (form or JSON): its message id and status."""

    id: Annotated[str, Field(max_length=200)]
    status: Annotated[str, Field(max_length=40)]
    error: Annotated[str, Field(max_length=200)] | None = None
