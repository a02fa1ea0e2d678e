"""Places kept in the store: GeoNames dump rows loaded on demand, analysts' own places (per organisation)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vedette.errors import BadInput, NotFound
from vedette.gazetteer.models import Place
from vedette.gazetteer.resolver import Gazetteer
from vedette.gazetteer.text import fold
from vedette.tenancy.models import Organisation

GEONAMES_COLUMNS = 19  # geonameid ... modification date (allCountries.txt / CC.txt)


@dataclass
class LoadReport:
    loaded: int = 0
    updated: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def organisation(session: Session, slug: str | None) -> Organisation | None:
    if not slug:
        return None
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(f"no organisation '{slug}'", item=slug)
    return org


def _rows(path: Path) -> Iterator[tuple[int, list[str] | None, str]]:
    with path.open(encoding="utf-8", errors="strict", newline="") as fh:
        n = 0
        while True:
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                n += 1
                yield n, None, f"not UTF-8 ({exc.reason})"
                continue
            if not line:
                return
            n += 1
            if line.startswith("#") or not line.strip():
                continue
            yield n, line.rstrip("\n").split("\t"), ""


def load_geonames(
    session: Session, path: Path, admin1_names: dict[str, str] | None = None, tick: Callable[[], None] | None = None
) -> LoadReport:
    """Load a GeoNames dump (allCountries.txt, CC.txt or admin1CodesASCII.txt); bad rows are reported."""
    report = LoadReport()
    admin1_names = {} if admin1_names is None else admin1_names
    is_admin1 = path.name.lower().startswith("admin1codes")
    existing = {}
    batch: list[Place] = []
    for n, cols, err in _rows(path):
        if tick:
            tick()
        if cols is None:
            report.bad.append((n, err))
            continue
        if is_admin1:
            if len(cols) < 2 or "." not in cols[0]:
                report.bad.append((n, f"expected 'CC.code<TAB>name', got {len(cols)} columns"))
                continue
            admin1_names[cols[0]] = cols[1]
            report.loaded += 1
            continue
        if len(cols) != GEONAMES_COLUMNS:
            report.bad.append((n, f"expected {GEONAMES_COLUMNS} tab-separated columns, got {len(cols)}"))
            continue
        try:
            gid, lat, lon = int(cols[0]), float(cols[4]), float(cols[5])
            pop = int(cols[14] or 0)
        except ValueError as exc:
            report.bad.append((n, f"bad number ({exc})"))
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            report.bad.append((n, f"coordinates out of range: {lat}, {lon}"))
            continue
        if not cols[1].strip():
            report.bad.append((n, "empty name"))
            continue
        cc = cols[8].upper() or None
        aliases = [a for a in cols[3].split(",") if a][:30]
        code = f"{cc}.{cols[10]}" if cc and cols[10] else None
        row = dict(
            source="geonames",
            geonameid=gid,
            name=cols[1],
            key=fold(cols[1]),
            aliases=aliases,
            kind="city" if cols[6] == "P" else ("admin1" if cols[7] == "ADM1" else "locality"),
            feature_class=cols[6] or None,
            feature_code=cols[7] or None,
            country=cc,
            admin1=admin1_names.get(code or ""),
            admin1_code=code,
            lat=lat,
            lon=lon,
            population=pop,
        )
        if gid in existing or session.scalar(select(Place.id).where(Place.geonameid == gid)):
            place = session.scalar(select(Place).where(Place.geonameid == gid))
            for k, v in row.items():
                setattr(place, k, v)
            report.updated += 1
        else:
            batch.append(Place(**row))
            existing[gid] = True
            report.loaded += 1
        if len(batch) >= 1000:
            session.add_all(batch)
            session.flush()
            batch = []
    session.add_all(batch)
    session.flush()
    return report


def add_place(
    session: Session,
    *,
    name: str,
    lat: float,
    lon: float,
    country: str | None,
    aliases: list[str] | None = None,
    kind: str = "custom",
    admin1: str | None = None,
    org: Organisation | None = None,
) -> Place:
    if not name.strip():
        raise BadInput("a place needs a name", item="name")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadInput(f"coordinates out of range: {lat}, {lon}", item=name)
    if country and (len(country) != 2 or not country.isalpha()):
        raise BadInput(f"country must be an ISO 3166-1 alpha-2 code, got '{country}'", item=name)
    place = Place(
        source="custom",
        name=name.strip(),
        key=fold(name),
        aliases=aliases or [],
        kind=kind or "custom",
        country=country.upper() if country else None,
        admin1=admin1,
        lat=lat,
        lon=lon,
        population=0,
        organisation_id=org.id if org else None,
    )
    session.add(place)
    session.flush()
    return place


def import_csv(session: Session, path: Path, org: Organisation | None = None) -> LoadReport:
    """CSV with columns name, lat, lon, country[, aliases (|-separated), kind, admin1]."""
    report = LoadReport()
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                with session.begin_nested():
                    add_place(
                        session,
                        name=row.get("name") or "",
                        lat=float(row["lat"]),
                        lon=float(row["lon"]),
                        country=row.get("country") or None,
                        aliases=[a for a in (row.get("aliases") or "").split("|") if a],
                        kind=row.get("kind") or "custom",
                        admin1=row.get("admin1") or None,
                        org=org,
                    )
                report.loaded += 1
            except (KeyError, ValueError, TypeError, BadInput) as exc:
                report.bad.append((n, str(exc) if not isinstance(exc, KeyError) else f"missing column {exc}"))
    return report


def visible_places(session: Session, org: Organisation | None) -> list[Place]:
    """Shared places plus, for an organisation, its private ones; never another organisation's."""
    q = select(Place)
    q = (
        q.where(or_(Place.organisation_id.is_(None), Place.organisation_id == org.id))
        if org
        else q.where(Place.organisation_id.is_(None))
    )
    return list(session.scalars(q))


def overlay_row(p: Place) -> dict:
    return {
        "id": f"db:{p.id}",
        "name": p.name,
        "aliases": p.aliases,
        "kind": p.kind,
        "country": p.country,
        "admin1": p.admin1,
        "lat": p.lat,
        "lon": p.lon,
        "population": p.population,
    }


def get_visible_place(session: Session, place_id: str, org: Organisation | None) -> Place | None:
    """A store place by its ``db:N`` id, if shared or the organisation's own; never another's."""
    try:
        pk = int(place_id.removeprefix("db:"))
    except ValueError:
        return None
    if not place_id.startswith("db:") or not 1 <= pk <= 2**53:
        return None
    place = session.get(Place, pk)
    if place is None or (place.organisation_id is not None and (org is None or place.organisation_id != org.id)):
        return None
    return place


def has_private_places(session: Session, org: Organisation | None) -> bool:
    if org is None:
        return False
    return session.scalar(select(Place.id).where(Place.organisation_id == org.id).limit(1)) is not None


def gazetteer_for(session: Session, org: Organisation | None = None) -> Gazetteer:
    """A gazetteer with the store's places overlaid (a fresh object: tenant overlays never leak)."""
    from vedette.gazetteer.resolver import data_path

    gaz = Gazetteer(data_path())
    gaz.add_places([overlay_row(p) for p in visible_places(session, org)])
    return gaz
