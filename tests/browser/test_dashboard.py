"""The duty analyst's day in a real browser: sign in, upload a document, see its incident on the map and in
the feed, confirm it, open its country page (level, trend chart), see a demo person's exposure. Each page
is checked with axe-core (no serious or critical violation) and saved as a screenshot."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

PASSWORD = "a long enough passphrase 42"
REPORT = (
    "Security flash, Mali, 25 March 2012.\n\n"
    "On 25 March 2012, gunmen attacked a police checkpoint in Markala, killing two officers and wounding "
    "three others, witnesses said. The road to the checkpoint was closed for the night.\n"
)


def _axe(page, name: str) -> None:  # noqa: ANN001
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page.page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], f"{name}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in bad)


@pytest.fixture
def demo_store(clean_db: str) -> dict:
    """The demo's documents and people, and an operator (password and TOTP) granted the demo organisation."""
    import pyotp

    from vedette.demo.cli import DEMO_DIR
    from vedette.demo.people import load_demo_people
    from vedette.intake.service import ingest_items
    from vedette.store.db import session_scope
    from vedette.tenancy import repository, service

    ingest_items([str(DEMO_DIR)])
    load_demo_people()
    with session_scope(clean_db) as s:
        ops = repository.org_by_slug(s, "ops") or service.create_org(s, "ops", "Operations desk")
        new = service.create_user(s, email="duty@ops.test", org_slug=ops.slug, role="operator", password=PASSWORD)
        user = service.get_user(s, "duty@ops.test")
        service.new_totp(s, user)
        secret = user.totp_secret
        service.grant_operator(s, "duty@ops.test", "kanaga")
    assert new is not None
    return {"email": "duty@ops.test", "totp": pyotp.TOTP(secret)}


def _sign_in(page, base: str, creds: dict, next_path: str) -> None:  # noqa: ANN001
    page.page.goto(f"{base}/login?next={next_path}")
    _axe(page, "login")
    page.screenshot("01-login")
    page.page.fill("#email", creds["email"])
    page.page.fill("#password", PASSWORD)
    page.page.click("button[type=submit]")
    page.page.wait_for_selector("#totp-error:not(:empty)")  # an operator needs the second factor
    page.page.fill("#totp", creds["totp"].now())
    page.page.click("button[type=submit]")
    page.page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_duty_analyst_flow(live_server: str, page, demo_store: dict, tmp_path, clean_db: str) -> None:  # noqa: ANN001
    from vedette.incidents.models import Incident
    from vedette.store.db import session_scope

    base = live_server
    _sign_in(page, base, demo_store, "/documents")
    assert page.page.locator("#live-state[data-state=live]").count() == 1 or page.page.wait_for_selector(
        "#live-state[data-state=live]", timeout=10_000
    )

    # upload a document
    report = tmp_path / "2012-03-25_flash_markala.txt"
    report.write_text(REPORT, encoding="utf-8")
    page.page.set_input_files("#file", str(report))
    page.page.click("#upload-form button[type=submit]")
    page.page.wait_for_selector("text=2012-03-25_flash_markala.txt", timeout=30_000)
    _axe(page, "documents")
    page.screenshot("02-documents")
    with session_scope(clean_db) as s:
        inc = s.scalars(select(Incident).where(Incident.place == "Markala", Incident.date == "2012-03-25",
                                           Incident.category == "armed_conflict")).first()
        assert inc is not None, "the uploaded report gave no incident at Markala"
        incident_id = inc.id

    # its incident on the map, as of the day after
    page.page.goto(f"{base}/map?as_of=2012-03-26T12:00")
    page.page.wait_for_selector("body[data-incidents-drawn]", state="attached", timeout=30_000)
    ids = page.page.evaluate(
        "fetch('/api/map/incidents?as_of=2012-03-26&since=2012-03-01').then(r => r.json())"
        ".then(fc => fc.features.map(f => f.id))"
    )
    assert incident_id in ids
    page.page.wait_for_timeout(800)
    _axe(page, "map")
    page.screenshot("03-map")

    # in the feed, confirmed by the operator
    page.page.goto(f"{base}/feed")
    row = page.page.locator(f"#incident-{incident_id}")
    assert "Markala" in row.inner_text()
    row.locator("button[data-action=confirm]").click()
    row.locator(".badge-confirmed").wait_for(timeout=10_000)
    _axe(page, "feed")
    page.screenshot("04-feed")
    with session_scope(clean_db) as s:
        assert s.get(Incident, incident_id).status == "confirmed"

    # its country page: the level and the trend chart
    page.page.goto(f"{base}/countries/ML")
    page.page.wait_for_selector("#trend[data-drawn]", timeout=20_000)
    assert "4" in page.page.locator("#effective-level").inner_text()
    assert page.page.locator("#trend canvas").count() >= 1
    _axe(page, "country")
    page.screenshot("05-country")

    # a demo person's exposure, acting for the demo organisation
    page.page.goto(f"{base}/incidents/{incident_id}?org=kanaga")
    exposed = page.page.locator("table.exposure tbody tr")
    assert exposed.count() >= 1, "nobody of the demo organisation is exposed in Markala"
    assert "km" in page.page.locator("table.exposure").inner_text()  # why, in words: how far from the incident
    assert page.page.locator("mark").count() >= 1  # the source sentence highlighted
    _axe(page, "incident")
    page.screenshot("06-incident")

    assert page.remote == []
    assert page.errors == []


def test_hand_entry_edit_and_stale_edit(live_server: str, page, demo_store: dict, clean_db: str) -> None:  # noqa: ANN001
    from vedette.incidents.models import Incident
    from vedette.store.db import session_scope

    _sign_in(page, live_server, demo_store, "/feed")
    pg = page.page
    pg.click("button[data-open=new-dialog]")
    form = pg.locator("#new-form")
    form.locator("[name=date]").fill("2012-03-27")
    form.locator("[name=category]").select_option("civil_unrest")
    form.locator("[name=place]").fill("Kati")
    form.locator("[name=place]").dispatch_event("input")
    pg.wait_for_timeout(1200)  # the gazetteer's suggestions arrive
    form.locator("[name=place]").dispatch_event("change")
    form.locator(".place-resolved").wait_for(state="visible")
    assert "ML" in form.locator(".place-resolved").inner_text()
    _axe(page, "hand entry")
    page.screenshot("07-hand-entry")
    form.locator("button[type=submit]").click()  # no source note: refused, next to the field
    form.locator('.field-error[data-for="source_note"]:not(:empty), .form-error:not(:empty)').first.wait_for()
    form.locator("[name=source_note]").fill("Phone call from our Kati liaison, 27 March 09:00")
    form.locator("button[type=submit]").click()
    pg.wait_for_url(re.compile(r"/incidents/\d+$"))
    new_id = int(pg.url.rsplit("/", 1)[1])
    with session_scope(clean_db) as s:
        inc = s.get(Incident, new_id)
        assert (inc.status, inc.source, inc.place, inc.country) == ("confirmed", "manual", "Kati", "ML")
        assert inc.lat is not None

    # someone else edits it meanwhile: this page's edit is refused and said so, not written over
    pg.click("button[data-open=edit-dialog]")
    with session_scope(clean_db) as s:
        s.get(Incident, new_id).version += 1
    edit = pg.locator("#edit-form")
    edit.locator("[name=killed]").fill("2")
    edit.locator("button[type=submit]").click()
    edit.locator(".form-error:not(:empty), .field-error:not(:empty)").first.wait_for()
    assert "reload" in edit.inner_text().lower()
    page.screenshot("08-stale-edit")
    with session_scope(clean_db) as s:
        assert s.get(Incident, new_id).killed is None
    assert page.errors == []
