"""End-to-end through HTTP: health, stats, reads, errors."""

from __future__ import annotations

from tests.api.conftest import Api


def test_health_reports_the_store(api: Api) -> None:
    body = api.http.get(f"{api.base}/health").json()
    assert body["status"] == "ok"
    assert body["store"] == api.store.name
    assert body["storeReachable"] is True


def test_stats_are_public_with_small_counts_suppressed(api: Api) -> None:
    query = "{ stats { families cohorts goals regions helpExchanges referrals } }"
    public = api.gql(query)["data"]["stats"]
    # 2 cohorts and 9 referrals are small cells (1..10): hidden from the public and researchers
    assert public == {
        "families": 12,
        "cohorts": None,
        "goals": 12,
        "regions": 2,
        "helpExchanges": 12,
        "referrals": None,
    }
    assert api.gql(query, as_=("researcher", "rita"))["data"]["stats"] == public
    assert api.gql(query, as_=("admin", "root"))["data"]["stats"] == {
        "families": 12,
        "cohorts": 2,
        "goals": 12,
        "regions": 2,
        "helpExchanges": 12,
        "referrals": 9,
    }


def test_family_reads_own_profile_with_nested_cohort(api: Api) -> None:
    body = api.gql(
        "{ me { id name householdSize contact consent { matching } region { id name }"
        " goals { goal { id } status achievedAt } cohort { id members { id } } } }",
        as_=("family", "ana"),
    )
    me = body["data"]["me"]
    assert me["id"] == "ana" and me["householdSize"] == 4 and me["contact"] == "ana@example.org"
    assert me["region"] == {"id": "oakland", "name": "Oakland / San Francisco"}
    assert me["goals"] == [
        {"goal": {"id": "emergency_savings"}, "status": "ACHIEVED", "achievedAt": "2025-03-01"}
    ]
    # cohort-mates are visible to each other, whatever their matching consent
    assert [m["id"] for m in me["cohort"]["members"]] == ["ana", "ben", "cruz", "dee", "eli", "fay"]


def test_anonymous_family_query_is_unauthenticated(api: Api) -> None:
    body = api.gql('{ family(id: "ana") { id } }')
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_bad_token_is_unauthenticated(api: Api) -> None:
    body = api.gql('{ family(id: "ana") { id } }', token="not-a-token")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_unknown_family_is_not_found_with_field(api: Api) -> None:
    body = api.gql('{ family(id: "zzz") { id } }', as_=("admin", "root"))
    error = body["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}


def test_families_are_keyset_paginated_with_total(api: Api) -> None:
    query = "query($after: String) { families(first: 5, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }"
    seen: list[str] = []
    after = None
    while True:
        page = api.gql(query, {"after": after}, as_=("admin", "root"))["data"]["families"]
        assert page["totalCount"] == 12
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == 12


def test_page_size_and_cursor_are_validated(api: Api) -> None:
    body = api.gql("{ families(first: 1000) { edges { cursor } } }", as_=("admin", "root"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "first"
    body = api.gql('{ families(after: "garbage") { edges { cursor } } }', as_=("admin", "root"))
    assert body["errors"][0]["extensions"]["field"] == "after"


def test_wrong_argument_type_is_bad_user_input(api: Api) -> None:
    body = api.gql('{ families(first: "ten") { edges { cursor } } }', as_=("admin", "root"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_unknown_field_is_a_validation_error(api: Api) -> None:
    body = api.gql("{ stats { nope } }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_goals_and_regions_are_public(api: Api) -> None:
    body = api.gql("{ goals { id label } regions { id latitude } }")
    assert len(body["data"]["goals"]) == 12
    assert [r["id"] for r in body["data"]["regions"]] == ["boston", "oakland"]
