"""Cohort proposals through HTTP on both stores: propose, accept, decline, activate."""

from __future__ import annotations

from datetime import date

from graph_service.stores.base import ChangeSet, FamilyFilter
from models import Consent, Family, Helped, Pursues
from tests.api.conftest import Api

PROPOSE = """mutation($input: ProposeCohortsInput!) { proposeCohorts(input: $input) {
  id cohorts { cohort { id status origin } members { id } rationale { tiesKept summary sharedGoals { goal count } } }
  quality { cohorts sizesValid meanGoalSimilarity tiesKeptShare } } }"""


def _newcomers(api: Api) -> None:
    """Twelve Oakland families without a cohort: n0..n5 save for a home and help each other,
    n6..n11 want to start a business and help each other."""
    ids = [f"n{i}" for i in range(12)]
    families = [
        Family(
            id=f,
            name=f.upper(),
            region_id="oakland",
            household_size=3,
            income_band=2,
            joined_at=date(2025, 1, 1),
            consent=Consent(matching=True),
        )
        for f in ids
    ]
    goals = [
        Pursues(
            family_id=f, goal_id="buy_home" if i < 6 else "start_business", since=date(2025, 1, 2)
        )
        for i, f in enumerate(ids)
    ]
    helps = [
        Helped(id=f"hn{i}", from_id=ids[i], to_id=ids[i + 1], kind="food", at=date(2025, 2, 1))
        for i in (0, 1, 2, 3, 4, 6, 7, 8, 9, 10)
    ]
    api.store.write(ChangeSet(families=families, pursuits=goals, helps=helps))


def test_propose_accept_decline(api: Api) -> None:
    _newcomers(api)
    organizer = ("organizer", "olga", "oakland")
    body = api.gql(PROPOSE, {"input": {"regionId": "oakland", "seed": 3}}, as_=organizer)
    assert "errors" not in body, body
    proposal = body["data"]["proposeCohorts"]
    groups = sorted(sorted(m["id"] for m in c["members"]) for c in proposal["cohorts"])
    assert groups == [["n0", "n1", "n2", "n3", "n4", "n5"], ["n10", "n11", "n6", "n7", "n8", "n9"]]
    assert proposal["quality"] == {
        "cohorts": 2,
        "sizesValid": True,
        "meanGoalSimilarity": 1.0,
        "tiesKeptShare": 1.0,
    }
    first = next(c for c in proposal["cohorts"] if "n0" in {m["id"] for m in c["members"]})
    assert first["cohort"]["status"] == "FORMING" and first["cohort"]["origin"] == "PROPOSED"
    assert first["rationale"]["tiesKept"] == 5
    cohort_id = first["cohort"]["id"]
    # Nobody was moved: all are invited, none active.
    assert api.store.count_families(FamilyFilter(cohort_id=cohort_id)) == 0

    accept = "mutation($c: ID!) { acceptInvitation(cohortId: $c) { status } }"
    for f in ("n0", "n1", "n2", "n3", "n4"):
        assert "errors" not in api.gql(accept, {"c": cohort_id}, as_=("family", f))
    decline = api.gql(
        "mutation($c: ID!) { declineInvitation(cohortId: $c) { status } }",
        {"c": cohort_id},
        as_=("family", "n5"),
    )
    assert decline["data"]["declineInvitation"]["status"] == "LEFT"
    status = api.gql(
        "query($c: ID!) { cohort(id: $c) { status memberCount } }", {"c": cohort_id}, as_=organizer
    )
    assert status["data"]["cohort"] == {"status": "FORMING", "memberCount": 5}  # minimum is 6

    # n5 declined: back in the pool, but a pool of one cannot be split into cohorts of 6-8.
    again = api.gql(PROPOSE, {"input": {"regionId": "oakland", "familyIds": ["n5"]}}, as_=organizer)
    assert again["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_proposal_rules(api: Api) -> None:
    _newcomers(api)
    elsewhere = api.gql(
        PROPOSE, {"input": {"regionId": "oakland"}}, as_=("organizer", "bob", "boston")
    )
    assert elsewhere["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "regionId"}
    family = api.gql(PROPOSE, {"input": {"regionId": "oakland"}}, as_=("family", "ana"))
    assert family["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    in_cohort = api.gql(
        PROPOSE, {"input": {"regionId": "oakland", "familyIds": ["ana"]}}, as_=("admin", "root")
    )
    assert in_cohort["errors"][0]["extensions"]["field"] == "familyIds"
    assert api.store.counts()["Cohort"] == 2  # nothing written by a failed proposal
