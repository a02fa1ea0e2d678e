"""``vedette worker``: a Celery worker (and beat) for the jobs, when ``broker_url`` is set."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        beat: bool = typer.Option(False, "--beat", help="Also run beat: poll due feeds every scheduler_tick_s."),
        concurrency: int = typer.Option(2, min=1, help="Worker processes."),
        loglevel: str = typer.Option("info", help="debug, info, warning or error."),
    ) -> None:
        """Run a Celery worker on the Redis broker of VEDETTE_BROKER_URL (jobs: feed polls, URL intake,
        re-extraction). `vedette serve` then leaves scheduling to it."""
        from vedette.jobs.celery_app import BrokerUnavailable, run_worker

        try:
            run_worker(beat=beat, concurrency=concurrency, loglevel=loglevel)
        except BrokerUnavailable as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}")
            raise typer.Exit(2) from None
