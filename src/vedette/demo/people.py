"""Demo organisations and the people they look after, placed as in the demo's crisis (Mali, February to
April 2012). Every name (organisations, people, hotels) is invented for Vedette.

- ``kanaga``: a mining company with staff at hotels scattered over Bamako and Markala, some at its Bamako
  office, and some flying into Bamako in the week after 22 March 2012;
- ``baobab``: an aid charity with two people in the capital;
- ``northwind``: a university with people abroad, nobody in Mali.

Rows are recorded (``recorded_at``) at dates in February and March 2012, so that the crisis can be
replayed as of any moment. Loading is idempotent (people are keyed by external id); demo organisations
are exempt from the purge of old trips.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

# slug, name: the tenancy demo (accounts of each role) uses the same organisations
DEMO_ORGS = (
    ("kanaga", "Kanaga Mining"),
    ("baobab", "Baobab Relief"),
    ("northwind", "Northwind University"),
)

FIRST = ("Amadou", "Mariam", "Oumar", "Fatoumata", "Ibrahim", "Aminata", "Moussa", "Kadiatou", "Seydou", "Awa",
         "Claire", "Thomas", "Sophie", "Julien", "Hannah", "Lukas", "Grace", "Peter", "Nadia", "Karim", "Elena",
         "Marco", "Ines", "Samuel")
LAST = ("Kone", "Traore", "Diallo", "Keita", "Coulibaly", "Sangare", "Dembele", "Sissoko", "Marchal", "Lefort",
        "Brandt", "Okafor", "Mensah", "Ferreira", "Novak", "Haddad", "Lindqvist", "Moreau", "Achterberg", "Quispe")

# invented hotels: (name, lat, lon); scattered over Bamako and over Markala
BAMAKO_HOTELS = (
    ("Hôtel du Fleuve Niger", 12.6312, -7.9889),
    ("Hôtel Les Manguiers", 12.6478, -8.0126),
    ("Résidence Koulouba", 12.6561, -7.9995),
    ("Hôtel Badalabougou", 12.6205, -7.9788),
    ("Hôtel de l'ACI", 12.6342, -8.0311),
    ("Auberge Hippodrome", 12.6517, -7.9903),
)
MARKALA_HOTELS = (
    ("Hôtel du Barrage", 13.6978, -6.0681),
    ("Campement des Rizières", 13.6812, -6.0833),
)
OFFICE = ("Kanaga Mining, Bamako office", 12.6395, -8.0027)
ORIGINS = ("CDG", "ABJ", "DKR", "OUA", "CMN", "ADD")


def _t(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _plan() -> dict[str, list[dict]]:
    """People of each demo organisation: person fields, trips (segments) and known locations."""
    rng = random.Random(2012_03_22)
    plan: dict[str, list[dict]] = {"kanaga": [], "baobab": [], "northwind": []}
    names = iter(_names(rng, 60))
    k = plan["kanaga"]
    for i in range(20):  # hotels scattered over Bamako
        hotel = BAMAKO_HOTELS[i % len(BAMAKO_HOTELS)]
        arrive = _t(f"2012-03-{rng.randint(8, 20):02d}", 14)
        leave = _t(f"2012-04-{rng.randint(1, 12):02d}", 10)
        k.append({"name": next(names), "tags": ["field team"] + (["non-essential staff"] if i % 3 else []),
                  "segments": [dict(kind="hotel", starts_at=arrive, ends_at=leave, lat=hotel[1], lon=hotel[2],
                                    place_name=hotel[0], tz="Africa/Bamako")],
                  "recorded": arrive - timedelta(days=rng.randint(3, 20))})
    for i in range(12):  # hotels at Markala
        hotel = MARKALA_HOTELS[i % len(MARKALA_HOTELS)]
        arrive = _t(f"2012-03-{rng.randint(5, 19):02d}", 16)
        leave = _t(f"2012-04-{rng.randint(2, 15):02d}", 9)
        k.append({"name": next(names), "tags": ["irrigation project", "non-essential staff"],
                  "segments": [dict(kind="hotel", starts_at=arrive, ends_at=leave, lat=hotel[1], lon=hotel[2],
                                    place_name=hotel[0], tz="Africa/Bamako")],
                  "recorded": arrive - timedelta(days=rng.randint(3, 20))})
    for _ in range(5):  # at the office (and living in Bamako)
        k.append({"name": next(names), "tags": ["office"], "office": True,
                  "home": (12.60 + rng.uniform(0, 0.07), -8.05 + rng.uniform(0, 0.12)),
                  "recorded": _t("2012-02-01", 9)})
    for i in range(6):  # flying into Bamako in the week after the coup
        dep = _t(f"2012-03-{23 + i:02d}", 7)
        hotel = BAMAKO_HOTELS[(i + 2) % len(BAMAKO_HOTELS)]
        k.append({"name": next(names), "tags": ["relief crew"],
                  "segments": [
                      dict(kind="flight", starts_at=dep, ends_at=dep + timedelta(hours=5, minutes=30),
                           origin_iata=ORIGINS[i], dest_iata="BKO", flight_number=f"KM{610 + i}", tz="Africa/Bamako"),
                      dict(kind="ground", starts_at=dep + timedelta(hours=6), ends_at=dep + timedelta(hours=7),
                           lat=hotel[1], lon=hotel[2], place_name=hotel[0], tz="Africa/Bamako"),
                      dict(kind="hotel", starts_at=dep + timedelta(hours=7), ends_at=dep + timedelta(days=10),
                           lat=hotel[1], lon=hotel[2], place_name=hotel[0], tz="Africa/Bamako"),
                  ],
                  "recorded": _t("2012-03-18", 10)})
    plan["baobab"] = [  # two people in the capital
        {"name": next(names), "tags": ["country director"], "office": True, "home": (12.6257, -7.9612),
         "recorded": _t("2012-02-03", 9)},
        {"name": next(names), "tags": ["logistics"], "home": (12.6489, -8.0203), "recorded": _t("2012-02-03", 9)},
    ]
    plan["northwind"] = [  # nobody in Mali
        {"name": next(names), "tags": ["researcher"], "segments": [
            dict(kind="hotel", starts_at=_t("2012-03-15"), ends_at=_t("2012-03-30"), place_name="Dakar",
                 tz="Africa/Dakar")], "recorded": _t("2012-03-01")},
        {"name": next(names), "tags": ["researcher"], "segments": [
            dict(kind="hotel", starts_at=_t("2012-03-10"), ends_at=_t("2012-04-10"), place_name="Nairobi",
                 tz="Africa/Nairobi")], "recorded": _t("2012-03-01")},
        {"name": next(names), "tags": ["student"], "home": (51.7520, -1.2577), "recorded": _t("2012-02-10")},
    ]
    return plan


def ensure_orgs(session: Session) -> dict[str, int]:
    from vedette.tenancy import repository, service

    ids = {}
    for slug, name in DEMO_ORGS:
        org = repository.org_by_slug(session, slug) or service.create_org(session, slug, name)
        ids[slug] = org.id
    session.flush()
    return ids


def load_people(session: Session) -> dict[str, int]:
    """Create the demo organisations (when absent) and their people; returns people added per organisation."""
    from vedette.people import repository as repo
    from vedette.people import service as svc
    from vedette.people.schemas import LocationIn, PersonIn, PositionIn, SegmentIn, TripIn
    from vedette.tenancy.authz import cli_scope

    ensure_orgs(session)
    added: dict[str, int] = {}
    for slug, people in _plan().items():
        scope = cli_scope(session, slug)
        svc.mark_demo(session, scope)
        known = repo.person_external_ids(session, scope)
        added[slug] = 0
        for n, spec in enumerate(people, start=1):
            ext = f"{slug}-{n:03d}"
            if ext in known:
                continue
            first = spec["name"].split()[0].lower()
            lang = "fr" if spec["name"].split()[-1] in LAST[:8] else "en"
            person = svc.create_person(session, scope, PersonIn(
                external_id=ext, name=spec["name"], emails=[f"{first}.{n}@{slug}.example"],
                phones=[f"+223 76 {n:02d} {(n * 7) % 100:02d} {(n * 13) % 100:02d}"], nationality="ML"
                if lang == "fr" else None, language=lang, channel="sms" if n % 2 else "email", tags=spec["tags"],
            ), recorded_at=spec["recorded"])
            if spec.get("segments"):
                svc.create_trip(session, scope, TripIn(
                    external_id=f"{ext}-trip", person_id=person.id, title="Mission",
                    segments=[SegmentIn(external_id=str(i + 1), **seg) for i, seg in enumerate(spec["segments"])],
                ), recorded_at=spec["recorded"])
            if spec.get("office"):
                label, lat, lon = OFFICE if slug == "kanaga" else ("Baobab Relief, Bamako office", 12.6423, -7.9921)
                svc.add_location(session, scope, person.id, LocationIn(external_id=f"{ext}-office", kind="office",
                                                                       label=label, lat=lat, lon=lon),
                                 recorded_at=spec["recorded"])
            if spec.get("home"):
                lat, lon = spec["home"]
                svc.add_location(session, scope, person.id, LocationIn(external_id=f"{ext}-home", kind="home",
                                                                       lat=lat, lon=lon),
                                 recorded_at=spec["recorded"])
            if slug == "kanaga" and spec.get("segments") and spec["segments"][0]["kind"] == "hotel" and n % 4 == 0:
                seg = spec["segments"][0]
                svc.add_position(session, scope, person.id, PositionIn(
                    at=_t("2012-03-22", 9), lat=seg["lat"] + 0.004, lon=seg["lon"] - 0.003, source="check-in"),
                    recorded_at=_t("2012-03-22", 9))
            added[slug] += 1
    return added


def load_demo_people() -> str:
    """``vedette demo load``'s step for people: in its own transaction; a summary line."""
    from vedette.store.db import session_scope

    with session_scope() as session:
        added = load_people(session)
    return "demo people: " + ", ".join(f"{n} new in {slug}" for slug, n in added.items())
