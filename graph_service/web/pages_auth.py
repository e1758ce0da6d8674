"""Sign-in with a one-time code, sign-out, the language switch, and issuing codes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.api.context import in_thread
from graph_service.auth import Role
from graph_service.errors import DomainError
from graph_service.services import signin
from graph_service.web import gql, i18n
from graph_service.web.guard import N_, csrf_refused, form_of, redirect, signed_in
from graph_service.web.render import render
from graph_service.web.session import caller, end_session, secure_cookies, start_session

router = APIRouter(prefix="/app")

START = {
    Role.FAMILY: "/app/family",
    Role.ORGANIZER: "/app/organizer",
    Role.ADMIN: "/app/organizer",
    Role.RESEARCHER: "/app/research",
    Role.STAFF: "/app/staff",
}


@router.get("/")
async def start(request: Request) -> Response:
    who = await caller(request)
    if who.principal is None:
        return redirect("/app/sign-in")
    return redirect(START[who.principal.role])


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    return await render(request, "signin.html")


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    refused = await csrf_refused(request)
    if refused is not None:
        return refused
    form = await form_of(request)
    try:
        session = await in_thread(
            signin.redeem_code,
            request.app.state.store,
            request.app.state.settings,
            form.get("code", "")[:100],
        )
    except DomainError as error:
        message = N_("This code is not valid, was used already or has expired.")
        if error.code != "UNAUTHENTICATED":
            message = N_("Signing in is not possible right now. Please try again later.")
        return await render(
            request, "signin.html", status_code=401, code_error=_translated(request, message)
        )
    response = redirect(START[session.principal.role])
    start_session(request, response, session)
    return response


def _translated(request: Request, text: str) -> str:
    lang = i18n.choose(request.cookies.get(i18n.COOKIE), (), request.headers.get("accept-language"))
    return i18n.translations(lang).gettext(text)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    refused = await csrf_refused(request)
    if refused is not None:
        return refused
    who = await caller(request)
    await in_thread(
        signin.end_session, request.app.state.store, request.app.state.settings, who.token
    )
    response = redirect("/app/sign-in")
    end_session(response)
    return response


@router.get("/lang/{lang}")
async def switch_language(request: Request, lang: str) -> Response:
    target = request.query_params.get("next", "/app/")
    if not target.startswith("/app") or target.startswith("//"):
        target = "/app/"
    response = redirect(target)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=secure_cookies(request.app.state.settings),
            path="/",
        )
    return response


ISSUE = """
mutation($i: IssueSignInCodeInput!) {
  issueSignInCode(input: $i) { code role subject regions expiresAt }
}
"""


@router.get("/codes")
async def codes_page(request: Request) -> Response:
    who = await signed_in(request, Role.ADMIN, Role.ORGANIZER)
    if isinstance(who, Response):
        return who
    return await render(request, "codes.html", issued=None)


@router.post("/codes")
async def issue_code(request: Request) -> Response:
    who = await signed_in(request, Role.ADMIN, Role.ORGANIZER, post=True)
    if isinstance(who, Response):
        return who
    form = await form_of(request)
    role = form.get("role", "family") if who.role is Role.ADMIN else "family"
    regions = [r.strip() for r in form.get("regions", "").split(",") if r.strip()]
    variables = {
        "i": {"role": role.upper(), "subject": form.get("subject", "").strip(), "regions": regions}
    }
    answer = await gql.run(request, who, ISSUE, variables)
    return await render(
        request,
        "codes.html",
        status_code=200 if answer.ok else 400,
        issued=answer.data.get("issueSignInCode"),
        problems=answer.problems,
        form=form,
    )
