"""Ripple through HTTP on both stores, with the demo network's hand-counted cascades.

Demo referrals: ana -> ben, ana -> cruz, ben -> dee, ben -> eli, cruz -> fay (Oakland);
gus -> hal, hal -> ivy, hal -> jon, jon -> kim (Boston). lu was brought in by nobody.
"""

from __future__ import annotations

from tests.api.conftest import Api

RIPPLE = """query($root: ID!) { ripple(rootId: $root) { root { id } size depth familiesPerGeneration
  maxBreadth structuralVirality wienerIndex regionsReached pictureUrl } }"""


def test_family_sees_its_own_ripple(api: Api) -> None:
    body = api.gql(RIPPLE, {"root": "ana"}, as_=("family", "ana"))
    r = body["data"]["ripple"]
    # ana's tree: ana-ben, ana-cruz, ben-dee, ben-eli, cruz-fay (n = 6).
    # Subtree sizes below each edge: ben 3, cruz 2, dee 1, eli 1, fay 1
    # W = 3*3 + 2*4 + 1*5 + 1*5 + 1*5 = 32; pairs = 15; virality = 32/15.
    assert r["size"] == 6 and r["depth"] == 2 and r["familiesPerGeneration"] == [1, 2, 3]
    assert r["maxBreadth"] == 3 and r["wienerIndex"] == 32
    assert abs(r["structuralVirality"] - 32 / 15) < 1e-9
    assert r["regionsReached"] == ["oakland"] and r["root"] == {"id": "ana"}


def test_family_cannot_see_another_familys_ripple(api: Api) -> None:
    body = api.gql(RIPPLE, {"root": "ana"}, as_=("family", "ben"))
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "rootId"}


def test_organizer_region_rule(api: Api) -> None:
    ok = api.gql(RIPPLE, {"root": "gus"}, as_=("organizer", "bob", "boston"))
    assert ok["data"]["ripple"]["size"] == 5  # gus, hal, ivy, jon, kim
    denied = api.gql(RIPPLE, {"root": "ana"}, as_=("organizer", "bob", "boston"))
    # bob may not see ana at all: hidden answers like missing
    assert denied["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_summary_for_organizer_and_researcher(api: Api) -> None:
    query = """query($r: ID) { rippleSummary(regionId: $r) { cascades families invitedShare
      sizeDistribution { size cascades } largestCascades { size root { id } } } }"""
    org = api.gql(query, {"r": "boston"}, as_=("organizer", "bob", "boston"))["data"][
        "rippleSummary"
    ]
    assert org["cascades"] == 2 and org["families"] == 6  # gus's five and lu alone
    assert org["largestCascades"][0] == {"size": 5, "root": {"id": "gus"}}
    research = api.gql(query, {"r": "boston"}, as_=("researcher", "rita"))
    assert research["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # tables: rippleResearch
    assert (
        api.gql(query, {"r": "boston"}, as_=("family", "gus"))["errors"][0]["extensions"]["code"]
        == "FORBIDDEN"
    )


def test_cohort_ripple_for_members(api: Api) -> None:
    body = api.gql(
        '{ cohortRipple(cohortId: "oak-1") { members cascades familiesReached } }',
        as_=("family", "dee"),
    )
    assert body["data"]["cohortRipple"]["members"] == 6


def test_pictures_are_served_with_the_same_rules(api: Api) -> None:
    token = api.token("family", "ana")
    png = api.http.get(
        f"{api.base}/pictures/ripple/ana.png", headers={"Authorization": f"Bearer {token}"}
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = api.http.get(
        f"{api.base}/pictures/ripple/ana.svg?color_by=region",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert svg.status_code == 200 and b"<svg" in svg.content
    denied = api.http.get(
        f"{api.base}/pictures/ripple/gus.png", headers={"Authorization": f"Bearer {token}"}
    )
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN"
    anonymous = api.http.get(f"{api.base}/pictures/ripple/ana.png")
    assert anonymous.status_code == 401
    org = api.token("organizer", "bob", ("boston",))
    growth = api.http.get(
        f"{api.base}/pictures/growth/boston.png", headers={"Authorization": f"Bearer {org}"}
    )
    assert growth.status_code == 200 and growth.content.startswith(b"\x89PNG")


def test_pictures_follow_accept_language(api: Api) -> None:
    token = api.token("family", "ana")
    spanish = api.http.get(
        f"{api.base}/pictures/ripple/ana.svg",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "es-MX,en;q=0.5"},
    )
    assert spanish.status_code == 200 and "Cascada de" in spanish.text
    english = api.http.get(
        f"{api.base}/pictures/ripple/ana.svg",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )
    assert "Cascade of" in english.text and "Cascada" not in english.text
    org = api.token("organizer", "bob", ("boston",))
    growth = api.http.get(
        f"{api.base}/pictures/growth/boston.svg",
        headers={"Authorization": f"Bearer {org}", "Accept-Language": "es"},
    )
    assert growth.status_code == 200 and "Crecimiento por invitaciones · boston" in growth.text


def test_without_a_header_pictures_follow_the_family_language(api: Api) -> None:
    token = api.token("family", "fay")  # fay speaks Spanish only
    url = f"{api.base}/pictures/ripple/fay.svg"
    own = api.http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert own.status_code == 200 and "Cascada de" in own.text
    asked = api.http.get(url, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert "Cascade of" in asked.text
