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


def test_help_raises_an_alarm_the_analyst_claims(live_server: str, page, browser, baobab: dict,  # noqa: ANN001
                                                  clean_db: str) -> None:
    """One person answers "I need help": the alarm appears on /alerts (live), the analyst claims and resolves
    it; the other person is accounted for by phone from the board."""
    from vedette.alerts import service
    from vedette.people.models import Person
    from vedette.store.db import session_scope
    from vedette.tenancy.authz import cli_scope

    with session_scope(clean_db) as s:
        scope = cli_scope(s, "baobab")
        people = list(s.scalars(select(Person).where(Person.organisation_id == scope.org_id).order_by(Person.name)))
        key = service.new_adhoc_key()
        alert = service.draft_alert(s, scope, event_kind="adhoc", event_id=key.split(":")[1], thread_key=key,
                                    template="adhoc", event={"headline": "Checkpoint closed"},
                                    recipients=[service.Recipient(p) for p in people], channels=["email"])
        alert = service.send_alert(s, scope, alert.id)
        alert_id = alert.id
    links = _links(clean_db, alert_id)
    base, p = live_server, page.page
    p.goto(f"{base}/login?next=/alerts")
    p.fill("#email", baobab["email"])
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url(re.compile(r"/alerts$"))
    p.wait_for_selector("#live-state[data-state=live]")
    assert p.locator("#alarms tr[data-alarm]").count() == 0

    visitor = browser.new_context()
    try:
        helper = LocalOnlyPage(visitor.new_page())
        helper.page.goto(f"{base}/checkin/{links[people[0].id]}")
        helper.page.fill("#ci-text", "Stuck at the checkpoint")
        helper.page.click("#answer-help")
        helper.page.wait_for_selector("#checkin[data-state=done]")
    finally:
        visitor.close()

    p.wait_for_selector("#alarms tr.alarm-help")  # the page reloads when an alarm arrives on the live stream
    _axe(page, "alarms")
    page.screenshot("alerts-10-alarm")
    p.click("#alarms button.claim")
    p.wait_for_selector("#alarms tr.alarm-help >> text=by you")
    p.fill("#alarms form.resolve-form input[name=note]", "Called, a driver is on the way")
    p.click("#alarms form.resolve-form button[type=submit]")
    p.wait_for_selector("#alarms td.empty")

    p.goto(f"{base}/alerts/board/{alert_id}")
    assert p.locator("#board-rows tr[data-state=help]").count() == 1
    p.fill(f"#board-rows tr[data-person='{people[1].id}'] input[name=note]", "Reached by phone, at home")
    p.click(f"#board-rows tr[data-person='{people[1].id}'] button[type=submit]")
    p.wait_for_selector(f"#board-rows tr[data-person='{people[1].id}'][data-state=accounted]")
    _axe(page, "board with help")
    page.screenshot("alerts-11-board-help-accounted")
    assert page.remote == [] and page.errors == []


def test_enrolment_links_ladder_and_roster_from_the_page(live_server: str, page, browser, baobab: dict) -> None:  # noqa: ANN001
    """A manager makes an enrolment link, sets the ladder and adds a duty shift; a traveller enrols through
    the link (confirmation by email, held as pending until then)."""
    base, p = live_server, page.page
    p.goto(f"{base}/login?next=/alerts/enrolment")
    p.fill("#email", baobab["email"])
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url(re.compile(r"/alerts/enrolment$"))
    p.fill("#lk-label", "Travellers 2026")
    p.fill("#lk-tags", "traveller")
    p.click("#link-form button[type=submit]")
    url = p.locator("#links a.enrol-url").first
    url.wait_for()
    link = url.get_attribute("href")
    assert "/enrol/" in link
    p.fill("#ld-after-2", "15")
    p.click("#ladder-form button[type=submit]")
    p.wait_for_selector("#ladder-h:not(:has-text('(default)'))")
    assert p.input_value("#ld-after-2") == "15"
    p.select_option("#sh-person", label=baobab["names"][0])
    p.fill("#sh-from", "2030-01-01T08:00")
    p.fill("#sh-to", "2030-01-01T20:00")
    p.click("#shift-form button[type=submit]")
    p.wait_for_selector(f"#roster td:has-text('{baobab['names'][0]}')")
    _axe(page, "enrolment, ladder, roster")
    page.screenshot("alerts-12-enrolment-ladder-roster")

    visitor = browser.new_context(locale="fr-FR")
    try:
        traveller = LocalOnlyPage(visitor.new_page())
        traveller.page.goto(base + "/enrol/" + link.rsplit("/enrol/", 1)[1])
        _axe(traveller, "enrolment form")
        traveller.page.fill("#en-name", "Zoé Voyageuse")
        traveller.page.fill("#en-email", "zoe@example.org")
        traveller.page.fill("#en-phone", "+33 6 12 34 56 78")
        traveller.page.fill("#en-destination", "Lyon")
        traveller.page.fill("#en-arrive", "2030-02-01")
        traveller.page.fill("#en-leave", "2030-02-10")
        traveller.page.click("#enrol-form button[type=submit]")
        traveller.page.wait_for_selector("#enrol[data-state=sent]")
        traveller.screenshot("alerts-13-enrolment-sent")
        assert traveller.remote == [] and traveller.errors == []
    finally:
        visitor.close()
    p.reload()
    assert "+1" in p.inner_text("#links")  # one pending enrolment on the link
    assert page.remote == [] and page.errors == []


def test_rules_from_the_page(live_server: str, page, baobab: dict) -> None:  # noqa: ANN001
    base, p = live_server, page.page
    p.goto(f"{base}/login?next=/alerts/rules")
    p.fill("#email", baobab["email"])
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_url(re.compile(r"/alerts/rules$"))
    p.fill("#ru-name", "Serious incidents near our people")
    p.select_option("#ru-severity", "3")
    p.fill("#ru-countries", "ml")
    p.click("#rule-form button[type=submit]")
    row = p.locator("#rules tr[data-rule]")
    row.first.wait_for()
    assert "ML" in row.first.inner_text() and "Serious incidents" in row.first.inner_text()
    p.click("#rules button.rule-toggle")
    p.wait_for_selector("#rules button.rule-toggle[data-enabled='0']")
    _axe(page, "rules")
    page.screenshot("alerts-14-rules")
    p.click("#rules button.rule-delete")
    p.wait_for_selector("#rules td.empty")
    assert page.remote == [] and page.errors == []
