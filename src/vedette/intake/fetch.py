"""HTTP fetching with a timeout, a streamed size cap and clear errors naming the URL."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from vedette.config import get_settings
from vedette.errors import FetchFailed


@dataclass
class Fetched:
    url: str
    status: int
    content: bytes
    media_type: str | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """GET ``url``; conditional when validators are given (a 304 comes back with no content)."""
    settings = get_settings()
    headers = {"User-Agent": settings.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limit = settings.max_document_bytes
    try:
        with (
            httpx.Client(timeout=settings.fetch_timeout_s, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url, headers=headers) as resp,
        ):
            if resp.status_code == 304:
                return Fetched(url, 304, b"", None, etag, last_modified)
            if resp.status_code >= 400:
                raise FetchFailed(f"HTTP {resp.status_code} {resp.reason_phrase}", item=url)
            declared = int(resp.headers.get("content-length") or 0)
            if declared > limit:
                raise FetchFailed(f"too large: {declared} bytes, the limit is {limit}", item=url)
            chunks, size = [], 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchFailed(f"too large: more than {limit} bytes (max_document_bytes)", item=url)
                chunks.append(chunk)
            return Fetched(
                url=str(resp.url),
                status=resp.status_code,
                content=b"".join(chunks),
                media_type=resp.headers.get("content-type"),
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
            )
    except httpx.TimeoutException as exc:
        raise FetchFailed(f"timed out after {settings.fetch_timeout_s:g} s", item=url) from exc
    except httpx.ConnectError as exc:
        why = "connection refused" if "refused" in str(exc).lower() else f"could not connect ({exc})"
        raise FetchFailed(why, item=url) from exc
    except httpx.InvalidURL as exc:
        raise FetchFailed(f"invalid URL ({exc})", item=url) from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"could not fetch ({type(exc).__name__}: {exc})", item=url) from exc
