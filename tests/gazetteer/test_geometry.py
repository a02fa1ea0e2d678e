"""Shapes: country polygons, directional zones, border strips, admin-1 regions from town Voronoi cells."""

from __future__ import annotations

import json

import numpy as np
import pytest
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from vedette.cli import app
from vedette.gazetteer import ResolveContext, get_gazetteer
from vedette.gazetteer import geometry as geo

ML = ResolveContext(countries={"ML": 1.0})


def _town(name: str, cc: str) -> Point:
    m = get_gazetteer().resolve(name, ResolveContext(countries={cc: 1.0}))
    assert m is not None and m.country == cc and m.kind == "city", (name, m)
    return Point(m.lon, m.lat)


def test_country_shape_and_core() -> None:
    mali = geo.country_shape("ML")
    assert mali.geom_type in ("Polygon", "MultiPolygon")
    assert 1.2e6 < geo.area_km2(mali) < 1.3e6  # Mali is 1.24 million km²
    assert mali.contains(_town("Bamako", "ML")) and not mali.contains(_town("Niamey", "NE"))
    france, core = geo.country_shape("FR"), geo.country_core("FR")
    assert core.contains(_town("Corte", "FR"))  # Corsica belongs to the main landmass
    cayenne, saint_denis = Point(-52.33, 4.93), Point(55.45, -20.88)
    assert france.contains(cayenne) and france.contains(saint_denis)  # Natural Earth's France has them...
    assert not core.contains(cayenne) and core.bounds[1] > 40  # ...directional zones of France do not
    assert geo.country_shape("XX") is None


def test_directional_zones_follow_the_country_shape() -> None:
    gaz = get_gazetteer()
    north = gaz.resolve("northern Mali", ML)
    zone = gaz.zone_geometry(north.id)
    assert north.id == "zone:ML:north" and zone.contains(Point(north.lon, north.lat))
    assert zone.contains(_town("Timbuktu", "ML")) and zone.contains(_town("Kidal", "ML"))
    assert not zone.contains(_town("Sikasso", "ML")) and not zone.contains(_town("Bamako", "ML"))
    mali = geo.country_shape("ML")
    assert geo.area_km2(zone.difference(mali)) < 1  # the real outline, not a rectangle
    assert 0.4 < geo.area_km2(zone) / geo.area_km2(mali) < 0.8
    south = gaz.zone_geometry(gaz.resolve("southern Mali", ML).id)
    assert south.contains(_town("Sikasso", "ML")) and not south.contains(_town("Tessalit", "ML"))
    central = gaz.zone_geometry(gaz.resolve("central Mali", ML).id)
    assert central.contains(_town("Mopti", "ML")) and not central.contains(_town("Sikasso", "ML"))
    ne = gaz.zone_geometry(gaz.resolve("northeastern Mali", ML).id)
    east = gaz.zone_geometry("zone:ML:east")
    assert geo.area_km2(ne.difference(zone.intersection(east))) < 1  # the corner where both sides meet
    assert gaz.zone_geometry("nord est du Mali") is None  # ids only
    assert geo.area_km2(gaz.zone_geometry(gaz.resolve("nord-est du Mali", ML).id).symmetric_difference(ne)) < 1
    # another country: northern Nigeria holds Kano, not Lagos
    ng = gaz.zone_geometry("zone:NG:north")
    assert ng.contains(_town("Kano", "NG")) and not ng.contains(_town("Lagos", "NG"))
    assert gaz.zone_geometry("zone:ML:upward") is None and gaz.zone_geometry("zone:XX:north") is None


def test_directional_part_of_an_admin1_region() -> None:
    gaz = get_gazetteer()
    east = gaz.resolve("eastern Menaka", ML)
    zone, region = gaz.zone_geometry(east.id), gaz.zone_geometry(gaz.resolve("Menaka region", ML).id)
    assert east.id.startswith("zone:a1:") and zone.contains(Point(east.lon, east.lat))
    assert geo.area_km2(zone.difference(region)) < 1
    assert zone.centroid.x > region.centroid.x and geo.area_km2(zone) < geo.area_km2(region)


def test_border_strip_stays_inside_and_has_the_width_asked() -> None:
    gaz = get_gazetteer()
    strip = gaz.zone_geometry("border:ML:DZ")
    algeria = geo.country_shape("DZ")
    assert strip.geom_type in ("Polygon", "MultiPolygon")
    assert geo.area_km2(strip.intersection(algeria)) < 1  # no leak into Algeria
    assert geo.area_km2(strip.difference(geo.country_shape("ML"))) < 1
    # the Mali-Algeria border is about 1,360 km long: a 50 km strip is about 68,000 km²
    assert 55_000 < geo.area_km2(strip) < 75_000
    tessalit, bamako = _town("Tessalit", "ML"), _town("Bamako", "ML")
    assert not strip.contains(bamako)
    assert not strip.contains(tessalit)  # Tessalit lies about 61 km from the border...
    assert gaz.zone_geometry("border:ML:DZ:70").contains(tessalit)  # ...so a 70 km strip holds it
    # a third of the way from the nearest border point to Tessalit (about 20 km in) is in the strip
    edge = algeria.boundary.interpolate(algeria.boundary.project(tessalit))
    assert strip.contains(Point(edge.x + (tessalit.x - edge.x) / 3, edge.y + (tessalit.y - edge.y) / 3))
    assert gaz.zone_geometry("border:ML:JP") is None and gaz.zone_geometry("border:ML:DZ:x") is None


@pytest.mark.parametrize("other", ["Algeria", "Algérie", "DZ", "DZA", "Algerian", "Algerian border"])
def test_border_zone_accepts_names_codes_and_demonyms(other: str) -> None:
    zone = get_gazetteer().border_zone("ML", other)
    assert zone.id == "border:ML:DZ" and zone.kind == "zone" and zone.country == "ML" and zone.admin1 is None
    assert geo.border_shape("ML", "DZ").contains(Point(zone.lon, zone.lat))


def test_border_zone_refuses_what_is_not_a_neighbour() -> None:
    gaz = get_gazetteer()
    assert gaz.border_zone("ML", "Japan") is None
    assert gaz.border_zone("ML", "Blorpland") is None
    assert gaz.border_zone("ML", "Mali") is None
    assert gaz.border_zone("Mali", "Niger", km=30).id == "border:ML:NE:30"


@pytest.mark.parametrize(
    "text",
    [
        "the border with Algeria",
        "the Mali-Algeria border",
        "near the Mali–Algeria border on Tuesday",
        "la frontière avec l'Algérie",
        "la frontière algérienne",
        "the Algerian border",
        "Mali's border with Algeria",
        "la frontière entre le Mali et l'Algérie",
    ],
)
def test_border_mentions(text: str) -> None:
    zone = get_gazetteer().mention_border(text, ML)
    assert zone is not None and zone.id == "border:ML:DZ", text


def test_border_mentions_take_their_side_from_the_context() -> None:
    gaz = get_gazetteer()
    algeria = ResolveContext(countries={"DZ": 1.0})
    assert gaz.mention_border("the Mali-Algeria border", algeria).id == "border:DZ:ML"
    assert gaz.mention_border("the Malian border", algeria).id == "border:DZ:ML"
    assert gaz.mention_border("the Malian border", ML) is None  # Mali's own border with what?
    assert gaz.mention_border("the border with Algeria") is None  # no own country
    assert gaz.mention_border("the border was closed", ML) is None
    # the context's first country that borders the other one
    both = ResolveContext(countries={"DZ": 1.0, "ML": 0.5})
    assert gaz.mention_border("near the border with Burkina Faso", both).id == "border:ML:BF"
    niger = ResolveContext(countries={"NE": 1.0})
    assert gaz.mention_border("à la frontière avec le Burkina Faso", niger).id == "border:NE:BF"
    assert gaz.mention_border("frontière nigériane", niger).id == "border:NE:NG"
    israel = ResolveContext(countries={"IL": 1.0})
    assert gaz.mention_border("along the Lebanese border", israel).id == "border:IL:LB"
    spans = gaz.find_borders("Raids near the Algerian border and the border with Niger.", ML)
    assert [z.id for _, _, z in spans] == ["border:ML:DZ", "border:ML:NE"]
    assert spans[0][0] < spans[1][0]


@pytest.mark.parametrize(
    ("town", "cc"),
    [
        ("Timbuktu", "ML"),
        ("Sikasso", "ML"),
        ("Kidal", "ML"),
        ("Mopti", "ML"),
        ("Lyon", "FR"),
        ("Strasbourg", "FR"),
        ("Houston", "US"),
        ("Denver", "US"),
        ("Lucknow", "IN"),
        ("Pune", "IN"),
        ("Kano", "NG"),
        ("Maiduguri", "NG"),
    ],
)
def test_admin1_at_gives_the_geonames_admin1(town: str, cc: str) -> None:
    m = get_gazetteer().resolve(town, ResolveContext(countries={cc: 1.0}))
    area = geo.admin1_at(m.lat, m.lon)
    assert area is not None and area.country == cc and area.name == m.admin1, (town, area, m.admin1)
    assert geo.admin1_shape(cc, m.admin1).contains(Point(m.lon, m.lat))
    assert geo.admin1_shape(cc, area.code).equals(geo.admin1_shape(cc, area.place_id))


def test_admin1_regions_tile_the_country() -> None:
    for cc in ("ML", "FR", "US"):
        layer = geo.admin1_layer(cc)
        total = sum(geo.area_km2(s) for s in layer.shapes)
        assert abs(total / geo.area_km2(geo.country_shape(cc)) - 1) < 0.001  # no gaps, no overlaps
    # Texas approximated from its towns is within 5 % of its 695,662 km²
    assert abs(geo.area_km2(geo.admin1_shape("US", "Texas")) / 695_662 - 1) < 0.05
    assert geo.admin1_at(0.0, -30.0) is None  # mid-Atlantic


def test_mis_coded_places_join_their_neighbours() -> None:
    xs, ys = np.meshgrid(np.arange(6.0), np.arange(4.0))
    xy = np.c_[xs.ravel(), ys.ravel()]
    codes = ["A" if x < 3 else "B" for x in xy[:, 0]]
    stray = int(np.flatnonzero((xy[:, 0] == 1) & (xy[:, 1] == 1))[0])
    codes[stray] = "B"
    assert geo._relabel_isolated(xy, codes, set())[stray] == "A"
    assert geo._relabel_isolated(xy, codes, {stray})[stray] == "B"  # a region's largest town stays


def test_geometry_api(client) -> None:
    r = client.get("/api/places/zone:ML:north/geometry")
    assert r.status_code == 200
    feat = r.json()
    assert feat["type"] == "Feature" and feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert shape(feat["geometry"]).contains(_town("Timbuktu", "ML"))
    assert feat["properties"]["country"] == "ML" and feat["properties"]["area_km2"] > 500_000
    region = client.get("/api/places/a1:ML-4/geometry").json()
    assert region["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert region["properties"]["name"] == "Ségou" and region["properties"]["kind"] == "admin1"
    border = client.get("/api/places/border:ML:DZ:70/geometry", params={"tolerance": 0}).json()
    assert shape(border["geometry"]).contains(_town("Tessalit", "ML"))
    full = client.get("/api/places/cc:ML/geometry", params={"tolerance": 0}).json()
    simple = client.get("/api/places/cc:ML/geometry").json()
    assert len(json.dumps(simple["geometry"])) < len(json.dumps(full["geometry"]))
    town = client.get(f"/api/places/{get_gazetteer().resolve('Bamako', ML).id}/geometry").json()
    assert town["properties"]["shape"] == "buffer around the point"
    missing = client.get("/api/places/gn:0/geometry")
    assert missing.status_code == 404 and "no place or zone" in missing.json()["detail"]
    assert client.get("/api/places/zone:ML:upward/geometry").status_code == 404
    assert client.get("/api/places/cc:ML/geometry", params={"tolerance": -1}).status_code == 422


def test_cli_zone() -> None:
    runner = CliRunner()
    north = runner.invoke(app, ["gazetteer", "zone", "northern Mali", "--country", "ML"])
    assert north.exit_code == 0, north.output
    assert "zone:ML:north" in north.output and "km²" in north.output
    border = runner.invoke(app, ["gazetteer", "zone", "the border with Algeria", "--country", "ML", "--km", "30"])
    assert border.exit_code == 0 and "border:ML:DZ:30" in border.output
    lines = dict(line.split(":", 1) for line in border.output.splitlines() if ":" in line)
    assert 30_000 < float(lines["area"].replace("km²", "").replace(",", "")) < 50_000
    lat, lon = (float(v) for v in lines["centre"].split(","))
    assert geo.border_shape("ML", "DZ", 30.0).contains(Point(lon, lat))
    region = runner.invoke(app, ["gazetteer", "zone", "Ségou region", "--country", "ML", "--geojson"])
    feat = json.loads(region.output)
    assert feat["id"] == "a1:ML-4" and feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
    missing = runner.invoke(app, ["gazetteer", "zone", "Blorptown", "--country", "ML"])
    assert missing.exit_code == 1
