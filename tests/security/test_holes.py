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


# ---------------------------------------------------------------- 2. denial of service


def fan_out(levels: int = 10, spreads: int = 10) -> str:
    """~700 characters that expand to spreads**levels selections if fragments are re-expanded."""
    parts = ["query { stats { ...F0 } }"]
    for level in range(levels):
        inner = " ".join([f"...F{level + 1}"] * spreads)
        parts.append(f"fragment F{level} on Stats {{ {inner} }}")
    parts.append(f"fragment F{levels} on Stats {{ families }}")
    return "\n".join(parts)


def test_hole2_fragment_fan_out_is_refused_and_health_keeps_answering(api: Api) -> None:
    import threading

    outcome: dict[str, Any] = {}

    def attack() -> None:
        outcome["body"] = api.post(fan_out()).json()  # anonymous, as in the report

    thread = threading.Thread(target=attack)
    thread.start()
    health = api.http.get(f"{api.base}/health")
    thread.join(timeout=30)
    assert not thread.is_alive(), "the fan-out was not refused"
    assert health.status_code == 200
    error = _error(outcome["body"])
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "after fragment expansion" in error["message"]


def test_hole2_thirty_aliases_of_a_report_are_refused_by_cost(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: networkSummary {{ smallCellThreshold }}" for i in range(30))
    body = api.gql(query + " }", as_=("researcher", "rita"))
    assert body.get("data") is None
    error = _error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"].get("cost", 0) > api.settings.max_query_cost


def test_hole2_one_report_is_still_within_the_cost(api: Api) -> None:
    body = api.gql("{ networkSummary { smallCellThreshold } }", as_=("researcher", "rita"))
    assert "errors" not in body, body


# ---------------------------------------------------------------- 3. reasons without values

SITUATION = """query { peerMatches(first: 50, scope: ANY, includeCohort: true) {
  peer { id } reasons { __typename ... on SimilarSituationReason { similarHousehold text } } } }"""


def test_hole3_the_size_difference_is_gone_from_the_schema(api: Api) -> None:
    body = api.gql(
        "{ peerMatches { reasons { ... on SimilarSituationReason { householdSizeDifference } } } }",
        as_=("family", "ana"),
    )
    assert _error(body)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_hole3_changing_ones_own_size_reveals_at_most_a_band(api: Api) -> None:
    """The attack: ana sets her household size to 1, 2, ... 20 and reads every reason."""
    similar_at: dict[str, set[int]] = {}
    for size in range(1, 21):
        api.gql(
            f"mutation {{ updateProfile(input: {{householdSize: {size}}}) {{ id }} }}",
            as_=("family", "ana"),
        )
        body = api.gql(SITUATION, as_=("family", "ana"))
        for match in body["data"]["peerMatches"]:
            for reason in match["reasons"]:
                if reason["__typename"] != "SimilarSituationReason":
                    continue
                assert not any(ch.isdigit() for ch in reason["text"]), reason
                if reason["similarHousehold"]:
                    similar_at.setdefault(match["peer"]["id"], set()).add(size)
    assert similar_at, "the attack saw no reason at all: the test would prove nothing"
    for sizes in similar_at.values():
        assert len(sizes) >= 2  # never one size only: the peer's exact size stays unknown


# ---------------------------------------------------------------- 4. suggestions in production


def test_hole4_no_suggestion_anywhere_in_production(store: Any) -> None:
    import httpx

    from graph_service.demo import demo_network, load_network
    from graph_service.settings import Mode, Settings
    from tests.api.conftest import SECRET, serve

    load_network(store, demo_network())
    settings = Settings(mode=Mode.PRODUCTION, secret_key=SECRET)
    token = Api("", settings, store, httpx.Client()).token("family", "ana")
    for base in serve(settings, store):
        with httpx.Client(timeout=30) as http:
            for query in (
                'mutation { recordHelp(input: {toid: "ben", kind: "food"}) { id } }',
                "{ stats { familie helpExchange } }",
                "{ me { nam } }",
            ):
                body = http.post(
                    f"{base}/graphql",
                    json={"query": query},
                    headers={"Authorization": f"Bearer {token}"},
                ).json()
                assert body["errors"], query
                for error in body["errors"]:
                    assert "did you mean" not in error["message"].lower(), error


# ---------------------------------------------------------------- 6. input that is not a 500


def _raw(api: Api, content: bytes, content_type: str = "application/json") -> Any:
    return api.http.post(
        f"{api.base}/graphql", content=content, headers={"content-type": content_type}
    )


def test_hole6_deeply_nested_variables_are_a_400(api: Api) -> None:
    nested = '{"query": "{ stats { families } }", "variables": {"x": ' + "[" * 100_000
    nested += "]" * 100_000 + "}}"
    response = _raw(api, nested.encode())
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_hole6_a_body_that_is_not_utf8_is_a_400(api: Api) -> None:
    response = _raw(api, b'{"query": "{ stats { families } }\xff\xfe"}')
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_hole6_malformed_json_and_nan_are_a_400(api: Api) -> None:
    for content in (b'{"query": ', b'{"query": "{ stats { families } }", "variables": NaN}'):
        assert _raw(api, content).status_code == 400


def test_hole6_a_signed_token_with_bad_claim_types_is_unauthenticated(api: Api) -> None:
    from datetime import UTC, datetime, timedelta

    import jwt

    from graph_service.auth import ALGORITHM, ISSUER

    now = datetime.now(UTC)
    for bad in ({"regions": "oakland"}, {"regions": [1, 2]}, {"role": ["admin"]}, {"sub": 7}):
        claims = {
            "iss": ISSUER,
            "sub": "olga",
            "role": "organizer",
            "regions": ["oakland"],
            "iat": now,
            "exp": now + timedelta(hours=1),
            **bad,
        }
        token = jwt.encode(claims, api.settings.secret_key.get_secret_value(), ALGORITHM)
        response = api.post('{ family(id: "ana") { id } }', token=token)
        assert response.status_code == 200, (bad, response.text)
        assert _error(response.json())["extensions"]["code"] == "UNAUTHENTICATED", bad


@pytest.mark.parametrize(
    ("query", "who", "field"),
    [
        (
            '{ ripple(rootId: "ana", windowDays: 2147483647) { size } }',
            ("family", "ana"),
            "windowDays",
        ),
        ('{ ripple(rootId: "ana", windowDays: 0) { size } }', ("family", "ana"), "windowDays"),
        ('{ networkSummary(to: "9999-12-31") { smallCellThreshold } }', ("researcher", "r"), "to"),
        (
            '{ networkSummary(from: "0001-01-01") { smallCellThreshold } }',
            ("researcher", "r"),
            "from",
        ),
        (
            '{ rippleSummary(regionId: "oakland", to: "9999-12-31") { cascades } }',
            ("admin", "a"),
            "to",
        ),
    ],
)
def test_hole6_out_of_range_scalars_are_bad_user_input(
    api: Api, query: str, who: tuple[str, ...], field: str
) -> None:
    error = _error(api.gql(query, as_=who))
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field


def test_hole6_a_100_mb_body_is_a_413_and_a_long_id_is_not_echoed(api: Api) -> None:
    big = b'{"query": "{ stats { families } }", "pad": "' + b"x" * (100 * 1024 * 1024) + b'"}'
    response = _raw(api, big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    def chunks() -> Any:
        yield b'{"query": "{ stats { families } }", "pad": "'
        for _ in range(20):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    streamed = api.http.post(  # no Content-Length: the guard counts while reading
        f"{api.base}/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    token = api.token("admin", "root")
    for long_id in ("a" * 500_000, "a" * 5_000):  # over the string limit; over an id's 64
        response = api.post("query($id: ID!) { family(id: $id) { id } }", {"id": long_id}, token)
        assert response.status_code in (200, 400)
        assert _error(response.json())["extensions"]["code"] == "BAD_USER_INPUT"
        assert "aaaaaaaaaa" not in response.text
    literal = api.gql('{ cohort(id: "' + "b" * 5_000 + '") { id } }', as_=("admin", "r"))
    assert _error(literal)["extensions"]["code"] == "BAD_USER_INPUT"
    assert "bbbbbbbbbb" not in str(literal)


# ---------------------------------------------------------------- 7. deployment defaults


def test_hole7_health_shows_no_data_version(api: Api) -> None:
    body = api.http.get(f"{api.base}/health").json()
    assert body["status"] == "ok"
    assert "dataVersion" not in body


def test_hole7_docker_compose_runs_production_and_needs_a_secret() -> None:
    import re
    from pathlib import Path

    text = Path("docker-compose.yml").read_text()
    assert re.search(r"^\s+GS_MODE: production$", text, re.M)
    # ${VAR:?message}: compose refuses to start without it
    assert re.search(r"^\s+GS_SECRET_KEY: \$\{GS_SECRET_KEY:\?", text, re.M)
    assert "dev-only" not in text
    ports = re.findall(r'^\s+- "([^"]+)"$', text, re.M)
    assert ports and all(p.startswith("127.0.0.1:") for p in ports), ports


@pytest.mark.parametrize(
    "secret",
    ["a" * 64, "abcd" * 16, "password" * 8, "correct horse battery staple", "Aa1" * 20],
)
def test_hole7_low_entropy_secrets_are_refused_in_production(secret: str) -> None:
    from graph_service.app import create_app
    from graph_service.errors import ConfigurationError
    from graph_service.settings import Mode, Settings

    with pytest.raises(ConfigurationError):
        create_app(Settings(mode=Mode.PRODUCTION, secret_key=secret))


def test_hole7_a_generated_secret_is_accepted_and_rotation_verifies_both_keys() -> None:
    import secrets as random_secrets

    from graph_service.auth import Role, decode_token, issue_token
    from graph_service.errors import Unauthenticated
    from graph_service.settings import Mode, Settings

    old, new = random_secrets.token_urlsafe(48), random_secrets.token_urlsafe(48)
    before = Settings(mode=Mode.PRODUCTION, secret_key=old)
    during = Settings(mode=Mode.PRODUCTION, secret_key=new, secret_key_previous=old)
    after = Settings(mode=Mode.PRODUCTION, secret_key=new)
    from graph_service.app import create_app

    create_app(during)
    old_token = issue_token(before, Role.FAMILY, "ana")
    new_token = issue_token(during, Role.FAMILY, "ben")
    assert decode_token(during, old_token).subject == "ana"
    assert decode_token(during, new_token).subject == "ben"
    assert decode_token(after, new_token).subject == "ben"
    with pytest.raises(Unauthenticated):
        decode_token(after, old_token)
