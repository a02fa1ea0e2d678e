"""``vedette serve``: run the dashboard and API."""

from __future__ import annotations

import logging
import os
import threading

import typer

log = logging.getLogger(__name__)
# Written for the warm-up (no corpus text): one sentence that goes through every extraction step.
WARM_UP = "On 1 March 2024, gunmen attacked a market in Maiduguri, Nigeria, killing 3 people."


def _warm_up() -> None:
    """Load what extraction loads on first use (pipeline, gazetteer), so that the first posts to a fresh
    process are not charged for it."""
    try:
        from vedette.incidents.flows import install
        from vedette.intake.hooks import DocumentDraft, prepare_document_hooks

        install()
        prepare_document_hooks(DocumentDraft(WARM_UP, "warm-up.txt", None, "en"))
    except Exception:  # noqa: BLE001 - the first request will load it, and report a failure itself
        log.warning("extraction warm-up failed", exc_info=True)


def create_served_app():  # noqa: ANN201 - a FastAPI app
    """The app as `vedette serve` runs it, in each worker process: extraction warms up on a thread of its
    own while the process starts answering."""
    from vedette.web.app import create_app

    threading.Thread(target=_warm_up, name="vedette-warm-up", daemon=True).start()
    return create_app()


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, help="TCP port."),
        workers: int = typer.Option(
            0, min=0, help="Server processes (0: the web_workers setting; its 0: one per CPU, at most 4)."
        ),
    ) -> None:
        """Serve the dashboard and the REST API (OpenAPI at /docs).

        Each process answers with web_threads threads; requests holding a store session are admitted by
        web_read_sessions / web_write_sessions (store/db.py), and the connection pool is sized with them.
        """
        import uvicorn

        from vedette.config import get_settings
        from vedette.store.db import server_processes

        n = workers or server_processes()
        if workers and workers != get_settings().web_workers:
            # the worker processes read their settings afresh: they size their share of the store's
            # connections by the number of processes
            os.environ["VEDETTE_WEB_WORKERS"] = str(workers)
            get_settings.cache_clear()
        from vedette.web.server import PROTOCOL, SpreadWorkers

        if n == 1:
            uvicorn.run(create_served_app(), host=host, port=port, log_level="info", http=PROTOCOL)
        else:  # each worker builds its own app (its own pool and gates); the scheduler elects one of them
            config = uvicorn.Config(
                "vedette.web.cli:create_served_app", factory=True, workers=n, host=host, port=port, log_level="info",
                http=PROTOCOL,
            )
            try:
                workers_supervisor = SpreadWorkers(config)
            except OSError as exc:
                raise typer.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
            workers_supervisor.run()
