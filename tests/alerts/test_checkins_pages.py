"""The alerts pages render for the signed-in organisation (and only its data); the public enrolment pages
work end to end with plain form posts (no script needed)."""

from __future__ import annotations

import re

from sqlalchemy import select

from .test_checkins_api import _seed


def test_dashboard_pages(accounts, clean_db) -> None:
    manager = accounts.client("org-a", "manager")
    stranger = accounts.client("org-b", "manager")
    seed = _seed(clean_db)
    for path in ("/alerts", "/alerts/new", "/alerts/rules", "/alerts/outbox", "/alerts/enrolment",
                 f"/alerts/board/{seed['alert']}"):
        r = manager.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert "<script>" not in r.text and " style=" not in r.text  # the CSP allows neither
    board = manager.get(f"/alerts/board/{seed['alert']}").text
    assert "Curfew tonight" in board and 'data-state="waiting"' in board
    outbox = manager.get("/alerts/outbox").text
    assert "Ana" in outbox  # the local outbox shows the queued messages, their check-in links open here
    assert f'href="/checkin/{seed["link"]}"' in outbox
    assert stranger.get(f"/alerts/board/{seed['alert']}").status_code == 404
    assert "Curfew" not in stranger.get("/alerts").text
    fr = manager.get("/alerts", cookies={"lang": "fr"})
    assert fr.status_code == 200


def test_public_enrolment_pages(accounts, clean_db, anon_client) -> None:
    from vedette.alerts.models import OutboxMessage
    from vedette.people.models import Person
    from vedette.store.db import session_scope

    manager = accounts.client("org-a", "manager")
    link = manager.post("/api/enrolment-links", json={"label": "Trip", "tags": ["trip"]}).json()
    path = link["url"].split("127.0.0.1:8000", 1)[1]
    page = anon_client.get(path)
    assert page.status_code == 200 and 'name="email"' in page.text
    bad = anon_client.post(path, data={"name": "Zoé", "email": "nope"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    ok = anon_client.post(path, data={"name": "Zoé", "email": "zoe@example.org", "language": "fr",
                                      "destination": "Lyon", "arrive": "2026-12-10", "leave": "2026-12-12"})
    assert ok.status_code == 200 and 'data-state="sent"' in ok.text
    with session_scope(clean_db) as s:
        text = s.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "confirmation")).one().payload["text"]
    confirm = re.search(r"(/enrol/confirm/[A-Za-z0-9_-]+)", text).group(1)
    assert 'data-state="confirm"' in anon_client.get(confirm).text  # opening the link confirms nothing
    with session_scope(clean_db) as s:
        assert s.scalar(select(Person.id).where(Person.name == "Zoé")) is None
    done = anon_client.post(confirm)
    manage = re.search(r'href="(/enrol/manage/[A-Za-z0-9_-]+)"', done.text).group(1)
    assert anon_client.post(confirm).status_code in (403, 409)  # used once
    assert 'value="Zoé"' in anon_client.get(manage).text
    upd = anon_client.post(manage, data={"name": "Zoé M.", "email": "zoe@example.org", "language": "fr"})
    assert upd.status_code == 200 and 'data-state="updated"' in upd.text
    gone = anon_client.post(manage, data={"leave_programme": "1"})
    assert 'data-state="left"' in gone.text
    with session_scope(clean_db) as s:
        assert s.scalar(select(Person.id).where(Person.name.like("Zoé%"))) is None
    assert anon_client.get(manage).status_code == 403
    assert anon_client.get("/enrol/1.forged").status_code == 403


def test_operator_board_links_name_the_organisation(client, clean_db) -> None:
    from conftest import TEST_ORG

    seed = _seed(clean_db, TEST_ORG)
    page = client.get(f"/alerts/board/{seed['alert']}", params={"org": TEST_ORG})
    assert page.status_code == 200
    hrefs = re.findall(r'href="(/api/[^"]+\.csv[^"]*)"', page.text)
    assert len(hrefs) == 2
    for href in hrefs:
        r = client.get(href.replace("&amp;", "&"))
        assert r.status_code == 200 and "headcount" in r.text, href
