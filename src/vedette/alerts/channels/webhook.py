"""Webhooks: a JSON POST to the organisation's receiver, signed with HMAC-SHA256 and a timestamp.

Headers: ``X-Vedette-Signature: t=<unix>,v1=<hex>`` (alerts/signing.py: HMAC over ``"<t>." + body`` with the
organisation's webhook secret), ``Idempotency-Key`` (the outbox row's key: the receiver drops a copy),
``X-Vedette-Event`` (the alert's msg_type). The receiver's address passes the same guard as fetches (no
loopback, private or link-local address unless ``fetch_allow`` names it). 429/5xx retry; other 4xx fail.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx

from vedette.alerts import signing
from vedette.alerts.channels.base import Channel, Outbound, SendResult


class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self, settings=None, timeout: float = 15.0) -> None:  # noqa: ANN001
        from vedette.config import get_settings

        self.settings = settings or get_settings()
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)

    def body(self, msg: Outbound) -> bytes:
        p = msg.payload
        doc = {"id": msg.idempotency_key, "alert": p.get("alert"), "language": p.get("language"),
               "subject": p.get("subject"), "text": p.get("text"), "person": p.get("person")}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    def send(self, msg: Outbound) -> SendResult:
        if not msg.address:
            return SendResult.fail("no webhook receiver configured")
        if not msg.webhook_secret:
            return SendResult.fail("no webhook secret configured")
        from vedette.intake.fetch import Refused, policy_for

        u = urlsplit(msg.address)
        if u.scheme not in ("http", "https") or not u.hostname:
            return SendResult.fail("webhook URL is not http(s)")
        try:
            policy_for(self.settings).pick(u.hostname, u.port or (443 if u.scheme == "https" else 80), 5.0)
        except Refused as exc:
            return SendResult.fail(f"webhook receiver refused: {exc}"[:300])
        except OSError as exc:
            return SendResult.retry(f"webhook receiver not resolved ({type(exc).__name__})")
        body = self.body(msg)
        headers = {
            "Content-Type": "application/json",
            signing.HEADER: signing.sign(msg.webhook_secret, body),
            "Idempotency-Key": msg.idempotency_key,
            "X-Vedette-Event": str((msg.payload.get("alert") or {}).get("msg_type", "alert")),
        }
        try:
            r = self._client.post(msg.address, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult.retry(f"webhook {type(exc).__name__}")
        if r.status_code == 429 or r.status_code >= 500:
            return SendResult.retry(f"webhook HTTP {r.status_code}")
        if r.status_code >= 300:
            return SendResult.fail(f"webhook HTTP {r.status_code}")
        return SendResult.sent(r.headers.get("x-request-id") or msg.idempotency_key)

    def close(self) -> None:
        self._client.close()
