"""Place shapes: cost of building admin-1 layers (Voronoi of towns), border strips and directional zones,
and admin-1 lookups by point (``geometry.admin1_at``) against the baseline of the nearest town's admin-1
(``Gazetteer.reverse``) measured in the same run, with how often the two agree.

    .venv/bin/python bench/geometry.py
"""

from __future__ import annotations

import json
import random
import time

from vedette.gazetteer import geometry as geo
from vedette.gazetteer import get_gazetteer

LAYERS = ["ML", "NG", "IN", "FR", "CN", "US"]
BORDERS = [("ML", "DZ"), ("IN", "PK"), ("FR", "DE"), ("RU", "CN"), ("US", "CA")]
POINTS = 2000


def main() -> None:
    gaz = get_gazetteer()
    t = time.perf_counter()
    geo.country_shape("ML")
    print(f"Natural Earth polygons loaded: {time.perf_counter() - t:.2f} s")
    gaz.reverse(0.0, 0.0)  # load the baseline's grid outside the timings
    for cc in LAYERS:
        t = time.perf_counter()
        layer = geo.admin1_layer(cc, gaz)
        dt = time.perf_counter() - t
        n = gaz._query("SELECT count(*) FROM places WHERE country=? AND kind IN ('city','locality')", (cc,))[0][0]
        print(f"admin-1 layer {cc}: {n:6d} places -> {len(layer.areas):3d} regions in {dt:.2f} s")
    for a, b in BORDERS:
        t = time.perf_counter()
        strip = geo.border_shape(a, b)
        print(f"border {a}-{b} (50 km): {time.perf_counter() - t:.3f} s, {geo.area_km2(strip):,.0f} km²")
    t = time.perf_counter()
    for cc in LAYERS:
        for d in ("north", "south", "east", "west", "central", "northeast"):
            geo.country_zone(cc, d)
    print(f"directional zones: {(time.perf_counter() - t) / (6 * len(LAYERS)) * 1000:.1f} ms each")

    rng = random.Random(7)
    points = []
    for cc in LAYERS:
        rows = gaz._query("SELECT lat, lon FROM places WHERE country=? AND kind='city'", (cc,))
        for lat, lon in rng.sample(rows, min(len(rows), POINTS // len(LAYERS))):
            points.append((lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2)))
    for label in ("first pass (caches filling, neighbours' layers built)", "second pass"):
        t = time.perf_counter()
        base = [gaz.reverse(lat, lon) for lat, lon in points]
        t_base = time.perf_counter() - t
        t = time.perf_counter()
        ours = [geo.admin1_at(lat, lon, gaz) for lat, lon in points]
        t_ours = time.perf_counter() - t
        print(f"{label}:")
        print(f"  baseline nearest-town admin-1 (reverse): {len(points) / t_base:,.0f} points/s")
        print(f"  admin1_at (region shapes):               {len(points) / t_ours:,.0f} points/s")
    same = sum(1 for b, o in zip(base, ours, strict=True) if b and o and b.admin1 == o.name)
    print(f"agreement on {len(points)} jittered points: {same / len(points):.1%}")
    figures = {
        "admin1_at_points_per_s": round(len(points) / t_ours),
        "baseline_reverse_points_per_s": round(len(points) / t_base),
        "agreement": round(same / len(points), 4),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
