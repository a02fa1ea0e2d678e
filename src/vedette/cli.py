"""The ``vedette`` command: thin Typer commands over the services of each domain.

Importing this module loads no domain: each domain's commands are registered on first use (the full set as
soon as anything looks at the command list), and a command served by one registrar alone (``FAST``) loads
only that one, so that ``vedette extract FILE`` starts without Alembic, SQLAlchemy, the web framework or
Celery. A new domain adds its registrar's module name to ``REGISTRARS`` (not an import at the top).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer

from vedette import __version__

# modules with a ``register(app)`` function (or such functions themselves), in the order of the command list
REGISTRARS: tuple[str | Callable[[typer.Typer], None], ...] = (
    "vedette.store.cli",
    "vedette.tenancy.cli",
    "vedette.intake.cli",
    "vedette.intake.extract_cli",
    "vedette.gazetteer.cli",
    "vedette.incidents.cli",
    "vedette.people.cli",
    "vedette.web.cli",
    "vedette.jobs.cli",
    "vedette.demo.cli",
    "vedette.risk.cli",
    "vedette.alerts.cli",
)
# commands one registrar serves alone: run from the command line, they load nothing else
FAST = {"extract": "vedette.intake.extract_cli"}
# commands that store nothing: the document hooks need not be installed
STORES_NOTHING = frozenset({"extract"})


def _register(registrar: str | Callable[[typer.Typer], None], app: typer.Typer) -> None:
    fn = import_module(registrar).register if isinstance(registrar, str) else registrar
    fn(app)


def _command_name(argv: list[str]) -> str | None:
    """The sub-command of a command line (the root's options take no values)."""
    return next((a for a in argv if not a.startswith("-")), None)


class LazyTyper(typer.Typer):
    """A Typer whose commands are registered when first looked at (or, for ``FAST`` commands run from the
    command line, only the one registrar needed)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: str | None = None
        super().__init__(*args, **kwargs)

    def load(self, only: str | None = None) -> None:
        if self._loaded is not None:
            return
        self._loaded = only or "*"  # set first: registering appends to the lists below
        for registrar in REGISTRARS if only is None else (only,):
            _register(registrar, self)

    @property
    def registered_commands(self) -> list:  # type: ignore[override]
        self.load()
        return self.__dict__["_commands"]

    @registered_commands.setter
    def registered_commands(self, value: list) -> None:
        self.__dict__["_commands"] = value

    @property
    def registered_groups(self) -> list:  # type: ignore[override]
        self.load()
        return self.__dict__["_groups"]

    @registered_groups.setter
    def registered_groups(self, value: list) -> None:
        self.__dict__["_groups"] = value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._loaded is None:
            argv = kwargs.get("args", args[0] if args else None)
            name = _command_name(list(sys.argv[1:] if argv is None else argv))
            if name in FAST:
                self.load(FAST[name])
        return super().__call__(*args, **kwargs)


app = LazyTyper(
    name="vedette",
    help="Vedette: crisis-response and travel-risk operations centre.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
    if ctx.invoked_subcommand in STORES_NOTHING:
        return
    from vedette.incidents.flows import install

    install()


if __name__ == "__main__":
    app()
