"""The family's introductions: asked for (from the peers page) and asked about, with accept,
decline and withdraw. Each is a GraphQL operation as the signed-in family (``web/gql.py``);
contact details appear only while an introduction is accepted (the API decides)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Role
from graph_service.web import gql
from graph_service.web.guard import N_, family_post, form_of, signed_in
from graph_service.web.render import render

router = APIRouter(prefix="/app/family/introductions")

LIST = """
query Introductions {
  me { id name languages }
  introductions { id status direction requestedOn answeredOn myContact theirContact
    family { id name region { name } } }
}
"""

STATUSES = {
    "REQUESTED": N_("Waiting for an answer"),
    "ACCEPTED": N_("Accepted"),
    "DECLINED": N_("Declined"),
    "WITHDRAWN": N_("Withdrawn"),
}
NOTICES = {
    "requested": N_("Your request is sent. Nothing is shared until they agree."),
    "accepted": N_("You accepted: you can now see each other's contact detail."),
    "declined": N_("You declined. Nothing was shared."),
    "withdrawn": N_("Withdrawn. The contact details are hidden again."),
}


async def page(request: Request, problems: list[gql.Problem] | None = None) -> Response:
    who = await signed_in(request, Role.FAMILY)
    if isinstance(who, Response):
        return who
    answer = await gql.run(request, who, LIST)
    me = answer.data.get("me") or {}
    found: list[dict[str, Any]] = list(reversed(answer.data.get("introductions") or []))
    return await render(
        request,
        "introductions.html",
        status_code=400 if problems else 200,
        family_languages=tuple(me.get("languages", ())),
        me=me,
        problems=(problems or []) + answer.problems,
        notice=NOTICES.get(request.query_params.get("done", "")),
        received=[i for i in found if i["direction"] == "RECEIVED"],
        sent=[i for i in found if i["direction"] == "SENT"],
        statuses=STATUSES,
    )


@router.get("")
async def introductions(request: Request) -> Response:
    return await page(request)


async def _mutate(
    request: Request, mutation: str, variables: dict[str, Any], done: str
) -> Response:
    return await family_post(
        request, mutation, variables, page, f"/app/family/introductions?done={done}"
    )


def _contact(form: dict[str, str]) -> str | None:
    contact = form.get("contact", "").strip()
    return contact or None


@router.post("")
async def request_introduction(request: Request) -> Response:
    form = await form_of(request)
    return await _mutate(
        request,
        "mutation($t: ID!, $c: String) { requestIntroduction(input: {toId: $t, contact: $c}) "
        "{ id } }",
        {"t": form.get("to_id", ""), "c": _contact(form)},
        "requested",
    )


@router.post("/{introduction_id}/{action}")
async def act(request: Request, introduction_id: str, action: str) -> Response:
    form = await form_of(request)
    if action == "accept":
        mutation = (
            "mutation($i: ID!, $c: String) { acceptIntroduction(id: $i, contact: $c) { id } }"
        )
        variables: dict[str, Any] = {"i": introduction_id, "c": _contact(form)}
        done = "accepted"
    elif action in ("decline", "withdraw"):
        mutation = f"mutation($i: ID!) {{ {action}Introduction(id: $i) {{ id }} }}"
        variables = {"i": introduction_id}
        done = "declined" if action == "decline" else "withdrawn"
    else:
        return Response(status_code=404)
    return await _mutate(request, mutation, variables, done)
