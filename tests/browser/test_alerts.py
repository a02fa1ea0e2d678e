"""Alerts and accountability in a real browser: a manager sends an ad-hoc alert to demo people (preview, send),
each person answers "I am safe" from the link in their message (the local outbox of the offline demo, no
login), and the board, open all along, turns green through the live stream. Each page is checked with axe-core
(no serious or critical violation) and saved as a screenshot."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from .conftest import LocalOnlyPage
from .test_dashboard import _axe

PASSWORD = "a long enough passphrase 42"
LINK = re.compile(r"/checkin/([0-9]+\.[A-Z0-9]+\.[0-9]+\.[A-Za-z0-9_-]+)")


@pytest.fixture
def baobab(clean_db: str) -> dict:
    """The demo's people, and a manager of the demo charity (two people in the capital)."""
    from vedette.demo.people import load_demo_people
    from vedette.people.models import Person
    from vedette.store.db import session_scope
    from vedette.tenancy import repository, service

    load_demo_people()
    with session_scope(clean_db) as s:
        service.create_user(s, email="manager@baobab.test", org_slug="baobab", role="manager", password=PASSWORD)
        org = repository.org_by_slug(s, "baobab")
        names = list(s.scalars(select(Person.name).where(Person.organisation_id == org.id).order_by(Person.name)))
    assert len(names) == 2
    return {"email": "manager@baobab.test", "names": names}


def _links(url: str, alert_id: int) -> dict[int, str]:
    """The check-in link of each person, as the local outbox holds their message."""
    from vedette.alerts.models import OutboxMessage
    from vedette.store.db import session_scope

    out = {}
    with session_scope(url) as s:
        for m in s.scalars(select(OutboxMessage).where(OutboxMessage.alert_id == alert_id)):
            found = LINK.search((m.payload or {}).get("text") or "")
            if found:
                out[m.person_id] = found.group(1)
    return out


def test_alert_checkin_board_turns_green(live_server: str, page, browser, baobab: dict, clean_db: str) -> None:  # noqa: ANN001
    base = live_server
    p = page.page
    p.goto(f"{base}/login?next=/alerts/new")
    p.fill("#email", baobab["email"])
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url(re.compile(r"/alerts/new$"))

    # the ad-hoc alert: to the demo people chosen by name, previewed, then sent
    p.fill("#ah-headline", "Stay indoors tonight")
    p.fill("#ah-headline-fr", "Restez chez vous ce soir")
    p.fill("#ah-note", "Unrest is reported downtown. Avoid travel until further notice.")
    p.select_option("#ah-people", label=baobab["names"])
    p.click("#ah-preview")
    p.wait_for_selector("#ah-preview-box:not([hidden])")
    assert "Stay indoors tonight" in p.inner_text("#ah-samples")
    _axe(page, "alert preview")
    page.screenshot("alerts-01-new-alert-preview")
    p.click("#ah-send")
    p.wait_for_url(re.compile(r"/alerts/board/\d+$"))
    alert_id = int(p.url.rsplit("/", 1)[1])
    p.wait_for_selector("#live-state[data-state=live]")
    assert p.locator("#board-rows tr[data-state=waiting]").count() == 2
    _axe(page, "board")
    page.screenshot("alerts-02-board-waiting")

    # each person opens the link from their message (no login) and answers
    links = _links(clean_db, alert_id)
    assert len(links) == 2
    visitor = browser.new_context(viewport={"width": 420, "height": 860}, locale="fr-FR")
    try:
        answering = LocalOnlyPage(visitor.new_page())
        for i, token in enumerate(links.values()):
            answering.page.goto(f"{base}/checkin/{token}")
            answering.page.wait_for_selector("#answer-safe")
            if i == 0:
                _axe(answering, "check-in page")
                answering.screenshot("alerts-03-checkin-link")
                answering.page.fill("#ci-text", "À l'hôtel, tout va bien")
            answering.page.click("#answer-safe")
            answering.page.wait_for_selector("#checkin[data-state=done]")
            if i == 0:
                answering.screenshot("alerts-04-checkin-answered")
        # the same link again: refused with a clear page
        answering.page.goto(f"{base}/checkin/{next(iter(links.values()))}")
        assert answering.page.locator("#checkin[data-state=refused]").count() == 1
        assert answering.remote == [] and answering.errors == []
    finally:
        visitor.close()

    # the board, never reloaded, turns green from the live stream
    p.locator("#board-rows tr[data-state=safe]").nth(1).wait_for(timeout=30_000)
    assert p.locator("#board-rows tr[data-state=waiting]").count() == 0
    assert p.inner_text('#headcount [data-count="safe"]') == "2"
    assert "tout va bien" in p.inner_text("#board-rows")
    _axe(page, "board answered")
    page.screenshot("alerts-05-board-green")

    # the other pages of the alerts area
    for path, name in (("/alerts", "alerts-06-hub"), ("/alerts/outbox", "alerts-07-outbox"),
                       ("/alerts/rules", "alerts-08-rules"), ("/alerts/enrolment", "alerts-09-enrolment")):
        p.goto(base + path)
        _axe(page, path)
        page.screenshot(name)
    assert page.remote == [] and page.errors == []
