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
            from vedette.incidents import review

            conf = review.confidences(s, [inc])[inc.id]
            out.print(
                f"status {inc.status}" + (f" ({inc.status_reason})" if inc.status_reason else "")
                + f", version {inc.version}, confidence {conf.level} {conf.score:.2f}"
                + (f", source note: {inc.source_note}" if inc.source_note else "")
                + "  [dim](vedette incidents review ID: edits, confidence explained, moves)[/dim]"
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
        status: list[str] = typer.Option(None, help="review statuses (default: new and confirmed)"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """List incidents, newest first (dismissed ones only when asked for with --status dismissed)."""
        from vedette.incidents import repository as repo
        from vedette.incidents.models import Incident
        from vedette.store.db import session_scope

        with session_scope() as s:
            q = repo.query_incidents(
                country=country, categories=category or None, since=date.fromisoformat(since) if since else None,
                statuses=status or repo.COUNTED_STATUSES,
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

    register_review(incidents)
    app.add_typer(incidents, name="incidents")


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1)


def _print_incident(inc_view: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(inc_view, ensure_ascii=False, default=str))
        return
    conf = inc_view.get("confidence") or {}
    out.print(
        f"incident {inc_view['id']} [bold]{inc_view['status']}[/bold] v{inc_view['version']}: "
        f"{inc_view['category']} {inc_view['date'] or '?'} {inc_view['place'] or ''} ({inc_view['country'] or '?'})"
        + (f", confidence {conf.get('level')} {conf.get('score')}" if conf else "")
    )


def _parse(name: str, raw: str):  # noqa: ANN202 - the typed value of a field given on the command line
    if raw.lower() in ("null", "none", ""):
        return None
    if name in ("killed", "injured", "hostages_or_kidnapped", "severity"):
        try:
            return int(raw)
        except ValueError:
            return raw  # refused by the service with the field's message
    if name in ("lat", "lon"):
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def register_review(incidents: typer.Typer) -> None:  # noqa: C901 - one command per review action
    """``vedette incidents review-queue|review|confirm|dismiss|reopen|edit|merge|split|undo|add``: the
    review actions of incidents/review.py, acting as the command line (audited as actor ``cli``)."""

    def _act(fn, as_json: bool = False):  # noqa: ANN001, ANN202
        from vedette.errors import VedetteError
        from vedette.incidents import review
        from vedette.store.db import session_scope

        try:
            with session_scope(write=True) as s:
                inc_id = fn(s)
                if inc_id is not None:
                    view = review.review_view(s, inc_id)
                    view = {k: v for k, v in view.items() if k not in ("fields", "reports", "edits", "moves")}
                    _print_incident(view, as_json)
        except VedetteError as exc:
            _fail(exc)

    @incidents.command("review-queue")
    def review_queue(
        country: str = typer.Option(None, help="ISO 3166-1 alpha-2"),
        limit: int = typer.Option(100, min=1, max=10000),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """New incidents, most severe and most confident first, and the documents that gave no incident."""
        from vedette.incidents import review
        from vedette.store.db import session_scope

        with session_scope() as s:
            q = review.queue(s, country=country, limit=limit)
        if as_json:
            print(json.dumps(q, ensure_ascii=False, default=str))
            return
        table = Table("id", "v", "severity", "confidence", "date", "category", "place", "country", "reports",
                      title=f"{q['total']} new incident(s)")
        for i in q["incidents"]:
            table.add_row(str(i["id"]), str(i["version"]), str(i["severity"] or ""),
                          f"{i['confidence']['level']} {i['confidence']['score']}", i["date"] or "?", i["category"],
                          i["place"] or "", i["country"] or "", str(i["report_count"]))
        out.print(table)
        docs = Table("id", "document", "extracted", "extractor",
                     title=f"{q['documents_without_incidents_total']} document(s) without any incident")
        for d in q["documents_without_incidents"]:
            docs.add_row(str(d["id"]), d["name"], d["extracted_at"] or "", d["extractor"] or "")
        out.print(docs)

    @incidents.command("review")
    def review_(incident_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
        """An incident as reviewed: fields (edits beside extracted values), confidence explained, history."""
        from vedette.errors import VedetteError
        from vedette.incidents import review
        from vedette.store.db import session_scope

        try:
            with session_scope() as s:
                view = review.review_view(s, incident_id)
        except VedetteError as exc:
            _fail(exc)
        if as_json:
            print(json.dumps(view, ensure_ascii=False, default=str))
            return
        _print_incident(view, False)
        table = Table("field", "value", "extracted", "edited by", "at")
        for name, f in view["fields"].items():
            if f["edited"] or f["value"] is not None:
                table.add_row(name, json.dumps(f["value"], ensure_ascii=False),
                              json.dumps(f["extracted"], ensure_ascii=False) if f["edited"] else "",
                              f["edited_by"] or "", f["edited_at"] or "")
        out.print(table)
        for factor in view["confidence"]["factors"]:
            out.print(f"  {factor['component']}: {factor['points']} ({factor['why']}; {factor['rule'] or '-'})")

    @incidents.command("confirm")
    def confirm_(
        incident_id: int,
        note: str = typer.Option(None),
        version: int = typer.Option(None, help="refuse if the incident changed since this version"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Confirm an incident."""
        from vedette.incidents import review

        _act(lambda s: review.confirm(s, incident_id, review.CLI, version=version, note=note).id, as_json)

    @incidents.command("dismiss")
    def dismiss_(
        incident_id: int,
        reason: str = typer.Option(..., help="why (kept with the incident and in the audit log)"),
        version: int = typer.Option(None),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Dismiss an incident: it counts nowhere."""
        from vedette.incidents import review

        _act(lambda s: review.dismiss(s, incident_id, review.CLI, reason=reason, version=version).id, as_json)

    @incidents.command("reopen")
    def reopen_(incident_id: int, version: int = typer.Option(None), as_json: bool = typer.Option(False, "--json")):
        """Put a confirmed or dismissed incident back to new."""
        from vedette.incidents import review

        _act(lambda s: review.reopen(s, incident_id, review.CLI, version=version).id, as_json)

    @incidents.command("edit")
    def edit_(
        incident_id: int,
        date: str = typer.Option(None, help="YYYY, YYYY-MM or YYYY-MM-DD (null: none)"),
        date_end: str = typer.Option(None, "--date-end"),
        ongoing: bool = typer.Option(None, "--ongoing/--ended"),
        time: str = typer.Option(None, help="HH:MM"),
        place: str = typer.Option(None),
        place_id: str = typer.Option(None, "--place-id"),
        admin1: str = typer.Option(None),
        country: str = typer.Option(None),
        lat: str = typer.Option(None),
        lon: str = typer.Option(None),
        category: str = typer.Option(None),
        killed: str = typer.Option(None),
        injured: str = typer.Option(None),
        hostages: str = typer.Option(None, "--hostages", "--hostages-or-kidnapped"),
        actor: list[str] = typer.Option(None, "--actor", help="repeat for each actor (replaces the list)"),
        severity: str = typer.Option(None),
        summary: str = typer.Option(None),
        clear: list[str] = typer.Option(None, "--clear", help="an edited field back to its extracted value"),
        version: int = typer.Option(None),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Edit fields of an incident (kept beside the extracted values; they survive re-extraction)."""
        from vedette.incidents import review

        given = {"date": date, "date_end": date_end, "time": time, "place": place, "place_id": place_id,
                 "admin1": admin1, "country": country, "lat": lat, "lon": lon, "category": category,
                 "killed": killed, "injured": injured, "hostages_or_kidnapped": hostages, "severity": severity,
                 "summary": summary}
        changes = {k: _parse(k, v) for k, v in given.items() if v is not None}
        if ongoing is not None:
            changes["ongoing"] = ongoing
        if actor:
            changes["actors"] = [] if actor == ["null"] else list(actor)
        _act(lambda s: review.edit(s, incident_id, review.CLI, changes, clear=clear or (), version=version).id,
             as_json)

    @incidents.command("merge")
    def merge_(
        incident_id: int,
        other_id: int,
        version: int = typer.Option(None),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Merge OTHER_ID into INCIDENT_ID (reversible: `vedette incidents undo MOVE_ID`)."""
        from vedette.incidents import review

        def run(s):  # noqa: ANN001, ANN202
            inc = review.merge(s, incident_id, other_id, review.CLI, version=version)
            move = review.rrepo.moves_of(s, inc.id)[-1]
            typer.echo(f"incident {other_id} merged into {incident_id} (move {move.id})", err=True)
            return inc.id

        _act(run, as_json)

    @incidents.command("split")
    def split_(
        incident_id: int,
        report_ids: list[int] = typer.Argument(None, help="report id(s) (or --report)"),
        report: list[int] = typer.Option(None, "--report", help="a report to move out (repeat for several)"),
        version: int = typer.Option(None),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Move reports out of an incident into a new incident (reversible: `vedette incidents undo MOVE_ID`)."""
        from vedette.incidents import review

        def run(s):  # noqa: ANN001, ANN202
            new = review.split(s, incident_id, [*(report_ids or []), *(report or [])], review.CLI, version=version)
            move = review.rrepo.moves_of(s, new.id)[-1]
            typer.echo(f"report(s) now incident {new.id} (move {move.id})", err=True)
            return new.id

        _act(run, as_json)

    @incidents.command("undo")
    def undo_(move_id: int) -> None:
        """Undo a merge or split (its move id is printed by merge and split, and listed by `review`)."""
        from vedette.incidents import review

        def run(s):  # noqa: ANN001, ANN202
            move = review.undo(s, move_id, review.CLI)
            typer.echo(f"{move.kind} {move.id} undone: incidents {move.from_id} and {move.to_id}")

        _act(run)

    @incidents.command("add")
    def add_(
        date: str = typer.Option(..., help="YYYY, YYYY-MM or YYYY-MM-DD"),
        category: str = typer.Option(...),
        source_note: str = typer.Option(..., "--source-note", help="where it comes from"),
        place: str = typer.Option(None, help="a place name (resolved with the gazetteer unless --lat/--lon)"),
        place_id: str = typer.Option(None, "--place-id", help="a gazetteer id"),
        admin1: str = typer.Option(None),
        country: str = typer.Option(None),
        lat: float = typer.Option(None),
        lon: float = typer.Option(None),
        date_end: str = typer.Option(None, "--date-end"),
        ongoing: bool = typer.Option(False, "--ongoing"),
        time: str = typer.Option(None),
        killed: int = typer.Option(None),
        injured: int = typer.Option(None),
        hostages: int = typer.Option(None, "--hostages", "--hostages-or-kidnapped"),
        actor: list[str] = typer.Option(None, "--actor"),
        severity: int = typer.Option(None),
        summary: str = typer.Option(None),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Enter an incident by hand: confirmed from the start, with a source note."""
        from vedette.incidents import review

        given = {"date": date, "category": category, "place": place, "place_id": place_id, "admin1": admin1,
                 "country": country, "lat": lat, "lon": lon, "date_end": date_end, "time": time, "killed": killed,
                 "injured": injured, "hostages_or_kidnapped": hostages, "severity": severity, "summary": summary,
                 "actors": list(actor) if actor else None}
        fields = {k: v for k, v in given.items() if v is not None}
        if ongoing:
            fields["ongoing"] = True
        _act(lambda s: review.add_manual(s, review.CLI, fields, source_note=source_note).id, as_json)
