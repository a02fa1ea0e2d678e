"""Imports and exports of people, trip segments and known locations (CSV), and itineraries (iCalendar).

CSV files are UTF-8 (a byte-order mark is allowed), comma-separated, with a header row. The kind of file
is told by its header. Lists inside a cell are separated by ``|``. Times are ISO 8601
(``2012-03-24T08:00``); a time without an offset is local to the row's ``tz`` (or UTC without one).

people (required: external_id, name)::

    external_id,name,emails,phones,nationality,channel,language,manager_external_id,tags,
    emergency_name,emergency_phone,emergency_relation

segments (required: person_external_id, trip_external_id, segment_external_id, kind, starts_at, ends_at;
a place: place_ref, place_name, lat+lon, or for a flight dest_iata)::

    person_external_id,trip_external_id,segment_external_id,kind,starts_at,ends_at,tz,place_ref,place_name,
    lat,lon,address,flight_number,origin_iata,dest_iata,trip_title

locations (required: person_external_id, location_external_id, kind; a place as for segments)::

    person_external_id,location_external_id,kind,label,address,place_ref,place_name,lat,lon,valid_from,valid_to

A dry run checks every row (values, places through the gazetteer, references) and writes nothing; it reports
each bad row by line and field with the reason. A real run writes every good row in the caller's one
transaction and reports the rest. Rows are keyed by their external ids, so importing the same file twice
changes nothing the second time. ``export_csv`` writes the same headers, so an export imports back as is.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from vedette.errors import BadInput
from vedette.people import places
from vedette.people import repository as repo
from vedette.people.exposure import location_rows, segment_rows, utc
from vedette.people.models import KnownLocation, Person, Segment, Trip
from vedette.people.schemas import COUNTRY, EMAIL, as_utc, e164
from vedette.tenancy.scope import OrgScope

PEOPLE_COLUMNS = (
    "external_id", "name", "emails", "phones", "nationality", "channel", "language", "manager_external_id", "tags",
    "emergency_name", "emergency_phone", "emergency_relation",
)
SEGMENT_COLUMNS = (
    "person_external_id", "trip_external_id", "segment_external_id", "kind", "starts_at", "ends_at", "tz",
    "place_ref", "place_name", "lat", "lon", "address", "flight_number", "origin_iata", "dest_iata", "trip_title",
)
LOCATION_COLUMNS = (
    "person_external_id", "location_external_id", "kind", "label", "address", "place_ref", "place_name", "lat",
    "lon", "valid_from", "valid_to",
)
REQUIRED = {
    "people": ("external_id", "name"),
    "segments": ("person_external_id", "trip_external_id", "segment_external_id", "kind", "starts_at", "ends_at"),
    "locations": ("person_external_id", "location_external_id", "kind"),
}
COLUMNS = {"people": PEOPLE_COLUMNS, "segments": SEGMENT_COLUMNS, "locations": LOCATION_COLUMNS}


@dataclass
class RowError:
    line: int
    field: str
    reason: str


@dataclass
class Report:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "dry_run": self.dry_run, "rows": self.rows, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged,
            "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in self.errors],
        }


class RowInvalid(Exception):
    def __init__(self, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.field = fld
        self.reason = reason


# --- reading ----------------------------------------------------------------------------------------
def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput(f"line {line}: the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                       "save it as UTF-8", item="encoding") from exc


def read_csv(data: bytes, kind: str | None = None) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """(kind, [(line number, row)]) of a CSV file; BadInput naming the header for a wrong file."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise BadInput("the file is empty: a header row is needed", item="header") from exc
    except csv.Error as exc:
        raise BadInput(f"line 1: not CSV ({exc})", item="header") from exc
    kind = kind or detect(header)
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise BadInput(f"line 1: missing column(s) {', '.join(missing)} for a {kind} file", item="header")
    unknown = [h for h in header if h and h not in COLUMNS[kind]]
    if unknown:
        raise BadInput(f"line 1: unknown column(s) {', '.join(unknown)} for a {kind} file", item="header")
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                rows.append((line, {"__error__": f"{len(values)} cells where the header has {len(header)}"}))
                continue
            rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    except csv.Error as exc:
        raise BadInput(f"line {reader.line_num}: not CSV ({exc})", item="file") from exc
    return kind, rows


def detect(header: list[str]) -> str:
    if "segment_external_id" in header:
        return "segments"
    if "location_external_id" in header:
        return "locations"
    if "external_id" in header or "name" in header:
        return "people"
    raise BadInput("line 1: the header names no known kind of file (people, segments or locations); "
                   f"expected e.g. {','.join(PEOPLE_COLUMNS)}", item="header")


def _split(v: str | None) -> list[str]:
    return [x.strip() for x in (v or "").split("|") if x.strip()]


def _float(row: dict, name: str) -> float | None:
    v = row.get(name) or ""
    if not v:
        return None
    try:
        return float(v)
    except ValueError as exc:
        raise RowInvalid(name, f"'{v}' is not a number") from exc


def _time(row: dict, name: str, tz: str | None, required: bool = True) -> datetime | None:
    v = row.get(name) or ""
    if not v:
        if required:
            raise RowInvalid(name, "a time is needed")
        return None
    try:
        return as_utc(datetime.fromisoformat(v), tz)
    except ValueError as exc:
        raise RowInvalid(name, f"'{v}' is not an ISO 8601 time ({exc})") from exc


def _place(row: dict, prefix: str = "") -> places.Located:
    lat, lon = _float(row, "lat"), _float(row, "lon")
    if lat is not None and not -90 <= lat <= 90:
        raise RowInvalid("lat", f"latitude out of range: {lat}")
    if lon is not None and not -180 <= lon <= 180:
        raise RowInvalid("lon", f"longitude out of range: {lon}")
    if (lat is None) != (lon is None):
        raise RowInvalid("lat" if lat is None else "lon", "both lat and lon are needed")
    try:
        return places.locate(ref=row.get("place_ref") or None, name=row.get("place_name") or None, lat=lat, lon=lon)
    except BadInput as exc:
        fld = {"place_ref": "place_ref", "place": "place_name"}.get(exc.item or "", exc.item or "place")
        raise RowInvalid(fld if fld in COLUMNS["segments"] else "place_name", exc.message) from exc


# --- people -----------------------------------------------------------------------------------------
def _person_values(row: dict) -> dict:
    ext, name = row.get("external_id", ""), row.get("name", "")
    if not ext:
        raise RowInvalid("external_id", "an external id is needed")
    if len(ext) > 100:
        raise RowInvalid("external_id", "longer than 100 characters")
    if not name:
        raise RowInvalid("name", "a name is needed")
    nat = (row.get("nationality") or "").upper() or None
    if nat and not COUNTRY.fullmatch(nat):
        raise RowInvalid("nationality", f"'{nat}' is not an ISO 3166-1 alpha-2 country code")
    emails = _split(row.get("emails"))
    for e in emails:
        if not EMAIL.fullmatch(e):
            raise RowInvalid("emails", f"'{e}' is not an email address")
    phones = []
    for p in _split(row.get("phones")):
        try:
            phones.append(e164(p, nat))
        except ValueError as exc:
            raise RowInvalid("phones", str(exc)) from exc
    channel = row.get("channel") or "email"
    if channel not in ("email", "sms", "phone", "webhook"):
        raise RowInvalid("channel", f"'{channel}' is not one of email, sms, phone, webhook")
    language = row.get("language") or "en"
    if language not in ("en", "fr"):
        raise RowInvalid("language", f"'{language}' is not en or fr")
    contact: dict = {}
    if row.get("emergency_name") or row.get("emergency_phone"):
        contact = {"name": row.get("emergency_name") or "", "phone": None,
                   "relation": row.get("emergency_relation") or None}
        if row.get("emergency_phone"):
            try:
                contact["phone"] = e164(row["emergency_phone"], nat)
            except ValueError as exc:
                raise RowInvalid("emergency_phone", str(exc)) from exc
    return dict(external_id=ext, name=name[:200], emails=emails, phones=phones, nationality=nat, channel=channel,
                language=language, tags=sorted(set(_split(row.get("tags")))), emergency_contact=contact)


PERSON_FIELDS = ("name", "emails", "phones", "nationality", "channel", "language", "tags", "emergency_contact")


def import_people(session: Session, scope: OrgScope, rows: list[tuple[int, dict]], report: Report) -> None:
    existing = repo.people_by_external(session, scope)
    seen: dict[str, int] = {}
    good: list[tuple[int, dict, str]] = []
    for line, row in rows:
        report.rows += 1
        try:
            if "__error__" in row:
                raise RowInvalid("row", row["__error__"])
            values = _person_values(row)
            if values["external_id"] in seen:
                raise RowInvalid("external_id", f"'{values['external_id']}' repeats line {seen[values['external_id']]}")
            seen[values["external_id"]] = line
            good.append((line, values, row.get("manager_external_id") or ""))
        except RowInvalid as exc:
            report.errors.append(RowError(line, exc.field, exc.reason))
    known = set(existing) | set(seen)
    ok: list[tuple[int, dict, str]] = []
    for line, values, mgr in good:
        if mgr and mgr not in known:
            report.errors.append(RowError(line, "manager_external_id", f"no person '{mgr}' in the file or store"))
        elif mgr and mgr == values["external_id"]:
            report.errors.append(RowError(line, "manager_external_id", "a person cannot be their own manager"))
        else:
            ok.append((line, values, mgr))
    now = datetime.now(UTC)
    new_rows, managers = [], []
    for _line, values, mgr in ok:
        person = existing.get(values["external_id"])
        if person is None:
            report.created += 1
            if not report.dry_run:
                new_rows.append(dict(values, recorded_at=now, created_at=now, updated_at=now, manager_id=None))
            managers.append((values["external_id"], mgr))
            continue
        changed = {k: v for k, v in values.items() if k in PERSON_FIELDS and getattr(person, k) != v}
        mgr_id = existing[mgr].id if mgr and mgr in existing else None
        if changed or (mgr and mgr_id != person.manager_id) or (not mgr and person.manager_id is not None):
            report.updated += 1
            if not report.dry_run:
                for k, v in changed.items():
                    setattr(person, k, v)
                managers.append((values["external_id"], mgr))
        else:
            report.unchanged += 1
    if report.dry_run:
        return
    repo.add_many(session, scope, Person, new_rows)
    session.flush()
    if any(m for _, m in managers) or any(existing.get(e) and existing[e].manager_id for e, _ in managers):
        ids = repo.person_external_ids(session, scope)
        repo.set_managers(session, scope, [(ids[e], ids[m] if m else None) for e, m in managers])


# --- segments ---------------------------------------------------------------------------------------
SEGMENT_KEYS = ("kind", "starts_at", "ends_at", "tz", "place_ref", "place_name", "lat", "lon", "country", "region",
                "address", "flight_number", "origin_iata", "dest_iata", "origin_ref", "origin_name", "origin_lat",
                "origin_lon", "origin_country", "origin_region")


def _segment_values(row: dict) -> dict:
    for c in ("person_external_id", "trip_external_id", "segment_external_id"):
        if not row.get(c):
            raise RowInvalid(c, "an external id is needed")
    kind = row.get("kind", "")
    if kind not in ("flight", "hotel", "ground", "other"):
        raise RowInvalid("kind", f"'{kind}' is not one of flight, hotel, ground, other")
    tz = row.get("tz") or None
    if tz:
        try:
            as_utc(datetime(2000, 1, 1), tz)
        except ValueError as exc:
            raise RowInvalid("tz", str(exc)) from exc
    starts, ends = _time(row, "starts_at", tz), _time(row, "ends_at", tz)
    if ends < starts:
        raise RowInvalid("ends_at", f"the segment ends ({ends:%Y-%m-%d %H:%M} UTC) before it starts "
                                    f"({starts:%Y-%m-%d %H:%M} UTC)")
    origin = None
    o_iata, d_iata = (row.get("origin_iata") or "").upper() or None, (row.get("dest_iata") or "").upper() or None
    if o_iata:
        try:
            origin = places.from_iata(o_iata, "origin_iata")
        except BadInput as exc:
            raise RowInvalid("origin_iata", exc.message) from exc
    if d_iata:
        try:
            dest = places.from_iata(d_iata, "dest_iata")
        except BadInput as exc:
            raise RowInvalid("dest_iata", exc.message) from exc
    else:
        dest = _place(row)
    lat_given = bool(row.get("lat"))
    return dict(
        kind=kind, starts_at=starts, ends_at=ends, tz=tz, place_ref=dest.ref,
        place_name=(row.get("place_name") or dest.name) if lat_given else (dest.name or row.get("place_name")),
        lat=dest.lat, lon=dest.lon, country=dest.country, region=dest.region, address=row.get("address") or None,
        flight_number=row.get("flight_number") or None, origin_iata=o_iata, dest_iata=d_iata,
        origin_ref=origin.ref if origin else None, origin_name=origin.name if origin else None,
        origin_lat=origin.lat if origin else None, origin_lon=origin.lon if origin else None,
        origin_country=origin.country if origin else None, origin_region=origin.region if origin else None,
    )


def _same(a: object, b: object) -> bool:
    if isinstance(a, datetime) or isinstance(b, datetime):
        return utc(a) == utc(b)  # type: ignore[arg-type]
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9 or a == b
    return a == b


def import_segments(session: Session, scope: OrgScope, rows: list[tuple[int, dict]], report: Report) -> None:
    people = repo.person_external_ids(session, scope)
    trips = repo.trips_by_external(session, scope)
    segs = repo.segments_by_key(session, scope)
    seen: dict[tuple[str, str], int] = {}
    trip_owner: dict[str, str] = {ext: "" for ext in trips}
    owner_ext = {pid: ext for ext, pid in people.items()}
    for ext, t in trips.items():
        trip_owner[ext] = owner_ext.get(t.person_id, "")
    now = datetime.now(UTC)
    new_trips: dict[str, Trip] = {}
    touched: list[Segment] = []
    for line, row in rows:
        report.rows += 1
        try:
            if "__error__" in row:
                raise RowInvalid("row", row["__error__"])
            values = _segment_values(row)
            pext, text, sext = row["person_external_id"], row["trip_external_id"], row["segment_external_id"]
            if pext not in people:
                raise RowInvalid("person_external_id", f"no person '{pext}' (import the people first)")
            if trip_owner.get(text, pext) != pext:
                raise RowInvalid("trip_external_id", f"trip '{text}' belongs to another person")
            if (text, sext) in seen:
                raise RowInvalid("segment_external_id", f"'{sext}' of trip '{text}' repeats line {seen[text, sext]}")
            seen[text, sext] = line
        except RowInvalid as exc:
            report.errors.append(RowError(line, exc.field, exc.reason))
            continue
        trip_owner[text] = pext
        trip = trips.get(text) or new_trips.get(text)
        seg = segs.get((trip.id, sext)) if trip is not None and trip.id is not None else None
        if seg is None:
            report.created += 1
            if report.dry_run:
                continue
            if trip is None:
                trip = Trip(organisation_id=scope.org_id, person_id=people[pext], external_id=text,
                            title=row.get("trip_title") or None, recorded_at=now)
                repo.add(session, scope, trip)
                new_trips[text] = trip
            seg = Segment(organisation_id=scope.org_id, trip_id=trip.id, person_id=people[pext], external_id=sext,
                          recorded_at=now, **values)
            session.add(seg)
            touched.append(seg)
        elif all(_same(getattr(seg, k), values[k]) for k in SEGMENT_KEYS):
            report.unchanged += 1
        else:
            report.updated += 1
            if not report.dry_run:
                for k in SEGMENT_KEYS:
                    setattr(seg, k, values[k])
                touched.append(seg)
    if not report.dry_run and touched:
        session.flush()
        rows_out = [r for s in touched for r in segment_rows(s)]
        repo.replace_whereabouts(session, scope, "segment", [s.id for s in touched], rows_out)


# --- locations --------------------------------------------------------------------------------------
LOCATION_KEYS = ("kind", "label", "address", "place_ref", "place_name", "lat", "lon", "country", "region",
                 "valid_from", "valid_to")


def _location_values(row: dict) -> dict:
    for c in ("person_external_id", "location_external_id"):
        if not row.get(c):
            raise RowInvalid(c, "an external id is needed")
    kind = row.get("kind", "")
    if kind not in ("home", "office", "hotel"):
        raise RowInvalid("kind", f"'{kind}' is not one of home, office, hotel")
    vf, vt = _time(row, "valid_from", None, False), _time(row, "valid_to", None, False)
    if vf and vt and vt < vf:
        raise RowInvalid("valid_to", "valid_to is before valid_from")
    where = _place(row)
    return dict(kind=kind, label=row.get("label") or None, address=row.get("address") or None, place_ref=where.ref,
                place_name=row.get("place_name") or where.name, lat=where.lat, lon=where.lon, country=where.country,
                region=where.region, valid_from=vf, valid_to=vt)


def import_locations(session: Session, scope: OrgScope, rows: list[tuple[int, dict]], report: Report) -> None:
    people = repo.person_external_ids(session, scope)
    existing = repo.locations_by_external(session, scope)
    seen: dict[str, int] = {}
    now = datetime.now(UTC)
    touched: list[KnownLocation] = []
    for line, row in rows:
        report.rows += 1
        try:
            if "__error__" in row:
                raise RowInvalid("row", row["__error__"])
            values = _location_values(row)
            pext, lext = row["person_external_id"], row["location_external_id"]
            if pext not in people:
                raise RowInvalid("person_external_id", f"no person '{pext}' (import the people first)")
            if lext in seen:
                raise RowInvalid("location_external_id", f"'{lext}' repeats line {seen[lext]}")
            seen[lext] = line
            loc = existing.get(lext)
            if loc is not None and loc.person_id != people[pext]:
                raise RowInvalid("location_external_id", f"location '{lext}' belongs to another person")
        except RowInvalid as exc:
            report.errors.append(RowError(line, exc.field, exc.reason))
            continue
        if loc is None:
            report.created += 1
            if not report.dry_run:
                loc = KnownLocation(organisation_id=scope.org_id, person_id=people[pext], external_id=lext,
                                    recorded_at=now, **values)
                session.add(loc)
                touched.append(loc)
        elif all(_same(getattr(loc, k), values[k]) for k in LOCATION_KEYS):
            report.unchanged += 1
        else:
            report.updated += 1
            if not report.dry_run:
                for k in LOCATION_KEYS:
                    setattr(loc, k, values[k])
                touched.append(loc)
    if not report.dry_run and touched:
        session.flush()
        repo.replace_whereabouts(session, scope, "location", [x.id for x in touched],
                                 [r for x in touched for r in location_rows(x)])


def import_csv(session: Session, scope: OrgScope, data: bytes, *, dry_run: bool = False,
               kind: str | None = None) -> Report:
    """Import one CSV file (people, segments or locations, told by its header)."""
    if kind is not None and kind not in COLUMNS:
        raise BadInput(f"unknown kind '{kind}' (people, segments, locations)", item="kind")
    kind, rows = read_csv(data, kind)
    report = Report(kind=kind, dry_run=dry_run)
    {"people": import_people, "segments": import_segments, "locations": import_locations}[kind](
        session, scope, rows, report
    )
    if not dry_run and (report.created or report.updated):
        from vedette.tenancy import audit

        audit.record(session, f"people.import.{kind}", scope=scope, target_type="organisation",
                     target_id=scope.org_id, detail={"created": report.created, "updated": report.updated,
                                                     "rejected": len(report.errors)})
    return report


# --- iCalendar --------------------------------------------------------------------------------------
ROUTE = re.compile(r"\b([A-Z]{3})\s*(?:-|–|→|>|/|to)\s*([A-Z]{3})\b")
FLIGHT_NO = re.compile(r"\b([A-Z0-9]{2}\s?\d{1,4})\b")
KIND_WORDS = (
    ("flight", re.compile(r"\b(flight|vol|fly|flying)\b", re.I)),
    ("hotel", re.compile(r"\b(hotel|hôtel|stay|séjour|lodge|guest ?house)\b", re.I)),
    ("ground", re.compile(r"\b(train|bus|car|drive|transfer|taxi|road|convoy|route)\b", re.I)),
)


def _ics_time(prop) -> tuple[datetime, str | None]:  # noqa: ANN001 - an icalendar vDDDTypes
    v = prop.dt
    tz = None
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            tz = getattr(v.tzinfo, "key", None) or prop.params.get("TZID")
            return v.astimezone(UTC), tz
        tz = prop.params.get("TZID")
        return as_utc(v, tz), tz
    return datetime(v.year, v.month, v.day, tzinfo=UTC), None  # an all-day date


def import_ics(session: Session, scope: OrgScope, data: bytes, person_external_id: str, *,
               trip_external_id: str | None = None, dry_run: bool = False) -> Report:
    """Each VEVENT becomes a segment of one trip; its LOCATION is resolved through the gazetteer (a GEO
    property wins), an unresolved one is reported, not guessed. UIDs keep re-imports idempotent."""
    import icalendar

    text = decode(data)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise BadInput(f"not an iCalendar file ({exc})", item="file") from exc
    people = repo.person_external_ids(session, scope)
    if person_external_id not in people:
        raise BadInput(f"no person '{person_external_id}'", item="person")
    trip_ext = trip_external_id or f"ics:{cal.get('X-WR-CALNAME') or person_external_id}"
    report = Report(kind="ics", dry_run=dry_run)
    rows: list[tuple[int, dict]] = []
    for n, ev in enumerate(cal.walk("VEVENT"), start=1):
        report.rows += 1
        uid = str(ev.get("UID") or f"event-{n}")
        summary = str(ev.get("SUMMARY") or "")
        location = str(ev.get("LOCATION") or "")
        try:
            if ev.get("DTSTART") is None:
                raise RowInvalid("DTSTART", "the event has no start")
            starts, tz = _ics_time(ev["DTSTART"])
            ends, tz2 = _ics_time(ev["DTEND"]) if ev.get("DTEND") is not None else (starts, tz)
            tz = tz or tz2
            if ends < starts:
                raise RowInvalid("DTEND", "the event ends before it starts")
            found = ev.get("CATEGORIES")
            found = found if isinstance(found, list) else [found] if found is not None else []
            cats = " ".join(str(c) for prop in found for c in getattr(prop, "cats", [prop]))
            kind = next((k for k, rx in KIND_WORDS if rx.search(f"{cats} {summary}")), "other")
            route = ROUTE.search(summary) or ROUTE.search(location)
            row = {"person_external_id": person_external_id, "trip_external_id": trip_ext,
                   "segment_external_id": uid[:100], "kind": kind, "tz": tz or "",
                   "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
                   "trip_title": str(cal.get("X-WR-CALNAME") or "")}
            if kind == "flight" and route:
                row["origin_iata"], row["dest_iata"] = route.group(1), route.group(2)
                if (fn := FLIGHT_NO.search(summary.replace(route.group(0), ""))) is not None:
                    row["flight_number"] = fn.group(1).replace(" ", "")
            elif ev.get("GEO") is not None:
                geo = ev["GEO"]
                row["lat"], row["lon"], row["place_name"] = str(geo.latitude), str(geo.longitude), location or summary
            elif location:
                found = places.resolve_name(location)
                if found is None:
                    raise RowInvalid("LOCATION", f"'{location}' not found in the gazetteer (give GEO or a known name)")
                row["place_ref"] = found.ref or ""
                if found.ref is None:
                    row["lat"], row["lon"] = str(found.lat), str(found.lon)
                row["place_name"] = location if kind == "hotel" else found.name or location
            else:
                raise RowInvalid("LOCATION", "the event has no LOCATION or GEO")
            if row.get("place_ref") and kind == "hotel":
                where = places.from_ref(row["place_ref"])
                row.update(place_ref="", lat=str(where.lat), lon=str(where.lon))
            rows.append((n, row))
        except RowInvalid as exc:
            report.errors.append(RowError(n, f"{exc.field} ({uid})", exc.reason))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a malformed property
            report.errors.append(RowError(n, f"event ({uid})", f"cannot be read: {exc}"))
    sub = Report(kind="segments", dry_run=dry_run)
    import_segments(session, scope, rows, sub)
    report.created, report.updated, report.unchanged = sub.created, sub.updated, sub.unchanged
    report.errors += [RowError(e.line, f"{e.field} (event {e.line})", e.reason) for e in sub.errors]
    return report


# --- export -----------------------------------------------------------------------------------------
def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return utc(v).isoformat()
    if isinstance(v, list):
        return "|".join(str(x) for x in v)
    return str(v)


def export_csv(session: Session, scope: OrgScope, kind: str = "people") -> str:
    """A CSV of the organisation's people, segments or locations, with the import's header."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    people = repo.all_people(session, scope)
    ext = {p.id: p.external_id for p in people}
    if kind == "people":
        w.writerow(PEOPLE_COLUMNS)
        for p in people:
            ec = p.emergency_contact or {}
            w.writerow([p.external_id, p.name, _fmt(p.emails), _fmt(p.phones), _fmt(p.nationality), p.channel,
                        p.language, ext.get(p.manager_id, ""), _fmt(p.tags), ec.get("name") or "",
                        ec.get("phone") or "", ec.get("relation") or ""])
    elif kind == "segments":
        w.writerow(SEGMENT_COLUMNS)
        trips = {t.id: t for t in repo.trips_of(session, scope)}
        for s in repo.segments_of(session, scope):
            t = trips[s.trip_id]
            flight = s.kind == "flight" and s.dest_iata
            w.writerow([ext[s.person_id], t.external_id, s.external_id, s.kind, _fmt(s.starts_at), _fmt(s.ends_at),
                        _fmt(s.tz), "" if flight else _fmt(s.place_ref), _fmt(s.place_name),
                        "" if flight or s.place_ref else _fmt(s.lat), "" if flight or s.place_ref else _fmt(s.lon),
                        _fmt(s.address), _fmt(s.flight_number), _fmt(s.origin_iata), _fmt(s.dest_iata),
                        _fmt(t.title)])
    elif kind == "locations":
        w.writerow(LOCATION_COLUMNS)
        for x in repo.locations_of(session, scope):
            w.writerow([ext[x.person_id], x.external_id, x.kind, _fmt(x.label), _fmt(x.address),
                        _fmt(x.place_ref), _fmt(x.place_name), "" if x.place_ref else _fmt(x.lat),
                        "" if x.place_ref else _fmt(x.lon), _fmt(x.valid_from), _fmt(x.valid_to)])
    else:
        raise BadInput(f"unknown kind '{kind}' (people, segments, locations)", item="kind")
    return out.getvalue()
