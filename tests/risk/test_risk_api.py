"""/api/risk: reads for signed-in callers, changes for operators only, named errors, JSON and GeoJSON."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).with_name("docs")


def test_levels_by_hand_through_the_api(client, accounts) -> None:
    r = client.post("/api/risk/levels", json={"country": "ML", "level": 4, "reason": "coup", "indicators": ["U"]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["to"], body["source"], body["set_by"].startswith("token:")) == (4, "analyst", True)
    r = client.post("/api/risk/levels", json={"country": "ML", "area": "Bamako", "level": 3, "reason": "calmer"})
    assert r.status_code == 201 and r.json()["area"] == "ML-BKO"
    for bad, what in [({"level": 5}, "level must be"), ({"level": 3, "indicators": ["Z"]}, "indicator"),
                      ({"level": 3, "area": "Nowhere"}, "no admin-1 region")]:
        r = client.post("/api/risk/levels", json={"country": "ML", "reason": "r", **bad})
        assert r.status_code == 422 and what in r.json()["detail"], r.text

    levels = client.get("/api/risk/countries/ML/levels").json()
    assert levels["effective"]["level"] == 4 and levels["effective"]["source"] == "analyst"
    bko = next(x for x in levels["regions"] if x["area"] == "ML-BKO")
    assert bko["effective"]["level"] == 3
    region = client.get("/api/risk/countries/ML/regions/ML-BKO").json()
    assert region["label"] == "Bamako" and region["levels"]["effective"]["level"] == 3
    assert [h["to"] for h in region["level_history"]] == [3]
    kidal = client.get("/api/risk/countries/ML/regions/Kidal").json()
    assert kidal["area"] == "ML-8" and kidal["levels"]["effective"]["inherited"] is True
    assert client.get("/api/risk/countries/ML/regions/Atlantis").status_code == 422
    hist = client.get("/api/risk/countries/ML/levels/history").json()
    assert [h["to"] for h in hist] == [3, 4]
    events = client.get("/api/risk/events", params={"kind": "advisory.changed"}).json()
    assert [e["payload"]["to"] for e in events] == [4, 3]
    assert client.get("/api/risk/events", params={"after": events[-1]["id"]}).json() == []

    viewer = accounts.client("org-a", "viewer")
    assert viewer.get("/api/risk/countries/ML/levels").status_code == 200
    analyst = accounts.client("org-a", "analyst")
    r = analyst.post("/api/risk/levels", json={"country": "ML", "level": 2, "reason": "r"})
    assert r.status_code == 403  # operators only
    r = analyst.post("/api/risk/transport", json={"kind": "airport", "key": "BKO", "status": "open", "reason": "r"})
    assert r.status_code == 403


def test_unsigned_callers_are_refused(anon_client) -> None:
    assert anon_client.get("/api/risk/world").status_code == 401
    assert anon_client.get("/api/risk/countries/ML").status_code == 401


def test_official_texts_and_the_named_error(client, session) -> None:
    text = (DOCS / "burkina_swiss.txt").read_text(encoding="utf-8")
    r = client.post("/api/risk/advisories", json={"text": text, "name": "bf.txt"})
    assert r.status_code == 201, r.text
    assert r.json()[0]["source"] == "CH" and r.json()[0]["to"] == 4
    r = client.post("/api/risk/advisories", json={"text": "Embassy contacts changed.", "country": "BF", "source": "US"})
    assert r.status_code == 422 and r.json()["error"] == "advisory_unparseable"
    review = client.get("/api/risk/countries/BF/levels").json()["needs_review"]
    assert [x["id"] for x in review] == [r.json()["review_id"]]


def test_country_picture_transport_and_geojson(client) -> None:
    r = client.post("/api/risk/transport", json={"kind": "airspace", "key": "ML", "status": "closed",
                                                  "reason": "NOTAM", "at": "2024-05-01T10:00:00Z"})
    assert r.status_code == 201 and r.json()["status"] == "closed"
    st = client.get("/api/risk/transport", params={"country": "ML", "as_of": "2024-05-01T22:00:00Z"}).json()
    assert st["airspace"]["status"] == "closed" and st["airspace"]["age_hours"] == 12 and not st["airspace"]["stale"]
    assert client.get("/api/risk/transport", params={"country": "ZZ"}).status_code == 422
    hist = client.get("/api/risk/transport/history", params={"kind": "airspace", "key": "ML"}).json()
    assert hist[0]["source"] == "analyst"

    client.put("/api/risk/countries/ML/brief", json={"summary": "Tense.", "advice": "Stay indoors."})
    pic = client.get("/api/risk/countries/ML").json()
    assert pic["brief"]["summary"] == "Tense." and pic["transport"]["airspace"]["status"] == "closed"
    assert pic["score"] is None and pic["counted_statuses"] == ["new", "confirmed"]
    geo = client.get("/api/risk/countries/ML/geojson").json()
    assert geo["type"] == "FeatureCollection"
    kinds = {f["properties"]["kind"] for f in geo["features"]}
    assert kinds == {"admin1", "airport"}
    world = client.get("/api/risk/world/geojson").json()
    assert world["features"] == [] or world["features"][0]["geometry"]["type"] == "Point"
    assert client.get("/api/risk/countries/QQ").status_code == 422
    assert client.get("/api/risk/incidents/999999/severity").status_code == 404
    assert client.post("/api/risk/refresh").status_code == 200
