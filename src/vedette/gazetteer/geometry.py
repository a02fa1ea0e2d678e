"""Shapes for places: countries, directional zones, border strips and admin-1 regions approximated from towns.

Everything is computed offline from data already shipped: the Natural Earth 10m country polygons (see
``countries.py``) and the gazetteer's populated places. Results are cached per country, so a shape costs
its construction once per process and is a dictionary hit afterwards. Measured (bench/geometry.py):
Natural Earth polygons 0.6 s once; admin-1 layer of the US (21,800 places) 0.4 s, France 0.2 s, India
0.1 s, Mali 10 ms; a 50 km border strip 2 ms (Mali-Algeria) to 0.2 s (US-Canada); a directional zone
5 ms; ``admin1_at`` about 50,000 points/s once the layers are built. All geometries are shapely 2 (multi)polygons in
longitude/latitude (EPSG:4326 axis order x = lon, y = lat).

Rules
-----
Country shape
    The union of the Natural Earth parts carrying the country's ISO code. Directional zones use its
    *core*: the largest part plus every part reachable from it by gaps under ``CORE_GAP_DEG`` degrees,
    so Corsica is in "southern France" but French Guiana and Réunion are not in any part of France.

Directional zones (``zone:ML:north``, ``zone:a1:ML-7:east``)
    Along each axis of the core's bounding box the extent is cut into three overlapping bands of
    ``BAND`` (60 %) of the extent: low 0-60 %, middle 20-80 %, high 40-100 %. "north" is the high band
    of latitude over the whole longitude range, "south" the low band, "east"/"west" the same in
    longitude; a diagonal ("north-east") is the corner where the two sides meet (high latitude band x
    high longitude band); "central" is the middle band on both axes. The zone is the base shape (the
    country's core, or an admin-1 region) intersected with that box. The bands overlap because reports
    use the words loosely: Timbuktu (45 % up Mali's extent) is "northern Mali", Mopti is "central Mali".

Border strips (``border:ML:DZ``, ``border:ML:DZ:30``)
    The part of country A within ``km`` (default 50) of country B: A ∩ buffer(B, km). The buffer is
    computed in a sinusoidal projection (true distances along meridians and parallels) centred on each
    10-degree slice of the border, so widths are right to a fraction of a percent near the centre.
    Since the Natural Earth polygons share their borders, the strip never extends into B.

Admin-1 regions
    GeoNames gives each populated place (kinds city/locality) an admin-1 code. A region's shape is the
    union of the Voronoi cells of its places (computed with longitude scaled by cos(mean latitude)),
    clipped to the country polygon. Before that, a place whose code differs from all of its Delaunay
    neighbours is taken to be mis-coded and gets its neighbours' majority code, unless it is the most
    populous place of its code (a capital district such as Bamako keeps its town).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, box
from shapely.geometry.base import BaseGeometry

from vedette.gazetteer.text import fold

if TYPE_CHECKING:
    from vedette.gazetteer.resolver import Gazetteer

EARTH_KM = 6371.0088
BAND = 0.6  # share of the extent a side, the middle or a corner covers along each axis
CORE_GAP_DEG = 3.0  # parts further than this from the main landmass are left out of directional zones
BORDER_KM = 50.0
SLICE_DEG = 10.0  # border strips are buffered slice by slice, each in its own projection
GEOJSON_TOLERANCE = 0.01  # degrees (about 1 km): default simplification of GeoJSON output

_DIRECTION_WORDS = {
    "north": (1, 0),
    "south": (-1, 0),
    "east": (0, 1),
    "west": (0, -1),
    "central": (0, 0),
    "centre": (0, 0),
    "center": (0, 0),
    "northeast": (1, 1),
    "northwest": (1, -1),
    "southeast": (-1, 1),
    "southwest": (-1, -1),
    "nord": (1, 0),
    "sud": (-1, 0),
    "est": (0, 1),
    "ouest": (0, -1),
    "nordest": (1, 1),
    "nordouest": (1, -1),
    "sudest": (-1, 1),
    "sudouest": (-1, -1),
}
_LOCK = threading.RLock()


def direction_vector(word: str) -> tuple[int, int] | None:
    """(lat sign, lon sign) for 'north', 'north-eastern', 'nord-est', 'central'...; None if not a direction."""
    key = fold(word).replace(" ", "")
    if key not in _DIRECTION_WORDS and key.endswith("ern"):
        key = key[:-3]
    return _DIRECTION_WORDS.get(key)


# --- helpers ---------------------------------------------------------------------------------------------
def polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of ``geom`` (lines and points left by intersections dropped), None if empty."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return None if out.is_empty else out


def _to_sinusoidal(geom: BaseGeometry, lon0: float) -> BaseGeometry:
    def fwd(xy: np.ndarray) -> np.ndarray:
        phi = np.radians(xy[:, 1])
        return np.c_[EARTH_KM * np.radians(xy[:, 0] - lon0) * np.cos(phi), EARTH_KM * phi]

    return shapely.transform(geom, fwd)


def _from_sinusoidal(geom: BaseGeometry, lon0: float) -> BaseGeometry:
    def inv(xy: np.ndarray) -> np.ndarray:
        phi = np.clip(xy[:, 1] / EARTH_KM, -math.pi / 2, math.pi / 2)
        cos = np.maximum(np.cos(phi), 1e-9)
        return np.c_[lon0 + np.degrees(xy[:, 0] / (EARTH_KM * cos)), np.degrees(phi)]

    return shapely.transform(geom, inv)


def area_km2(geom: BaseGeometry) -> float:
    """Area on the sphere (sinusoidal projection, which is equal-area everywhere)."""
    if geom is None or geom.is_empty:
        return 0.0
    return float(_to_sinusoidal(geom, geom.centroid.x).area)


def centre(geom: BaseGeometry) -> tuple[float, float]:
    """(lat, lon) of a point guaranteed inside the shape (its centroid when that is inside)."""
    c = geom.centroid
    p = c if geom.contains(c) else geom.representative_point()
    return round(p.y, 4), round(p.x, 4)


def to_geojson(geom: BaseGeometry, tolerance: float = GEOJSON_TOLERANCE) -> dict:
    """GeoJSON geometry, simplified to ``tolerance`` degrees (topology kept)."""
    from shapely.geometry import mapping

    if tolerance > 0:
        simple = geom.simplify(tolerance, preserve_topology=True)
        if not simple.is_empty:
            geom = simple
    return mapping(geom)


# --- countries -------------------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def country_shape(cc: str) -> BaseGeometry | None:
    """The country's (multi)polygon: the union of its Natural Earth parts, None when there is none."""
    from vedette.gazetteer.countries import _index

    cc = cc.upper()
    _, geoms, codes = _index()
    parts = [g for g, c in zip(geoms, codes, strict=True) if c == cc]
    if not parts:
        return None
    out = shapely.make_valid(shapely.union_all(parts)) if len(parts) > 1 else parts[0]
    return polygonal(out)


def core(geom: BaseGeometry) -> BaseGeometry:
    """The largest part plus the parts linked to it by gaps under ``CORE_GAP_DEG`` degrees."""
    parts = list(shapely.get_parts(geom))
    if len(parts) <= 1:
        return geom
    tree = shapely.STRtree(parts)
    first = max(range(len(parts)), key=lambda i: parts[i].area)
    keep, todo = {first}, [first]
    while todo:
        i = todo.pop()
        for j in tree.query(parts[i], predicate="dwithin", distance=CORE_GAP_DEG):
            if int(j) not in keep:
                keep.add(int(j))
                todo.append(int(j))
    return shapely.union_all([parts[i] for i in sorted(keep)])


@lru_cache(maxsize=512)
def country_core(cc: str) -> BaseGeometry | None:
    shape = country_shape(cc)
    return core(shape) if shape is not None else None


# --- directional zones -----------------------------------------------------------------------------------
def _band(lo: float, hi: float, sign: int, whole: bool) -> tuple[float, float]:
    ext = hi - lo
    if sign > 0:
        return lo + (1 - BAND) * ext, hi
    if sign < 0:
        return lo, lo + BAND * ext
    if whole:
        return lo, hi
    margin = (1 - BAND) / 2 * ext
    return lo + margin, hi - margin


def directional_box(bounds: tuple[float, float, float, float], d: tuple[int, int]) -> BaseGeometry:
    """The box of direction ``d`` (lat sign, lon sign) within ``bounds`` (minx, miny, maxx, maxy)."""
    x0, y0, x1, y1 = bounds
    central = d == (0, 0)
    ya, yb = _band(y0, y1, d[0], whole=not central)
    xa, xb = _band(x0, x1, d[1], whole=not central)
    return box(xa, ya, xb, yb)


def directional_shape(base: BaseGeometry, direction: str) -> BaseGeometry | None:
    """The ``direction`` part of ``base`` (see the module docstring for the rule)."""
    d = direction_vector(direction)
    if d is None or base is None or base.is_empty:
        return None
    main = core(base)
    return polygonal(main.intersection(directional_box(main.bounds, d)))


@lru_cache(maxsize=4096)
def country_zone(cc: str, direction: str) -> BaseGeometry | None:
    """'zone:ML:north' -> the northern part of Mali."""
    main = country_core(cc)
    d = direction_vector(direction)
    if main is None or d is None:
        return None
    return polygonal(main.intersection(directional_box(main.bounds, d)))


# --- border strips ---------------------------------------------------------------------------------------
def border_id(cc: str, other: str, km: float = BORDER_KM) -> str:
    base = f"border:{cc.upper()}:{other.upper()}"
    return base if km == BORDER_KM else f"{base}:{km:g}"


def parse_border_id(place_id: str) -> tuple[str, str, float] | None:
    parts = place_id.split(":")
    if parts[0] != "border" or len(parts) not in (3, 4) or len(parts[1]) != 2 or len(parts[2]) != 2:
        return None
    try:
        km = float(parts[3]) if len(parts) == 4 else BORDER_KM
    except ValueError:
        return None
    if not 0 < km <= 1000:
        return None
    return parts[1].upper(), parts[2].upper(), km


def _margins(km: float, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """Degrees of (longitude, latitude) that surely cover ``km`` anywhere within ``bounds``."""
    top = min(max(abs(bounds[1]), abs(bounds[3])) + km / 111.0, 85.0)
    return km / (111.32 * math.cos(math.radians(top))) * 1.05, km / 110.5 * 1.05


def _reach(geom: BaseGeometry, mlon: float, mlat: float) -> BaseGeometry:
    """Union of the envelopes of the parts of ``geom``, widened by the margins: a cheap cover of the area
    within reach (a box around all of the US would take in most of Canada because of the Aleutians)."""
    bounds = shapely.bounds(shapely.get_parts(geom))
    boxes = shapely.box(bounds[:, 0] - mlon, bounds[:, 1] - mlat, bounds[:, 2] + mlon, bounds[:, 3] + mlat)
    return shapely.union_all(boxes)


@lru_cache(maxsize=1024)
def border_shape(cc: str, other: str, km: float = BORDER_KM) -> BaseGeometry | None:
    """The strip of country ``cc`` within ``km`` of country ``other``; None when they are further apart."""
    cc, other = cc.upper(), other.upper()
    a, b = country_shape(cc), country_shape(other)
    if a is None or b is None or cc == other or km <= 0:
        return None
    mlon, mlat = _margins(km, a.bounds)
    b_near = polygonal(b.intersection(_reach(a, mlon, mlat)))
    if b_near is None:
        return None
    a_near = polygonal(a.intersection(_reach(b_near, mlon, mlat)))
    if a_near is None:
        return None
    pieces = []
    ax0, _, ax1, _ = a_near.bounds
    start = math.floor(ax0 / SLICE_DEG) * SLICE_DEG
    while start < ax1:
        end = start + SLICE_DEG
        a_part = polygonal(a_near.intersection(box(start, -90, end, 90)))
        b_part = polygonal(b_near.intersection(box(start - mlon, -90, end + mlon, 90)))
        start = end
        if a_part is None or b_part is None:
            continue
        lon0 = (a_part.bounds[0] + a_part.bounds[2]) / 2
        projected = _to_sinusoidal(b_part, lon0).simplify(km / 100)
        reach = _from_sinusoidal(projected.buffer(km, quad_segs=8), lon0)
        piece = polygonal(a_part.intersection(reach))
        if piece is not None:
            pieces.append(piece)
    if not pieces:
        return None
    return polygonal(shapely.union_all(pieces))


# --- admin-1 regions from populated places ---------------------------------------------------------------
@dataclass(frozen=True)
class Admin1Area:
    country: str
    code: str  # GeoNames "CC.code"
    name: str | None  # the admin-1 name the gazetteer gives its places (PlaceMatch.admin1)
    place_id: str | None  # the admin-1 entry in the gazetteer ('a1:ML-6'), when there is one

    def as_dict(self) -> dict:
        return {"country": self.country, "code": self.code, "name": self.name, "id": self.place_id}


@dataclass
class _Layer:
    areas: list[Admin1Area]
    shapes: list[BaseGeometry]
    tree: shapely.STRtree
    seconds: float


def _default(gaz: Gazetteer | None) -> Gazetteer:
    if gaz is not None:
        return gaz
    from vedette.gazetteer.resolver import get_gazetteer

    return get_gazetteer()


def _relabel_isolated(xy: np.ndarray, codes: list[str], anchors: set[int]) -> list[str]:
    """Codes of places that share none with their Delaunay neighbours become the neighbours' majority."""
    if len(xy) < 4:
        return codes
    tri = shapely.delaunay_triangles(MultiPoint(xy))
    corners = shapely.get_coordinates(tri).reshape(-1, 4, 2)[:, :3, :]  # rings repeat their first corner
    keys = xy[:, 0] + 1j * xy[:, 1]
    order = np.argsort(keys)
    flat = corners[..., 0] + 1j * corners[..., 1]
    pos = np.clip(np.searchsorted(keys[order], flat), 0, len(keys) - 1)
    idx = order[pos]
    idx[keys[idx] != flat] = -1  # a corner that is not an input point (never expected)
    idx = idx[(idx >= 0).all(axis=1)]
    a = np.concatenate([idx[:, 0], idx[:, 1], idx[:, 2], idx[:, 1], idx[:, 2], idx[:, 0]])
    b = np.concatenate([idx[:, 1], idx[:, 2], idx[:, 0], idx[:, 0], idx[:, 1], idx[:, 2]])
    labels = {c: i for i, c in enumerate(sorted(set(codes)))}
    code_ix = np.array([labels[c] for c in codes])
    has_neighbour = np.zeros(len(codes), dtype=bool)
    has_neighbour[a] = True
    shares = np.zeros(len(codes), dtype=bool)
    np.logical_or.at(shares, a, code_ix[a] == code_ix[b])
    count = Counter(codes)
    out = list(codes)
    for i in np.flatnonzero(has_neighbour & ~shares).tolist():
        if i in anchors or count[codes[i]] < 2:
            continue
        around = Counter(codes[j] for j in set(b[a == i].tolist()))
        out[i] = around.most_common(1)[0][0]
    return out


def _build_layer(gaz: Gazetteer, cc: str) -> _Layer:
    import time

    t0 = time.perf_counter()
    shape = country_shape(cc)
    regions = gaz._query(
        "SELECT admin1_code, admin1, gid FROM places WHERE country=? AND kind='admin1'", (cc,)
    )
    by_code = {r[0]: (r[1], r[2]) for r in regions if r[0]}
    by_name = {fold(r[1]): r[0] for r in regions if r[0] and r[1]}
    rows = gaz._query(
        "SELECT lat, lon, admin1_code, admin1, population FROM places "
        "WHERE country=? AND kind IN ('city', 'locality') ORDER BY population DESC, id",
        (cc,),
    )
    seen: dict[tuple[float, float], int] = {}
    lats, lons, codes, names, anchors = [], [], [], {}, set()
    for lat, lon, code, name, _pop in rows:
        code = code or (by_name.get(fold(name)) if name else None)
        if not code or code.endswith(".00"):
            continue
        key = (round(lat, 4), round(lon, 4))
        if key in seen:
            continue
        seen[key] = len(codes)
        if code not in names:
            anchors.add(len(codes))  # rows come by population: the first of a code is its largest place
        names.setdefault(code, name)
        lats.append(lat)
        lons.append(lon)
        codes.append(code)
    areas: list[Admin1Area] = []
    shapes: list[BaseGeometry] = []
    if shape is not None and codes:
        k = math.cos(math.radians(float(np.mean(lats))))
        xy = np.c_[np.array(lons) * k, np.array(lats)]
        codes = _relabel_isolated(xy, codes, anchors)
        cells: dict[str, BaseGeometry] = {}
        if len(set(codes)) == 1:
            cells[codes[0]] = shape
        else:
            x0, y0, x1, y1 = shape.bounds
            env = box(min(x0 * k, xy[:, 0].min()) - 1, min(y0, xy[:, 1].min()) - 1,
                      max(x1 * k, xy[:, 0].max()) + 1, max(y1, xy[:, 1].max()) + 1)
            diagram = shapely.voronoi_polygons(MultiPoint(xy), extend_to=env, ordered=True)
            polys = np.array(list(shapely.get_parts(diagram)), dtype=object)
            members: dict[str, list[int]] = defaultdict(list)
            for i, code in enumerate(codes):
                members[code].append(i)
            scaled = shapely.transform(shape, lambda a: np.c_[a[:, 0] * k, a[:, 1]])
            for code, idx in members.items():
                union = shapely.coverage_union_all(polys[idx])
                clipped = polygonal(shapely.make_valid(union.intersection(scaled)))
                if clipped is not None:
                    cells[code] = shapely.transform(clipped, lambda a: np.c_[a[:, 0] / k, a[:, 1]])
        for code, geom in sorted(cells.items()):
            name, gid = by_code.get(code, (names.get(code), None))
            areas.append(Admin1Area(cc, code, name, gid))
            shapely.prepare(geom)
            shapes.append(geom)
    return _Layer(areas, shapes, shapely.STRtree(shapes), time.perf_counter() - t0)


_layers: dict[tuple[str, str], _Layer] = {}


def admin1_layer(cc: str, gaz: Gazetteer | None = None) -> _Layer:
    """Admin-1 regions of a country approximated from its places (cached per gazetteer file and country;
    places overlaid from the store do not take part)."""
    gaz = _default(gaz)
    key = (str(gaz.path), cc.upper())
    layer = _layers.get(key)
    if layer is None:
        with _LOCK:
            layer = _layers.get(key)
            if layer is None:
                layer = _layers[key] = _build_layer(gaz, cc.upper())
    return layer


def admin1_shape(cc: str, admin1: str, gaz: Gazetteer | None = None) -> BaseGeometry | None:
    """The approximated shape of an admin-1 region, named by GeoNames code ('ML.08'), gazetteer id
    ('a1:ML-6') or name ('Tombouctou', 'Tombouctou region' is not a name)."""
    layer = admin1_layer(cc, gaz)
    key = fold(admin1)
    for area, geom in zip(layer.areas, layer.shapes, strict=True):
        if admin1 in (area.code, area.place_id) or (area.name and fold(area.name) == key):
            return geom
    return None


def admin1_at(lat: float, lon: float, gaz: Gazetteer | None = None) -> Admin1Area | None:
    """The admin-1 region (approximated) holding a point: the country from its polygon (or, just off the
    coast, from the nearest place), then the region whose shape covers the point or is nearest to it
    within 0.25 degrees."""
    from vedette.gazetteer.countries import country_at

    gaz = _default(gaz)
    cc = country_at(lat, lon)
    if cc is None:
        near = gaz.reverse(lat, lon)
        if near is None or near.country is None:
            return None
        cc = near.country
    layer = admin1_layer(cc, gaz)
    if not layer.shapes:
        return None
    point = Point(lon, lat)
    for i in layer.tree.query(point, predicate="intersects"):
        return layer.areas[int(i)]
    i = layer.tree.query_nearest(point, max_distance=0.25)
    return layer.areas[int(i[0])] if len(i) else None


# --- shapes by place id ---------------------------------------------------------------------------------
BUFFER_DEG = 0.5  # towns, airports and named areas without a shape: a disc of this radius around the point


def _bbox_zone(gaz: Gazetteer, cc: str, d: tuple[int, int]) -> BaseGeometry | None:
    """The older box rule on the bounding box of the country's towns, for codes without a polygon."""
    bb = gaz.country_bbox(cc)
    if not bb:
        return None
    lat0, lon0, lat1, lon1 = bb
    hl, hw = (lat1 - lat0) / 2, (lon1 - lon0) / 2
    clat, clon = (lat0 + lat1) / 2 + d[0] * hl / 2, (lon0 + lon1) / 2 + d[1] * hw / 2
    widen = hw / 2 if d[1] == 0 else 0
    return box(clon - hw / 2 - widen, clat - hl / 2, clon + hw / 2 + widen, clat + hl / 2)


def place_shape(place_id: str, gaz: Gazetteer | None = None) -> tuple[BaseGeometry, str] | None:
    """(shape, how it was made) for a place or zone id, None when the id is unknown."""
    gaz = _default(gaz)
    border = parse_border_id(place_id)
    if border is not None:
        strip = border_shape(*border)
        return (strip, "border strip") if strip is not None else None
    parts = place_id.split(":")
    if parts[0] == "zone" and len(parts) >= 3:
        base_id, direction = ":".join(parts[1:-1]), parts[-1]
        d = direction_vector(direction)
        if d is None:
            return None
        if len(base_id) == 2 and base_id.isupper():
            zone = country_zone(base_id, direction)
            if zone is not None:
                return zone, "directional part of the country polygon"
            zone = _bbox_zone(gaz, base_id, d)
            return (zone, "directional part of the towns' bounding box") if zone is not None else None
        base = gaz.get(base_id)
        if base is None:
            return None
        if base.kind == "admin1" and base.country:
            region = admin1_shape(base.country, base.id, gaz)
            zone = directional_shape(region, direction) if region is not None else None
            if zone is not None:
                return zone, "directional part of the admin-1 shape"
        return Point(base.lon, base.lat).buffer(BUFFER_DEG), "buffer around the point"
    p = gaz.get(place_id)
    if p is None:
        return None
    if p.kind == "country" and p.country:
        shape = country_shape(p.country)
        if shape is not None:
            return shape, "country polygon"
    elif p.kind == "admin1" and p.country:
        shape = admin1_shape(p.country, p.id, gaz)
        if shape is not None:
            return shape, "admin-1 from the Voronoi cells of its towns"
    return Point(p.lon, p.lat).buffer(BUFFER_DEG), "buffer around the point"


# --- GeoJSON ---------------------------------------------------------------------------------------------
def _country_name(gaz: Gazetteer, cc: str) -> str:
    rows = gaz._query("SELECT name FROM countries WHERE cc=?", (cc,))
    return rows[0][0] if rows else cc


def feature(place_id: str, gaz: Gazetteer | None = None, tolerance: float = GEOJSON_TOLERANCE) -> dict | None:
    """A GeoJSON Feature for any place or zone id (see ``place_shape``), None if unknown.

    Properties: id, name, kind, country, admin1, area_km2, centre {lat, lon} (a point inside the shape)
    and ``shape``, how the geometry was made.
    """
    gaz = _default(gaz)
    found = place_shape(place_id, gaz)
    if found is None:
        return None
    geom, how = found
    props: dict = {"id": place_id, "name": place_id, "kind": "zone", "country": None, "admin1": None}
    border = parse_border_id(place_id)
    parts = place_id.split(":")
    if border is not None:
        a, b, km = border
        props.update(name=f"{_country_name(gaz, a)} within {km:g} km of {_country_name(gaz, b)}", country=a)
    elif parts[0] == "zone" and len(parts) >= 3:
        base_id, direction = ":".join(parts[1:-1]), parts[-1]
        base = None if len(base_id) == 2 else gaz.get(base_id)
        if base is None:
            props.update(name=f"{direction} {_country_name(gaz, base_id)}", country=base_id)
        else:
            props.update(name=f"{direction} {base.name}", country=base.country, admin1=base.admin1)
    else:
        p = gaz.get(place_id)
        props.update(name=p.name, kind=p.kind, country=p.country, admin1=p.admin1)
    lat, lon = centre(geom)
    props.update(area_km2=round(area_km2(geom), 1), centre={"lat": lat, "lon": lon}, shape=how)
    rounded = shapely.transform(geom, lambda a: np.round(a, 5))
    return {"type": "Feature", "id": place_id, "geometry": to_geojson(rounded, tolerance), "properties": props}
