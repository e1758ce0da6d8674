"""Organizers propose cohorts; families decide.

A proposal covers a pool (a region's families without an active cohort who consented to
matching, or an explicit list of such families)
with cohorts of valid sizes (:func:`graph_service.analytics.cohort_formation.propose_cohorts`).
It is stored at once as ``forming`` cohorts of origin ``proposed`` whose places are
*invitations* (``MEMBER_OF {status: invited}``): nobody is moved into a cohort. Each family
accepts or declines with the ordinary ``acceptInvitation`` / ``declineInvitation``; a cohort
turns ``active`` when ``cohort_min_size`` families accepted; a family that declines has no
active cohort and so is back in the pool for the next proposal. Families with pending
invitations to the same cohort are kept together.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from graph_service.analytics.cohort_formation import FormationWeights, Proposal, propose_cohorts
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.auth import Principal, Role
from graph_service.errors import FieldProblem, ValidationFailed
from graph_service.services.access import require_region, require_role
from graph_service.services.analysis import network_graph
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from models import (
    Cohort,
    CohortOrigin,
    CohortStatus,
    MemberOf,
    MembershipStatus,
    today,
)


@dataclass(frozen=True)
class StoredProposal:
    id: str
    region_id: str
    cohort_ids: tuple[str, ...]  # aligned with proposal.cohorts
    proposal: Proposal


def _pool(graph: FamilyGraph, region: str, family_ids: Sequence[str] | None) -> list[str]:
    if family_ids is None:
        return sorted(
            f
            for f, d in graph.nodes(data=True)
            if d["region"] == region and d["cohort"] is None and d["consent_matching"]
        )
    problems = []
    for f in family_ids:
        if f not in graph:
            problems.append(FieldProblem("familyIds", f"family {f!r} does not exist"))
        elif graph.nodes[f]["region"] != region:
            problems.append(FieldProblem("familyIds", f"family {f!r} is not in region {region!r}"))
        elif graph.nodes[f]["cohort"] is not None:
            problems.append(FieldProblem("familyIds", f"family {f!r} already has an active cohort"))
    if problems:
        raise ValidationFailed(problems)
    return sorted(set(family_ids))


def _pending_groups(store: GraphStore, pool: Sequence[str]) -> list[set[str]]:
    """Pool families invited to the same cohort: they chose each other and stay together."""
    by_cohort: dict[str, set[str]] = defaultdict(set)
    for family, memberships in store.memberships_of_families(pool).items():
        for m in memberships:
            if m.status is MembershipStatus.INVITED:
                by_cohort[m.cohort_id].add(family)
    return [group for group in by_cohort.values() if len(group) > 1]


def _focus(proposed_goals: Sequence[tuple[str, int]], known: set[str]) -> tuple[str, ...]:
    """Up to three most shared goals, among those in the store's catalogue."""
    return tuple(g for g, _ in proposed_goals if g in known)[:3]


def propose(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    *,
    region_id: str,
    family_ids: Sequence[str] | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    weights: FormationWeights | None = None,
    seed: int = 0,
) -> StoredProposal:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    require_region(who, region_id, field="regionId")
    graph = network_graph(store).value
    if region_id not in graph.graph["regions"]:
        raise ValidationFailed([FieldProblem("regionId", f"region {region_id!r} does not exist")])
    pool = _pool(graph, region_id, family_ids)
    proposal = propose_cohorts(
        graph,
        pool,
        min_size=min_size or settings.cohort_min_size,
        max_size=max_size or settings.cohort_full_size,
        weights=weights,
        seed=seed,
        must_stay_together=_pending_groups(store, pool),
    )
    proposal_id = f"prop-{secrets.token_hex(4)}"
    catalogue = {g.id for g in store.list_goals()}
    cohorts = [
        Cohort(
            id=f"{proposal_id}-{i + 1}",
            name=f"Proposed cohort {i + 1} ({region_id})",
            region_id=region_id,
            created_at=today(),
            status=CohortStatus.FORMING,
            origin=CohortOrigin.PROPOSED,
            focus_goals=_focus(c.rationale.shared_goals, catalogue),
        )
        for i, c in enumerate(proposal.cohorts)
    ]
    places = [
        MemberOf(family_id=f, cohort_id=cohort.id, since=today(), status=MembershipStatus.INVITED)
        for cohort, proposed in zip(cohorts, proposal.cohorts, strict=True)
        for f in proposed.members
    ]
    store.write(ChangeSet(cohorts=cohorts, memberships=places))
    return StoredProposal(proposal_id, region_id, tuple(c.id for c in cohorts), proposal)
