"""Places loaded for the deployment (GeoNames dumps, shared places) reach extraction; private ones never do."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

# An invented village, absent from the built gazetteer (checked below), in a GeoNames dump row.
VILLAGE = "Kouroumbana"
LAT, LON = 13.4217, -6.1083


def _geonames_row(gid: int, name: str, lat: float, lon: float, cc: str, admin1_code: str, pop: int) -> str:
    cols = [str(gid), name, name, "", f"{lat}", f"{lon}", "P", "PPL", cc, "", admin1_code, "", "", "",
            str(pop), "", "290", "Africa/Bamako", "2024-01-01"]
    assert len(cols) == 19
    return "\t".join(cols) + "\n"


def _report() -> str:
    return (
        "Security alert, Mali, 14 March 2024.\n\n"
        f"Gunmen attacked the weekly market in {VILLAGE} on Tuesday, killing four civilians and wounding "
        "six others, local officials said.\n"
    )


def _extract():
    from vedette.intake.extract import extract_text

    return extract_text(_report(), "alert.txt")


def test_loaded_village_places_an_incident(session: Session, tmp_path: Path) -> None:
    from vedette.gazetteer.resolver import get_gazetteer as bundled
    from vedette.gazetteer.service import load_geonames
    from vedette.gazetteer.shared import invalidate

    names = bundled().keys()  # the built file's name keys (a lazy set, not a dict)
    assert VILLAGE.lower() not in names, "the village must be one the built file lacks"
    before = [r for r in _extract() if r.place == VILLAGE]
    assert before == []

    dump = tmp_path / "ML.txt"
    dump.write_text(_geonames_row(99000001, VILLAGE, LAT, LON, "ML", "07", 850), encoding="utf-8")
    report = load_geonames(session, dump)
    session.commit()
    assert report.loaded == 1 and not report.bad
    invalidate()

    placed = [r for r in _extract() if r.place == VILLAGE]
    assert placed, [(r.place, r.category) for r in _extract()]
    rec = placed[0]
    assert rec.place_id.startswith("db:")
    assert (rec.lat, rec.lon, rec.country) == (LAT, LON, "ML")
    assert rec.killed == 4


def test_private_place_never_places_shared_incidents(session: Session) -> None:
    from vedette.gazetteer.service import add_place
    from vedette.gazetteer.shared import invalidate
    from vedette.tenancy.models import Organisation

    org = Organisation(slug="ngo-a", name="NGO A")
    session.add(org)
    session.flush()
    add_place(session, name=VILLAGE, lat=LAT, lon=LON, country="ML", org=org)
    session.commit()
    invalidate()
    assert [r for r in _extract() if r.place == VILLAGE] == []


def test_place_added_through_the_api_reads_back(client) -> None:
    created = client.post("/api/places", json={"name": "Blue Gate Compound", "lat": 12.62, "lon": -7.98,
                                               "country": "ML"})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    got = client.get(f"/api/places/{pid}")
    assert got.status_code == 200, got.text
    assert got.json()["name"] == "Blue Gate Compound"
    assert (got.json()["lat"], got.json()["lon"]) == (12.62, -7.98)
    assert client.get("/api/places/db:999999").status_code == 404


def test_an_organisation_s_places_stay_its_own(accounts) -> None:
    body = {"name": "Kaarta Lodge", "lat": 13.1, "lon": -9.2, "country": "ML"}
    with accounts.client("org-a", "analyst") as a, accounts.client("org-b", "analyst") as b:
        assert a.post("/api/places", json=body).status_code == 403  # a shared place: operators only
        assert a.post("/api/places", json={**body, "organisation": "org-b"}).status_code == 404
        made = a.post("/api/places", json={**body, "organisation": "org-a"})
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        assert a.get(f"/api/places/{pid}").json()["name"] == "Kaarta Lodge"
        assert any(m["id"] == pid for m in a.get("/api/places", params={"q": "Kaarta Lodge"}).json())
        assert b.get(f"/api/places/{pid}").status_code == 404  # not even its existence
        assert all(m["id"] != pid for m in b.get("/api/places", params={"q": "Kaarta Lodge"}).json())
