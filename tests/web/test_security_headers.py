"""Security headers on every answer: API JSON (signed in or not), errors (404, 405, 422, 500), pages, static
files, the API docs; a CSP with no inline script; HSTS only when set and only over TLS."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from vedette.config import get_settings

FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _check(answer, what: str) -> dict[str, list[str]]:  # noqa: ANN001
    for key, value in FIXED.items():
        assert answer.headers.get(key) == value, (what, key, answer.headers.get(key))
    csp = answer.headers.get("content-security-policy")
    assert csp, what
    d = _directives(csp)
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"], what
    scripts = d["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, what
    assert all(s == "'self'" or re.fullmatch(r"'nonce-[A-Za-z0-9_-]{16,}'", s) for s in scripts), (what, scripts)
    assert "blob:" in d["worker-src"], what
    assert "strict-transport-security" not in answer.headers, what  # off by default
    return d


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.external: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            src = dict(attrs).get("src")
            (self.external.append(src) if src else None)
            self._open = not src
        for name, _ in attrs:  # event handler attributes are inline script too
            assert not name.startswith("on"), name

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = False


def test_every_route_family_carries_the_headers(client: TestClient, anon_client: TestClient) -> None:
    answers = {
        "API JSON": client.get("/api/incidents"),
        "API JSON, not signed in": anon_client.get("/api/incidents"),
        "API 404": client.get("/api/documents/987654"),
        "unknown path 404": client.get("/no/such/page"),
        "405": client.delete("/api/documents"),
        "422": client.get("/api/documents", params={"limit": "many"}),
        "HTML page": anon_client.get("/login"),
        "static file": client.get("/static/vedette.css"),
        "OpenAPI": client.get("/openapi.json"),
        "/docs": client.get("/docs"),
        "/redoc": client.get("/redoc"),
    }
    statuses = {what: a.status_code for what, a in answers.items()}
    assert statuses.pop("API JSON, not signed in") in (401, 200)  # 401 once every API route needs a sign-in
    assert statuses == {
        "API JSON": 200,
        "API 404": 404,
        "unknown path 404": 404,
        "405": 405,
        "422": 422,
        "HTML page": 200,
        "static file": 200,
        "OpenAPI": 200,
        "/docs": 200,
        "/redoc": 200,
    }
    nonces = set()
    for what, answer in answers.items():
        d = _check(answer, what)
        nonces |= {s for s in d["script-src"] if s.startswith("'nonce-")}
        if what not in ("/docs", "/redoc"):
            assert d["style-src"] == ["'self'"], what
    assert len(nonces) == len(answers)  # a fresh nonce for every answer


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/login"])
def test_pages_have_no_inline_script(anon_client: TestClient, path: str) -> None:
    page = anon_client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    scripts = _Scripts()
    scripts.feed(page.text)
    assert scripts.inline == [] and scripts.external, (path, scripts.inline)
    assert all(src.startswith("/static/") for src in scripts.external), scripts.external
    for src in scripts.external:  # each script the page loads is served here, with the headers too
        _check(anon_client.get(src), src)


def test_an_unhandled_error_answer_carries_the_headers(clean_db: str) -> None:
    from vedette.web.app import create_app

    app = create_app()

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    with TestClient(app, raise_server_exceptions=False) as c:
        answer = c.get("/boom")
    assert answer.status_code == 500
    _check(answer, "500")


def test_a_header_set_by_the_app_is_kept(clean_db: str) -> None:
    from fastapi.responses import PlainTextResponse

    from vedette.web.app import create_app

    app = create_app()

    @app.get("/framed", include_in_schema=False)
    def framed() -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Referrer-Policy": "same-origin"})

    with TestClient(app) as c:
        answer = c.get("/framed")
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_hsts_is_a_setting_sent_only_over_tls(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from vedette.web.app import create_app

    monkeypatch.setenv("VEDETTE_HSTS_MAX_AGE_S", "31536000")
    get_settings.cache_clear()
    with TestClient(create_app()) as plain:
        assert "strict-transport-security" not in plain.get("/openapi.json").headers
        proxied = plain.get("/openapi.json", headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["strict-transport-security"] == "max-age=31536000"
    with TestClient(create_app(), base_url="https://testserver") as tls:
        assert tls.get("/static/vedette.css").headers["strict-transport-security"] == "max-age=31536000"
    monkeypatch.setenv("VEDETTE_HSTS_MAX_AGE_S", "0")
    get_settings.cache_clear()
    with TestClient(create_app(), base_url="https://testserver") as off:
        assert "strict-transport-security" not in off.get("/openapi.json").headers
