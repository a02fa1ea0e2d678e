"""The demo's organisations and people, placed as in the demo crisis (Mali, February to April 2012)."""

from __future__ import annotations

from datetime import UTC, datetime

from vedette.people import repository as repo
from vedette.people import service as svc
from vedette.people.exposure import Circle, Country, Region, window_around
from vedette.tenancy.authz import cli_scope

COUP = datetime(2012, 3, 22, 7, 55, tzinfo=UTC)


def test_demo_people_are_placed_as_in_the_crisis(session) -> None:
    from vedette.demo.people import load_people

    added = load_people(session)
    assert added["kanaga"] >= 40 and added["baobab"] == 2 and added["northwind"] >= 1
    assert load_people(session) == {"kanaga": 0, "baobab": 0, "northwind": 0}  # idempotent
    k, b, n = (cli_scope(session, s) for s in ("kanaga", "baobab", "northwind"))
    w = window_around(COUP)
    in_mali = svc.exposure(session, k, Country("ML"), w)
    at_hotels = {p["person_id"] for p in in_mali["people"] if any(r["kind"] == "hotel" and r["status"] == "present"
                                                                  for r in p["reasons"])}
    assert len(at_hotels) >= 30
    assert svc.exposure(session, k, Region("ML-4"), w)["count"] >= 10  # Markala is in Ségou
    bamako = svc.exposure(session, k, Circle(12.6392, -8.0029, 25, "Bamako"), w)
    offices = [p for p in bamako["people"] if any(r["kind"] == "office" for r in p["reasons"])]
    flying = [p for p in bamako["people"] if p["status"] == "bound"
              and any(r["kind"] == "flight" for r in p["reasons"])]
    assert offices and flying  # flying into Bamako within the week after the coup
    assert svc.exposure(session, b, Circle(12.6392, -8.0029, 25), w)["count"] == 2
    assert svc.exposure(session, n, Country("ML"), w)["count"] == 0
    # replay: the people flying in were booked on 18 March; as of 1 March nobody of them was known
    early = svc.exposure(session, k, Circle(12.6392, -8.0029, 25), w, as_of=datetime(2012, 3, 1, tzinfo=UTC))
    assert not any(r["kind"] == "flight" for p in early["people"] for r in p["reasons"])
    assert svc.purge(session, k, 90, datetime(2013, 1, 1, tzinfo=UTC))["segments"] == 0  # demo: exempt
    assert repo.settings(session, k).demo
