"""``vedette serve``: run the dashboard and API."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, help="TCP port."),
    ) -> None:
        """Serve the dashboard and the REST API (OpenAPI at /docs)."""
        import uvicorn

        from vedette.web.app import create_app

        uvicorn.run(create_app(), host=host, port=port, log_level="info")
