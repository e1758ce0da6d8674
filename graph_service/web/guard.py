"""Page guards: signed in, the right role, a valid CSRF token on every POST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from graph_service.auth import Principal, Role
from graph_service.web import gql
from graph_service.web.session import caller, csrf_valid


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark for translation"
    """Mark a text for the catalogues; it is translated where it is shown."""
    return text


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def form_of(request: Request) -> dict[str, str]:
    """The posted form's text fields (read once per request)."""
    cached = getattr(request.state, "form", None)
    if isinstance(cached, dict):
        return cached
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    request.state.form = fields
    return fields


async def csrf_refused(request: Request) -> Response | None:
    """``None`` if the POST carries the caller's CSRF token, else a 403 page."""
    who = await caller(request)
    form = await form_of(request)
    if csrf_valid(request, who, form.get("csrf")):
        return None
    from graph_service.web.render import render

    return await render(request, "error.html", status_code=403, forbidden_form=True)


async def signed_in(request: Request, *roles: Role, post: bool = False) -> Principal | Response:
    """The caller's principal if it has one of ``roles``; else the sign-in page or a 403."""
    who = await caller(request)
    if post:
        refused = await csrf_refused(request)
        if refused is not None:
            return refused
    if who.principal is None:
        return redirect("/app/sign-in")
    if roles and who.principal.role not in roles:
        from graph_service.web.render import render

        return await render(request, "error.html", status_code=403, wrong_role=True)
    return who.principal


async def family_post(
    request: Request,
    mutation: str,
    variables: dict[str, Any],
    page: Callable[[Request, list[gql.Problem]], Awaitable[Response]],
    done_url: str,
) -> Response:
    """A family's form post: run ``mutation``; on problems show ``page`` again with them,
    otherwise go to ``done_url``."""
    who = await signed_in(request, Role.FAMILY, post=True)
    if isinstance(who, Response):
        return who
    answer = await gql.run(request, who, mutation, variables)
    if not answer.ok:
        return await page(request, answer.problems)
    return redirect(done_url)
