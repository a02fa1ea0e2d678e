"""Crash test of the alerts outbox: nothing lost, nothing duplicated after the receivers' de-duplication.

For each mode (in-process dispatcher process; Celery worker on a redis-server of its own), a fresh store
(SQLite in a temporary folder, or ``--database-url`` for PostgreSQL) gets 10,000 queued messages (70% email
to a real aiosmtpd sink, 30% SMS to a fake provider: a real HTTP server on 127.0.0.1, both in this process).
The dispatcher runs as a separate process, is killed with SIGKILL at random points five times while it is
sending, and restarted each time; the last run finishes the work. Printed per mode:

- ``queued``: messages queued; ``received``: messages the sinks accepted (copies included);
- ``lost``: queued messages no sink received (by idempotency key / Message-ID);
- ``duplicated``: copies received beyond the first, before de-duplication (at most the messages in flight
  at each kill: a message accepted by the sink whose result the dead dispatcher had not yet recorded);
- ``duplicated_after_dedup``: after the receivers drop copies by Message-ID (email) or Idempotency-Key
  (SMS), messages still received more than once for the same (recipient, channel): 0 when every resend
  carries the same stable key.

Last line: one JSON object with keys ``inprocess`` and ``celery``.

    .venv/bin/python bench/alerts_crash.py [--n 10000] [--kills 5] [--database-url URL] [--only inprocess|celery]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SEED = 16


def _env(db_url: str, var: Path, smtp_url: str, sms_url: str, broker: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEDETTE_")}
    env.update({
        "VEDETTE_DATABASE_URL": db_url, "VEDETTE_VAR_DIR": str(var), "VEDETTE_SMTP_URL": smtp_url,
        "VEDETTE_SMS_URL": sms_url, "VEDETTE_BROKER_URL": broker, "VEDETTE_SCHEDULER_ENABLED": "false",
        "VEDETTE_ALERTS_LEASE_S": "3", "VEDETTE_ALERTS_BACKOFF_S": "0.2",
        "VEDETTE_ALERTS_RATE_PER_S": "email=100000,sms=100000,webhook=100000",
        "VEDETTE_ALERTS_BATCH": "200", "VEDETTE_SECRET_KEY": "bench-secret",
    })
    return env


def _setup(db_url: str, n: int) -> None:
    """A fresh store with one organisation, n people and one alert whose n messages are queued."""
    from vedette.alerts import service
    from vedette.alerts.models import Alert
    from vedette.people.models import Person
    from vedette.store.db import session_factory
    from vedette.store.migrate import upgrade
    from vedette.tenancy import service as tenancy
    from vedette.tenancy.authz import cli_scope

    upgrade(db_url)
    with session_factory(db_url)() as s:
        tenancy.create_org(s, "bench", "Bench")
        s.flush()
        scope = cli_scope(s, "bench")
        people = []
        for i in range(n):
            sms = i % 10 >= 7
            people.append(Person(organisation_id=scope.org_id, external_id=f"b{i}", name=f"Person {i}",
                                 emails=[] if sms else [f"p{i}@example.org"],
                                 phones=[f"+3361{i:07d}"] if sms else [], language="fr" if i % 2 else "en"))
        s.add_all(people)
        s.flush()
        alert = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id="crash", thread_key="adhoc:crash",
                      template="adhoc", status="sent", event={"headline": "Stay indoors tonight"})
        s.add(alert)
        s.flush()
        rows = service.queue_messages(s, scope, alert, people, ["email", "sms"])
        assert len(rows) == n, len(rows)
        s.commit()


def _remaining(db_url: str) -> int:
    from sqlalchemy import func, select

    from vedette.alerts.models import OutboxMessage
    from vedette.store.db import session_factory

    with session_factory(db_url)() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.status.in_(("queued", "sending")))) or 0


def _failed(db_url: str) -> int:
    from sqlalchemy import func, select

    from vedette.alerts.models import OutboxMessage
    from vedette.store.db import session_factory

    with session_factory(db_url)() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")) or 0


def _start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    from vedette.alerts.sinks import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (bash scripts/system-deps.sh as root)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if redis.Redis.from_url(url, socket_connect_timeout=1).ping():
                return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not answer")


CELERY_WORKER = (
    "from vedette.jobs.celery_app import get_celery\n"
    "from vedette.alerts.tasks import register_celery\n"
    "app = get_celery()\n"
    "register_celery(app)\n"
    "app.worker_main(['worker', '--pool=solo', '--loglevel=ERROR', '--without-heartbeat', '--without-gossip',"
    " '--without-mingle'])\n"
)


def _spawn(mode: str, env: dict[str, str], log) -> subprocess.Popen:  # noqa: ANN001
    cmd = [PY, "-m", "vedette.alerts.tasks"] if mode == "inprocess" else [PY, "-c", CELERY_WORKER]
    return subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run_mode(mode: str, n: int, kills: int, db_url: str | None, tmp: Path, rng: random.Random) -> dict:
    from vedette.alerts.sinks import FakeSmsProvider, SmtpSink

    folder = tmp / mode
    folder.mkdir()
    if db_url is None:
        url = f"sqlite:///{folder / 'store.sqlite'}"
    else:  # a database of its own on the given server
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"vedette_crash_{mode}_{os.getpid()}"
        admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(db_url).set(database=name).render_as_string(hide_password=False)
    smtp, sms = SmtpSink().start(), FakeSmsProvider().start()
    redis_proc, broker = (None, "")
    if mode == "celery":
        redis_proc, broker = _start_redis(folder)
    env = _env(url, folder / "var", smtp.url, sms.url, broker)
    os.environ.update({k: v for k, v in env.items() if k.startswith("VEDETTE_")})
    from vedette.config import get_settings
    from vedette.store.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    _setup(url, n)
    kicker = None
    if mode == "celery":
        from vedette.jobs.celery_app import create_celery

        kicker = create_celery(get_settings())
    log = (folder / "dispatcher.log").open("wb")
    done_kills = 0
    t0 = time.monotonic()
    last_kick = 0.0
    try:
        while True:
            proc = _spawn(mode, env, log)
            before = smtp.received + sms.received
            if done_kills < kills:
                # wait until it is sending, then let it run a random while and kill it mid-send
                deadline = time.monotonic() + 60
                while smtp.received + sms.received <= before and time.monotonic() < deadline:
                    if kicker is not None and time.monotonic() - last_kick > 0.5:
                        kicker.send_task("alerts.dispatch", kwargs={"max_s": 20.0})
                        last_kick = time.monotonic()
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.2, 1.5))
                _kill(proc)
                done_kills += 1
                continue
            deadline = time.monotonic() + 600
            while _remaining(url) and time.monotonic() < deadline:
                if kicker is not None and time.monotonic() - last_kick > 1.0:
                    kicker.send_task("alerts.dispatch", kwargs={"max_s": 20.0})
                    last_kick = time.monotonic()
                time.sleep(0.2)
            time.sleep(0.5)
            _kill(proc)
            break
    finally:
        log.close()
        elapsed = time.monotonic() - t0
        smtp.stop()
        sms.stop()
        if redis_proc is not None:
            redis_proc.kill()
            redis_proc.wait()
    keys = Counter(smtp.keys) + Counter(sms.keys)
    # after dedup by key: is any (recipient, channel) still received under two different keys?
    logical = Counter()
    seen = set()
    for key, item in [*zip(smtp.keys, smtp.items, strict=True), *zip(sms.keys, sms.items, strict=True)]:
        if key in seen:
            continue
        seen.add(key)
        logical[("email", tuple(item["to"])) if "subject" in item else ("sms", item["to"])] += 1
    received = sum(keys.values())
    out = {
        "queued": n,
        "received": received,
        "lost": n - len(keys),
        "duplicated": received - len(keys),
        "duplicated_after_dedup": sum(c - 1 for c in logical.values() if c > 1),
        "kills": done_kills,
    }
    print(f"{mode}: {json.dumps(out)}  ({elapsed:.1f} s; failed in the store: {_failed(url)}; "
          f"remaining: {_remaining(url)})", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--database-url", default=None, help="a PostgreSQL server URL (a database is made per mode)")
    ap.add_argument("--only", choices=("inprocess", "celery"), default=None)
    args = ap.parse_args()
    rng = random.Random(SEED)
    result = {}
    with tempfile.TemporaryDirectory(prefix="vedette-crash-") as tmp:
        for mode in ("inprocess", "celery"):
            if args.only and mode != args.only:
                continue
            result[mode] = run_mode(mode, args.n, args.kills, args.database_url, Path(tmp), rng)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
