"""Ingesting folders, URLs and feeds into the store: dedup, hostile input, conditional polling, API."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter
from sqlalchemy import func, select

from helpers import LocalServer, Route, make_pdf
from vedette.intake.hooks import register_document_hook, unregister_document_hook
from vedette.intake.models import Document, Rejection, Source
from vedette.intake.service import ingest_items, poll_feed
from vedette.store.db import session_factory

GOOD_EN = "On Monday, protesters blocked the main bridge in the capital and police used tear gas."
GOOD_FR = "Mardi, des manifestants ont bloqué le pont principal de la capitale et la police a dispersé la foule."


def _count(url: str, model=Document) -> int:  # noqa: ANN001
    with session_factory(url)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_folder_recursive_dedup_and_languages(clean_db: str, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text(GOOD_EN)
    (tmp_path / "a" / "b" / "deux.md").write_text(GOOD_FR)
    (tmp_path / "a" / "b" / "copy.txt").write_text(GOOD_EN)  # same bytes as one.txt
    (tmp_path / "a" / "r.pdf").write_bytes(make_pdf("Curfew declared in the northern province after riots."))
    report = ingest_items([str(tmp_path / "a")])
    assert len(report.added) == 3 and report.duplicates == 1 and report.rejected == []
    again = ingest_items([str(tmp_path / "a")])
    assert again.added == [] and again.duplicates == 4
    with session_factory(clean_db)() as s:
        langs = dict(s.execute(select(Document.name, Document.language)).all())
    english = langs.get("one.txt") or langs.get("copy.txt")
    assert langs["deux.md"] == "fr" and english == "en" and "r.pdf" in langs


def test_hostile_folder_rejects_each_bad_item_and_keeps_the_good(clean_db: str, tmp_path: Path, monkeypatch) -> None:
    bad = tmp_path / "hostile"
    bad.mkdir()
    (bad / "good.txt").write_text(GOOD_EN)
    (bad / "good-fr.txt").write_text(GOOD_FR)
    (bad / "cp1252.txt").write_bytes("Réunion à Ségou: les élèves ont manifesté.".encode("cp1252"))
    (bad / "bad-utf8.txt").write_bytes(b"Curfew tonight \xff\xfe in the old town after looting.")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "junk.dat").write_bytes(bytes(range(256)) * 100)
    with (bad / "huge.txt").open("wb") as fh:
        fh.seek(60 * 1024 * 1024)
        fh.write(b"x")
    (bad / "truncated.pdf").write_bytes(make_pdf("Cut short.")[:250])
    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.encrypt("pw")
    buf = io.BytesIO()
    w.write(buf)
    (bad / "encrypted.pdf").write_bytes(buf.getvalue())
    (bad / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000)
    routes = {
        "/not-a-feed.xml": Route(b"this is not xml at all", ctype="application/rss+xml"),
        "/slow": Route(b"<html><body>late</body></html>", delay=3.0),
        "/broken": Route(b"oops", status=500),
    }
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_FETCH_TIMEOUT_S", "0.5")
    get_settings.cache_clear()
    with LocalServer(routes) as srv:
        report = ingest_items([str(bad), f"{srv.base}/not-a-feed.xml", f"{srv.base}/slow", f"{srv.base}/broken"])
    for item, why in report.rejected:  # every reason names its item, then says what is wrong
        assert why.startswith(f"{item}: ") and len(why) > len(item) + 10, (item, why)
    reasons = {Path(item).name if "://" not in item else item.rsplit("/", 1)[-1]: why for item, why in report.rejected}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["junk.dat"]
    assert "too large" in reasons["huge.txt"]
    assert "truncated PDF" in reasons["truncated.pdf"]
    assert "encrypted PDF" in reasons["encrypted.pdf"]
    assert "nested deeper" in reasons["deep.html"]
    assert "not a feed" in reasons["not-a-feed.xml"] or "well-formed" in reasons["not-a-feed.xml"]
    assert "timed out" in reasons["slow"]
    assert "HTTP 500" in reasons["broken"]
    assert len(report.rejected) == 9
    assert len(report.added) == 4  # good, good-fr, cp1252, bad-utf8
    with session_factory(clean_db)() as s:
        names = set(s.scalars(select(Document.name)))
        texts = dict(s.execute(select(Document.name, Document.text)).all())
        rejected = s.scalar(select(func.count()).select_from(Rejection))
    assert names == {"good.txt", "good-fr.txt", "cp1252.txt", "bad-utf8.txt"}
    assert "Ségou" in texts["cp1252.txt"]
    assert "Curfew tonight" in texts["bad-utf8.txt"] and "in the old town" in texts["bad-utf8.txt"]
    assert rejected == 9
    with session_factory(clean_db)() as s:  # nothing half-written: one source (the folder), no orphan rows
        assert list(s.scalars(select(Source.locator))) == [str(bad.resolve())]
        assert set(s.scalars(select(Rejection.item))) == {item for item, _ in report.rejected}


def test_a_failing_hook_rejects_that_document_only(clean_db: str, tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text(GOOD_EN)
    (tmp_path / "boom.txt").write_text("This one makes the pipeline fail: BOOM.")

    def hook(session, doc) -> None:  # noqa: ANN001
        if "BOOM" in doc.text:
            raise RuntimeError("pipeline exploded")

    register_document_hook("test-boom", hook)
    try:
        report = ingest_items([str(tmp_path)])
    finally:
        unregister_document_hook("test-boom")
    assert len(report.added) == 1
    assert report.rejected and "pipeline exploded" in report.rejected[0][1]
    with session_factory(clean_db)() as s:
        assert list(s.scalars(select(Document.name))) == ["ok.txt"]


def test_urls_and_feeds_with_conditional_polling(clean_db: str) -> None:
    page1 = b"<html><head><title>Clashes</title></head><body><p>" + GOOD_EN.encode() + b"</p></body></html>"
    page2 = b"<html><body><article><p>" + GOOD_FR.encode() + b"</p></article></body></html>"
    with LocalServer({}) as srv:
        rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Alerts</title>
<item><title>One</title><link>{srv.base}/p1</link><pubDate>Mon, 06 Sep 2021 10:00:00 GMT</pubDate></item>
<item><title>Two</title><link>{srv.base}/p2</link></item>
<item><title>Inline</title><guid>inline-1</guid><description>Floods closed the coastal road near the harbour.</description></item>
</channel></rss>""".encode()
        srv.routes.update(
            {
                "/p1": Route(page1),
                "/p2": Route(page2),
                "/feed.xml": Route(
                    rss, ctype="application/rss+xml", etag='"v1"', last_modified="Mon, 06 Sep 2021 10:00:00 GMT"
                ),
                "/atom.xml": Route(
                    f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>A</title><id>urn:a</id><updated>2021-09-06T10:00:00Z</updated><entry><title>Atom entry</title><id>urn:a:1</id>
<updated>2021-09-06T10:00:00Z</updated><link href="{srv.base}/p1"/></entry></feed>""".encode(),
                    ctype="application/atom+xml",
                ),
            }
        )
        first = poll_feed(f"{srv.base}/feed.xml")
        assert len(first.added) == 3 and first.rejected == []
        second = poll_feed(f"{srv.base}/feed.xml")
        assert second.added == [] and second.duplicates == 0
        sent = [h for path, h in srv.requests if path == "/feed.xml"][-1]
        assert sent.get("If-None-Match") == '"v1"' and sent.get("If-Modified-Since")
        atom = ingest_items([f"{srv.base}/atom.xml"])
        assert atom.added == [] and atom.rejected == []  # its only entry is /p1, already in
        page = ingest_items([f"{srv.base}/p2"])
        assert page.duplicates == 1
    with session_factory(clean_db)() as s:
        feed = s.scalar(select(Source).where(Source.locator.like("%/feed.xml")))
        assert feed.kind == "feed" and feed.etag == '"v1"' and feed.last_status == "not modified"
        assert s.scalar(select(func.count()).select_from(Document)) == 3


def test_api_post_upload_text_and_errors(client) -> None:
    r = client.post("/api/documents", json={"text": GOOD_EN, "name": "note.txt"})
    assert r.status_code == 201 and r.json()["created"] is True and r.json()["language"] == "en"
    again = client.post("/api/documents", json={"text": GOOD_EN, "name": "note.txt"})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    up = client.post(
        "/api/documents", files={"file": ("r.pdf", make_pdf("Bridge closed after the flood."), "application/pdf")}
    )
    assert up.status_code == 201 and up.json()["media_type"] == "application/pdf"
    bad = client.post("/api/documents", files={"file": ("empty.txt", b"", "text/plain")})
    assert bad.status_code == 422 and "empty.txt" in bad.json()["detail"]
    both = client.post("/api/documents", json={"text": "x", "url": "http://127.0.0.1:9/x"})
    assert both.status_code == 422
    listing = client.get("/api/documents").json()
    assert listing["total"] == 2
    one = client.get(f"/api/documents/{r.json()['id']}")
    assert one.json()["text"].startswith("On Monday")
    assert client.get("/api/documents/999999").status_code == 404
