"""One test per hole found by the security review of issue 14 (each failed before its fix).

Demo network: Oakland ana..fay in cohort oak-1, Boston gus..lu in bos-1; eli consented to
nothing, ivy is local-only (hidden from Oakland families), ana and gus consented to
cross-region contact.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


# ---------------------------------------------------------------- 1. consent by a non-family


@pytest.mark.parametrize(
    "who",
    [("researcher", "ana"), ("organizer", "ana", "boston"), ("organizer", "ana", "oakland")],
)
def test_hole1_a_principal_named_like_a_family_cannot_change_its_consent(
    api: Api, who: tuple[str, ...]
) -> None:
    before = api.store.get_families(["ana"])["ana"].consent
    body = api.gql(
        'mutation { updateConsent(familyId: "ana", input: {matching: false, research: false}) '
        "{ id } }",
        as_=who,
    )
    code = _error(body)["extensions"]["code"]
    # The Oakland organizer sees ana (so it is told FORBIDDEN); the others may not see her.
    assert code == ("FORBIDDEN" if who[-1] == "oakland" else "NOT_FOUND")
    assert api.store.get_families(["ana"])["ana"].consent == before  # nothing written


def test_hole1_the_family_itself_still_changes_its_consent(api: Api) -> None:
    body = api.gql(
        "mutation { updateConsent(input: {research: false}) { consent { research } } }",
        as_=("family", "ana"),
    )
    assert body["data"]["updateConsent"]["consent"] == {"research": False}
    assert api.store.get_families(["ana"])["ana"].consent.research is False


# ---------------------------------------------------------------- 5. existence oracles

HIDDEN_OR_MISSING = [
    'mutation { updateProfile(familyId: "$F", input: {name: "x"}) { id } }',
    'mutation { updateConsent(familyId: "$F", input: {matching: true}) { id } }',
    'mutation { setGoal(familyId: "$F", input: {goalId: "health"}) { status } }',
    '{ ripple(rootId: "$F") { size } }',
    '{ peerMatches(familyId: "$F") { score } }',
    'mutation { recordHelp(input: {toId: "$F", kind: "food"}) { id } }',
    'mutation { inviteFamily(cohortId: "oak-1", familyId: "$F") { status } }',
]


@pytest.mark.parametrize("template", HIDDEN_OR_MISSING)
def test_hole5_hidden_and_missing_families_answer_the_same(api: Api, template: str) -> None:
    """ivy (Boston, local only) is hidden from ana; 'nobody' does not exist."""
    helps_before = api.store.counts()["HELPED"]
    answers = []
    for target in ("ivy", "nobody"):
        body = api.gql(template.replace("$F", target), as_=("family", "ana"))
        error = _error(body)
        answers.append((error["extensions"], error["message"]))
    assert answers[0] == answers[1]
    assert answers[0][0]["code"] == "NOT_FOUND"
    assert "ivy" not in answers[0][1]
    assert api.store.counts()["HELPED"] == helps_before  # recordHelp wrote nothing
    assert api.store.get_families(["ivy"])["ivy"].name != "x"
