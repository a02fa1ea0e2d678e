"""HMAC-SHA256 signatures with a timestamp, for webhooks we send and callbacks we receive.

Header ``X-Vedette-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``. A receiver
recomputes the HMAC over the raw body, compares in constant time, and refuses a timestamp older (or newer)
than its tolerance (default 300 s), so a captured request cannot be replayed later. The SMS provider signs
its delivery receipts and inbound messages to Vedette the same way, with ``sms_callback_secret``.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Vedette-Signature"
TOLERANCE_S = 300


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else int(timestamp)
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str | bytes, body: bytes, header: str | None, *, tolerance_s: int = TOLERANCE_S,
           now: float | None = None) -> str | None:
    """None when ``header`` signs ``body`` within the tolerance; else the reason it does not."""
    if not header or not secret:
        return "missing signature"
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return "malformed signature"
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        return "signature expired"
    expected = sign(secret, body, t).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        return "bad signature"
    return None


def callback_secret() -> str:
    from vedette.config import get_settings

    s = get_settings()
    return s.sms_callback_secret.get_secret_value() or s.secret_key.get_secret_value()
