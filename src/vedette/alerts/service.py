"""Alerts: rules, alerts and their life, approval, and the transactional outbox's writing side.

Every function takes the ``OrgScope`` it acts in and writes in the caller's transaction (nothing here
commits). The outbox's sending side is ``outbox.py`` (claim, record) and ``dispatcher.py`` (channels).

The interface other domains use (see notes/alerts.md):

- :func:`queue_messages` writes outbox rows for people on channels, in the caller's transaction.
- :func:`register_payload_hook` adds fields to every message's template context (check-in links).
- :func:`register_inbound_handler` is called for each inbound message (SMS replies) after it is stored.
- :func:`record_event` appends to the delivery log.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from vedette.alerts import render as render_mod
from vedette.alerts import repository as repo
from vedette.alerts.models import (
    CHANNELS,
    Alert,
    AlertRecipient,
    AlertRule,
    DeliveryEvent,
    InboundMessage,
    OutboxMessage,
)
from vedette.errors import BadInput, Conflict
from vedette.people.models import Person
from vedette.tenancy.scope import OrgScope

log = logging.getLogger("vedette.alerts")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _audit(session: Session, scope: OrgScope, action: str, target_type: str, target_id: int | str | None,
           **detail: object) -> None:
    from vedette.tenancy import audit

    audit.record(session, action, scope=scope, target_type=target_type, target_id=target_id, detail=detail)


def actor_of(scope: OrgScope) -> str:
    return f"{scope.actor}:{scope.user_id}" if scope.user_id is not None else scope.actor


# --- identities ---------------------------------------------------------------------------------------
def idempotency_key(alert_id: int | str, person_id: int | None, channel: str, step: int = 0,
                    purpose: str = "alert") -> str:
    """One key per (event, person, channel, ladder step): the outbox's UNIQUE column. ``purpose`` other
    than "alert" (a reminder, an escalation to a manager, a confirmation) is part of the key."""
    base = f"a{alert_id}.p{person_id if person_id is not None else '-'}.{channel}.s{step}"
    return base if purpose == "alert" else f"{base}.{purpose}"


def message_id_header(key: str) -> str:
    """The stable RFC 5322 Message-ID of an email: the same for every attempt of one outbox row, so a
    receiver drops a copy sent again after a crash."""
    from vedette.config import get_settings

    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{get_settings().alerts_mail_domain}>"


# --- hooks --------------------------------------------------------------------------------------------
PayloadHook = Callable[[Session, OrgScope, Alert | None, Person, str, int, str], dict]
InboundHandler = Callable[[Session, InboundMessage], str | None]
_payload_hooks: list[PayloadHook] = []
_inbound_handlers: list[InboundHandler] = []


def register_payload_hook(fn: PayloadHook) -> PayloadHook:
    """``fn(session, scope, alert, person, channel, step, key) -> dict`` of extra template context for the
    message to ``person`` on ``channel`` (e.g. ``{"checkin_url": ..., "sms_keywords": "SAFE or HELP"}``).
    Called inside :func:`queue_messages`, in its transaction. Registering twice is a no-op."""
    if fn not in _payload_hooks:
        _payload_hooks.append(fn)
    return fn


def register_inbound_handler(fn: InboundHandler) -> InboundHandler:
    """``fn(session, inbound) -> result or None``: called for each new inbound message (in the receiving
    request's transaction); the first non-None result is stored as ``inbound.result``."""
    if fn not in _inbound_handlers:
        _inbound_handlers.append(fn)
    return fn


# --- recipients and addresses -----------------------------------------------------------------------
@dataclass
class Recipient:
    """A person to write to, why, and extra template context (e.g. ``{"about": "<name>"}`` for a manager)."""

    person: Person
    reason: str = ""
    context: dict = field(default_factory=dict)
    language: str | None = None


def address_for(person: Person, channel: str, webhook_url: str | None = None) -> str | None:
    if channel == "email":
        return next((e for e in (person.emails or []) if isinstance(e, str) and "@" in e), None)
    if channel == "sms":
        return next((p for p in (person.phones or []) if isinstance(p, str) and p.startswith("+")), None)
    if channel == "webhook":
        return webhook_url or None
    if channel == "local":
        return "local"
    return None


def _as_recipient(r: Person | Recipient | AlertRecipient, people: dict[int, Person]) -> Recipient | None:
    if isinstance(r, Recipient):
        return r
    if isinstance(r, Person):
        return Recipient(r)
    person = people.get(r.person_id) if r.person_id is not None else None
    return None if person is None else Recipient(person, r.reason or "", {}, r.language)


def _alert_ctx(alert: Alert | None, org_slug: str) -> dict:
    if alert is None:
        return {"alert": {"msg_type": "alert", "all_clear": False}, "event": {}, "org": org_slug}
    return {
        "alert": {"id": alert.id, "msg_type": alert.msg_type, "all_clear": alert.all_clear,
                  "severity": alert.severity, "note": alert.note, "thread_key": alert.thread_key},
        "event": alert.event or {},
        "org": org_slug,
    }


def render_payload(channels: Sequence[str], parts: dict, alert: Alert | None, person: Person | None = None) -> dict:
    """What the channels (the row's and its fallbacks) need of a rendered message, and only that: an SMS
    row carries no mail body. The email's Message-ID is derived from the row's key when sent."""
    base: dict[str, Any] = {"language": parts.get("language", "en")}
    for channel in channels:
        if channel in ("email", "local", "webhook"):
            base.update(subject=parts["subject"], text=parts["text"])
        if channel in ("email", "local"):
            base["html"] = parts["html"]
        if channel in ("sms", "local"):
            base["sms"] = parts["sms"]
        if channel == "webhook" and person is not None:
            base["person"] = {"id": person.id, "external_id": person.external_id}
    if alert is not None:
        base["alert"] = {"id": alert.id, "msg_type": alert.msg_type, "thread_key": alert.thread_key,
                         "event_kind": alert.event_kind, "severity": alert.severity}
    return base


def queue_messages(
    session: Session,
    scope: OrgScope,
    alert: Alert | None,
    recipients: Iterable[Person | Recipient | AlertRecipient],
    channels: Sequence[str],
    step: int = 0,
    *,
    purpose: str = "alert",
    mode: str = "fallback",
    template: str | None = None,
    context: dict | None = None,
    event_key: str | None = None,
    delay_s: float = 0.0,
) -> list[OutboxMessage]:
    """Write the outbox rows for ``recipients`` on ``channels`` in the caller's transaction (no commit).

    - ``mode="fallback"`` (default): one message per person on the first of ``channels`` it can be
      reached on; the others it can be reached on become that row's ``fallback`` (tried in order if it
      fails for good). ``mode="all"``: one message per person per channel it can be reached on, at once.
    - A person reachable on none of the channels gets one ``failed`` row (channel "none", reason "no valid
      contact"), visible in the log and on the board; nothing else stops.
    - Idempotent: the key is :func:`idempotency_key` (alert or ``event_key``, person, channel, ``step``,
      ``purpose``); a row whose key exists is not written again (returned rows are the new ones).
    - Messages are rendered now from ``template`` (default: the alert's) in each person's language (or the
      alert's), with the payload hooks' extra context; ``delay_s`` puts the first attempt later (a ladder
      step's deadline is better kept by the scheduler calling this at the time).
    """
    if mode not in ("fallback", "all"):
        raise BadInput("mode is 'fallback' or 'all'", item="mode")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise BadInput(f"unknown channels {unknown}" if unknown else "no channel", item="channels")
    if alert is not None and alert.organisation_id != scope.org_id:
        raise BadInput("the alert is not the scope's", item="alert")
    subject_key = event_key or (str(alert.id) if alert is not None else None)
    if subject_key is None:
        raise BadInput("an alert or an event_key is needed", item="event_key")
    tmpl = template or (alert.template if alert is not None else "adhoc")
    cfg = repo.settings(session, scope)
    recips_in = list(recipients)
    need = [r.person_id for r in recips_in if isinstance(r, AlertRecipient) and r.person_id is not None]
    people = repo.people(session, scope, need) if need else {}
    plan: list[tuple[Recipient, str, str | None, list[str]]] = []  # (recipient, channel, address, fallback)
    for raw in recips_in:
        rec = _as_recipient(raw, people)
        if rec is None or rec.person.organisation_id != scope.org_id:
            continue
        reachable = [(c, a) for c in channels if (a := address_for(rec.person, c, cfg.webhook_url))]
        if not reachable:
            plan.append((rec, "none", None, []))
        elif mode == "all":
            plan.extend((rec, c, a, []) for c, a in reachable)
        else:
            plan.append((rec, reachable[0][0], reachable[0][1], [c for c, _ in reachable[1:]]))
    keys = [idempotency_key(subject_key, rec.person.id, ch, step, purpose) for rec, ch, _, _ in plan]
    seen = repo.existing_keys(session, keys)
    base_ctx = {**_alert_ctx(alert, scope.org_slug), **(context or {})}
    lang_default = alert.language if alert is not None else None
    now = now_utc()
    due = now if not delay_s else datetime.fromtimestamp(now.timestamp() + delay_s, UTC)
    rows: list[OutboxMessage] = []
    cache: dict[tuple, dict] = {}
    for (rec, ch, addr, fallback), key in zip(plan, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        lang = rec.language or lang_default or rec.person.language or "en"
        if ch == "none":
            row = OutboxMessage(
                organisation_id=scope.org_id, alert_id=alert.id if alert is not None else None,
                person_id=rec.person.id, channel="none", step=step, purpose=purpose, idempotency_key=key,
                address=None, payload={}, fallback=[], status="failed", attempts=0, next_attempt_at=now,
                last_error=f"no valid contact for {', '.join(channels)}", created_at=now, updated_at=now,
            )
            rows.append(row)
            continue
        ctx = {**base_ctx, **rec.context, "person": {"name": rec.person.name, "id": rec.person.id},
               "reason": rec.reason or None}
        for hook in _payload_hooks:
            ctx.update(hook(session, scope, alert, rec.person, ch, step, key) or {})
        cache_key = (lang, rec.person.name, rec.reason, tuple(sorted((k, str(v)) for k, v in rec.context.items())),
                     ctx.get("checkin_url"), ctx.get("sms_keywords"))
        parts = cache.get(cache_key)
        if parts is None:
            parts = render_mod.render(tmpl, lang, ctx)
            if len(cache) < 1000:
                cache[cache_key] = parts
        rows.append(OutboxMessage(
            organisation_id=scope.org_id, alert_id=alert.id if alert is not None else None,
            person_id=rec.person.id, channel=ch, step=step, purpose=purpose, idempotency_key=key,
            address=addr, payload=render_payload([ch, *fallback], parts, alert, rec.person), fallback=fallback,
            status="queued", attempts=0, next_attempt_at=due, created_at=now, updated_at=now,
        ))
    if rows:
        session.add_all(rows)
        session.flush()
        session.add_all([
            DeliveryEvent(organisation_id=scope.org_id, message_id=r.id, kind="queued" if r.status == "queued"
                          else "failed", status=r.status, detail=r.last_error, at=now)
            for r in rows
        ])
        session.flush()
    return rows


def record_event(session: Session, msg: OutboxMessage, kind: str, detail: str | None = None,
                 provider_message_id: str | None = None, at: datetime | None = None) -> DeliveryEvent:
    """Append to the delivery log (``detail``: a reason, never a secret or a body)."""
    ev = DeliveryEvent(organisation_id=msg.organisation_id, message_id=msg.id, kind=kind, status=msg.status,
                       detail=(detail or None) and detail[:500], provider_message_id=provider_message_id,
                       at=at or now_utc())
    session.add(ev)
    return ev


def store_inbound(session: Session, channel: str, provider_id: str, sender: str, body: str) -> dict:
    """Keep an inbound message once per provider id (a provider's retry is a duplicate), tied to the person
    whose phone sent it (the one most recently written to on that channel when several share it), then
    hand it to the inbound handlers. Never logs the body."""
    from sqlalchemy import func, select

    if repo.inbound_exists(session, channel, provider_id):
        return {"stored": False, "duplicate": True, "result": None}
    person = None
    candidates = repo.person_by_phone(session, sender) if channel == "sms" else []
    if len(candidates) == 1:
        person = candidates[0]
    elif candidates:
        last = dict(session.execute(
            select(OutboxMessage.person_id, func.max(OutboxMessage.id))
            .where(OutboxMessage.person_id.in_([p.id for p in candidates]), OutboxMessage.channel == channel)
            .group_by(OutboxMessage.person_id)).all())
        person = max(candidates, key=lambda p: last.get(p.id) or 0)
    row = InboundMessage(organisation_id=person.organisation_id if person else None,
                         person_id=person.id if person else None, channel=channel, sender=sender[:200],
                         body=body[:2000], provider_message_id=provider_id[:200], received_at=now_utc())
    session.add(row)
    session.flush()
    result = None
    for handler in _inbound_handlers:
        try:
            got = handler(session, row)
        except Exception as exc:  # noqa: BLE001 - a handler's failure is logged, never stops the store
            log.warning("inbound handler %s failed on message %s: %s", getattr(handler, "__name__", "?"),
                        row.id, type(exc).__name__)
            continue
        if got is not None and result is None:
            result = got
    row.result = (result or None) and str(result)[:200]
    if result is not None:
        row.handled_at = now_utc()
    log.info("inbound %s message %s from a %s sender: %s", channel, row.id,
             "known" if person else "unknown", row.result or "no handler answered")
    return {"stored": True, "duplicate": False, "id": row.id, "person_known": person is not None,
            "result": row.result}


def new_adhoc_key() -> str:
    return f"adhoc:{uuid.uuid4().hex}"


# --- rules ------------------------------------------------------------------------------------------
RULE_FIELDS = ("name", "enabled", "event_kinds", "categories", "min_severity", "statuses", "min_confidence",
               "radius_km", "countries", "regions", "min_level", "tags", "channels", "language", "template",
               "public")


RULE_REQUIRED = frozenset({"name", "enabled", "event_kinds", "categories", "statuses", "countries", "regions",
                           "tags", "channels", "public"})


def create_rule(session: Session, scope: OrgScope, values: dict) -> AlertRule:
    rule = AlertRule(organisation_id=scope.org_id, created_by=actor_of(scope),
                     **{k: v for k, v in values.items() if k in RULE_FIELDS and v is not None})
    session.add(rule)
    session.flush()
    _audit(session, scope, "alerts.rule.create", "alert_rule", rule.id)
    return rule


def update_rule(session: Session, scope: OrgScope, rule_id: int, values: dict) -> AlertRule:
    rule = repo.get_rule(session, scope, rule_id)
    for k, v in values.items():
        if k in RULE_FIELDS and not (v is None and k in RULE_REQUIRED):  # null clears thresholds only
            setattr(rule, k, v)
    session.flush()
    _audit(session, scope, "alerts.rule.update", "alert_rule", rule.id, fields=sorted(values))
    return rule


def delete_rule(session: Session, scope: OrgScope, rule_id: int) -> None:
    rule = repo.get_rule(session, scope, rule_id)
    session.delete(rule)
    session.flush()
    _audit(session, scope, "alerts.rule.delete", "alert_rule", rule_id)


# --- alerts: draft, preview, approval, sending, follow-ups -----------------------------------------
def _render_content(template: str, alert_ctx: dict, languages: Iterable[str]) -> dict:
    return {lang: render_mod.render(template, lang, alert_ctx) for lang in languages}


def draft_alert(
    session: Session,
    scope: OrgScope,
    *,
    event_kind: str,
    event_id: str,
    thread_key: str,
    template: str,
    event: dict,
    recipients: Sequence[Recipient],
    channels: Sequence[str],
    language: str | None = None,
    note: str | None = None,
    rule: AlertRule | None = None,
    msg_type: str = "alert",
    references: Alert | None = None,
    all_clear: bool = False,
    public: bool = False,
    severity: int | None = None,
    created_by: str | None = None,
) -> Alert:
    """A draft alert and its recipients (one per person), with its content previewed in en and fr."""
    if not channels or any(c not in CHANNELS for c in channels):
        raise BadInput(f"channels: one or more of {list(CHANNELS)}", item="channels")
    if language not in (None, *render_mod.LANGUAGES):
        raise BadInput("language: en or fr", item="language")
    if template not in render_mod.template_names():
        raise BadInput(f"no template '{template}'", item="template")
    alert = Alert(
        organisation_id=scope.org_id, rule_id=rule.id if rule is not None else None, event_kind=event_kind,
        event_id=str(event_id)[:120], thread_key=thread_key[:160], msg_type=msg_type, all_clear=all_clear,
        references_id=references.id if references is not None else None,
        thread_id=(references.thread_id or references.id) if references is not None else None,
        status="draft", language=language, template=template, severity=severity, event=event, note=note,
        channels=list(channels), public=public, created_by=created_by or actor_of(scope),
        created_by_user_id=scope.user_id,
    )
    session.add(alert)
    session.flush()
    seen: set[int] = set()
    rows = []
    for r in recipients:
        if r.person.id in seen or r.person.organisation_id != scope.org_id:
            continue
        seen.add(r.person.id)
        rows.append(AlertRecipient(organisation_id=scope.org_id, alert_id=alert.id, person_id=r.person.id,
                                   reason=(r.reason or "")[:2000], reason_data=r.context.get("reason_data", {}),
                                   language=r.language or language or r.person.language or "en"))
    session.add_all(rows)
    alert.recipient_count = len(rows)
    alert.content = _render_content(template, _alert_ctx(alert, scope.org_slug), render_mod.LANGUAGES)
    session.flush()
    _audit(session, scope, "alerts.alert.draft", "alert", alert.id, recipients=len(rows), msg_type=msg_type)
    return alert


def needs_approval(session: Session, scope: OrgScope, alert: Alert) -> bool:
    return alert.recipient_count > repo.settings(session, scope).approval_threshold and alert.approved_at is None


def preview(session: Session, scope: OrgScope, alert_id: int) -> dict:
    """What the alert will say (en and fr, and for its first recipients as they will read it), to whom
    (counts), and whether a second person must approve it."""
    alert = repo.get_alert(session, scope, alert_id)
    recips = repo.recipients(session, scope, alert.id)
    people = repo.people(session, scope, [r.person_id for r in recips[:3] if r.person_id is not None])
    samples = []
    for r in recips[:3]:
        p = people.get(r.person_id)
        if p is None:
            continue
        ctx = {**_alert_ctx(alert, scope.org_slug), "person": {"name": p.name, "id": p.id}, "reason": r.reason}
        samples.append({"person_id": p.id, "language": r.language,
                        **render_mod.render(alert.template, r.language, ctx)})
    return {"alert_id": alert.id, "status": alert.status, "msg_type": alert.msg_type,
            "content": alert.content, "samples": samples, "recipients": alert.recipient_count,
            "channels": alert.channels, "needs_approval": needs_approval(session, scope, alert),
            "approval_threshold": repo.settings(session, scope).approval_threshold}


def send_alert(session: Session, scope: OrgScope, alert_id: int) -> Alert:
    """Send a draft: above the approval threshold it waits for a second person (pending_approval);
    otherwise its messages are queued in this transaction and it is ``sent``."""
    alert = repo.get_alert(session, scope, alert_id)
    if alert.status not in ("draft", "pending_approval"):
        raise Conflict(f"alert {alert.id} is {alert.status}", item=f"alert {alert.id}")
    if needs_approval(session, scope, alert):
        alert.status = "pending_approval"
        session.flush()
        _audit(session, scope, "alerts.alert.submit", "alert", alert.id, recipients=alert.recipient_count)
        return alert
    return _dispatch(session, scope, alert)


def approve(session: Session, scope: OrgScope, alert_id: int) -> Alert:
    """A second person approves (never the one who drafted it); the alert is then sent."""
    alert = repo.get_alert(session, scope, alert_id)
    if alert.status != "pending_approval":
        raise Conflict(f"alert {alert.id} is {alert.status}, not waiting for approval", item=f"alert {alert.id}")
    me = actor_of(scope)
    if (scope.user_id is not None and scope.user_id == alert.created_by_user_id) or me == alert.created_by:
        raise Conflict("a second person must approve this alert", item="approved_by")
    alert.approved_by, alert.approved_by_user_id, alert.approved_at = me, scope.user_id, now_utc()
    _audit(session, scope, "alerts.alert.approve", "alert", alert.id, recipients=alert.recipient_count)
    return _dispatch(session, scope, alert)


def discard(session: Session, scope: OrgScope, alert_id: int) -> Alert:
    alert = repo.get_alert(session, scope, alert_id)
    if alert.status not in ("draft", "pending_approval"):
        raise Conflict(f"alert {alert.id} is {alert.status}: send a cancel instead", item=f"alert {alert.id}")
    alert.status = "cancelled"
    session.flush()
    _audit(session, scope, "alerts.alert.discard", "alert", alert.id)
    return alert


def _dispatch(session: Session, scope: OrgScope, alert: Alert) -> Alert:
    from vedette.alerts.ladder import first_step_mode

    recips = repo.recipients(session, scope, alert.id)
    # the organisation's ladder says whether step 0 goes on every channel at once ("email and SMS at once")
    # or on the first channel that reaches each person, the others kept as fallbacks
    queue_messages(session, scope, alert, recips, alert.channels or ["email"], mode=first_step_mode(session, scope))
    alert.status, alert.sent_at = "sent", now_utc()
    if alert.thread_id is None:
        alert.thread_id = alert.id
    session.flush()
    _audit(session, scope, "alerts.alert.send", "alert", alert.id, recipients=alert.recipient_count)
    return alert


def thread_recipients(session: Session, scope: OrgScope, thread_keys: Sequence[str]) -> list[AlertRecipient]:
    """Everyone alerted so far in these threads (one row per person: the latest)."""
    alerts = repo.thread_alerts(session, scope, thread_keys)
    out: dict[int, AlertRecipient] = {}
    for a in alerts:
        for r in repo.recipients(session, scope, a.id):
            if r.person_id is not None:
                out[r.person_id] = r
    return list(out.values())


def follow_up(session: Session, scope: OrgScope, alert_id: int, msg_type: str, *, all_clear: bool = False,
              note: str | None = None, event: dict | None = None, send: bool = True,
              extra: Sequence[Recipient] = (), thread_keys: Sequence[str] | None = None) -> Alert:
    """An update (``all_clear`` for the end of the danger) or a cancel of a sent alert, to everyone its
    thread reached so far (plus ``extra`` people), referring to it (CAP msgType Update / Cancel)."""
    if msg_type not in ("update", "cancel"):
        raise BadInput("msg_type: update or cancel", item="msg_type")
    prior = repo.get_alert(session, scope, alert_id)
    if prior.status != "sent":
        raise Conflict(f"alert {prior.id} is {prior.status}: only a sent alert has follow-ups", item="alert")
    keys = list(thread_keys or [prior.thread_key])
    latest = repo.thread_alerts(session, scope, keys)[-1]
    if latest.msg_type == "cancel":
        raise Conflict(f"the alert's thread was cancelled (alert {latest.id})", item="alert")
    people = {r.person_id: r for r in thread_recipients(session, scope, keys)}
    persons = repo.people(session, scope, people)
    recips = [Recipient(persons[pid], r.reason, {}, r.language) for pid, r in people.items() if pid in persons]
    recips += [r for r in extra if r.person.id not in people]
    alert = draft_alert(
        session, scope, event_kind=prior.event_kind, event_id=prior.event_id, thread_key=latest.thread_key,
        template=prior.template, event=event if event is not None else prior.event, recipients=recips,
        channels=prior.channels, language=prior.language, note=note, msg_type=msg_type, references=latest,
        all_clear=all_clear, public=prior.public, severity=(event or prior.event or {}).get("severity",
                                                                                          prior.severity),
    )
    alert.approved_at = alert.approved_at or now_utc()  # the same people as the approved alert: no new approval
    alert.approved_by = alert.approved_by or "thread"
    return _dispatch(session, scope, alert) if send else alert


__all__ = [
    "Alert", "AlertRule", "Recipient", "Conflict", "queue_messages", "idempotency_key", "message_id_header",
    "register_payload_hook", "register_inbound_handler", "record_event", "address_for",
]
