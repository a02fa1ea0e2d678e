"""Intake: paths, folders, URLs and feeds in; unique documents out, each handed to the pipeline hooks.

Reading and extraction (the slow, failure-prone parts) happen outside any transaction. Storing is
batched: short write transactions (``begin_write``: the store's write lock, taken up front and waited for
within ``db_busy_timeout_s``), one SAVEPOINT per document, so one bad item never stops the batch and never
leaves half-written rows behind, and a long ingest never keeps the API's writers waiting for long.
Documents are unique by the SHA-256 of their bytes: the same bytes posted at once by many clients are
stored once, and every one of them is answered with that document.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vedette.config import get_settings
from vedette.errors import BadInput, VedetteError
from vedette.intake import folders
from vedette.intake.feeds import looks_like_feed, parse_feed
from vedette.intake.fetch import fetch
from vedette.intake.hooks import DocumentDraft, prepare_document_hooks, run_document_hooks
from vedette.intake.models import Document, Rejection, Source
from vedette.intake.readers import Extracted, read_bytes
from vedette.store.db import begin_write, release_if_read_only
from vedette.store.db import session_factory as default_session_factory

CHUNK = 200  # documents read, and checked against the store, at a time
WRITE_SLICE = 10  # documents extracted (no lock held), then stored
# A bulk writer holds the store's write lock for one document, then for more only while it has held it less
# than this: the lock is taken in turns (FIFO on PostgreSQL, the write gate on SQLite), and an API post waiting
# its turn behind a slice of ten documents waited for ten times as long as for its own.
WRITE_HOLD_S = 0.05
# Column widths of intake/models.py: longer values are cut rather than failing the insert on PostgreSQL.
NAME_MAX, ORIGIN_MAX, TITLE_MAX, STATUS_MAX, ETAG_MAX, MODIFIED_MAX = 500, 2000, 1000, 500, 500, 100


def _cut(value: str | None, width: int) -> str | None:
    return value if value is None or len(value) <= width else value[: width - 1] + "…"


@dataclass
class IngestReport:
    added: list[int] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.duplicates += other.duplicates
        self.rejected += other.rejected


@dataclass
class Prepared:
    """One item read into text, ready to be stored."""

    item: str
    name: str
    origin: str
    raw_sha: str
    size: int
    extracted: Extracted
    source_locator: str
    source_kind: str
    hooks: dict[str, Any] | None = None  # what the document hooks prepared (extraction), outside any transaction
    hooks_failed: str | None = None  # why preparing them failed: the document is rejected, not stored

    def draft(self) -> DocumentDraft:
        """The document as its hooks will see it once stored (see ``store_prepared``)."""
        ex = self.extracted
        return DocumentDraft(ex.text, _cut(self.name, NAME_MAX) or "", ex.published, ex.language)


# Extraction is pure Python: in one process, threads running it at once share one core (the GIL). One at a
# time keeps that core busy; more would only slow down every other request thread (reads, and the writer
# that holds the store's lock, wait for the GIL behind each of them), for the same total time.
_EXTRACTING = threading.BoundedSemaphore(1)


def prepare_hooks(p: Prepared) -> Prepared:
    """Run the document hooks' slow part (extraction) for ``p``, before any transaction."""
    try:
        with _EXTRACTING:
            p.hooks = prepare_document_hooks(p.draft())
    except Exception as exc:  # a failing hook rejects this document only, as it would in the transaction
        p.hooks_failed = f"{p.item}: processing failed ({type(exc).__name__}: {exc})"
    return p


def reason_for(item: str, exc: VedetteError) -> str:
    """``"<item>: <what is wrong>"``, naming the item as the caller gave it (full path or URL), even
    when the reader named it by its file name or URL tail."""
    text = str(exc)
    if exc.item and text.startswith(f"{exc.item}: "):
        text = text[len(exc.item) + 2 :]
    return f"{item}: {text}"


def is_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))


def url_name(url: str) -> str:
    tail = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail or url.split("//", 1)[-1].split("/", 1)[0]


def prepare_bytes(
    raw: bytes,
    name: str,
    origin: str,
    *,
    media_type: str | None = None,
    source_locator: str | None = None,
    source_kind: str = "file",
    published: datetime | None = None,
) -> Prepared:
    extracted = read_bytes(raw, name, media_type)
    if published and not extracted.published:
        extracted.published = published
    return Prepared(
        item=origin,
        name=name,
        origin=origin,
        raw_sha=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        extracted=extracted,
        source_locator=source_locator or origin,
        source_kind=source_kind,
    )


def _files_under(folder: Path) -> list[Path | tuple[str, str]]:
    """What a folder holds: each regular file, and (item, reason) for each entry that cannot be read
    (unreadable, special file, symbolic link loop or broken link: intake/folders.py)."""
    return list(folders.walk(folder))


def _prepare_path(path: Path, locator: str) -> Prepared:
    """Read one regular file; its size is checked before a byte is read (a 60 MB file costs nothing).
    A name that is not UTF-8 is kept with its bytes escaped."""
    raw = folders.read_regular(path, get_settings().max_document_bytes)
    origin, locator = folders.shown(path.resolve()), folders.shown(locator)
    return prepare_bytes(raw, folders.shown(path.name), origin, source_locator=locator)


def _prepare_url(url: str, session_factory: sessionmaker[Session]) -> Iterator[Prepared | tuple[str, str]]:
    fetched = fetch(url)
    if looks_like_feed(fetched.content, fetched.media_type):
        yield from _prepare_feed_entries(url, fetched.content, session_factory)
        _save_feed_state(session_factory, url, fetched.etag, fetched.last_modified, "ok")
        return
    yield prepare_bytes(
        fetched.content,
        url_name(url),
        url,
        media_type=fetched.media_type,
        source_locator=url,
        source_kind="url",
    )


def _prepare_feed_entries(
    feed_url: str, raw: bytes, session_factory: sessionmaker[Session]
) -> Iterator[Prepared | tuple[str, str]]:
    entries = parse_feed(raw, feed_url)
    origins = [e.link or _entry_origin(feed_url, e.entry_id) for e in entries]
    with session_factory() as s:
        known = set(s.scalars(select(Document.origin).where(Document.origin.in_(origins)))) if origins else set()
    for entry, origin in zip(entries, origins, strict=True):
        try:
            if origin in known:
                continue  # fetched on an earlier poll: not fetched again
            if entry.link and is_url(entry.link):
                page = fetch(entry.link)
                yield prepare_bytes(
                    page.content,
                    url_name(entry.link),
                    entry.link,
                    media_type=page.media_type,
                    source_locator=feed_url,
                    source_kind="feed",
                    published=entry.published,
                )
            elif entry.content:
                title = htmllib.escape(entry.title or "")
                html = f"<html><head><title>{title}</title></head><body>{entry.content}</body></html>"
                yield prepare_bytes(
                    html.encode(),
                    entry.title or entry.entry_id,
                    origin,
                    media_type="text/html",
                    source_locator=feed_url,
                    source_kind="feed",
                    published=entry.published,
                )
            else:
                yield (origin, f"{origin}: feed entry has neither a link nor any content")
        except VedetteError as exc:
            yield (origin, reason_for(origin, exc))


def _entry_origin(feed_url: str, entry_id: str) -> str:
    return _cut(f"{feed_url}#{entry_id}", ORIGIN_MAX) or feed_url


def _save_feed_state(
    session_factory: sessionmaker[Session], url: str, etag: str | None, last_modified: str | None, status: str
) -> None:
    """Keep a feed's validators and last status. A feed ingested once is not subscribed: only
    ``add_feed`` sets the interval that makes it due for polling."""
    with session_factory.begin() as s:
        begin_write(s)
        source = _get_source(s, url, "feed")
        source.kind = "feed"
        # an over-long validator would fail the update on PostgreSQL: better to poll unconditionally
        source.etag = etag if etag and len(etag) <= ETAG_MAX else None
        source.last_modified = last_modified if last_modified and len(last_modified) <= MODIFIED_MAX else None
        source.last_polled_at = datetime.now(UTC)
        source.last_status = _cut(status, STATUS_MAX)


def _get_source(session: Session, locator: str, kind: str) -> Source:
    locator = _cut(locator, ORIGIN_MAX) or locator
    source = session.scalar(select(Source).where(Source.locator == locator))
    if source is None:
        source = Source(kind=kind, locator=locator)
        session.add(source)
        session.flush()
    return source


def prepare_items(
    items: Iterable[str], session_factory: sessionmaker[Session]
) -> Iterator[Prepared | tuple[str, str]]:
    """Yield each readable unit, or (item, reason) for each that cannot be read."""
    for item in items:
        name = folders.shown(item)  # printable and storable, whatever bytes the name holds
        try:
            if is_url(item):
                yield from _prepare_url(item, session_factory)
                continue
            path = Path(item)
            if path.is_dir():
                entries = _files_under(path)
                if not entries:
                    yield (name, "empty folder: no files to ingest")
                for entry in entries:  # one bad entry is reported and the folder goes on
                    if isinstance(entry, tuple):
                        yield entry
                        continue
                    f = folders.shown(entry)
                    try:
                        yield _prepare_path(entry, str(path.resolve()))
                    except VedetteError as exc:
                        yield (f, folders.printable(reason_for(f, exc)))
                    except OSError as exc:
                        yield (f, f"{f}: cannot read ({exc.strerror or exc})")
            elif (why := folders.not_a_file(path)) is None:
                yield _prepare_path(path, str(path.resolve().parent))  # a lone file: its folder is the source
            else:
                yield (name, why)
        except VedetteError as exc:
            yield (name, folders.printable(reason_for(name, exc)))
        except OSError as exc:
            yield (name, f"cannot read ({exc.strerror or exc})")


def store_prepared(
    session: Session, batch: list[Prepared], report: IngestReport, *, run_hooks: bool = True
) -> None:
    """Store a chunk in the caller's transaction (a write transaction: ``begin_write``), one SAVEPOINT per
    document.

    A document whose insert or hooks fail is rolled back to its savepoint (with anything the hooks
    wrote) and rejected; the rest of the chunk goes on. Hooks get what ``prepare_hooks`` prepared for
    the document, if it was prepared; a document whose preparation failed is rejected.
    """
    shas = [p.raw_sha for p in batch]
    existing = set(session.scalars(select(Document.sha256).where(Document.sha256.in_(shas))))
    sources: dict[str, int] = {}
    for p in batch:
        if p.raw_sha in existing:
            report.duplicates += 1
            continue
        if run_hooks and p.hooks_failed:
            report.rejected.append((p.item, p.hooks_failed))
            continue
        if p.source_locator not in sources:
            sources[p.source_locator] = _get_source(session, p.source_locator, p.source_kind).id
        try:
            with session.begin_nested():
                doc = Document(
                    sha256=p.raw_sha,
                    source_id=sources[p.source_locator],
                    origin=_cut(p.origin, ORIGIN_MAX),
                    name=_cut(p.name, NAME_MAX),
                    media_type=p.extracted.media_type,
                    language=p.extracted.language,
                    title=_cut(p.extracted.title, TITLE_MAX),
                    text=p.extracted.text,
                    size_bytes=p.size,
                    published_at=p.extracted.published,
                )
                session.add(doc)
                session.flush()
                if run_hooks:
                    run_document_hooks(session, doc, p.hooks)
        except IntegrityError as exc:
            # The same bytes stored meanwhile by another worker (the unique sha256 lost the race), or a
            # constraint broken by a hook: only the first is a duplicate.
            if session.scalar(select(Document.id).where(Document.sha256 == p.raw_sha)) is not None:
                report.duplicates += 1
            else:
                report.rejected.append((p.item, f"{p.item}: could not be stored ({exc.orig or exc})"))
            continue
        except Exception as exc:  # a failing hook rejects this document only
            report.rejected.append((p.item, f"{p.item}: processing failed ({type(exc).__name__}: {exc})"))
            continue
        existing.add(p.raw_sha)
        report.added.append(doc.id)


def record_rejections(session_factory: sessionmaker[Session], rejected: list[tuple[str, str]]) -> None:
    if not rejected:
        return
    with session_factory.begin() as s:
        begin_write(s)
        s.add_all(Rejection(item=_cut(item, ORIGIN_MAX), reason=reason) for item, reason in rejected)


def ingest_items(
    items: list[str],
    *,
    session_factory: sessionmaker[Session] | None = None,
    progress: bool = False,
    run_hooks: bool = True,
    chunk: int = CHUNK,
) -> IngestReport:
    """Ingest paths, folders (recursive), URLs and feeds. Never raises for a bad item: see ``rejected``."""
    factory = session_factory or default_session_factory()
    report = IngestReport()
    units = prepare_items(items, factory)
    tick: Callable[[], None] = lambda: None  # noqa: E731
    progress_bar = None
    if progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress_bar = Progress(
            TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False
        )
        total = sum(len(_files_under(Path(i))) if Path(i).is_dir() else 1 for i in items if not is_url(i))
        task = progress_bar.add_task("ingest", total=total or None)
        tick = lambda: progress_bar.advance(task)  # noqa: E731
        progress_bar.start()
    try:
        batch: list[Prepared] = []
        for unit in units:
            tick()
            if isinstance(unit, tuple):
                report.rejected.append(unit)
                continue
            batch.append(unit)
            if len(batch) >= chunk:
                _flush(factory, batch, report, run_hooks)
                batch = []
        if batch:
            _flush(factory, batch, report, run_hooks)
    finally:
        if progress_bar:
            progress_bar.stop()
    record_rejections(factory, report.rejected)
    return report


def _flush(
    factory: sessionmaker[Session], batch: list[Prepared], report: IngestReport, run_hooks: bool
) -> None:
    """Store a chunk: what is new is found by a read; then slice by slice, extracted with no lock held and
    written in one short write transaction (``store_prepared`` checks again under the lock). Writers of the
    API take the lock between two slices: a long ingest never keeps them waiting for long."""
    with factory() as s:
        known = set(s.scalars(select(Document.sha256).where(Document.sha256.in_([p.raw_sha for p in batch]))))
    fresh: list[Prepared] = []
    for p in batch:
        if p.raw_sha in known:
            report.duplicates += 1
            continue
        known.add(p.raw_sha)  # the same bytes twice in one chunk: the second is a duplicate
        fresh.append(p)
    i = 0
    while i < len(fresh):
        end = min(len(fresh), i + WRITE_SLICE) if run_hooks else len(fresh)
        if run_hooks:
            for p in fresh[i:end]:
                prepare_hooks(p)
        while i < end:  # the slice, in write transactions of WRITE_HOLD_S at most (one document at least)
            with factory.begin() as s:
                begin_write(s)
                start = monotonic()
                store_prepared(s, fresh[i : i + 1], report, run_hooks=run_hooks)
                i += 1
                while i < end and monotonic() - start < WRITE_HOLD_S:
                    store_prepared(s, fresh[i : i + 1], report, run_hooks=run_hooks)
                    i += 1


def ingest_bytes(
    session: Session,
    raw: bytes,
    name: str,
    origin: str,
    media_type: str | None = None,
    source: Source | str | None = None,
    *,
    source_kind: str = "api",
) -> tuple[Document, bool]:
    """Store one document given as bytes, in the caller's transaction. Returns (document, created).

    ``source`` is a Source row or a locator (default ``"<source_kind>:<origin>"``). Raises BadInput when
    the bytes cannot be read or a document hook fails (nothing of it is left in the session).

    The bytes are read and extracted first, with no lock held (a caller's transaction that has only read
    is ended first, to hold no connection meanwhile: ``release_if_read_only``); then the caller's session
    takes the write lock (``begin_write``) and stores the document, unless the same bytes are there by
    then: those are answered instead, so concurrent posts of one document store it once and all get its
    id. The caller commits (soon: it holds the write lock).
    """
    if isinstance(source, Source):
        locator, source_kind = source.locator, source.kind
    else:
        locator = source or f"{source_kind}:{origin}"
    prepared = prepare_bytes(
        raw, name, origin, media_type=media_type, source_locator=locator, source_kind=source_kind
    )
    found = session.scalar(select(Document).where(Document.sha256 == prepared.raw_sha))
    if found is not None:
        return found, False
    release_if_read_only(session)  # no connection held while it waits for its turn to extract
    prepare_hooks(prepared)
    begin_write(session)
    found = session.scalar(select(Document).where(Document.sha256 == prepared.raw_sha))
    if found is not None:  # stored meanwhile by another request
        return found, False
    report = IngestReport()
    store_prepared(session, [prepared], report)
    if report.rejected:
        raise BadInput(report.rejected[0][1].removeprefix(f"{prepared.item}: "), item=name)
    if not report.added:  # lost a race with a concurrent insert of the same bytes
        return session.scalar(select(Document).where(Document.sha256 == prepared.raw_sha)), False
    return session.get(Document, report.added[0]), True


def add_feed(session: Session, url: str, interval_s: int | None = None) -> Source:
    source = _get_source(session, url, "feed")
    source.kind = "feed"
    source.poll_interval_s = interval_s or get_settings().feed_poll_interval_s
    return source


def due_feeds(session: Session, now: datetime | None = None) -> list[Source]:
    now = now or datetime.now(UTC)
    feeds = session.scalars(select(Source).where(Source.kind == "feed").order_by(Source.id)).all()
    due = []
    for f in feeds:
        if f.poll_interval_s is None:
            continue  # ingested once by URL, not subscribed
        last = f.last_polled_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if last is None or last + timedelta(seconds=f.poll_interval_s or 0) <= now:
            due.append(f)
    return due


def poll_feed(url: str, session_factory: sessionmaker[Session] | None = None) -> IngestReport:
    """Poll one feed with If-None-Match / If-Modified-Since; a 304 means nothing new."""
    factory = session_factory or default_session_factory()
    report = IngestReport()
    with factory() as s:
        source = s.scalar(select(Source).where(Source.locator == url))
        etag, modified = (source.etag, source.last_modified) if source else (None, None)
    try:
        fetched = fetch(url, etag=etag, last_modified=modified)
    except VedetteError as exc:
        report.rejected.append((url, reason_for(url, exc)))
        _save_feed_state(factory, url, etag, modified, f"error: {exc}")
        record_rejections(factory, report.rejected)
        return report
    if fetched.not_modified:
        _save_feed_state(factory, url, etag, modified, "not modified")
        return report
    if not looks_like_feed(fetched.content, fetched.media_type):
        try:
            parse_feed(fetched.content, url)  # raises the precise reason (not XML, wrong root)
            reason = f"{url}: not an RSS/Atom feed"
        except VedetteError as exc:
            reason = reason_for(url, exc)
        report.rejected.append((url, reason))
        _save_feed_state(factory, url, etag, modified, f"error: {reason}")
        record_rejections(factory, report.rejected)
        return report
    batch: list[Prepared] = []
    try:
        for unit in _prepare_feed_entries(url, fetched.content, factory):
            if isinstance(unit, tuple):
                report.rejected.append(unit)
            else:
                batch.append(unit)
    except VedetteError as exc:
        report.rejected.append((url, reason_for(url, exc)))
        _save_feed_state(factory, url, etag, modified, f"error: {exc}")
        record_rejections(factory, report.rejected)
        return report
    if batch:
        _flush(factory, batch, report, True)
    _save_feed_state(factory, url, fetched.etag, fetched.last_modified, "ok")
    record_rejections(factory, report.rejected)
    return report


def poll_due_feeds(session_factory: sessionmaker[Session] | None = None) -> dict[str, IngestReport]:
    factory = session_factory or default_session_factory()
    with factory() as s:
        urls = [f.locator for f in due_feeds(s)]
    return {url: poll_feed(url, factory) for url in urls}
