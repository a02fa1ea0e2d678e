"""How `vedette serve` runs: every connection with TCP_NODELAY, a listening socket per worker process
(SO_REUSEPORT) that lives exactly as long as its worker, and the store's planner helped by its indexes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from vedette.web.server import PROTOCOL, NoDelayHTTPProtocol, set_nodelay

VEDETTE = str(Path(sys.executable).with_name("vedette"))


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None


def test_connections_of_a_proto_0_listener_get_nodelay() -> None:
    """uvicorn binds with proto 0, so asyncio leaves Nagle on: the protocol turns it off per connection."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()), listener.accept()[0] as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            set_nodelay(_Transport(accepted))  # type: ignore[arg-type]
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_uvicorn_resolves_the_served_protocol() -> None:
    from uvicorn.config import Config

    config = Config("vedette.web.cli:create_served_app", factory=True, http=PROTOCOL)
    config.load()
    assert config.http_protocol_class is NoDelayHTTPProtocol


def _listeners(port: int) -> int:
    """Sockets listening on 127.0.0.1:port (state 0A in /proc/net/tcp)."""
    want = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1] == want and row.split()[3] == "0A")


def _children(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    out = []
    for child in (int(p) for p in path.read_text().split()) if path.exists() else ():
        try:
            if b"--multiprocessing-fork" in Path(f"/proc/{child}/cmdline").read_bytes():
                out.append(child)
        except OSError:
            continue
    return out


def _wait(predicate, seconds: float = 90) -> bool:  # noqa: ANN001
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _all_answer(base: str, n: int) -> list[int]:
    """``n`` requests, each on a new connection (each hashed to some worker's socket)."""
    statuses = []
    for _ in range(n):
        try:
            statuses.append(httpx.get(f"{base}/api/health", timeout=5).status_code)
        except httpx.HTTPError:
            statuses.append(-1)
    return statuses


def _serve(port: int, workers: int = 1, **env: str) -> subprocess.Popen:
    return subprocess.Popen([VEDETTE, "serve", "--workers", str(workers), "--port", str(port)],
                            env={**os.environ, "VEDETTE_SCHEDULER_ENABLED": "false", **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table")
def test_each_worker_listens_on_its_own_socket_and_a_dead_one_leaves_none_behind(settings_env: Path) -> None:
    port = _free_port()
    server = _serve(port, workers=2)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait(lambda: _listeners(port) == 2 and len(_children(server.pid)) == 2), "two workers listening"
        assert _wait(lambda: _all_answer(base, 1) == [200])
        assert _all_answer(base, 30) == [200] * 30
        # a worker dies: its socket goes with it, the supervisor starts another on a socket of its own
        victim = _children(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        assert _wait(lambda: victim not in _children(server.pid) and len(_children(server.pid)) == 2)
        assert _wait(lambda: _listeners(port) == 2), "the replacement listens; no socket is left behind"
        assert _wait(lambda: _all_answer(base, 1) == [200])
        assert _all_answer(base, 30) == [200] * 30  # with an orphaned socket about a third would hang
    finally:
        _stop(server)
    assert _listeners(port) == 0


def test_serve_names_a_port_in_use(settings_env: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([VEDETTE, "serve", "--workers", "2", "--port", str(port)], capture_output=True,
                              text=True, timeout=120)
    assert done.returncode != 0
    assert f"127.0.0.1:{port}" in done.stderr + done.stdout


def test_the_incident_list_walks_its_index_instead_of_sorting(clean_db: str) -> None:
    """Each page of GET /api/incidents reads the (date, id) index backwards on SQLite (which plans
    without statistics); a status index every row matches once made it sort the whole table."""
    from vedette.incidents.api import LIST_COLUMNS
    from vedette.incidents.models import Incident
    from vedette.incidents.repository import COUNTED_STATUSES, query_incidents
    from vedette.store.db import get_engine

    engine = get_engine(clean_db)
    page = query_incidents(statuses=COUNTED_STATUSES).with_only_columns(*LIST_COLUMNS)
    page = page.order_by(Incident.date.desc(), Incident.id.desc()).limit(100).offset(50)
    sql = str(page.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans from statistics (refreshed after bulk loads: test_bulk_statistics)")
        plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_incidents_date_id_status" in plan and "TEMP B-TREE" not in plan, plan


def test_bulk_statistics_are_refreshed_on_postgresql(clean_db: str) -> None:
    from vedette.store.db import get_engine, refresh_statistics

    engine = get_engine(clean_db)
    ran = refresh_statistics(clean_db)
    assert ran == (engine.dialect.name == "postgresql")
    if ran:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT last_vacuum, last_analyze FROM pg_stat_user_tables "
                                    "WHERE relname = 'incidents'")).one()
        assert row.last_vacuum is not None and row.last_analyze is not None


def test_open_event_streams_keep_no_place_at_the_read_gate(clean_db: str) -> None:
    """Every dashboard keeps GET /api/live open. With two read places and three streams open, a query
    still answers: a stream leaves the gate once it has read its starting point."""
    from vedette.store.db import session_scope
    from vedette.tenancy import service

    with session_scope() as s:
        service.create_org(s, "streams", "Streams")
        service.create_user(s, email="watch@example.org", org_slug="streams", role="analyst", password=None, name="")
    with session_scope() as s:
        token = service.create_token(s, service.get_user(s, "watch@example.org"), name="t").plain
    port = _free_port()
    server = _serve(port, VEDETTE_WEB_READ_SESSIONS="2")
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    streams: list[socket.socket] = []
    try:
        assert _wait(lambda: _all_answer(base, 1) == [200])
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(f"GET /api/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            got = b""
            while b"event: hello" not in got:
                chunk = sock.recv(4096)
                assert chunk, got
                got += chunk
            assert got.startswith(b"HTTP/1.1 200")
            streams.append(sock)
        answer = httpx.get(f"{base}/api/incidents", params={"limit": 5}, headers=headers, timeout=10)
        assert answer.status_code == 200 and "total" in answer.json()
    finally:
        for sock in streams:
            sock.close()
        _stop(server)
