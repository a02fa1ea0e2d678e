"""``vedette serve``: run the dashboard and API."""

from __future__ import annotations

import os

import typer


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

        n = workers or get_settings().web_workers or min(os.cpu_count() or 1, 4)
        if n == 1:
            from vedette.web.app import create_app

            uvicorn.run(create_app(), host=host, port=port, log_level="info")
        else:  # each worker builds its own app (its own pool and gates); the scheduler elects one of them
            uvicorn.run("vedette.web.app:create_app", factory=True, workers=n, host=host, port=port, log_level="info")
