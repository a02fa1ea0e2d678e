"""``vedette db ...``: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from vedette.config import get_settings
from vedette.store.migrate import upgrade

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Database schema.", no_args_is_help=True)

    @db.command("upgrade")
    def db_upgrade(revision: str = typer.Argument("head")) -> None:
        """Apply migrations up to REVISION (default: head). Safe to run again."""
        url = get_settings().effective_database_url
        upgrade(url, revision)
        console.print(f"[green]database at {revision}[/green]")

    app.add_typer(db, name="db")
