"""SMS through a provider's HTTP API, in the style of the common providers.

``sms_url`` = ``https://ACCOUNT:TOKEN@provider.example/v1/messages``: each message is a form-encoded POST
(``To``, ``From``, ``Body``, ``Reference``, ``StatusCallback``) with HTTP basic authentication and an
``Idempotency-Key`` header (the outbox row's key: a provider, or our fake one, drops a repeat); the answer is
JSON with the provider's message id (``id``, ``sid`` or ``message_id``). 429 and 5xx are transient (retry
with backoff), other 4xx permanent (fall back). Delivery receipts and inbound messages come back signed to
``/api/alerts/sms/receipt`` and ``/api/alerts/sms/inbound`` (alerts/api.py). One HTTP connection is kept
alive across messages.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from vedette.alerts.channels.base import Channel, Outbound, SendResult


class SmsChannel(Channel):
    name = "sms"

    def __init__(self, endpoint: str, *, user: str | None, password: str | None, sender: str,
                 callback_url: str | None, timeout: float = 15.0) -> None:
        self.endpoint, self.sender, self.callback_url = endpoint, sender, callback_url
        auth = (user or "", password or "") if user else None
        self._client = httpx.Client(timeout=timeout, auth=auth, trust_env=False)

    def __repr__(self) -> str:
        return f"SmsChannel({urlsplit(self.endpoint).netloc})"

    @classmethod
    def from_url(cls, url: str, settings=None) -> SmsChannel:  # noqa: ANN001
        from vedette.config import get_settings

        s = settings or get_settings()
        u = urlsplit(url)
        netloc = u.hostname or ""
        if u.port:
            netloc = f"{netloc}:{u.port}"
        endpoint = urlunsplit((u.scheme, netloc, u.path or "/", u.query, ""))
        return cls(endpoint, user=unquote(u.username) if u.username else None,
                   password=unquote(u.password) if u.password else None, sender=s.sms_sender,
                   callback_url=s.alerts_base_url.rstrip("/") + "/api/alerts/sms/receipt",
                   timeout=s.alerts_smtp_timeout_s)

    def send(self, msg: Outbound) -> SendResult:
        if not msg.address or not msg.address.startswith("+"):
            return SendResult.fail("no E.164 phone number")
        form = {"To": msg.address, "From": self.sender, "Body": msg.payload.get("sms", ""),
                "Reference": msg.idempotency_key}
        if self.callback_url:
            form["StatusCallback"] = self.callback_url
        try:
            r = self._client.post(self.endpoint, data=form, headers={"Idempotency-Key": msg.idempotency_key})
        except httpx.HTTPError as exc:
            return SendResult.retry(f"sms provider {type(exc).__name__}")
        if r.status_code == 429 or r.status_code >= 500:
            return SendResult.retry(f"sms provider HTTP {r.status_code}")
        if r.status_code >= 400:
            return SendResult.fail(f"sms provider HTTP {r.status_code}")
        try:
            data = r.json()
        except ValueError:
            return SendResult.retry("sms provider answered no JSON")
        pid = data.get("id") or data.get("sid") or data.get("message_id") if isinstance(data, dict) else None
        if not pid:
            return SendResult.retry("sms provider answered no message id")
        return SendResult.sent(str(pid))

    def close(self) -> None:
        self._client.close()
