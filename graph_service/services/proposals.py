"""Organizers propose cohorts; families decide; organizers see, replace and withdraw proposals.

A proposal covers a pool (a region's families without an active cohort who consented to
matching, or an explicit list of such families) with cohorts of valid sizes
(:func:`graph_service.analytics.cohort_formation.propose_cohorts`), under the language rule
by default. It is stored at once, in one change set, as a
:class:`~models.proposals.CohortProposal` record (its pool, weights, quality figures, cohorts
and the families left over with the reason) and as ``forming`` cohorts of origin ``proposed``
whose places are *invitations* (``MEMBER_OF {status: invited}``): nobody is moved into a
cohort. Each family accepts or declines with the ordinary ``acceptInvitation`` /
``declineInvitation``; a cohort turns ``active`` when ``cohort_min_size`` families accepted.

One pending proposal per family: a new proposal whose pool holds a family invited by a
pending proposal is refused (CONFLICT) unless the organizer asks to *replace* the pending
ones; replacing withdraws their open invitations (accepted ones are kept), in the same
change set. Both are rules checked inside the write transaction
(:class:`~models.rules.NoProposalInvitation`, :class:`~models.rules.ProposalPending`), so two
concurrent proposals for one pool never give a family two pending invitations. Withdrawing a
proposal withdraws its open invitations and closes its cohorts nobody joined.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from graph_service.analytics.cohort_formation import (
    DEFAULT_LANGUAGE_SHARE,
    CohortRationale,
    FormationWeights,
    Proposal,
    propose_cohorts,
)
from graph_service.analytics.cohort_formation.propose import describe
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.auth import Principal, Role
from graph_service.errors import Conflict, FieldProblem, NotFound, ValidationFailed, fields_named
from graph_service.services.access import require_region, require_role, serves
from graph_service.services.analysis import network_graph
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from models import (
    Cohort,
    CohortOrigin,
    CohortProposal,
    CohortStatus,
    MemberOf,
    MembershipStatus,
    ProposalFigures,
    ProposalStatus,
    ProposalWeights,
    today,
)
from models.rules import InvitationPending, NoProposalInvitation, Precondition, ProposalPending

_OVERLAP = (
    "some of these families are invited by pending proposal(s) {ids}; withdraw them, or "
    "propose again with replace: true"
)


@dataclass(frozen=True)
class ProposedCohortView:
    cohort_id: str
    member_ids: tuple[str, ...]  # the families the proposal invited
    rationale: CohortRationale
    answers: dict[str, MembershipStatus]  # family -> where its invitation stands now


@dataclass(frozen=True)
class ProposalView:
    """A stored proposal with its cohorts, each with the invitations and their answers."""

    record: CohortProposal
    cohorts: tuple[ProposedCohortView, ...]


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


def _pending_groups(store: GraphStore, invitations: Sequence[MemberOf]) -> list[set[str]]:
    """Pool families invited to the same self-formed cohort: they chose each other and stay
    together (a proposal's own invitations are not a choice of the families)."""
    cohorts = store.get_cohorts(sorted({m.cohort_id for m in invitations}))
    by_cohort: dict[str, set[str]] = defaultdict(set)
    for m in invitations:
        cohort = cohorts.get(m.cohort_id)
        if cohort is not None and cohort.origin is CohortOrigin.SELF_FORMED:
            by_cohort[m.cohort_id].add(m.family_id)
    return [group for group in by_cohort.values() if len(group) > 1]


def _figures(proposal: Proposal) -> ProposalFigures:
    """The stored subset of the proposal's quality (the fields ``ProposalFigures`` has)."""
    q = proposal.quality
    return ProposalFigures(**{name: getattr(q, name) for name in ProposalFigures.model_fields})


def _focus(proposed_goals: Sequence[tuple[str, int]], known: set[str]) -> tuple[str, ...]:
    """Up to three most shared goals, among those in the store's catalogue."""
    return tuple(g for g, _ in proposed_goals if g in known)[:3]


def _retire(
    store: GraphStore, proposals: Sequence[CohortProposal]
) -> tuple[list[MemberOf], list[Cohort], list[Precondition]]:
    """Withdraw the open invitations of ``proposals`` (accepted ones stay) and close their
    cohorts nobody joined; with the rules this relies on (each invitation still open)."""
    cohort_ids = [c for p in proposals for c in p.cohort_ids]
    members = store.members_of_cohorts(cohort_ids)
    withdrawn: list[MemberOf] = []
    rules: list[Precondition] = []
    closed: list[Cohort] = []
    cohorts = store.get_cohorts(cohort_ids)
    for cohort_id in cohort_ids:
        places = members.get(cohort_id, [])
        for m in places:
            if m.status is MembershipStatus.INVITED:
                withdrawn.append(m.model_copy(update={"status": MembershipStatus.WITHDRAWN}))
                rules.append(InvitationPending(m.family_id, cohort_id, m.invited_by))
        cohort = cohorts.get(cohort_id)
        nobody = not any(m.status is MembershipStatus.ACTIVE for m in places)
        if cohort is not None and nobody and cohort.status is CohortStatus.FORMING:
            closed.append(cohort.model_copy(update={"status": CohortStatus.CLOSED}))
    return withdrawn, closed, rules


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
    language_share: float = DEFAULT_LANGUAGE_SHARE,
    replace: bool = False,
) -> ProposalView:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    require_region(who, region_id, field="regionId")
    graph = network_graph(store).value
    if region_id not in graph.graph["regions"]:
        raise ValidationFailed([FieldProblem("regionId", f"region {region_id!r} does not exist")])
    if not 0.0 <= language_share <= 1.0:
        raise ValidationFailed([FieldProblem("languageShare", "must be between 0 and 1")])
    pool = _pool(graph, region_id, family_ids)
    memberships = store.memberships_of_families(pool)  # the store's, newer than the graph
    joined = sorted(
        f for f, ms in memberships.items() if any(m.status is MembershipStatus.ACTIVE for m in ms)
    )
    if joined and family_ids is not None:
        raise ValidationFailed(
            [
                FieldProblem("familyIds", f"family {f!r} already has an active cohort")
                for f in joined
            ]
        )
    pool = [f for f in pool if f not in set(joined)]
    invitations = [
        m for ms in memberships.values() for m in ms if m.status is MembershipStatus.INVITED
    ]
    invitations = [m for m in invitations if m.family_id in set(pool)]
    pending = {
        p.id: p for p in store.list_proposals(region_id) if p.status is ProposalStatus.PENDING
    }
    proposal_of = {c: p for p in pending.values() for c in p.cohort_ids}
    overlapping = sorted(
        {proposal_of[m.cohort_id].id for m in invitations if m.cohort_id in proposal_of}
    )
    if overlapping and not replace:
        ids = ", ".join(overlapping)
        raise Conflict(
            _OVERLAP.format(ids=ids),
            field="replace",
            message_id="proposal.overlap",
            params={"ids": ids},
        )
    weights = weights or FormationWeights()
    low, high = min_size or settings.cohort_min_size, max_size or settings.cohort_full_size
    at_fault = "familyIds" if family_ids is not None else "regionId"  # what made the pool
    names = {"pool": at_fault, "must_stay_together": at_fault, "min_size": "minSize"}
    with fields_named(names | {"max_size": "maxSize", "language_share": "languageShare"}):
        proposal = propose_cohorts(
            graph,
            pool,
            min_size=low,
            max_size=high,
            weights=weights,
            seed=seed,
            must_stay_together=_pending_groups(store, invitations),
            language_share=language_share,
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
    replaced = [pending[p] for p in overlapping]
    withdrawn, closed, rules = _retire(store, replaced)
    record = CohortProposal(
        id=proposal_id,
        region_id=region_id,
        created_at=today(),
        proposed_by=who.subject,
        pool=tuple(pool),
        cohort_ids=tuple(c.id for c in cohorts),
        left_over=tuple(x.family_id for x in proposal.left_over),
        left_over_reasons=tuple(x.reason.value for x in proposal.left_over),
        min_size=low,
        max_size=high,
        seed=seed,
        language_share=language_share,
        weights=ProposalWeights(**asdict(weights)),
        quality=_figures(proposal),
    )
    retired = [
        p.model_copy(update={"status": ProposalStatus.REPLACED, "replaced_by": proposal_id})
        for p in replaced
    ]
    replaced_cohorts = [c for p in replaced for c in p.cohort_ids]
    rules = [
        *(ProposalPending(p.id, field="replace") for p in replaced),
        *rules,
        NoProposalInvitation([m.family_id for m in places], except_cohorts=replaced_cohorts),
    ]
    store.write(
        ChangeSet(
            cohorts=[*cohorts, *closed],
            proposals=[record, *retired],
            memberships=[*withdrawn, *places],
            preconditions=rules,
        )
    )
    views = tuple(
        ProposedCohortView(
            cohort.id,
            proposed.members,
            proposed.rationale,
            dict.fromkeys(proposed.members, MembershipStatus.INVITED),
        )
        for cohort, proposed in zip(cohorts, proposal.cohorts, strict=True)
    )
    return ProposalView(record, views)


def _proposal_or_404(store: GraphStore, principal: Principal | None, id: str) -> CohortProposal:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    found = store.get_proposals([id]).get(id)
    if found is None or not serves(who, found.region_id):
        raise NotFound(f"no cohort proposal {id!r}", field="id")
    return found


def _view(store: GraphStore, record: CohortProposal) -> ProposalView:
    """The proposal's cohorts as they stand: who was invited, and each answer."""
    graph = network_graph(store).value
    members = store.members_of_cohorts(record.cohort_ids)
    views = []
    for cohort_id in record.cohort_ids:
        invited = [m for m in members.get(cohort_id, []) if m.invited_by is None]
        ids = tuple(m.family_id for m in invited)
        present = [f for f in ids if f in graph]
        rationale = (
            describe(graph, present).rationale if present else CohortRationale((), 0, (), ())
        )
        answers = {m.family_id: m.status for m in invited}
        views.append(ProposedCohortView(cohort_id, ids, rationale, answers))
    return ProposalView(record, tuple(views))


def list_proposals(
    store: GraphStore, principal: Principal | None, region_id: str
) -> list[ProposalView]:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    require_region(who, region_id, field="regionId")
    return [_view(store, p) for p in store.list_proposals(region_id)]


def get_proposal(store: GraphStore, principal: Principal | None, id: str) -> ProposalView:
    return _view(store, _proposal_or_404(store, principal, id))


def withdraw(store: GraphStore, principal: Principal | None, id: str) -> ProposalView:
    """Withdraw a pending proposal: its open invitations are withdrawn, accepted ones kept,
    its cohorts nobody joined closed. CONFLICT if it is no longer pending."""
    record = _proposal_or_404(store, principal, id)
    if record.status is not ProposalStatus.PENDING:
        raise Conflict(
            "this proposal is no longer pending", field="id", message_id="rule.proposal_pending"
        )
    withdrawn, closed, rules = _retire(store, [record])
    done = record.model_copy(update={"status": ProposalStatus.WITHDRAWN})
    store.write(
        ChangeSet(
            cohorts=closed,
            proposals=[done],
            memberships=withdrawn,
            preconditions=[ProposalPending(id), *rules],
        )
    )
    return _view(store, done)
