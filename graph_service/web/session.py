"""Who is at the browser: the session cookie, the CSRF token of its forms, the language.

- ``gs_session``: the session token (HttpOnly, SameSite=Lax, Secure when configured); the
  store keeps only its hash (``graph_service/services/signin.py``).
- ``gs_pre``: a random value before sign-in (HttpOnly, SameSite=Strict) that the sign-in
  form's CSRF token is bound to.
- Every form carries ``csrf``, an HMAC of the session (or pre-session) value; a POST without
  the right one is refused with 403 and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from graph_service.api.context import in_thread
from graph_service.auth import Principal
from graph_service.services import signin
from graph_service.settings import Mode, Settings

SESSION_COOKIE = "gs_session"
PRE_COOKIE = "gs_pre"


@dataclass(frozen=True)
class Caller:
    principal: Principal | None
    token: str | None  # the session token, if signed in
    pre: str  # the pre-session value (new if the browser had none)
    pre_is_new: bool

    @property
    def csrf_seed(self) -> str:
        return self.token or self.pre


def secure_cookies(settings: Settings) -> bool:
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return settings.mode is Mode.PRODUCTION


async def caller(request: Request) -> Caller:
    """The caller of a page request (cached on the request)."""
    cached = getattr(request.state, "caller", None)
    if isinstance(cached, Caller):
        return cached
    settings: Settings = request.app.state.settings
    token = request.cookies.get(SESSION_COOKIE)
    principal = None
    if token:
        principal = await in_thread(
            signin.session_principal, request.app.state.store, settings, token
        )
    pre = request.cookies.get(PRE_COOKIE) or ""
    fresh = not (16 <= len(pre) <= 100)
    if fresh:
        pre = secrets.token_urlsafe(24)
    found = Caller(principal, token if principal else None, pre, fresh)
    request.state.caller = found
    return found


async def principal_from_cookie(request: Request) -> Principal | None:
    """For other transports (pictures): the session's principal, or ``None``."""
    return (await caller(request)).principal


def csrf_for(request: Request, who: Caller) -> str:
    return signin.csrf_token(request.app.state.settings, who.csrf_seed)


def csrf_valid(request: Request, who: Caller, submitted: str | None) -> bool:
    if who.pre_is_new and who.token is None:
        return False  # a form posted without the cookie it was made for
    return signin.csrf_ok(request.app.state.settings, who.csrf_seed, submitted)


def set_cookies(request: Request, response: Response, who: Caller) -> None:
    """Keep the pre-session cookie (set once) on every page response."""
    if who.pre_is_new:
        response.set_cookie(
            PRE_COOKIE,
            who.pre,
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request.app.state.settings),
            path="/app",
        )


def start_session(request: Request, response: Response, session: signin.Session) -> None:
    settings: Settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
        path="/",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
