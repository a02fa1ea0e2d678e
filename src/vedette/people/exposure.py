"""Exposure: who is or will be in an area during a time window, and why.

The area is a point and radius, an admin-1 region (ISO 3166-2), a country or a polygon; the window is
an event's time +- 24 h (a month or a year when the event is dated only that precisely), and people bound
there within N days count too. Home and office locations count at all times; trips in their dates.

This module holds the parts that need no database: areas, windows, the words of each answer, the
whereabouts rows derived from segments, locations and positions, the h3 cover of a circle, and
:class:`ExposureIndex`, an in-memory index of an organisation's whereabouts (numpy arrays sorted by h3
cell) for answering many incidents at once. ``haversine_km`` is the oracle everything is checked against.
"""

from __future__ import annotations

import calendar
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import h3.api.basic_int as h3
import numpy as np

EARTH_KM = 6371.0088  # mean radius of WGS84, the sphere PostGIS measures geography on (use_spheroid=false)
H3_RES = 6  # stored cell (edge ~3.7 km)
COARSE_RES = 4  # in-memory coarse cells for large radii (edge ~26 km)
MAX_DISK_K = 24  # beyond this many rings, the SQL path filters by bounding box instead
WINDOW_HOURS = 24
BOUND_DAYS = 7


# --- geometry ---------------------------------------------------------------------------------------
def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_np(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def cell_of(lat: float, lon: float, res: int = H3_RES) -> int:
    return h3.latlng_to_cell(lat, lon, res)


def disk_k(km: float, res: int = H3_RES) -> int:
    """Rings of h3 cells around a point's cell that surely hold every point within ``km``.

    Neighbouring centres are about sqrt(3) edges apart; cells shrink to about half the average area away
    from the icosahedron's face centres, so the step is taken at 0.6 of the average edge, and two cell
    radii are added for where the point and the far point sit inside their cells."""
    edge = h3.average_hexagon_edge_length(res, "km")
    return int(math.ceil((km + 3.0 * edge) / (math.sqrt(3) * 0.6 * edge)))


def disk_cells(lat: float, lon: float, km: float, res: int = H3_RES) -> list[int] | None:
    """The h3 cells covering a circle, or None when there would be too many (use a bounding box)."""
    k = disk_k(km, res)
    if k > MAX_DISK_K:
        return None
    return list(h3.grid_disk(cell_of(lat, lon, res), k))


def bbox(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) holding the circle; longitudes span all near the poles."""
    dlat = math.degrees(km / EARTH_KM)
    lo, hi = lat - dlat, lat + dlat
    if lo <= -90 or hi >= 90:
        return max(lo, -90.0), min(hi, 90.0), -180.0, 180.0
    dlon = math.degrees(math.asin(min(1.0, math.sin(km / EARTH_KM) / math.cos(math.radians(lat)))))
    return lo, hi, lon - dlon, lon + dlon


# --- areas and windows ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    km: float
    name: str | None = None

    def describe(self) -> str:
        where = self.name or f"{self.lat:.4f}, {self.lon:.4f}"
        return f"within {self.km:g} km of {where}"


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2
    name: str | None = None

    def describe(self) -> str:
        return f"in region {self.name} ({self.code})" if self.name else f"in region {self.code}"


@dataclass(frozen=True)
class Country:
    cc: str
    name: str | None = None

    def describe(self) -> str:
        return f"in {self.name} ({self.cc})" if self.name else f"in country {self.cc}"


@dataclass(frozen=True)
class Polygon:
    geom: object  # shapely (multi)polygon, lon/lat
    name: str | None = None

    def describe(self) -> str:
        return f"in {self.name}" if self.name else "in the area drawn"


Area = Circle | Region | Country | Polygon


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    bound_until: datetime
    note: str | None = None  # e.g. "the incident is dated only to March 2012: matched over that month"


def utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def window_around(t: datetime, hours: float = WINDOW_HOURS, bound_days: int = BOUND_DAYS) -> Window:
    t = utc(t)
    end = t + timedelta(hours=hours)
    return Window(t - timedelta(hours=hours), end, end + timedelta(days=bound_days))


def incident_window(
    date_text: str | None,
    precision: str | None,
    time_text: str | None = None,
    *,
    hours: float = WINDOW_HOURS,
    bound_days: int = BOUND_DAYS,
) -> Window:
    """The window of an incident dated 'YYYY-MM-DD' (+- ``hours``), 'YYYY-MM' or 'YYYY' (the whole period)."""
    from vedette.errors import BadInput

    if not date_text:
        raise BadInput("the incident has no date: give a time window", item="date")
    parts = date_text.split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else None
        d = int(parts[2]) if len(parts) > 2 else None
    except ValueError as exc:
        raise BadInput(f"bad incident date '{date_text}'", item="date") from exc
    precision = precision or ("day" if d else "month" if m else "year")
    if precision == "day" and d:
        if time_text:
            hh, mm = (int(x) for x in time_text.split(":")[:2])
            return window_around(datetime(y, m, d, hh, mm, tzinfo=UTC), hours, bound_days)
        start = datetime(y, m, d, tzinfo=UTC) - timedelta(hours=hours)
        end = datetime(y, m, d, tzinfo=UTC) + timedelta(days=1, hours=hours)
        return Window(start, end, end + timedelta(days=bound_days))
    if m:
        start = datetime(y, m, 1, tzinfo=UTC)
        end = start + timedelta(days=calendar.monthrange(y, m)[1])
        note = f"the incident is dated only to {start:%B %Y}: matched over that month"
    else:
        start, end = datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)
        note = f"the incident is dated only to {y}: matched over that year"
    return Window(start, end, end + timedelta(days=bound_days), note)


# --- words ------------------------------------------------------------------------------------------
def _local(dt: datetime, tz: str | None) -> datetime:
    if tz:
        try:
            return dt.astimezone(ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return dt


def day_text(dt: datetime, tz: str | None = None) -> str:
    d = _local(utc(dt), tz)
    return f"{d.day} {d:%b}"


def span_text(start: datetime, end: datetime, tz: str | None = None) -> str:
    """'12-14 Mar', '28 Feb-2 Mar', '24 Mar' (local dates when the zone is known)."""
    a, b = _local(utc(start), tz), _local(utc(end), tz)
    if a.date() == b.date():
        return f"{a.day} {a:%b}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}-{b.day} {a:%b}"
    return f"{a.day} {a:%b}-{b.day} {b:%b}"


def _at(name: str | None) -> str:
    return f" at {name}" if name else ""


def segment_rows(seg) -> list[dict]:  # noqa: ANN001 - a Segment or anything with its attributes
    """Whereabouts of a segment: its place over its dates; a flight's or move's departure point too."""
    rows: list[dict] = []
    s, e = utc(seg.starts_at), utc(seg.ends_at)
    if seg.kind == "flight":
        route = f"{seg.origin_iata or '?'}-{seg.dest_iata or '?'}"
        number = f" {seg.flight_number}" if seg.flight_number else ""
        label = f"flight{number} {route} on {day_text(s, seg.tz)}"
        if seg.lat is not None:
            arrives = day_text(e, seg.tz)
            arrive_label = label if arrives == day_text(s, seg.tz) else f"{label} (arrives {arrives})"
            rows.append(_row(seg, "segment", arrive_label, seg.lat, seg.lon,
                             seg.country, seg.region, e, e))
        if seg.origin_lat is not None:
            departs = seg.origin_iata or seg.origin_name
            origin_label = f"{label} (departs {departs})" if departs else label
            rows.append(_row(seg, "origin", origin_label, seg.origin_lat, seg.origin_lon,
                             seg.origin_country, seg.origin_region, s, s))
        return rows
    if seg.kind == "ground":
        if seg.origin_lat is not None:
            label = f"ground move {seg.origin_name or '?'} to {seg.place_name or '?'} on {day_text(s, seg.tz)}"
            rows.append(_row(seg, "origin", label, seg.origin_lat, seg.origin_lon, seg.origin_country,
                             seg.origin_region, s, s))
            if seg.lat is not None:
                rows.append(_row(seg, "segment", label, seg.lat, seg.lon, seg.country, seg.region, e, e))
            return rows
        label = f"ground move{_at(seg.place_name)} {span_text(s, e, seg.tz)}"
    elif seg.kind == "hotel":
        label = f"hotel stay {span_text(s, e, seg.tz)}{_at(seg.place_name)}"
    else:
        label = f"stay {span_text(s, e, seg.tz)}{_at(seg.place_name)}"
    if seg.lat is not None:
        rows.append(_row(seg, "segment", label, seg.lat, seg.lon, seg.country, seg.region, s, e))
    return rows


def location_rows(loc) -> list[dict]:  # noqa: ANN001
    if loc.lat is None:
        return []
    what = {"home": "home", "office": "office", "hotel": "hotel"}.get(loc.kind, loc.kind)
    where = loc.label or loc.place_name or loc.address
    label = f"{what}{_at(where)}"
    if loc.valid_from or loc.valid_to:
        if loc.valid_from and loc.valid_to:
            label += f" {span_text(loc.valid_from, loc.valid_to)}"
        elif loc.valid_from:
            label += f" from {day_text(loc.valid_from)}"
        else:
            label += f" until {day_text(loc.valid_to)}"
    return [_row(loc, "location", label, loc.lat, loc.lon, loc.country, loc.region,
                 utc(loc.valid_from), utc(loc.valid_to), kind=loc.kind)]


POSITION_HOURS = 72  # a last known position stands for this long unless a newer one replaces it


def position_rows(pos, until: datetime | None = None) -> list[dict]:  # noqa: ANN001
    at = utc(pos.at)
    end = at + timedelta(hours=POSITION_HOURS)
    if until is not None:
        end = min(end, utc(until))
    label = f"last known position {day_text(at)} {at:%H:%M} UTC ({pos.source})"
    return [_row(pos, "position", label, pos.lat, pos.lon, pos.country, pos.region, at, end, kind="position")]


def _row(src, source: str, label: str, lat, lon, country, region, starts, ends, kind: str | None = None) -> dict:  # noqa: ANN001
    return dict(
        organisation_id=src.organisation_id,
        person_id=src.person_id,
        source=source,
        source_id=src.id,
        kind=kind or src.kind,
        label=label[:400],
        lat=float(lat),
        lon=float(lon),
        h3=cell_of(float(lat), float(lon)),
        country=country,
        region=region,
        starts_at=starts,
        ends_at=ends,
        recorded_at=utc(src.recorded_at),
    )


def status(starts: datetime | None, ends: datetime | None, w: Window) -> str | None:
    """'present' when [starts, ends] meets the window, 'bound' when it begins after it within the bound."""
    starts, ends = utc(starts), utc(ends)
    if (starts is None or starts <= w.end) and (ends is None or ends >= w.start):
        return "present"
    if starts is not None and w.end < starts <= w.bound_until:
        return "bound"
    return None


def reason_text(label: str, st: str, area: Area, distance_km: float | None, starts: datetime | None,
                w: Window) -> str:
    if isinstance(area, Circle) and distance_km is not None:
        where = f"{distance_km:.1f} km from the incident"
    elif isinstance(area, Region):
        where = f"in {area.name or area.code}"
    elif isinstance(area, Country):
        where = f"in {area.name or area.cc}"
    else:
        where = area.describe()
    text = f"{label}, {where}"
    if st == "bound" and starts is not None:
        days = (utc(starts) - w.end).total_seconds() / 86400
        text += f" (bound there, {max(days, 0):.1f} days after the window)"
    return text


# --- the in-memory index -----------------------------------------------------------------------------
@dataclass
class Hits:
    """One answer of the index: positions in its arrays, their status (True: present) and distances."""

    rows: np.ndarray
    present: np.ndarray
    distance_km: np.ndarray | None = None


@dataclass
class ExposureIndex:
    """An organisation's whereabouts in numpy arrays, sorted by h3 cell, for fast repeated questions."""

    person_id: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    starts: np.ndarray  # epoch seconds, -inf when open
    ends: np.ndarray  # epoch seconds, +inf when open
    country: np.ndarray  # object array of str|None
    region: np.ndarray
    labels: list[str]
    source_id: np.ndarray
    cells: np.ndarray = field(init=False)
    coarse: np.ndarray = field(init=False)
    coarse_order: np.ndarray = field(init=False)
    by_country: dict[str, np.ndarray] = field(init=False)
    by_region: dict[str, np.ndarray] = field(init=False)

    @classmethod
    def build(cls, rows: Iterable[Sequence]) -> ExposureIndex:
        """From (person_id, lat, lon, starts_at, ends_at, country, region, label, source_id) rows."""
        cols = list(zip(*rows, strict=True)) or [[]] * 9
        pid, lat, lon, st, en, cc, rg, lab, sid = cols
        lat_a = np.asarray(lat, dtype=np.float64)
        lon_a = np.asarray(lon, dtype=np.float64)
        cells = np.fromiter((cell_of(a, b) for a, b in zip(lat_a, lon_a, strict=True)), dtype=np.int64,
                            count=len(lat_a))
        order = np.argsort(cells, kind="stable")
        starts = np.array([-math.inf if s is None else utc(s).timestamp() for s in st], dtype=np.float64)
        ends = np.array([math.inf if e is None else utc(e).timestamp() for e in en], dtype=np.float64)
        idx = cls(
            person_id=np.asarray(pid, dtype=np.int64)[order],
            lat=lat_a[order],
            lon=lon_a[order],
            starts=starts[order],
            ends=ends[order],
            country=np.asarray(cc, dtype=object)[order],
            region=np.asarray(rg, dtype=object)[order],
            labels=[lab[i] for i in order],
            source_id=np.asarray(sid, dtype=np.int64)[order],
        )
        idx.cells = cells[order]
        coarse = np.fromiter((h3.cell_to_parent(int(c), COARSE_RES) for c in idx.cells), dtype=np.int64,
                             count=len(idx.cells))
        idx.coarse_order = np.argsort(coarse, kind="stable")
        idx.coarse = coarse[idx.coarse_order]
        idx.by_country = _group(idx.country)
        idx.by_region = _group(idx.region)
        return idx

    def __len__(self) -> int:
        return len(self.lat)

    def _cover(self, lat: float, lon: float, km: float) -> np.ndarray:
        k = disk_k(km, H3_RES)
        if k <= 12:
            keys, sorted_cells, order = np.array(h3.grid_disk(cell_of(lat, lon), k), dtype=np.int64), self.cells, None
        else:
            kc = disk_k(km, COARSE_RES)
            keys = np.array(h3.grid_disk(cell_of(lat, lon, COARSE_RES), kc), dtype=np.int64)
            sorted_cells, order = self.coarse, self.coarse_order
        keys.sort()
        lo = np.searchsorted(sorted_cells, keys, "left")
        hi = np.searchsorted(sorted_cells, keys, "right")
        keep = hi > lo
        lo, hi = lo[keep], hi[keep]
        if not len(lo):
            return np.empty(0, dtype=np.int64)
        lens = hi - lo
        pos = np.repeat(lo - np.concatenate(([0], np.cumsum(lens)[:-1])), lens) + np.arange(lens.sum())
        return pos if order is None else order[pos]

    def _when(self, cand: np.ndarray, w: Window) -> tuple[np.ndarray, np.ndarray]:
        """(keep mask over ``cand``, present mask over the kept ones)."""
        s, e = self.starts[cand], self.ends[cand]
        t0, t1, tb = w.start.timestamp(), w.end.timestamp(), w.bound_until.timestamp()
        present = (s <= t1) & (e >= t0)
        keep = present | ((s > t1) & (s <= tb))
        return keep, present[keep]

    def _candidates(self, area: Area) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows in the area (whenever), with their distances for a circle."""
        if isinstance(area, Circle):
            cand = self._cover(area.lat, area.lon, area.km)
            d = haversine_np(area.lat, area.lon, self.lat[cand], self.lon[cand])
            near = d <= area.km
            return cand[near], d[near]
        if isinstance(area, Region):
            return self.by_region.get(area.code, np.empty(0, dtype=np.int64)), None
        if isinstance(area, Country):
            return self.by_country.get(area.cc, np.empty(0, dtype=np.int64)), None
        return self._in_polygon(area), None

    def query(self, area: Area, w: Window) -> Hits:
        cand, d = self._candidates(area)
        keep, present = self._when(cand, w)
        return Hits(cand[keep], present, None if d is None else d[keep])

    def query_many(self, cases: Iterable[tuple[Area, Window]]) -> list[Hits]:
        """Many questions at once (after a bulk import): the places of each area are looked up once."""
        cache: dict[object, tuple[np.ndarray, np.ndarray | None]] = {}
        out = []
        for area, w in cases:
            key = id(area) if isinstance(area, Polygon) else area
            found = cache.get(key)
            if found is None:
                found = cache[key] = self._candidates(area)
            cand, d = found
            keep, present = self._when(cand, w)
            out.append(Hits(cand[keep], present, None if d is None else d[keep]))
        return out

    def _in_polygon(self, area: Polygon) -> np.ndarray:
        import shapely

        minx, miny, maxx, maxy = area.geom.bounds
        cand = np.nonzero((self.lat >= miny) & (self.lat <= maxy) & (self.lon >= minx) & (self.lon <= maxx))[0]
        inside = shapely.contains_xy(area.geom, self.lon[cand], self.lat[cand]) | shapely.intersects_xy(
            area.geom, self.lon[cand], self.lat[cand]
        )
        return cand[inside]

    def answer(self, area: Area, w: Window) -> list[tuple[int, str]]:
        """(person id, reason in words) of everyone exposed, one line per whereabouts (the words of
        ``reason_text``, built here in one pass: this is the hot path of a new incident)."""
        hits = self.query(area, w)
        rows = hits.rows.tolist()
        pids = self.person_id[hits.rows].tolist()
        labels = self.labels
        if isinstance(area, Circle):
            table = _distance_words(area.km)
            wheres = list(map(table.__getitem__, np.rint(hits.distance_km * 10).astype(np.int64).tolist()))
        else:
            where = f", in {area.name or area.code}" if isinstance(area, Region) else (
                f", in {area.name or area.cc}" if isinstance(area, Country) else f", {area.describe()}")
            wheres = [where] * len(rows)
        out = list(zip(pids, map(operator.add, map(labels.__getitem__, rows), wheres), strict=True))
        if not hits.present.all():
            end = w.end.timestamp()
            for j in np.nonzero(~hits.present)[0].tolist():
                days = max((self.starts[rows[j]] - end) / 86400, 0)
                out[j] = (out[j][0], f"{out[j][1]} (bound there, {days:.1f} days after the window)")
        return out


_DISTANCE_WORDS: list[str] = []


def _distance_words(km: float) -> list[str]:
    """', 3.2 km from the incident' for every tenth of a kilometre up to ``km`` (built once, then looked up)."""
    n = int(math.ceil(km * 10)) + 2
    if len(_DISTANCE_WORDS) < n:
        _DISTANCE_WORDS.extend(f", {i / 10:.1f} km from the incident" for i in range(len(_DISTANCE_WORDS), n))
    return _DISTANCE_WORDS


def _group(values: np.ndarray) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for i, v in enumerate(values.tolist()):
        if v:
            groups.setdefault(v, []).append(i)
    return {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}


def brute_force(points: Sequence[tuple], area: Circle, w: Window) -> set[tuple[int, str]]:
    """The oracle: (row id, status) of every point within the circle (haversine) during the window."""
    out = set()
    for rid, lat, lon, starts, ends in points:
        if haversine_km(area.lat, area.lon, lat, lon) <= area.km:
            st = status(starts, ends, w)
            if st:
                out.add((rid, st))
    return out


def today_utc() -> date:
    return datetime.now(UTC).date()


def start_of(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)
