"""``vedette explain`` and ``vedette incidents ...``."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from vedette.intake.extract import SCHEMA_KEYS

out = Console()
FIELDS = tuple(k for k in SCHEMA_KEYS if k not in ("doc", "published", "evidence"))


def register(app: typer.Typer) -> None:
    @app.command()
    def explain(incident_id: int) -> None:
        """Every field of an incident with the text span and the rule that produced it, per report."""
        from sqlalchemy import select

        from vedette.incidents import repository as repo
        from vedette.incidents import service
        from vedette.intake.models import Document
        from vedette.store.db import session_scope

        with session_scope() as s:
            inc = service.get_incident(s, incident_id)
            out.print(
                f"[bold]Incident {inc.id}[/bold]: {inc.category} {inc.date} {inc.place or ''} "
                f"({inc.country or '?'}) — {'locked' if inc.locked else 'auto-merged'}"
            )
            for r in repo.reports_for(s, [inc.id]):
                doc = s.scalar(select(Document).where(Document.id == r.document_id))
                table = Table("field", "value", "span text", "rule", title=f"report {r.id} from {doc.name}")
                for f in FIELDS:
                    p = (r.provenance or {}).get(f if f not in ("lat", "lon", "admin1", "country") else "place", {})
                    span = p.get("span")
                    text = doc.text[span[0] : span[1]] if span else (p.get("text") or "")
                    table.add_row(f, json.dumps(r.record.get(f), ensure_ascii=False), text[:80], p.get("rule", ""))
                out.print(table)
                out.print(f"[dim]evidence[/dim] {r.evidence}")

    incidents = typer.Typer(help="Incidents in the store.", no_args_is_help=True)

    @incidents.command("list")
    def list_(
        country: str = typer.Option(None),
        category: list[str] = typer.Option(None),
        since: str = typer.Option(None, help="YYYY-MM-DD"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List incidents, newest first."""
        from vedette.incidents import repository as repo
        from vedette.incidents.models import Incident
        from vedette.store.db import session_scope

        with session_scope() as s:
            q = repo.query_incidents(
                country=country, categories=category or None, since=date.fromisoformat(since) if since else None
            )
            rows = s.scalars(q.order_by(Incident.date.desc(), Incident.id.desc())).all()
            if as_json:
                for i in rows:
                    print(json.dumps({"id": i.id, **{f: getattr(i, f) for f in FIELDS}}, ensure_ascii=False))
                return
            table = Table("id", "date", "category", "place", "admin1", "country", "killed", "actors")
            for i in rows:
                table.add_row(
                    str(i.id),
                    i.date or "?",
                    i.category,
                    i.place or "",
                    i.admin1 or "",
                    i.country or "",
                    "" if i.killed is None else str(i.killed),
                    ", ".join(i.actors or []),
                )
            out.print(table)

    @incidents.command("split")
    def split_(incident_id: int, report_id: int) -> None:
        """Move a report out of an incident into an incident of its own."""
        from vedette.incidents import service
        from vedette.store.db import session_scope

        with session_scope() as s:
            new = service.split(s, incident_id, report_id)
            out.print(f"report {report_id} is now incident {new.id}")

    @incidents.command("merge")
    def merge_(incident_id: int, other_id: int) -> None:
        """Merge OTHER_ID into INCIDENT_ID."""
        from vedette.incidents import service
        from vedette.store.db import session_scope

        with session_scope() as s:
            service.merge(s, incident_id, other_id)
            out.print(f"incident {other_id} merged into {incident_id}")

    app.add_typer(incidents, name="incidents")
