"""Program rules checked inside the write transaction (models/rules.py, stores/preconditions.py).

Store-contract tests: each runs unchanged on both stores (the ``store`` fixture). First each
precondition on a small named graph (holds, fails, the boundary value), then that a failed one
writes nothing, then concurrent writers through the services (8 threads, many mutations
against the same families and cohorts) asserting that every rule holds after every trial and
that every request got either success or CONFLICT.

The named graph ("circle"): region ``oak``; cohort ``c1`` with active members ``a`` and
``b``; ``a`` invited ``x`` (open) and ``b`` invited ``y`` who declined (left); ``z`` has no
cohort; ``b`` referred ``a``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial

import pytest

from graph_service.auth import Principal, Role
from graph_service.errors import DomainError
from graph_service.services import cohorts
from graph_service.services.families import register_family
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.stores.preconditions import RuleBroken, unchecked_types
from models import Cohort, Consent, Family, Goal, MemberOf, MembershipStatus, Referred, Region
from models.rules import (
    PRECONDITIONS,
    ActiveFewerThan,
    ActiveMember,
    CohortHasPlace,
    FamilyIsNew,
    InvitationPending,
    InvitedFewerThan,
    NoActiveCohort,
    NoReferrer,
    NotInCohort,
    Precondition,
)

DAY = date(2025, 3, 1)
THREADS = 8


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


def seed(store: GraphStore, family_ids: Sequence[str]) -> None:
    store.write(
        ChangeSet(
            regions=[Region(id="oak", name="Oakland")],
            goals=[Goal(id="health", label="Health")],
            families=[family(f) for f in family_ids],
        )
    )


def cohort(store: GraphStore, cohort_id: str, active: Sequence[str]) -> None:
    store.write(
        ChangeSet(
            cohorts=[Cohort(id=cohort_id, name=cohort_id, region_id="oak", created_at=DAY)],
            memberships=[MemberOf(family_id=f, cohort_id=cohort_id, since=DAY) for f in active],
        )
    )


def invited(family_id: str, cohort_id: str, by: str, status: str = "invited") -> MemberOf:
    return MemberOf(
        family_id=family_id, cohort_id=cohort_id, since=DAY, status=status, invited_by=by
    )


@pytest.fixture
def circle(store: GraphStore) -> GraphStore:
    seed(store, ["a", "b", "x", "y", "z"])
    cohort(store, "c1", ["a", "b"])
    store.write(
        ChangeSet(
            memberships=[invited("x", "c1", "a"), invited("y", "c1", "b", status="left")],
            referrals=[Referred(from_id="b", to_id="a", at=DAY)],
        )
    )
    return store


def holds(store: GraphStore, rule: Precondition) -> bool:
    """Whether ``rule`` holds, by writing a harmless change (a region) that relies on it."""
    version = store.data_version()
    try:
        store.write(ChangeSet(regions=[Region(id="oak", name="Oakland")], preconditions=[rule]))
    except RuleBroken as broken:
        assert broken.code == "CONFLICT"
        assert (broken.field, broken.message) == (rule.field, rule.message)
        assert broken.precondition == rule
        assert store.data_version() == version
        return False
    assert store.data_version() == version + 1
    return True


def test_every_precondition_type_is_checked_by_the_stores() -> None:
    assert unchecked_types(PRECONDITIONS) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (FamilyIsNew("new"), True),
        (FamilyIsNew("z"), False),
        (NoActiveCohort("z", "cohortId", "m"), True),
        (NoActiveCohort("x", "cohortId", "m"), True),  # invited is not active
        (NoActiveCohort("y", "cohortId", "m"), True),  # left is not active
        (NoActiveCohort("a", "name", "m"), False),
        (NotInCohort("z", "c1"), True),
        (NotInCohort("y", "c1"), True),  # declined: may be invited again
        (NotInCohort("x", "c1"), False),
        (NotInCohort("a", "c1"), False),
        (ActiveMember("a", "c1", "cohortId", "m"), True),
        (ActiveMember("x", "c1", "cohortId", "m"), False),
        (ActiveMember("a", "other", "cohortId", "m"), False),
        # a has one open invitation (x); b's only one was declined
        (InvitedFewerThan("a", "c1", 2), True),
        (InvitedFewerThan("a", "c1", 1), False),  # boundary: 1 < 1 is false
        (InvitedFewerThan("b", "c1", 1), True),
        (InvitedFewerThan("b", "c1", 0), False),
        # places: a, b active + x invited = 3 (y left does not count)
        (CohortHasPlace("c1", 4), True),
        (CohortHasPlace("c1", 3), False),
        (CohortHasPlace("empty", 1), True),
        (InvitationPending("x", "c1"), True),
        (InvitationPending("x", "c1", "a"), True),
        (InvitationPending("x", "c1", "b"), False),  # another inviter's invitation
        (InvitationPending("y", "c1"), False),  # declined
        (InvitationPending("a", "c1"), False),  # already active
        (ActiveFewerThan("c1", 3), True),
        (ActiveFewerThan("c1", 2), False),
        (NoReferrer("b"), True),
        (NoReferrer("a"), False),
    ],
)
def test_precondition_on_the_circle(circle: GraphStore, rule: Precondition, expected: bool) -> None:
    assert holds(circle, rule) is expected


def test_a_failed_precondition_writes_nothing_of_the_change(circle: GraphStore) -> None:
    counts, version = circle.counts(), circle.data_version()
    newcomer = family("new")
    with pytest.raises(RuleBroken) as caught:
        circle.write(
            ChangeSet(
                families=[newcomer],
                memberships=[MemberOf(family_id="new", cohort_id="c1", since=DAY)],
                preconditions=[FamilyIsNew("new"), CohortHasPlace("c1", 3)],
            )
        )
    assert caught.value.field == "cohortId"
    assert circle.counts() == counts
    assert circle.data_version() == version
    assert circle.changes_since(version).changes == []  # no change-feed entry
    assert circle.get_families(["new"]) == {}
    # the same change without the broken rule is written, and the rule is not in the feed
    circle.write(ChangeSet(families=[newcomer], preconditions=[FamilyIsNew("new")]))
    [change] = circle.changes_since(version).changes
    assert change.changes.preconditions == ()
    assert [f.id for f in change.changes.families] == ["new"]


def test_preconditions_see_the_graph_before_the_change(circle: GraphStore) -> None:
    # The check runs before the parts are written: a change may do what its rule forbids
    # afterwards (registering "new" relies on "new" not existing yet).
    circle.write(ChangeSet(families=[family("new")], preconditions=[FamilyIsNew("new")]))
    with pytest.raises(RuleBroken):
        circle.write(ChangeSet(families=[family("new")], preconditions=[FamilyIsNew("new")]))


def test_registering_an_existing_family_is_a_conflict(circle: GraphStore) -> None:
    admin = Principal(Role.ADMIN, "root")
    data = family("z").to_record()
    before = circle.counts()
    with pytest.raises(RuleBroken) as caught:
        register_family(circle, admin, data)
    assert (caught.value.code, caught.value.field) == ("CONFLICT", "id")
    assert "already exists" in caught.value.message
    assert circle.counts() == before


# concurrent writers ---------------------------------------------------------------------------
def race(calls: Sequence[Callable[[], object]], threads: int = THREADS) -> Counter[str]:
    """Run ``calls`` on ``threads`` threads, all starting together; count the outcomes
    (``ok`` or the error's code; anything unexpected as its type name)."""
    start = threading.Barrier(threads)
    per_thread = [calls[i::threads] for i in range(threads)]

    def run(mine: Sequence[Callable[[], object]]) -> list[str]:
        start.wait()
        outcomes = []
        for call in mine:
            try:
                call()
                outcomes.append("ok")
            except DomainError as error:
                outcomes.append(error.code)
            except Exception as error:  # anything else is a defect the test reports
                outcomes.append(type(error).__name__)
        return outcomes

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Counter(o for outcomes in pool.map(run, per_thread) for o in outcomes)


def as_family(family_id: str) -> Principal:
    return Principal(Role.FAMILY, family_id)


def active_cohorts_of(store: GraphStore, family_ids: Sequence[str]) -> dict[str, list[str]]:
    found = store.memberships_of_families(family_ids)
    return {
        f: [m.cohort_id for m in found.get(f, []) if m.status is MembershipStatus.ACTIVE]
        for f in family_ids
    }


def places(store: GraphStore, cohort_id: str) -> list[MemberOf]:
    return [
        m
        for m in store.members_of_cohorts([cohort_id])[cohort_id]
        if m.status in (MembershipStatus.ACTIVE, MembershipStatus.INVITED)
    ]


TRIALS = 3
MUTATIONS = 200  # per trial, spread over the threads


def test_concurrent_create_cohort_keeps_one_active_cohort_per_family(store: GraphStore) -> None:
    rng = random.Random(13)
    for trial in range(TRIALS):
        ids = [f"t{trial}-f{i:02d}" for i in range(20)]
        seed(store, ids)
        chosen = [rng.choice(ids) for _ in range(MUTATIONS)]
        calls = [
            (lambda f=f: cohorts.create_cohort(store, as_family(f), f"C {f}", [])) for f in chosen
        ]
        outcomes = race(calls)
        assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
        active = active_cohorts_of(store, ids)
        tried = set(chosen)
        assert all(len(active[f]) == 1 for f in tried), active
        assert outcomes["ok"] == len(tried)


def test_concurrent_invitations_keep_the_limit_per_member(store: GraphStore) -> None:
    settings = Settings(invitations_per_member=2, cohort_full_size=50)
    for trial in range(TRIALS):
        members = [f"t{trial}-m{i}" for i in range(3)]
        invitees = [f"t{trial}-n{i:03d}" for i in range(MUTATIONS // 4)]
        seed(store, members + invitees)
        cohort(store, f"t{trial}-c", members)
        calls = [
            (
                lambda m=members[i % 3], n=n, c=f"t{trial}-c": cohorts.invite_family(
                    store, settings, as_family(m), c, n
                )
            )
            for i, n in enumerate(invitees * 4)
        ]
        outcomes = race(calls)
        assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
        per_member = Counter(m.invited_by for m in places(store, f"t{trial}-c") if m.invited_by)
        assert per_member == dict.fromkeys(members, 2)
        assert outcomes["ok"] == 6


def test_concurrent_invitations_keep_a_cohort_at_eight_places(store: GraphStore) -> None:
    settings = Settings(invitations_per_member=2, cohort_full_size=8)
    for trial in range(TRIALS):
        members = [f"t{trial}-m{i}" for i in range(5)]  # 5 + 5 x 2 would be 15 places
        invitees = [f"t{trial}-n{i:03d}" for i in range(MUTATIONS // 5)]
        seed(store, members + invitees)
        cohort(store, f"t{trial}-c", members)
        calls = [
            (
                lambda m=members[i % 5], n=n, c=f"t{trial}-c": cohorts.invite_family(
                    store, settings, as_family(m), c, n
                )
            )
            for i, n in enumerate(invitees * 5)
        ]
        outcomes = race(calls)
        assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
        assert len(places(store, f"t{trial}-c")) == 8
        assert outcomes["ok"] == 3


def test_concurrent_accepts_keep_one_active_cohort_and_one_referrer(store: GraphStore) -> None:
    settings = Settings(invitations_per_member=20, cohort_full_size=30)
    for trial in range(TRIALS):
        inviters = [f"t{trial}-m{i}" for i in range(4)]
        joiners = [f"t{trial}-j{i}" for i in range(8)]
        seed(store, inviters + joiners)
        for m in inviters:  # four cohorts, each with one member who invites every joiner
            cohort(store, f"{m}-c", [m])
            store.write(ChangeSet(memberships=[invited(j, f"{m}-c", m) for j in joiners]))
        pairs = [(j, m) for j in joiners for m in inviters] * (MUTATIONS // 32)
        random.Random(trial).shuffle(pairs)
        calls = [
            (lambda j=j, m=m: cohorts.accept_invitation(store, settings, as_family(j), f"{m}-c"))
            for j, m in pairs
        ]
        outcomes = race(calls)
        assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
        assert outcomes["ok"] == len(joiners)
        active = active_cohorts_of(store, joiners)
        assert all(len(active[j]) == 1 for j in joiners), active
        referrers = store.referrer_of(joiners)
        # one referrer each: the inviter of the cohort the family joined
        assert {j: r.from_id for j, r in referrers.items()} == {
            j: active[j][0].removesuffix("-c") for j in joiners
        }


@pytest.mark.parametrize("new", [False, True], ids=["merged", "created"])
def test_concurrent_referrals_give_one_referrer(store: GraphStore, new: bool) -> None:
    """Writers racing to refer one family: one is written, never two edges. Merged, under the
    NoReferrer precondition, the others are CONFLICTs; said to be new (ChangeSet.new_records:
    created, as an import's batches are), the others are refused as a second referrer
    (BAD_USER_INPUT) or as the same referral written meanwhile (CONFLICT)."""
    prefix = "n" if new else "t"
    for trial in range(TRIALS):
        givers = [f"{prefix}{trial}-g{i}" for i in range(THREADS)]
        target = f"{prefix}{trial}-new"
        seed(store, [*givers, target])

        def refer(giver: str, target: str = target) -> None:
            edge = Referred(from_id=giver, to_id=target, at=DAY)
            if new:
                store.write(ChangeSet(referrals=[edge], new_records=True))
            else:
                store.write(ChangeSet(referrals=[edge], preconditions=[NoReferrer(target)]))

        outcomes = race([partial(refer, g) for g in givers * 4])
        assert outcomes["ok"] == 1
        if new:
            assert set(outcomes) <= {"ok", "CONFLICT", "BAD_USER_INPUT"}
        else:
            assert set(outcomes) == {"ok", "CONFLICT"}
        assert store.counts()["REFERRED"] == trial + 1
