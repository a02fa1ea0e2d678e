"""Map shapes are served by Vedette: countries of the world and a country's admin-1 regions."""

from __future__ import annotations

from shapely.geometry import Point, shape


def test_world_countries_layer(client) -> None:
    r = client.get("/api/geo/countries.geojson")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    by_cc = {f["properties"]["cc"]: f for f in fc["features"]}
    assert len(by_cc) > 200
    assert by_cc["ML"]["properties"]["name"] == "Mali"
    mali = shape(by_cc["ML"]["geometry"])
    assert mali.contains(Point(-8.0, 12.65))  # Bamako
    assert not mali.contains(Point(2.35, 48.85))  # Paris


def test_admin1_layer_is_keyed_by_iso_code(client) -> None:
    fc = client.get("/api/geo/admin1/ml.geojson").json()
    codes = {f["properties"]["code"]: f for f in fc["features"]}
    assert "ML-BKO" in codes
    bamako = shape(codes["ML-BKO"]["geometry"])
    inside = bamako.representative_point()
    from vedette.gazetteer.geometry import admin1_at

    assert admin1_at(inside.y, inside.x).name == "Bamako"  # the shape is where the region lookup says it is
    assert not bamako.contains(Point(-5.0, 16.0))
    assert all(c.startswith("ML-") for c in codes)


def test_unknown_country_is_404_and_bad_code_422(client) -> None:
    assert client.get("/api/geo/admin1/QQ.geojson").status_code == 404
    assert client.get("/api/geo/admin1/MLI.geojson").status_code == 422
