"""Celery on a real Redis (tests/jobs/conftest.py): a worker in this process runs the jobs, feeds are
served by a real local HTTP server, the documents land in the test store (SQLite or PostgreSQL). The
`vedette worker --beat` command runs as a real process; without a reachable broker it says so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpers import LocalServer, Route
from vedette.incidents.models import Incident, Report
from vedette.intake.models import Document, Source
from vedette.store.db import session_factory

ATTACK = "Gunmen attacked an army post near Tahoua, Niger, on 3 March 2024, killing four soldiers and wounding two."
FLOOD = "Flooding closed the coastal highway north of the port city on Tuesday; authorities opened two shelters."
JOB_TIMEOUT_S = 60


def _rss(base: str, *paths: str) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer({}) as srv:
        srv.routes["/attack"] = Route(ATTACK.encode(), ctype="text/plain; charset=utf-8")
        srv.routes["/flood"] = Route(FLOOD.encode(), ctype="text/plain; charset=utf-8")
        srv.routes["/rss"] = Route(_rss(srv.base, "/attack", "/flood"), ctype="application/rss+xml", etag='"v1"')
        yield srv


@pytest.fixture
def worker(broker: str):
    """A real Celery worker (solo pool) in a thread of this process, on the test Redis."""
    from celery.contrib.testing.worker import start_worker

    from vedette.jobs.celery_app import create_celery

    app = create_celery()
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        yield app


def _documents(url: str) -> dict[str, Document]:
    with session_factory(url)() as s:
        return {d.origin: d for d in s.scalars(select(Document))}


def _count(url: str, model: type) -> int:
    with session_factory(url)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_worker_polls_due_feeds_into_the_store(clean_db: str, worker, site: LocalServer) -> None:
    from vedette.intake.service import add_feed

    with session_factory(clean_db).begin() as s:
        add_feed(s, f"{site.base}/rss", interval_s=3600)
        add_feed(s, f"{site.base}/not-due", interval_s=3600).last_polled_at = func.now()
    result = worker.send_task("intake.poll_due_feeds").get(timeout=JOB_TIMEOUT_S)
    assert list(result) == [f"{site.base}/rss"]  # the feed polled a moment ago is not due
    assert len(result[f"{site.base}/rss"]["added"]) == 2 and result[f"{site.base}/rss"]["rejected"] == []
    docs = _documents(clean_db)
    assert set(docs) == {f"{site.base}/attack", f"{site.base}/flood"}
    assert "killing four soldiers" in docs[f"{site.base}/attack"].text
    assert docs[f"{site.base}/attack"].extractor  # the worker ran extraction on the new document
    assert _count(clean_db, Incident) >= 1
    with session_factory(clean_db)() as s:
        feed = s.scalar(select(Source).where(Source.locator == f"{site.base}/rss"))
    assert feed.last_status == "ok" and feed.etag == '"v1"'
    # polled again on purpose (it is not due): a 304 stores nothing twice
    again = worker.send_task("intake.poll_feed", args=[f"{site.base}/rss"]).get(timeout=JOB_TIMEOUT_S)
    assert again == {"added": [], "duplicates": 0, "rejected": []}
    assert site.requests[-1][1].get("If-None-Match") == '"v1"'
    assert len(_documents(clean_db)) == 2


def test_jobs_api_enqueues_on_celery(clean_db: str, accounts, worker, site: LocalServer) -> None:
    from fastapi.testclient import TestClient

    from vedette.web.app import create_app

    with TestClient(create_app(), headers=accounts.headers("ops", "operator")) as client:
        queued = client.post("/api/jobs/ingest", json={"url": f"{site.base}/attack"})
        assert queued.status_code == 202 and queued.json()["backend"] == "celery"
        done = _wait_for_job(client, queued.json()["id"])
        assert done["name"] == "intake.ingest_url" and len(done["result"]["added"]) == 1
        doc_id = done["result"]["added"][0]
        reports = _count(clean_db, Report)
        assert reports >= 1
        again = _wait_for_job(client, client.post(f"/api/jobs/reextract/{doc_id}").json()["id"])
        assert again["state"] == "SUCCESS" and again["result"] == {"document_id": doc_id, "reports": reports}
        assert _count(clean_db, Report) == reports  # re-extraction replaces, never adds
        assert client.post("/api/jobs/reextract/999999").status_code == 404
        failed = _wait_for_job(client, client.post("/api/jobs/ingest", json={"url": f"{site.base}/gone"}).json()["id"])
        assert failed["state"] == "SUCCESS" and failed["result"]["rejected"][0]["item"] == f"{site.base}/gone"
        assert client.post("/api/jobs/ingest", json={"url": "/etc/passwd"}).status_code == 422


def test_jobs_api_runs_in_process_without_a_broker(clean_db: str, accounts, site: LocalServer) -> None:
    from fastapi.testclient import TestClient

    from vedette.web.app import create_app

    with TestClient(create_app(), headers=accounts.headers("ops", "operator")) as client:
        queued = client.post("/api/jobs/ingest", json={"url": f"{site.base}/flood"})
        assert queued.status_code == 202 and queued.json()["backend"] == "embedded"
        done = _wait_for_job(client, queued.json()["id"])
        assert len(done["result"]["added"]) == 1
        assert client.get("/api/jobs/no-such-job").status_code == 404
    assert set(_documents(clean_db)) == {f"{site.base}/flood"}


def test_enqueue_on_a_dead_broker_is_a_503(clean_db: str, accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from vedette.config import get_settings
    from vedette.web.app import create_app

    monkeypatch.setenv("VEDETTE_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    with TestClient(create_app(), headers=accounts.headers("ops", "operator")) as client:
        answer = client.post("/api/jobs/poll-feeds")
    assert answer.status_code == 503 and "cannot reach the broker at redis://127.0.0.1:" in answer.json()["detail"]


def test_serve_leaves_scheduling_to_celery_when_a_broker_is_set(
    settings_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vedette.config import get_settings
    from vedette.jobs.celery_app import create_celery
    from vedette.jobs.scheduler import start_scheduler

    monkeypatch.setenv("VEDETTE_SCHEDULER_ENABLED", "true")
    monkeypatch.setenv("VEDETTE_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("VEDETTE_SCHEDULER_TICK_S", "45")
    get_settings.cache_clear()
    assert start_scheduler() is None
    app = create_celery()  # building the app contacts nothing
    assert app.conf.beat_schedule["intake.poll_due_feeds"]["schedule"] == 45.0
    assert {"intake.poll_due_feeds", "intake.poll_feed", "intake.ingest_url", "incidents.reextract"} <= set(app.tasks)
    assert {"people.purge", "risk.refresh"} <= set(app.conf.beat_schedule)  # what the in-process one runs, too
    monkeypatch.delenv("VEDETTE_BROKER_URL")
    get_settings.cache_clear()
    scheduler = start_scheduler()  # embedded again: the in-process scheduler is back
    try:
        assert "intake.poll_feeds" in [job.id for job in scheduler.get_jobs()]
    finally:
        scheduler.shutdown(wait=False)


def test_worker_command_names_the_missing_setting(settings_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.cli import app
    from vedette.config import get_settings

    monkeypatch.delenv("VEDETTE_BROKER_URL", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "broker_url is not set" in result.output and "VEDETTE_BROKER_URL" in result.output
    assert "Traceback" not in result.output


def test_worker_command_says_when_the_broker_cannot_be_reached(settings_env) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    env = {**os.environ, "VEDETTE_BROKER_URL": url}
    done = subprocess.run(
        [_vedette(), "worker"], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 2
    assert f"cannot reach the broker at {url} (broker_url, VEDETTE_BROKER_URL)" in done.stderr
    assert "Connection refused" in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_worker_command_with_beat_polls_feeds_on_its_own(
    clean_db: str, broker: str, site: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vedette.intake.service import add_feed

    monkeypatch.setenv("VEDETTE_SCHEDULER_TICK_S", "1")
    with session_factory(clean_db).begin() as s:
        add_feed(s, f"{site.base}/rss", interval_s=3600)
    proc = subprocess.Popen(
        [_vedette(), "worker", "--beat", "--concurrency", "1", "--loglevel", "warning"],
        env=dict(os.environ), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline and len(_documents(clean_db)) < 2 and proc.poll() is None:
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)  # warm shutdown: the worker finishes what it runs, then exits
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert set(_documents(clean_db)) == {f"{site.base}/attack", f"{site.base}/flood"}, output[-3000:]
    assert proc.returncode == 0, output[-3000:]
    assert (Path(os.environ["VEDETTE_VAR_DIR"]) / "celerybeat-schedule").exists() or any(
        Path(os.environ["VEDETTE_VAR_DIR"]).glob("celerybeat-schedule*")
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _vedette() -> str:
    return str(Path(sys.executable).with_name("vedette"))


def _wait_for_job(client, job_id: str) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        body = client.get(f"/api/jobs/{job_id}").json()
        if body["state"] in ("SUCCESS", "FAILURE"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT_S} s: {body}")
