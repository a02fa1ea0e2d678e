"""Security headers on every answer: API JSON, pages, static files, API docs, errors (500s included).

- ``Content-Security-Policy``: scripts only from this origin (no inline script, no ``eval``) plus, for a
  page that needs one inline script, the nonce of its answer (``request.state.csp_nonce``); styles, images,
  fonts and connections from this origin; ``worker-src blob:`` for the map library's workers;
  ``frame-ancestors 'none'``, ``object-src 'none'``, ``base-uri 'none'``, forms posted only here. The API
  docs (/docs, /redoc: local bundles, web/docs.py) may also inject their own ``<style>`` elements.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` (for
  browsers without frame-ancestors), ``Cross-Origin-Opener-Policy`` and ``-Resource-Policy: same-origin``,
  a ``Permissions-Policy`` that turns off camera, microphone and payment.
- ``Strict-Transport-Security`` when the ``hsts_max_age_s`` setting is above 0 and the request came over
  HTTPS (directly, or through a TLS proxy that says so with ``X-Forwarded-Proto: https``); off by default.

A header the application set itself is left as it is. The middleware wraps the whole application (outside
Starlette's error middleware), so even an unhandled error's 500 answer carries the headers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vedette.config import get_settings

DOCS_PATHS = ("/docs", "/redoc")


def content_security_policy(nonce: str, *, docs: bool = False) -> str:
    styles = "'self' 'unsafe-inline'" if docs else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src {styles}",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), payment=(), usb=()"),
)


def _over_tls(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for key, value in scope.get("headers") or ():
        if key == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to each HTTP answer's start message."""

    def __init__(self, app: ASGIApp, hsts_max_age_s: int | None = None) -> None:
        self.app = app
        self.hsts_max_age_s = hsts_max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path = scope.get("path", "")
        docs = path in DOCS_PATHS or path.startswith(tuple(f"{p}/" for p in DOCS_PATHS))
        hsts = self.hsts_max_age_s if self.hsts_max_age_s is not None else get_settings().hsts_max_age_s
        extra = [(b"content-security-policy", content_security_policy(nonce, docs=docs).encode()), *STATIC_HEADERS]
        if hsts > 0 and _over_tls(scope):
            extra.append((b"strict-transport-security", f"max-age={hsts}".encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {key.lower() for key, _ in headers}
                headers += [(key, value) for key, value in extra if key not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: Any) -> None:
    """Wrap ``app``'s whole middleware stack (Starlette's error middleware included) in ``SecurityHeaders``."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build())

    app.build_middleware_stack = build_with_headers
