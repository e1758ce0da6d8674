"""Family pages: home (goals, cohort, invitations, help, consent) and peer suggestions.

Every page and form is a GraphQL operation run as the signed-in family (``web/gql.py``).
Forms post normally (they work without JavaScript) and answer with a redirect to the page;
htmx (``hx-boost``) only makes that faster.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Role
from graph_service.web import gql
from graph_service.web.guard import N_, family_post, form_of, signed_in
from graph_service.web.render import render
from models import vocabulary

router = APIRouter(prefix="/app/family")

HOME = """
query Home {
  me {
    id name languages region { id name }
    goals { goal { id label } status since achievedAt description }
    cohort { id name memberCount members { id name } }
    consent { matching crossRegion research }
    memberships { status since cohort { id name memberCount } invitedBy { id name } }
    helpGiven(first: 100) { totalCount edges { node {
      id kind at hours amount confirmed receiver { id name } } } }
    helpReceived(first: 100) { totalCount edges { node {
      id kind at hours amount confirmed giver { id name } } } }
  }
}
"""
# Who to offer in the help and invitation forms (a separate operation: a family that did
# not consent to matching gets an error here, and the home page still shows).
SUGGESTED = "{ peerMatches(first: 10, includeCohort: false) { peer { id name } } }"

PEERS = """
query Peers($scope: MatchScope!) {
  me { id name languages cohort { id memberCount } }
  peerSuggestions(first: 10, scope: $scope) {
  shortfall { code text }
  matches {
    score
    peer { id name region { name } strengths needs goals { goal { label } status } }
    reasons {
      __typename
      ... on SharedGoalsReason { goals { label } }
      ... on ComplementaryStrengthsReason { theirStrengthsMeetingMyNeeds myStrengthsMeetingTheirNeeds }
      ... on RoleModelReason { goal { label } achievedAt }
      ... on TrustProximityReason { commonNeighbours viaHelp viaCohort }
      ... on SimilarSituationReason { similarHousehold sharedLanguages }
    }
  }
  }
}
"""

NOTICES = {
    "help": N_("Thank you: the help is recorded. The other family will be asked to confirm it."),
    "confirmed": N_("Confirmed. Thank you."),
    "accepted": N_("Welcome to your cohort!"),
    "declined": N_("You declined the invitation."),
    "consent": N_("Your consent is saved."),
    "invited": N_("Your invitation is sent."),
}


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


async def home(request: Request, problems: list[gql.Problem] | None = None) -> Response:
    who = await signed_in(request, Role.FAMILY)
    if isinstance(who, Response):
        return who
    answer = await gql.run(request, who, HOME)
    me = answer.data.get("me")
    if me is None:
        return await render(request, "error.html", problems=answer.problems, status_code=404)
    settings = request.app.state.settings
    cohort_ids = {m["id"] for m in (me["cohort"] or {}).get("members", [])}
    suggested = await gql.run(request, who, SUGGESTED)
    peers = [p["peer"] for p in suggested.data.get("peerMatches") or [] if p["peer"]]
    known = {m["id"]: m for m in (me["cohort"] or {}).get("members", []) if m["id"] != me["id"]}
    for peer in peers:
        known.setdefault(peer["id"], peer)
    return await render(
        request,
        "family.html",
        status_code=400 if problems else 200,
        family_languages=tuple(me["languages"]),
        me=me,
        problems=(problems or []) + answer.problems,
        notice=NOTICES.get(request.query_params.get("done", "")),
        invitations=[m for m in me["memberships"] if m["status"] == "INVITED" and m["cohort"]],
        given=list(reversed(_nodes(me["helpGiven"]))),
        received=list(reversed(_nodes(me["helpReceived"]))),
        helpable=list(known.values()),
        invitable=[p for p in peers if p["id"] not in cohort_ids],
        help_kinds=list(vocabulary().help_kinds.items()),
        today=date.today().isoformat(),
        full_size=settings.cohort_full_size,
        invitations_per_member=settings.invitations_per_member,
    )


@router.get("")
async def family_home(request: Request) -> Response:
    return await home(request)


async def _mutate(
    request: Request, mutation: str, variables: dict[str, Any], done: str
) -> Response:
    return await family_post(request, mutation, variables, home, f"/app/family?done={done}")


def _number(value: str | None) -> float | None:
    """A form number; empty means not given. Not a number is left to the API to refuse."""
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        return float("nan")


@router.post("/help")
async def record_help(request: Request) -> Response:
    form = await form_of(request)
    hours, amount = _number(form.get("hours")), _number(form.get("amount"))
    if any(v is not None and v != v for v in (hours, amount)):  # NaN: not a number
        field = "hours" if hours is not None and hours != hours else "amount"
        problem = gql.Problem("BAD_USER_INPUT", "must be a number", field)
        return await home(request, [problem])
    values: dict[str, Any] = {"toId": form.get("to_id", ""), "kind": form.get("kind", "")}
    if form.get("at"):
        values["at"] = form["at"]
    if hours is not None:
        values["hours"] = hours
    if amount is not None:
        values["amount"] = amount
    return await _mutate(
        request,
        "mutation($i: RecordHelpInput!) { recordHelp(input: $i) { id } }",
        {"i": values},
        "help",
    )


@router.post("/help/{help_id}/confirm")
async def confirm_help(request: Request, help_id: str) -> Response:
    return await _mutate(
        request, "mutation($h: ID!) { confirmHelp(helpId: $h) { id } }", {"h": help_id}, "confirmed"
    )


@router.post("/invitations/{cohort_id}/{answer}")
async def answer_invitation(request: Request, cohort_id: str, answer: str) -> Response:
    if answer not in ("accept", "decline"):
        return Response(status_code=404)
    field = "acceptInvitation" if answer == "accept" else "declineInvitation"
    return await _mutate(
        request,
        f"mutation($c: ID!) {{ {field}(cohortId: $c) {{ status }} }}",
        {"c": cohort_id},
        "accepted" if answer == "accept" else "declined",
    )


@router.post("/consent")
async def update_consent(request: Request) -> Response:
    form = await form_of(request)
    flags = {
        "matching": form.get("matching") == "yes",
        "crossRegion": form.get("cross_region") == "yes",
        "research": form.get("research") == "yes",
    }
    return await _mutate(
        request,
        "mutation($c: ConsentInput!) { updateConsent(input: $c) { id } }",
        {"c": flags},
        "consent",
    )


@router.post("/invite")
async def invite(request: Request) -> Response:
    form = await form_of(request)
    return await _mutate(
        request,
        "mutation($c: ID!, $f: ID!) { inviteFamily(cohortId: $c, familyId: $f) { status } }",
        {"c": form.get("cohort_id", ""), "f": form.get("family_id", "")},
        "invited",
    )


@router.get("/peers")
async def peers(request: Request) -> Response:
    who = await signed_in(request, Role.FAMILY)
    if isinstance(who, Response):
        return who
    scope = request.query_params.get("scope", "SAME_REGION")
    if scope not in ("SAME_REGION", "OTHER_REGIONS"):
        scope = "SAME_REGION"
    answer = await gql.run(request, who, PEERS, {"scope": scope})
    if answer.data.get("me") is None:  # peerMatches refused: the rest of the page still shows
        answer = gql.Answer(
            (
                await gql.run(
                    request, who, "{ me { id name languages cohort { id memberCount } } }"
                )
            ).data,
            answer.problems,
        )
    me = answer.data.get("me") or {}
    suggestions = answer.data.get("peerSuggestions") or {}
    return await render(
        request,
        "peers.html",
        family_languages=tuple(me.get("languages", ())),
        me=me,
        scope=scope,
        matches=[m for m in suggestions.get("matches") or [] if m["peer"]],
        shortfall=suggestions.get("shortfall") or [],
        not_consented=any(p.code == "FORBIDDEN" for p in answer.problems),
        problems=[p for p in answer.problems if p.code != "FORBIDDEN"],
    )


KEEP = """
query Keep($e: Float) {
  me { id name languages }
  whatIWouldKeep(earnings: $e) {
    state policyYear model earningsNow
    points { earnings netIncome marginalRate }
    cliffs { fromEarnings toEarnings netIncomeLost causes { program label change } }
  }
}
"""


@router.get("/keep")
async def what_i_would_keep(request: Request) -> Response:
    """What I would keep as my earnings rise: facts from the tax-benefit model, no advice."""
    who = await signed_in(request, Role.FAMILY)
    if isinstance(who, Response):
        return who
    earnings = _number(request.query_params.get("earnings"))
    answer = await gql.run(request, who, KEEP, {"e": earnings})
    if answer.data.get("me") is None:  # the view was refused or failed: the page still shows
        answer = gql.Answer(
            (await gql.run(request, who, "{ me { id name languages } }")).data, answer.problems
        )
    me = answer.data.get("me") or {}
    view = answer.data.get("whatIWouldKeep")
    points = (view or {}).get("points") or []
    return await render(
        request,
        "keep.html",
        family_languages=tuple(me.get("languages", ())),
        me=me,
        view=view,
        rows=points[::5] + ([points[-1]] if points and (len(points) - 1) % 5 else []),
        earnings=earnings,
        problems=answer.problems,
    )
