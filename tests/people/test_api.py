"""The people API: documented routes, exposure of an incident, and strict tenant isolation (two
organisations with overlapping data: every read and write route as each returns none of the other's
rows and answers 404, never 403, for the other's records)."""

from __future__ import annotations

from sqlalchemy import select

PERSON = {"external_id": "e1", "name": "Same Name", "phones": ["+223 20 22 12 34"], "nationality": "ML",
          "tags": ["non-essential staff"]}
TRIP_SEGMENTS = [
    {"kind": "flight", "starts_at": "2012-03-24T08:00:00Z", "ends_at": "2012-03-24T10:30:00Z", "origin_iata": "ABJ",
     "dest_iata": "BKO"},
    {"kind": "hotel", "starts_at": "2012-03-21T12:00:00Z", "ends_at": "2012-03-23T10:00:00Z", "lat": 12.65,
     "lon": -8.0, "place_name": "Hotel Test"},
]


def _incident(url: str) -> int:
    from vedette.incidents.models import Incident
    from vedette.store.db import session_scope

    with session_scope(url) as s:
        inc = Incident(date="2012-03-22", date_precision="day", time="07:55", place="Bamako", place_ref="gn:2460596",
                       country="ML", admin1="Bamako", lat=12.60915, lon=-7.97522, category="coup", actors=[])
        s.add(inc)
        s.flush()
        return inc.id


def _seed(c) -> dict[str, int]:
    r = c.post("/api/people", json=PERSON)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    trip = c.post("/api/trips", json={"external_id": "t1", "person_id": pid, "segments": TRIP_SEGMENTS})
    assert trip.status_code == 201, trip.text
    loc = c.post(f"/api/people/{pid}/locations", json={"external_id": "l1", "kind": "office", "lat": 12.64,
                                                         "lon": -8.0, "label": "Office"})
    assert loc.status_code == 201, loc.text
    pos = c.post(f"/api/people/{pid}/positions", json={"at": "2012-03-22T07:00:00Z", "lat": 12.64, "lon": -8.0})
    assert pos.status_code == 201, pos.text
    return {"person": pid, "trip": trip.json()["id"], "segment": trip.json()["segments"][0]["id"],
            "location": loc.json()["id"]}


def test_incident_exposure_route_and_reasons(accounts, clean_db) -> None:
    inc = _incident(clean_db)
    with accounts.client("org-a", "manager") as c:
        ids = _seed(c)
        r = c.get(f"/api/incidents/{inc}/exposure")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == 1 and body["area_kind"] == "radius" and body["people"][0]["person_id"] == ids["person"]
        texts = [x["text"] for x in body["people"][0]["reasons"]]
        assert "hotel stay 21-23 Mar at Hotel Test, 5.3 km from the incident" in texts
        assert any(t.startswith("flight ABJ-BKO on 24 Mar") for t in texts)
        before = c.get(f"/api/incidents/{inc}/exposure", params={"as_of": "2012-01-01T00:00:00Z"}).json()
        assert before["count"] == 0  # nothing was known then (rows recorded now)
        where = c.get("/api/people.geojson", params={"at": "2012-03-22T08:00:00Z"}).json()
        kinds = sorted(f["properties"]["kind"] for f in where["features"])
        assert kinds == ["hotel", "office", "position"]  # the flight of 24 March is not yet flown
        then = c.get("/api/people.geojson", params={"at": "2012-03-22T08:00:00Z", "as_of": "2012-01-01T00:00:00Z"})
        assert then.json()["features"] == []
        assert c.get("/api/people.geojson", params={"at": "2012-03-22T08:00:00Z", "bbox": "1,2,3"}).status_code == 422
        narrow = c.get(f"/api/incidents/{inc}/exposure", params={"radius_km": 1, "bound_days": 0}).json()
        assert narrow["count"] == 0
        assert c.get("/api/incidents/999999/exposure").status_code == 404
        adv = c.get("/api/exposure/advisory", params={"country": "ML", "region": "ML-BKO",
                                                      "at": "2012-03-22T12:00:00Z"}).json()
        assert adv["count"] == 1
        area = c.post("/api/exposure", json={"kind": "polygon", "at": "2012-03-22T08:00:00Z",
                                             "polygon": [[-8.1, 12.5], [-7.9, 12.5], [-7.9, 12.7], [-8.1, 12.7]]})
        assert area.status_code == 200 and area.json()["count"] == 1


def test_bad_input_is_a_named_422(accounts) -> None:
    with accounts.client("org-a", "manager") as c:
        r = c.post("/api/people", json={"name": "X", "phones": ["12ab"]})
        assert r.status_code == 422 and "phone" in r.text
        pid = c.post("/api/people", json={"name": "Y"}).json()["id"]
        r = c.post("/api/trips", json={"person_id": pid, "segments": [
            {"kind": "hotel", "starts_at": "2012-03-24T12:00:00Z", "ends_at": "2012-03-20T12:00:00Z",
             "place_name": "Bamako"}]})
        assert r.status_code == 422 and "before starts_at" in r.text
        r = c.post("/api/trips", json={"person_id": pid, "segments": [
            {"kind": "flight", "starts_at": "2012-03-24T12:00:00Z", "ends_at": "2012-03-24T14:00:00Z",
             "dest_iata": "QQQ"}]})
        assert r.status_code == 422 and "QQQ" in r.text
        r = c.post(f"/api/people/{pid}/locations", json={"kind": "home", "lat": 91, "lon": 0})
        assert r.status_code == 422
        r = c.post("/api/people/import", files={"file": ("p.csv", "external_id,name\ne1,Aïssata\n".encode("latin-1"))})
        assert r.status_code == 422 and "UTF-8" in r.text
        r = c.post("/api/people/import", data={"dry_run": "true"},
                   files={"file": ("p.csv", b"external_id,name,phones\ne1,A,+33142685300\ne2,B,abc\n")})
        assert r.status_code == 200 and r.json()["errors"] == [
            {"line": 3, "field": "phones", "reason": r.json()["errors"][0]["reason"]}]
        assert c.get("/api/people").json()["total"] == 1  # the dry run wrote nothing


def test_tenant_isolation_on_every_people_route(accounts, clean_db) -> None:
    from vedette.people.models import Person
    from vedette.store.db import session_scope

    inc = _incident(clean_db)
    with accounts.client("org-a", "manager") as a, accounts.client("org-b", "manager") as b:
        ids = {"a": _seed(a), "b": _seed(b)}
        for me, other, c in (("a", "b", a), ("b", "a", b)):
            mine, theirs = ids[me], ids[other]
            # lists and exposure: only my own rows
            assert {p["id"] for p in c.get("/api/people").json()["items"]} == {mine["person"]}
            assert {t["id"] for t in c.get("/api/trips").json()} == {mine["trip"]}
            assert {x["id"] for x in c.get("/api/locations").json()} == {mine["location"]}
            exp = c.get(f"/api/incidents/{inc}/exposure").json()
            assert {p["person_id"] for p in exp["people"]} == {mine["person"]}
            where = c.get("/api/people.geojson", params={"at": "2012-03-22T08:00:00Z"}).json()
            assert {f["properties"]["person_id"] for f in where["features"]} == {mine["person"]}
            for kind, lines in (("people", 2), ("segments", 3), ("locations", 2)):
                text = c.get("/api/people/export.csv", params={"kind": kind}).text
                assert text.count("\n") == lines and "e1," in text
            # the other's records: 404 on every read and write route, never 403
            p, t, s, loc = theirs["person"], theirs["trip"], theirs["segment"], theirs["location"]
            calls = [
                ("GET", f"/api/people/{p}", None), ("PATCH", f"/api/people/{p}", {"name": "Hijack"}),
                ("GET", f"/api/people/{p}/export", None), ("GET", f"/api/people/{p}/positions", None),
                ("POST", f"/api/people/{p}/positions", {"at": "2012-03-22T07:00:00Z", "lat": 1, "lon": 1}),
                ("POST", f"/api/people/{p}/locations", {"kind": "home", "lat": 1, "lon": 1}),
                ("GET", f"/api/trips?person_id={p}", None), ("GET", f"/api/locations?person_id={p}", None),
                ("POST", "/api/trips", {"person_id": p, "segments": []}),
                ("PATCH", f"/api/people/{mine['person']}", {"manager_id": p}),
                ("GET", f"/api/trips/{t}", None),
                ("POST", f"/api/trips/{t}/segments", TRIP_SEGMENTS[1]),
                ("DELETE", f"/api/segments/{s}", None), ("DELETE", f"/api/locations/{loc}", None),
                ("DELETE", f"/api/trips/{t}", None), ("DELETE", f"/api/people/{p}", None),
            ]
            for method, path, body in calls:
                r = c.request(method, path, json=body)
                expected = 422 if "manager_id" in str(body) else 404
                assert r.status_code == expected, (me, method, path, r.status_code, r.text)
                assert "Same Name" not in r.text
            # the same external id in both organisations is two people; re-import touches only mine
            r = c.post("/api/people/import", files={"file": ("p.csv", b"external_id,name\ne1,Renamed\n")})
            assert r.json()["updated"] == 1
        with session_scope(clean_db) as s:
            names = sorted(s.scalars(select(Person.name)))
        assert names == ["Renamed", "Renamed"]
        for me in ("a", "b"):
            c = a if me == "a" else b
            assert c.get(f"/api/trips/{ids[me]['trip']}").status_code == 200
            assert len(c.get(f"/api/trips/{ids[me]['trip']}").json()["segments"]) == 2


def test_viewers_read_but_do_not_write(accounts) -> None:
    with accounts.client("org-a", "manager") as m:
        _seed(m)
    with accounts.client("org-a", "viewer") as v:
        assert v.get("/api/people").json()["total"] == 1
        assert v.post("/api/people", json={"name": "Z"}).status_code == 403
        assert v.get("/api/people/export.csv").status_code == 403


def test_the_organisation_radius_is_the_default(accounts, clean_db) -> None:
    inc = _incident(clean_db)
    with accounts.client("org-a", "manager") as c:
        _seed(c)
        assert c.get("/api/people-settings").json()["radius_km"] == 25.0
        assert c.get(f"/api/incidents/{inc}/exposure").json()["count"] == 1
        r = c.put("/api/people-settings", json={"radius_km": 2, "bound_days": 0})
        assert r.status_code == 200 and r.json()["radius_km"] == 2
        body = c.get(f"/api/incidents/{inc}/exposure").json()
        assert body["count"] == 0 and body["area"].startswith("within 2 km")
        assert c.put("/api/people-settings", json={"radius_km": -1}).status_code == 422


def test_icalendar_upload(accounts) -> None:
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\nSUMMARY:Hotel\r\n"
           b"LOCATION:Markala\r\nDTSTART:20120324T120000Z\r\nDTEND:20120326T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with accounts.client("org-a", "manager") as c:
        c.post("/api/people", json=PERSON)
        r = c.post("/api/people/import", files={"file": ("trip.ics", ics)})
        assert r.status_code == 422 and "person_external_id" in r.text
        r = c.post("/api/people/import", data={"person_external_id": "e1"}, files={"file": ("trip.ics", ics)})
        assert r.status_code == 200 and r.json()["created"] == 1, r.text
        trips = c.get("/api/trips").json()
        assert trips[0]["segments"][0]["region"] == "ML-4" and trips[0]["segments"][0]["kind"] == "hotel"


def test_many_incidents_at_once_agree_with_one_by_one(accounts, clean_db, session) -> None:
    from vedette.incidents.models import Incident
    from vedette.people import service as svc
    from vedette.tenancy.authz import cli_scope

    inc = _incident(clean_db)
    with accounts.client("org-a", "manager") as c:
        _seed(c)
    month = Incident(date="2012-03", date_precision="month", place="Mali", place_ref="cc:ML", country="ML",
                     category="unrest", actors=[])
    undated = Incident(date=None, place="Bamako", lat=12.6, lon=-8.0, country="ML", category="unrest", actors=[])
    session.add_all([month, undated])
    session.flush()
    scope = cli_scope(session, "org-a")
    many = svc.incidents_exposure_many(session, scope, [inc, month.id, undated.id])
    assert set(many) == {inc, month.id}
    for iid in (inc, month.id):
        one = svc.incident_exposure(session, scope, iid)
        assert sorted(t for _, t in many[iid]) == sorted(r["text"] for p in one["people"] for r in p["reasons"])
