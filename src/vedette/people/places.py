"""Where a segment or location is: a gazetteer id, a name resolved with the gazetteer, an IATA code or
coordinates, turned into one resolved place (point, country, ISO 3166-2 region). Nothing is guessed: an
unknown id, an unresolved name or an unknown IATA code is a ``BadInput`` naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vedette.errors import BadInput
from vedette.gazetteer.resolver import PlaceMatch, ResolveContext, get_gazetteer

IATA = re.compile(r"[A-Z]{3}")
REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


@dataclass(frozen=True)
class Located:
    ref: str | None
    name: str | None
    lat: float
    lon: float
    country: str | None
    region: str | None  # ISO 3166-2


@lru_cache(maxsize=1)
def _region_codes() -> dict[tuple[str, str], str]:
    """(country, admin-1 name) -> ISO 3166-2 code, from the gazetteer's admin-1 entries ('a1:ML-BKO')."""
    rows = get_gazetteer()._query("SELECT country, admin1, name, gid FROM places WHERE kind = 'admin1'")
    out: dict[tuple[str, str], str] = {}
    for cc, admin1, name, gid in rows:
        if not cc or not gid.startswith("a1:"):
            continue
        for n in (admin1, name):
            if n:
                out.setdefault((cc, n), gid[3:])
    return out


def region_code(country: str | None, admin1: str | None) -> str | None:
    """The ISO 3166-2 code of a region given by code or by name (English or French) within ``country``."""
    if not admin1:
        return None
    if REGION.fullmatch(admin1):
        return admin1
    if not country:
        return None
    codes = _region_codes()
    found = codes.get((country, admin1))
    if found:
        return found
    gaz = get_gazetteer()
    for variant in gaz.admin1_variants(admin1, country):
        if (found := codes.get((country, variant))) is not None:
            return found
    return None


def _from_match(m: PlaceMatch) -> Located:
    region = m.id[3:] if m.id.startswith("a1:") else region_code(m.country, m.admin1)
    return Located(m.id, m.name, m.lat, m.lon, m.country, region)


def from_ref(ref: str, field: str = "place_ref") -> Located:
    m = get_gazetteer().get(ref.strip())
    if m is None:
        raise BadInput(f"unknown gazetteer id '{ref}'", item=field)
    return _from_match(m)


def from_iata(code: str, field: str = "iata") -> Located:
    code = (code or "").strip().upper()
    if not IATA.fullmatch(code):
        raise BadInput(f"'{code}' is not an IATA airport code (three letters)", item=field)
    m = get_gazetteer().get(f"ap:{code}")
    if m is None:
        raise BadInput(f"unknown IATA code '{code}'", item=field)
    return _from_match(m)


def check_coords(lat: float, lon: float, field: str = "lat/lon") -> None:
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise BadInput(f"coordinates out of range: {lat}, {lon}", item=field)


def from_coords(lat: float, lon: float, name: str | None = None, field: str = "lat/lon") -> Located:
    check_coords(lat, lon, field)
    near = get_gazetteer().reverse(lat, lon)
    if near is None:
        return Located(None, name, lat, lon, None, None)
    return Located(None, name or near.name, lat, lon, near.country, region_code(near.country, near.admin1))


def resolve_name(text: str) -> Located | None:
    """A place name ('Markala', 'Bamako, Mali', 'BKO'), or None when the gazetteer cannot tell."""
    text = " ".join((text or "").split())
    if not text:
        return None
    gaz = get_gazetteer()
    if IATA.fullmatch(text) and (ap := gaz.get(f"ap:{text}")) is not None:
        return _from_match(ap)
    m = gaz.resolve(text)
    if m is None and "," in text:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        country = gaz.country(parts[-1]) if len(parts) > 1 else None
        ctx = ResolveContext(countries={country.country: 1.0}) if country and country.country else None
        for part in parts[: -1 if country else None]:
            m = gaz.resolve(part, ctx)
            if m is not None and (country is None or m.country == country.country):
                break
            m = None
    return _from_match(m) if m is not None else None


def from_name(text: str, field: str = "place") -> Located:
    found = resolve_name(text)
    if found is None:
        raise BadInput(f"place '{text}' not found in the gazetteer", item=field)
    return found


def locate(
    *,
    ref: str | None = None,
    name: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    iata: str | None = None,
    field: str = "place",
) -> Located:
    """One place from whichever is given: IATA code, gazetteer id, coordinates (named by ``name``), name."""
    if iata:
        return from_iata(iata, field=f"{field}_iata" if field != "place" else "iata")
    if ref:
        return from_ref(ref, field=f"{field}_ref")
    if lat is not None or lon is not None:
        if lat is None or lon is None:
            raise BadInput("both latitude and longitude are needed", item=f"{field}_lat/lon")
        return from_coords(float(lat), float(lon), name, field=f"{field}_lat/lon")
    if name:
        return from_name(name, field=field)
    raise BadInput("a place is needed: a gazetteer id, a name, an IATA code or coordinates", item=field)
