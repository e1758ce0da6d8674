"""GraphiQL and the OpenAPI docs with their assets served by the service (no CDN).

Strawberry's GraphiQL page names its scripts on a public CDN (with subresource-integrity
hashes); the same files, from the same npm packages, are vendored under
``graph_service/web/static/vendor/<package>@<version>/`` and the page points there, keeping
the integrity hashes (so a wrong file would not load). Swagger UI for ``/docs`` likewise.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

CDN = "https://unpkg.com/"
VENDOR = "/static/vendor/"
SWAGGER = "/static/vendor/swagger-ui-dist@5.35.0/"


def offline_graphiql(html: str) -> str:
    """Strawberry's GraphiQL page with every CDN address replaced by the vendored copy."""
    local = html.replace(CDN, VENDOR)
    leftover = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", local)
    if leftover:
        raise RuntimeError(f"GraphiQL asset not vendored: {leftover[0]}")
    return local


def add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the vendored ``swagger-ui-dist``."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} · API docs",
            swagger_js_url=SWAGGER + "swagger-ui-bundle.js",
            swagger_css_url=SWAGGER + "swagger-ui.css",
            swagger_favicon_url=SWAGGER + "favicon-32x32.png",
        )
