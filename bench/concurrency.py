"""Concurrency: a real `vedette serve` under concurrent writers and readers, on SQLite and on PostgreSQL.

For each store (a fresh SQLite file, then a throwaway PostgreSQL cluster from scripts/testdb.sh on a port
and folder of its own) the bench starts `vedette serve` on 127.0.0.1 (a free port) and:

1. single client: sequential document posts on the empty store (the in-run baseline for posts);
2. burst: while `vedette ingest DIR` takes in generated documents, posts documents (JSON ``text``/``name``,
   some texts posted by several clients at once) and queries ``GET /api/incidents``, all at once; then
   checks the store: every post answered with the id of its document, every document stored exactly once,
   every ingested file stored;
3. single client: sequential incident queries on the full store (the in-run baseline for queries);
4. steady: clients querying ``GET /api/incidents`` in a loop;
5. slow URLs: URLs of a local server that trickles one byte every 2 s, posted at once, while queries are
   timed (the server runs with the fetch allow-list setting naming 127.0.0.1).

Beside each figure it prints the in-run single-client baseline and the figures reported in issue 12 (the
old behaviour, which this run cannot reproduce). When the `vedette token create` command exists, the bench
creates an organisation, an analyst and a token through the CLI and sends ``Authorization: Bearer``.

Usage: .venv/bin/python bench/concurrency.py [--stores sqlite,postgresql] [--docs 500] [--posts 200]
       [--gets 200] [--steady-clients 20] [--steady-s 30] [--slow 40] [--workers 0] [--env VEDETTE_X=V]
Last line: one JSON object, keys ``sqlite`` and ``postgresql``, each with ``errors``, ``stored_once``,
``post_p95_s``, ``get_p95_s``, ``steady_get_p95_ms``, ``slow_url_get_p95_s``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VEDETTE = str(ROOT / ".venv" / "bin" / "vedette")
TESTDB = ROOT / "scripts" / "testdb.sh"
REQUEST_TIMEOUT_S = 180.0

ISSUE = {  # what issue 12 reported for the old behaviour (embedded SQLite, same kind of load)
    "post": "old: 20 posts at once -> 16 x 500; 200 at once -> 12 stored; during an ingest 60 of 60 failed",
    "get": "old: 60 GETs at once -> 34 x 500 after 30 s (QueuePool timeout)",
    "steady": "old: not measured",
    "slow": "old: 40 slow URLs blocked every other request for 124 s",
}

# Synthetic material written for this bench (no corpus text).
TOWNS = [
    ("Maiduguri", "Borno", "Nigerian"), ("Mogadishu", "Banadir", "Somali"), ("Goma", "North Kivu", "Congolese"),
    ("Djibo", "Sahel", "Burkinabe"), ("Aden", "Aden", "Yemeni"), ("Peshawar", "Khyber Pakhtunkhwa", "Pakistani"),
    ("Pemba", "Cabo Delgado", "Mozambican"), ("Niamey", "Niamey", "Nigerien"), ("Mosul", "Nineveh", "Iraqi"),
    ("Bunia", "Ituri", "Congolese"),
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
EVENTS = [
    "On {date}, unidentified gunmen attacked a market in {town}, killing {n} civilians and wounding {k} others.",
    "Protesters blocked the main road into {town} on {date}; police fired tear gas to disperse the crowd.",
    "Flights to {town} airport were suspended on {date} after shelling near the runway.",
    "A roadside bomb struck a military convoy outside {town} on {date}, killing {n} soldiers.",
    "Heavy rains caused flooding in parts of {town} on {date}; {n} people died and hundreds were displaced.",
    "Armed men stormed a village in {region} on {date} and set fire to dozens of homes.",
]
FILLER = [
    "The situation remains tense and further incidents cannot be ruled out.",
    "Local officials said the security forces had been reinforced in the area.",
    "Humanitarian organisations have suspended movements in {region} until further notice.",
    "Travellers should expect a visible police presence around markets and government buildings in {town}.",
    "The {dem} authorities have announced additional funding for reconstruction in {region}.",
]


def make_doc(rng: random.Random, tag: str) -> str:
    """About 2 KB of ordinary report text, made unique by ``tag``."""
    parts = [f"Situation report {tag}."]
    while sum(len(p) for p in parts) < 1800:
        town, region, dem = rng.choice(TOWNS)
        date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2019, 2025)}"
        template = rng.choice(EVENTS) if rng.random() < 0.4 else rng.choice(FILLER)
        parts.append(template.format(date=date, town=town, region=region, dem=dem, n=rng.randint(2, 40),
                                     k=rng.randint(1, 30)))
    return " ".join(parts)


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def log(msg: str) -> None:
    print(msg, flush=True)


# ---- a local server that trickles one byte every 2 s --------------------------------------------------------


class Trickle:
    def __init__(self, interval_s: float = 2.0) -> None:
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Trickle:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
                while not self.stop.wait(self.interval_s):
                    conn.sendall(b"x")
            except OSError:
                return


# ---- the store and the server --------------------------------------------------------------------------------


class Store:
    """A fresh store: a SQLite file under ``tmp``, or a database on a throwaway PostgreSQL cluster."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind, self.tmp = kind, tmp
        self.pg_env: dict[str, str] = {}
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / 'var' / 'vedette.sqlite'}"
            return
        port = free_port()
        self.pg_env = {"VEDETTE_PG_PORT": str(port), "VEDETTE_PG_DIR": f"/tmp/vedette-bench-pg-{port}"}
        env = {**os.environ, **self.pg_env}
        admin = subprocess.run(["bash", str(TESTDB), "start"], env=env, check=True, capture_output=True, text=True)
        admin_url = admin.stdout.strip().splitlines()[-1]
        from sqlalchemy import create_engine, text

        eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text('CREATE DATABASE "vedette_bench"'))
        eng.dispose()
        self.url = admin_url.rsplit("/", 1)[0] + "/vedette_bench"
        eng = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        eng.dispose()

    def close(self) -> None:
        if self.pg_env:
            subprocess.run(["bash", str(TESTDB), "stop"], env={**os.environ, **self.pg_env}, check=False)

    def documents(self) -> list[tuple[int, str, str]]:
        from sqlalchemy import create_engine, text

        eng = create_engine(self.url)
        with eng.connect() as conn:
            rows = [tuple(r) for r in conn.execute(text("SELECT id, sha256, origin FROM documents"))]
        eng.dispose()
        return rows


EXTRA_ENV: dict[str, str] = {}  # --env NAME=VALUE: settings for the server and the CLI ingest (experiments)


def server_env(store: Store, tmp: Path) -> dict[str, str]:
    from vedette.config import Settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("VEDETTE_")}
    env.update(EXTRA_ENV)
    env.update(VEDETTE_DATABASE_URL=store.url, VEDETTE_VAR_DIR=str(tmp / "var"))
    allow = [name for name in ("fetch_allow",) if name in Settings.model_fields]
    if allow:
        env["VEDETTE_FETCH_ALLOW"] = "127.0.0.1"
    else:
        log("  (no fetch_allow setting: the slow URLs will be refused as loopback)")
    return env


def vedette(args: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run([VEDETTE, *args], env=env, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


AUTH = ["bearer token (vedette token create)"]
TOKEN_BY_SERVICE = """
from vedette.store.db import session_scope
from vedette.tenancy import service
with session_scope() as s:
    service.create_org(s, "bench", "Bench")
    service.create_user(s, email="bench@example.org", org_slug="bench", role="analyst", password=None, name="")
with session_scope() as s:
    print(service.create_token(s, service.get_user(s, "bench@example.org"), name="bench", expires_days=None).plain)
"""


def bearer_token(env: dict[str, str]) -> str | None:
    """A token through the CLI when `vedette token create` exists (every route then needs one). Should the
    routes want one before the command is there, the tenancy service makes it (same steps as the CLI)."""
    helptext = vedette(["--help"], env).stdout
    if not any(line.strip("│ ").startswith("token ") for line in helptext.splitlines()):
        AUTH[0] = "bearer token (made by the tenancy service: no `vedette token` command yet)"
        probe = subprocess.run([sys.executable, "-c", "import vedette.tenancy.service"], env=env, capture_output=True)
        if probe.returncode:
            return None
        done = subprocess.run([sys.executable, "-c", TOKEN_BY_SERVICE], env=env, capture_output=True, text=True)
        return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None
    email = "bench@example.org"
    for args in (["org", "create", "bench", "--name", "Bench"],
                 ["user", "create", email, "--org", "bench", "--role", "analyst", "--no-password"]):
        done = vedette(args, env)
        if done.returncode:
            raise SystemExit(f"vedette {' '.join(args)} failed: {done.stderr or done.stdout}")
    done = vedette(["token", "create", email, "--name", "bench"], env)
    if done.returncode:
        raise SystemExit(f"vedette token create failed: {done.stderr or done.stdout}")
    return done.stdout.strip().splitlines()[-1]


class Server:
    def __init__(self, env: dict[str, str], tmp: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "serve.log"
        args = [VEDETTE, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if workers:
            args += ["--workers", str(workers)]
        self.proc = subprocess.Popen(args, env=env, stdout=self.log_path.open("w"), stderr=subprocess.STDOUT)

    def wait_ready(self, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"vedette serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/incidents", headers=headers, timeout=5).status_code in (200, 401):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit("vedette serve did not answer within 180 s")

    def rss_mb(self) -> list[int]:
        """Resident memory of the server and its worker processes."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        out = []
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
            out.append(kb // 1024)
        return out

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.log_path.read_text(errors="replace")


# ---- the load --------------------------------------------------------------------------------------------------


async def timed(client: httpx.AsyncClient, method: str, url: str, **kw: object) -> tuple[float, int, object]:
    """(seconds, status, the JSON answer of a POST): a query's answer is read, not parsed (the bench's own
    processor time would count against the server's on this shared machine)."""
    start = time.perf_counter()
    try:
        resp = await client.request(method, url, **kw)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
        json_answer = method == "POST" and resp.headers.get("content-type", "").startswith("application/json")
        return elapsed, resp.status_code, resp.json() if json_answer else None
    except (httpx.HTTPError, ValueError) as exc:
        return time.perf_counter() - start, -1, repr(exc)


def client_for(base: str, headers: dict[str, str], n: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    return httpx.AsyncClient(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_S, limits=limits)


async def sequential(base: str, headers: dict[str, str], requests: list[tuple[str, str, dict]]) -> list[tuple]:
    async with client_for(base, headers, 1) as client:
        return [await timed(client, m, u, **kw) for m, u, kw in requests]


async def burst(base: str, headers: dict[str, str], posts: list[dict], gets: int) -> tuple[list, list]:
    async with client_for(base, headers, len(posts) + gets) as client:
        jobs = [timed(client, "POST", "/api/documents", json=body) for body in posts]
        jobs += [timed(client, "GET", "/api/incidents") for _ in range(gets)]
        order = list(range(len(jobs)))
        random.Random(7).shuffle(order)  # posts and queries interleaved as they arrive
        results: list = [None] * len(jobs)

        async def run(i: int) -> None:
            results[i] = await jobs[i]

        await asyncio.gather(*(run(i) for i in order))
    return results[: len(posts)], results[len(posts):]


async def steady(base: str, headers: dict[str, str], clients: int, seconds: float) -> list[tuple]:
    end = time.monotonic() + seconds
    out: list[tuple] = []
    async with client_for(base, headers, clients) as client:

        async def loop(i: int) -> None:
            rng = random.Random(i)
            while time.monotonic() < end:
                params = {"limit": rng.choice([20, 50, 100]), "offset": rng.choice([0, 0, 50, 100])}
                out.append(await timed(client, "GET", "/api/incidents", params=params))

        await asyncio.gather(*(loop(i) for i in range(clients)))
    return out


async def slow_urls(base: str, headers: dict[str, str], n: int, seconds: float) -> tuple[list, list, int]:
    """``n`` slow URLs posted at once; incident queries timed while they are in flight."""
    with Trickle() as trickle:
        async with client_for(base, headers, n + 8) as client:
            posts = [
                asyncio.ensure_future(timed(client, "POST", "/api/documents",
                                            json={"url": f"http://127.0.0.1:{trickle.port}/slow/{i}.txt"}))
                for i in range(n)
            ]
            wait_until = time.monotonic() + 30
            while trickle.accepted < n and time.monotonic() < wait_until:
                await asyncio.sleep(0.1)
            in_flight = trickle.accepted
            gets: list[tuple] = []
            end = time.monotonic() + seconds

            async def loop() -> None:
                while time.monotonic() < end:
                    gets.append(await timed(client, "GET", "/api/incidents"))

            await asyncio.gather(*(loop() for _ in range(4)))
            trickle.stop.set()  # the slow server goes away: the posts end (502) instead of waiting their deadline
            done = await asyncio.gather(*posts)
    return gets, list(done), in_flight


# ---- one store ---------------------------------------------------------------------------------------------------


def run_store(kind: str, args: argparse.Namespace) -> dict:
    log(f"\n== {kind} == (load average {load()})")
    tmp = Path(tempfile.mkdtemp(prefix=f"vedette-bench-conc-{kind}-"))
    store = Store(kind, tmp)
    server = None
    try:
        env = server_env(store, tmp)
        done = vedette(["db", "upgrade"], env)
        if done.returncode:
            raise SystemExit(f"vedette db upgrade failed: {done.stderr}")
        token = bearer_token(env)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        log(f"  store {store.url.split('@')[-1]}; auth: {AUTH[0] if token else 'none'}")
        server = Server(env, tmp, args.workers)
        server.wait_ready(headers)
        rng = random.Random(12)

        # 1. single client, posts (after one of each, which loads the extraction data: not counted)
        warm = [("POST", "/api/documents", {"json": {"text": make_doc(rng, "warm"), "name": "warm.txt"}}),
                ("GET", "/api/incidents", {})]
        asyncio.run(sequential(server.base, headers, warm))
        single_posts = [{"text": make_doc(rng, f"single-{i}"), "name": f"single-{i}.txt"} for i in range(10)]
        single_post = asyncio.run(sequential(server.base, headers, [("POST", "/api/documents", {"json": b})
                                                                    for b in single_posts]))

        # 2. burst during a CLI ingest
        folder = tmp / "ingest"
        folder.mkdir()
        for i in range(args.docs):
            (folder / f"report-{i:04d}.txt").write_text(make_doc(rng, f"cli-{i}"), encoding="utf-8")
        shared = [make_doc(rng, f"shared-{i}") for i in range(max(1, args.posts // 20))]
        posts = [{"text": shared[i % len(shared)], "name": f"shared-{i}.txt"} for i in range(3 * len(shared))]
        posts += [{"text": make_doc(rng, f"post-{i}"), "name": f"post-{i}.txt"} for i in range(args.posts - len(posts))]
        ingest = subprocess.Popen([VEDETTE, "ingest", str(folder), "--no-progress"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started = time.monotonic()
        while time.monotonic() - started < 60 and ingest.poll() is None:  # until its first documents are stored
            count = len(store.documents())
            if count > len(single_posts):
                break
            time.sleep(0.25)
        ingest_running_at_burst = ingest.poll() is None
        t0 = time.monotonic()
        post_res, get_res = asyncio.run(burst(server.base, headers, posts, args.gets))
        burst_s = time.monotonic() - t0
        load_burst = load()
        ingest_running_after_burst = ingest.poll() is None
        rss = server.rss_mb()
        out, err = ingest.communicate(timeout=1800)
        log(f"  CLI ingest of {args.docs}: exit {ingest.returncode}, {err.strip().splitlines()[0] if err else out}"
            f" (running when the burst began: {ingest_running_at_burst}, when it ended: {ingest_running_after_burst})")

        # the store after the burst
        docs = store.documents()
        by_sha: dict[str, list[int]] = {}
        for doc_id, sha, _origin in docs:
            by_sha.setdefault(sha, []).append(doc_id)
        answered_ok = 0
        for body, (_dt, status, answer) in zip(posts, post_res, strict=True):
            sha = hashlib.sha256(body["text"].encode()).hexdigest()
            if status in (200, 201) and isinstance(answer, dict) and by_sha.get(sha) == [answer.get("id")]:
                answered_ok += 1
        expected = {hashlib.sha256(b["text"].encode()).hexdigest() for b in posts + single_posts}
        expected.add(hashlib.sha256(warm[0][2]["json"]["text"].encode()).hexdigest())
        expected |= {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
        stored_once = (
            answered_ok == len(posts)
            and all(len(ids) == 1 for ids in by_sha.values())
            and set(by_sha) == expected
            and len(docs) == len(expected)
        )
        log(f"  store: {len(docs)} documents for {len(expected)} distinct texts; posts answered with their "
            f"document's id: {answered_ok}/{len(posts)}; stored_once={stored_once}")

        # 3. single client, queries on the full store
        single_get = asyncio.run(sequential(server.base, headers, [("GET", "/api/incidents", {})] * 30))
        # 4. steady
        steady_res = asyncio.run(steady(server.base, headers, args.steady_clients, args.steady_s))
        load_steady = load()
        # 5. slow URLs
        slow_gets, slow_posts, in_flight = asyncio.run(slow_urls(server.base, headers, args.slow, 15.0))

        def bad(results: list[tuple], ok: tuple[int, ...]) -> int:
            return sum(1 for _dt, status, _ in results if status not in ok)

        errors = {
            "single": bad(single_post, (200, 201)) + bad(single_get, (200,)),
            "burst_posts": bad(post_res, (200, 201)),
            "burst_gets": bad(get_res, (200,)),
            "steady": bad(steady_res, (200,)),
            "slow_gets": bad(slow_gets, (200,)),
            "slow_posts_5xx_but_502": sum(1 for _dt, s, _ in slow_posts if s >= 500 and s != 502 or s == -1),
        }
        statuses = sorted({s for _dt, s, _ in post_res + get_res + steady_res + slow_gets})
        log_text = server.stop()
        server = None
        tracebacks = log_text.count("Traceback")
        if tracebacks:
            kept = Path(tempfile.gettempdir()) / f"vedette-bench-concurrency-{kind}-serve.log"
            kept.write_text(log_text)
            log(f"  server log with tracebacks kept at {kept}")
        if ingest.returncode not in (0, None):
            errors["cli_ingest"] = 1
        total_errors = sum(errors.values())

        def s(x: float | None, scale: float = 1.0, nd: int = 3) -> float | None:
            return None if x is None else round(x * scale, nd)

        fig = {
            "errors": total_errors,
            "stored_once": stored_once,
            "post_p95_s": s(p95([r[0] for r in post_res])),
            "get_p95_s": s(p95([r[0] for r in get_res])),
            "steady_get_p95_ms": s(p95([r[0] for r in steady_res]), 1000, 1),
            "slow_url_get_p95_s": s(p95([r[0] for r in slow_gets])),
        }
        base_post, base_get = s(p95([r[0] for r in single_post])), s(p95([r[0] for r in single_get]))
        log(f"  errors: {total_errors} {errors}; statuses seen {statuses}; server tracebacks: {tracebacks}")
        log(f"  burst of {len(posts)} posts + {args.gets} queries took {burst_s:.1f} s (load average after it "
            f"{load_burst}, after the steady phase {load_steady}; 2 cores shared); server memory (RSS, MB per "
            f"process): {rss}")
        log(f"  post p95 {fig['post_p95_s']} s (goal < 10)   | single client {base_post} s | {ISSUE['post']}")
        log(f"  get p95 {fig['get_p95_s']} s (goal < 5)    | single client {base_get} s | {ISSUE['get']}")
        log(f"  steady GET p95 {fig['steady_get_p95_ms']} ms over {len(steady_res)} queries by "
            f"{args.steady_clients} clients (goal < 250) | single client {s(base_get, 1000, 1)} ms | {ISSUE['steady']}")
        log(f"  slow URLs: {in_flight}/{args.slow} fetches in flight; GET p95 {fig['slow_url_get_p95_s']} s over "
            f"{len(slow_gets)} queries (goal < 1) | single client {base_get} s | {ISSUE['slow']}; the slow posts "
            f"answered {sorted({st for _dt, st, _ in slow_posts})}")
        return fig
    finally:
        if server is not None:
            server.stop()
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--docs", type=int, default=500, help="documents of the CLI ingest")
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--gets", type=int, default=200)
    ap.add_argument("--steady-clients", type=int, default=20)
    ap.add_argument("--steady-s", type=float, default=30.0)
    ap.add_argument("--slow", type=int, default=40)
    ap.add_argument("--workers", type=int, default=0, help="server processes (0: the web_workers setting)")
    ap.add_argument("--env", action="append", default=[], metavar="VEDETTE_NAME=VALUE",
                    help="a setting for the server and the CLI ingest (the bench clears inherited VEDETTE_ ones)")
    args = ap.parse_args()
    for item in args.env:
        name, _, value = item.partition("=")
        if not name.startswith("VEDETTE_") or not _:
            raise SystemExit(f"--env {item!r}: expected VEDETTE_NAME=VALUE")
        EXTRA_ENV[name] = value
    if EXTRA_ENV:
        log(f"settings for the server and the CLI ingest: {EXTRA_ENV}")
    result = {}
    for kind in [k.strip() for k in args.stores.split(",") if k.strip()]:
        if kind == "postgresql" and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            log("\n== postgresql == skipped: no PostgreSQL server binaries")
            result[kind] = None
            continue
        result[kind] = run_store(kind, args)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
