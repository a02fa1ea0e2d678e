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
        from vedette.risk.tasks import refresh  # the risk picture of the replayed crisis, without waiting

        refreshed = refresh()
        console.print(f"risk picture: {', '.join(f'{k} {v}' for k, v in refreshed.items() if isinstance(v, int))}")
        from vedette.config import get_settings
        from vedette.demo.accounts import load_demo_accounts, sign_in_text

        accounts = load_demo_accounts()  # a user of each role per organisation, and an operator
        from vedette.demo.alerts import load_demo_rules  # reports taken in from now on alert their people

        console.print(load_demo_rules())
        if get_settings().demo_mode:  # passwords are printed in demo mode only (`make run`)
            typer.echo(sign_in_text(accounts))
        else:
            console.print(f"demo accounts: {len(accounts)} (VEDETTE_DEMO_MODE=true prints how to sign in)")
        if report.rejected:
            raise typer.Exit(1)

    @demo.command("code")
    def code(email: str) -> None:
        """The current TOTP code of a demo admin or operator (demo mode only)."""
        import pyotp

        from vedette.config import get_settings
        from vedette.demo.accounts import _accounts, demo_totp_secret

        if not get_settings().demo_mode:
            console.print("[red]demo mode only (VEDETTE_DEMO_MODE=true)[/red]")
            raise typer.Exit(2)
        if email.lower() not in {e for e, _, role in _accounts() if role in ("admin", "operator")}:
            console.print("[red]not a demo admin or operator[/red]")
            raise typer.Exit(1)
        typer.echo(pyotp.TOTP(demo_totp_secret(email.lower())).now())

    app.add_typer(demo, name="demo")
