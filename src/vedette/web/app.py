"""FastAPI application: domain routers under /api, pages at /, static assets served locally."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from vedette import __version__
from vedette.errors import VedetteError
from vedette.gazetteer.api import router as gazetteer_router
from vedette.gazetteer.shapes_api import router as shapes_router
from vedette.incidents.api import router as incidents_router
from vedette.incidents.review_api import router as review_router
from vedette.intake.api import router as intake_router
from vedette.jobs.api import router as jobs_router
from vedette.people.api import router as people_router
from vedette.risk.api import router as risk_router
from vedette.risk.levels_api import router as risk_levels_router
from vedette.tenancy.api import public_router as auth_public_router
from vedette.tenancy.api import router as auth_router
from vedette.tenancy.deps import authenticated
from vedette.web.dashboard_api import router as dashboard_router
from vedette.web.limits import EdgeLimits, document_edge_errors
from vedette.web.pages import router as pages_router
from vedette.web.pages.common import SignInRequired, sign_in_redirect

HERE = Path(__file__).parent


def create_app() -> FastAPI:
    from vedette.incidents.flows import install

    install()
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from vedette.jobs.scheduler import start_scheduler

        scheduler = start_scheduler()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            from vedette.intake import isolation

            isolation.shutdown()  # parse workers, if a request started them

    app = FastAPI(
        title="Vedette",
        version=__version__,
        description="Crisis-response operations centre API.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc from local assets, no inline script (web/docs.py)
        redoc_url=None,
    )
    from vedette.web import docs

    docs.install(app)
    from vedette.web import security

    security.install(app)  # security headers on every answer, errors included (web/security.py)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(EdgeLimits)  # 413: bodies over their limit (not read whole); 400: NUL in a URL

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired):  # noqa: ANN202 - a redirect
        return sign_in_redirect(exc)  # a page asked for by someone not signed in: to /login, then back

    @app.exception_handler(VedetteError)
    async def _domain_error(_request: Request, exc: VedetteError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "item": exc.item}, status_code=exc.status_code)

    @app.get("/api/health", tags=["health"])
    def health() -> dict:
        """Liveness: public (tenancy.deps.PUBLIC_ROUTES)."""
        return {"status": "ok", "version": __version__}

    app.include_router(auth_public_router, prefix="/api")  # sign-in and reset: public (PUBLIC_ROUTES)
    signed_in = [Depends(authenticated)]  # every other API route: a session or a bearer token
    routers = (
        intake_router, gazetteer_router, shapes_router, incidents_router, risk_router, jobs_router, people_router,
        auth_router, dashboard_router,
    )
    for router in routers:
        app.include_router(router, prefix="/api", dependencies=signed_in)
    app.include_router(review_router, prefix="/api", dependencies=signed_in)  # incident review (operators)
    app.include_router(risk_levels_router, prefix="/api", dependencies=signed_in)  # the risk picture
    from vedette.alerts.api import install as install_alerts  # rules, alerts, outbox, feeds, callbacks

    install_alerts(app, signed_in)
    from vedette.alerts.accountability_api import router as accountability_router  # check-ins, ladder, alarms

    app.include_router(accountability_router, prefix="/api", dependencies=signed_in)
    app.include_router(pages_router)
    document_edge_errors(app)  # 400 on every operation, 413 on every one with a body (web/limits.py)
    return app
