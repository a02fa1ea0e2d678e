"""The spatial index agrees with a brute-force haversine oracle: h3 cells (SQLite mode), PostGIS ST_DWithin
on the sphere (PostgreSQL mode, when the test store has PostGIS) and the in-memory index, on 1,000 random
cases over the same data."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from vedette.people import repository as repo
from vedette.people.exposure import Circle, ExposureIndex, Window, brute_force, cell_of
from vedette.people.models import Person

T0 = datetime(2012, 1, 1, tzinfo=UTC)


def _point(rng: random.Random, centres: list[tuple[float, float]]) -> tuple[float, float]:
    if rng.random() < 0.65:
        lat0, lon0 = rng.choice(centres)
        d, b = rng.uniform(0, 180) / 6371.0, rng.uniform(0, 2 * math.pi)
        p1, l1 = math.radians(lat0), math.radians(lon0)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
        l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
    return math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)


def _interval(rng: random.Random) -> tuple[datetime | None, datetime | None]:
    r = rng.random()
    if r < 0.3:
        return None, None  # home or office: at all times
    start = T0 + timedelta(hours=rng.uniform(0, 24 * 365))
    return start, start + timedelta(hours=rng.choice([0, rng.uniform(1, 24 * 20)]))


@pytest.fixture
def world(session, make_scope):
    rng = random.Random(20120322)
    scope = make_scope("oracle")
    other = make_scope("other-org")
    people = [Person(organisation_id=scope.org_id, external_id=f"p{i}", name=f"P{i}") for i in range(50)]
    stranger = Person(organisation_id=other.org_id, external_id="x", name="X")
    for p in (*people, stranger):
        session.add(p)
    session.flush()
    centres = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(8)] + [(12.64, -8.0), (0.0, 179.9)]
    rows, points = [], []
    for i in range(1500):
        lat, lon = _point(rng, centres)
        starts, ends = _interval(rng)
        rows.append(dict(organisation_id=scope.org_id, person_id=rng.choice(people).id, source="location",
                         source_id=i, kind="other", label=f"point {i}", lat=lat, lon=lon, h3=cell_of(lat, lon),
                         country=None, region=None, starts_at=starts, ends_at=ends, recorded_at=T0))
    repo.replace_whereabouts(session, scope, "location", [], rows)
    # the other organisation has a point everywhere the first has one: none may ever come back
    repo.replace_whereabouts(session, other, "location", [], [
        dict(r, organisation_id=other.org_id, person_id=stranger.id) for r in rows[:300]])
    session.flush()
    ids = {w.source_id: w.id for w in repo.whereabouts_of(session, scope)}
    for r in rows:
        points.append((ids[r["source_id"]], r["lat"], r["lon"], r["starts_at"], r["ends_at"]))
    cases = []
    for _ in range(1000):
        lat, lon = _point(rng, centres)
        km = rng.choice([rng.uniform(0.5, 30), rng.uniform(30, 150), rng.uniform(150, 600)])
        start = T0 + timedelta(hours=rng.uniform(-24 * 30, 24 * 400))
        end = start + timedelta(hours=rng.uniform(0, 24 * 10))
        cases.append((Circle(lat, lon, km), Window(start, end, end + timedelta(days=rng.choice([0, 7])))))
    return scope, points, cases


def _sql(session, scope, area, w, spatial):
    from vedette.people.exposure import status

    return {(wh.id, status(wh.starts_at, wh.ends_at, w)) for wh, _ in repo.in_circle(session, scope, area, w,
                                                                                      spatial=spatial)}


def test_spatial_paths_agree_with_the_haversine_oracle(session, world) -> None:
    scope, points, cases = world
    spatials = ["h3"] + (["postgis"] if repo.uses_postgis(session) else [])
    if session.get_bind().dialect.name == "postgresql":
        assert "postgis" in spatials, "the PostgreSQL test store should have PostGIS (see tests/conftest.py)"
    index = ExposureIndex.build(repo.index_rows(session, scope))
    nonempty = 0
    for area, w in cases:
        expected = brute_force(points, area, w)
        nonempty += bool(expected)
        for spatial in spatials:
            assert _sql(session, scope, area, w, spatial) == expected, (spatial, area, w)
        hits = index.query(area, w)
        got = {(int(index.source_id[r]), "present" if p else "bound") for r, p in zip(hits.rows, hits.present,
                                                                                       strict=True)}
        assert got == expected, ("index", area, w)
    assert nonempty > 300  # the cases do find people, not only empty answers


def test_postgis_and_h3_give_the_same_distances(session, world) -> None:
    scope, _points, cases = world
    if not repo.uses_postgis(session):
        pytest.skip("PostGIS mode only (the PostgreSQL test store)")
    for area, w in cases[:200]:
        a = {wh.id: d for wh, d in repo.in_circle(session, scope, area, w, spatial="h3")}
        b = {wh.id: d for wh, d in repo.in_circle(session, scope, area, w, spatial="postgis")}
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], abs=1e-3)


def test_the_index_says_why_in_the_same_words_as_the_service(session, make_scope) -> None:
    from vedette.people import service as svc
    from vedette.people.exposure import Country, window_around
    from vedette.people.schemas import LocationIn, PersonIn, SegmentIn, TripIn

    scope = make_scope("words")
    p = svc.create_person(session, scope, PersonIn(name="W"))
    svc.add_location(session, scope, p.id, LocationIn(kind="office", label="Office", lat=12.64, lon=-8.0))
    svc.create_trip(session, scope, TripIn(person_id=p.id, segments=[
        SegmentIn(kind="flight", starts_at="2012-03-24T08:00", ends_at="2012-03-24T10:30", origin_iata="ABJ",
                  dest_iata="BKO")]))
    index = ExposureIndex.build(repo.index_rows(session, scope))
    w = window_around(datetime(2012, 3, 22, 8, tzinfo=UTC))
    for area in (Circle(12.6, -7.98, 25), Country("ML")):
        ours = sorted(text for _, text in index.answer(area, w))
        service = sorted(r["text"] for x in svc.exposure(session, scope, area, w)["people"] for r in x["reasons"])
        assert ours == service and len(ours) == 2
