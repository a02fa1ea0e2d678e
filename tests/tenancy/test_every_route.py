"""Every API route answers 401 without credentials unless it is on the one public list; records of
another organisation are 404 (never 403).

Routes are read from the OpenAPI document, so a new route is covered the moment it exists.
"""

from __future__ import annotations

import re

import pytest

from conftest import TEST_ORG
from vedette.tenancy.deps import PUBLIC_ROUTES, ROUTE_ACTIONS

METHODS = ("get", "post", "put", "patch", "delete")


def _routes() -> list[tuple[str, str]]:
    from vedette.web.app import create_app

    spec = create_app().openapi()
    return sorted((m.upper(), path) for path, ops in spec["paths"].items() for m in ops if m in METHODS)


ROUTES = _routes()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_public_list_names_real_routes() -> None:
    assert set(PUBLIC_ROUTES) <= set(ROUTES), set(PUBLIC_ROUTES) - set(ROUTES)
    assert ("POST", "/api/auth/login") in PUBLIC_ROUTES and ("GET", "/api/health") in PUBLIC_ROUTES


def test_write_roles_name_real_routes() -> None:
    assert set(ROUTE_ACTIONS) <= set(ROUTES), set(ROUTE_ACTIONS) - set(ROUTES)


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r not in PUBLIC_ROUTES])
def test_route_needs_credentials(anon_client, method: str, path: str) -> None:
    url = _concrete(path)
    r = anon_client.request(method, url)
    assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
    r = anon_client.request(method, url, headers={"Authorization": "Bearer vdt_not-a-real-token"})
    assert r.status_code == 401, (method, path, r.status_code)
    anon_client.cookies.set("vedette_session", "forged")
    r = anon_client.request(method, url, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 401, (method, path, r.status_code)


def _all_api_routes(routes, prefix: str = "") -> set[tuple[str, str]]:
    """Every /api route of the app, those hidden from the OpenAPI document included (FastAPI 0.16x keeps
    included routers as ``_IncludedRouter`` entries: their routes are read through ``original_router``)."""
    found = set()
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            found |= _all_api_routes(inner.routes, prefix + r.include_context.prefix)
        elif getattr(r, "methods", None) and getattr(r, "path", None):
            path = prefix + r.path
            if path.startswith("/api/"):
                found |= {(m, path) for m in r.methods if m.lower() in METHODS}
    return found


def test_routes_hidden_from_the_openapi_document_need_credentials_too(anon_client) -> None:
    from vedette.web.app import create_app

    every = _all_api_routes(create_app().routes)
    assert set(ROUTES) <= every  # the walk sees at least what the document lists
    for method, path in sorted(every - set(ROUTES) - PUBLIC_ROUTES):
        r = anon_client.request(method, _concrete(path))
        assert r.status_code == 401, (method, path, r.status_code)


def test_public_routes_answer_without_credentials(anon_client) -> None:
    assert anon_client.get("/api/health").json()["status"] == "ok"
    assert anon_client.post("/api/auth/login", json={"email": "a@b.test", "password": "x"}).status_code == 401
    assert anon_client.post("/api/auth/reset", json={"token": "x.y", "password": "p" * 12}).status_code == 422
    assert anon_client.get("/openapi.json").status_code == 200


# --- two organisations: a scaffold for every domain's isolation tests -----------------------------------------


@pytest.fixture
def two_orgs(accounts):
    """Two organisations, each with an admin and a viewer client; plus an operator granted org-a only.

    Domains extend their isolation tests from here: create a record as ``a["admin"]`` and expect 404 for it
    from ``b["admin"]`` (reads and writes alike) and from ``operator`` with ``?org=org-b``.
    """
    orgs = {}
    for slug in ("org-a", "org-b"):
        orgs[slug] = {role: accounts.client(slug, role) for role in ("admin", "viewer")}
    accounts.user("ops", "operator", "op@ops.test")
    accounts.grant("op@ops.test", "org-a")
    orgs["operator"] = accounts.client("ops", "operator", "op@ops.test")
    yield orgs
    for v in orgs.values():
        for c in v.values() if isinstance(v, dict) else [v]:
            c.close()


def test_another_orgs_records_are_404(two_orgs) -> None:
    a, b, op = two_orgs["org-a"]["admin"], two_orgs["org-b"]["admin"], two_orgs["operator"]
    made = a.post("/api/users", json={"email": "new@org-a.test", "role": "analyst"})
    assert made.status_code == 201, made.text
    uid = made.json()["id"]
    assert "new@org-a.test" in {u["email"] for u in a.get("/api/users").json()}
    assert "new@org-a.test" not in {u["email"] for u in b.get("/api/users").json()}
    assert b.post(f"/api/users/{uid}/deactivate").status_code == 404  # not 403: existence does not leak
    assert a.get("/api/users").json()[0]["active"] is True
    # an admin cannot act for another organisation by naming it
    assert b.get("/api/users", params={"org": "org-a"}).status_code == 404
    assert b.get("/api/users", params={"org": "no-such-org"}).status_code == 404
    # the operator: granted org-a, not org-b; both answer alike for a missing and a forbidden org
    assert op.get("/api/audit", params={"org": "org-a"}).status_code == 200
    assert op.get("/api/audit", params={"org": "org-b"}).status_code == 404
    assert op.get("/api/audit", params={"org": "no-such-org"}).status_code == 404
    # audit rows stay with their organisation
    assert str(uid) in {e["target_id"] for e in a.get("/api/audit").json() if e["action"] == "user.create"}
    assert str(uid) not in {e["target_id"] for e in b.get("/api/audit").json()}


def test_operator_acts_for_granted_org_and_is_audited(two_orgs) -> None:
    op, a = two_orgs["operator"], two_orgs["org-a"]["admin"]
    me = op.get("/api/auth/me", params={"org": "org-a"}).json()
    assert me["acting_for"]["slug"] == "org-a" and me["role"] == "operator"
    assert {o["slug"] for o in me["can_act_for"]} == {"ops", "org-a"}
    rows = a.get("/api/audit", params={"action": "operator.act"}).json()
    assert rows and rows[0]["on_behalf"] is True and rows[0]["target_id"] == "GET /api/auth/me"


def test_default_client_is_an_operator_with_a_grant(client) -> None:
    me = client.get("/api/auth/me").json()
    assert me["role"] == "operator"
    assert TEST_ORG in {o["slug"] for o in me["can_act_for"]}
    assert client.get("/api/auth/me", params={"org": TEST_ORG}).json()["acting_for"]["slug"] == TEST_ORG
