"""What the API accepts and promises at its edges.

- Request bodies over a set size are refused with 413 before they are read whole: a ``Content-Length``
  over the limit is refused before any byte is read, and a body without one (chunked) is counted while it
  streams in and refused as soon as it passes the limit. Upload routes (``UPLOAD_PATHS``) may take up to
  ``max_request_bytes``; every other route up to ``max_json_bytes``.
- Ids, offsets and limits are bounded (``MAX_ID``): nothing larger than the stores' id columns reaches
  them (SQLite fails on integers of 2^63 and more, PostgreSQL's INTEGER ids on 2^31 and more).
- Every timestamp carries its zone (``UtcDatetime``): SQLite gives naive datetimes back; they are UTC.
- Strings that reach the store are storable (``StoredStr``): no NUL, no lone surrogate.
- A URL with a NUL character is refused with 400 (PostgreSQL refuses NUL in any text it compares).
- ``responses()`` names the error answers an operation may give, so the OpenAPI documents them all;
  ``document_edge_errors`` adds the edge's own (400 everywhere, 413 where there is a body).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vedette.bounds import (  # noqa: F401 - re-exported: the shared bounds live in vedette.bounds
    ERROR_DESCRIPTIONS,
    MAX_ID,
    NO_NUL,
    HttpUrlStr,
    StoredStr,
    UtcDatetime,
    responses,
)

# Paths whose bodies are files (multipart uploads, or a document's text as JSON) and may be as large as a
# document; every other path takes max_json_bytes. A new upload route is added here.
UPLOAD_PATHS = frozenset({"/api/documents", "/api/people/import"})


def document_edge_errors(app: FastAPI) -> None:
    """Document what the edge answers, whatever the route: 400 on every operation (``EdgeLimits`` refuses a
    NUL in the URL, FastAPI a body it cannot decode) and 413 on every operation that takes a body. Wraps the
    app's OpenAPI generation (routers may be included before or after)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for ops in generate().get("paths", {}).values():
                for op in ops.values():
                    if not isinstance(op, dict):
                        continue
                    codes = ("400", "413") if "requestBody" in op else ("400",)
                    for code in codes:
                        op.setdefault("responses", {}).setdefault(
                            code, {"description": ERROR_DESCRIPTIONS[int(code)]}
                        )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit (FastAPI lets HTTPException through
    its body parsing, so the route answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: the limit is {limit} bytes")
        self.limit = limit


def body_limit(path: str) -> int:
    from vedette.config import get_settings

    settings = get_settings()
    return settings.max_request_bytes if path in UPLOAD_PATHS else settings.max_json_bytes


class EdgeLimits:
    """ASGI wrapper: refuse request bodies over their limit with 413, without reading them whole, and URLs
    with a NUL character with 400 (no store can compare or keep it: PostgreSQL refuses it in any text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _refuse(send, 400, "NUL characters are not accepted in a URL", "url")
            return
        limit = body_limit(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, 413, f"request body too large: the limit is {limit} bytes", "body")
            return  # nothing of the body has been read

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, 413, f"request body too large: the limit is {limit} bytes", "body")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, status: int, detail: str, item: str) -> None:
    body = json.dumps({"detail": detail, "item": item}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
