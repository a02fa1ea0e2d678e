"""HTTP fetching that is safe to point at addresses chosen by others.

- Every hop (the URL, then each redirect, followed here one at a time) is resolved once and each address
  is checked: loopback, private, link-local (169.254.169.254 among them), multicast, unspecified, reserved
  and other non-public ranges are refused, IPv4 and IPv6 alike (an IPv4 address carried in an IPv6 one,
  ``::ffff:127.0.0.1``, 6to4 or NAT64, is judged as that IPv4 address), unless the ``fetch_allow`` setting
  names the host or a network holding the address. The connection then goes to the very address that was
  checked (the name only gives the Host header and the TLS server name), so a second DNS answer cannot
  slip another address in between the check and the connection.
- ``fetch_timeout_s`` bounds each connect, read and write; ``fetch_deadline_s`` bounds the whole fetch
  (every hop and the body), enforced on every socket operation, so a server that trickles its answer one
  byte at a time is cut at the deadline.
- The body is streamed under ``max_document_bytes``.

Errors name the URL as given (``item``); a refused first hop is ``BadInput`` (the caller's URL is not
allowed), a refused redirect or anything the remote end does wrong is ``FetchFailed``.
"""

from __future__ import annotations

import concurrent.futures
import functools
import ipaddress
import re
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpcore
import httpx

from vedette.config import Settings, get_settings
from vedette.errors import BadInput, FetchFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
REDIRECTS = (301, 302, 303, 307, 308)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
T = TypeVar("T")


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


class Refused(Exception):
    """An address that fetches may not reach (never leaves this module: see ``fetch``)."""


# -- which addresses may be reached -----------------------------------------------------------------------


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address, or None when it is."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        why = blocked_reason(inner)
        return f"{why} ({inner}, carried in an IPv6 address)" if why else None
    for test, what in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(ip, test):
            if what == "a link-local address" and ip.version == 4:
                what += " (cloud metadata services answer there)"
            return what
    if not ip.is_global:
        return "not a public address (shared or special-purpose range)"
    return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class Policy:
    """Addresses a fetch may reach: public ones, plus the hosts and networks of ``fetch_allow``."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Policy:
        hosts, networks = set(), []
        for entry in entries:
            entry = entry.strip().strip("[]").rstrip(".").lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, ip: IPAddress) -> bool:
        candidates = [ip] + [x for x in (_embedded_ipv4(ip),) if x is not None]
        return any(c.version == n.version and c in n for c in candidates for n in self.networks)

    def pick(self, host: str, port: int, timeout: float | None = None) -> str:
        """Resolve ``host`` once (within ``timeout``); the first address that may be reached, or ``Refused``
        saying why not."""
        name = host.strip("[]").rstrip(".").lower()
        try:
            addresses: list[IPAddress] = [ipaddress.ip_address(name)]
            literal = True
        except ValueError:
            addresses, literal = _resolve(name, port, timeout), False
        if name in self.hosts:
            return str(addresses[0])
        reasons = []
        for ip in addresses:
            why = None if self.allows(ip) else blocked_reason(ip)
            if why is None:
                return str(ip)
            reasons.append(f"{ip} is {why}" if literal else f"{ip}, {why}")
        shown = reasons[0] if literal else f"{name} resolves to {'; '.join(reasons)}"
        raise Refused(f"{shown} (the fetch_allow setting can allow named hosts or networks)")


_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="vedette-resolve")


def _resolve(name: str, port: int, timeout: float | None = None) -> list[IPAddress]:
    """The addresses of ``name``; the system resolver cannot be interrupted, so it is waited for at most
    ``timeout`` seconds (its thread finishes on its own)."""
    lookup = _resolver.submit(socket.getaddrinfo, name, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout)
    except concurrent.futures.TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"resolving {name!r} took too long") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve host {name!r} ({exc})") from exc
    seen: dict[IPAddress, None] = {}
    for *_, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    if not seen:
        raise httpcore.ConnectError(f"cannot resolve host {name!r}")
    return list(seen)


# -- a network backend that connects only to checked addresses, within the deadline -----------------------


class _Guard(httpcore.NetworkBackend):
    def __init__(self, policy: Policy, deadline_s: float) -> None:
        self.policy = policy
        self.deadline_s = deadline_s
        self.deadline = time.monotonic() + deadline_s
        self.cut_by_deadline = False
        self._inner = httpcore.SyncBackend()

    def left(self, timeout: float | None) -> float:
        """The timeout for one socket operation: the per-operation one, or less when the deadline is nearer."""
        remaining = self.deadline - time.monotonic()
        if timeout is None or remaining < timeout:
            self.cut_by_deadline = True
            if remaining <= 0:
                raise httpcore.ReadTimeout("the fetch deadline has passed")
            return remaining
        return timeout

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self.policy.pick(host, port, self.left(timeout))
        stream = self._inner.connect_tcp(
            address, port, timeout=self.left(timeout), local_address=local_address, socket_options=socket_options
        )
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise Refused("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, guard: _Guard) -> None:
        self._stream, self._guard = stream, guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._guard.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._guard.left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, self._guard.left(timeout))
        return _DeadlineStream(tls, self._guard)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, its connection pool built on the guarded network backend."""

    def __init__(self, guard: _Guard) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=guard, max_connections=4
        )


# -- fetching ----------------------------------------------------------------------------------------------


def policy_for(settings: Settings) -> Policy:
    return _policy(tuple(settings.fetch_allow))


@functools.lru_cache(maxsize=8)
def _policy(entries: tuple[str, ...]) -> Policy:
    return Policy.from_entries(entries)


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """GET ``url``, hop by hop; conditional when validators are given (a 304 comes back with no content)."""
    settings = get_settings()
    guard = _Guard(policy_for(settings), settings.fetch_deadline_s)
    headers = {"User-Agent": settings.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    try:
        with httpx.Client(
            transport=_GuardedTransport(guard), timeout=settings.fetch_timeout_s, follow_redirects=False
        ) as client:
            for _hop in range(settings.fetch_max_redirects + 1):
                _check_scheme(current, url)
                with client.stream("GET", current, headers=headers) as resp:
                    if resp.status_code in REDIRECTS and resp.next_request is not None:
                        location = resp.headers.get("location", "")
                        foreign = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", location)
                        current = location if foreign and foreign[1].lower() not in ("http", "https") else None
                        current = current or str(resp.next_request.url)
                        continue
                    return _read(resp, url, etag, last_modified, settings.max_document_bytes)
            raise FetchFailed(f"too many redirects (more than {settings.fetch_max_redirects})", item=url)
    except Refused as exc:
        if current == url:
            raise BadInput(f"refused: {exc}", item=url) from None
        raise FetchFailed(f"redirected to {current}, refused: {exc}", item=url) from None
    except httpx.TimeoutException as exc:
        if guard.cut_by_deadline:
            raise FetchFailed(
                f"timed out: the fetch deadline of {settings.fetch_deadline_s:g} s passed (fetch_deadline_s)",
                item=url,
            ) from exc
        raise FetchFailed(f"timed out after {settings.fetch_timeout_s:g} s", item=url) from exc
    except httpx.ConnectError as exc:
        why = "connection refused" if "refused" in str(exc).lower() else f"could not connect ({exc})"
        raise FetchFailed(why if current == url else f"redirected to {current}, {why}", item=url) from exc
    except httpx.InvalidURL as exc:
        raise BadInput(f"invalid URL ({exc})", item=url) from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"could not fetch ({type(exc).__name__}: {exc})", item=url) from exc


def _check_scheme(current: str, url: str) -> None:
    scheme = current.split(":", 1)[0].lower() if ":" in current else ""
    if scheme in ("http", "https"):
        return
    if current == url:
        raise BadInput("not an http(s) URL", item=url)
    raise FetchFailed(f"redirected to {current}, refused: not an http(s) URL", item=url)


def _read(resp: httpx.Response, url: str, etag: str | None, last_modified: str | None, limit: int) -> Fetched:
    if resp.status_code == 304:
        return Fetched(url, 304, b"", None, etag, last_modified)
    if resp.status_code >= 400 or resp.status_code in REDIRECTS:
        raise FetchFailed(f"HTTP {resp.status_code} {resp.reason_phrase}", item=url)
    declared = resp.headers.get("content-length") or "0"
    if declared.isdigit() and int(declared) > limit:
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


# -- fetching from the server without holding its request threads ---------------------------------------

_limiters: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_limiters_lock = threading.Lock()


async def fetch_async(url: str, **kwargs: Any) -> Fetched:
    """``fetch`` on worker threads of its own, at most ``fetch_concurrency`` at once: a slow site holds
    one of those, never one of the threads that answer other requests (anyio's shared pool)."""
    return await run_off_request_threads(functools.partial(fetch, url, **kwargs))


async def run_off_request_threads(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` (blocking work that fetches: a URL, a feed poll) on the fetch threads."""
    import asyncio

    import anyio
    import anyio.to_thread

    loop = asyncio.get_running_loop()
    with _limiters_lock:
        limiter = _limiters.get(loop)
        if limiter is None:
            limiter = _limiters[loop] = anyio.CapacityLimiter(get_settings().fetch_concurrency)
    return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)
