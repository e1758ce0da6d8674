"""The web app for families, organizers, staff, researchers and admins, served by the service.

Server-rendered pages (Jinja2) with a light touch of htmx (vendored), under ``/app``; assets
under ``/static``. Pages run GraphQL operations on the app's own schema as the signed-in
person (``gql.py``), so the access policy is the API's. Sign-in is a one-time code that starts
a cookie session (``session.py``, ``services/signin.py``). English and Spanish from gettext
catalogues (``i18n.py``, ``locale/``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(str(resources.files(__package__).joinpath("static")))


def install(app: FastAPI) -> None:
    """Mount the pages and the static assets on ``app``."""
    from graph_service.web import (
        pages_auth,
        pages_family,
        pages_introductions,
        pages_journal,
        pages_organizer,
        pages_research,
        pages_staff,
    )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages = (pages_auth, pages_family, pages_introductions, pages_journal, pages_organizer)
    for module in (*pages, pages_research, pages_staff):
        app.include_router(module.router, include_in_schema=False)

    @app.get("/app", include_in_schema=False)
    async def app_root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=307)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/app/", status_code=307)
