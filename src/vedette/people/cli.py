"""``vedette people ...`` (list, add, import, export, erase, purge) and ``vedette exposure INCIDENT_ID``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)

ORG = typer.Option(..., "--org", help="Organisation slug (the CLI acts for it, audited as 'cli')")


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, default=str, ensure_ascii=False, indent=2))


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        from vedette.people.exposure import utc

        return utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 time: {value}", param_hint=name) from exc


def _fail(exc: Exception) -> None:
    err.print(f"[red]error[/red] {exc}")
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    people = typer.Typer(help="People an organisation looks after: import, export, erase, purge.",
                         no_args_is_help=True)

    @people.command("list")
    def list_(org: str = ORG, q: str = typer.Option(None), as_of: str = typer.Option(None, help="ISO time"),
              as_json: bool = typer.Option(False, "--json")) -> None:
        """People of the organisation (as known at ``--as-of``)."""
        from vedette.people import service as svc
        from vedette.people.schemas import PersonOut
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        with session_scope() as s:
            scope = cli_scope(s, org)
            rows, total = svc.list_people(s, scope, q=q, as_of=_when(as_of, "--as-of"), limit=100_000)
            items = [PersonOut.model_validate(p, from_attributes=True).model_dump(mode="json") for p in rows]
        if as_json:
            _dump({"total": total, "items": items})
            return
        table = Table("id", "external id", "name", "phones", "tags", title=f"{total} people of {org}")
        for p in items:
            table.add_row(str(p["id"]), p["external_id"], p["name"], " ".join(p["phones"]), ", ".join(p["tags"]))
        out.print(table)

    @people.command("add")
    def add(
        name: str = typer.Argument(..., help="Full name"),
        org: str = ORG,
        external_id: str = typer.Option(None, "--id", help="Stable external id (generated when absent)"),
        email: list[str] = typer.Option(None, "--email"),
        phone: list[str] = typer.Option(None, "--phone", help="Any written form; stored in E.164"),
        nationality: str = typer.Option(None),
        language: str = typer.Option("en", help="en | fr"),
        channel: str = typer.Option("email", help="email | sms | phone | webhook"),
        tag: list[str] = typer.Option(None, "--tag"),
    ) -> None:
        """Add one person (the same checks as the API and the imports)."""
        from pydantic import ValidationError

        from vedette.errors import VedetteError
        from vedette.people import service as svc
        from vedette.people.schemas import PersonIn
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        try:
            data = PersonIn(external_id=external_id, name=name, emails=email or [], phones=phone or [],
                            nationality=nationality, language=language, channel=channel, tags=tag or [])
            with session_scope() as s:
                person = svc.create_person(s, cli_scope(s, org), data)
                out.print(f"person {person.id} ({person.external_id}): {person.name} {' '.join(person.phones)}")
        except ValidationError as exc:
            _fail(ValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())))
        except VedetteError as exc:
            _fail(exc)

    @people.command("show")
    def show(person: int = typer.Argument(..., help="Person id"), org: str = ORG) -> None:
        """One person's data: contacts, trips and segments, known locations, positions (JSON)."""
        from vedette.errors import VedetteError
        from vedette.people import service as svc
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        try:
            with session_scope() as s:
                data = svc.export_person(s, cli_scope(s, org), person)
        except VedetteError as exc:
            _fail(exc)
        _dump(data)

    @people.command("advisory-exposure")
    def advisory_exposure(
        country: str = typer.Argument(..., help="ISO 3166-1 alpha-2"),
        org: str = ORG,
        region: str = typer.Option(None, help="ISO 3166-2 code or name"),
        at: str = typer.Option(None, help="When the advisory changed (ISO; default now)"),
        bound_days: int = typer.Option(None, "--bound-days"),
        as_of: str = typer.Option(None, "--as-of"),
    ) -> None:
        """Who is in, or bound within N days for, a country or region whose advisory changed (JSON)."""
        from vedette.errors import VedetteError
        from vedette.people import service as svc
        from vedette.people.schemas import ExposureOut
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        try:
            with session_scope() as s:
                ans = svc.advisory_exposure(s, cli_scope(s, org), country, region, at=_when(at, "--at"),
                                            bound_days=bound_days, as_of=_when(as_of, "--as-of"))
        except VedetteError as exc:
            _fail(exc)
        _dump(ExposureOut(**ans).model_dump(mode="json"))

    @people.command("import")
    def import_(
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (people, segments, locations) or .ics"),
        org: str = ORG,
        dry_run: bool = typer.Option(False, "--dry-run", help="Check every row, write nothing"),
        person: str = typer.Option(None, help="iCalendar: the person's external id"),
        trip: str = typer.Option(None, help="iCalendar: the trip's external id"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Import a CSV file (header documented in ``vedette.people.imports``) or an iCalendar itinerary.

        A dry run reports every bad row by line and field and writes nothing; a real run writes every good
        row in one transaction and reports the rest. Importing the same file again changes nothing."""
        from vedette.errors import VedetteError
        from vedette.people import imports
        from vedette.store.db import session_factory
        from vedette.tenancy.authz import cli_scope

        data = path.read_bytes()
        s = session_factory()()
        try:
            scope = cli_scope(s, org)
            if path.suffix.lower() == ".ics" or data.lstrip().startswith(b"BEGIN:VCALENDAR"):
                if not person:
                    raise typer.BadParameter("an iCalendar itinerary needs --person", param_hint="--person")
                report = imports.import_ics(s, scope, data, person, trip_external_id=trip, dry_run=dry_run)
            else:
                report = imports.import_csv(s, scope, data, dry_run=dry_run)
            if dry_run:
                s.rollback()
            else:
                s.commit()
        except VedetteError as exc:
            s.rollback()
            _fail(exc)
        finally:
            s.close()
        if as_json:
            _dump(report.as_dict())
        else:
            verb = "would create" if dry_run else "created"
            out.print(f"{report.kind}: {report.rows} rows; {verb} {report.created}, updated {report.updated}, "
                      f"unchanged {report.unchanged}, rejected {len(report.errors)}")
            for e in report.errors:
                out.print(f"  line {e.line}, {e.field}: {e.reason}")
        if report.errors:
            raise typer.Exit(1)

    @people.command("export")
    def export(
        org: str = ORG,
        kind: str = typer.Option("people", help="people | segments | locations"),
        person: int = typer.Option(None, help="One person's data (JSON, subject access) instead of a CSV"),
        output: Path = typer.Option(None, "-o", "--output"),
    ) -> None:
        """Export the organisation's people, segments or locations as CSV, or one person's data as JSON."""
        from vedette.errors import VedetteError
        from vedette.people import imports
        from vedette.people import service as svc
        from vedette.store.db import session_scope
        from vedette.tenancy import audit
        from vedette.tenancy.authz import cli_scope

        try:
            with session_scope() as s:
                scope = cli_scope(s, org)
                if person is not None:
                    text = json.dumps(svc.export_person(s, scope, person), ensure_ascii=False, indent=2)
                else:
                    text = imports.export_csv(s, scope, kind)
                    audit.record(s, f"people.export.{kind}", scope=scope, target_type="organisation",
                                 target_id=scope.org_id)
        except VedetteError as exc:
            _fail(exc)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)

    @people.command("erase")
    def erase(person: int = typer.Argument(..., help="Person id"), org: str = ORG) -> None:
        """Erase a person and everything about them (the audit row keeps only ids and counts)."""
        from vedette.errors import VedetteError
        from vedette.people import service as svc
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        try:
            with session_scope() as s:
                counts = svc.erase_person(s, cli_scope(s, org), person)
        except VedetteError as exc:
            _fail(exc)
        out.print(f"erased person {person}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))

    @people.command("purge")
    def purge(now: str = typer.Option(None, help="Pretend it is this time (ISO)")) -> None:
        """Delete trips and positions ended longer ago than the retention period (demo organisations: exempt)."""
        from vedette.people.tasks import purge_expired

        _dump(purge_expired(now=_when(now, "--now")))

    app.add_typer(people, name="people")

    @app.command("exposure")
    def exposure(
        incident_id: int = typer.Argument(..., help="Incident id"),
        org: str = ORG,
        as_of: str = typer.Option(None, "--as-of", help="Replay: what was known at this time (ISO)"),
        radius_km: float = typer.Option(None, "--radius-km"),
        bound_days: int = typer.Option(None, "--bound-days"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Who of the organisation is, or will be, near an incident, and why."""
        from vedette.errors import VedetteError
        from vedette.people import service as svc
        from vedette.people.schemas import ExposureOut
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        try:
            with session_scope() as s:
                ans = svc.incident_exposure(s, cli_scope(s, org), incident_id, as_of=_when(as_of, "--as-of"),
                                            radius_km=radius_km, bound_days=bound_days)
        except VedetteError as exc:
            _fail(exc)
        data = ExposureOut(**ans).model_dump(mode="json")
        if as_json:
            _dump(data)
            return
        out.print(f"[bold]{data['count']} exposed[/bold] {data['area']}, "
                  f"{data['window_start']} to {data['window_end']} (bound until {data['bound_until']})")
        if data["note"]:
            out.print(f"[yellow]{data['note']}[/yellow]")
        for p in data["people"]:
            out.print(f"- {p['name']} ({p['external_id']}), {p['status']}")
            for r in p["reasons"]:
                out.print(f"    {r['text']}")
