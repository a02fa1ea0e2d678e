"""The web face: FastAPI app, routers per domain, server-rendered pages, local static assets."""
