"""The CLI: ``vedette exposure INCIDENT_ID --org SLUG --json`` and ``vedette people import/export/erase``."""

from __future__ import annotations

import json

from typer.testing import CliRunner


def _app():
    from vedette.cli import app

    return app


def test_cli_import_exposure_export_and_erase(session, make_scope, clean_db, tmp_path) -> None:
    from vedette.incidents.models import Incident

    make_scope("org-a")
    inc = Incident(date="2012-03", date_precision="month", place="Markala", place_ref="gn:2453662", country="ML",
                   admin1="Ségou", lat=13.68427, lon=-6.07352, category="unrest", actors=[])
    session.add(inc)
    session.commit()
    people = tmp_path / "people.csv"
    people.write_text("external_id,name,phones\ne1,Awa,+223 20 22 12 34\ne2,Bad,abc\n", encoding="utf-8")
    segs = tmp_path / "segs.csv"
    segs.write_text("person_external_id,trip_external_id,segment_external_id,kind,starts_at,ends_at,place_name\n"
                    "e1,t1,1,hotel,2012-03-10T12:00,2012-03-12T10:00,Markala\n", encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(_app(), ["people", "import", str(people), "--org", "org-a", "--dry-run", "--json"])
    assert dry.exit_code == 1 and json.loads(dry.stdout)["errors"][0]["line"] == 3
    real = runner.invoke(_app(), ["people", "import", str(people), "--org", "org-a"])
    assert real.exit_code == 1 and "line 3, phones" in real.stdout
    assert runner.invoke(_app(), ["people", "import", str(segs), "--org", "org-a"]).exit_code == 0
    r = runner.invoke(_app(), ["exposure", str(inc.id), "--org", "org-a", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["count"] == 1 and "dated only to March 2012" in body["note"]
    assert body["people"][0]["reasons"][0]["text"].startswith("hotel stay 10-12 Mar at Markala, 0.0 km")
    assert runner.invoke(_app(), ["exposure", str(inc.id), "--org", "nope", "--json"]).exit_code == 2
    out = runner.invoke(_app(), ["people", "export", "--org", "org-a", "--kind", "segments"])
    assert out.exit_code == 0 and "e1,t1,1,hotel" in out.stdout
    pid = json.loads(runner.invoke(_app(), ["people", "list", "--org", "org-a", "--json"]).stdout)["items"][0]["id"]
    erased = runner.invoke(_app(), ["people", "erase", str(pid), "--org", "org-a"])
    assert erased.exit_code == 0 and "1 segments" in erased.stdout
    r = runner.invoke(_app(), ["exposure", str(inc.id), "--org", "org-a", "--json"])
    assert json.loads(r.stdout)["count"] == 0


def test_cli_add_show_and_advisory_exposure(session, make_scope) -> None:
    make_scope("org-a")
    session.commit()
    runner = CliRunner()
    bad = runner.invoke(_app(), ["people", "add", "Bad", "--org", "org-a", "--phone", "12ab"])
    assert bad.exit_code == 2 and "phone" in bad.output
    r = runner.invoke(_app(), ["people", "add", "Awa", "--org", "org-a", "--phone", "+223 20 22 12 34", "--id", "a1"])
    assert r.exit_code == 0 and "+22320221234" in r.stdout, r.output
    pid = int(r.stdout.split()[1])
    shown = json.loads(runner.invoke(_app(), ["people", "show", str(pid), "--org", "org-a"]).stdout)
    assert shown["person"]["external_id"] == "a1"
    assert runner.invoke(_app(), ["people", "show", str(pid), "--org", "org-b-missing"]).exit_code == 2
    adv = runner.invoke(_app(), ["people", "advisory-exposure", "ML", "--org", "org-a", "--region", "Ségou"])
    assert adv.exit_code == 0 and json.loads(adv.stdout)["area"] == "in region Ségou (ML-4)"
