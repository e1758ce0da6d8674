"""Paths to a family, checked by hand on the demo network. The full role matrix (every role x
root field x nested path x mutation) is generated from the policy in
``tests/security/test_policy_matrix.py``.

Demo network: ana (Oakland, matching+cross-region), ben (Oakland, matching, local only),
eli (Oakland, no consent at all), gus (Boston, matching+cross-region), ivy (Boston, local only).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

ROLES = {
    "self": ("family", "ana"),
    "cohort-mate": ("family", "eli"),  # eli gave no consent, but shares ana's cohort
    "same-region-peer": ("family", "ben"),
    "other-region-peer": ("family", "gus"),
    "other-region-local": ("family", "ivy"),
    "organizer-here": ("organizer", "olga", "oakland"),
    "organizer-elsewhere": ("organizer", "bob", "boston"),
    "researcher": ("researcher", "rita"),
    "admin": ("admin", "root"),
}


def _ids(nodes: list[dict[str, str] | None]) -> set[str]:
    return {n["id"] for n in nodes if n}


def test_cohort_members_path_applies_the_same_policy(api: Api) -> None:
    # ivy (Boston) may see cohort bos-1's members; oak-1 is not her region's cohort.
    body = api.gql('{ cohort(id: "bos-1") { members { id } } }', as_=ROLES["other-region-local"])
    assert _ids(body["data"]["cohort"]["members"]) == {"gus", "hal", "ivy", "jon", "kim", "lu"}
    body = api.gql('{ cohort(id: "oak-1") { members { id } } }', as_=ROLES["other-region-local"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # gus (Boston, cross-region) reaching ana's cohort through ana: only consenting members.
    body = api.gql('{ family(id: "ana") { cohort { id } } }', as_=ROLES["other-region-peer"])
    assert body["data"]["family"]["cohort"] is None  # a cohort of another region stays hidden


def test_help_path_hides_families_the_viewer_may_not_see(api: Api) -> None:
    # The organizer of Boston sees gus's help to cruz (Oakland), but not cruz herself.
    body = api.gql(
        '{ family(id: "gus") { helpGiven { edges { node { kind receiver { id } } } } } }',
        as_=ROLES["organizer-elsewhere"],
    )
    edges = body["data"]["family"]["helpGiven"]["edges"]
    assert {(e["node"]["kind"], (e["node"]["receiver"] or {}).get("id")) for e in edges} == {
        ("repairs", "hal"),
        ("advice", None),
    }


def test_referral_path_applies_the_policy(api: Api) -> None:
    body = api.gql("{ me { referredBy { referrer { id } } } }", as_=("family", "eli"))
    assert body["data"]["me"]["referredBy"]["referrer"] == {"id": "ben"}  # cohort-mate
    body = api.gql(
        '{ family(id: "ivy") { referredBy { referrer { id name } } } }', as_=ROLES["organizer-here"]
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("viewer", list(ROLES))
def test_families_listing_by_role(api: Api, viewer: str) -> None:
    body = api.gql("{ families(first: 50) { edges { node { id } } } }", as_=ROLES[viewer])
    if viewer == "researcher":
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        return
    ids = {e["node"]["id"] for e in body["data"]["families"]["edges"]}
    expected = {
        "self": {"ana", "ben", "cruz", "dee", "fay"},  # consenting families of Oakland
        "cohort-mate": {"ana", "ben", "cruz", "dee", "fay"},
        "same-region-peer": {"ana", "ben", "cruz", "dee", "fay"},
        "other-region-peer": {"gus", "hal", "ivy", "jon", "kim", "lu"},
        "other-region-local": {"gus", "hal", "ivy", "jon", "kim", "lu"},
        "organizer-here": {"ana", "ben", "cruz", "dee", "eli", "fay"},
        "organizer-elsewhere": {"gus", "hal", "ivy", "jon", "kim", "lu"},
        "admin": {
            "ana",
            "ben",
            "cruz",
            "dee",
            "eli",
            "fay",
            "gus",
            "hal",
            "ivy",
            "jon",
            "kim",
            "lu",
        },
    }[viewer]
    assert ids == expected


def test_organizer_cannot_list_another_region(api: Api) -> None:
    body = api.gql(
        '{ families(filter: {regionId: "boston"}) { edges { cursor } } }',
        as_=ROLES["organizer-here"],
    )
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "filter.regionId"}


def test_researcher_gets_no_family_by_any_path(api: Api) -> None:
    for query in (
        '{ family(id: "ana") { id } }',
        '{ cohort(id: "oak-1") { members { id } } }',
        "{ cohorts { edges { node { id } } } }",
        "{ me { id } }",
    ):
        body = api.gql(query, as_=ROLES["researcher"])
        assert body.get("data") in (None, {}) or not any(body["data"].values()), query
        assert body["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
