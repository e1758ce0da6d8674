"""Pages ask the same GraphQL schema as API clients, in process, as the signed-in person.

No second back end: every read and write of a page is a GraphQL operation executed by the
app's own Strawberry schema with a :class:`~graph_service.api.context.Context` for the
session's principal, so the access policy, the limits and the error codes are the API's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from graph_service.api.context import Context
from graph_service.api.errors import coded
from graph_service.auth import Principal, Role
from graph_service.web.i18n import COOKIE


@dataclass(frozen=True)
class Problem:
    """One error of an operation, as the API reports it."""

    code: str
    message: str
    field: str | None = None


@dataclass
class Answer:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_for(self, name: str) -> Problem | None:
        return next((p for p in self.problems if p.field == name), None)


async def run(
    request: Request,
    principal: Principal | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> Answer:
    """Execute ``query`` as ``principal``; errors come back coded, never raised."""
    app = request.app
    if not app.state.store_opened:
        from graph_service.app import ensure_store_open

        await ensure_store_open(app)
    # Texts the API words (match reasons, explanations, errors) in the page language: the
    # language picked with the switch, else (for a family) its own languages.
    picked = request.cookies.get(COOKIE)
    if picked is None and (principal is None or principal.role is not Role.FAMILY):
        picked = request.headers.get("accept-language")
    context = Context(app.state.store, app.state.settings, principal, accept_language=picked)
    result = await app.state.schema.execute(
        query, variable_values=variables or {}, context_value=context
    )
    problems = []
    locale = await context.locale() if result.errors else "en"
    for error in coded(list(result.errors or []), hide_suggestions=True, locale=locale):
        ext = error.extensions or {}
        problems.append(Problem(str(ext.get("code", "")), error.message, ext.get("field")))
    return Answer(dict(result.data or {}), problems)
