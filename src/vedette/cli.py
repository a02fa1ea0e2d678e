"""The ``vedette`` command: thin Typer commands over the services of each domain."""

from __future__ import annotations

import typer

from vedette import __version__
from vedette.demo.cli import register as register_demo
from vedette.gazetteer.cli import register as register_gazetteer
from vedette.incidents.cli import register as register_incidents
from vedette.intake.cli import register as register_intake
from vedette.intake.extract_cli import register as register_extract
from vedette.jobs.cli import register as register_jobs
from vedette.store.cli import register as register_store
from vedette.web.cli import register as register_web

app = typer.Typer(
    name="vedette",
    help="Vedette: crisis-response and travel-risk operations centre.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
    from vedette.incidents.flows import install

    install()


REGISTRARS = (
    register_store,
    register_intake,
    register_extract,
    register_gazetteer,
    register_incidents,
    register_web,
    register_jobs,
    register_demo,
)
for register in REGISTRARS:
    register(app)
