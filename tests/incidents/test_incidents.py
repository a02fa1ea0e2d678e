"""Incidents in the store: one incident reported by several documents, re-runs, manual split/merge, API."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from typer.testing import CliRunner

from helpers import incident_record
from vedette.cli import app
from vedette.incidents import service
from vedette.incidents.models import Incident, Report
from vedette.incidents.service import store_records
from vedette.intake.models import Document


def record(**kw) -> dict:  # noqa: ANN003
    return incident_record(**kw)


def doc(session, name: str) -> Document:  # noqa: ANN001
    d = Document(
        sha256=name.ljust(64, "0")[:64],
        origin=f"/x/{name}",
        name=name,
        media_type="text/plain",
        text="some text",
        size_bytes=9,
    )
    session.add(d)
    session.flush()
    return d


def test_two_reports_of_one_event_make_one_incident(session) -> None:
    a, b = doc(session, "embassy.txt"), doc(session, "news.txt")
    store_records(session, a, [record(killed=4, actors=["unknown gunmen"])], "t")
    store_records(
        session,
        b,
        [record(date="2021-05-11", lat=1.05, place_id="gn:2", killed=5, actors=["police"], category="terrorism")],
        "t",
    )
    store_records(session, b, [record(date="2021-05-11", place="Far", place_id="gn:3", lat=3.0, lon=39.0)], "t")
    session.commit()
    incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
    assert len(incidents) == 2  # the far one is separate; the re-extraction of news.txt replaced its report
    first = incidents[0]
    reports = session.scalars(select(Report).where(Report.incident_id == first.id)).all()
    assert {r.document_id for r in reports} == {a.id}
    assert first.killed == 4


def test_merge_across_documents_and_idempotent_rerun(session) -> None:
    a, b = doc(session, "a.txt"), doc(session, "b.txt")
    store_records(session, a, [record(killed=4, actors=["unknown gunmen"])], "t")
    store_records(session, b, [record(date="2021-05", killed=6, actors=["police"], place_id="gn:9", lat=1.1)], "t")
    store_records(session, b, [record(date="2021-05", killed=6, actors=["police"], place_id="gn:9", lat=1.1)], "t")
    session.commit()
    assert session.scalar(select(func.count()).select_from(Incident)) == 1
    inc = session.scalar(select(Incident))
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    assert inc.date == "2021-05-10" and inc.killed == 6 and set(inc.actors) == {"unknown gunmen", "police"}


def test_manual_split_and_merge_lock_incidents(session) -> None:
    a, b = doc(session, "a.txt"), doc(session, "b.txt")
    store_records(session, a, [record()], "t")
    store_records(session, b, [record()], "t")
    inc = session.scalar(select(Incident))
    rep_b = session.scalar(select(Report).where(Report.document_id == b.id))
    new = service.split(session, inc.id, rep_b.id)
    assert new.id != inc.id and new.locked and inc.locked
    store_records(session, b, [record()], "t")  # re-extraction keeps the analyst's split
    assert session.scalar(select(func.count()).select_from(Incident)) == 2
    assert session.scalar(select(Report.incident_id).where(Report.document_id == b.id)) == new.id
    service.merge(session, inc.id, new.id)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Incident)) == 1
    assert session.scalar(select(func.count()).select_from(Report).where(Report.incident_id == inc.id)) == 2


def test_ingest_extracts_and_api_filters(client, tmp_path) -> None:
    (tmp_path / "2023-03-10_alert.txt").write_text(
        "Security alert, March 10, 2023.\n\nOn March 8, 2023, gunmen attacked a police post in Garissa, Kenya, "
        "killing 3 officers.\n\nOn March 9, 2023, protesters blocked the main road in Nairobi.\n",
        encoding="utf-8",
    )
    from vedette.intake.service import ingest_items

    report = ingest_items([str(tmp_path)])
    assert len(report.added) == 1, report.rejected
    all_ = client.get("/api/incidents").json()
    assert all_["total"] >= 2
    cats = {i["category"] for i in all_["items"]}
    assert "civil_unrest" in cats
    unrest = client.get("/api/incidents", params={"category": "civil_unrest"}).json()
    assert unrest["total"] >= 1 and all(i["category"] == "civil_unrest" for i in unrest["items"])
    assert unrest["total"] < all_["total"]
    nairobi = client.get("/api/incidents", params={"bbox": "36.5,-1.5,37.1,-1.1"}).json()
    assert nairobi["total"] >= 1 and all(36.5 <= i["lon"] <= 37.1 for i in nairobi["items"])
    assert client.get("/api/incidents", params={"country": "ML"}).json()["total"] == 0
    assert client.get("/api/incidents", params={"since": "2023-03-09"}).json()["total"] < all_["total"]
    assert client.get("/api/incidents", params={"q": "police post"}).json()["total"] >= 1
    assert client.get("/api/incidents", params={"bbox": "1,2,3"}).status_code == 422
    one = all_["items"][0]["id"]
    detail = client.get(f"/api/incidents/{one}").json()
    assert detail["reports"][0]["document"] == "2023-03-10_alert.txt"
    assert detail["reports"][0]["provenance"]["date"]["rule"].startswith("dates.")
    geo = client.get("/api/incidents.geojson").json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) >= 2
    assert client.get("/api/incidents/999999").status_code == 404
    out = CliRunner().invoke(app, ["explain", str(one)])
    assert out.exit_code == 0 and "rule" in out.output and "dates." in out.output


def _seed(session) -> tuple[Document, list[int]]:  # noqa: ANN001
    """Three incidents apart in time, place, category and text, stored from constructed records."""
    d = doc(session, "seed.txt")
    d.text = "Gunmen killed 4 in Townville. Protest in Lakeside. Flood in Hilltop."
    recs = [
        record(evidence="Gunmen killed 4 in Townville.", span=[0, 29], killed=4, actors=["unknown gunmen"],
               provenance={"date": {"span": None, "rule": "dates.test-rule"},
                           "place": {"span": [19, 28], "rule": "places.test-rule"}}),
        record(date="2021-06", place="Lakeside", place_id="gn:5", admin1="Coast", lat=-4.0, lon=39.6,
               category="civil_unrest", evidence="Protest in Lakeside.", span=[30, 50]),
        record(date="2022-01-03", place="Hilltop", place_id="gn:6", admin1=None, country="TZ", lat=-6.0,
               lon=35.0, category="natural_disaster", evidence="Flood in Hilltop.", span=[51, 68]),
    ]
    incs = store_records(session, d, recs)
    session.commit()
    return d, [i.id for i in incs]


def test_api_filters_each_exclude_something(client, session) -> None:
    _, (town, lake, hill) = _seed(session)

    def ids(**params) -> set[int]:  # noqa: ANN003
        r = client.get("/api/incidents", params=params)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids() == {town, lake, hill}
    assert ids(since="2021-06-15") == {lake, hill}  # a month-precise incident overlapping `since` stays
    assert ids(until="2021-05-31") == {town}
    assert ids(country="TZ") == {hill}
    assert ids(admin1="coast") == {lake}
    assert ids(category=["civil_unrest", "natural_disaster"]) == {lake, hill}
    assert ids(bbox="36.5,0.5,37.5,1.5") == {town}
    assert ids(q="gunmen") == {town} and ids(q="lakeside") == {lake}
    assert len(ids(limit=1)) == 1 and ids(limit=2, offset=2) == {town}  # newest first
    item = client.get("/api/incidents", params={"country": "KE", "admin1": "North"}).json()["items"][0]
    assert (item["severity"], item["report_count"], item["killed"], item["actors"]) == (2, 1, 4, ["unknown gunmen"])
    geo = client.get("/api/incidents.geojson", params={"country": "TZ"}).json()
    assert [f["geometry"]["coordinates"] for f in geo["features"]] == [[35.0, -6.0]]
    # a French report files the region under its French name: either name finds it
    fr = store_records(session, doc(session, "cm.txt"), [record(
        date="2022-03-12", place="Mora", place_id="gn:7", admin1="Extrême-Nord", country="CM", lat=11.05, lon=14.14,
        evidence="Attaque à Mora.", span=[0, 15])])
    session.commit()
    assert ids(admin1="Far North") == ids(admin1="extrême-nord") == ids(country="CM", admin1="Far North") == {fr[0].id}
    for bad in ({"bbox": "1,2,3"}, {"bbox": "5,0,1,1"}, {"since": "yesterday"}, {"country": "KEN"}):
        assert client.get("/api/incidents", params=bad).status_code == 422
    assert client.post(f"/api/incidents/{town}/split", json={"report_id": 999999}).status_code == 422
    assert client.post("/api/incidents/999999/merge", json={"other_id": town}).status_code == 404
    assert client.post(f"/api/incidents/{town}/merge", json={"other_id": town}).status_code == 422
    assert client.post(f"/api/incidents/{town}/merge", json={}).status_code == 422
    merged = client.post(f"/api/incidents/{town}/merge", json={"other_id": lake}).json()
    assert merged["report_count"] == 2 and merged["locked"]
    assert client.get(f"/api/incidents/{lake}").status_code == 404
    reports = client.get(f"/api/incidents/{town}").json()["reports"]
    split = client.post(f"/api/incidents/{town}/split", json={"report_id": reports[1]["id"]}).json()
    assert split["report_count"] == 1 and split["locked"] and split["category"] == "civil_unrest"


def test_explain_shows_spans_and_rules(session, settings_env) -> None:
    _, (town, _lake, _hill) = _seed(session)
    out = CliRunner().invoke(app, ["explain", str(town)])
    assert out.exit_code == 0, out.output
    assert "seed.txt" in out.output and "places.test-rule" in out.output and "dates.test-rule" in out.output
    assert "Townville" in out.output  # the place's span text, cut from the document
    listed = CliRunner().invoke(app, ["incidents", "list", "--country", "TZ", "--json"])
    assert listed.exit_code == 0 and [json.loads(x)["id"] for x in listed.output.splitlines()] == [_hill]
    assert CliRunner().invoke(app, ["explain", "999999"]).exit_code != 0
