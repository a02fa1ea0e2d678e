"""The accounts API: cookie sessions with CSRF, tokens, users, audit, roles on write routes."""

from __future__ import annotations

import pyotp
import pytest
from fastapi.testclient import TestClient

from vedette.tenancy.deps import ROUTE_ACTIONS
from vedette.tenancy.scope import ACTIONS

PASSWORD = "a long enough password"


@pytest.fixture
def https(clean_db):
    """A browser on https (Secure cookies are only sent there)."""
    from vedette.web.app import create_app

    with TestClient(create_app(), base_url="https://testserver") as c:
        yield c


def _login(c, email: str, password: str = PASSWORD, totp: str | None = None):
    return c.post("/api/auth/login", json={"email": email, "password": password, "totp": totp})


def test_cookie_session_with_csrf(accounts, https) -> None:
    accounts.user("org-a", "analyst", "ana@org-a.test", password=PASSWORD)
    r = _login(https, "ana@org-a.test")
    assert r.status_code == 200, r.text
    cookie = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("vedette_session="))
    low = session_cookie.lower()
    assert "httponly" in low and "secure" in low and "samesite=lax" in low
    csrf = r.json()["csrf_token"]
    assert https.get("/api/auth/me").json()["user"]["email"] == "ana@org-a.test"
    # unsafe request without the CSRF token: refused; with it: accepted
    assert https.post("/api/tokens", json={"name": "x"}).status_code == 403
    assert https.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    made = https.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    # logout ends the session server-side: the old cookie value no longer works
    old = https.cookies.get("vedette_session")
    assert https.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    https.cookies.set("vedette_session", old)
    assert https.get("/api/auth/me").status_code == 401


def test_csrf_form_field_accepted(accounts, https) -> None:
    accounts.user("org-a", "analyst", "ana@org-a.test", password=PASSWORD)
    csrf = _login(https, "ana@org-a.test").json()["csrf_token"]
    r = https.post("/api/auth/logout", data={"csrf_token": csrf})
    assert r.status_code == 204


def test_login_failures_and_throttle(accounts, https) -> None:
    accounts.user("org-a", "viewer", "v@org-a.test", password=PASSWORD)
    for _ in range(5):
        assert _login(https, "v@org-a.test", "not the password").status_code == 401
    r = _login(https, "v@org-a.test")
    assert r.status_code == 429
    assert "vedette_session" not in r.headers.get("set-cookie", "")


def test_admin_login_needs_totp(accounts, https, session) -> None:
    from vedette.tenancy.models import User

    accounts.user("org-a", "admin", "adm@org-a.test", password=PASSWORD)
    r = _login(https, "adm@org-a.test")
    assert r.status_code == 401 and r.json()["item"] == "totp"
    secret = session.query(User).filter_by(email="adm@org-a.test").one().totp_secret
    assert _login(https, "adm@org-a.test", totp=pyotp.TOTP(secret).now()).status_code == 200


def test_tokens_api(accounts) -> None:
    with accounts.client("org-a", "viewer") as c:
        made = c.post("/api/tokens", json={"name": "script", "expires_days": 7})
        assert made.status_code == 201
        plain = made.json()["token"]
        listed = c.get("/api/tokens").json()
        assert plain not in str(listed) and {t["name"] for t in listed} >= {"script"}
        with TestClient(c.app, headers={"Authorization": f"Bearer {plain}"}) as other:
            assert other.get("/api/auth/me").json()["via"] == "token"
            assert c.delete(f"/api/tokens/{made.json()['id']}").status_code == 204
            assert other.get("/api/auth/me").status_code == 401


def test_users_api_is_for_admins(accounts) -> None:
    with accounts.client("org-a", "manager") as m:
        assert m.get("/api/users").status_code == 403
        assert m.get("/api/audit").status_code == 403
    with accounts.client("org-a", "admin") as a:
        r = a.post("/api/users", json={"email": "new@org-a.test", "role": "operator"})
        assert r.status_code == 422  # admins never make operators
        r = a.post("/api/users", json={"email": "New@Org-A.test", "role": "viewer"})
        assert r.status_code == 201 and r.json()["email"] == "new@org-a.test"
        uid = r.json()["id"]
        assert a.post(f"/api/users/{uid}/deactivate").json()["active"] is False
        actions = [e["action"] for e in a.get("/api/audit").json()]
        assert "user.create" in actions and "user.deactivate" in actions


def test_write_routes_check_roles(accounts) -> None:
    """A viewer may not change anything; roles follow ROUTE_ACTIONS (matched on the OpenAPI template)."""
    with accounts.client("org-a", "viewer") as v:
        for (method, path), action in ROUTE_ACTIONS.items():
            if action in ACTIONS["viewer"]:
                continue
            url = path.replace("{incident_id}", "1").replace("{document_id}", "1").replace("{user_id}", "1")
            r = v.request(method, url, json={})
            assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
    with accounts.client("org-a", "analyst") as a:
        assert a.post("/api/incidents/1/split", json={}).status_code == 403  # review: operators only
        r = a.post("/api/documents", json={"text": "A short note about nothing.", "name": "n.txt"})
        assert r.status_code in (200, 201), r.text


def test_operator_reviews_shared_intelligence(client) -> None:
    # passes the role check (then 404/422 from the route itself: no such incident)
    assert client.post("/api/incidents/999/split", json={}).status_code in (404, 422)


def test_change_own_password(accounts, https) -> None:
    accounts.user("org-a", "analyst", "ana@org-a.test", password=PASSWORD)
    csrf = _login(https, "ana@org-a.test").json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    wrong = https.post("/api/auth/password", json={"current": "not it at all", "new": "a brand new password"}, headers=h)
    assert wrong.status_code == 403
    ok = https.post("/api/auth/password", json={"current": PASSWORD, "new": "a brand new password"}, headers=h)
    assert ok.status_code == 204
    assert https.get("/api/auth/me").status_code == 401  # sessions ended
    assert _login(https, "ana@org-a.test").status_code == 401
    assert _login(https, "ana@org-a.test", "a brand new password").status_code == 200
