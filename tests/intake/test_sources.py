"""Intake sources end to end on a real local HTTP server: conditional feed polls (ETag and
Last-Modified alone), inline Atom entries, unsafe XML, charsets, the feeds API, the ingest CLI."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from vedette.errors import BadInput
from vedette.intake.hooks import register_document_hook, unregister_document_hook
from vedette.intake.models import Document, Rejection, Source
from vedette.intake.readers import read_bytes
from vedette.intake.service import add_feed, due_feeds, ingest_bytes, ingest_items, poll_due_feeds, poll_feed
from vedette.store.db import session_factory

EN = "Armed men stopped two buses on the northern road on Friday and the army closed the crossing."
FR = "Des hommes armés ont arrêté deux bus sur la route du nord vendredi et l'armée a fermé le passage."
STAMP = formatdate(1_600_000_000, usegmt=True)


class Site:
    """127.0.0.1 only, random port. Each page: (body, content type, validators); answers 304 itself."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str, dict[str, str]]] = {}
        self.log: list[tuple[str, int, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body, ctype, validators = site.pages.get(self.path, (b"", "", {}))
                status = 200 if ctype else 404
                etag, modified = validators.get("ETag"), validators.get("Last-Modified")
                if status == 200 and (
                    (etag and self.headers.get("If-None-Match") == etag)
                    or (not etag and modified and self.headers.get("If-Modified-Since") == modified)
                ):
                    status = 304
                site.log.append((self.path, status, dict(self.headers)))
                self.send_response(status)
                if status == 200:
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in validators.items():
                        self.send_header(key, value)
                self.end_headers()
                if status == 200:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def statuses(self, path: str) -> list[int]:
        return [status for p, status, _ in self.log if p == path]


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    thread = threading.Thread(target=s.httpd.serve_forever, daemon=True)
    thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def _html(title: str, *paras: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>".encode()


def _count(url: str, model: type = Document) -> int:
    with session_factory(url)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_last_modified_alone_gives_a_304_and_nothing_new(clean_db: str, site: Site) -> None:
    site.pages["/a1"] = (_html("One", EN), "text/html; charset=utf-8", {})
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>{site.base}/a1</link><pubDate>Fri, 11 Sep 2020 08:00:00 GMT</pubDate></item>
</channel></rss>"""
    site.pages["/rss"] = (rss.encode(), "application/rss+xml", {"Last-Modified": STAMP})
    with session_factory(clean_db).begin() as s:
        add_feed(s, f"{site.base}/rss", interval_s=60)
    first = poll_feed(f"{site.base}/rss")
    assert len(first.added) == 1 and first.rejected == []
    second = poll_feed(f"{site.base}/rss")
    assert second.added == [] and second.rejected == []
    assert site.statuses("/rss") == [200, 304]
    assert site.log[-1][2].get("If-Modified-Since") == STAMP and "If-None-Match" not in site.log[-1][2]
    assert site.statuses("/a1") == [200]  # the entry page is not fetched again
    with session_factory(clean_db)() as s:
        doc = s.scalars(select(Document)).one()
        feed = s.scalar(select(Source).where(Source.kind == "feed"))
    assert doc.name == "a1" and doc.published_at.date().isoformat() == "2020-09-11"
    assert feed.last_modified == STAMP and feed.last_status == "not modified"


def test_atom_entries_without_link_use_their_content(clean_db: str, site: Site) -> None:
    atom = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Alertes</title><id>urn:x</id><updated>2020-09-11T08:00:00Z</updated>
<entry><title>Route fermée</title><id>urn:x:1</id><updated>2020-09-11T08:00:00Z</updated>
<content type="html">&lt;p&gt;{FR}&lt;/p&gt;</content></entry>
<entry><title>Page</title><id>urn:x:2</id><updated>2020-09-12T08:00:00Z</updated><link href="{site.base}/p"/></entry>
</feed>"""
    site.pages["/atom"] = (atom.encode(), "application/atom+xml", {"ETag": '"a1"'})
    site.pages["/p"] = (_html("P", EN), "text/html", {})
    report = ingest_items([f"{site.base}/atom"])
    assert len(report.added) == 2 and report.rejected == []
    with session_factory(clean_db)() as s:
        docs = {d.origin: d for d in s.scalars(select(Document))}
        feed = s.scalar(select(Source).where(Source.locator == f"{site.base}/atom"))
        assert due_feeds(s) == []  # ingested once by URL: validators kept, not subscribed
    inline = docs[f"{site.base}/atom#urn:x:1"]
    assert inline.language == "fr" and "arrêté deux bus" in inline.text and inline.title == "Route fermée"
    assert docs[f"{site.base}/p"].language == "en"
    assert feed.kind == "feed" and feed.etag == '"a1"' and feed.poll_interval_s is None
    again = ingest_items([f"{site.base}/atom"])
    assert again.added == [] and again.rejected == []


def test_unsafe_and_non_xml_feeds_are_refused_by_name(clean_db: str, site: Site) -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
<rss version="2.0"><channel><title>&b;</title></channel></rss>"""
    site.pages["/bomb"] = (bomb, "application/rss+xml", {})
    site.pages["/html-feed"] = (b"<html><body>not a feed</body>", "application/rss+xml", {})
    report = ingest_items([f"{site.base}/bomb", f"{site.base}/html-feed"])
    reasons = dict(report.rejected)
    assert report.added == []
    assert "unsafe feed XML refused" in reasons[f"{site.base}/bomb"]
    assert reasons[f"{site.base}/html-feed"].startswith(f"{site.base}/html-feed: not a feed")
    assert _count(clean_db, Rejection) == 2 and _count(clean_db) == 0
    with session_factory(clean_db).begin() as s:
        add_feed(s, f"{site.base}/html-feed", interval_s=60)
    polled = poll_due_feeds()
    assert list(polled) == [f"{site.base}/html-feed"] and "not a feed" in polled[f"{site.base}/html-feed"].rejected[0][1]
    with session_factory(clean_db)() as s:
        status = s.scalar(select(Source.last_status).where(Source.locator == f"{site.base}/html-feed"))
    assert status.startswith("error:") and "not a feed" in status


def test_declared_charset_utf16_nul_bytes_and_html_paragraphs(clean_db: str, site: Site) -> None:
    latin9 = "<html><body><p>Le billet coûte 5 € à la gare routière de Mopti depuis lundi.</p></body></html>"
    site.pages["/latin9"] = (latin9.encode("iso-8859-15"), "text/html; charset=iso-8859-15", {})
    report = ingest_items([f"{site.base}/latin9"])
    assert len(report.added) == 1
    with session_factory(clean_db)() as s:
        assert "coûte 5 € à la gare" in s.scalars(select(Document.text)).one()
    u16 = read_bytes(FR.encode("utf-16"), "bom.txt")
    assert u16.text == FR and u16.language == "fr"
    nul = read_bytes(((EN + " ") * 100 + "\x00\x01 tail").encode(), "late-nul.txt")
    assert "\x00" not in nul.text and nul.text.endswith("tail")
    page = read_bytes(_html("T", EN, FR, "A third paragraph about the curfew in the city."), "p.html")
    assert page.text.count("\n\n") >= 2 and EN in page.text


def test_meta_dates_either_attribute_order_and_time_tag(settings_env) -> None:
    body = f"<body><article><p>{EN}</p><p>{EN}</p></article></body></html>"
    a = read_bytes(f"<html><head><meta content='2020-01-02' name='date'></head>{body}".encode(), "a.html")
    b = read_bytes(f"<html><head></head><time datetime='2020-03-04T10:00'>x</time>{body}".encode(), "b.html")
    assert a.published.date().isoformat() == "2020-01-02" and b.published.date().isoformat() == "2020-03-04"


def test_parse_timeout_is_a_setting(settings_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_PARSE_TIMEOUT_S", "0.001")
    get_settings.cache_clear()
    big = _html("Big", *([EN] * 20000))
    with pytest.raises(BadInput, match=r"big\.html: parsing took longer than 0\.001 s \(parse_timeout_s\)"):
        read_bytes(big, "big.html")


def test_parse_timeout_holds_in_web_requests(client, monkeypatch: pytest.MonkeyPatch) -> None:
    """Web requests run in worker threads (no SIGALRM there): HTML goes to a killable parse process."""
    from vedette.config import get_settings
    from vedette.intake import isolation

    big = _html("Big", *([EN] * 60000))
    monkeypatch.setenv("VEDETTE_PARSE_TIMEOUT_S", "0.2")
    get_settings.cache_clear()
    try:
        isolation._get_pool()  # started (imports done) before the clock runs
        slow = client.post("/api/documents", files={"file": ("big.html", big, "text/html")})
        assert slow.status_code == 422, slow.text
        assert "big.html: parsing took longer than 0.2 s (parse_timeout_s)" in slow.json()["detail"]
        ok = client.post("/api/documents", files={"file": ("small.html", _html("Small", EN), "text/html")})
        assert ok.status_code == 201 and ok.json()["media_type"] == "text/html"
        bad = client.post("/api/documents", files={"file": ("deep.html", b"<div>" * 5000 + b"x", "text/html")})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("deep.html: HTML nested deeper")
    finally:
        isolation.shutdown()


@pytest.mark.parametrize(
    ("raw", "name", "media_type", "reason"),
    [
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "f.xml", None, "RSS/Atom feed"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "pic", "image/png", "unsupported document type image/png"),
        (b"plain words, not a PDF at all", "fake.pdf", None, "not a PDF"),
    ],
)
def test_wrong_kinds_are_named(settings_env, raw: bytes, name: str, media_type: str | None, reason: str) -> None:
    with pytest.raises(BadInput, match=reason) as exc:
        read_bytes(raw, name, media_type)
    assert exc.value.item == name


def test_a_hook_breaking_a_constraint_is_a_rejection_not_a_duplicate(clean_db: str, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(EN)
    (tmp_path / "breaks.txt").write_text(FR)

    def hook(session, doc) -> None:  # noqa: ANN001
        if doc.language == "fr":
            session.add(Rejection(item=None, reason="a NOT NULL column left empty"))
            session.flush()

    register_document_hook("test-constraint", hook)
    try:
        report = ingest_items([str(tmp_path)])
    finally:
        unregister_document_hook("test-constraint")
    assert len(report.added) == 1 and report.duplicates == 0
    assert len(report.rejected) == 1 and "breaks.txt" in report.rejected[0][0]
    assert "could not be stored" in report.rejected[0][1]
    with session_factory(clean_db)() as s:
        assert list(s.scalars(select(Document.name))) == ["ok.txt"]


def test_ingest_bytes_same_bytes_once_and_named_source(session) -> None:  # noqa: ANN001
    doc, created = ingest_bytes(session, EN.encode(), "n.txt", "test:n", source="manual:notes")
    again, created_again = ingest_bytes(session, EN.encode(), "other.txt", "test:other")
    assert created and not created_again and again.id == doc.id
    assert session.get(Source, doc.source_id).locator == "manual:notes"
    with pytest.raises(BadInput, match="empty"):
        ingest_bytes(session, b"  ", "blank.txt", "test:blank")


def test_feeds_api_subscribes_and_polls(client, site: Site) -> None:  # noqa: ANN001
    site.pages["/x"] = (_html("X", EN), "text/html", {})
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>X</title><link>{site.base}/x</link></item></channel></rss>"""
    site.pages["/rss"] = (rss.encode(), "application/rss+xml", {"ETag": '"e1"'})
    r = client.post("/api/feeds", json={"url": f"{site.base}/rss", "interval_s": 60})
    assert r.status_code == 201, r.text
    body = r.json()
    assert len(body["added"]) == 1 and body["feed"]["etag"] == '"e1"' and body["feed"]["poll_interval_s"] == 60
    listed = client.get("/api/feeds").json()
    assert [f["locator"] for f in listed] == [f"{site.base}/rss"]
    as_doc = client.post("/api/documents", json={"url": f"{site.base}/rss"})
    assert as_doc.status_code == 422 and "/api/feeds" in as_doc.json()["detail"]
    page = client.post("/api/documents", json={"url": f"{site.base}/x"})
    assert page.status_code == 200 and page.json()["id"] == body["added"][0]  # same bytes: not created again
    bad = client.post("/api/documents", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and "not valid JSON" in bad.json()["detail"]
    down = client.post("/api/documents", json={"url": f"{site.base}/missing"})
    assert down.status_code == 502 and "HTTP 404" in down.json()["detail"]


def test_ingest_cli_summary_and_exit_codes(clean_db: str, tmp_path: Path) -> None:
    from vedette.cli import app

    (tmp_path / "good.md").write_text(f"# Note\n\n{EN}")
    (tmp_path / "empty.txt").write_bytes(b"")
    runner = CliRunner()
    mixed = runner.invoke(app, ["ingest", "--no-progress", str(tmp_path)])
    assert mixed.exit_code == 0, mixed.output
    assert "1 added" in mixed.output and "1 rejected" in mixed.output and "empty.txt" in mixed.output
    dup = runner.invoke(app, ["ingest", "--no-progress", str(tmp_path / "good.md")])
    assert dup.exit_code == 0 and "1 already in the store" in dup.output
    bad = runner.invoke(app, ["ingest", "--no-progress", str(tmp_path / "empty.txt"), str(tmp_path / "nope")])
    assert bad.exit_code == 1 and "no such file" in bad.output
    assert runner.invoke(app, ["feeds", "add", "http://127.0.0.1:9/feed.xml", "--interval", "120"]).exit_code == 0
    listing = runner.invoke(app, ["feeds", "list"])
    assert "127.0.0.1:9/feed.xml" in listing.output and "120" in listing.output


def test_refused_and_oversized_urls_are_named(clean_db: str, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from vedette.config import get_settings

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    site.pages["/big"] = (b"<html><body>" + b"<p>words words words</p>" * 100 + b"</body></html>", "text/html", {})
    monkeypatch.setenv("VEDETTE_MAX_DOCUMENT_BYTES", "1000")
    get_settings.cache_clear()
    report = ingest_items([closed, f"{site.base}/big"])
    reasons = dict(report.rejected)
    assert reasons[closed] == f"{closed}: connection refused"
    assert reasons[f"{site.base}/big"].startswith(f"{site.base}/big: too large")
    assert _count(clean_db) == 0


def test_scheduler_stays_off_when_disabled(settings_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.config import get_settings
    from vedette.jobs.scheduler import start_scheduler

    assert start_scheduler() is None  # the test settings turn it off
    monkeypatch.setenv("VEDETTE_SCHEDULER_ENABLED", "true")
    get_settings.cache_clear()
    scheduler = start_scheduler()
    try:
        assert {"intake.poll_feeds", "people.purge", "risk.refresh"} <= {job.id for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
