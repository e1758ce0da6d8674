"""Program rules under concurrent requests through the real app over HTTP (both stores):
every answer is 200 with data or a CONFLICT error (never a 5xx, never another code), and the
rule holds afterwards."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from models import Consent, Family, MembershipStatus
from tests.api.conftest import Api

THREADS = 8


def newcomers(api: Api, prefix: str, n: int) -> list[str]:
    ids = [f"{prefix}{i:02d}" for i in range(n)]
    api.store.upsert_families(
        [
            Family(
                id=i,
                name=f"Family {i}",
                region_id="oakland",
                household_size=3,
                income_band=2,
                joined_at=date(2025, 1, 1),
                consent=Consent(matching=True),
            )
            for i in ids
        ]
    )
    return ids


def outcome(api: Api, query: str, variables: dict[str, str], family: str) -> str:
    response = api.post(query, variables, api.token("family", family))
    assert response.status_code == 200, response.text
    body = response.json()
    if "errors" in body:
        return str(body["errors"][0]["extensions"]["code"])
    return "ok"


def race(api: Api, calls: list[tuple[str, dict[str, str], str]]) -> Counter[str]:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(lambda call: outcome(api, *call), calls))


def test_concurrent_create_cohort_over_http(api: Api) -> None:
    ids = newcomers(api, "h", 10)
    rng = random.Random(7)
    chosen = [rng.choice(ids) for _ in range(120)]
    create = "mutation($n: String!) { createCohort(input: {name: $n}) { id } }"
    outcomes = race(api, [(create, {"n": f"C {f}"}, f) for f in chosen])
    assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
    assert outcomes["ok"] == len(set(chosen))
    memberships = api.store.memberships_of_families(ids)
    for f in set(chosen):
        assert sum(m.status is MembershipStatus.ACTIVE for m in memberships[f]) == 1


def test_concurrent_invitations_over_http(api: Api) -> None:
    members = ["ana", "ben", "cruz", "dee", "eli", "fay"]  # oak-1: 6 of 8 places taken
    invitees = newcomers(api, "n", 20)
    invite = 'mutation($f: ID!) { inviteFamily(cohortId: "oak-1", familyId: $f) { status } }'
    calls = [(invite, {"f": n}, members[i % 6]) for i, n in enumerate(invitees * 6)]
    outcomes = race(api, calls)
    assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
    assert outcomes["ok"] == 2
    open_places = [
        m
        for m in api.store.members_of_cohorts(["oak-1"])["oak-1"]
        if m.status in (MembershipStatus.ACTIVE, MembershipStatus.INVITED)
    ]
    assert len(open_places) == 8
    assert max(Counter(m.invited_by for m in open_places if m.invited_by).values()) <= 2
