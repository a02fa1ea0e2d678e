"""A real Redis for the Celery tests: ``redis-server`` on 127.0.0.1, a free port, no persistence,
started once per test session and killed at its end. A machine without redis-server FAILS these tests
(``bash scripts/system-deps.sh`` as root installs it); they never skip."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: the Celery tests need a real Redis. "
            "Run `bash scripts/system-deps.sh` as root (installs Debian's redis-server), or `make test`.",
            pytrace=False,
        )
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    log_path = folder / "redis.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder), "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_ping(redis, url, proc, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_ping(redis, url: str, proc: subprocess.Popen, log_path: Path) -> None:  # noqa: ANN001
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"redis-server exited with {proc.returncode}: {log_path.read_text()[-2000:]}", pytrace=False)
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            pass
        finally:
            client.close()
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not answer PING within {START_TIMEOUT_S} s at {url}", pytrace=False)
        time.sleep(0.05)


@pytest.fixture
def broker(redis_url: str, clean_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings pointing at the test store and the test Redis (emptied first)."""
    import redis

    from vedette.config import get_settings

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    monkeypatch.setenv("VEDETTE_BROKER_URL", redis_url)
    get_settings.cache_clear()
    return redis_url
