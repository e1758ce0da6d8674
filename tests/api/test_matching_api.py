"""Peer matching through HTTP on both stores (demo network; see graph_service/demo.py).

Oakland: ana (matching + cross-region; emergency savings achieved; cooks, needs car repair),
ben (matching, local; saving, paying down debt; car repair, needs paperwork), cruz (all;
buying a home; paperwork, needs childcare), dee (local), eli (no consent), fay (all).
Boston: gus (all; bought a home in 2025), hal, jon, kim (all), ivy and lu (local).
"""

from __future__ import annotations

from tests.api.conftest import Api

MATCHES = """query($f: ID, $scope: MatchScope, $cohort: Boolean) {
  peerMatches(familyId: $f, scope: $scope, includeCohort: $cohort, first: 10) {
    peer { id } score reasons { __typename ... on SharedGoalsReason { goals { id } text }
      ... on ComplementaryStrengthsReason { theirStrengthsMeetingMyNeeds myStrengthsMeetingTheirNeeds }
      ... on RoleModelReason { goal { id } achievedAt } } } }"""


def _ids(body: dict) -> list[str]:  # type: ignore[type-arg]  # JSON
    return [m["peer"]["id"] for m in body["data"]["peerMatches"]]


def test_cohort_mates_only_when_asked(api: Api) -> None:
    # All of ana's consenting Oakland peers are cohort-mates: none without includeCohort.
    assert _ids(api.gql(MATCHES, {}, as_=("family", "ana"))) == []
    with_cohort = _ids(api.gql(MATCHES, {"cohort": True}, as_=("family", "ana")))
    assert set(with_cohort) <= {"ben", "cruz", "dee", "fay"} and "eli" not in with_cohort
    assert "ana" not in with_cohort


def test_other_regions_role_model_and_consent(api: Api) -> None:
    body = api.gql(MATCHES, {"scope": "OTHER_REGIONS"}, as_=("family", "cruz"))
    ids = _ids(body)
    # Only Boston families who consented to cross-region contact; cruz already got help from gus.
    assert set(ids) <= {"hal", "jon", "kim"}
    assert "ivy" not in ids and "lu" not in ids
    # ben never consented to cross-region contact: he gets no other-region peers.
    assert _ids(api.gql(MATCHES, {"scope": "OTHER_REGIONS"}, as_=("family", "ben"))) == []


def test_cross_region_peers_are_role_models_or_helpers(api: Api) -> None:
    query = "{ crossRegionPeers(first: 5) { peer { id } reasons { __typename } } }"
    body = api.gql(query, as_=("family", "fay"))
    for match in body["data"]["crossRegionPeers"]:
        kinds = {r["__typename"] for r in match["reasons"]}
        assert kinds & {"RoleModelReason", "ComplementaryStrengthsReason"}
        assert match["peer"]["id"] in {"gus", "hal", "jon", "kim"}


def test_a_family_without_matching_consent_is_never_suggested(api: Api) -> None:
    for asker in ("ana", "ben", "cruz", "dee", "fay"):
        ids = _ids(api.gql(MATCHES, {"cohort": True, "scope": "ANY"}, as_=("family", asker)))
        assert "eli" not in ids


def test_access_rules(api: Api) -> None:
    other = api.gql(MATCHES, {"f": "ben"}, as_=("family", "ana"))
    assert other["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "familyId"}
    organizer = api.gql(MATCHES, {"f": "ana", "cohort": True}, as_=("organizer", "o", "oakland"))
    assert "errors" not in organizer
    elsewhere = api.gql(MATCHES, {"f": "ana"}, as_=("organizer", "b", "boston"))
    assert elsewhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # hidden = missing
    researcher = api.gql(MATCHES, {"f": "ana"}, as_=("researcher", "r"))
    assert researcher["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # sees no family
    no_consent = api.gql(MATCHES, {}, as_=("family", "eli"))
    assert no_consent["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_write_is_visible_to_the_next_match(api: Api) -> None:
    before = _ids(api.gql(MATCHES, {"scope": "OTHER_REGIONS"}, as_=("family", "cruz")))
    api.gql("mutation { updateConsent(input: {crossRegion: false}) { id } }", as_=("family", "hal"))
    after = _ids(api.gql(MATCHES, {"scope": "OTHER_REGIONS"}, as_=("family", "cruz")))
    assert "hal" not in after
    assert set(after) == set(before) - {"hal"}


def test_suggest_bridges_for_organizers_of_both_regions(api: Api) -> None:
    query = '{ suggestBridges(regionA: "oakland", regionB: "boston") { familyA { id region { id } } familyB { id region { id } } score } }'
    body = api.gql(query, as_=("organizer", "o", "oakland", "boston"))
    bridges = body["data"]["suggestBridges"]
    consenting = {"ana", "cruz", "fay", "gus", "hal", "jon", "kim"}
    assert bridges, body
    for b in bridges:
        assert (
            b["familyA"]["region"]["id"] == "oakland" and b["familyB"]["region"]["id"] == "boston"
        )
        assert {b["familyA"]["id"], b["familyB"]["id"]} <= consenting
    one_region = api.gql(query, as_=("organizer", "o", "oakland"))
    assert one_region["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "regionB"}
