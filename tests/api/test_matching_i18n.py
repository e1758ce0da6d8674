"""Matches a family can read and act on, over HTTP on both stores (demo network).

ana (Oakland, English) is in cohort oak-1 with every consenting Oakland family; she exchanged
help with ben and cruz. fay (Oakland, cohort oak-1) speaks only Spanish; cruz speaks English
and Spanish.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from graph_service.analytics.match_reasons import (
    ComplementaryStrengths,
    MatchReason,
    RoleModel,
    SharedGoals,
    SimilarSituation,
    TrustProximity,
)
from graph_service.api.texts import reason_text
from tests.api.conftest import Api

SUGGESTIONS = """query($cohort: Boolean, $connected: Boolean, $any: Boolean, $goal: ID) {
  peerSuggestions(includeCohort: $cohort, includeConnected: $connected, anyLanguage: $any,
                  goal: $goal) {
    language
    matches { peer { id } reasons { __typename
      ... on SharedGoalsReason { text } ... on ComplementaryStrengthsReason { text }
      ... on RoleModelReason { text } ... on TrustProximityReason { text }
      ... on SimilarSituationReason { text sharedLanguages } } }
    shortfall { code count text goal { id } } } }"""


def _ask(
    api: Api,
    family: str,
    variables: dict[str, Any] | None = None,
    accept_language: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api.token('family', family)}"}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    response = api.http.post(
        f"{api.base}/graphql",
        json={"query": SUGGESTIONS, "variables": variables or {}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["peerSuggestions"]
    return found


def _texts(found: dict[str, Any]) -> list[str]:
    return [r["text"] for m in found["matches"] for r in m["reasons"]]


def test_ana_sees_why_her_answer_is_empty(api: Api) -> None:
    found = _ask(api, "ana")
    assert found["matches"] == []
    codes = {s["code"]: s for s in found["shortfall"]}
    assert codes["ALL_NEARBY_IN_COHORT"]["count"] == 4  # ben, cruz, dee, fay
    assert codes["ALL_NEARBY_IN_COHORT"]["text"] == (
        "All 4 families near you who could be suggested are already in your cohort."
    )
    assert codes["ALREADY_CONNECTED"]["count"] == 2  # ben and cruz
    assert codes["NO_SHARED_LANGUAGE"]["count"] == 1  # fay speaks only Spanish
    assert codes["FEW_CONSENTED"]["count"] == 4
    assert found["language"] == "en"


def test_with_the_option_ana_sees_her_help_partners(api: Api) -> None:
    found = _ask(api, "ana", {"connected": True})
    assert sorted(m["peer"]["id"] for m in found["matches"]) == ["ben", "cruz"]
    # and the same through peerMatches
    body = api.gql("{ peerMatches(includeConnected: true) { peer { id } } }", as_=("family", "ana"))
    assert sorted(m["peer"]["id"] for m in body["data"]["peerMatches"]) == ["ben", "cruz"]


def test_a_spanish_speaking_family_reads_its_reasons_in_spanish(api: Api) -> None:
    found = _ask(api, "fay", {"cohort": True})
    assert found["language"] == "es"
    assert [m["peer"]["id"] for m in found["matches"]] == ["cruz"]  # the one who speaks Spanish
    texts = _texts(found)
    assert "Las dos familias hablan español." in " ".join(texts)
    for text in texts:
        assert "_" not in text and not re.search(r"\bes\b", text)  # never terms or codes
    shortfall = {s["code"]: s["text"] for s in found["shortfall"]}
    assert shortfall["NO_SHARED_LANGUAGE"].startswith("3 familias que podrían ser sugeridas")


def test_accept_language_chooses_the_language(api: Api) -> None:
    spanish = _ask(api, "ana", {"connected": True}, accept_language="es-MX,es;q=0.9")
    english = _ask(api, "fay", {"cohort": True}, accept_language="en-US")
    assert spanish["language"] == "es" and english["language"] == "en"
    in_english = _texts(_ask(api, "ana", {"connected": True}))
    assert len(_texts(spanish)) == len(in_english) > 0
    assert not set(_texts(spanish)) & set(in_english)
    assert "You both speak Spanish." in " ".join(_texts(english))
    # an unsupported language falls back to the family's, then English
    assert _ask(api, "fay", {"cohort": True}, accept_language="de")["language"] == "es"


def test_reasons_use_vocabulary_labels(api: Api) -> None:
    found = _ask(api, "ana", {"connected": True})
    texts = " ".join(_texts(found))
    assert "_" not in texts
    cruz = next(m for m in found["matches"] if m["peer"]["id"] == "cruz")
    kinds = {r["__typename"] for r in cruz["reasons"]}
    assert "ComplementaryStrengthsReason" in kinds
    comp = next(r for r in cruz["reasons"] if r["__typename"] == "ComplementaryStrengthsReason")
    assert "childcare" in comp["text"]  # ana's strength that meets cruz's need, as a label


def test_a_goal_filter_explains_itself(api: Api) -> None:
    found = _ask(api, "ana", {"cohort": True, "goal": "learn_english"})
    assert found["matches"] == []
    goal = next(s for s in found["shortfall"] if s["code"] == "GOAL_FILTER")
    assert goal["count"] == 0 and goal["goal"] == {"id": "learn_english"}
    assert "“Learn English”" in goal["text"]


def test_a_full_answer_has_no_shortfall(api: Api) -> None:
    body = api.gql(
        "{ peerSuggestions(first: 1, includeCohort: true) { matches { score } shortfall { code } } }",
        as_=("family", "ana"),
    )
    assert len(body["data"]["peerSuggestions"]["matches"]) == 1
    assert body["data"]["peerSuggestions"]["shortfall"] == []


def test_family_facing_errors_in_spanish(api: Api) -> None:
    # eli has not consented to matching; asks in Spanish
    response = api.http.post(
        f"{api.base}/graphql",
        json={"query": "{ peerMatches { score } }"},
        headers={
            "Authorization": f"Bearer {api.token('family', 'eli')}",
            "Accept-Language": "es",
        },
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "field": "familyId"}
    assert error["message"].startswith("no pueden ver las familias sugeridas")
    english = api.gql("{ peerMatches { score } }", as_=("family", "eli"))["errors"][0]
    assert english["message"] == "you may not read peer matches of this family"
    # a program rule, in Spanish: fay (in oak-1) may not start a second cohort
    response = api.http.post(
        f"{api.base}/graphql",
        json={"query": 'mutation { createCohort(input: {name: "Otra"}) { id } }'},
        headers={"Authorization": f"Bearer {api.token('family', 'fay')}"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["message"] == "dejen su grupo actual antes de empezar uno nuevo"


def test_a_private_field_of_a_peer_is_null_for_that_field_only(api: Api) -> None:
    body = api.gql(
        "{ peerMatches(includeCohort: true) { peer { id name householdSize contact } } }",
        as_=("family", "ana"),
    )
    peers = [m["peer"] for m in body["data"]["peerMatches"]]
    assert peers and all(p is not None and p["name"] for p in peers)
    assert all(p["householdSize"] is None and p["contact"] is None for p in peers)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert {e["path"][-1] for e in body["errors"]} == {"householdSize", "contact"}
    # her own private fields she reads
    me = api.gql("{ me { householdSize contact } }", as_=("family", "ana"))
    assert me["data"]["me"] == {"householdSize": 4, "contact": "ana@example.org"}


def test_cross_region_peers_share_a_language_unless_widened(api: Api) -> None:
    query = "query($any: Boolean) { crossRegionPeers(anyLanguage: $any) { peer { id languages } } }"
    # fay speaks only Spanish; nobody in Boston does
    default = api.gql(query, {}, as_=("family", "fay"))["data"]["crossRegionPeers"]
    assert default == []
    widened = api.gql(query, {"any": True}, as_=("family", "fay"))["data"]["crossRegionPeers"]
    assert widened and all("es" not in m["peer"]["languages"] for m in widened)


def test_reasons_render_from_their_facts_in_each_language() -> None:
    """The analytics return facts only; the sentences are the transport's (api/texts.py)."""
    cases: list[tuple[MatchReason, str]] = [
        (SharedGoals(("buy_home",)), "You are both working on the goal “Buy a home”."),
        (
            ComplementaryStrengths(("tax_paperwork",), ()),
            "They are good at tax and paperwork, which you are looking for.",
        ),
        (TrustProximity(1, 1, 0), "You know 1 family in common (1 through help exchanged)."),
        (
            RoleModel("buy_home", date(2024, 6, 1)),
            "They reached the goal “Buy a home” in June 2024; you are working on it now.",
        ),
        (
            SimilarSituation(True, ("en",)),
            "Your households are of a similar size. You both speak English.",
        ),
        (SimilarSituation(False, ("es",)), "You both speak Spanish."),
    ]
    for reason, english in cases:
        assert reason_text(reason, "en") == english
    assert reason_text(SimilarSituation(False, ("es",)), "es") == "Las dos familias hablan español."
