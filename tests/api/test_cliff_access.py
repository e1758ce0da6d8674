"""Who may see and change household facts and the cliff views: the attacks (another family,
the region's organizer, a researcher, anonymous) over HTTP, on both stores. No model run:
every refusal comes from the policy before anything is computed."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

READ = 'query { family(id: "ana") { householdFacts { adultAges childAges married } } }'
SET = """mutation($in: HouseholdFactsInput!) {
  setHouseholdFacts(familyId: "ana", input: $in) { adultAges } }"""
KEEP = 'query { whatIWouldKeep(familyId: "ana", earnings: 20000) { earningsNow } }'
COUNTS = "query($r: ID!) { cliffCounts(regionId: $r) { progress { running } report { epsilon } } }"
EXPOSURE = "query { cliffExposure(step: 1000) { progress { running } } }"
REFORM = "mutation($r: String!) { simulateCliffReform(reform: $r) { id running } }"
FACTS = {
    "adultAges": [34, 36],
    "married": True,
    "childAges": [5],
    "childAgeBands": ["AGE_13_TO_17"],
}


def _code(body: dict[str, object]) -> str:
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, body
    return str(errors[0]["extensions"]["code"])


def _facts_of_ana(api: Api) -> dict[str, object]:
    body = api.gql(READ, as_=("admin", "root"))
    assert "errors" not in body, body
    facts: dict[str, object] = body["data"]["family"]["householdFacts"]
    return facts


@pytest.fixture
def with_facts(api: Api) -> Api:
    body = api.gql(SET, {"in": FACTS}, as_=("family", "ana"))
    assert "errors" not in body, body
    return api


def test_the_family_and_admins_read_and_change_them(with_facts: Api) -> None:
    api = with_facts
    own = api.gql(READ, as_=("family", "ana"))["data"]["family"]["householdFacts"]
    assert own == {"adultAges": [34, 36], "childAges": [5], "married": True}
    assert _facts_of_ana(api) == own
    body = api.gql(SET, {"in": {"adultAges": [40]}}, as_=("admin", "root"))
    assert body["data"]["setHouseholdFacts"]["adultAges"] == [40]


@pytest.mark.parametrize(
    "who",
    [("family", "ben"), ("organizer", "olga", "oakland"), ("researcher", "rita")],
    ids=["another-family", "organizer-of-the-region", "researcher"],
)
def test_nobody_else_reads_changes_or_models_them(with_facts: Api, who: tuple[str, ...]) -> None:
    api = with_facts
    before = _facts_of_ana(api)
    read = api.gql(READ, as_=who)
    assert _code(read) in ("FORBIDDEN", "NOT_FOUND")
    family = (read.get("data") or {}).get("family")
    assert family is None or family.get("householdFacts") is None
    assert _code(api.gql(SET, {"in": {"adultAges": [99]}}, as_=who)) in ("FORBIDDEN", "NOT_FOUND")
    assert _code(api.gql(KEEP, as_=who)) in ("FORBIDDEN", "NOT_FOUND")
    assert _facts_of_ana(api) == before  # a refused write wrote nothing


def test_the_organizer_still_sees_the_other_private_fields_but_not_these(with_facts: Api) -> None:
    olga = ("organizer", "olga", "oakland")
    size = with_facts.gql('query { family(id: "ana") { householdSize } }', as_=olga)
    assert size["data"]["family"]["householdSize"] == 4
    body = with_facts.gql(READ, as_=olga)
    assert _code(body) == "FORBIDDEN"
    assert body["errors"][0]["extensions"].get("field") == "householdFacts"


def test_anonymous_callers_are_unauthenticated(with_facts: Api) -> None:
    for query in (READ, KEEP):
        assert _code(with_facts.gql(query)) == "UNAUTHENTICATED"


def test_bad_facts_name_the_field_and_write_nothing(with_facts: Api) -> None:
    api = with_facts
    before = _facts_of_ana(api)
    for bad, field in (
        ({"adultAges": [17]}, "adultAges"),
        ({"adultAges": [30], "childAges": [44]}, "childAges"),
        ({"adultAges": [30], "married": True}, "married"),
    ):
        body = api.gql(SET, {"in": bad}, as_=("family", "ana"))
        assert _code(body) == "BAD_USER_INPUT"
        assert str(body["errors"][0]["extensions"].get("field", "")).startswith(field)
    assert _facts_of_ana(api) == before


def test_counts_and_reports_are_for_their_roles_only(api: Api) -> None:
    assert (
        _code(api.gql(COUNTS, {"r": "boston"}, as_=("organizer", "olga", "oakland"))) == "FORBIDDEN"
    )
    assert _code(api.gql(COUNTS, {"r": "oakland"}, as_=("family", "ana"))) == "FORBIDDEN"
    assert _code(api.gql(COUNTS, {"r": "oakland"}, as_=("researcher", "rita"))) == "FORBIDDEN"
    assert _code(api.gql(EXPOSURE, as_=("organizer", "olga", "oakland"))) == "FORBIDDEN"
    assert _code(api.gql(EXPOSURE, as_=("family", "ana"))) == "FORBIDDEN"
    reform = '{"gov.usda.snap.income.deductions.earned_income": 0.3}'
    assert _code(api.gql(REFORM, {"r": reform}, as_=("family", "ana"))) == "FORBIDDEN"
    assert (
        _code(api.gql(REFORM, {"r": reform}, as_=("organizer", "olga", "oakland"))) == "FORBIDDEN"
    )
    for bad in ("not json", "[]", '{"os.system": 1}', '{"gov.x": "rm -rf"}'):
        body = api.gql(REFORM, {"r": bad}, as_=("researcher", "rita"))
        assert _code(body) == "BAD_USER_INPUT"
        assert body["errors"][0]["extensions"]["field"] == "reform"
