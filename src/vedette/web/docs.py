"""API documentation pages (/docs, /redoc) served entirely from local assets, with no inline script.

FastAPI's own pages pull Swagger UI and ReDoc from a CDN and start Swagger UI with an inline script: offline
they are blank, and a strict Content-Security-Policy refuses them. These pages load the vendored bundles
(``static/vendor``, versions and checksums in ``VENDOR.json``) and an external start-up file.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PUBLIC_PATHS = ("/docs", "/redoc")


def install(app: FastAPI) -> None:
    """Add /docs and /redoc; the app must be created with ``docs_url=None, redoc_url=None``."""
    title = escape(f"{app.title} API")
    spec = escape(app.openapi_url or "/openapi.json")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<link rel="icon" href="data:,">
</head><body data-openapi="{spec}">
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs/swagger-init.js"></script>
</body></html>"""
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(
            f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
</head><body>
<redoc spec-url="{spec}" hide-download-button="false"></redoc>
<script src="/static/vendor/redoc/redoc.standalone.js"></script>
</body></html>"""
        )
