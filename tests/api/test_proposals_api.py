"""Cohort proposals through HTTP on both stores: propose, accept, decline, activate."""

from __future__ import annotations

from datetime import date
from typing import Any

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
    assert decline["data"]["declineInvitation"]["status"] == "DECLINED"
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


STORED = """query($id: ID!) { cohortProposal(id: $id) {
  id status regionId poolSize weights { goals ties languages } languageShare replacedBy
  quality { cohorts tiesKeptShare familiesSharingNoLanguage }
  cohorts { cohort { id invited { id } } invitations { familyId status } }
  leftOver { familyId reason explanation } } }"""


def test_a_proposal_is_seen_again_replaced_and_withdrawn(api: Api) -> None:
    _newcomers(api)
    organizer = ("organizer", "olga", "oakland")
    weights = {"goals": 2.0, "ties": 0.5, "needs": 0.5, "languages": 0.25, "region": 0.5}
    first = api.gql(
        PROPOSE, {"input": {"regionId": "oakland", "seed": 3, "weights": weights}}, as_=organizer
    )["data"]["proposeCohorts"]
    seen = api.gql(STORED, {"id": first["id"]}, as_=organizer)["data"]["cohortProposal"]
    assert seen["status"] == "PENDING" and seen["poolSize"] == 12
    assert seen["weights"] == {"goals": 2.0, "ties": 0.5, "languages": 0.25}
    cohort = seen["cohorts"][0]
    invited = sorted(i["familyId"] for i in cohort["invitations"])
    assert sorted(f["id"] for f in cohort["cohort"]["invited"]) == invited  # cohort(id) shows them
    assert {i["status"] for i in cohort["invitations"]} == {"INVITED"}
    listed = api.gql('query { cohortProposals(regionId: "oakland") { id status } }', as_=organizer)[
        "data"
    ]["cohortProposals"]
    assert listed == [{"id": first["id"], "status": "PENDING"}]

    again = api.gql(PROPOSE, {"input": {"regionId": "oakland", "seed": 4}}, as_=organizer)
    assert again["errors"][0]["extensions"] == {"code": "CONFLICT", "field": "replace"}
    replaced = api.gql(
        PROPOSE, {"input": {"regionId": "oakland", "seed": 4, "replace": True}}, as_=organizer
    )["data"]["proposeCohorts"]
    old = api.gql(STORED, {"id": first["id"]}, as_=organizer)["data"]["cohortProposal"]
    assert old["status"] == "REPLACED" and old["replacedBy"] == replaced["id"]
    assert {i["status"] for c in old["cohorts"] for i in c["invitations"]} == {"WITHDRAWN"}

    withdraw = "mutation($id: ID!) { withdrawCohortProposal(id: $id) { status } }"
    done = api.gql(withdraw, {"id": replaced["id"]}, as_=organizer)
    assert done["data"]["withdrawCohortProposal"]["status"] == "WITHDRAWN"
    twice = api.gql(withdraw, {"id": replaced["id"]}, as_=organizer)
    assert twice["errors"][0]["extensions"]["code"] == "CONFLICT"
    stranger = api.gql(STORED, {"id": first["id"]}, as_=("organizer", "bob", "boston"))
    assert stranger["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "id"}


def test_an_uneven_pool_gets_valid_cohorts_and_the_families_left_over(api: Api) -> None:
    _newcomers(api)
    organizer = ("organizer", "olga", "oakland")
    eleven = [f"n{i}" for i in range(11)]
    body = api.gql(PROPOSE, {"input": {"regionId": "oakland", "familyIds": eleven}}, as_=organizer)
    assert "errors" not in body, body
    proposal = body["data"]["proposeCohorts"]
    assert [len(c["members"]) for c in proposal["cohorts"]] == [8]
    seen = api.gql(STORED, {"id": proposal["id"]}, as_=organizer)["data"]["cohortProposal"]
    assert len(seen["leftOver"]) == 3
    assert {x["reason"] for x in seen["leftOver"]} == {"UNEVEN_POOL"}
    assert "11 families cannot all be placed" in seen["leftOver"][0]["explanation"]


def _spanish(api: Api, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    token = api.token("organizer", "olga", ("oakland",))
    response = api.http.post(
        f"{api.base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "es"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_organizer_reads_summaries_reasons_and_errors_in_spanish(api: Api) -> None:
    _newcomers(api)
    eleven = [f"n{i}" for i in range(11)]
    body = _spanish(api, PROPOSE, {"input": {"regionId": "oakland", "familyIds": eleven}})
    proposal = body["data"]["proposeCohorts"]
    summary = proposal["cohorts"][0]["rationale"]["summary"]
    assert summary.startswith("8 familias; metas en común:"), summary
    seen = _spanish(api, STORED, {"id": proposal["id"]})
    left = seen["data"]["cohortProposal"]["leftOver"][0]
    assert left["explanation"].startswith("No se pueden ubicar las 11 familias")
    again = _spanish(api, PROPOSE, {"input": {"regionId": "oakland"}})
    error = again["errors"][0]
    assert error["extensions"] == {"code": "CONFLICT", "field": "replace"}
    assert error["message"].startswith("Algunas de estas familias están invitadas")


def test_the_formation_errors_name_the_fields_of_the_request(api: Api) -> None:
    """The analytics name their own parameters (``ties``, ``max_size``, ``pool``); the answer
    names what the caller sent."""
    _newcomers(api)
    admin = ("admin", "root")

    def answer(extra: dict[str, Any]) -> dict[str, object]:
        body = api.gql(PROPOSE, {"input": {"regionId": "oakland", **extra}}, as_=admin)
        extensions: dict[str, object] = body["errors"][0]["extensions"]
        return {key: extensions[key] for key in ("code", "field")}

    assert answer({"weights": {"ties": -1.0}}) == {
        "code": "BAD_USER_INPUT",
        "field": "weights.ties",
    }
    assert answer({"minSize": 6, "maxSize": 5}) == {"code": "BAD_USER_INPUT", "field": "maxSize"}
    too_big = {"code": "BAD_USER_INPUT", "field": "regionId"}
    assert answer({"minSize": 500, "maxSize": 600}) == too_big
    explicit = {"familyIds": ["n0", "n1", "n2"]}
    assert answer(explicit) == {"code": "BAD_USER_INPUT", "field": "familyIds"}
    assert api.store.counts()["Cohort"] == 2  # nothing written by a failed proposal
