"""Areas of the risk picture, read from the gazetteer: admin-1 regions identified by their ISO 3166-2 code
(names are labels, in English or French), named zones, airports (IATA/ICAO), countries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from vedette.errors import BadInput
from vedette.gazetteer.text import fold


@dataclass(frozen=True)
class Airport:
    iata: str
    icao: str | None
    name: str
    country: str
    admin1: str | None
    lat: float
    lon: float


def _gaz():  # noqa: ANN202
    from vedette.gazetteer import get_gazetteer

    return get_gazetteer()


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str, float, float]]]:
    """(country, folded name) -> ISO 3166-2 code; code -> (country, label, lat, lon)."""
    by_name: dict[tuple[str, str], str] = {}
    by_code: dict[str, tuple[str, str, float, float]] = {}
    for gid, name, cc, lat, lon in _gaz()._query(
        "SELECT gid, name, country, lat, lon FROM places WHERE kind='admin1'"
    ):
        code = gid.split(":", 1)[1]
        if "-" not in code:
            continue  # no ISO code known for this GeoNames region: not addressable by code
        by_code[code] = (cc, name, lat, lon)
        by_name.setdefault((cc, fold(name)), code)
    fr = {}
    try:
        fr = {(cc, fold(f)): (cc, fold(n)) for cc, n, f in _gaz()._query("SELECT cc, name, name_fr FROM admin1_fr")}
    except Exception:  # noqa: BLE001 - an older gazetteer file without French names
        fr = {}
    for key, en in fr.items():
        if en in by_name:
            by_name.setdefault(key, by_name[en])
    return by_name, by_code


def region_code(country: str | None, admin1: str | None) -> str | None:
    """The ISO 3166-2 code of an admin-1 region named ``admin1`` (English or French) in ``country``."""
    if not country or not admin1:
        return None
    if admin1.upper() in _regions()[1]:
        return admin1.upper()
    return _regions()[0].get((country.upper(), fold(admin1)))


def region(code: str) -> tuple[str, str, float, float] | None:
    """(country, label, lat, lon) of an ISO 3166-2 code."""
    return _regions()[1].get(code.upper())


def regions_of(country: str) -> list[tuple[str, str, float, float]]:
    """(code, label, lat, lon) of every region of a country."""
    cc = country.upper()
    return sorted((code, v[1], v[2], v[3]) for code, v in _regions()[1].items() if v[0] == cc)


def check_country(country: str) -> str:
    cc = (country or "").strip().upper()
    if len(cc) != 2 or _gaz().country(cc) is None:
        raise BadInput(f"unknown country code {country!r} (ISO 3166-1 alpha-2)", item="country")
    return cc


def country_label(country: str) -> str:
    p = _gaz().country(country)
    return p.name if p else country


def country_centre(country: str) -> tuple[float, float] | None:
    p = _gaz().country(country)
    return (p.lat, p.lon) if p else None


def check_area(country: str, area: str | None) -> tuple[str, str | None]:
    """An area of ``country`` as stored ("" the country, an ISO 3166-2 code, "zone:<name>") and its label;
    a region may be named by code or by name. Unknown areas are refused."""
    cc = check_country(country)
    if not area:
        return "", country_label(cc)
    if area.startswith("zone:"):
        name = area[5:].strip()
        if not name:
            raise BadInput("empty zone name", item="area")
        if name.count(":"):  # a gazetteer zone id: "zone:ML:north", "zone:a1:ML-8:south"
            from vedette.gazetteer.geometry import direction_vector

            base, direction = name.rsplit(":", 1)
            owner = base if len(base) == 2 else getattr(_gaz().get(base), "country", None)
            if owner != cc or direction_vector(direction) is None:
                raise BadInput(f"no zone {area!r} in {cc}", item="area")
            return area, zone_label(area)
        hit = _gaz().resolve(name)
        if hit is not None and hit.kind == "zone" and hit.country == cc and hit.id.startswith("zone:"):
            return hit.id, zone_label(hit.id)  # the gazetteer's zone ("zone:ML:north"): it has a geometry
        return f"zone:{name}", name
    code = region_code(cc, area)
    if code is None or region(code)[0] != cc:
        raise BadInput(f"no admin-1 region {area!r} in {cc} (ISO 3166-2 code or name)", item="area")
    return code, region(code)[1]


def zone_label(zone_id: str) -> str:
    """"zone:ML:north" -> "north Mali"; "zone:a1:ML-8:south" -> "south Kidal"; other zones: their words."""
    parts = zone_id.split(":")
    if len(parts) >= 3:
        base, direction = ":".join(parts[1:-1]), parts[-1]
        if len(base) == 2:
            return f"{direction} {country_label(base)}"
        hit = _gaz().get(base)
        return f"{direction} {hit.name if hit else base}"
    return zone_id[5:]


@lru_cache(maxsize=512)
def airports_of(country: str) -> tuple[Airport, ...]:
    gaz = _gaz()
    rows = gaz._query(
        "SELECT p.gid, p.name, p.admin1, p.lat, p.lon, "
        "(SELECT n.key FROM names n WHERE n.place = p.id AND n.key LIKE 'icao:%') "
        "FROM places p WHERE p.country=? AND p.kind='airport' ORDER BY p.gid",
        (country.upper(),),
    )
    return tuple(
        Airport(gid[3:], icao[5:].upper() if icao else None, name, country.upper(), a1, lat, lon)
        for gid, name, a1, lat, lon, icao in rows
    )


def airport(code: str) -> Airport | None:
    """An airport by IATA or ICAO code."""
    key = code.strip().lower()
    kind = "iata" if len(key) == 3 else "icao" if len(key) == 4 else None
    if kind is None:
        return None
    rows = _gaz()._query(
        "SELECT p.country FROM names n JOIN places p ON p.id = n.place WHERE n.key=? AND p.kind='airport'",
        (f"{kind}:{key}",),
    )
    if not rows:
        return None
    for a in airports_of(rows[0][0]):
        if a.iata.lower() == key or (a.icao or "").lower() == key:
            return a
    return None


def nearest_airport(country: str, lat: float, lon: float, km: float = 60.0) -> Airport | None:
    from vedette.gazetteer.resolver import haversine_km

    best, best_d = None, math.inf
    for a in airports_of(country):
        d = haversine_km(lat, lon, a.lat, a.lon)
        if d < best_d:
            best, best_d = a, d
    return best if best_d <= km else None
