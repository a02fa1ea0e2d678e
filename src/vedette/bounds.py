"""The bounds and types every API schema shares: ids, timestamps with their zone, storable strings, the error
answers' descriptions. A low module (beside ``errors``), so that every domain's schemas and routers can use it
without importing the web layer; ``web/limits.py`` enforces the request-size edge on top of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

# The largest id, offset or count the API takes: the largest value of an INTEGER primary key in
# PostgreSQL (SQLite takes up to 2^63 - 1), exact in every JSON reader.
MAX_ID = 2**31 - 1


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A datetime answered in UTC with its zone ("2026-12-06T07:44:16Z"); naive values are taken as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (no lone surrogates)") from exc
    return value


# Text that both stores can keep and search: PostgreSQL refuses NUL characters, no store takes lone
# surrogates. Use it for every string of a request that reaches a query or a row.
NO_NUL = r"^[^\x00]*$"
StoredStr = Annotated[str, Field(pattern=NO_NUL), AfterValidator(_storable)]
# An http(s) URL, storable.
HttpUrlStr = Annotated[str, Field(pattern=r"^https?://[^\x00]*$"), AfterValidator(_storable)]


# Descriptions of the error answers, by status code (the body is always {"detail": ..., "item": ...}).
ERROR_DESCRIPTIONS = {
    400: "Malformed request (a body that cannot be decoded, a NUL character in the URL)",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Bad input",
    502: "Fetch failed",
    503: "Service unavailable",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the given error codes with their descriptions."""
    return {code: {"description": ERROR_DESCRIPTIONS[code]} for code in codes}
