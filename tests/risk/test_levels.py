"""Advisory levels fused across sources: hand-set levels (refused when wrong), official texts kept as
written and mapped to 1-4, inheritance by regions, history with diffs, advisory.changed events, review
records for texts that state no level."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from vedette.errors import BadInput
from vedette.risk import levels
from vedette.risk import repository as repo
from vedette.risk.models import AdvisoryLevel, RiskEvent

DOCS = Path(__file__).with_name("docs")


def _events(session, kind: str = "advisory.changed") -> list[RiskEvent]:
    return list(session.scalars(select(RiskEvent).where(RiskEvent.kind == kind).order_by(RiskEvent.id)))


def test_bad_hand_set_levels_are_refused(session) -> None:
    for bad in (0, 5, -1, True):
        with pytest.raises(BadInput, match="level must be 1, 2, 3 or 4"):
            levels.set_level(session, "ML", bad, "reason", "cli")
    with pytest.raises(BadInput, match="unknown indicator letter"):
        levels.set_level(session, "ML", 3, "reason", "cli", indicators=["T", "Z"])
    with pytest.raises(BadInput, match="reason"):
        levels.set_level(session, "ML", 3, "  ", "cli")
    with pytest.raises(BadInput, match="unknown country"):
        levels.set_level(session, "QQ", 3, "reason", "cli")
    with pytest.raises(BadInput, match="no admin-1 region"):
        levels.set_level(session, "ML", 3, "reason", "cli", area="Atlantis")
    assert session.scalar(select(func.count()).select_from(AdvisoryLevel)) == 0


def test_official_texts_and_analysts_side_by_side(session) -> None:
    text = (DOCS / "nigeria_us_level3.md").read_text(encoding="utf-8")
    rows = levels.record_official(session, text, "nigeria_us_level3.md")
    country = next(r for r in rows if r.area == "")
    assert (country.source, country.level, country.as_written) == ("US", 3, "Level 3: Reconsider Travel")
    zones = [r for r in rows if r.area]
    assert zones and all(r.level == 4 for r in zones)
    assert any(r.area.startswith("NG-") for r in zones)  # named states become ISO 3166-2 regions
    # the same text again changes nothing
    assert levels.record_official(session, text, "nigeria_us_level3.md") == []

    view = levels.country_levels(session, "NG")
    assert view["effective"]["level"] == 3 and view["effective"]["source"] == "US"
    region = next(r for r in view["regions"] if r["area"] == zones[0].area)
    assert region["effective"]["level"] == 4 and not region["effective"]["inherited"]
    other = next(r for r in view["regions"] if r["area"] not in {z.area for z in zones})
    assert other["effective"] == {**view["effective"], "inherited": True}  # a region inherits its country's

    # an analyst's level wins, and says so; a region set by hand keeps its own
    levels.set_level(session, "NG", 2, "field teams report calm", "user:1", indicators=["c", "U"])
    levels.set_level(session, "NG", 4, "kidnappings this week", "user:1", area=other["area"])
    view = levels.country_levels(session, "NG")
    assert view["effective"] == {"level": 2, "source": "analyst", "why": "set by an analyst", "inherited": False}
    assert view["by_source"]["analyst"]["indicators"] == ["C", "U"]
    again = next(r for r in view["regions"] if r["area"] == other["area"])
    assert again["effective"]["level"] == 4 and again["by_source"]["US"]["inherited"] is True

    changed = _events(session)
    assert [(e.payload["source"], e.payload["from"], e.payload["to"]) for e in changed][-2:] == [
        ("analyst", None, 2), ("analyst", None, 4)]
    assert {e.payload["source"] for e in changed} == {"US", "analyst"}


def test_every_change_is_kept_with_its_diff(session) -> None:
    levels.set_level(session, "ML", 3, "coup in the capital", "user:1")
    levels.set_level(session, "ML", 3, "coup in the capital", "user:1")  # the same again: no change
    levels.set_level(session, "ML", 4, "coup in the capital\nborders closed", "user:2", indicators=["U"])
    hist = levels.history(session, "ML")
    assert [(h["from"], h["to"], h["set_by"]) for h in hist] == [(3, 4, "user:2"), (None, 3, "user:1")]
    assert "+borders closed" in hist[0]["diff"]
    assert [(e.payload["from"], e.payload["to"]) for e in _events(session)] == [(None, 3), (3, 4)]


def test_each_issuer_kept_as_written(session) -> None:
    fr = levels.record_official(session, (DOCS / "liban_conseils.txt").read_text(encoding="utf-8"), "liban.txt")
    ch = levels.record_official(session, (DOCS / "burkina_swiss.txt").read_text(encoding="utf-8"), "bf.txt")
    assert fr[0].source == "FR" and "zone" in fr[0].as_written
    assert (ch[0].source, ch[0].level) == ("CH", 4) and "any kind" in ch[0].as_written
    # a scale row per issuer and level, each level 1-4
    assert {(s, lv) for s, lv, _w, _r in levels.scales()} >= {("US", n) for n in range(1, 5)} | {
        ("FR", n) for n in range(1, 5)}


def test_an_unparseable_text_is_kept_for_review_never_a_level(session) -> None:
    text = "Travel advice for Chad, from the Department of State. Our embassy has moved to a new address."
    with pytest.raises(levels.AdvisoryUnparseable) as info:
        levels.record_official(session, text, "chad.txt", country="TD")
    assert info.value.status_code == 422 and info.value.review_id
    row = session.get(AdvisoryLevel, info.value.review_id)
    assert row.needs_review and row.level is None and row.error.startswith("advisory_unparseable")
    view = levels.country_levels(session, "TD")
    assert view["effective"] is None and [r["id"] for r in view["needs_review"]] == [row.id]
    assert _events(session) == []


def test_the_brief_is_the_newest_of_official_and_operator(session) -> None:
    levels.record_official(session, (DOCS / "burkina_swiss.txt").read_text(encoding="utf-8"), "bf.txt")
    first = levels.brief(session, "BF")
    assert first["source"] == "CH" and first["advice"]
    levels.set_brief(session, "BF", "user:3", "Attacks continue in the north.", "Defer travel.")
    mine = levels.brief(session, "BF")
    assert (mine["source"], mine["summary"], mine["set_by"]) == ("analyst", "Attacks continue in the north.", "user:3")
    assert repo.latest_brief(session, "BF") is not None


def test_ingested_advisories_join_the_fused_levels(session, tmp_path: Path) -> None:
    from vedette.incidents.flows import install
    from vedette.intake.service import ingest_items

    install()
    (tmp_path / "niger.txt").write_text((DOCS / "niger_conseils.txt").read_text(encoding="utf-8"), "utf-8")
    report = ingest_items([str(tmp_path)])
    assert len(report.added) == 1, report.rejected
    session.expire_all()
    view = levels.country_levels(session, "NE", all_regions=False)
    assert view["by_source"]["FR"]["level"] == 4 and view["by_source"]["FR"]["document_id"] is not None


def test_an_unrecognised_issuer_counts_only_when_no_government_has_spoken(session) -> None:
    text = "Security update. Clients are advised to defer all travel to Mali until further notice."
    [row] = levels.record_official(session, text, "flash.txt", country="ML")
    assert row.source == "other"
    assert levels.country_levels(session, "ML", all_regions=False)["effective"]["why"].endswith("unrecognised issuer")
    us = "Mali - Level 3: Reconsider Travel. Reconsider travel to Mali due to crime. Department of State."
    levels.record_official(session, us, "us.txt", country="ML")
    eff = levels.country_levels(session, "ML", all_regions=False)["effective"]
    assert (eff["level"], eff["source"], eff["why"]) == (3, "US", "highest official level")
