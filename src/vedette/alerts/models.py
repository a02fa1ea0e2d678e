"""Alerts (issue 16): rules, alerts and their recipients, the outbox, the delivery log, inbound messages.

Every row is private to one organisation (``organisation_id``) and is reached only through
:mod:`vedette.alerts.repository` with an ``OrgScope`` (404 outside it).

The life of an alert
    An ``Alert`` is one message about one event to a set of people (``AlertRecipient``). Alerts about the
    same subject form a *thread* keyed by ``thread_key``: the incident's stable identity ("incident:12",
    the root of its merges), "advisory:ML:ML-BKO", "escalation:ML:ML-BKO", "transport:airport:BKO",
    "adhoc:<uuid>". The first alert of a thread has ``msg_type`` "alert"; later ones are "update" (a change
    that matters: confirmed, higher severity; ``all_clear`` marks the end of the danger) or "cancel", and
    ``references_id`` names the alert they update (CAP ``references``); ``thread_id`` is the first alert's
    id. Statuses: draft -> (pending_approval ->) sent, or cancelled (a draft thrown away).

The outbox (transactional)
    ``OutboxMessage`` rows are written by :func:`vedette.alerts.service.queue_messages` in the caller's
    transaction (the same one as the event that causes them). ``idempotency_key`` is UNIQUE: one row per
    (alert, person, channel, ladder step), so queueing twice, or after a restart, adds nothing. The
    dispatcher claims due rows with a lease (``lease_until``), sends them and records the answer; a killed
    dispatcher's rows are claimed again once the lease has passed. Receivers drop copies by the message's
    stable Message-ID / idempotency key. ``fallback`` holds the channels still to try, in order, when this
    one fails for good.

The delivery log
    ``DeliveryEvent``: one row per thing that happened to a message (queued, claimed, sent, retry, failed,
    fallback, delivered, bounced, receipt). ``detail`` holds a reason, never a secret or a whole body.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vedette.store.base import Base, utcnow

ORG_FK = "organisations.id"

EVENT_KINDS = ("incident", "advisory", "escalation", "transport", "adhoc")
MSG_TYPES = ("alert", "update", "cancel")
ALERT_STATUSES = ("draft", "pending_approval", "sent", "cancelled")
CHANNELS = ("email", "sms", "webhook", "local")
MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "failed")
# what a message is for: the alert itself, or a later step of the escalation ladder (check-ins issue)
PURPOSES = ("alert", "reminder", "escalation", "confirmation", "notice")


class AlertSettings(Base):
    """Per-organisation settings of alerting (one row per organisation, created on first use)."""

    __tablename__ = "alert_settings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), primary_key=True)
    approval_threshold: Mapped[int] = mapped_column(Integer, default=50)  # more recipients: a 2nd person approves
    default_channels: Mapped[list] = mapped_column(default=lambda: ["email", "sms"])
    feed_token_hash: Mapped[str | None] = mapped_column(String(128))  # sha256 of the org's feed token
    public_feed: Mapped[bool] = mapped_column(Boolean, default=False)  # its public alerts in the public feed
    webhook_url: Mapped[str | None] = mapped_column(String(500))  # the organisation's receiver, if any
    webhook_secret: Mapped[str | None] = mapped_column(String(128))  # HMAC key (never logged, never shown)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertRule(Base):
    """Which events alert whom. Empty lists mean "any"; None thresholds mean "no threshold"."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    event_kinds: Mapped[list] = mapped_column(default=lambda: ["incident"])  # incident|advisory|escalation|transport
    categories: Mapped[list] = mapped_column(default=list)  # incident categories; [] = all
    min_severity: Mapped[int | None] = mapped_column(Integer)  # 1-5
    statuses: Mapped[list] = mapped_column(default=lambda: ["confirmed"])  # review statuses that count
    min_confidence: Mapped[float | None] = mapped_column(Float)  # for "new" incidents: at least this confidence
    radius_km: Mapped[float | None] = mapped_column(Float)  # None: the organisation's exposure radius
    countries: Mapped[list] = mapped_column(default=list)  # ISO 3166-1 alpha-2; [] = anywhere
    regions: Mapped[list] = mapped_column(default=list)  # ISO 3166-2; [] = any region of the countries
    min_level: Mapped[int | None] = mapped_column(Integer)  # advisory changes: new level at least this
    tags: Mapped[list] = mapped_column(default=list)  # only people with one of these tags; [] = everyone
    channels: Mapped[list] = mapped_column(default=lambda: ["email", "sms"])  # in order (fallback order)
    language: Mapped[str | None] = mapped_column(String(2))  # None: each person's preferred language
    template: Mapped[str | None] = mapped_column(String(64))  # None: the event kind's template
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # its alerts also in the public feed
    created_by: Mapped[str | None] = mapped_column(String(64))  # "user:ID", "token:ID", "cli"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Alert(Base):
    """One message about one event to a set of people; one step in a thread (alert, update, cancel)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_org_thread", "organisation_id", "thread_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="SET NULL"))
    event_kind: Mapped[str] = mapped_column(String(16))  # incident | advisory | escalation | transport | adhoc
    event_id: Mapped[str] = mapped_column(String(120))  # the incident's id as it was, risk_events id, uuid
    thread_key: Mapped[str] = mapped_column(String(160))  # the subject's stable identity (see module doc)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))  # 1st alert
    msg_type: Mapped[str] = mapped_column(String(8), default="alert")  # alert | update | cancel
    all_clear: Mapped[bool] = mapped_column(Boolean, default=False)
    references_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    language: Mapped[str | None] = mapped_column(String(2))  # None: each recipient's language
    template: Mapped[str] = mapped_column(String(64))  # template name, e.g. "incident"
    severity: Mapped[int | None] = mapped_column(Integer)  # 1-5 (CAP severity mapped from it)
    event: Mapped[dict] = mapped_column(default=dict)  # snapshot of the event the templates render
    note: Mapped[str | None] = mapped_column(Text)  # the analyst's own words, added to the message
    content: Mapped[dict] = mapped_column(default=dict)  # {lang: {subject, text, html, sms}} as rendered
    channels: Mapped[list] = mapped_column(default=list)  # in order
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in the public feed
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(64))  # "user:ID", "token:ID", "cli", "rule:ID"
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertRecipient(Base):
    """A person an alert goes to, and why (the exposure's reason, or how an analyst chose them)."""

    __tablename__ = "alert_recipients"
    __table_args__ = (UniqueConstraint("alert_id", "person_id", name="uq_alert_recipients_alert_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # in words ("hotel stay 12-14 Mar, 3.2 km away")
    reason_data: Mapped[dict] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One message to send on one channel (the transactional outbox; see the module doc)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_org_alert", "organisation_id", "alert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | webhook | local
    step: Mapped[int] = mapped_column(Integer, default=0)  # escalation ladder step (0: the alert itself)
    purpose: Mapped[str] = mapped_column(String(16), default="alert")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))  # email address, E.164 phone or URL
    payload: Mapped[dict] = mapped_column(default=dict)  # {subject, text, html, sms, headers, ...}
    fallback: Mapped[list] = mapped_column(default=list)  # channels still to try if this one fails for good
    fallback_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued|sending|sent|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column()
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    provider_message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))  # a reason, never a secret or a body
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class DeliveryEvent(Base):
    """The delivery log: one row per thing that happened to an outbox message."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # queued|claimed|sent|retry|failed|fallback|delivered|bounced
    status: Mapped[str] = mapped_column(String(12))  # the message's status after this event
    detail: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """A message received from a channel (an SMS reply posted by the provider, a bounce): kept so that the
    check-ins code can read and answer it (``handled_by`` / ``handled_at`` say who did)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id", name="uq_inbound_messages_provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_FK, ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(200))  # E.164 phone or email address
    body: Mapped[str] = mapped_column(Text, default="")
    provider_message_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(200))


class AlertCursor(Base):
    """Where a consumer of other domains' changes got to (flows.py): ``incidents`` (the last ``updated_at``
    seen, re-read with an overlap: processing is idempotent) and ``risk_events`` (the last id)."""

    __tablename__ = "alert_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
