"""The dashboard's pages over HTTP: sign-in, roles, languages, the map's data, the incident's evidence."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from vedette.incidents.models import Incident, Report
from vedette.intake.models import Document

EVIDENCE = "Armed men stormed the harbour market of Harbourtown, killing three traders."


def _seed(session: Session) -> tuple[int, int]:
    text = f"Daily security note.\n\n{EVIDENCE} Police sealed the area.\n"
    doc = Document(sha256="b" * 64, origin="/tmp/note.txt", name="note.txt", media_type="text/plain",
                   language="en", text=text, size_bytes=len(text))
    session.add(doc)
    session.flush()
    a = Incident(date="2012-03-20", category="armed_conflict", place="Harbourtown", country="ML",
                 lat=12.6, lon=-8.0, killed=3, severity=3, actors=[])
    b = Incident(date="2012-03-28", category="civil_unrest", place="Riverside", country="ML",
                 lat=14.5, lon=-4.2, severity=2, actors=[])
    session.add_all([a, b])
    session.flush()
    start = text.index(EVIDENCE)
    session.add(Report(incident_id=a.id, document_id=doc.id, span_start=start, span_end=start + len(EVIDENCE),
                       evidence=EVIDENCE, provenance={"killed": {"rule": "counts.killed", "span": [0, 1]}},
                       record={}, extractor="test"))
    session.commit()
    return a.id, b.id


def test_pages_send_strangers_to_sign_in(anon_client: TestClient) -> None:
    for path in ("/", "/map", "/feed", "/incidents/1"):
        r = anon_client.get(path, follow_redirects=False)
        assert r.status_code in (303, 307), path
        if path != "/":
            assert r.headers["location"] == f"/login?next={path}"
    login = anon_client.get("/login?next=/feed")
    assert login.status_code == 200
    assert 'id="login-form"' in login.text and 'data-next="/feed"' in login.text


def test_sign_in_never_redirects_off_site(anon_client: TestClient) -> None:
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        page = anon_client.get("/login", params={"next": bad})
        assert 'data-next="/"' in page.text, bad
        r = anon_client.get("/lang/fr", params={"next": bad}, follow_redirects=False)
        assert r.headers["location"] == "/", bad


def test_feed_map_and_incident_for_an_operator(client: TestClient, session: Session) -> None:
    first, second = _seed(session)
    feed = client.get("/feed")
    assert feed.status_code == 200
    assert "Harbourtown" in feed.text and "Riverside" in feed.text
    assert 'data-action="confirm"' in feed.text  # an operator reviews shared intelligence
    assert feed.text.index("Riverside") < feed.text.index("Harbourtown")  # newest first
    severe = client.get("/feed", params={"order": "severe"}).text
    assert severe.index("Harbourtown") < severe.index("Riverside")

    page = client.get(f"/incidents/{first}")
    assert page.status_code == 200
    assert f"<mark>{EVIDENCE}</mark>" in page.text  # the source sentence highlighted in its document
    assert "counts.killed" in page.text  # how each field was found
    assert client.get("/incidents/999999").status_code == 404

    as_of = client.get("/api/map/incidents", params={"as_of": "2012-03-22", "since": "2012-03-01"}).json()
    assert [f["id"] for f in as_of["features"]] == [first]
    later = client.get("/api/map/incidents", params={"as_of": "2012-04-01", "since": "2012-03-01"}).json()
    assert {f["id"] for f in later["features"]} == {first, second}
    viewport = client.get("/api/map/incidents", params={"as_of": "2012-04-01", "bbox": "-9,12,-7,13"}).json()
    assert [f["id"] for f in viewport["features"]] == [first]
    assert client.get("/api/map/incidents", params={"bbox": "1,2,3"}).status_code == 422


def test_a_viewer_gets_no_review_buttons(accounts, session: Session) -> None:
    _seed(session)
    with accounts.client("org-v", "viewer") as viewer:
        feed = viewer.get("/feed")
        assert feed.status_code == 200 and "Harbourtown" in feed.text
        assert 'data-action="confirm"' not in feed.text and 'data-action="dismiss"' not in feed.text


def test_french_interface(client: TestClient, session: Session) -> None:
    _seed(session)
    client.cookies.set("lang", "fr")
    feed = client.get("/feed")
    assert '<html lang="fr">' in feed.text
    assert "Fil et revue" in feed.text and "conflit armé" in feed.text
    client.cookies.set("lang", "en")
    assert "Feed and review" in client.get("/feed").text


def test_people_page_shows_only_the_organisation_s_people(accounts) -> None:
    for org, name in (("org-a", "Alice Armitage"), ("org-b", "Bruno Bellamy")):
        with accounts.client(org, "manager") as c:
            r = c.post("/api/people", json={"name": name, "emails": [f"{org}@example.org"], "tags": ["field team"]})
            assert r.status_code == 201, r.text
    with accounts.client("org-a", "viewer") as viewer:
        page = viewer.get("/people")
        assert page.status_code == 200
        assert "Alice Armitage" in page.text and "Bruno Bellamy" not in page.text
        assert 'id="import-form"' not in page.text  # a viewer imports nothing
    with accounts.client("org-a", "manager") as manager:
        assert 'id="import-form"' in manager.get("/people").text


def test_account_page_by_role(accounts) -> None:
    with accounts.client("org-a", "admin") as admin:
        page = admin.get("/account")
        assert page.status_code == 200
        assert 'id="token-form"' in page.text and 'id="user-form"' in page.text
        assert "admin@org-a.test" in page.text
    with accounts.client("org-a", "analyst") as analyst:
        page = analyst.get("/account")
        assert 'id="token-form"' in page.text and 'id="user-form"' not in page.text
        assert "admin@org-a.test" not in page.text  # users are for admins


def test_an_operator_names_the_organisation_it_acts_for(accounts) -> None:
    accounts.org("client-a")
    accounts.user("ops", "operator", "duty@ops.test")
    accounts.grant("duty@ops.test", "client-a")
    accounts.org("client-b")  # not granted
    with accounts.client("ops", "operator", "duty@ops.test") as op:
        page = op.get("/people")
        assert 'id="org-switch"' in page.text
        assert '<option value="client-a"' in page.text and "client-b" not in page.text
        op.cookies.set("vedette_org", "client-a")
        hop = op.get("/people?q=x", follow_redirects=False)
        assert hop.status_code == 303 and hop.headers["location"] == "/people?q=x&org=client-a"
        assert "People of client-a" in op.get("/people?org=client-a").text
        assert op.get("/people?org=client-b").status_code == 404  # outside its grants: not even its existence
        op.cookies.set("vedette_org", "client-b")
        assert op.get("/people", follow_redirects=False).status_code == 200  # a stale choice is ignored


def test_language_and_time_zone_are_the_user_s_own(accounts) -> None:
    with accounts.client("org-a", "analyst") as c:
        assert c.put("/api/preferences", json={"time_zone": "Mars/Olympus"}).status_code == 422
        r = c.put("/api/preferences", json={"language": "fr", "time_zone": "Africa/Bamako"})
        assert r.status_code == 200 and r.json() == {"language": "fr", "time_zone": "Africa/Bamako"}
        page = c.get("/account", headers={"Accept-Language": "en"})
        assert '<html lang="fr">' in page.text  # the user's setting wins over the browser's
        assert 'data-tz="Africa/Bamako"' in page.text
    with accounts.client("org-a", "viewer") as other:
        assert '<html lang="en">' in other.get("/account", headers={"Accept-Language": "en"}).text


def test_a_viewer_sets_its_own_preferences(accounts) -> None:
    with accounts.client("org-a", "viewer") as c:
        assert c.put("/api/preferences", json={"language": "fr"}).json()["language"] == "fr"
