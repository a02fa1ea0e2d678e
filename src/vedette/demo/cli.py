"""``vedette demo load``: take in the bundled demo reports (idempotent: same bytes, same document)."""

from __future__ import annotations

import typer
from rich.console import Console

from vedette.demo import DEMO_DIR

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    demo = typer.Typer(help="Bundled demo data.", no_args_is_help=True)

    @demo.command("load")
    def load(progress: bool = typer.Option(False, help="Show a progress bar.")) -> None:
        """Ingest the bundled demo reports (English and French) into the configured store."""
        from vedette.intake.service import ingest_items

        report = ingest_items([str(DEMO_DIR)], progress=progress)
        console.print(
            f"demo data: {len(report.added)} new, {report.duplicates} already in the store, "
            f"{len(report.rejected)} rejected"
        )
        for item, reason in report.rejected:
            console.print(f"[red]rejected[/red] {item}: {reason}")
        from vedette.demo.people import load_demo_people  # organisations and people of the demo crisis

        console.print(load_demo_people())
        if report.rejected:
            raise typer.Exit(1)

    app.add_typer(demo, name="demo")
