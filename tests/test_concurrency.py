"""Concurrent use on both stores: writers take the write lock up front and wait for it (boundedly), reads
never take it, a transaction that reads and then writes does not fail beside a writer, and the same bytes
posted by many clients at once are stored once, every client answered with that document."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from vedette.intake.models import Document, Rejection
from vedette.store.db import begin_write, session_factory

# Written for these tests (no corpus text): two short reports, numbered so that each text is distinct.
REPORT = (
    "On 3 March 2023, unidentified gunmen attacked a market in Maiduguri, killing {n} civilians. "
    "Flights to Mogadishu were suspended on 4 March 2023 after shelling near the runway (report {tag})."
)


def _count(factory, model) -> int:  # noqa: ANN001
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _run_threads(target, n: int) -> list[BaseException]:  # noqa: ANN001
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return errors


def test_posts_at_once_through_the_app_store_each_document_once(client) -> None:  # noqa: ANN001
    """30 clients post at once (10 texts, each by three of them) while 10 others list incidents: no error,
    every post answered with the id of its document, every document stored once."""
    texts = [REPORT.format(n=i + 2, tag=f"http-{i}") for i in range(10)]
    posted: dict[int, tuple[int, int]] = {}
    listed: list[int] = []

    def work(i: int) -> None:
        if i >= 30:
            listed.append(client.get("/api/incidents").status_code)
            return
        r = client.post("/api/documents", json={"text": texts[i % 10], "name": f"c{i}.txt"})
        posted[i] = (r.status_code, r.json().get("id") if r.status_code in (200, 201) else None)

    assert _run_threads(work, 40) == []
    assert listed == [200] * 10
    assert sorted(status for status, _ in posted.values()).count(201) == 10, posted
    assert {status for status, _ in posted.values()} <= {200, 201}
    factory = session_factory()
    with factory() as s:
        stored = {sha: doc_id for doc_id, sha in s.execute(select(Document.id, Document.sha256))}
    assert len(stored) == 10
    for i, (_status, doc_id) in posted.items():
        assert stored[hashlib.sha256(texts[i % 10].encode()).hexdigest()] == doc_id


def test_the_same_bytes_from_many_sessions_at_once_are_stored_once(clean_db: str) -> None:
    from vedette.intake.service import ingest_bytes

    factory = session_factory(clean_db)
    ids: dict[int, int] = {}
    created: list[bool] = []

    def post(i: int) -> None:
        with factory() as s:
            s.scalar(select(func.count()).select_from(Document))  # a read first, as a request's authentication does
            doc, new = ingest_bytes(s, REPORT.format(n=i % 4 + 2, tag="same").encode(), f"s{i}.txt", f"t:{i}")
            s.commit()
            ids[i] = doc.id
            created.append(new)

    assert _run_threads(post, 24) == []
    assert _count(factory, Document) == 4
    assert created.count(True) == 4
    by_text = {}
    for i, doc_id in ids.items():
        by_text.setdefault(i % 4, set()).add(doc_id)
    assert all(len(v) == 1 for v in by_text.values()) and len({min(v) for v in by_text.values()}) == 4


def test_a_transaction_that_reads_then_writes_does_not_fail_beside_a_writer(clean_db: str) -> None:
    """The reported failure: a transaction began by reading, another one committed a write, and the first
    one's write then failed with 'database is locked' (SQLite cannot promote a stale snapshot)."""
    factory = session_factory(clean_db)
    with factory() as reader:
        assert reader.scalar(select(func.count()).select_from(Rejection)) == 0  # its snapshot begins here
        with factory() as other:
            other.add(Rejection(item="other", reason="written by another transaction"))
            other.commit()
        reader.add(Rejection(item="reader", reason="written after reading"))
        reader.commit()
    with factory() as s:
        assert sorted(s.scalars(select(Rejection.item))) == ["other", "reader"]


def test_read_then_write_transactions_racing_each_other_all_commit(clean_db: str) -> None:
    factory = session_factory(clean_db)

    def work(i: int) -> None:
        with factory() as s:
            seen = s.scalar(select(func.count()).select_from(Rejection))
            s.add(Rejection(item=f"r{i}", reason=f"saw {seen}"))
            s.flush()
            s.add(Rejection(item=f"r{i}-again", reason="a second write in the same transaction"))
            s.commit()

    assert _run_threads(work, 30) == []
    assert _count(factory, Rejection) == 60


def test_writers_wait_for_the_write_lock_and_reads_do_not_take_it(clean_db: str) -> None:
    factory = session_factory(clean_db)
    holder = factory()
    try:
        begin_write(holder)
        holder.add(Rejection(item="first", reason="written under the lock"))
        holder.flush()
        with factory() as reader:  # a read is answered while the lock is held (and sees nothing uncommitted)
            assert reader.scalar(select(func.count()).select_from(Rejection)) == 0
        waiting = threading.Event()
        seen: list[int] = []

        def second_writer() -> None:
            with factory() as s:
                waiting.set()
                begin_write(s)  # returns once the holder has committed
                seen.append(s.scalar(select(func.count()).select_from(Rejection)) or 0)
                s.add(Rejection(item="second", reason="after the first"))
                s.commit()

        t = threading.Thread(target=second_writer)
        t.start()
        waiting.wait(30)
        holder.commit()
        t.join(60)
        assert not t.is_alive()
    finally:
        holder.close()
    assert seen == [1]  # it took the lock after the first writer's commit, never beside it
    assert _count(factory, Rejection) == 2


def test_the_wait_for_the_write_lock_is_bounded(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.config import get_settings
    from vedette.store.db import get_engine

    monkeypatch.setenv("VEDETTE_DB_BUSY_TIMEOUT_S", "0.3")
    get_settings.cache_clear()
    get_engine.cache_clear()  # new connections get the short timeout
    factory = session_factory(clean_db)
    holder = factory()
    try:
        begin_write(holder)
        failed: list[BaseException] = []

        def other() -> None:
            with factory() as s:
                try:
                    begin_write(s)
                except OperationalError as exc:
                    failed.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join(120)
        assert not t.is_alive() and len(failed) == 1  # an error after the wait, not a hang
    finally:
        holder.rollback()
        holder.close()
        get_engine.cache_clear()


def test_extraction_runs_before_the_write_lock(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ingest_bytes prepares the document hooks (extraction) before it takes the write lock: another
    writer can take the lock and commit while a document is being prepared."""
    from vedette.config import get_settings
    from vedette.intake import hooks
    from vedette.intake.service import ingest_bytes
    from vedette.store.db import get_engine

    monkeypatch.setenv("VEDETTE_DB_BUSY_TIMEOUT_S", "2")  # were the lock held, the probe would fail, not hang
    get_settings.cache_clear()
    get_engine.cache_clear()
    factory = session_factory(clean_db)

    def prepare(draft: hooks.DocumentDraft) -> str:
        with factory() as probe:
            begin_write(probe)
            probe.add(Rejection(item="probe", reason="written while the document was being prepared"))
            probe.commit()
        return draft.name

    stored: list[str] = []
    hooks.register_document_hook("test-two-phase", lambda s, d, prepared=None: stored.append(prepared), prepare=prepare)
    try:
        with factory() as s:
            doc, created = ingest_bytes(s, REPORT.format(n=5, tag="phases").encode(), "p.txt", "t:p")
            s.commit()
    finally:
        hooks.unregister_document_hook("test-two-phase")
        get_engine.cache_clear()
    assert created and doc.id and stored == ["p.txt"]
    assert _count(factory, Document) == 1 and _count(factory, Rejection) == 1


def test_one_scheduler_among_processes_sharing_a_store_folder(settings_env: Path, monkeypatch) -> None:  # noqa: ANN001
    """`vedette serve --workers N`: the process holding var_dir/scheduler.lock runs the scheduler, the
    others start none."""
    from vedette.config import get_settings
    from vedette.jobs import scheduler

    monkeypatch.setenv("VEDETTE_SCHEDULER_ENABLED", "true")
    get_settings.cache_clear()
    var = get_settings().var_dir
    var.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('held', flush=True); sys.stdin.read()", str(var / "scheduler.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(scheduler, "_elected", None)
        assert scheduler.start_scheduler() is None  # a sibling holds it
    finally:
        holder.communicate("", timeout=30)
    started = scheduler.start_scheduler()  # the sibling is gone: this process takes over
    try:
        assert started is not None
    finally:
        if started is not None:
            started.shutdown(wait=False)
        monkeypatch.setattr(scheduler, "_elected", None)


def test_a_read_only_transaction_is_released_before_slow_work(clean_db: str) -> None:
    from vedette.store.db import release_if_read_only

    factory = session_factory(clean_db)
    with factory() as s:
        s.scalar(select(func.count()).select_from(Document))
        assert release_if_read_only(s) and not s.in_transaction()  # its connection went back to the pool
        s.add(Rejection(item="pending", reason="not flushed yet"))
        assert not release_if_read_only(s)  # a pending change: nothing is ended
        s.flush()
        assert not release_if_read_only(s)  # written: nothing is ended
        s.commit()
    assert _count(factory, Rejection) == 1
