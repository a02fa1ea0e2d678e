"""The dispatcher as a Celery task on a real redis-server (127.0.0.1, a port of its own), and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vedette.alerts import service
from vedette.alerts.models import Alert, OutboxMessage
from vedette.alerts.sinks import FakeSmsProvider, SmtpSink, free_port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    import redis

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (bash scripts/system-deps.sh as root)", pytrace=False)
    port = free_port()
    folder = tmp_path_factory.mktemp("redis-alerts")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                             "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while True:
        try:
            if redis.Redis.from_url(url, socket_connect_timeout=1).ping():
                break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("redis-server did not answer", pytrace=False)
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _queue(session, scope, people) -> Alert:
    alert = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="c", thread_key="adhoc:c",
                  template="adhoc", status="sent", event={"headline": "Stay indoors"})
    session.add(alert)
    session.flush()
    service.queue_messages(session, scope, alert, people, ["email", "sms"])
    session.commit()
    return alert


def test_celery_task_sends_the_outbox_once(session, clean_db, make_scope, make_person, redis_url,
                                           monkeypatch) -> None:
    from celery.contrib.testing.worker import start_worker

    from vedette.alerts.tasks import register_celery
    from vedette.config import get_settings
    from vedette.jobs.celery_app import create_celery

    smtp, sms = SmtpSink().start(), FakeSmsProvider().start()
    try:
        monkeypatch.setenv("VEDETTE_BROKER_URL", redis_url)
        monkeypatch.setenv("VEDETTE_SMTP_URL", smtp.url)
        monkeypatch.setenv("VEDETTE_SMS_URL", sms.url)
        get_settings.cache_clear()
        scope = make_scope("org-a")
        people = [make_person(scope, "Ana", email="ana@example.org"), make_person(scope, "Bob", phone="+33612345679")]
        _queue(session, scope, people)
        app = create_celery()
        register_celery(app)
        assert "alerts.dispatch" in app.conf.beat_schedule
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
            first = app.send_task("alerts.dispatch").get(timeout=60)
            second = app.send_task("alerts.dispatch").get(timeout=60)  # a repeat (redelivery) sends nothing
        assert first["handled"] == 2 and second["handled"] == 0
        assert smtp.received == 1 and sms.received == 1
        session.expire_all()
        assert {m.status for m in session.scalars(select(OutboxMessage))} == {"sent"}
    finally:
        smtp.stop()
        sms.stop()


def test_cli_outbox_dispatch_and_feed_token(session, clean_db, make_scope, make_person) -> None:
    from vedette.cli import app

    scope = make_scope("org-a")
    _queue(session, scope, [make_person(scope, "Ana", email="ana@example.org")])
    runner = CliRunner()
    r = runner.invoke(app, ["alerts", "outbox", "--org", "org-a", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["counts"] == {"queued": 1}
    r = runner.invoke(app, ["alerts", "dispatch"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["handled"] == 1
    r = runner.invoke(app, ["alerts", "outbox", "--org", "org-a", "--local", "--json"])
    msgs = json.loads(r.output)["messages"]
    assert msgs[0]["status"] == "sent" and msgs[0]["subject"] == "Stay indoors"  # the local outbox, offline
    r = runner.invoke(app, ["alerts", "feed-token", "--org", "org-a"])
    assert r.exit_code == 0 and r.output.strip().startswith("vdf_")
    assert runner.invoke(app, ["alerts", "outbox", "--org", "nope"]).exit_code != 0
