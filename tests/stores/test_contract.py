"""The store contract: every test here runs unchanged on the embedded store and on Neo4j."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import networkx as nx
import pytest

from graph_service.analytics.family_graph import graph_of
from graph_service.demo import demo_network, load_network
from graph_service.errors import NotFound
from graph_service.readmodel import graph_of_store
from graph_service.stores.base import NODE_LABELS, RELATIONSHIP_TYPES, FamilyFilter, GraphStore
from models import (
    Cohort,
    Family,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    ValidationFailed,
)

DEMO_COUNTS = {
    "Family": 12,
    "Cohort": 2,
    "Goal": 12,
    "Region": 2,
    "LIVES_IN": 12,
    "MEMBER_OF": 12,
    "PURSUES": 14,
    "HELPED": 12,
    "REFERRED": 9,
    "CohortProposal": 0,
    "INTRODUCTION": 0,
    "MonthlyReport": 0,
    "Action": 0,
    "Verification": 0,
}


@pytest.fixture
def demo(store: GraphStore) -> GraphStore:
    load_network(store, demo_network())
    return store


def test_store_satisfies_protocol(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)
    assert store.ping()


def test_empty_store_counts_every_label_and_type(store: GraphStore) -> None:
    assert store.counts() == dict.fromkeys((*NODE_LABELS, *RELATIONSHIP_TYPES), 0)


def test_loading_demo_gives_expected_counts(demo: GraphStore) -> None:
    assert demo.counts() == DEMO_COUNTS


def test_loading_twice_is_idempotent(demo: GraphStore) -> None:
    before = graph_of_store(demo)
    load_network(demo, demo_network())
    assert demo.counts() == DEMO_COUNTS
    assert nx.utils.graphs_equal(before, graph_of_store(demo))


def test_data_version_grows_with_each_write(store: GraphStore) -> None:
    net = demo_network()
    v0 = store.data_version()
    store.upsert_regions(net.regions)
    v1 = store.data_version()
    store.upsert_goals(net.goals)
    assert v0 < v1 < store.data_version()


def test_get_families_returns_existing_only(demo: GraphStore) -> None:
    found = demo.get_families(["ana", "nobody", "gus"])
    assert set(found) == {"ana", "gus"}
    ana = next(f for f in demo_network().families if f.id == "ana")
    assert found["ana"] == ana


def test_update_replaces_properties_and_region(demo: GraphStore) -> None:
    ana = demo.get_families(["ana"])["ana"]
    moved = ana.model_copy(update={"region_id": "boston", "household_size": 5})
    demo.upsert_families([moved])
    assert demo.get_families(["ana"])["ana"] == moved
    assert demo.counts()["LIVES_IN"] == 12
    assert graph_of_store(demo, ("boston",)).nodes["ana"]["household_size"] == 5
    assert "ana" not in graph_of_store(demo, ("oakland",))


def test_list_families_is_keyset_paginated(demo: GraphStore) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = demo.list_families(FamilyFilter(), after=after, limit=5)
        seen += [f.id for f in page.families]
        if not page.has_next:
            break
        after = page.families[-1].id
    assert seen == sorted(f.id for f in demo_network().families)


@pytest.mark.parametrize(
    ("filter_", "expected"),
    [
        (FamilyFilter(region_ids=("boston",)), ["gus", "hal", "ivy", "jon", "kim", "lu"]),
        (FamilyFilter(goal_id="start_business"), ["hal", "jon", "lu"]),
        (
            FamilyFilter(cohort_id="oak-1", consent_matching=True),
            ["ana", "ben", "cruz", "dee", "fay"],
        ),
        (FamilyFilter(region_ids=("oakland",), goal_id="emergency_savings"), ["ana", "ben", "eli"]),
        (FamilyFilter(region_ids=()), []),
    ],
)
def test_family_filters(demo: GraphStore, filter_: FamilyFilter, expected: list[str]) -> None:
    assert [f.id for f in demo.list_families(filter_, after=None, limit=100).families] == expected
    assert demo.count_families(filter_) == len(expected)


def test_cohorts_goals_regions(demo: GraphStore) -> None:
    assert set(demo.get_cohorts(["oak-1", "zzz"])) == {"oak-1"}
    assert [c.id for c in demo.list_cohorts(None, after=None, limit=10)] == ["bos-1", "oak-1"]
    assert [c.id for c in demo.list_cohorts(("oakland",), after=None, limit=10)] == ["oak-1"]
    assert [c.id for c in demo.list_cohorts(None, after="bos-1", limit=10)] == ["oak-1"]
    assert len(demo.list_goals()) == 12
    assert [r.id for r in demo.list_regions()] == ["boston", "oakland"]


def test_membership_reads(demo: GraphStore) -> None:
    members = demo.members_of_cohorts(["oak-1", "bos-1", "none"])
    assert [m.family_id for m in members["oak-1"]] == ["ana", "ben", "cruz", "dee", "eli", "fay"]
    assert set(members) == {"oak-1", "bos-1"}
    mine = demo.memberships_of_families(["ana"])["ana"]
    assert [(m.cohort_id, m.status) for m in mine] == [("oak-1", MembershipStatus.ACTIVE)]


def test_families_with_memberships_is_both_reads_in_one(demo: GraphStore) -> None:
    ids = ["ana", "nobody", "gus", "zoe"]
    joined = demo.families_with_memberships(ids)
    families = demo.get_families(ids)
    memberships = demo.memberships_of_families(ids)
    assert set(joined) == set(families)
    for family_id, (family, mine) in joined.items():
        assert family == families[family_id]
        assert mine == memberships.get(family_id, [])
    assert demo.families_with_memberships([]) == {}


def test_families_with_memberships_at_comes_with_the_data_version(demo: GraphStore) -> None:
    """The same families, and the data version read in the same round trip (before them)."""
    ids = ["ana", "nobody", "gus"]
    version, joined = demo.families_with_memberships_at(ids)
    assert version == demo.data_version()
    assert joined == demo.families_with_memberships(ids)
    demo.upsert_memberships(
        [MemberOf(family_id="ana", cohort_id="oak-1", since=date(2024, 1, 10), status="left")]
    )
    moved, joined = demo.families_with_memberships_at(ids)
    assert moved == version + 1
    assert joined == demo.families_with_memberships(ids)
    assert demo.families_with_memberships_at([]) == (moved, {})


def test_leaving_a_cohort_keeps_history(demo: GraphStore) -> None:
    demo.upsert_memberships(
        [MemberOf(family_id="ana", cohort_id="oak-1", since=date(2024, 1, 10), status="left")]
    )
    assert graph_of_store(demo).nodes["ana"]["cohort"] is None
    assert demo.count_families(FamilyFilter(cohort_id="oak-1")) == 5
    assert demo.counts()["MEMBER_OF"] == 12


def test_pursuits_help_and_referrer(demo: GraphStore) -> None:
    pursuits = demo.pursuits_of(["ben", "gus"])
    assert [p.goal_id for p in pursuits["ben"]] == ["emergency_savings", "pay_down_debt"]
    assert pursuits["gus"][0].status is GoalStatus.ACHIEVED
    helps = demo.help_of(["ana"])["ana"]
    assert [h.id for h in helps] == ["h01", "h02", "h03", "h06"]  # ordered by date
    refs = demo.referrer_of(["dee", "ana"])
    assert set(refs) == {"dee"} and refs["dee"].from_id == "ben"


def test_referral_subtree_breadth_first(demo: GraphStore) -> None:
    edges = demo.referral_subtree("ana")
    assert [(e.from_id, e.to_id) for e in edges] == [
        ("ana", "ben"),
        ("ana", "cruz"),
        ("ben", "dee"),
        ("ben", "eli"),
        ("cruz", "fay"),
    ]
    assert len(demo.referral_subtree("ana", max_depth=1)) == 2
    assert demo.referral_subtree("fay") == []
    with pytest.raises(NotFound):
        demo.referral_subtree("nobody")


def test_neighbourhood(demo: GraphStore) -> None:
    # eli: cohort oak-1 (ana, ben, cruz, dee, fay), help from dee, referred by ben.
    assert demo.neighbourhood("eli") == {"ana", "ben", "cruz", "dee", "fay"}
    # cruz: cohort + help with gus (Boston) -> two hops reaches Boston's cohort.
    assert "gus" in demo.neighbourhood("cruz")
    assert "lu" in demo.neighbourhood("cruz", hops=2)


def test_subgraph_matches_build_family_graph(demo: GraphStore) -> None:
    net = demo_network()
    expected = graph_of(net)
    got = graph_of_store(demo)
    assert nx.utils.graphs_equal(got, expected)
    assert got.graph == expected.graph
    oakland = graph_of_store(demo, ("oakland",))
    assert set(oakland) == {"ana", "ben", "cruz", "dee", "eli", "fay"}
    assert not oakland.has_edge("gus", "cruz")  # the Boston end is outside


def test_delete_family_removes_everything_attached(demo: GraphStore) -> None:
    assert demo.delete_family("ben") is True
    assert demo.delete_family("ben") is False
    counts = demo.counts()
    assert counts["Family"] == 11
    assert counts["MEMBER_OF"] == 11
    assert counts["PURSUES"] == 12
    assert counts["HELPED"] == 10  # h03 and h05 touched ben
    assert counts["REFERRED"] == 6  # ana->ben, ben->dee, ben->eli
    assert "ben" not in graph_of_store(demo)


def test_dangling_reference_writes_nothing(demo: GraphStore) -> None:
    version = demo.data_version()
    good = Helped(id="h99", from_id="ana", to_id="ben", kind="food", at=date(2025, 1, 1))
    bad = Helped(id="h98", from_id="ana", to_id="ghost", kind="food", at=date(2025, 1, 1))
    with pytest.raises(NotFound) as caught:
        demo.upsert_help([good, bad])
    assert caught.value.field == "toId"
    assert demo.counts() == DEMO_COUNTS
    assert demo.data_version() == version


@pytest.mark.parametrize(
    ("method", "record", "field"),
    [
        ("upsert_families", {"region_id": "atlantis"}, "regionId"),
        ("upsert_memberships", {"cohort_id": "nope"}, "cohortId"),
        ("upsert_pursuits", {"family_id": "ghost"}, "familyId"),
    ],
)
def test_missing_targets_are_named(
    demo: GraphStore, method: str, record: dict[str, str], field: str
) -> None:
    base = {
        "upsert_families": next(iter(demo_network().families)),
        "upsert_memberships": MemberOf(family_id="ana", cohort_id="oak-1", since=date(2024, 2, 1)),
        "upsert_pursuits": Pursues(family_id="ana", goal_id="health", since=date(2024, 2, 1)),
    }[method]
    with pytest.raises(NotFound) as caught:
        getattr(demo, method)([base.model_copy(update=record)])
    assert caught.value.field == field
    assert demo.counts() == DEMO_COUNTS


def test_second_referrer_is_rejected(demo: GraphStore) -> None:
    with pytest.raises(ValidationFailed) as caught:
        demo.upsert_referrals([Referred(from_id="gus", to_id="dee", at=date(2024, 3, 5))])
    assert caught.value.field == "toId"
    assert "already has referrer" in str(caught.value)
    assert demo.counts()["REFERRED"] == 9


def test_referral_cycle_is_rejected_whole(demo: GraphStore) -> None:
    ok = Referred(from_id="kim", to_id="lu", at=date(2024, 6, 1))
    cycle = Referred(from_id="fay", to_id="ana", at=date(2024, 6, 1))  # ana -> cruz -> fay -> ana
    with pytest.raises(ValidationFailed, match="cycle"):
        demo.upsert_referrals([ok, cycle])
    assert demo.counts()["REFERRED"] == 9
    assert demo.referrer_of(["lu"]) == {}


def test_resending_a_referral_is_idempotent(demo: GraphStore) -> None:
    demo.upsert_referrals(demo_network().referrals[:3])
    assert demo.counts()["REFERRED"] == 9


def test_concurrent_writes_of_one_id_give_one_node(demo: GraphStore) -> None:
    template = demo.get_families(["ana"])["ana"]
    variants = [
        template.model_copy(update={"id": "twin", "household_size": n}) for n in range(1, 9)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda f: demo.upsert_families([f]), variants))
    assert demo.counts()["Family"] == 13
    assert demo.counts()["LIVES_IN"] == 13
    assert demo.get_families(["twin"])["twin"].household_size in range(1, 9)


def test_help_upsert_by_id_replaces(demo: GraphStore) -> None:
    h = demo_network().helps[0].model_copy(update={"hours": 9.5, "confirmed": False})
    demo.upsert_help([h])
    assert demo.counts()["HELPED"] == 12
    stored = next(x for x in demo.help_of(["ana"])["ana"] if x.id == "h01")
    assert stored == h


def test_cohort_focus_goal_must_exist(store: GraphStore) -> None:
    net = demo_network()
    store.upsert_regions(net.regions)
    cohort = Cohort(
        id="c1", name="C", region_id="oakland", created_at=date(2024, 1, 1), focus_goals=("health",)
    )
    with pytest.raises(NotFound) as caught:
        store.upsert_cohorts([cohort])
    assert caught.value.field == "focusGoals"


def test_empty_batches_are_no_ops(store: GraphStore) -> None:
    version = store.data_version()
    assert store.upsert_families([]) == 0
    assert store.data_version() == version


def test_families_round_trip_all_fields(store: GraphStore) -> None:
    net = demo_network()
    store.upsert_regions(net.regions)
    family = Family.model_validate(
        {
            "id": "x-1",
            "name": "Zoë Ñandú",
            "regionId": "oakland",
            "householdSize": 20,
            "languages": ["vi", "en"],
            "incomeBand": 5,
            "baselineIncomeBand": 1,
            "strengths": ["sewing"],
            "needs": ["driving", "childcare"],
            "joinedAt": "2020-02-29",
            "contact": "+1 555 0100",
            "consent": {"matching": True, "crossRegion": False, "research": True},
        }
    )
    store.upsert_families([family])
    assert store.get_families(["x-1"])["x-1"] == family


def test_change_set_writes_all_parts_in_one_transaction(demo: GraphStore) -> None:
    from graph_service.stores.base import ChangeSet

    newcomer = demo.get_families(["ana"])["ana"].model_copy(update={"id": "newcomer"})
    version = demo.data_version()
    demo.write(
        ChangeSet(
            families=[newcomer],
            memberships=[MemberOf(family_id="newcomer", cohort_id="oak-1", since=date(2025, 1, 1))],
            referrals=[Referred(from_id="fay", to_id="newcomer", at=date(2025, 1, 1))],
        )
    )
    assert demo.data_version() > version
    assert demo.referrer_of(["newcomer"])["newcomer"].from_id == "fay"
    assert demo.count_families(FamilyFilter(cohort_id="oak-1")) == 7


def test_change_set_failure_in_a_later_part_writes_nothing(demo: GraphStore) -> None:
    from graph_service.stores.base import ChangeSet

    newcomer = demo.get_families(["ana"])["ana"].model_copy(update={"id": "newcomer"})
    with pytest.raises(ValidationFailed):
        demo.write(
            ChangeSet(
                families=[newcomer],
                memberships=[
                    MemberOf(family_id="newcomer", cohort_id="oak-1", since=date(2025, 1, 1))
                ],
                referrals=[Referred(from_id="gus", to_id="dee", at=date(2025, 1, 1))],
            )
        )
    assert demo.counts() == DEMO_COUNTS
    assert demo.get_families(["newcomer"]) == {}


def test_deleting_a_missing_family_writes_nothing(demo: GraphStore) -> None:
    """Both stores agree: no version bump, no change-feed entry, False."""
    version = demo.data_version()
    assert demo.delete_family("nobody") is False
    assert demo.data_version() == version
    assert demo.changes_since(version).changes == []


def test_every_write_is_in_the_change_feed_under_its_version(demo: GraphStore) -> None:
    version = demo.data_version()
    demo.upsert_help(
        [Helped(id="feed-1", from_id="ana", to_id="ben", kind="food", at=date(2025, 1, 2))]
    )
    assert demo.delete_family("eli")
    feed = demo.changes_since(version)
    assert feed.complete and [c.version for c in feed.changes] == [version + 1, version + 2]
    assert [h.id for h in feed.changes[0].changes.helps] == ["feed-1"]
    assert list(feed.changes[1].changes.deleted_families) == ["eli"]
    assert not demo.changes_since(demo.data_version()).changes


@pytest.mark.parametrize("page", ["families", "cohorts"])
def test_a_negative_page_limit_is_refused(demo: GraphStore, page: str) -> None:
    """SQLite reads ``LIMIT -1`` as "no limit": both stores refuse it the same way."""
    with pytest.raises(ValidationFailed) as caught:
        if page == "families":
            demo.list_families(FamilyFilter(), after=None, limit=-1)
        else:
            demo.list_cohorts(None, after=None, limit=-1)
    assert caught.value.field == "limit"


def test_page_limit_boundaries(demo: GraphStore) -> None:
    empty = demo.list_families(FamilyFilter(), after=None, limit=0)
    assert empty.families == [] and empty.has_next
    whole = demo.list_families(FamilyFilter(), after=None, limit=12)
    assert len(whole.families) == 12 and not whole.has_next
    last = demo.list_families(FamilyFilter(), after="kim", limit=1)
    assert [f.id for f in last.families] == ["lu"] and not last.has_next
    assert demo.list_families(FamilyFilter(), after="lu", limit=5).families == []
    cohort = FamilyFilter(cohort_id="oak-1")
    first = demo.list_families(cohort, after=None, limit=2)
    assert [f.id for f in first.families] == ["ana", "ben"] and first.has_next
    rest = demo.list_families(cohort, after="ben", limit=10)
    assert [f.id for f in rest.families] == ["cruz", "dee", "eli", "fay"] and not rest.has_next
    assert demo.list_cohorts(None, after=None, limit=0) == []


def test_filters_combine_and_consent_false_is_a_filter(demo: GraphStore) -> None:
    no_matching = FamilyFilter(consent_matching=False)
    refused = {f.id for f in demo.list_families(no_matching, after=None, limit=100).families}
    everyone = demo.list_families(FamilyFilter(), after=None, limit=100).families
    assert refused == {f.id for f in everyone if not f.consent.matching}
    both = FamilyFilter(region_ids=("boston", "oakland"), goal_id="start_business")
    assert [f.id for f in demo.list_families(both, after=None, limit=100).families] == [
        "hal",
        "jon",
        "lu",
    ]
    assert demo.count_families(FamilyFilter(region_ids=("oakland",))) == 6
    assert demo.count_families(FamilyFilter(goal_id="nobody_pursues_this")) == 0


def test_a_cycle_through_a_long_stored_chain_is_rejected(demo: GraphStore) -> None:
    # Stored: ana -> ben -> dee. A batch adding dee -> gus and gus -> ana closes
    # ana -> ben -> dee -> gus -> ana through two stored edges and two new ones.
    batch = [
        Referred(from_id="dee", to_id="gus", at=date(2024, 6, 1)),
        Referred(from_id="gus", to_id="ana", at=date(2024, 6, 1)),
    ]
    version = demo.data_version()
    with pytest.raises(ValidationFailed, match="cycle"):
        demo.upsert_referrals(batch)
    assert demo.data_version() == version
    assert demo.referrer_of(["gus", "ana"]) == {}


def test_deleting_a_family_frees_its_recruits_for_another_referrer(demo: GraphStore) -> None:
    assert demo.delete_family("ben")  # ben referred dee and eli
    demo.upsert_referrals([Referred(from_id="gus", to_id="dee", at=date(2024, 6, 1))])
    assert demo.referrer_of(["dee"])["dee"].from_id == "gus"
    with pytest.raises(NotFound) as caught:
        demo.upsert_referrals([Referred(from_id="ben", to_id="eli", at=date(2024, 6, 1))])
    assert caught.value.field == "fromId"
