"""``vedette gazetteer ...``: search, reverse, zone shapes, load GeoNames files, add analysts' places."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


def _print(matches: list, as_json: bool) -> None:
    if as_json:
        keys = ("name", "country", "admin1", "lat", "lon", "population", "score", "kind", "id", "why")
        print(json.dumps([{k: m.as_dict()[k] for k in keys} for m in matches], ensure_ascii=False))
        return
    table = Table("name", "kind", "country", "admin1", "lat", "lon", "population", "score", "why")
    for m in matches:
        table.add_row(
            m.name,
            m.kind,
            m.country or "",
            m.admin1 or "",
            f"{m.lat:.4f}",
            f"{m.lon:.4f}",
            str(m.population),
            f"{m.score:.2f}",
            m.why,
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    gaz_app = typer.Typer(help="Places: search, reverse lookup, GeoNames loading, own places.", no_args_is_help=True)

    @gaz_app.command("search")
    def search(
        name: str,
        country: list[str] = typer.Option(None, "--country", help="ISO2 country context (repeatable)."),
        limit: int = typer.Option(10),
        as_json: bool = typer.Option(False, "--json"),
        org: str = typer.Option(None, help="Organisation slug: include its private places."),
    ) -> None:
        """Ranked candidates for NAME, with why."""
        from sqlalchemy.exc import OperationalError, ProgrammingError

        from vedette.gazetteer import ResolveContext, get_gazetteer
        from vedette.gazetteer.service import gazetteer_for, organisation
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                gaz = gazetteer_for(s, organisation(s, org))
        except (OperationalError, ProgrammingError):
            if org:
                raise
            gaz = get_gazetteer()  # store not set up yet: the bundled gazetteer alone
        ctx = ResolveContext(countries={c.upper(): 1.0 for c in country or []})
        best = gaz.resolve(name, ctx)
        matches = gaz.candidates(name, ctx, limit)
        if best is not None and best.kind == "zone" or (best and all(m.id != best.id for m in matches)):
            matches = [best, *matches][:limit]
        if not matches:
            err.print(f"[red]no place called '{name}'[/red]; did you mean: {', '.join(gaz.suggest(name)) or '—'}")
            if as_json:
                print("[]")
            raise typer.Exit(1)
        _print(matches, as_json)

    @gaz_app.command("reverse", context_settings={"ignore_unknown_options": True})
    def reverse(lat: float, lon: float, as_json: bool = typer.Option(False, "--json")) -> None:
        """Nearest place, admin-1 and country for LAT LON."""
        from vedette.gazetteer import get_gazetteer

        try:
            m = get_gazetteer().reverse(lat, lon)
        except ValueError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        _print([m] if m else [], as_json)

    @gaz_app.command("zone")
    def zone(
        text: str,
        country: str = typer.Option(None, "--country", help="ISO2 country the text is about."),
        km: float = typer.Option(50.0, "--km", min=0.1, max=1000, help="Width of border strips."),
        geojson: bool = typer.Option(False, "--geojson", help="Print the GeoJSON Feature instead."),
        tolerance: float = typer.Option(0.01, help="GeoJSON simplification in degrees."),
    ) -> None:
        """Resolve TEXT ('northern Mali', 'the border with Algeria', 'Ségou region') to a zone's shape."""
        from vedette.gazetteer import ResolveContext, get_gazetteer
        from vedette.gazetteer.geometry import feature

        gaz = get_gazetteer()
        ctx = ResolveContext(countries={country.upper(): 1.0} if country else {})
        m = gaz.mention_border(text, ctx, km) or gaz.resolve(text, ctx)
        found = feature(m.id, gaz, tolerance) if m is not None else None
        if found is None:
            err.print(f"[red]no zone for '{text}'[/red]" + ("" if country else " (try --country)"))
            raise typer.Exit(1)
        if geojson:
            found["properties"]["name"] = m.name
            print(json.dumps(found, ensure_ascii=False))
            return
        p = found["properties"]
        print(f"name:   {m.name}")
        print(f"id:     {m.id}")
        print(f"kind:   {m.kind} ({p['shape']})")
        print(f"area:   {p['area_km2']:,.0f} km²")
        print(f"centre: {p['centre']['lat']:.4f}, {p['centre']['lon']:.4f}")

    @gaz_app.command("load")
    def load(files: list[Path]) -> None:
        """Load GeoNames dumps (allCountries.txt, CC.txt, admin1CodesASCII.txt first if given)."""
        from rich.progress import Progress

        from vedette.gazetteer.service import load_geonames
        from vedette.gazetteer.shared import invalidate
        from vedette.store.db import session_scope

        admin1: dict[str, str] = {}
        files = sorted(files, key=lambda p: not p.name.lower().startswith("admin1"))
        failed = False
        for path in files:
            if not path.is_file():
                err.print(f"[red]{path}: no such file[/red]")
                failed = True
                continue
            lines = sum(1 for _ in path.open("rb"))
            with Progress(console=err) as progress, session_scope() as s:
                task = progress.add_task(path.name, total=lines)
                report = load_geonames(s, path, admin1, tick=lambda t=task: progress.advance(t))
            invalidate()  # committed: the shared gazetteer (extraction) overlays these places from now on
            err.print(f"{path}: {report.loaded} loaded, {report.updated} updated, {len(report.bad)} bad rows")
            for n, reason in report.bad[:50]:
                err.print(f"  [red]{path.name}:{n}[/red] {reason}")
        if failed:
            raise typer.Exit(1)

    @gaz_app.command("add")
    def add(
        name: str,
        lat: float = typer.Option(...),
        lon: float = typer.Option(...),
        country: str = typer.Option(None),
        alias: list[str] = typer.Option(None),
        kind: str = typer.Option("custom"),
        org: str = typer.Option(None),
    ) -> None:
        """Add an analyst's place (hotel, compound, checkpoint...), private to --org when given."""
        from vedette.errors import VedetteError
        from vedette.gazetteer.service import add_place, organisation
        from vedette.gazetteer.shared import invalidate
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                p = add_place(
                    s,
                    name=name,
                    lat=lat,
                    lon=lon,
                    country=country,
                    aliases=alias or [],
                    kind=kind,
                    org=organisation(s, org),
                )
                out.print(f"added place db:{p.id} {p.name}")
            invalidate()
        except VedetteError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc

    @gaz_app.command("import-csv")
    def import_csv_(path: Path, org: str = typer.Option(None)) -> None:
        """Import places from CSV (name, lat, lon, country, aliases, kind, admin1)."""
        from vedette.gazetteer.service import import_csv, organisation
        from vedette.gazetteer.shared import invalidate
        from vedette.store.db import session_scope

        with session_scope() as s:
            report = import_csv(s, path, organisation(s, org))
        invalidate()
        err.print(f"{path}: {report.loaded} places, {len(report.bad)} bad rows")
        for n, reason in report.bad:
            err.print(f"  [red]{path.name}:{n}[/red] {reason}")

    app.add_typer(gaz_app, name="gazetteer")
