"""The in-process scheduler polls a registered feed on its own, while the app serves."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpers import LocalServer, Route
from vedette.intake.models import Document
from vedette.store.db import session_factory


def test_feed_is_polled_on_schedule(clean_db: str, monkeypatch) -> None:
    from vedette.config import get_settings
    from vedette.intake.service import add_feed
    from vedette.web.app import create_app

    with LocalServer({}) as srv:
        srv.routes["/p"] = Route(
            b"<html><body><p>Flooding closed the coastal highway north of the port city "
            b"on Tuesday; authorities opened two shelters.</p></body></html>"
        )
        srv.routes["/rss"] = Route(
            f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Flood</title><link>{srv.base}/p</link></item></channel></rss>""".encode(),
            ctype="application/rss+xml",
        )
        with session_factory(clean_db).begin() as s:
            add_feed(s, f"{srv.base}/rss", interval_s=1)
        monkeypatch.setenv("VEDETTE_SCHEDULER_ENABLED", "true")
        monkeypatch.setenv("VEDETTE_SCHEDULER_TICK_S", "0.2")
        get_settings.cache_clear()
        with TestClient(create_app()):
            deadline = time.time() + 10
            n = 0
            while time.time() < deadline and n == 0:
                time.sleep(0.2)
                with session_factory(clean_db)() as s:
                    n = s.scalar(select(func.count()).select_from(Document))
        assert n == 1
        assert any(path == "/rss" for path, _ in srv.requests)
