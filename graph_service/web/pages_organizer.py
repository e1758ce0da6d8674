"""Organizer pages: the region at a glance, cohort proposals, bridge suggestions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Principal, Role
from graph_service.web import gql
from graph_service.web.guard import form_of, signed_in
from graph_service.web.render import render

router = APIRouter(prefix="/app/organizer")

OVERVIEW = """
query Overview($r: ID!) {
  families(filter: {regionId: $r}, first: 1) { totalCount }
  cohorts(regionId: $r, first: 100) { edges { node { id name status memberCount origin } } }
  rippleSummary(regionId: $r) {
    families cascades reproductionNumber invitedShare growthPictureUrl
    asOf { computedAt stale }
    largestCascades { size depth structuralVirality root { id name } }
  }
  regionGraph {
    pictureUrl
    regions { id families internalTies externalTies eiIndex }
    links { regionA regionB help referral cohortTies ties }
  }
}
"""

PROPOSE = """
mutation($i: ProposeCohortsInput!) {
  proposeCohorts(input: $i) {
    id regionId
    quality { cohorts meanGoalSimilarity tiesKeptShare tiesTotal needsCoveredShare sizesValid }
    leftOver { familyId explanation family { name } }
    cohorts {
      cohort { id name }
      members { id name }
      rationale { sharedGoals { goal count } tiesKept needsMet { goal count } commonLanguages summary }
    }
  }
}
"""

STORED = """
query Stored($r: ID!) {
  cohortProposals(regionId: $r) {
    id status createdAt poolSize replacedBy
    quality { cohorts }
    cohorts { invitations { status } }
  }
}
"""

WITHDRAW = """
mutation($id: ID!) { withdrawCohortProposal(id: $id) { id status } }
"""

POOL = """
query Pool($r: ID!) {
  families(filter: {regionId: $r}, first: 100) {
    totalCount edges { node { id name cohort { id } consent { matching }
      memberships { status cohort { id name } } } }
  }
}
"""

BRIDGES = """
query Bridges($a: ID!, $b: ID!) {
  suggestBridges(regionA: $a, regionB: $b, first: 10) {
    score
    familyA { id name } familyB { id name }
    reasonsForA { __typename ... on SharedGoalsReason { goals { label } }
      ... on ComplementaryStrengthsReason { theirStrengthsMeetingMyNeeds }
      ... on RoleModelReason { goal { label } } }
  }
}
"""


async def served_regions(request: Request, who: Principal) -> list[dict[str, Any]]:
    answer = await gql.run(request, who, "{ regions { id name } }")
    regions: list[dict[str, Any]] = answer.data.get("regions") or []
    if who.role is Role.ADMIN:
        return regions
    return [r for r in regions if r["id"] in who.regions]


def _pick(request: Request, regions: list[dict[str, Any]], name: str = "region") -> str | None:
    wanted = request.query_params.get(name)
    ids = [r["id"] for r in regions]
    return wanted if wanted in ids else (ids[0] if ids else None)


@router.get("")
async def overview(request: Request) -> Response:
    who = await signed_in(request, Role.ORGANIZER, Role.ADMIN)
    if isinstance(who, Response):
        return who
    regions = await served_regions(request, who)
    region = _pick(request, regions)
    answer = await gql.run(request, who, OVERVIEW, {"r": region or ""}) if region else None
    data = answer.data if answer else {}
    cohorts = [e["node"] for e in (data.get("cohorts") or {}).get("edges", [])]
    problems = answer.problems if answer else []
    return await render(
        request,
        "organizer.html",
        regions=regions,
        region=region,
        region_name=next((r["name"] for r in regions if r["id"] == region), region),
        data=data,
        cohorts=cohorts,
        # A whole-network figure computed for the first time: the page does not wait for it.
        computing=any(p.code == "UNAVAILABLE" for p in problems),
        problems=[p for p in problems if p.code != "UNAVAILABLE"],
    )


async def _pool(request: Request, who: Principal, region: str) -> list[dict[str, Any]]:
    answer = await gql.run(request, who, POOL, {"r": region})
    nodes = [e["node"] for e in (answer.data.get("families") or {}).get("edges", [])]
    return [n for n in nodes if n["cohort"] is None and n["consent"]["matching"]]


@router.get("/proposals")
async def proposals_page(request: Request) -> Response:
    who = await signed_in(request, Role.ORGANIZER, Role.ADMIN)
    if isinstance(who, Response):
        return who
    regions = await served_regions(request, who)
    region = _pick(request, regions)
    pool = await _pool(request, who, region) if region else []
    return await render(
        request,
        "proposals.html",
        regions=regions,
        region=region,
        pool=pool,
        proposal=None,
        stored=await _stored(request, who, region),
        form={},
    )


async def _stored(request: Request, who: Principal, region: str | None) -> list[dict[str, Any]]:
    """The region's stored proposals, newest first, with their answers counted."""
    if not region:
        return []
    answer = await gql.run(request, who, STORED, {"r": region})
    found: list[dict[str, Any]] = answer.data.get("cohortProposals") or []
    for proposal in found:
        statuses = [i["status"] for c in proposal["cohorts"] for i in c["invitations"]]
        proposal["answers"] = {s: statuses.count(s) for s in sorted(set(statuses))}
    return found


@router.post("/proposals/withdraw")
async def withdraw(request: Request) -> Response:
    who = await signed_in(request, Role.ORGANIZER, Role.ADMIN, post=True)
    if isinstance(who, Response):
        return who
    form = await form_of(request)
    regions = await served_regions(request, who)
    region = form.get("region", "")
    answer = await gql.run(request, who, WITHDRAW, {"id": form.get("id", "")})
    return await render(
        request,
        "proposals.html",
        status_code=200 if answer.ok else 400,
        regions=regions,
        region=region,
        pool=await _pool(request, who, region) if region else [],
        proposal=None,
        stored=await _stored(request, who, region),
        withdrawn=(answer.data.get("withdrawCohortProposal") or {}).get("id"),
        problems=answer.problems,
        form={},
    )


def _int(value: str | None, default: int) -> int | str:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return str(value)  # the API refuses it with a coded error


@router.post("/proposals")
async def propose(request: Request) -> Response:
    who = await signed_in(request, Role.ORGANIZER, Role.ADMIN, post=True)
    if isinstance(who, Response):
        return who
    form = await form_of(request)
    regions = await served_regions(request, who)
    region = form.get("region", "")
    numbers = {
        "minSize": _int(form.get("min_size"), request.app.state.settings.cohort_min_size),
        "maxSize": _int(form.get("max_size"), request.app.state.settings.cohort_full_size),
        "seed": _int(form.get("seed"), 0),
    }
    bad = [k for k, v in numbers.items() if isinstance(v, str)]
    pool_before = await _pool(request, who, region) if region else []
    if bad:
        problems = [gql.Problem("BAD_USER_INPUT", "must be a whole number", bad[0])]
        answer = gql.Answer({}, problems)
    else:
        wanted = {"regionId": region, **numbers, "replace": form.get("replace") == "1"}
        answer = await gql.run(request, who, PROPOSE, {"i": wanted})
    proposal = answer.data.get("proposeCohorts")
    return await render(
        request,
        "proposals.html",
        status_code=200 if answer.ok else 400,
        regions=regions,
        region=region,
        pool=pool_before,
        proposal=proposal,
        stored=await _stored(request, who, region),
        problems=answer.problems,
        form=form,
    )


@router.get("/bridges")
async def bridges(request: Request) -> Response:
    who = await signed_in(request, Role.ORGANIZER, Role.ADMIN)
    if isinstance(who, Response):
        return who
    regions = await served_regions(request, who)
    a = _pick(request, regions, "a")
    others = [r for r in regions if r["id"] != a]
    b = _pick(request, others, "b")
    answer = await gql.run(request, who, BRIDGES, {"a": a, "b": b}) if a and b else None
    return await render(
        request,
        "bridges.html",
        regions=regions,
        a=a,
        b=b,
        suggestions=(answer.data.get("suggestBridges") or []) if answer else [],
        problems=answer.problems if answer else [],
    )
