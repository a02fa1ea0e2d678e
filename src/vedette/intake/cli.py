"""``vedette ingest`` and ``vedette feeds``: thin commands over the intake service."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from vedette.intake.service import IngestReport

console = Console(stderr=True, soft_wrap=True)  # one line per rejection, whatever the width


def _print_report(report: IngestReport) -> None:
    console.print(
        f"[green]{len(report.added)} added[/green], {report.duplicates} already in the store, "
        f"[{'red' if report.rejected else 'green'}]{len(report.rejected)} rejected[/]"
    )
    for item, reason in report.rejected:
        line = reason if reason.startswith(item) else f"{item}: {reason}"
        console.print(f"[red]rejected[/red] {escape(line)}")


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        items: list[str] = typer.Argument(..., help="Files, folders (recursive), URLs or feed URLs."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    ) -> None:
        """Take in documents; each new one is extracted into incidents. Bad items are reported, not fatal.

        After a large load, PostgreSQL's planner statistics are refreshed (setting ``bulk_analyze_docs``)."""
        from vedette.config import get_settings
        from vedette.intake.service import ingest_items
        from vedette.store.db import refresh_statistics

        settings = get_settings()
        report = ingest_items(items, progress=progress)
        if settings.bulk_analyze_docs and len(report.added) >= settings.bulk_analyze_docs:
            refresh_statistics()
        _print_report(report)
        if report.rejected and not report.added and not report.duplicates:
            raise typer.Exit(1)

    feeds = typer.Typer(help="RSS/Atom feeds polled on a schedule.", no_args_is_help=True)

    @feeds.command("add")
    def feeds_add(
        url: str, interval: int = typer.Option(None, help="Seconds between polls (default: setting).")
    ) -> None:
        """Register a feed to poll."""
        if not url.startswith(("http://", "https://")):
            console.print(f"[red]not an http(s) URL:[/red] {escape(url)}")
            raise typer.Exit(2)
        from vedette.intake.service import add_feed
        from vedette.store.db import session_scope

        with session_scope() as s:
            src = add_feed(s, url, interval)
            console.print(f"feed {src.locator} every {src.poll_interval_s} s")

    @feeds.command("list")
    def feeds_list() -> None:
        """List feeds with their last poll."""
        from sqlalchemy import select

        from vedette.intake.models import Source
        from vedette.store.db import session_scope

        table = Table("url", "every (s)", "last polled", "status")
        with session_scope() as s:
            for f in s.scalars(select(Source).where(Source.kind == "feed").order_by(Source.id)):
                table.add_row(
                    f.locator,
                    str(f.poll_interval_s) if f.poll_interval_s else "not polled (ingested once)",
                    str(f.last_polled_at or "never"),
                    f.last_status or "",
                )
        Console().print(table)

    @feeds.command("poll")
    def feeds_poll() -> None:
        """Poll every feed that is due now."""
        from vedette.intake.service import poll_due_feeds

        for url, report in poll_due_feeds().items():
            console.print(f"[bold]{url}[/bold]")
            _print_report(report)

    app.add_typer(feeds, name="feeds")
