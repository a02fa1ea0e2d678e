"""Engine, sessions and the write lock. SQLite runs in WAL mode; PostgreSQL via ``postgresql+psycopg://``.

Concurrency model (the same on both stores):

* **Reads** never take the write lock. On SQLite a transaction starts with a plain (deferred) ``BEGIN``
  and reads a snapshot; WAL lets it run beside a writer.
* **Writes** take the store's write lock up front, through :func:`begin_write` (or
  ``session_scope(write=True)``), and wait for it at most ``db_busy_timeout_s``. On SQLite that is
  ``BEGIN IMMEDIATE`` under the busy timeout; on PostgreSQL a transaction-scoped advisory lock under
  ``lock_timeout``, so that writers that merge incidents see each other's rows as SQLite's do. Callers
  do their slow work (reading, extraction) first and keep the write transaction short.
* **Safety net** for code that reads and then writes without saying so: on SQLite a deferred
  transaction that has only read is moved onto the write lock at its first write (or savepoint): its
  read snapshot ends there, as each statement's does on PostgreSQL (READ COMMITTED), instead of
  failing with ``database is locked``.
* **Request sessions** (:func:`request_session`) pass a per-process gate before they are made, reads
  and writes through separate gates (``web_read_sessions`` / ``web_write_sessions``): a request waits
  there without holding a thread or a connection, the pool (``db_pool_size``) holds every session the
  gates let in, and reads never wait behind writes. See notes/concurrency.md.
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from vedette.config import get_settings

# Where a connection stands in its transaction (kept in ``Connection.info``, i.e. per DB-API connection).
_STATE = "vedette.txn"
FRESH, READ, WRITE = "fresh", "read", "write"
_NOT_STATEMENTS = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|END)\b", re.IGNORECASE)
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
# One advisory lock key for the store's write lock on PostgreSQL (a stable 32-bit number).
WRITE_LOCK_KEY = zlib.crc32(b"vedette.store.write")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
    dbapi_conn.isolation_level = None  # autocommit at the driver; transactions are begun explicitly
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(get_settings().db_busy_timeout_s * 1000)}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling commits when a SAVEPOINT is released outside an explicit
    # transaction; let SQLAlchemy emit BEGIN itself so nested transactions behave (SQLAlchemy's recipe).
    # A plain BEGIN is deferred: it takes no lock until the transaction writes.
    conn.exec_driver_sql("BEGIN")
    conn.info[_STATE] = FRESH


def _txn_end(conn: Connection) -> None:
    conn.info.pop(_STATE, None)
    _release_gate(conn.info)


# Writers of one process queue on a lock of their own before they ask SQLite for its write lock: a commit
# hands the lock straight to the next thread, instead of leaving every waiter asleep in SQLite's busy
# handler (which polls with back-off, leaving the lock idle, and favours whoever asks again first).
_GATE = "vedette.write_gate"
_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def _gate_for(conn: Connection) -> threading.Lock:
    key = str(conn.engine.url)
    with _gates_lock:
        return _gates.setdefault(key, threading.Lock())


def _release_gate(info: dict) -> None:
    gate = info.pop(_GATE, None)
    if gate is not None:
        gate.release()


# A connection returned, dropped or closed while in a write transaction gives the gate back as well.
def _on_reset(_dbapi_connection, connection_record, _reset_state) -> None:  # noqa: ANN001
    _release_gate(connection_record.info)


def _on_invalidate(_dbapi_connection, connection_record, _exception) -> None:  # noqa: ANN001
    _release_gate(connection_record.info)


def _on_close(_dbapi_connection, connection_record) -> None:  # noqa: ANN001
    _release_gate(connection_record.info)


def _sqlite_take_write_lock(conn: Connection) -> None:
    """Put this SQLite transaction on the write lock now (waiting up to the busy timeout).

    A deferred transaction that has read holds a snapshot, and SQLite refuses to turn a stale snapshot
    into a writer (``database is locked`` at once, whatever the busy timeout): so it ends its read-only
    part and begins again with ``BEGIN IMMEDIATE``; nothing it wrote is lost, since it wrote nothing yet.
    """
    if conn.info.get(_STATE) in (None, WRITE):
        return
    gate = _gate_for(conn)
    if not gate.acquire(timeout=get_settings().db_busy_timeout_s):
        raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("database is locked (by this process)"))
    conn.info[_GATE] = gate
    raw = conn.connection.driver_connection
    try:
        raw.execute("COMMIT")  # read-only so far: ends the snapshot, nothing else
        raw.execute("BEGIN IMMEDIATE")
    except raw.OperationalError as exc:  # still locked (by another process) after the busy timeout
        _release_gate(conn.info)
        if raw.in_transaction is False:
            raw.execute("BEGIN")  # the caller's transaction stays open (it will roll back)
        conn.info[_STATE] = FRESH
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    conn.info[_STATE] = WRITE


def _sqlite_before_execute(conn, _cursor, statement, _params, _context, _many):  # noqa: ANN001, ANN202
    state = conn.info.get(_STATE)
    if state is None or state == WRITE or _NOT_STATEMENTS.match(statement):
        return statement, _params
    if _WRITES.match(statement):
        if state == READ:
            _sqlite_take_write_lock(conn)  # the safety net: read, then write
        conn.info[_STATE] = WRITE  # a fresh transaction's first write waits for the lock under busy_timeout
    else:
        conn.info[_STATE] = READ
    return statement, _params


def _pg_begin(conn: Connection) -> None:
    conn.info[_STATE] = FRESH


def _pg_before_execute(conn, _cursor, statement, _params, _context, _many):  # noqa: ANN001, ANN202
    state = conn.info.get(_STATE)
    if state in (FRESH, READ) and not _NOT_STATEMENTS.match(statement):
        conn.info[_STATE] = WRITE if _WRITES.match(statement) else READ
    return statement, _params


def _sqlite_savepoint(conn: Connection, _name: str) -> None:
    # SAVEPOINTs here mean "write this, or nothing of it": take the lock before the savepoint opens, as
    # the read-then-write move above cannot happen inside one.
    _sqlite_take_write_lock(conn)


def _pg_take_write_lock(conn: Connection) -> None:
    if conn.info.get(_STATE) == WRITE:
        return
    timeout_ms = int(get_settings().db_busy_timeout_s * 1000)
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout_ms}")
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
    conn.info[_STATE] = WRITE


def server_processes() -> int:
    """Processes of `vedette serve` sharing the store (the web_workers setting; its 0: one per CPU, at most 4)."""
    return get_settings().web_workers or min(os.cpu_count() or 1, 4)


def _pg_connection_budget(url: str) -> int | None:
    """This process's share of the PostgreSQL server's connections: (max_connections - 10 kept for the CLI,
    jobs and administration) / server processes."""
    try:
        probe = create_engine(url, poolclass=NullPool)
        with probe.connect() as conn:
            limit = int(conn.exec_driver_sql("SHOW max_connections").scalar_one())
        probe.dispose()
    except Exception:  # noqa: BLE001 - the pool then keeps its default size; the error shows at first use
        return None
    return max(2, (limit - 10) // server_processes())


def _pool_args(url: str) -> dict[str, Any]:
    """Enough connections for every session the request gates admit (and 8 for the scheduler and jobs), or,
    on PostgreSQL, this process's share of the server's connections, whichever is fewer."""
    s = get_settings()
    overflow = s.db_pool_overflow
    size = s.db_pool_size or (s.web_read_sessions + s.web_write_sessions + 8)
    if not s.db_pool_size and url.startswith("postgresql"):
        budget = _pg_connection_budget(url)
        if budget is not None:
            overflow = min(overflow, budget // 4)
            size = max(1, min(size, budget - overflow))
    return {"pool_size": size, "max_overflow": overflow, "pool_timeout": s.db_pool_timeout_s}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        memory = not path or path == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        timeout = get_settings().db_busy_timeout_s
        connect_args = {"check_same_thread": False, "timeout": timeout}
        engine = create_engine(url, connect_args=connect_args, **({} if memory else _pool_args(url)))
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _txn_end)
        event.listen(engine, "rollback", _txn_end)
        event.listen(engine, "savepoint", _sqlite_savepoint)
        event.listen(engine, "before_cursor_execute", _sqlite_before_execute, retval=True)
        event.listen(engine.pool, "reset", _on_reset)
        event.listen(engine.pool, "invalidate", _on_invalidate)
        event.listen(engine.pool, "close", _on_close)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **_pool_args(url))
    event.listen(engine, "begin", _pg_begin)
    event.listen(engine, "commit", _txn_end)
    event.listen(engine, "rollback", _txn_end)
    event.listen(engine, "before_cursor_execute", _pg_before_execute, retval=True)
    return engine


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().effective_database_url)


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


def begin_write(session: Session) -> Connection:
    """Make the session's transaction a write transaction now: it holds the store's write lock until it
    commits or rolls back, having waited at most ``db_busy_timeout_s`` for it.

    Call it right before the writes, after the slow work. Reads in the same transaction before this
    call may be re-read afterwards on SQLite (see the module's note); on PostgreSQL nothing changes.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        _sqlite_take_write_lock(conn)
    elif conn.dialect.name == "postgresql":
        _pg_take_write_lock(conn)
    return conn


def refresh_statistics(url: str | None = None) -> bool:
    """After a bulk load, PostgreSQL's ``VACUUM ANALYZE`` (what its manual advises). Until autovacuum's next
    pass the planner would plan for the tables as they were (an empty table: a sort of every row for each
    page of a list, instead of a walk down its index), and counts could not be answered from an index
    alone (the visibility map is set by VACUUM). SQLite's planner here runs without statistics: the
    schema's indexes are chosen for that. Returns whether it ran."""
    engine = get_engine(url)
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: no transaction
        conn.exec_driver_sql("VACUUM ANALYZE")
    return True


def release_if_read_only(session: Session) -> bool:
    """End the session's transaction if it has only read (no pending changes, nothing written): its
    connection goes back to the pool (and on SQLite its read snapshot ends) while the caller does slow
    work before writing. What it loaded stays usable (sessions here do not expire objects on commit).
    Returns whether it did."""
    if not session.in_transaction() or session.in_nested_transaction():
        return False
    if session.new or session.dirty or session.deleted:
        return False
    if session.connection().info.get(_STATE) not in (FRESH, READ):
        return False
    session.commit()
    return True


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error; ``write=True`` takes the write
    lock first (:func:`begin_write`)."""
    session = session_factory(url)()
    try:
        if write:
            begin_write(session)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# ---- request sessions: gates sized with the pool and the thread pool ---------------------------------------


class _Capacity:
    """Per event loop: the read and write gates, and the thread pool sized with them.

    A request waits at its gate holding neither a thread nor a connection. Past the gate it holds a
    session, which holds a connection from its first query to its end, and between the two it may wait
    for a thread (FastAPI serialises a sync route's answer on one). Were every thread blocked waiting
    for a connection while every connection waited for a thread, nothing would move: so the threads and
    connections together outnumber the sessions the gates admit (threads + pool > read + write).
    """

    def __init__(self) -> None:
        import anyio
        import anyio.to_thread

        s = get_settings()
        self.read = anyio.Semaphore(s.web_read_sessions)
        self.write = anyio.Semaphore(s.web_write_sessions)
        pool = get_engine().pool
        size = getattr(pool, "size", 0)  # QueuePool.size() is a method; other pools differ
        connections = (size() if callable(size) else size or 0) + max(0, getattr(pool, "_max_overflow", 0))
        limiter = anyio.to_thread.current_default_thread_limiter()
        needed = s.web_read_sessions + s.web_write_sessions - connections + 1
        limiter.total_tokens = max(limiter.total_tokens, s.web_threads, needed)


def _capacity() -> _Capacity:
    from anyio.lowlevel import RunVar

    global _CAPACITY
    if _CAPACITY is None:
        _CAPACITY = RunVar("vedette_capacity")
    cap = _CAPACITY.get(None)
    if cap is None:
        cap = _Capacity()
        _CAPACITY.set(cap)
    return cap


_CAPACITY = None
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _finish(session: Session, ok: bool) -> None:
    try:
        if ok:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _finish_in_thread(session: Session, ok: bool) -> None:
    """End a session on a thread of its own limiter: a request that holds a connection never queues behind
    requests that wait for one (FastAPI does the same for the exit of sync dependencies)."""
    import anyio
    import anyio.to_thread

    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(_finish, session, ok, limiter=anyio.CapacityLimiter(1))


@asynccontextmanager
async def request_session(method: str = "GET", url: str | None = None) -> AsyncIterator[Session]:
    """The session of one HTTP request: admitted by the read gate (GET, HEAD, OPTIONS) or the write gate
    (anything else), committed when the request succeeds, rolled back otherwise, and closed on a thread
    that no other request can hold up."""
    cap = _capacity()
    gate = cap.read if method.upper() in READ_METHODS else cap.write
    await gate.acquire()
    left = False

    def leave() -> None:  # on the event loop's thread, once
        nonlocal left
        if not left:
            left = True
            gate.release()

    try:
        session = session_factory(url)()
        session.info[_LEAVE_GATE] = leave
        try:
            yield session
        except BaseException:
            await _finish_in_thread(session, False)
            raise
        await _finish_in_thread(session, True)
    finally:
        leave()


_LEAVE_GATE = "vedette.leave_gate"


def leave_gate(session: Session) -> None:
    """For a request that goes on long after its store work (an event stream): end its session now and
    give its place at the gate to the next request. FastAPI ends a dependency's session only when the
    response is over: held for the life of a stream, each open dashboard kept a read place, and as many
    dashboards as places starved every read. Call it from the event loop (an ``async def`` route)."""
    session.close()
    leave = session.info.pop(_LEAVE_GATE, None)
    if leave is not None:
        leave()
