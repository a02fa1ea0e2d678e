"""Escalations and scores from stored incidents: counted statuses only, raised once, withdrawn when the
incidents behind them are dismissed; dates in the incidents' time."""

from __future__ import annotations

from datetime import date, timedelta

from vedette.risk import escalations, scores
from vedette.risk.models import RiskEvent


def _add(session, day: date, admin1: str = "Gao", category: str = "armed_conflict", killed: int | None = None):
    from vedette.incidents.models import Incident

    inc = Incident(date=day.isoformat(), country="ML", admin1=admin1, category=category, killed=killed,
                   summary=f"{category} in {admin1}")
    session.add(inc)
    session.flush()
    return inc


def test_a_burst_raises_once_and_is_withdrawn_when_dismissed(session) -> None:
    start = date(2013, 1, 1)
    for k in range(0, 120, 20):
        _add(session, start + timedelta(days=k))
    burst = [_add(session, start + timedelta(days=150 + k // 2)) for k in range(6)]
    _add(session, start + timedelta(days=200), admin1="Kidal")
    found = escalations.detect_and_store(session)
    rows = escalations.listed(session, "ML")
    assert [(r["admin1"], r["admin1_label"]) for r in rows] == [("ML-7", "Gao")], found
    e = rows[0]
    assert e["raised_at"] >= (start + timedelta(days=150)).isoformat() and e["raised_at"] <= "2013-06-03"
    assert set(e["evidence"]["incident_ids"]) <= {i.id for i in burst}
    assert e["cleared_at"] is not None and e["cleared_at"] > e["raised_at"]
    # raised once
    escalations.detect_and_store(session)
    assert len(escalations.listed(session)) == 1
    kinds = [k for (k,) in session.query(RiskEvent.kind).order_by(RiskEvent.id)]
    assert kinds == ["escalation.raised", "escalation.cleared"]

    for inc in burst:
        inc.status = "dismissed"  # dismissed incidents count nowhere
    session.flush()
    escalations.detect_and_store(session)
    assert escalations.listed(session) == []
    assert escalations.listed(session, withdrawn=True)[0]["evidence"]["withdrawn"] is True
    assert [k for (k,) in session.query(RiskEvent.kind).order_by(RiskEvent.id)][-1] == "escalation.cleared"


def test_scores_count_new_and_confirmed_only(session, client) -> None:
    a = _add(session, date(2013, 3, 1), killed=20)
    b = _add(session, date(2013, 3, 2), admin1="Kidal", category="political")
    session.commit()
    first = {s["admin1"]: s for s in scores.compute_for(session, "ML")}
    assert set(first) == {"", "ML-7", "ML-8"} and first[""]["incidents"] == 2
    assert first["ML-7"]["explained"][0]["severity"] == 5
    assert first["ML-7"]["explained"][0]["severity_explained"][0] == "base armed_conflict: 3"
    b.status = "dismissed"
    a.status = "confirmed"
    session.commit()
    after = {s["admin1"]: s for s in scores.compute_for(session, "ML")}
    assert set(after) == {"", "ML-7"} and after[""]["incidents"] == 1
    assert scores.recompute(session) == 2
    session.commit()
    stored = client.get("/api/risk/scores", params={"country": "ML", "stored": True}).json()
    assert [(s["admin1"], s["scorer"]) for s in stored] == [("", "risk.score.v1"), ("ML-7", "risk.score.v1")]
    world = client.get("/api/risk/world").json()
    assert [(w["country"], w["score"] > 0) for w in world] == [("ML", True)]
    sev = client.get(f"/api/risk/incidents/{a.id}/severity").json()
    assert sev["severity"] == 5 and sev["scheme"] == "risk.severity.v1"


def test_score_history_is_the_trend_chart(session) -> None:
    for k in range(10):
        _add(session, date(2013, 5, 1) + timedelta(days=k * 3))
    hist = scores.history(session, "ML", "Gao", days=84, step=14)
    assert [h["as_of"] for h in hist][-1] == "2013-05-28" and len(hist) == 6
    assert hist[0]["score"] == hist[-3]["score"] == 0.0 and hist[-1]["score"] > hist[-2]["score"] > 0
    assert scores.history(session, "ML", days=28, step=7, until="2013-01-01")[-1]["incidents"] == 0


def test_the_refresh_task_opens_its_own_session(clean_db: str) -> None:
    from vedette.risk.tasks import refresh
    from vedette.store.db import session_scope

    with session_scope(clean_db) as s:
        for k in range(3):
            _add(s, date(2013, 5, 1) + timedelta(days=k))
    out = refresh()
    assert out["scores"] == 2 and out["scorer"] == "risk.score.v1" and out["counted_statuses"] == ["new", "confirmed"]
    assert refresh()["transport_rows_added"] == 0


def test_one_new_incident_updates_the_stored_scores_in_place(session) -> None:
    import pytest

    for k in range(8):
        _add(session, date(2013, 5, 1) + timedelta(days=k * 5), admin1="Gao" if k % 2 else "Kidal", killed=k)
    assert scores.recompute(session) == 3
    new = _add(session, date(2013, 5, 20), admin1="Gao", category="terrorism", killed=30)
    assert scores.add_incident(session, new.id) == 2
    stored = {s["admin1"]: s for s in scores.stored(session, "ML")}
    fresh = {s["admin1"]: s for s in scores.compute_for(session, "ML", stored[""]["as_of"])}
    assert set(stored) == set(fresh)
    for key, f in fresh.items():
        s = stored[key]
        assert s["raw"] == pytest.approx(f["raw"], abs=1e-3) and s["score"] == pytest.approx(f["score"], abs=0.01)
        assert s["incidents"] == f["incidents"] and s["trend"] == f["trend"]
        assert [e["incident_id"] for e in s["explained"]] == [e["incident_id"] for e in f["explained"]]
    assert stored["ML-7"]["explained"][0]["incident_id"] == new.id
    # dated after the stored clock: the country is recomputed at the new one
    later = _add(session, date(2013, 7, 1), admin1="Gao")
    assert scores.add_incident(session, later.id) == 3
    assert {s["as_of"] for s in scores.stored(session, "ML")} == {"2013-07-01"}
    later.status = "dismissed"
    session.flush()
    assert scores.add_incident(session, later.id) == 0
