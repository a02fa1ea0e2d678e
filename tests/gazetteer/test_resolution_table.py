"""The resolver on a hand-written table of 200+ mentions over 60+ countries, English and French.

Each row gives the context country (as an extraction would pass it), the expected country and kind, and
where given the coordinates to within 30 km. The figure is printed; the bar is 95%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vedette.gazetteer import ResolveContext, get_gazetteer, haversine_km

TABLE = Path(__file__).with_name("data") / "mentions.tsv"


def rows() -> list[list[str]]:
    return [ln.split("\t") for ln in TABLE.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]


def check(row: list[str]) -> str | None:
    mention, ctx, country, kind, lat, lon = row
    gaz = get_gazetteer()
    found = gaz.resolve(mention, ResolveContext(countries={ctx: 1.0} if ctx != "-" else {}))
    if kind == "none":
        return None if found is None else f"expected no match, got {found.name} ({found.country})"
    if found is None:
        return "no match"
    if found.country != country:
        return f"country {found.country} ({found.name}, {found.admin1})"
    if kind != "-" and found.kind != kind:
        return f"kind {found.kind} ({found.name})"
    if lat != "-" and haversine_km(float(lat), float(lon), found.lat, found.lon) > 30:
        return f"{haversine_km(float(lat), float(lon), found.lat, found.lon):.0f} km off ({found.name})"
    return None


def test_table_size() -> None:
    table = rows()
    assert len(table) >= 200
    assert len({r[2] for r in table if r[2] != "-"}) >= 30


def test_resolution_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    table = rows()
    failures = [(r, why) for r in table if (why := check(r))]
    accuracy = 1 - len(failures) / len(table)
    with capsys.disabled():
        print(f"\ngazetteer resolution table: {len(table) - len(failures)}/{len(table)} right = {accuracy:.1%}")
        for r, why in failures:
            print(f"  wrong: {r[0]!r} (context {r[1]}): {why}")
    assert accuracy >= 0.95
