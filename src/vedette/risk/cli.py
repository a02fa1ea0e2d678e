"""``vedette risk ...`` and ``vedette transport ...``: the risk picture from the command line (the same
services as /api/risk). Counted incidents: new and confirmed; dismissed and merged ones count nowhere."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fail(exc: Exception) -> None:
    err.print(f"[red]{exc}[/red]")
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    risk = typer.Typer(help="The risk picture: levels, scores, escalations.", no_args_is_help=True)
    trans = typer.Typer(help="Status of airports, land borders and airspace.", no_args_is_help=True)

    @risk.command("country")
    def country(
        cc: str = typer.Argument(..., help="ISO 3166-1 alpha-2 code"),
        as_json: bool = typer.Option(False, "--json"),
        as_of: str = typer.Option(None, help="scores as of this day (default: the newest counted incident's)"),
        refresh: bool = typer.Option(True, help="read new incidents first (transport, escalations, scores)"),
    ) -> None:
        """Levels by source and effective level, brief, score and trend, regions, escalations, transport."""
        from vedette.errors import VedetteError
        from vedette.risk import picture
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                if refresh:
                    picture.refresh(s, None, as_of)
                data = picture.country(s, cc, as_of)
        except VedetteError as exc:
            _fail(exc)
        if as_json:
            _dump(data)
            return
        eff = data["levels"]["effective"] or {}
        out.print(f"[bold]{data['label']} ({data['country']})[/bold]: level {eff.get('level', '-')} "
                  f"({eff.get('source', 'no source')})")
        for src, v in data["levels"]["by_source"].items():
            out.print(f"  {src:8} {v['level']}  {v['as_written'] or ''}")
        sc = data["score"]
        if sc:
            out.print(f"score {sc['score']} as of {sc['as_of']} ({sc['scorer']}), "
                      f"trend 7d {sc['trend']['7d']['direction']}, 30d {sc['trend']['30d']['direction']}")
        for e in data["escalations"]:
            out.print(f"escalation {e['admin1_label']} ({e['admin1']}): raised {e['raised_at']}, "
                      f"cleared {e['cleared_at'] or '-'}")

    @risk.command("escalations")
    def list_escalations(
        country: str = typer.Option(None, "--country"),
        active: bool = typer.Option(None, "--active/--cleared", help="only standing or only cleared ones"),
        as_json: bool = typer.Option(False, "--json"),
        refresh: bool = typer.Option(True, help="run the detection on the stored incidents first"),
    ) -> None:
        """Escalations (country, admin1, raised_at, cleared_at, evidence), dates in the incidents' time."""
        from vedette.errors import VedetteError
        from vedette.risk import escalations
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                if refresh:
                    escalations.detect_and_store(s)
                rows = escalations.listed(s, country, active)
        except VedetteError as exc:
            _fail(exc)
        if as_json:
            _dump(rows)
            return
        for e in rows:
            ev = e["evidence"]
            out.print(f"{e['country']} {e['admin1']} {e['admin1_label']}: raised {e['raised_at']} "
                      f"cleared {e['cleared_at'] or '-'}; {ev.get('incidents')} incidents in {ev.get('window_days')} "
                      f"days vs {ev.get('expected')} expected (p={ev.get('tail_probability')})")

    @risk.command("set-level")
    def set_level(
        cc: str = typer.Argument(..., help="ISO 3166-1 alpha-2 code"),
        level: int = typer.Argument(..., help="1-4"),
        reason: str = typer.Option(..., help="why (kept with the change)"),
        area: str = typer.Option(None, help="ISO 3166-2 code or region name, or zone:NAME"),
        indicators: str = typer.Option("", help="letters, e.g. TUK"),
    ) -> None:
        """An analyst's level, with its reason (every change kept, an advisory.changed event raised)."""
        from vedette.errors import VedetteError
        from vedette.risk import levels
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                row = levels.set_level(s, cc, level, reason, "cli", area=area, indicators=list(indicators))
                out.print(f"{row.country} {row.area or '(country)'}: analyst level {row.level}")
        except VedetteError as exc:
            _fail(exc)

    @risk.command("advisory")
    def advisory(
        path: str = typer.Argument(..., help="an official advisory text (any format intake reads)"),
        source: str = typer.Option(None, help="US, FR, CH, GB, CA... (default: recognised from the text)"),
        country: str = typer.Option(None, "--country"),
    ) -> None:
        """Record an official advisory's levels (kept as written, mapped to 1-4)."""
        from pathlib import Path

        from vedette.errors import VedetteError
        from vedette.intake.readers import read_path
        from vedette.risk import levels
        from vedette.store.db import session_scope

        read = read_path(Path(path))
        try:
            with session_scope() as s:
                rows = levels.record_official(s, read.text, Path(path).name, source=source, country=country,
                                              actor="cli")
                for r in rows:
                    out.print(f"{r.source} {r.country} {r.area or '(country)'}: {r.level} ({r.as_written})")
                if not rows:
                    out.print("no change")
        except levels.AdvisoryUnparseable as exc:
            err.print(f"[red]advisory_unparseable[/red]: {exc}")
            raise typer.Exit(3) from None
        except VedetteError as exc:
            _fail(exc)

    @risk.command("refresh")
    def refresh_cmd(
        country: str = typer.Option(None, "--country"), as_of: str = typer.Option(None),
    ) -> None:
        """Transport statuses from new incidents, escalation detection, scores stored (risk.score.v1)."""
        from vedette.risk import picture
        from vedette.store.db import session_scope

        with session_scope() as s:
            _dump(picture.refresh(s, country, as_of))

    @trans.command("status")
    def status(
        country: str = typer.Option(..., "--country"),
        as_json: bool = typer.Option(False, "--json"),
        as_of: str = typer.Option(None, help="age and staleness at this time (ISO 8601; default: now)"),
        all_airports: bool = typer.Option(False, help="list every airport, unknown ones too"),
        refresh: bool = typer.Option(True, help="read new incidents first"),
    ) -> None:
        """Airspace, land borders and airports: status, source, evidence, age, stale."""
        from vedette.errors import VedetteError
        from vedette.risk import transport
        from vedette.store.db import session_scope

        when = datetime.fromisoformat(as_of) if as_of else None
        try:
            with session_scope() as s:
                if refresh:
                    transport.derive(s)
                data = transport.status(s, country, when, all_airports=all_airports)
        except VedetteError as exc:
            _fail(exc)
        if as_json:
            _dump(data)
            return
        for item in [data["airspace"], *data["borders"], *data["airports"]]:
            stale = " (stale)" if item.get("stale") else ""
            out.print(f"{item['kind']:8} {item['key']:6} {item['status']:12}{stale} {item.get('observed_at') or ''} "
                      f"{item.get('source') or ''}")

    @trans.command("set")
    def set_status(
        kind: str = typer.Argument(..., help="airport | border | airspace"),
        key: str = typer.Argument(..., help="IATA/ICAO code, ML-NE or ML-*, ML"),
        status: str = typer.Argument(..., help="open | partly_open | closed | unknown"),
        reason: str = typer.Option(...),
    ) -> None:
        """An operator's status, with its reason (history kept)."""
        from vedette.errors import VedetteError
        from vedette.risk import transport
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                row = transport.set_status(s, kind, key, status, "cli", reason)
                out.print(f"{row.kind} {row.key}: {row.status}")
        except VedetteError as exc:
            _fail(exc)

    app.add_typer(risk, name="risk")
    app.add_typer(trans, name="transport")
