"""The only place with SQL for alerts: rules, alerts, recipients, the outbox, the delivery log.

Functions that read or write an organisation's data take an ``OrgScope`` and filter by ``scope.org_id``; a
record of another organisation is ``NotFound`` (404). The dispatcher's functions (claim, mark) work across
organisations on ids it claimed: they are the system's, not a user's, and are never reached from the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.orm import Session

from vedette.alerts.models import (
    Alert,
    AlertRecipient,
    AlertRule,
    AlertSettings,
    DeliveryEvent,
    InboundMessage,
    OutboxMessage,
)
from vedette.errors import NotFound
from vedette.people.models import Person
from vedette.tenancy.scope import OrgScope

T = TypeVar("T")


def _get(session: Session, scope: OrgScope, model: type[T], obj_id: int, what: str) -> T:
    obj = session.scalar(select(model).where(model.id == obj_id, model.organisation_id == scope.org_id))
    if obj is None:
        raise NotFound(f"no {what} {obj_id}", item=str(obj_id))
    return obj


# --- settings ---------------------------------------------------------------------------------------
def settings(session: Session, scope: OrgScope) -> AlertSettings:
    found = session.get(AlertSettings, scope.org_id)
    if found is None:
        found = AlertSettings(organisation_id=scope.org_id, approval_threshold=_default_threshold(),
                              default_channels=["email", "sms"], public_feed=False)
    return found


def _default_threshold() -> int:
    from vedette.config import get_settings

    return get_settings().alerts_approval_threshold


def save_settings(session: Session, scope: OrgScope, **values: object) -> AlertSettings:
    found = session.get(AlertSettings, scope.org_id)
    if found is None:
        found = settings(session, scope)
        session.add(found)
    for k, v in values.items():
        setattr(found, k, v)
    session.flush()
    return found


def settings_by_feed_token_hash(session: Session, digest: str) -> AlertSettings | None:
    return session.scalar(select(AlertSettings).where(AlertSettings.feed_token_hash == digest))


# --- rules ------------------------------------------------------------------------------------------
def get_rule(session: Session, scope: OrgScope, rule_id: int) -> AlertRule:
    return _get(session, scope, AlertRule, rule_id, "rule")


def list_rules(session: Session, scope: OrgScope, *, enabled: bool | None = None) -> list[AlertRule]:
    q = select(AlertRule).where(AlertRule.organisation_id == scope.org_id)
    if enabled is not None:
        q = q.where(AlertRule.enabled == enabled)
    return list(session.scalars(q.order_by(AlertRule.id)))


def orgs_with_rules(session: Session, event_kind: str) -> list[int]:
    """Organisations with an enabled rule (the flows then act for each through a scope of its own)."""
    rows = session.execute(select(AlertRule.organisation_id, AlertRule.event_kinds).where(AlertRule.enabled))
    return sorted({org for org, kinds in rows if event_kind in (kinds or [])})


# --- alerts -----------------------------------------------------------------------------------------
def get_alert(session: Session, scope: OrgScope, alert_id: int) -> Alert:
    return _get(session, scope, Alert, alert_id, "alert")


def list_alerts(session: Session, scope: OrgScope, *, status: str | None = None, limit: int = 100,
                before_id: int | None = None) -> list[Alert]:
    q = select(Alert).where(Alert.organisation_id == scope.org_id)
    if status:
        q = q.where(Alert.status == status)
    if before_id:
        q = q.where(Alert.id < before_id)
    return list(session.scalars(q.order_by(Alert.id.desc()).limit(limit)))


def thread_alerts(session: Session, scope: OrgScope, thread_keys: Sequence[str]) -> list[Alert]:
    """Sent alerts of these threads (oldest first)."""
    if not thread_keys:
        return []
    return list(session.scalars(
        select(Alert).where(Alert.organisation_id == scope.org_id, Alert.thread_key.in_(list(thread_keys)),
                            Alert.status == "sent").order_by(Alert.id)
    ))


def alerted_people(session: Session, scope: OrgScope, alert_ids: Sequence[int]) -> set[int]:
    if not alert_ids:
        return set()
    return set(session.scalars(
        select(AlertRecipient.person_id).where(AlertRecipient.organisation_id == scope.org_id,
                                               AlertRecipient.alert_id.in_(list(alert_ids)),
                                               AlertRecipient.person_id.is_not(None))
    ))


def recipients(session: Session, scope: OrgScope, alert_id: int) -> list[AlertRecipient]:
    return list(session.scalars(
        select(AlertRecipient).where(AlertRecipient.organisation_id == scope.org_id,
                                     AlertRecipient.alert_id == alert_id).order_by(AlertRecipient.id)
    ))


def public_alerts(session: Session, scope: OrgScope | None, limit: int = 50) -> list[Alert]:
    """Sent alerts of one organisation (its feed) or, with no scope, the public ones of organisations that
    publish (the public feed)."""
    q = select(Alert).where(Alert.status == "sent")
    if scope is not None:
        q = q.where(Alert.organisation_id == scope.org_id)
    else:
        q = q.join(AlertSettings, AlertSettings.organisation_id == Alert.organisation_id).where(
            Alert.public, AlertSettings.public_feed
        )
    return list(session.scalars(q.order_by(Alert.id.desc()).limit(limit)))


# --- people -----------------------------------------------------------------------------------------
def people(session: Session, scope: OrgScope, ids: Iterable[int]) -> dict[int, Person]:
    ids = list(set(ids))
    out: dict[int, Person] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for p in session.scalars(select(Person).where(Person.organisation_id == scope.org_id,
                                                      Person.id.in_(chunk))):
            out[p.id] = p
    return out


def people_matching(session: Session, scope: OrgScope, *, tags: Sequence[str] = (), ids: Sequence[int] = ()
                    ) -> list[Person]:
    q = select(Person).where(Person.organisation_id == scope.org_id)
    found = list(session.scalars(q.order_by(Person.id)))
    if ids:
        wanted = set(ids)
        found = [p for p in found if p.id in wanted]
    if tags:
        tagset = set(tags)
        found = [p for p in found if tagset & set(p.tags or [])]
    return found


# --- outbox -----------------------------------------------------------------------------------------
def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(keys), 500):
        out.update(session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(keys[i:i + 500]))))
    return out


def get_message(session: Session, scope: OrgScope, message_id: int) -> OutboxMessage:
    return _get(session, scope, OutboxMessage, message_id, "message")


def list_messages(session: Session, scope: OrgScope, *, alert_id: int | None = None, status: str | None = None,
                  channel: str | None = None, local_only: bool = False, limit: int = 100,
                  before_id: int | None = None) -> list[OutboxMessage]:
    q = select(OutboxMessage).where(OutboxMessage.organisation_id == scope.org_id)
    if alert_id is not None:
        q = q.where(OutboxMessage.alert_id == alert_id)
    if status:
        q = q.where(OutboxMessage.status == status)
    if channel:
        q = q.where(OutboxMessage.channel == channel)
    if local_only:
        q = q.where(OutboxMessage.provider_message_id.like("local:%"))
    if before_id:
        q = q.where(OutboxMessage.id < before_id)
    return list(session.scalars(q.order_by(OutboxMessage.id.desc()).limit(limit)))


def status_counts(session: Session, scope: OrgScope, alert_id: int | None = None) -> dict[str, int]:
    q = select(OutboxMessage.status, func.count()).where(OutboxMessage.organisation_id == scope.org_id)
    if alert_id is not None:
        q = q.where(OutboxMessage.alert_id == alert_id)
    return {s: n for s, n in session.execute(q.group_by(OutboxMessage.status))}


def events_of(session: Session, scope: OrgScope, message_id: int) -> list[DeliveryEvent]:
    return list(session.scalars(
        select(DeliveryEvent).where(DeliveryEvent.organisation_id == scope.org_id,
                                    DeliveryEvent.message_id == message_id).order_by(DeliveryEvent.id)
    ))


# --- the dispatcher's (system) functions -------------------------------------------------------------
def claim(session: Session, now: datetime, lease_until: datetime, owner: str, limit: int,
          channels: Sequence[str] | None = None) -> list[OutboxMessage]:
    """Due messages (queued and due, or sending with a lapsed lease), leased to ``owner``.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` so concurrent dispatchers take
    different rows; on SQLite the caller holds the write lock (``BEGIN IMMEDIATE``) for the claim."""
    due = (
        (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now)
    ) | ((OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now))
    q = select(OutboxMessage).where(due)
    if channels:
        q = q.where(OutboxMessage.channel.in_(list(channels)))
    q = q.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(session.scalars(q))
    if rows:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])).values(
                status="sending", lease_until=lease_until, lease_owner=owner, attempts=OutboxMessage.attempts + 1
            ).execution_options(synchronize_session=False)
        )
        for r in rows:
            r.status, r.lease_until, r.lease_owner, r.attempts = "sending", lease_until, owner, r.attempts + 1
    return rows


def messages_by_ids(session: Session, ids: Sequence[int]) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(list(ids)))))


def message_by_provider_id(session: Session, channel: str, provider_id: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_id,
                                                      OutboxMessage.channel == channel))


def message_by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def inbound_exists(session: Session, channel: str, provider_id: str) -> bool:
    found = session.scalar(select(InboundMessage.id).where(InboundMessage.channel == channel,
                                                           InboundMessage.provider_message_id == provider_id))
    return found is not None


def person_by_phone(session: Session, phone: str) -> list[Person]:
    """People whose phones include ``phone`` (any organisation: an inbound SMS names no organisation)."""
    found = session.scalars(select(Person).where(cast(Person.phones, String).like(f'%"{phone}"%')))
    return [p for p in found if phone in (p.phones or [])]
