"""Stored cohort proposals on both stores (the ``store`` fixture): the proposal record through
the registry, the rules inside the write (one pending proposal per family), replacing,
withdrawing, and concurrent proposals that never give a family two pending invitations."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from graph_service.auth import Principal, Role
from graph_service.errors import Conflict, DomainError
from graph_service.services import cohorts as cohort_service
from graph_service.services import proposals
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.preconditions import RuleBroken
from models import (
    Cohort,
    CohortOrigin,
    Consent,
    Family,
    Goal,
    MembershipStatus,
    ProposalStatus,
    Region,
)
from models.rules import NoProposalInvitation, ProposalPending

ADMIN = Principal(Role.ADMIN, "root")
SETTINGS = Settings(secret_key="x" * 32)
IDS = [f"p{i:02d}" for i in range(14)]
OAK = Region(id="oak", name="Oakland")


def family(family_id: str) -> Family:
    return Family(
        id=family_id,
        name=f"Family {family_id}",
        region_id="oak",
        household_size=3,
        income_band=2,
        joined_at=date(2025, 1, 1),
        consent=Consent(matching=True),
    )


@pytest.fixture
def pool(store: GraphStore) -> GraphStore:
    store.write(
        ChangeSet(
            regions=[Region(id="oak", name="Oakland")],
            goals=[Goal(id="health", label="Health")],
            families=[family(f) for f in IDS],
        )
    )
    return store


def pending_invitations(store: GraphStore) -> Counter[str]:
    """Open invitations to proposed cohorts, per family."""
    cohorts = {
        c.id: c
        for c in store.scan("cohorts")
        if isinstance(c, Cohort) and c.origin is CohortOrigin.PROPOSED
    }
    found: Counter[str] = Counter()
    for m in store.scan("memberships"):
        if (
            getattr(m, "cohort_id", "") in cohorts
            and getattr(m, "status", None) is MembershipStatus.INVITED
        ):
            found[getattr(m, "family_id", "")] += 1
    return found


def test_a_proposal_is_stored_with_its_pool_weights_figures_and_cohorts(pool: GraphStore) -> None:
    view = proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=1)
    stored = pool.get_proposals([view.record.id])[view.record.id]
    assert stored == view.record
    assert stored.status is ProposalStatus.PENDING and stored.pool == tuple(IDS)
    assert len(stored.cohort_ids) == 2 and stored.quality.cohorts == 2
    assert stored.quality.ties_kept_share is None  # no ties in this pool
    assert [p.id for p in pool.list_proposals("oak")] == [stored.id]
    assert pool.counts()["CohortProposal"] == 1
    assert sum(pending_invitations(pool).values()) == 14


def test_a_second_proposal_for_the_pool_is_refused_or_replaces_the_first(
    pool: GraphStore,
) -> None:
    first = proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=1)
    joined = first.cohorts[0].member_ids[0]
    cohort_service.accept_invitation(
        pool, SETTINGS, Principal(Role.FAMILY, joined), first.cohorts[0].cohort_id
    )
    with pytest.raises(Conflict) as refused:
        proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=2)
    assert refused.value.field == "replace"
    second = proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=2, replace=True)
    old = pool.get_proposals([first.record.id])[first.record.id]
    assert old.status is ProposalStatus.REPLACED and old.replaced_by == second.record.id
    assert joined not in second.record.pool  # it has an active cohort now
    assert set(pending_invitations(pool).values()) == {1}
    kept = pool.members_of_cohorts([first.cohorts[0].cohort_id])[first.cohorts[0].cohort_id]
    statuses = {m.family_id: m.status for m in kept}
    assert statuses[joined] is MembershipStatus.ACTIVE  # accepted: kept
    assert set(statuses.values()) == {MembershipStatus.ACTIVE, MembershipStatus.WITHDRAWN}


def test_withdrawing_keeps_accepted_places_and_closes_empty_cohorts(pool: GraphStore) -> None:
    view = proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=1)
    first = view.cohorts[0]
    cohort_service.accept_invitation(
        pool, SETTINGS, Principal(Role.FAMILY, first.member_ids[0]), first.cohort_id
    )
    done = proposals.withdraw(pool, ADMIN, view.record.id)
    assert done.record.status is ProposalStatus.WITHDRAWN
    answers = done.cohorts[0].answers
    assert answers[first.member_ids[0]] is MembershipStatus.ACTIVE
    assert sum(s is MembershipStatus.WITHDRAWN for s in answers.values()) == len(answers) - 1
    assert pending_invitations(pool) == Counter()
    cohorts = pool.get_cohorts(list(view.record.cohort_ids))
    assert cohorts[view.cohorts[1].cohort_id].status.value == "closed"  # nobody joined
    assert cohorts[first.cohort_id].status.value == "forming"
    with pytest.raises(Conflict):
        proposals.withdraw(pool, ADMIN, view.record.id)


def test_the_proposal_rules_are_checked_inside_the_write(pool: GraphStore) -> None:
    view = proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=1)
    invited = view.cohorts[0].member_ids[0]
    version = pool.data_version()
    with pytest.raises(RuleBroken):
        pool.write(ChangeSet(regions=[OAK], preconditions=[NoProposalInvitation([invited])]))
    assert pool.data_version() == version  # nothing written
    pool.write(  # the proposal's own cohorts are the exception when replacing it
        ChangeSet(
            regions=[OAK],
            preconditions=[NoProposalInvitation([invited], view.record.cohort_ids)],
        )
    )
    pool.write(
        ChangeSet(
            regions=[OAK],
            preconditions=[ProposalPending(view.record.id)],
        )
    )
    with pytest.raises(RuleBroken):
        pool.write(ChangeSet(regions=[OAK], preconditions=[ProposalPending("prop-none")]))


@pytest.mark.parametrize("replace", [False, True])
def test_concurrent_proposals_never_give_a_family_two_pending_invitations(
    pool: GraphStore, replace: bool
) -> None:
    proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=0)  # one pending already
    outcomes: Counter[str] = Counter()

    def one(seed: int) -> str:
        try:
            proposals.propose(pool, SETTINGS, ADMIN, region_id="oak", seed=seed, replace=replace)
        except Conflict:
            return "conflict"
        except DomainError as error:  # anything else is a defect
            return f"error: {error}"
        return "ok"

    for _ in range(3):
        with ThreadPoolExecutor(6) as pool_of_threads:
            outcomes.update(pool_of_threads.map(one, range(1, 7)))
        counts = pending_invitations(pool)
        assert set(counts.values()) <= {1}, counts
        pending = [p for p in pool.list_proposals("oak") if p.status is ProposalStatus.PENDING]
        assert len(pending) == 1
    assert set(outcomes) <= {"ok", "conflict"}
    assert outcomes["conflict"] > 0
    if replace:
        assert outcomes["ok"] >= 1
