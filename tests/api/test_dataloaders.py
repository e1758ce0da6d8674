"""No N+1: a nested query over many families makes a bounded number of store calls."""

from __future__ import annotations

from datetime import date

from graph_service.stores.base import ChangeSet
from models import Family, Helped, MemberOf, Pursues
from tests.api.conftest import Api
from tests.api.test_limits import CountingStore, counted  # noqa: F401  # fixture re-export


def _grow(api: Api, n: int) -> None:
    families = [
        Family(
            id=f"x{i:03d}",
            name=f"X {i}",
            region_id="oakland",
            household_size=3,
            income_band=2,
            joined_at=date(2024, 5, 1),
        )
        for i in range(n)
    ]
    api.store.write(
        ChangeSet(
            families=families,
            memberships=[
                MemberOf(family_id=f.id, cohort_id="oak-1", since=date(2024, 5, 1))
                for f in families
            ],
            pursuits=[
                Pursues(family_id=f.id, goal_id="health", since=date(2024, 5, 1)) for f in families
            ],
            helps=[
                Helped(id=f"hx{i}", from_id=f.id, to_id="ana", kind="food", at=date(2024, 6, 1))
                for i, f in enumerate(families)
            ],
        )
    )


def test_nested_query_over_many_families_is_batched(counted: tuple[Api, CountingStore]) -> None:  # noqa: F811 - the fixture imported above
    api, store = counted
    _grow(api, 60)
    query = """{ families(first: 70, filter: {regionId: "oakland"}) { edges { node {
        id goals { status } cohort { id members { id } }
        helpGiven(first: 3) { edges { node { kind receiver { id name } } } }
        referredBy { referrer { id } } } } } }"""
    before = store.calls
    body = api.gql(query, as_=("admin", "root"))
    assert "errors" not in body, body["errors"]
    assert len(body["data"]["families"]["edges"]) == 66
    calls = store.calls - before
    # list + one batch each for memberships, pursuits, cohorts, members, help, referrer,
    # families (for receivers/members) and regions: independent of the 66 families.
    assert calls <= 12, calls


def test_a_family_s_own_peer_matches_make_one_store_read(
    counted: tuple[Api, CountingStore],  # noqa: F811 - the fixture imported above
) -> None:
    # The asker, its cohorts and every peer's record and cohorts come in one read: the peers'
    # fields and the access decisions about them need no further round trip (issue 19).
    api, store = counted
    query = """{ peerMatches(scope: ANY, includeCohort: true, first: 10) {
        score peer { id name region { id } strengths } } }"""
    before = store.calls
    body = api.gql(query, as_=("family", "ana"))
    assert "errors" not in body, body["errors"]
    peers = [m["peer"] for m in body["data"]["peerMatches"]]
    assert peers and all(p is not None for p in peers)
    # families_with_memberships, and the regions' list for `region` (one batch)
    assert store.calls - before == 2, store.calls - before
