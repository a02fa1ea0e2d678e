"""Browser tests: a real `vedette` server on 127.0.0.1 and Debian's chromium driven by Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (``scripts/system-deps.sh``
installs it). Every request the page makes is checked: anything not addressed to 127.0.0.1 is aborted and
recorded, and the test fails on it. Screenshots go to ``artifacts/screenshots/`` (``VEDETTE_ARTIFACTS_DIR``
overrides the folder) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("VEDETTE_ARTIFACTS_DIR", REPO / "artifacts")) / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(clean_db: str) -> Iterator[str]:
    """The real ASGI app under uvicorn on a free 127.0.0.1 port, on the test store."""
    import uvicorn

    from vedette.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """One chromium for the browser tests, stopped when they end: Playwright's sync API keeps an event loop
    running in the main thread while it lives, which later tests' asyncio.run() would trip over."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `bash scripts/system-deps.sh` as root (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class LocalOnlyPage:
    """A page whose requests may only reach 127.0.0.1; the others are aborted and listed in ``.remote``."""

    def __init__(self, page) -> None:  # noqa: ANN001 - playwright Page
        self.page = page
        self.remote: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route) -> None:  # noqa: ANN001
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or (parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"):
            route.continue_()
        else:
            self.remote.append(url)
            route.abort()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser) -> Iterator[LocalOnlyPage]:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    try:
        yield LocalOnlyPage(context.new_page())
    finally:
        context.close()
