"""HTTP routes of alerts: rules, alerts (ad-hoc, preview, send, approve, update, cancel, all-clear), the outbox
and delivery log (the local outbox's messages shown whole), settings, feeds (CAP 1.2 and Atom), and the
callbacks of providers (SMS receipts and inbound messages, email bounces: signed with HMAC-SHA256).

``install(app, signed_in)`` (one line in web/app.py) includes the signed-in router, the public one (feeds
reached with a token, the public feed, signed callbacks: listed in tenancy.deps.PUBLIC_ROUTES) and starts the
in-process dispatcher with the app when no broker is configured.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import message_from_bytes
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Path, Query, Request, Response
from sqlalchemy.orm import Session

from vedette.alerts import feeds, flows, outbox, service, signing
from vedette.alerts import repository as repo
from vedette.alerts.models import InboundMessage
from vedette.alerts.schemas import (
    AdhocIn,
    AlertOut,
    DeliveryEventOut,
    FollowUpIn,
    MessageOut,
    OutboxPage,
    PreviewOut,
    RecipientOut,
    RuleIn,
    RuleOut,
    RulePatch,
    SecretOut,
    SettingsIn,
    SettingsOut,
)
from vedette.bounds import MAX_ID, responses
from vedette.errors import VedetteError
from vedette.store.deps import get_session
from vedette.tenancy.authz import Unauthenticated, cli_scope
from vedette.tenancy.deps import org_scope, requires
from vedette.tenancy.scope import OrgScope

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=responses(401, 403))
public = APIRouter(prefix="/alerts", tags=["alerts"])
ERRORS = responses(404, 409, 422)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
XML = "application/xml"


# --- rules ------------------------------------------------------------------------------------------
@router.get("/rules", response_model=list[RuleOut])
def list_rules(scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> list:
    return [RuleOut.model_validate(r) for r in repo.list_rules(session, scope)]


@router.post("/rules", response_model=RuleOut, status_code=201, responses=ERRORS)
def create_rule(body: RuleIn, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):  # noqa: ANN201
    return RuleOut.model_validate(service.create_rule(session, scope, body.model_dump()))


@router.get("/rules/{rule_id}", response_model=RuleOut, responses=ERRORS)
def get_rule(rule_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):  # noqa: ANN201
    return RuleOut.model_validate(repo.get_rule(session, scope, rule_id))


@router.patch("/rules/{rule_id}", response_model=RuleOut, responses=ERRORS)
def patch_rule(rule_id: Id, body: RulePatch, scope: OrgScope = Depends(org_scope),  # noqa: ANN201
               session: Session = Depends(get_session)):
    return RuleOut.model_validate(service.update_rule(session, scope, rule_id, body.model_dump(exclude_unset=True)))


@router.delete("/rules/{rule_id}", status_code=204, responses=ERRORS)
def delete_rule(rule_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> Response:
    service.delete_rule(session, scope, rule_id)
    return Response(status_code=204)


# --- alerts -----------------------------------------------------------------------------------------
@router.get("", response_model=list[AlertOut])
def list_alerts(status: str | None = Query(None, max_length=20), limit: int = Query(100, ge=1, le=500),
                before_id: int | None = Query(None, ge=1, le=MAX_ID), scope: OrgScope = Depends(org_scope),
                session: Session = Depends(get_session)) -> list:
    return [AlertOut.model_validate(a) for a in repo.list_alerts(session, scope, status=status, limit=limit,
                                                                  before_id=before_id)]


@router.post("", response_model=AlertOut, status_code=201, responses=ERRORS)
def adhoc(body: AdhocIn, background: BackgroundTasks, scope: OrgScope = Depends(org_scope),  # noqa: ANN201
          session: Session = Depends(get_session)):
    """An ad-hoc alert drafted for the people chosen (previewed with GET .../preview, then sent)."""
    recips = flows.adhoc_recipients(session, scope, tags=body.tags, countries=body.countries,
                                    regions=body.regions, polygon=body.polygon, person_ids=body.person_ids)
    if not recips:
        from vedette.errors import BadInput

        raise BadInput("nobody matches: choose people by tag, country, region, area or name", item="recipients")
    key = service.new_adhoc_key()
    event = {"kind": "adhoc", "headline": body.headline, "headline_fr": body.headline_fr or body.headline,
             "severity": body.severity, "countries": body.countries, "regions": body.regions}
    alert = service.draft_alert(session, scope, event_kind="adhoc", event_id=key.split(":", 1)[1], thread_key=key,
                                template="adhoc", event=event, recipients=recips, channels=body.channels,
                                language=body.language, note=body.note, public=body.public, severity=body.severity)
    if body.send:
        alert = service.send_alert(session, scope, alert.id)
        background.add_task(_kick)
    return AlertOut.model_validate(alert)


@router.get("/{alert_id}", response_model=AlertOut, responses=ERRORS)
def get_alert(alert_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):  # noqa: ANN201
    return AlertOut.model_validate(repo.get_alert(session, scope, alert_id))


@router.get("/{alert_id}/recipients", response_model=list[RecipientOut], responses=ERRORS)
def recipients(alert_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> list:
    repo.get_alert(session, scope, alert_id)
    return [RecipientOut.model_validate(r) for r in repo.recipients(session, scope, alert_id)]


@router.get("/{alert_id}/preview", response_model=PreviewOut, responses=ERRORS)
def preview(alert_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> dict:
    return service.preview(session, scope, alert_id)


@router.post("/{alert_id}/send", response_model=AlertOut, responses=ERRORS)
def send(alert_id: Id, background: BackgroundTasks, scope: OrgScope = Depends(org_scope),  # noqa: ANN201
         session: Session = Depends(get_session)):
    """Send a draft; above the approval threshold it waits for a second person (status pending_approval)."""
    background.add_task(_kick)
    return AlertOut.model_validate(service.send_alert(session, scope, alert_id))


@router.post("/{alert_id}/approve", response_model=AlertOut, responses=ERRORS)
def approve(alert_id: Id, background: BackgroundTasks, scope: OrgScope = Depends(org_scope),  # noqa: ANN201
            session: Session = Depends(get_session)):
    """A second person approves (409 for the one who drafted it); the alert is then sent."""
    background.add_task(_kick)
    return AlertOut.model_validate(service.approve(session, scope, alert_id))


@router.post("/{alert_id}/discard", response_model=AlertOut, responses=ERRORS)
def discard(alert_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):  # noqa: ANN201
    return AlertOut.model_validate(service.discard(session, scope, alert_id))


def _kick() -> None:
    """After the answer (the request's transaction committed): have the dispatcher look at once."""
    from vedette.alerts import tasks

    tasks.kick()


def _follow(session: Session, scope: OrgScope, alert_id: int, kind: str, all_clear: bool, body: FollowUpIn):  # noqa: ANN202
    return AlertOut.model_validate(service.follow_up(session, scope, alert_id, kind, all_clear=all_clear,
                                                     note=body.note))


@router.post("/{alert_id}/update", response_model=AlertOut, status_code=201, responses=ERRORS)
def update(alert_id: Id, body: FollowUpIn, background: BackgroundTasks,  # noqa: ANN201
           scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):
    """An update to everyone the alert's thread reached (CAP msgType Update)."""
    background.add_task(_kick)
    return _follow(session, scope, alert_id, "update", False, body)


@router.post("/{alert_id}/cancel", response_model=AlertOut, status_code=201, responses=ERRORS)
def cancel(alert_id: Id, body: FollowUpIn, background: BackgroundTasks,  # noqa: ANN201
           scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):
    """Withdraw a sent alert (CAP msgType Cancel), to the same people."""
    background.add_task(_kick)
    return _follow(session, scope, alert_id, "cancel", False, body)


@router.post("/{alert_id}/all-clear", response_model=AlertOut, status_code=201, responses=ERRORS)
def all_clear(alert_id: Id, body: FollowUpIn, background: BackgroundTasks,  # noqa: ANN201
              scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):
    """The danger has passed (CAP Update with responseType AllClear), to the same people."""
    background.add_task(_kick)
    return _follow(session, scope, alert_id, "update", True, body)


# --- outbox and delivery log ----------------------------------------------------------------------------
def _message(m, events=None) -> MessageOut:  # noqa: ANN001
    local = (m.provider_message_id or "").startswith("local:") or m.channel == "local"
    out = MessageOut.model_validate(m)
    out.local = local
    if local:
        p = m.payload or {}
        out.content = {k: p[k] for k in ("subject", "text", "html", "sms", "language") if k in p}
    if events is not None:
        out.events = [DeliveryEventOut.model_validate(e) for e in events]
    return out


@router.get("/outbox/messages", response_model=OutboxPage)
def messages(alert_id: int | None = Query(None, ge=1, le=MAX_ID), status: str | None = Query(None, max_length=12),
             channel: str | None = Query(None, max_length=16),
             local: bool = Query(False, description="Only messages kept in the local outbox (no SMTP/SMS set)"),
             limit: int = Query(100, ge=1, le=1000), before_id: int | None = Query(None, ge=1, le=MAX_ID),
             scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> OutboxPage:
    """The outbox and each message's delivery state (queued, sending, sent, delivered, failed with reason)."""
    rows = repo.list_messages(session, scope, alert_id=alert_id, status=status, channel=channel, local_only=local,
                              limit=limit, before_id=before_id)
    return OutboxPage(counts=repo.status_counts(session, scope, alert_id), messages=[_message(m) for m in rows])


@router.get("/outbox/messages/{message_id}", response_model=MessageOut, responses=ERRORS)
def message(message_id: Id, scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)):  # noqa: ANN201
    m = repo.get_message(session, scope, message_id)
    return _message(m, repo.events_of(session, scope, m.id))


@router.post("/outbox/dispatch", responses=ERRORS)
def dispatch_now(scope: OrgScope = Depends(requires("manage"))) -> dict:
    """Wake the dispatcher (in-process) or enqueue it (Celery): due messages are sent soon."""
    from vedette.alerts import tasks

    return {"queued": tasks.kick()}


# --- settings -----------------------------------------------------------------------------------------
def _settings_out(cfg) -> SettingsOut:  # noqa: ANN001
    return SettingsOut(approval_threshold=cfg.approval_threshold, default_channels=list(cfg.default_channels or []),
                       public_feed=bool(cfg.public_feed), webhook_url=cfg.webhook_url,
                       webhook_secret_set=bool(cfg.webhook_secret), feed_token_set=bool(cfg.feed_token_hash))


@router.get("/settings/current", response_model=SettingsOut)
def get_settings(scope: OrgScope = Depends(org_scope), session: Session = Depends(get_session)) -> SettingsOut:
    return _settings_out(repo.settings(session, scope))


@router.put("/settings/current", response_model=SettingsOut, responses=ERRORS)
def put_settings(body: SettingsIn, scope: OrgScope = Depends(requires("manage")),
                 session: Session = Depends(get_session)) -> SettingsOut:
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "webhook_url"}
    cfg = repo.save_settings(session, scope, **values)
    service._audit(session, scope, "alerts.settings", "organisation", scope.org_id, fields=sorted(values))
    return _settings_out(cfg)


@router.post("/settings/feed-token", response_model=SecretOut, responses=ERRORS)
def feed_token(request: Request, scope: OrgScope = Depends(requires("manage")),
               session: Session = Depends(get_session)) -> SecretOut:
    """A new feed token (the old one stops working), shown once."""
    token, digest = feeds.new_token()
    repo.save_settings(session, scope, feed_token_hash=digest)
    service._audit(session, scope, "alerts.feed_token", "organisation", scope.org_id)
    base = str(request.base_url).rstrip("/")
    return SecretOut(secret=token, url=f"{base}/api/alerts/feeds/{scope.org_slug}/atom.xml?token={token}")


@router.post("/settings/webhook-secret", response_model=SecretOut, responses=ERRORS)
def webhook_secret(scope: OrgScope = Depends(requires("manage")), session: Session = Depends(get_session)
                   ) -> SecretOut:
    """A new HMAC key for the organisation's webhooks, shown once (signatures: alerts/signing.py)."""
    import secrets as _secrets

    secret = "whsec_" + _secrets.token_urlsafe(32)
    repo.save_settings(session, scope, webhook_secret=secret)
    service._audit(session, scope, "alerts.webhook_secret", "organisation", scope.org_id)
    return SecretOut(secret=secret)


# --- feeds (public router: a feed token, or the public feed) -------------------------------------------
def _feed_scope(session: Session, slug: str, token: str | None) -> OrgScope:
    if not token:
        raise Unauthenticated("a feed token is needed (?token=)", item="token")
    cfg = repo.settings_by_feed_token_hash(session, feeds.token_hash(token))
    scope = None
    if cfg is not None:
        scope = cli_scope(session, slug) if _slug_of(session, cfg.organisation_id) == slug else None
    if scope is None:
        raise Unauthenticated("invalid feed token", item="token")
    return scope


def _slug_of(session: Session, org_id: int) -> str | None:
    from vedette.tenancy.models import Organisation

    org = session.get(Organisation, org_id)
    return org.slug if org is not None else None


def _xml(body: bytes, media: str = XML) -> Response:
    return Response(body, media_type=media)


@public.get("/feeds/{org_slug}/atom.xml", response_class=Response, responses=responses(401))
def org_atom(request: Request, org_slug: Annotated[str, Path(max_length=100)],
             token: str | None = Query(None, max_length=200), session: Session = Depends(get_session)) -> Response:
    """The organisation's alerts as Atom (reached with its feed token, no sign-in)."""
    scope = _feed_scope(session, org_slug, token)
    base = str(request.base_url).rstrip("/")
    alerts = [(a, org_slug) for a in repo.public_alerts(session, scope)]
    return _xml(feeds.atom_xml(alerts, title=f"Vedette alerts: {org_slug}", feed_id=f"urn:vedette:feed:{org_slug}",
                               self_url=f"{base}/api/alerts/feeds/{org_slug}/atom.xml",
                               cap_url=lambda a, s: f"{base}/api/alerts/feeds/{s}/cap/{a.id}.xml?token={token}"),
                "application/atom+xml")


@public.get("/feeds/{org_slug}/cap/{alert_id}.xml", response_class=Response, responses=responses(401, 404))
def org_cap(org_slug: Annotated[str, Path(max_length=100)], alert_id: Id,
            token: str | None = Query(None, max_length=200), session: Session = Depends(get_session)) -> Response:
    """One alert as a CAP 1.2 document (scope Restricted)."""
    scope = _feed_scope(session, org_slug, token)
    alert = repo.get_alert(session, scope, alert_id)
    if alert.status != "sent":
        from vedette.errors import NotFound

        raise NotFound(f"no alert {alert_id}", item=str(alert_id))
    ref = repo.get_alert(session, scope, alert.references_id) if alert.references_id else None
    return _xml(feeds.cap_xml(alert, org_slug, public=False, referenced=ref), "application/cap+xml")


@public.get("/public/atom.xml", response_class=Response)
def public_atom(request: Request, session: Session = Depends(get_session)) -> Response:
    """The public alerts of organisations that publish them (no sign-in)."""
    base = str(request.base_url).rstrip("/")
    rows = repo.public_alerts(session, None)
    slugs = {a.organisation_id: _slug_of(session, a.organisation_id) for a in rows}
    return _xml(feeds.atom_xml([(a, slugs[a.organisation_id]) for a in rows], title="Vedette public alerts",
                               feed_id="urn:vedette:feed:public", self_url=f"{base}/api/alerts/public/atom.xml",
                               cap_url=lambda a, s: f"{base}/api/alerts/public/cap/{a.id}.xml"),
                "application/atom+xml")


@public.get("/public/cap/{alert_id}.xml", response_class=Response, responses=responses(404))
def public_cap(alert_id: Id, session: Session = Depends(get_session)) -> Response:
    rows = {a.id: a for a in repo.public_alerts(session, None, limit=10_000)}
    alert = rows.get(alert_id)
    if alert is None:
        from vedette.errors import NotFound

        raise NotFound(f"no public alert {alert_id}", item=str(alert_id))
    ref = rows.get(alert.references_id) if alert.references_id else None
    return _xml(feeds.cap_xml(alert, _slug_of(session, alert.organisation_id) or "", public=True, referenced=ref),
                "application/cap+xml")


# --- provider callbacks (signed) ------------------------------------------------------------------------
async def _signed_form(request: Request) -> dict:
    body = await request.body()
    why = signing.verify(signing.callback_secret(), body, request.headers.get(signing.HEADER))
    if why is not None:
        raise Unauthenticated(why, item="signature")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            from vedette.errors import BadInput

            raise BadInput("not JSON", item="body") from None
        return data if isinstance(data, dict) else {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    return {"_raw": body}


def _first(data: dict, *names: str) -> str | None:
    for n in names:
        v = data.get(n)
        if isinstance(v, str) and v:
            return v[:2000]
    return None


@public.post("/sms/receipt", responses=responses(401, 422))
async def sms_receipt(request: Request, session: Session = Depends(get_session)) -> dict:
    """A delivery receipt from the SMS provider (signed): delivered, or failed (the person's next channel)."""
    data = await _signed_form(request)
    pid, status = _first(data, "id", "MessageSid", "message_id"), _first(data, "status", "MessageStatus")
    if not pid or not status:
        from vedette.errors import BadInput

        raise BadInput("a receipt names the message (id) and its status", item="id")
    row = outbox.apply_receipt(session, "sms", pid, status, _first(data, "error", "ErrorCode"))
    return {"known": row is not None, "status": row.status if row is not None else None}


@public.post("/sms/inbound", responses=responses(401, 422))
async def sms_inbound(request: Request, session: Session = Depends(get_session)) -> dict:
    """An SMS sent to us (signed by the provider): stored once per provider id, then handed to the inbound
    handlers (check-in answers)."""
    data = await _signed_form(request)
    pid, sender, body = _first(data, "id", "MessageSid"), _first(data, "From", "from"), _first(data, "Body", "body")
    if not pid or not sender:
        from vedette.errors import BadInput

        raise BadInput("an inbound message names its id and sender", item="id")
    return service.store_inbound(session, "sms", pid, sender, body or "")


_MID = re.compile(rb"^(?:Original-)?Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


@public.post("/email/bounce", responses=responses(401, 422))
async def email_bounce(request: Request, session: Session = Depends(get_session)) -> dict:
    """A bounce (signed): JSON ``{message_id, reason}`` or the raw DSN mail; the message is failed, not sent."""
    data = await _signed_form(request)
    raw = data.get("_raw")
    if isinstance(raw, bytes):
        from vedette.config import get_settings

        domain = get_settings().alerts_mail_domain.encode()
        ids = [m for m in _MID.findall(raw) if m.endswith(b"@" + domain + b">")]
        mid = ids[0].decode() if ids else None
        dsn = message_from_bytes(raw)
        reason = str(dsn.get("Subject") or "bounced")[:200]
    else:
        mid, reason = _first(data, "message_id", "Message-ID"), _first(data, "reason") or "bounced"
    if not mid:
        from vedette.errors import BadInput

        raise BadInput("no Message-ID of ours in the bounce", item="message_id")
    row = outbox.apply_bounce(session, mid, reason)
    return {"known": row is not None, "status": row.status if row is not None else None}


# --- wiring ---------------------------------------------------------------------------------------------
def install(app: FastAPI, signed_in: list) -> None:
    """Include both routers and run the in-process dispatcher with the app (web/app.py calls this once)."""
    app.include_router(router, prefix="/api", dependencies=signed_in)
    app.include_router(public, prefix="/api")
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        from vedette.alerts import tasks

        runner = tasks.start_in_process()
        try:
            async with inner(a):
                yield
        finally:
            if runner is not None:
                runner.stop()

    app.router.lifespan_context = lifespan


__all__ = ["router", "public", "install", "InboundMessage", "VedetteError"]
