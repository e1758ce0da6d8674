"""Pictures over HTTP, for people who would rather look than read.

``GET /pictures/ripple/{rootId}.png|svg?colorBy=generation|region`` — a cascade tree;
``GET /pictures/growth/{regionId}.png|svg`` — monthly joins and the cumulative curve
(``all`` for the whole program); ``GET /pictures/regions.png|svg`` — the region graph. The same bearer token (or, in a browser, the web app's session cookie) and the same rules as the GraphQL
fields (``ripple``, ``rippleSummary``) apply; errors come back as JSON with a ``code``. The
pictures' texts follow the ``Accept-Language`` header, else the calling family's languages,
else English (:func:`graph_service.i18n.negotiate`, as the GraphQL answers).
"""

from __future__ import annotations

from types import ModuleType
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from graph_service.analytics.ripple import DEFAULT_WINDOW_DAYS
from graph_service.api.context import in_thread
from graph_service.auth import Principal, principal_from_header
from graph_service.errors import DomainError
from graph_service.i18n import negotiate, translate
from graph_service.readmodel.graph import ripple_graph
from graph_service.services import regions as regions_service
from graph_service.services import ripple as ripple_service
from graph_service.services.analysis import live, network_graph
from graph_service.settings import Settings

# The plotting modules (matplotlib) are imported by the first picture request, not at start-up:
# importing matplotlib takes about a second, and /health should answer before that.

router = APIRouter(prefix="/pictures", tags=["pictures"])
MEDIA = {"png": "image/png", "svg": "image/svg+xml"}
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "UNAVAILABLE": 503}


async def _principal(request: Request) -> Principal | None:
    """The bearer token's principal; without a header, the web app's session (cookie)."""
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization")
    if header:
        return principal_from_header(settings, header)
    from graph_service.web.session import principal_from_cookie

    return await principal_from_cookie(request)


async def _locale(request: Request, principal: Principal | None) -> str:
    """The pictures' language: ``Accept-Language``, else the calling family's languages."""
    languages: tuple[str, ...] = ()
    family_id = principal.family_id if principal is not None else None
    if family_id is not None:
        try:
            found = await in_thread(request.app.state.store.get_families, [family_id])
        except Exception:  # the language is a nicety: never fail a picture over it
            found = {}
        family = found.get(family_id)
        languages = tuple(family.languages) if family is not None else ()
    return negotiate(
        accept_language=request.headers.get("accept-language"), family_languages=languages
    )


def _error(error: DomainError) -> JSONResponse:
    body = {"code": error.code, "message": error.message, "field": error.field}
    return JSONResponse(body, status_code=STATUS.get(error.code, 400))


@router.get("/ripple/{root_id}.{fmt}")
async def ripple_picture(
    request: Request,
    root_id: str,
    fmt: Literal["png", "svg"],
    color_by: Literal["generation", "region"] = "generation",
) -> Response:
    store = request.app.state.store
    try:
        principal = await _principal(request)
        # Same access rule as the GraphQL field (raises if the caller may not see it).
        await in_thread(ripple_service.cascade, store, principal, root_id, DEFAULT_WINDOW_DAYS)
        graph = await in_thread(lambda: ripple_graph(live(store), [root_id]))
        locale = await _locale(request, principal)
        image = await in_thread(
            lambda: _ripple_plot().cascade_tree_png(
                graph, root_id, color_by=color_by, format=fmt, locale=locale
            )
        )
    except DomainError as error:
        return _error(error)
    return Response(image, media_type=MEDIA[fmt])


@router.get("/growth/{region_id}.{fmt}")
async def growth_picture(request: Request, region_id: str, fmt: Literal["png", "svg"]) -> Response:
    store = request.app.state.store
    region = None if region_id == "all" else region_id
    try:
        principal = await _principal(request)
        summary = (
            await in_thread(
                ripple_service.summary,
                store,
                principal,
                region,
                None,
                None,
                DEFAULT_WINDOW_DAYS,
                10,
            )
        ).value
        locale = await _locale(request, principal)
        place = region or translate(locale, "picture.growth.all_regions")
        title = translate(locale, "picture.growth.title_region", region=place)
        image = await in_thread(
            lambda: _ripple_plot().growth_curve_png(summary, title=title, format=fmt, locale=locale)
        )
    except DomainError as error:
        return _error(error)
    return Response(image, media_type=MEDIA[fmt])


@router.get("/regions.{fmt}")
async def regions_picture(request: Request, fmt: Literal["png", "svg"]) -> Response:
    """The region graph on a map-like layout (organizers and admins)."""
    store = request.app.state.store
    try:
        principal = await _principal(request)
        graph_of_regions = (await in_thread(regions_service.regions_graph, store, principal)).value
        regions_info = (
            await in_thread(lambda: network_graph(store, help_edges=False))
        ).value.graph["regions"]
        region_plot = _region_plot()
        render = region_plot.region_graph_png if fmt == "png" else region_plot.region_graph_svg
        locale = await _locale(request, principal)
        image = await in_thread(render, graph_of_regions, regions_info, locale)
    except DomainError as error:
        return _error(error)
    return Response(image, media_type=MEDIA[fmt])


def _ripple_plot() -> ModuleType:
    from graph_service.pictures import ripple_plot

    return ripple_plot


def _region_plot() -> ModuleType:
    from graph_service.pictures import region_plot

    return region_plot
