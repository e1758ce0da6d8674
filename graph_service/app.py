"""The FastAPI application: ``/graphql`` (Strawberry), ``/health``, picture endpoints, and
the web app (``/app``, ``graph_service/web``).

``create_app()`` builds the app; the lifespan opens the configured store once per process
(one Neo4j driver) unless a store is passed in (tests pass theirs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from graph_service.api.context import Context, in_thread
from graph_service.api.errors import coded
from graph_service.api.http_guard import GraphQLGuard
from graph_service.api.pictures import router as pictures_router
from graph_service.api.schema import build_schema
from graph_service.auth import check_production_secret, principal_from_header
from graph_service.errors import DomainError
from graph_service.i18n import negotiate
from graph_service.readmodel import ReadModel, attach_read_model
from graph_service.settings import Mode, Settings, get_settings
from graph_service.store_factory import create_store
from graph_service.stores.base import GraphStore
from graph_service.taxben.policyengine import start_model_preload
from graph_service.web import install as install_web
from graph_service.web.ides import add_docs, offline_graphiql
from models import extend_vocabulary

log = logging.getLogger("graph_service")


def _try_open(app: FastAPI) -> None:
    """Open the store (create its schema) if it answers. A store that is down at start-up
    does not stop the service: requests answer UNAVAILABLE until it is back, and the first
    request after that opens it."""
    try:
        app.state.store.open()
    except DomainError as error:
        log.warning("store not ready yet (%s); will retry on the next request", error.message)
        return
    app.state.store_opened = True


async def ensure_store_open(app: FastAPI) -> None:
    """Open the store now if it was down at start-up (see :func:`_try_open`)."""
    if not app.state.store_opened:
        await in_thread(_try_open, app)


class CodedRouter(GraphQLRouter[Context, None]):
    """Strawberry's router plus a final pass that gives every error an ``extensions.code``."""

    hide_suggestions = False

    @property
    def graphql_ide_html(self) -> str:
        # GraphiQL with its scripts served by this service (offline; see web/ides.py).
        return offline_graphiql(super().graphql_ide_html)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            context: Context | None = getattr(request.state, "graphql_context", None)
            if context is not None:
                locale = await context.locale()
            else:  # refused before a context existed (a parse error, a token limit)
                locale = negotiate(accept_language=request.headers.get("accept-language"))
            result.errors = coded(
                result.errors, hide_suggestions=self.hide_suggestions, locale=locale
            )
        return await super().process_result(request, result)


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_production_secret(settings)
    extend_vocabulary(
        goal_categories=settings.extra_goal_categories,
        help_kinds=settings.extra_help_kinds,
        skills=settings.extra_skills,
    )
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store if store is not None else create_store(settings)
        app.state.store_opened = not owns_store
        if owns_store:
            await in_thread(_try_open, app)
        # The live read model: built in the background (requests that need it wait up to
        # background_wait_s while it loads; /health never waits), then it follows the store's
        # change feed, so writes made by other processes reach this one within feed_poll_s.
        model = ReadModel(
            app.state.store,
            poll_s=settings.feed_poll_s,
            wait_s=settings.background_wait_s,
            snapshot=settings.snapshot_path if owns_store else None,
            snapshot_every_s=settings.readmodel_snapshot_s,
        )
        attach_read_model(app.state.store, model)
        app.state.read_model = model
        model.start(follow=True, background=True)
        if settings.cliff_preload:
            start_model_preload()
        try:
            yield
        finally:
            model.stop()
            if owns_store:
                app.state.store.close()

    production = settings.mode is Mode.PRODUCTION
    app = FastAPI(
        title="Peer-network graph service",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by web.ides.add_docs with local assets (not in production)
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings
    if store is not None:
        app.state.store = store

    async def context_getter(request: Request) -> Context:
        await ensure_store_open(request.app)
        principal = None
        auth_error: Exception | None = None
        try:
            principal = principal_from_header(settings, request.headers.get("authorization"))
        except DomainError as error:
            auth_error = error
        context = Context(
            request.app.state.store,
            settings,
            principal,
            auth_error,
            accept_language=request.headers.get("accept-language"),
        )
        request.state.graphql_context = context  # errors are worded in its locale()
        return context

    schema = build_schema(settings)
    app.state.schema = schema  # the web pages execute the same schema in process
    router = CodedRouter(
        schema,
        context_getter=context_getter,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=not production,
    )
    router.hide_suggestions = production
    app.include_router(router, prefix="/graphql")
    app.include_router(pictures_router)
    if not production:
        add_docs(app)
    install_web(app)

    health_state = HealthProbe()

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        """Answers within ~100 ms whatever else runs: the store is pinged on a thread of its
        own, and a ping that takes longer reports the last known answer. No data version or
        other detail of the data is shown."""
        current: GraphStore = request.app.state.store
        reachable = await health_state.reachable(current)
        body: dict[str, Any] = {
            "status": "ok" if reachable else "unavailable",
            "store": current.name,
            "storeReachable": reachable,
        }
        model: ReadModel | None = getattr(request.app.state, "read_model", None)
        if model is not None:
            body["readModel"] = "ready" if model.ready else "loading"
        return JSONResponse(body, status_code=200 if reachable else 503)

    app.add_middleware(GraphQLGuard, settings=settings)
    return app


class HealthProbe:
    """Store pings on a dedicated thread, never waiting more than ``budget_s`` for one."""

    def __init__(self, budget_s: float = 0.08) -> None:
        self.budget_s = budget_s
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health")
        self.last = True
        self.pending: asyncio.Future[bool] | None = None

    async def reachable(self, store: GraphStore) -> bool:
        loop = asyncio.get_running_loop()
        if self.pending is None or self.pending.done():
            self.pending = loop.run_in_executor(self.pool, store.ping)
        with contextlib.suppress(TimeoutError):  # still pinging: report the last answer
            self.last = await asyncio.wait_for(asyncio.shield(self.pending), self.budget_s)
        return self.last
