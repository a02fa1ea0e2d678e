"""Dashboard speed: the map page with 5,000 incidents in the store, in headless Chromium, and its data endpoint.

    .venv/bin/python bench/dashboard.py [--incidents 5000] [--runs 5]

A fresh SQLite store gets 5,000 incidents spread over West Africa and the Sahel within the 30 days before
the "as of" moment, and an analyst; a real ``vedette serve`` runs on 127.0.0.1. Figures:

- ``map_interactive_s``: from navigation start until the page marks its incident layer drawn
  (``performance.mark("vedette:incidents-drawn")``), median of the runs, signed in, assets cached as a
  returning analyst's browser has them;
- ``baseline_map_interactive_s``: the same page without clustering or viewport filtering (``?baseline=1``:
  every incident fetched and drawn as its own marker);
- ``viewport_p95_ms``: ``GET /api/map/incidents`` for 300 random viewports (country to region size), p95.

Last line: one JSON object with those keys.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VEDETTE = str(Path(sys.executable).with_name("vedette"))
CATEGORIES = ["armed_conflict", "terrorism", "civil_unrest", "kidnapping", "violence_against_civilians",
              "transport_disruption", "crime", "political"]
AS_OF = "2024-06-30"
PASSWORD = "bench passphrase long enough"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(env: dict, n: int) -> None:
    code = f"""
import random
from datetime import date, timedelta
from vedette.store.db import session_scope
from vedette.incidents.models import Incident
from vedette.tenancy import service
rnd = random.Random(5)
cats = {CATEGORIES!r}
end = date.fromisoformat({AS_OF!r})
rows = []
for i in range({n}):
    d = end - timedelta(days=rnd.randint(0, 29))
    rows.append(Incident(date=d.isoformat(), date_precision="day", category=rnd.choice(cats),
        place=f"Town {{i}}", country="ML", lat=rnd.uniform(4.0, 24.0), lon=rnd.uniform(-17.0, 15.0),
        severity=rnd.randint(1, 5), killed=rnd.choice([None, 0, 1, 2, 5]), actors=[], status="new"))
with session_scope() as s:
    s.add_all(rows)
    service.create_org(s, "bench", "Bench")
    service.create_user(s, email="analyst@bench.test", org_slug="bench", role="analyst", password={PASSWORD!r})
    print(service.create_token(s, service.get_user(s, "analyst@bench.test"), name="bench").plain)
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    env["BENCH_TOKEN"] = out.stdout.strip().splitlines()[-1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [VEDETTE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("vedette serve did not start")


def page_times(base: str, runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    fast, plain = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=args)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        page.goto(f"{base}/login")
        page.fill("#email", "analyst@bench.test")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/map")
        for run in range(runs + 1):  # the first run fills the browser's cache, as a returning analyst has it
            for baseline, sink in ((False, fast), (True, plain)):
                url = f"{base}/map?as_of={AS_OF}T12:00" + ("&baseline=1" if baseline else "")
                page.goto(url)
                page.wait_for_selector("body[data-incidents-drawn]", state="attached", timeout=120_000)
                ms = page.evaluate("performance.getEntriesByName('vedette:incidents-drawn')[0].startTime")
                drawn = int(page.evaluate("document.body.dataset.incidentsDrawn"))
                if run:
                    sink.append(ms / 1000)
                if run == 1:
                    print(f"  {'baseline' if baseline else 'map page'}: {drawn} incidents drawn")
        browser.close()
    return fast, plain


def viewport_p95(base: str, token: str, n: int = 300) -> float:
    rnd = random.Random(11)
    times = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        client.get("/api/map/incidents", params={"as_of": AS_OF, "bbox": "-17,4,15,24"})  # warm
        for _ in range(n):
            span = rnd.uniform(2, 12)
            w, s = rnd.uniform(-17, 15 - span), rnd.uniform(4, 24 - span / 2)
            bbox = f"{w:.3f},{s:.3f},{w + span:.3f},{s + span / 2:.3f}"
            t = time.perf_counter()
            r = client.get("/api/map/incidents", params={"as_of": AS_OF, "since": "2024-06-01", "bbox": bbox})
            times.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
    times.sort()
    return times[int(0.95 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, VEDETTE_VAR_DIR=str(Path(tmp) / "var"), VEDETTE_SCHEDULER_ENABLED="false",
                   VEDETTE_COOKIE_SECURE="false")
        env.pop("VEDETTE_DATABASE_URL", None)
        subprocess.run([VEDETTE, "db", "upgrade"], env=env, check=True, capture_output=True)
        seed(env, args.incidents)
        port = free_port()
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            print(f"dashboard: {args.incidents} incidents in a fresh SQLite store, vedette serve on 127.0.0.1")
            fast, plain = page_times(base, args.runs)
            p95 = viewport_p95(base, env["BENCH_TOKEN"])
        finally:
            server.terminate()
            server.wait(10)
    figures = {
        "map_interactive_s": round(statistics.median(fast), 3),
        "viewport_p95_ms": round(p95, 1),
        "baseline_map_interactive_s": round(statistics.median(plain), 3),
    }
    print(f"map page interactive (median of {len(fast)}):  {figures['map_interactive_s']:.3f} s   (goal < 2 s)")
    print(f"baseline, no clustering or viewport filter:   {figures['baseline_map_interactive_s']:.3f} s")
    print(f"viewport query p95 over 300 viewports:       {figures['viewport_p95_ms']:.1f} ms  (goal < 100 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
