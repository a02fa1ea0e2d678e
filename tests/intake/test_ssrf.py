"""Outbound fetches are safe: every hop checked (URL, redirects, feed entries' links), connections go to the
checked address, and each fetch ends by its deadline, on threads that never hold the server's request threads.

Servers listen on 127.0.0.1 only (allowed by ``fetch_allow`` in tests/conftest.py); the refused addresses are
refused before any connection is tried, so nothing leaves this machine.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from vedette.config import get_settings
from vedette.errors import BadInput, FetchFailed, VedetteError
from vedette.intake.fetch import Policy, blocked_reason, fetch
from vedette.intake.models import Document, Rejection
from vedette.intake.service import ingest_items
from vedette.store.db import session_factory

PAGE = b"<html><head><title>Report</title></head><body><p>Armed men closed the northern road on Friday.</p></body></html>"

# Where a hop may not go, and a word the refusal must give as its reason.
FORBIDDEN = {
    "http://127.0.0.2:8080/admin": "loopback",
    "http://10.0.0.7/": "private",
    "http://192.168.1.1/": "private",
    "http://172.16.5.4/": "private",
    "http://169.254.169.254/latest/meta-data/": "link-local",
    "http://[fe80::1]/": "link-local",
    "http://[::1]/": "loopback",
    "http://[::ffff:127.0.0.2]/": "loopback",
    "http://[::ffff:169.254.169.254]/": "link-local",
    "http://[fd00::1]/": "private",
    "http://224.0.0.1/": "multicast",
    "http://[ff02::1]/": "multicast",
    "http://0.0.0.0/": "unspecified",
    "http://[::]/": "unspecified",
    "http://240.0.0.1/": "reserved",
    "http://100.64.0.1/": "not a public address",
    "http://2130706434/": "loopback",  # 127.0.0.2 written as one number
}


class Site:
    """A real HTTP server on 127.0.0.1: ``pages`` answer 200, ``redirects`` answer 302 to their target."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.redirects: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.requests.append((self.path, dict(self.headers)))
                if self.path in site.redirects:
                    self.send_response(302)
                    self.send_header("Location", site.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = site.pages.get(self.path, (b"", ""))
                self.send_response(200 if ctype else 404)
                self.send_header("Content-Type", ctype or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    thread = threading.Thread(target=s.httpd.serve_forever, daemon=True)
    thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def _setting(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"VEDETTE_{key.upper()}", value)
    get_settings.cache_clear()


def _count(url: str, model: type) -> int:
    with session_factory(url)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_the_address_ranges() -> None:
    import ipaddress

    for text, word in {
        "127.0.0.1": "loopback",
        "10.1.2.3": "private",
        "169.254.169.254": "link-local",
        "::ffff:10.1.2.3": "private",
        "2002:7f00:1::": "loopback",  # 6to4 carrying 127.0.0.1
        "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 carrying 169.254.169.254
        "198.18.0.1": "private",
    }.items():
        why = blocked_reason(ipaddress.ip_address(text))
        assert why is not None and word in why, (text, why)
    for public in ("93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"):
        assert blocked_reason(ipaddress.ip_address(public)) is None, public
    policy = Policy.from_entries(["10.0.0.0/8", "Intranet.Example."])
    assert policy.allows(ipaddress.ip_address("10.9.9.9")) and policy.allows(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert not policy.allows(ipaddress.ip_address("192.168.0.1")) and "intranet.example" in policy.hosts


def test_a_url_to_a_forbidden_address_is_refused_before_any_connection(
    settings_env: object, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setting(monkeypatch, fetch_allow="")  # not even the tests' own server
    site.pages["/page"] = (PAGE, "text/html")
    with pytest.raises(BadInput) as caught:
        fetch(f"{site.base}/page")
    assert caught.value.item == f"{site.base}/page"
    assert "refused: 127.0.0.1 is a loopback address" in str(caught.value) and "fetch_allow" in str(caught.value)
    for url, word in FORBIDDEN.items():
        with pytest.raises(BadInput) as caught:
            fetch(url)
        assert caught.value.item == url and "refused" in caught.value.message and word in caught.value.message, (
            url,
            caught.value.message,
        )
    with pytest.raises(BadInput, match=r"localhost resolves to (127\.0\.0\.1|::1), a loopback address"):
        fetch(f"http://localhost.:{site.port}/page")
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.invalid/x"):
        with pytest.raises(BadInput, match="not an http"):
            fetch(url)
    assert site.requests == []


def test_each_redirect_is_checked_and_named(settings_env: object, site: Site) -> None:
    site.pages["/page"] = (PAGE, "text/html")
    for i, (target, word) in enumerate(FORBIDDEN.items()):
        site.redirects[f"/r{i}"] = target
        with pytest.raises(FetchFailed) as caught:
            fetch(f"{site.base}/r{i}")
        assert caught.value.item == f"{site.base}/r{i}"
        assert f"redirected to {target.rstrip('/')}" in caught.value.message, caught.value.message
        assert "refused" in caught.value.message and word in caught.value.message, caught.value.message
    site.redirects["/scheme"] = "file:///etc/passwd"
    with pytest.raises(FetchFailed, match="redirected to file:///etc/passwd, refused: not an http"):
        fetch(f"{site.base}/scheme")
    # allowed hops are followed (relative and absolute), and a chain longer than the setting is cut
    site.redirects["/hop1"] = "/hop2"
    site.redirects["/hop2"] = f"{site.base}/page"
    got = fetch(f"{site.base}/hop1")
    assert got.content == PAGE and got.url == f"{site.base}/page"
    for i in range(8):
        site.redirects[f"/loop{i}"] = f"/loop{i + 1}"
    with pytest.raises(FetchFailed, match="too many redirects"):
        fetch(f"{site.base}/loop0")


def test_the_api_stores_nothing_from_a_redirect_to_the_metadata_address(client, site: Site) -> None:
    site.redirects["/innocent"] = "http://169.254.169.254/latest/meta-data/iam/"
    answer = client.post("/api/documents", json={"url": f"{site.base}/innocent"})
    assert answer.status_code == 502
    assert answer.json()["item"] == f"{site.base}/innocent"
    assert "169.254.169.254" in answer.json()["detail"] and "link-local" in answer.json()["detail"]
    refused = client.post("/api/documents", json={"url": "http://[::ffff:10.0.0.1]:8080/x"})
    assert refused.status_code == 422 and "private" in refused.json()["detail"]
    assert client.get("/api/documents").json()["total"] == 0


def test_feed_entries_linking_to_forbidden_addresses_are_refused(clean_db: str, site: Site) -> None:
    site.pages["/good"] = (PAGE, "text/html")
    links = [f"{site.base}/good", "http://169.254.169.254/latest/user-data", "http://10.0.0.1/intranet"]
    site.redirects["/bounce"] = "http://[::1]:631/"
    links.append(f"{site.base}/bounce")
    items = "".join(f"<item><title>e{i}</title><link>{link}</link></item>" for i, link in enumerate(links))
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    site.pages["/rss"] = (rss.encode(), "application/rss+xml")
    report = ingest_items([f"{site.base}/rss"])
    assert len(report.added) == 1
    reasons = dict(report.rejected)
    assert set(reasons) == set(links[1:])
    assert "link-local" in reasons[links[1]] and "private" in reasons[links[2]]
    assert "redirected to http://[::1]:631" in reasons[links[3]] and "loopback" in reasons[links[3]]
    assert sorted(site.paths()) == ["/bounce", "/good", "/rss"]
    assert _count(clean_db, Document) == 1 and _count(clean_db, Rejection) == 3


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    settings_env: object, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the first answer is an allowed address, later ones a forbidden one. The fetch connects
    to the first (the server sees the name in its Host header); a second lookup would have gone elsewhere."""
    site.pages["/page"] = (PAGE, "text/html")
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if host == "rebind.test":
            lookups.append(host)
            answer = "127.0.0.1" if len(lookups) == 1 else "10.255.255.1"
            return real(answer, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _setting(monkeypatch, fetch_timeout_s="2")
    got = fetch(f"http://rebind.test:{site.port}/page")
    assert got.content == PAGE and lookups == ["rebind.test"]
    assert site.requests[-1][1]["Host"] == f"rebind.test:{site.port}"
    lookups.clear()
    lookups.append("primed")  # from now on the name answers 10.255.255.1
    with pytest.raises(BadInput, match="rebind.test resolves to 10.255.255.1, a private address"):
        fetch(f"http://rebind.test:{site.port}/page")
    # a named host in fetch_allow is allowed whatever it resolves to; other names for it are not
    _setting(monkeypatch, fetch_allow="localhost")
    assert fetch(f"http://localhost:{site.port}/page").content == PAGE
    with pytest.raises(BadInput, match="127.0.0.1 is a loopback"):
        fetch(f"{site.base}/page")


class Trickle:
    """A raw HTTP server on 127.0.0.1 that answers one byte at a time (``every`` seconds between bytes),
    in the status line and headers (``headers_too``) or only in the body; ``hold`` instead keeps every
    request waiting until ``release`` is set, then answers 503."""

    def __init__(self, every: float = 0.2, headers_too: bool = False, hold: bool = False) -> None:
        self.every, self.headers_too, self.hold = every, headers_too, hold
        self.release = threading.Event()
        self.stop = threading.Event()
        self.accepted = 0
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.sock.settimeout(0.2)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
        with conn:
            try:
                conn.recv(65536)
                if self.hold:
                    while not (self.release.wait(0.1) or self.stop.is_set()):
                        pass
                    conn.sendall(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                if not self.headers_too:
                    conn.sendall(head)
                    head = b"x" * 100000
                for i in range(len(head)):
                    if self.stop.wait(self.every):
                        return
                    conn.sendall(head[i : i + 1])
            except OSError:
                return

    def __enter__(self) -> Trickle:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.release.set()
        self.thread.join(5)
        self.sock.close()


def _run_bounded(fn: Callable[[], object], bound_s: float = 60) -> BaseException | object:
    """Run ``fn`` in a thread; its error or result. The bound only turns a hang into a failure."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(bound_s)
    assert not worker.is_alive(), "the fetch did not end"
    return out[0]


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "status-line-and-headers"])
def test_a_trickling_server_is_cut_at_the_deadline(
    settings_env: object, monkeypatch: pytest.MonkeyPatch, headers_too: bool
) -> None:
    # every read gets its byte well within the per-read timeout: only the overall deadline can end this
    _setting(monkeypatch, fetch_deadline_s="1.5", fetch_timeout_s="10")
    with Trickle(every=0.1, headers_too=headers_too) as server:
        outcome = _run_bounded(lambda: fetch(f"{server.base}/slow"))
    assert isinstance(outcome, FetchFailed), outcome
    assert outcome.item == f"{server.base}/slow"
    assert "timed out: the fetch deadline of 1.5 s passed" in outcome.message


def test_slow_urls_posted_at_once_hold_no_request_thread(
    client, clean_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """45 posted URLs all wait on a server at once (more than the 40 threads that serve requests), holding
    no store connection; the incidents list still answers while they wait, and each post gets its answer
    once the server does."""
    from vedette.store.db import get_engine

    _setting(monkeypatch, fetch_deadline_s="120", fetch_timeout_s="120")
    posts = 45
    with Trickle(hold=True) as server:
        answers: list[int] = []

        def post(i: int) -> None:
            answers.append(client.post("/api/documents", json={"url": f"{server.base}/p{i}"}).status_code)

        threads = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(posts)]
        for t in threads:
            t.start()
        for _ in range(1200):  # until every fetch is in flight (the bound only fails instead of hanging)
            if server.accepted >= posts:
                break
            time.sleep(0.05)
        assert server.accepted == posts
        assert get_engine(None).pool.checkedout() <= 2  # the app's engine: not one connection per waiting post
        listing = _run_bounded(lambda: client.get("/api/incidents"), bound_s=60)
        assert not isinstance(listing, BaseException) and listing.status_code == 200
        assert answers == [] and not server.release.is_set()  # answered while all 45 fetches were held
        server.release.set()
        for t in threads:
            t.join(60)
    assert answers == [502] * posts


def test_fetch_errors_keep_naming_the_url(settings_env: object, site: Site) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    with pytest.raises(VedetteError) as caught:
        fetch(closed)
    assert caught.value.item == closed and "refused" in caught.value.message
    with pytest.raises(FetchFailed, match="HTTP 404"):
        fetch(f"{site.base}/missing")


def test_the_feeds_api_refuses_entries_linking_to_forbidden_addresses(client, site: Site) -> None:
    site.pages["/good"] = (PAGE, "text/html")
    items = "".join(
        f"<item><title>e{i}</title><link>{link}</link></item>"
        for i, link in enumerate([f"{site.base}/good", "http://[::ffff:169.254.169.254]/latest/"])
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    site.pages["/rss"] = (rss.encode(), "application/rss+xml")
    answer = client.post("/api/feeds", json={"url": f"{site.base}/rss", "interval_s": 3600})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert len(body["added"]) == 1
    assert [r["item"] for r in body["rejected"]] == ["http://[::ffff:169.254.169.254]/latest/"]
    assert "link-local" in body["rejected"][0]["reason"] and "refused" in body["rejected"][0]["reason"]


def test_a_slow_name_lookup_is_cut_at_the_deadline(settings_env: object, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = socket.getaddrinfo

    def slow(host: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a resolver that does not answer
        if host == "slow.test":
            release.wait(60)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    _setting(monkeypatch, fetch_deadline_s="1", fetch_timeout_s="10")
    try:
        outcome = _run_bounded(lambda: fetch("http://slow.test:9/x"))
    finally:
        release.set()
    assert isinstance(outcome, FetchFailed), outcome
    assert "the fetch deadline of 1 s passed" in outcome.message


def test_fetch_allow_takes_a_list_and_refuses_a_bad_network() -> None:
    from pydantic import ValidationError

    from vedette.config import Settings

    assert Settings(fetch_allow="127.0.0.1, 10.0.0.0/8 intranet.example").fetch_allow == [
        "127.0.0.1",
        "10.0.0.0/8",
        "intranet.example",
    ]
    with pytest.raises(ValidationError, match="not a network"):
        Settings(fetch_allow="10.0.0.0/33")
