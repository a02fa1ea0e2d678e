"""Local receivers for the tests, the benches and an offline demo: an SMTP sink (aiosmtpd, a dev
dependency), a fake SMS provider and a webhook receiver (plain HTTP servers). All listen on 127.0.0.1 only.

Each records what it accepted with the key receivers de-duplicate by (the email's Message-ID, the SMS's and
webhook's Idempotency-Key), so a test or bench counts both copies received and distinct messages.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import uuid
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: list[str] = []
        self.items: list[dict] = []

    def add(self, key: str, item: dict) -> None:
        with self.lock:
            self.keys.append(key)
            self.items.append(item)

    @property
    def received(self) -> int:
        return len(self.keys)

    @property
    def distinct(self) -> int:
        return len(set(self.keys))

    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(self.keys).values() if n > 1)


class SmtpSink(_Recorder):
    """aiosmtpd on 127.0.0.1: records each message's Message-ID; ``refuse`` (a set of addresses) answers
    550 at RCPT; ``tempfail`` > 0 answers 451 to that many next messages."""

    def __init__(self, port: int | None = None, keep: bool = False) -> None:
        super().__init__()
        self.port = port or free_port()
        self.refuse: set[str] = set()
        self.tempfail = 0
        self.keep = keep
        self.connections = 0
        self._controller = None

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
                if address in sink.refuse:
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
                if sink.tempfail > 0:
                    sink.tempfail -= 1
                    return "451 4.3.0 try again later"
                msg = message_from_bytes(envelope.content)
                item = {"to": list(envelope.rcpt_tos), "subject": msg.get("Subject")}
                if sink.keep:
                    item["message"] = msg
                sink.add(msg.get("Message-ID", ""), item)
                return "250 Message accepted"

            async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201, N802
                sink.connections += 1
                session.host_name = hostname
                return responses

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class _HttpSink(_Recorder):
    def __init__(self, port: int | None = None) -> None:
        super().__init__()
        self.port = port or free_port()
        self.fail_next: list[int] = []  # HTTP statuses to answer next, in order
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:  # pragma: no cover
        raise NotImplementedError

    def start(self):  # noqa: ANN201
        sink = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with sink.lock:
                    sink.requests += 1
                    status = sink.fail_next.pop(0) if sink.fail_next else None
                if status is not None:
                    code, doc = status, {"error": "simulated"}
                else:
                    code, doc = sink.handle(self, body)
                out = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *_a) -> None:  # quiet
                return None

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - a client killed mid-request
                return None

        self._server = Server(("127.0.0.1", self.port), H)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class FakeSmsProvider(_HttpSink):
    """A provider's HTTP API: form-encoded POST with basic auth, answered ``{"id": ...}``; records by the
    Idempotency-Key header."""

    def __init__(self, port: int | None = None, user: str = "acct", password: str = "tok") -> None:
        super().__init__(port)
        self.user, self.password = user, password

    @property
    def url(self) -> str:
        return f"http://{self.user}:{self.password}@127.0.0.1:{self.port}/v1/messages"

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if handler.headers.get("Authorization") != expected:
            return 401, {"error": "unauthorised"}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        pid = f"SM{uuid.uuid4().hex[:24]}"
        self.add(handler.headers.get("Idempotency-Key", ""), {"id": pid, "to": form.get("To"),
                                                              "body": form.get("Body"), "form": form})
        return 201, {"id": pid, "status": "queued"}


class WebhookReceiver(_HttpSink):
    """Records each webhook's body and headers by its Idempotency-Key."""

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        self.add(handler.headers.get("Idempotency-Key", ""), {"body": body, "headers": dict(handler.headers)})
        return 200, {"ok": True}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


class DroppingServer:
    """Accepts TCP connections and closes them at once (an SMTP server that drops the connection)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(16)
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.close()

    def stop(self) -> None:
        self._stop = True
        self._sock.close()


def _serve(argv: list[str] | None = None) -> None:
    """``python -m vedette.alerts.sinks smtp|sms --port P --status FILE``: one receiver in a process of its
    own (the benches: no GIL shared with the dispatcher), writing its counts to FILE every 0.02 s."""
    import argparse
    import time

    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=("smtp", "sms"))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--status", required=True)
    args = ap.parse_args(argv)
    sink = (SmtpSink(args.port) if args.kind == "smtp" else FakeSmsProvider(args.port)).start()
    try:
        while True:
            doc = {"received": sink.received, "distinct": sink.distinct,
                   "connections": getattr(sink, "connections", 0), "t": time.time()}
            tmp = args.status + ".tmp"
            with open(tmp, "w") as fh:
                json.dump(doc, fh)
            import os

            os.replace(tmp, args.status)
            time.sleep(0.02)
    finally:
        sink.stop()


if __name__ == "__main__":
    _serve()
