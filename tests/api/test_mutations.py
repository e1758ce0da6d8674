"""Mutations through HTTP: validation before writing, all-or-nothing, program rules."""

from __future__ import annotations

from typing import Any

from graph_service.stores.base import FamilyFilter
from tests.api.conftest import Api

REGISTER = """
mutation($input: RegisterFamilyInput!) { registerFamily(input: $input) { id name region { id } } }
"""


def _family_input(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": "new-1",
        "name": "New family",
        "regionId": "oakland",
        "householdSize": 3,
        "incomeBand": 2,
        "strengths": ["cooking"],
        "needs": ["driving"],
    }
    return {**base, **overrides}


def _code(body: dict[str, Any]) -> tuple[str, str | None]:
    ext = body["errors"][0]["extensions"]
    return ext["code"], ext.get("field")


def test_organizer_registers_family_in_its_region(api: Api) -> None:
    body = api.gql(REGISTER, {"input": _family_input()}, as_=("organizer", "olga", "oakland"))
    assert body["data"]["registerFamily"] == {
        "id": "new-1",
        "name": "New family",
        "region": {"id": "oakland"},
    }
    assert api.store.counts()["Family"] == 13


def test_organizer_cannot_register_outside_its_regions(api: Api) -> None:
    body = api.gql(
        REGISTER, {"input": _family_input(regionId="boston")}, as_=("organizer", "olga", "oakland")
    )
    assert _code(body) == ("FORBIDDEN", "regionId")
    assert api.store.counts()["Family"] == 12


def test_invalid_registration_names_every_field_and_writes_nothing(api: Api) -> None:
    bad = _family_input(id="Bad Id", householdSize=99, strengths=["juggling"])
    body = api.gql(REGISTER, {"input": bad}, as_=("admin", "root"))
    ext = body["errors"][0]["extensions"]
    assert ext["code"] == "BAD_USER_INPUT"
    fields = {p["field"] for p in ext["problems"]}
    assert {"id", "householdSize", "strengths.0"} <= fields
    assert "Traceback" not in str(body)
    assert api.store.counts()["Family"] == 12


def test_duplicate_registration_is_a_conflict(api: Api) -> None:
    body = api.gql(REGISTER, {"input": _family_input(id="ana")}, as_=("admin", "root"))
    assert _code(body) == ("CONFLICT", "id")


def test_family_updates_its_profile_and_consent(api: Api) -> None:
    body = api.gql(
        'mutation { updateProfile(input: {householdSize: 6, needs: ["driving"]}) { householdSize needs } '
        "updateConsent(input: {research: false}) { consent { matching research } } }",
        as_=("family", "ana"),
    )
    assert body["data"]["updateProfile"] == {"householdSize": 6, "needs": ["driving"]}
    assert body["data"]["updateConsent"]["consent"] == {"matching": True, "research": False}


def test_family_cannot_edit_another_family(api: Api) -> None:
    body = api.gql(
        'mutation { updateProfile(familyId: "ben", input: {householdSize: 1}) { id } }',
        as_=("family", "ana"),
    )
    assert _code(body) == ("FORBIDDEN", "familyId")


def test_organizer_cannot_change_consent(api: Api) -> None:
    body = api.gql(
        'mutation { updateConsent(familyId: "ana", input: {research: false}) { id } }',
        as_=("organizer", "o", "oakland"),
    )
    assert _code(body) == ("FORBIDDEN", "familyId")


def test_set_goal_achieved_fills_the_date(api: Api) -> None:
    body = api.gql(
        'mutation { setGoal(input: {goalId: "pay_down_debt", status: ACHIEVED}) { goal { id } status achievedAt } }',
        as_=("family", "ben"),
    )
    goal = body["data"]["setGoal"]
    assert goal["status"] == "ACHIEVED" and goal["achievedAt"]


def test_unknown_goal_is_bad_input(api: Api) -> None:
    body = api.gql(
        'mutation { setGoal(input: {goalId: "fly_to_mars"}) { status } }', as_=("family", "ben")
    )
    assert _code(body) == ("BAD_USER_INPUT", "goalId")


def test_help_is_recorded_then_confirmed_by_receiver_only(api: Api) -> None:
    body = api.gql(
        'mutation { recordHelp(input: {toId: "dee", kind: "childcare", hours: 2, amount: 40}) { id confirmed } }',
        as_=("family", "ana"),
    )
    help_id = body["data"]["recordHelp"]["id"]
    assert body["data"]["recordHelp"]["confirmed"] is False
    confirm = "mutation($id: ID!) { confirmHelp(helpId: $id) { confirmed } }"
    assert _code(api.gql(confirm, {"id": help_id}, as_=("family", "ana"))) == (
        "FORBIDDEN",
        "helpId",
    )
    body = api.gql(confirm, {"id": help_id}, as_=("family", "dee"))
    assert body["data"]["confirmHelp"]["confirmed"] is True
    assert _code(api.gql(confirm, {"id": help_id}, as_=("family", "dee")))[0] == "CONFLICT"


def test_self_help_is_rejected(api: Api) -> None:
    body = api.gql(
        'mutation { recordHelp(input: {toId: "ana", kind: "food"}) { id } }', as_=("family", "ana")
    )
    assert _code(body)[0] == "BAD_USER_INPUT"
    assert api.store.counts()["HELPED"] == 12


def _register(api: Api, fid: str) -> None:
    body = api.gql(REGISTER, {"input": _family_input(id=fid)}, as_=("admin", "root"))
    assert "errors" not in body, body


def test_invitation_limits_and_referral_on_accept(api: Api) -> None:
    for fid in ("n1", "n2", "n3"):
        _register(api, fid)
    invite = 'mutation($f: ID!) { inviteFamily(cohortId: "oak-1", familyId: $f) { status invitedBy { id } } }'
    assert (
        api.gql(invite, {"f": "n1"}, as_=("family", "fay"))["data"]["inviteFamily"]["status"]
        == "INVITED"
    )
    assert "errors" not in api.gql(invite, {"f": "n2"}, as_=("family", "fay"))
    # third invitation by the same member: the limit is 2 each
    assert _code(api.gql(invite, {"f": "n3"}, as_=("family", "fay"))) == ("CONFLICT", "familyId")
    # 6 members + 2 open invitations = 8: the cohort is full for everyone
    assert _code(api.gql(invite, {"f": "n3"}, as_=("family", "ana"))) == ("CONFLICT", "cohortId")
    # a non-member cannot invite
    assert _code(api.gql(invite, {"f": "n3"}, as_=("family", "gus")))[0] == "FORBIDDEN"

    body = api.gql(
        'mutation { acceptInvitation(cohortId: "oak-1") { status } }', as_=("family", "n1")
    )
    assert body["data"]["acceptInvitation"]["status"] == "ACTIVE"
    assert api.store.referrer_of(["n1"])["n1"].from_id == "fay"
    assert api.store.count_families(FamilyFilter(cohort_id="oak-1")) == 7

    body = api.gql(
        'mutation { declineInvitation(cohortId: "oak-1") { status } }', as_=("family", "n2")
    )
    assert body["data"]["declineInvitation"]["status"] == "DECLINED"
    assert api.store.referrer_of(["n2"]) == {}


def test_create_join_and_leave_a_cohort(api: Api) -> None:
    _register(api, "solo")
    body = api.gql(
        'mutation { createCohort(input: {name: "New Start", focusGoals: ["health"]}) { id status origin } }',
        as_=("family", "solo"),
    )
    cohort = body["data"]["createCohort"]
    assert cohort["status"] == "FORMING" and cohort["origin"] == "SELF_FORMED"
    # one active cohort at a time
    again = api.gql(
        'mutation { createCohort(input: {name: "Other"}) { id } }', as_=("family", "solo")
    )
    assert _code(again)[0] == "CONFLICT"
    left = api.gql(
        "mutation($c: ID!) { leaveCohort(cohortId: $c) { status } }",
        {"c": cohort["id"]},
        as_=("family", "solo"),
    )
    assert left["data"]["leaveCohort"]["status"] == "LEFT"


def test_a_cohort_turns_active_at_the_minimum(api: Api) -> None:
    for i in range(6):
        _register(api, f"m{i}")
    cohort = api.gql(
        'mutation { createCohort(input: {name: "Six"}) { id } }', as_=("family", "m0")
    )["data"]["createCohort"]["id"]
    invite = "mutation($c: ID!, $f: ID!) { inviteFamily(cohortId: $c, familyId: $f) { status } }"
    accept = "mutation($c: ID!) { acceptInvitation(cohortId: $c) { status } }"
    inviter = {1: "m0", 2: "m0", 3: "m1", 4: "m1", 5: "m2"}
    for i in range(1, 6):
        assert "errors" not in api.gql(
            invite, {"c": cohort, "f": f"m{i}"}, as_=("family", inviter[i])
        )
        assert "errors" not in api.gql(accept, {"c": cohort}, as_=("family", f"m{i}"))
    status = api.gql(
        "query($c: ID!) { cohort(id: $c) { status memberCount } }",
        {"c": cohort},
        as_=("family", "m0"),
    )
    assert status["data"]["cohort"] == {"status": "ACTIVE", "memberCount": 6}
