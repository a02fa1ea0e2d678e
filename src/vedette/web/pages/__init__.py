"""Server-rendered pages of the operations dashboard (Jinja2); each has a JSON twin in the API.

Pages call the same services the API calls. Signed-out visitors are sent to /login; every action a page
offers is refused by the API as well when the role may not do it (the page only hides what it can't do).
"""

from __future__ import annotations

from fastapi import APIRouter

from vedette.web.pages import admin, alerts, auth, dashboard, intel, people

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(dashboard.router)
router.include_router(intel.router)
router.include_router(people.router)
router.include_router(admin.router)
router.include_router(alerts.router)  # alerts, accountability; public check-in and enrolment pages
