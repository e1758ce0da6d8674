"""The role matrix, generated from the policy (``graph_service/services/access.py``).

Every principal below (including names that collide with family ids, an organizer of the
other region and a family token without a family) is sent every root field, every nested
path to a family and every mutation; the expected answer of each is what ``decide`` says
for that principal and resource on the store's current data, not a hand-written table.
A root field or mutation missing from the probes below fails the test, so a new field
cannot skip the matrix. The probes are in ``policy_probes.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType

from graph_service.api.schema import build_schema
from graph_service.services.access import Action
from graph_service.settings import Settings
from tests.api.conftest import Api
from tests.security.policy_probes import MUTATIONS, PRINCIPALS, QUERIES, TARGETS, Probe, verdict

PUBLIC = ["id", "name", "region { id }", "languages", "strengths", "needs", "joinedAt"]
PRIVATE = [
    "contact",
    "householdSize",
    "incomeBand",
    "consent { research }",
    "memberships { status }",
    "helpGiven { totalCount }",
    "helpReceived { totalCount }",
]
AUTH_CODES = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}


EXPECTED_CODE = {"hidden": "NOT_FOUND", "forbidden": "FORBIDDEN", "anonymous": "UNAUTHENTICATED"}


def _code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return str(errors[0]["extensions"]["code"]) if errors else None


def _check(body: dict[str, Any], verdict: str, what: str, may_miss: bool = False) -> None:
    """An allowed call meets no authorization error (``may_miss``: NOT_FOUND for a reason
    that is not access, e.g. no open invitation); a refused one gets the policy's code and
    no data."""
    code = _code(body)
    if verdict == "allow":
        allowed = {"NOT_FOUND"} if may_miss else set()
        assert code not in AUTH_CODES - allowed, (what, body)
    else:
        assert code == EXPECTED_CODE[verdict], (what, verdict, body)
        assert not any((body.get("data") or {}).values()), (what, body)


def _root_fields(mutation: bool) -> set[str]:
    schema = build_schema(Settings())._schema
    root = schema.mutation_type if mutation else schema.query_type
    assert isinstance(root, GraphQLObjectType)
    return set(root.fields)


def test_every_root_field_and_mutation_has_a_probe() -> None:
    assert _root_fields(mutation=False) == set(QUERIES)
    assert _root_fields(mutation=True) == set(MUTATIONS)


def _expected(api: Api, probe: Probe, who: tuple[str, ...] | None, target: str) -> str:
    if probe.custom is not None:
        return probe.custom(api, who, target)
    assert probe.action is not None
    if who is None:
        return "anonymous"
    return verdict(api, who, probe.action, target if probe.family else None)


def _run(api: Api, probes: dict[str, Probe], targets: list[str]) -> int:
    sent = 0
    for name, probe in probes.items():
        for label, who in PRINCIPALS.items():
            for target in targets if "$F" in probe.text else ["-"]:
                verdict = _expected(api, probe, who, target)
                before = api.store.counts(), api.store.get_families([target])
                text = probe.text.replace("$F", target).replace("$W", f"{sent}")
                body = api.gql(text, as_=who) if who else api.gql(text)
                sent += 1
                _check(body, verdict, f"{name} as {label} on {target}", probe.may_miss)
                if verdict != "allow":  # a refused write writes nothing
                    assert (api.store.counts(), api.store.get_families([target])) == before
    return sent


def test_root_fields_follow_the_policy(api: Api) -> None:
    assert _run(api, QUERIES, TARGETS) > 300


def test_mutations_follow_the_policy(api: Api) -> None:
    assert _run(api, MUTATIONS, TARGETS) > 300


@pytest.mark.parametrize("label", [k for k in PRINCIPALS if PRINCIPALS[k] is not None])
def test_family_fields_follow_the_policy(api: Api, label: str) -> None:
    who = PRINCIPALS[label]
    assert who is not None
    for target in TARGETS:
        public = verdict(api, who, Action.READ_PUBLIC, target)
        private = verdict(api, who, Action.READ_PRIVATE, target)
        body = api.gql(f'{{ family(id: "{target}") {{ {" ".join(PUBLIC)} }} }}', as_=who)
        _check(body, public, f"public fields of {target} as {label}")
        for field in PRIVATE:
            body = api.gql(f'{{ family(id: "{target}") {{ {field} }} }}', as_=who)
            expected = private if public == "allow" else public
            name = field.split(" ")[0]
            if public == "allow" and expected != "allow":
                # private fields are nullable: the family stays, the field is null
                assert _code(body) == EXPECTED_CODE[expected], (field, target, label, body)
                assert body["data"]["family"][name] is None, (field, target, label, body)
                continue
            _check(body, expected, f"{field} of {target} as {label}")
            if expected == "allow":
                assert body["data"]["family"][name] is not None
                # household facts: the family itself and admins only (not organizers)
        household = verdict(api, who, Action.READ_HOUSEHOLD, target)
        body = api.gql(
            f'{{ family(id: "{target}") {{ householdFacts {{ adultAges }} }} }}', as_=who
        )
        _check(body, household if public == "allow" else public, f"householdFacts of {target}")


NESTED = [
    '{ family(id: "$F") { cohort { members { id } } } }',
    '{ family(id: "$F") { helpGiven(first: 50) { edges { node { giver { id } receiver { id } } } } } }',
    '{ family(id: "$F") { helpReceived(first: 50) { edges { node { giver { id } receiver { id } } } } } }',
    '{ family(id: "$F") { referredBy { referrer { id } referred { id } } } }',
    '{ family(id: "$F") { memberships { family { id } invitedBy { id } cohort { id } } } }',
    '{ cohort(id: "oak-1") { members { id cohort { members { id } } } } }',
    '{ cohort(id: "bos-1") { members { id } } }',
    "{ families(first: 100) { edges { node { id cohort { members { id } } } } } }",
    '{ peerMatches(familyId: "$F", scope: ANY, includeCohort: true, first: 50) { peer { id } } }',
    '{ ripple(rootId: "$F") { root { id } } }',
    "{ me { cohort { members { id } } referredBy { referrer { id } } } }",
]


def _family_ids(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        if "id" in value and isinstance(value["id"], str):
            found.add(value["id"])
        for item in value.values():
            _family_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _family_ids(item, found)
    return found


@pytest.mark.parametrize("label", [k for k in PRINCIPALS if PRINCIPALS[k] is not None])
def test_every_nested_path_returns_only_families_the_policy_shows(api: Api, label: str) -> None:
    who = PRINCIPALS[label]
    assert who is not None
    everyone = {"ana", "ben", "cruz", "dee", "eli", "fay", "gus", "hal", "ivy", "jon", "kim", "lu"}
    visible = {f for f in everyone if verdict(api, who, Action.READ_PUBLIC, f) == "allow"}
    for template in NESTED:
        for target in TARGETS if "$F" in template else ["-"]:
            body = api.gql(template.replace("$F", target), as_=who)
            seen = _family_ids(body.get("data"), set()) & everyone
            assert seen <= visible, (label, template, target, seen - visible)
