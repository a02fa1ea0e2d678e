"""Alert delivery speed: messages per minute to a local SMTP sink (aiosmtpd) for 10,000 recipients through the
whole dispatcher path (claim with a lease, render-free send on one reused SMTP connection, results recorded),
beside a one-connection-per-message baseline measured in the same run (the same path, a new SMTP connection
per message), and the time from an incident's arrival in the store to the first message handed to the sink
(the in-process loop: flows -> rules -> exposure -> alert -> outbox -> dispatcher), p95 over trials.

Goals: per_min >= 10,000; first_message_p95_s < 5.

    .venv/bin/python bench/alerts.py [--n 10000] [--baseline-n 2000] [--trials 20] [--database-url URL]

Last line: one JSON object with the keys per_min, baseline_per_min, first_message_p95_s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

BAMAKO = (12.6392, -8.0029)


def _configure(db_url: str, var: Path, smtp_url: str) -> None:
    for k in [k for k in os.environ if k.startswith("VEDETTE_")]:
        del os.environ[k]
    os.environ.update({
        "VEDETTE_DATABASE_URL": db_url, "VEDETTE_VAR_DIR": str(var), "VEDETTE_SMTP_URL": smtp_url,
        "VEDETTE_SCHEDULER_ENABLED": "true", "VEDETTE_ALERTS_RATE_PER_S": "email=100000,sms=100000",
        "VEDETTE_ALERTS_DISPATCH_TICK_S": "2", "VEDETTE_ALERTS_BATCH": "500",
    })
    from vedette.config import get_settings
    from vedette.store.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()


def _queue(db_url: str, slug: str, n: int) -> None:
    from vedette.alerts import service
    from vedette.alerts.models import Alert
    from vedette.people.models import Person
    from vedette.store.db import session_factory
    from vedette.tenancy import service as tenancy
    from vedette.tenancy.authz import cli_scope

    with session_factory(db_url)() as s:
        tenancy.create_org(s, slug, slug)
        s.flush()
        scope = cli_scope(s, slug)
        people = [Person(organisation_id=scope.org_id, external_id=f"{slug}{i}", name=f"Person {i}",
                         emails=[f"{slug}{i}@example.org"], language="fr" if i % 2 else "en") for i in range(n)]
        s.add_all(people)
        s.flush()
        alert = Alert(organisation_id=scope.org_id, event_kind="adhoc", event_id=slug, thread_key=f"adhoc:{slug}",
                      template="adhoc", status="sent", event={"headline": "Stay indoors tonight"})
        s.add(alert)
        s.flush()
        service.queue_messages(s, scope, alert, people, ["email"])
        s.commit()


def throughput(db_url: str, smtp, n: int, slug: str, reuse: bool) -> float:  # noqa: ANN001
    from vedette.alerts.channels.local import LocalChannel
    from vedette.alerts.channels.smtp import SmtpChannel
    from vedette.alerts.dispatcher import Dispatcher
    from vedette.store.db import session_factory

    _queue(db_url, slug, n)
    before = smtp.settle()
    channel = SmtpChannel.from_url(smtp.url, reuse=reuse)
    d = Dispatcher(session_factory(db_url), channels={"email": channel, "local": LocalChannel()}, rates={},
                   only=["email"])
    t0 = time.perf_counter()
    handled = d.drain()
    elapsed = time.perf_counter() - t0
    d.close()
    got = smtp.settle() - before
    assert handled == n and got == n, (handled, got)
    return n / elapsed * 60


def first_message(db_url: str, smtp, trials: int) -> list[float]:  # noqa: ANN001
    from vedette.alerts import service, tasks
    from vedette.incidents.models import Incident
    from vedette.people import service as people
    from vedette.people.schemas import LocationIn, PersonIn
    from vedette.store.db import session_factory
    from vedette.tenancy import service as tenancy
    from vedette.tenancy.authz import cli_scope

    exposed = 50
    with session_factory(db_url)() as s:
        tenancy.create_org(s, "latency", "Latency")
        s.flush()
        scope = cli_scope(s, "latency")
        for i in range(exposed):
            p = people.create_person(s, scope, PersonIn(name=f"L{i}", emails=[f"l{i}@example.org"]))
            people.add_location(s, scope, p.id, LocationIn(kind="hotel", lat=BAMAKO[0] + i * 1e-4, lon=BAMAKO[1]))
        service.create_rule(s, scope, {"name": "Mali", "statuses": ["new", "confirmed"], "countries": ["ML"],
                                       "channels": ["email"]})
        s.commit()
    tasks.flows_job()  # the flows' cursors start now (what changed before a first run is history)
    runner = tasks.start_in_process()
    assert runner is not None
    out = []
    try:
        for t in range(trials):
            start_count = smtp.received
            with session_factory(db_url)() as s:
                s.add(Incident(date="2012-03-22", date_precision="day", place="Bamako", country="ML",
                               lat=BAMAKO[0], lon=BAMAKO[1] + t * 1e-3, category="armed_clash", status="new",
                               actors=[]))
                s.commit()
            t0 = time.perf_counter()  # the incident is in the store
            while smtp.received == start_count:
                if time.perf_counter() - t0 > 120:
                    raise SystemExit(f"trial {t}: no message within 120 s")
                time.sleep(0.002)
            out.append(time.perf_counter() - t0)
            deadline = time.monotonic() + 60
            while smtp.received < start_count + exposed and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2 + (t % 5) * 0.37)  # arrivals at different points of the loop's tick
    finally:
        runner.stop()
    return out


class SinkProcess:
    """The SMTP sink (aiosmtpd) in a process of its own, its counts read from a status file."""

    def __init__(self, folder: Path) -> None:
        import subprocess
        import sys

        from vedette.alerts.sinks import free_port

        self.port = free_port()
        self.status = folder / "sink.json"
        self.proc = subprocess.Popen([sys.executable, "-m", "vedette.alerts.sinks", "smtp", "--port", str(self.port),
                                      "--status", str(self.status)])
        deadline = time.monotonic() + 20
        while not self.status.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _doc(self) -> dict:
        for _ in range(20):
            try:
                return json.loads(self.status.read_text())
            except (OSError, ValueError):
                time.sleep(0.01)
        return {"received": 0, "connections": 0}

    @property
    def received(self) -> int:
        return self._doc()["received"]

    @property
    def connections(self) -> int:
        return self._doc()["connections"]

    def settle(self) -> int:
        """The count once the sink's status file has caught up (it is written every 0.02 s)."""
        time.sleep(0.1)
        return self.received

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--baseline-n", type=int, default=2_000)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--database-url", default=None, help="PostgreSQL server URL (a database is made for the run)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vedette-alerts-bench-") as tmp:
        smtp = SinkProcess(Path(tmp))
        try:
            if args.database_url:
                from sqlalchemy import create_engine, text
                from sqlalchemy.engine import make_url

                name = f"vedette_alerts_bench_{os.getpid()}"
                admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                admin.dispose()
                url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
            else:
                url = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
            _configure(url, Path(tmp) / "var", smtp.url)
            from vedette.store.migrate import upgrade

            upgrade(url)
            per_min = throughput(url, smtp, args.n, "reuse", reuse=True)
            conns = smtp.connections
            print(f"dispatcher, one reused SMTP connection: {args.n} messages, {per_min:,.0f}/min "
                  f"({conns} connection(s))", flush=True)
            baseline = throughput(url, smtp, args.baseline_n, "baseline", reuse=False)
            print(f"baseline, one SMTP connection per message: {args.baseline_n} messages, {baseline:,.0f}/min "
                  f"({smtp.connections - conns} connections)", flush=True)
            lat = first_message(url, smtp, args.trials)
            lat.sort()
            p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
            print(f"incident -> first message at the sink: p50 {statistics.median(lat):.2f} s, p95 {p95:.2f} s, "
                  f"max {lat[-1]:.2f} s over {len(lat)} incidents (in-process loop, tick 2 s)", flush=True)
        finally:
            smtp.stop()

    print(json.dumps({"per_min": round(per_min), "baseline_per_min": round(baseline),
                      "first_message_p95_s": round(p95, 3)}))


if __name__ == "__main__":
    main()
