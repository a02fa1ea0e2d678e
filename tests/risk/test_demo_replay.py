"""The demo replay (Mali, February-April 2012, fed in date order) raises an escalation for Bamako in March
2012, in the incidents' time; the CLI answers in JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from vedette.cli import app
from vedette.demo import DEMO_DIR


def _replay() -> None:
    from vedette.incidents.flows import install
    from vedette.intake.service import ingest_items

    install()
    for path in sorted(p for p in DEMO_DIR.rglob("*") if p.is_file()):  # names start with their date
        report = ingest_items([str(path)])
        assert not report.rejected, report.rejected


def test_demo_replay_raises_bamako_in_march_2012(clean_db: str) -> None:
    _replay()
    runner = CliRunner()
    res = runner.invoke(app, ["risk", "escalations", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert all({"country", "admin1", "raised_at", "cleared_at", "evidence"} <= set(r) for r in rows)
    bamako = [r for r in rows if r["country"] == "ML" and r["admin1"] == "ML-BKO"]
    assert len(bamako) == 1, rows
    e = bamako[0]
    assert e["raised_at"].startswith("2012-03") and e["admin1_label"] == "Bamako"
    assert e["cleared_at"] is None or e["cleared_at"] > e["raised_at"]
    assert e["evidence"]["incident_ids"] and e["evidence"]["tail_probability"] < e["evidence"]["threshold"]
    # raised once: running the detection again adds nothing
    again = json.loads(runner.invoke(app, ["risk", "escalations", "--json"]).output)
    assert [r["id"] for r in again] == [r["id"] for r in rows]

    res = runner.invoke(app, ["risk", "country", "ML", "--json"])
    assert res.exit_code == 0, res.output
    ml = json.loads(res.output)
    assert ml["levels"]["effective"]["level"] == 4 and ml["levels"]["effective"]["source"]
    assert {"US", "FR"} <= set(ml["levels"]["by_source"])
    assert ml["score"]["scorer"] == "risk.score.v1" and ml["score"]["as_of"].startswith("2012-04")
    assert ml["score"]["explained"] and ml["counted_statuses"] == ["new", "confirmed"]
    bko = next(r for r in ml["regions"] if r["area"] == "ML-BKO")
    assert bko["score"]["score"] > 0 and bko["effective"]["inherited"] is True

    res = runner.invoke(app, ["transport", "status", "--country", "ML", "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    bko_airport = next(a for a in st["airports"] if a["key"] == "BKO")
    assert bko_airport["status"] in ("open", "partly_open") and bko_airport["observed_at"].startswith("2012-")
    assert bko_airport["stale"] is True  # years old by the clock
    assert any(b["status"] == "closed" for b in st["borders"])

    res = runner.invoke(app, ["risk", "set-level", "ML", "5", "--reason", "x"])
    assert res.exit_code == 2 and "level must be 1, 2, 3 or 4" in res.output
