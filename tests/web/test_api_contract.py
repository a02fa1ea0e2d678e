"""The API keeps its contract: what Schemathesis found, each pinned down by a targeted test.

- integers of 2^63 and more never reach the store (422, not 500);
- timestamps the store gives back without a zone are answered in UTC, with their zone;
- request bodies over their limit are refused with 413 before they are read whole;
- POST /api/documents documents its request body (a multipart file, or JSON url | text).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from vedette.web.limits import MAX_ID

HUGE = 2**63  # the smallest integer SQLite cannot take (PostgreSQL INTEGER ids stop at 2^31 - 1)


def test_huge_ids_offsets_and_body_ids_are_422_not_500(client) -> None:
    for path in (
        f"/api/documents/{HUGE}",
        f"/api/incidents/{HUGE}",
        f"/api/documents?offset={HUGE}",
        f"/api/incidents?offset={HUGE}",
        f"/api/documents/{2**64}",
        f"/api/incidents/{2**31}",
        "/api/documents/0",
        "/api/documents?offset=-1",
    ):
        r = client.get(path)
        assert r.status_code == 422, (path, r.status_code, r.text)
    for path, body in (
        (f"/api/incidents/{HUGE}/split", {"report_id": 1}),
        ("/api/incidents/1/split", {"report_id": HUGE}),
        ("/api/incidents/1/merge", {"other_id": HUGE}),
        (f"/api/jobs/reextract/{HUGE}", None),
        ("/api/feeds", {"url": "http://127.0.0.1:9/feed", "interval_s": HUGE, "poll_now": False}),
    ):
        r = client.post(path, json=body)
        assert r.status_code == 422, (path, r.status_code, r.text)


def test_the_largest_accepted_id_is_a_plain_not_found(client) -> None:
    assert client.get(f"/api/documents/{MAX_ID}").status_code == 404
    assert client.get(f"/api/incidents/{MAX_ID}").status_code == 404
    assert client.get(f"/api/documents/{MAX_ID + 1}").status_code == 422
    page = client.get(f"/api/incidents?offset={MAX_ID}")
    assert page.status_code == 200 and page.json()["items"] == []


def _spec() -> dict:
    from vedette.web.app import create_app

    return create_app().openapi()


SPEC = _spec()
OPERATIONS = [(method.upper(), path) for path, ops in SPEC["paths"].items() for method in ops]


def _unbounded_integers(schema: dict, where: str) -> list[str]:
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    found = []
    if schema.get("type") == "integer" and "maximum" not in schema:
        found.append(where)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found += _unbounded_integers(sub, where)
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded_integers(prop, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        found += _unbounded_integers(schema["items"], f"{where}[]")
    return found


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_integer_parameter_and_body_field_is_bounded(method: str, path: str) -> None:
    """No integer reaches the store unbounded: each has a maximum in the OpenAPI (``le=MAX_ID``)."""
    op = SPEC["paths"][path][method.lower()]
    unbounded = []
    for param in op.get("parameters", []):
        unbounded += _unbounded_integers(param.get("schema", {}), param["name"])
    for media, content in op.get("requestBody", {}).get("content", {}).items():
        unbounded += _unbounded_integers(content.get("schema", {}), f"body ({media})")
    assert unbounded == [], "unbounded integers: add le=MAX_ID (vedette.web.limits)"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_documents_the_answers_of_the_edge(method: str, path: str) -> None:
    """Any URL can carry a NUL (400); a body can be undecodable (400), too large (413) or invalid (422)."""
    op = SPEC["paths"][path][method.lower()]
    codes = ("400", "413", "422") if "requestBody" in op else ("400",)
    assert [code for code in codes if code not in op["responses"]] == []


def test_a_nul_in_a_url_is_400_before_any_store_sees_it(client) -> None:
    """PostgreSQL refuses NUL in any text it compares: such URLs never reach a query."""
    for url in (
        "/api/places?q=a%00b",
        "/api/places/gn:1%00",
        "/api/incidents?q=%00",
        "/api/incidents?admin1=x%00&country=ML",
        "/api/advisories?country=M%00",
        "/api/documents?org=test%00org",
    ):
        r = client.get(url)
        assert r.status_code == 400, (url, r.status_code, r.text)
        assert r.json()["item"] == "url"
    assert client.get("/api/places?q=a").status_code == 200


def test_naive_timestamps_from_the_store_come_back_in_utc_with_their_zone(client, session: Session) -> None:
    from vedette.intake.models import Document, Source
    from vedette.risk.models import Advisory

    stamp = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)  # SQLite gives it back naive
    doc = Document(
        sha256="c" * 64, origin="api:t.txt", name="t.txt", media_type="text/plain", language="en",
        text="A report.", size_bytes=9, fetched_at=stamp, published_at=stamp - timedelta(days=1),
    )
    feed = Source(
        kind="feed", locator="http://127.0.0.1:9/feed.xml", poll_interval_s=900, last_polled_at=stamp
    )
    session.add_all([doc, feed])
    session.flush()
    session.add(
        Advisory(country="ML", level=3, indicators=[], regions_to_avoid=[], reason="test", created_at=stamp)
    )
    session.commit()

    got = client.get(f"/api/documents/{doc.id}").json()
    assert got["fetched_at"] == "2020-01-02T03:04:05Z"
    assert got["published_at"] == "2020-01-01T03:04:05Z"
    listed = client.get("/api/documents").json()["items"]
    assert [d["fetched_at"] for d in listed] == ["2020-01-02T03:04:05Z"]
    feeds = client.get("/api/feeds").json()
    assert [f["last_polled_at"] for f in feeds] == ["2020-01-02T03:04:05Z"]
    advisories = client.get("/api/advisories?history=true").json()
    assert [a["created_at"] for a in advisories] == ["2020-01-02T03:04:05Z"]


def test_utc_datetime_converts_other_zones_and_assumes_utc_for_naive() -> None:
    from vedette.intake.schemas import FeedOut

    def polled(value: datetime) -> str:
        out = FeedOut(
            id=1, locator="x", poll_interval_s=None, last_polled_at=value, last_status=None, etag=None,
            last_modified=None,
        )
        return out.model_dump(mode="json")["last_polled_at"]

    assert polled(datetime(2020, 1, 2, 3, 4, 5)) == "2020-01-02T03:04:05Z"
    plus_two = timezone(timedelta(hours=2))
    assert polled(datetime(2020, 1, 2, 5, 4, 5, tzinfo=plus_two)) == "2020-01-02T03:04:05Z"


# --- request body size ------------------------------------------------------------------------------------

CHUNK = b"x" * 65536


def _asgi_post(
    app, path: str, headers: dict[str, str], chunks: int, first: bytes = b""  # noqa: ANN001
) -> tuple[int, int, bytes]:
    """POST ``first`` then ``chunks`` chunks of 64 KiB to ``app`` in-process, streamed (no Content-Length
    unless given in ``headers``). Returns (status, data chunks the app pulled, response body)."""
    pulled = 0
    sent: list[dict] = []
    started = not first

    async def receive() -> dict:
        nonlocal pulled, started
        if not started:
            started = True
            return {"type": "http.request", "body": first, "more_body": True}
        if pulled < chunks:
            pulled += 1
            return {"type": "http.request", "body": CHUNK, "more_body": pulled < chunks}
        await asyncio.sleep(3600)  # a client that sent everything waits for the answer
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], pulled, body


@pytest.fixture
def small_limits(settings_env, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:  # noqa: ANN001
    from vedette.config import get_settings

    monkeypatch.setenv("VEDETTE_MAX_JSON_BYTES", str(4 * len(CHUNK)))
    monkeypatch.setenv("VEDETTE_MAX_DOCUMENT_BYTES", str(6 * len(CHUNK)))
    monkeypatch.setenv("VEDETTE_MAX_REQUEST_BYTES", str(8 * len(CHUNK)))
    get_settings.cache_clear()
    return 4 * len(CHUNK), 8 * len(CHUNK)


@pytest.fixture
def auth_headers(accounts) -> dict[str, str]:  # noqa: ANN001 - conftest.Accounts
    from conftest import OPERATOR_EMAIL, OPERATOR_ORG

    accounts.user(OPERATOR_ORG, "operator", OPERATOR_EMAIL)
    return {"Authorization": f"Bearer {accounts.token(OPERATOR_EMAIL)}"}


def test_a_declared_length_over_the_limit_is_refused_before_any_byte_is_read(
    clean_db, small_limits, auth_headers
) -> None:  # noqa: ANN001
    from vedette.web.app import create_app

    json_limit, upload_limit = small_limits
    app = create_app()
    headers = {**auth_headers, "content-type": "application/json", "content-length": str(json_limit + 1)}
    status, pulled, body = _asgi_post(app, "/api/places", headers, chunks=1000)
    assert (status, pulled) == (413, 0)
    assert b"too large" in body
    multipart = "multipart/form-data; boundary=b"
    headers = {**auth_headers, "content-type": multipart, "content-length": str(10**12)}
    status, pulled, _ = _asgi_post(app, "/api/documents", headers, chunks=1000)
    assert (status, pulled) == (413, 0)


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(
    clean_db, small_limits, auth_headers  # noqa: ANN001
) -> None:
    from vedette.web.app import create_app

    json_limit, upload_limit = small_limits
    app = create_app()
    # A JSON route: 1000 chunks (64 MB) offered, refused after the limit's worth.
    headers = {**auth_headers, "content-type": "application/json"}
    status, pulled, body = _asgi_post(app, "/api/places", headers, 1000)
    assert status == 413 and b"too large" in body
    # it stopped at the chunk that passed the limit
    assert (pulled - 1) * len(CHUNK) <= json_limit < pulled * len(CHUNK)
    # The upload route takes more than a JSON route, but not without end: a file part that never ends.
    headers = {**auth_headers, "content-type": "multipart/form-data; boundary=b"}
    part = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )
    status, pulled, body = _asgi_post(app, "/api/documents", headers, 1000, first=part)
    assert status == 413 and b"too large" in body
    assert len(part) + (pulled - 1) * len(CHUNK) <= upload_limit < len(part) + pulled * len(CHUNK)


@pytest.fixture
def live_server(clean_db: str) -> Iterator[tuple[str, int]]:
    """The app under uvicorn on 127.0.0.1 (a port of its own, bound before the server starts)."""
    import uvicorn

    from vedette.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.05)
    assert server.started, "the test server did not start"
    try:
        yield sock.getsockname()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_a_real_server_refuses_a_150_mb_body_without_waiting_for_it(live_server) -> None:  # noqa: ANN001
    """Only the headers are sent: the answer comes without the server reading (or waiting for) the body,
    and before any authentication."""
    declared = 150 * 1024 * 1024
    with socket.create_connection(live_server, timeout=60) as conn:
        conn.sendall(
            b"POST /api/places HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {declared}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = conn.recv(65536)  # a server waiting for the body would time out here
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_bodies_within_the_limits_still_go_through(client, small_limits) -> None:  # noqa: ANN001
    json_limit, upload_limit = small_limits
    text = "Gunmen attacked a convoy near the river on 3 March 2024. " * 100
    posted = client.post("/api/documents", json={"text": text, "name": "convoy.txt"})
    assert posted.status_code == 201, posted.text
    # A JSON body over the JSON limit but under the upload limit: fine for a document, not for a place.
    big = "y" * (json_limit + 1000)
    assert client.post("/api/places", json={"name": big, "lat": 0, "lon": 0}).status_code == 413
    posted = client.post("/api/documents", json={"text": "A report. " + big, "name": "big.txt"})
    assert posted.status_code != 413, posted.text
    upload = client.post("/api/documents", files={"file": ("r.txt", b"A report. " * 1000, "text/plain")})
    assert upload.status_code == 201, upload.text
    too_big = client.post(
        "/api/documents", files={"file": ("r.txt", b"z" * (upload_limit + 1), "text/plain")}
    )
    assert too_big.status_code == 413


# --- documented request bodies ----------------------------------------------------------------------------


def test_post_documents_documents_both_request_bodies(client) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/documents"]["post"]
    content = op["requestBody"]["content"]
    assert op["requestBody"]["required"] is True
    upload = content["multipart/form-data"]["schema"]
    assert upload["required"] == ["file"] and upload["properties"]["file"]["format"] == "binary"
    variants = content["application/json"]["schema"]["oneOf"]
    assert [sorted(v["required"]) for v in variants] == [["url"], ["text"]]
    assert "name" in variants[1]["properties"]
    for code in ("200", "201", "400", "413", "422", "502"):
        assert code in op["responses"], code
