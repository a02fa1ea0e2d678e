"""``vedette alerts ...``: the dispatcher as a process, the flows once, the outbox and rules of an organisation,
a feed token."""

from __future__ import annotations

import json

import typer

ORG = typer.Option(..., "--org", help="Organisation slug (the CLI acts for it, audited as 'cli')")


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, default=str, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    alerts = typer.Typer(help="Alerts: the dispatcher, the flows, the outbox, rules, feed tokens.",
                         no_args_is_help=True)

    @alerts.command("dispatch")
    def dispatch(loop: bool = typer.Option(False, "--loop", help="Run until stopped (a dispatcher process)"),
                 max_s: float = typer.Option(None, "--max-s", help="Stop after this many seconds")) -> None:
        """Send the due messages of the outbox (once, or as a process of its own with --loop)."""
        from vedette.alerts import tasks

        if loop:
            tasks.run_dispatcher_forever(max_s=max_s)
            return
        tasks._install_hooks()
        _dump(tasks.dispatch_job(max_s=max_s or tasks.DRAIN_MAX_S))

    @alerts.command("process")
    def process() -> None:
        """Alerts for the incident review changes and risk events since the last run (the flows, once)."""
        from vedette.alerts import tasks

        _dump(tasks.flows_job())

    @alerts.command("outbox")
    def outbox(org: str = ORG, status: str = typer.Option(None), local: bool = typer.Option(False, "--local"),
               limit: int = typer.Option(50), as_json: bool = typer.Option(False, "--json")) -> None:
        """The organisation's outbox: each message's channel, status, attempts and last error."""
        from vedette.alerts import repository as repo
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        with session_scope() as s:
            scope = cli_scope(s, org)
            rows = repo.list_messages(s, scope, status=status, local_only=local, limit=limit)
            counts = repo.status_counts(s, scope)
            items = [{"id": m.id, "alert_id": m.alert_id, "person_id": m.person_id, "channel": m.channel,
                      "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
                      "subject": (m.payload or {}).get("subject") if local else None} for m in rows]
        if as_json:
            _dump({"counts": counts, "messages": items})
            return
        typer.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "empty")
        for m in items:
            typer.echo(f"{m['id']:>7} alert {m['alert_id']} person {m['person_id']} {m['channel']:<8} "
                       f"{m['status']:<9} attempts {m['attempts']} {m['last_error'] or ''}")

    @alerts.command("rules")
    def rules(org: str = ORG) -> None:
        """The organisation's alert rules (JSON)."""
        from vedette.alerts import repository as repo
        from vedette.alerts.schemas import RuleOut
        from vedette.store.db import session_scope
        from vedette.tenancy.authz import cli_scope

        with session_scope() as s:
            scope = cli_scope(s, org)
            _dump([RuleOut.model_validate(r).model_dump(mode="json") for r in repo.list_rules(s, scope)])

    @alerts.command("feed-token")
    def feed_token(org: str = ORG) -> None:
        """A new feed token for the organisation's CAP and Atom feeds (shown once; the old one stops working)."""
        from vedette.alerts import feeds
        from vedette.alerts import repository as repo
        from vedette.store.db import session_scope
        from vedette.tenancy import audit
        from vedette.tenancy.authz import cli_scope

        with session_scope(write=True) as s:
            scope = cli_scope(s, org)
            token, digest = feeds.new_token()
            repo.save_settings(s, scope, feed_token_hash=digest)
            audit.record(s, "alerts.feed_token", scope=scope, target_type="organisation", target_id=scope.org_id)
        typer.echo(token)

    app.add_typer(alerts, name="alerts")
