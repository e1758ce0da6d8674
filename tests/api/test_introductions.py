"""Introductions over HTTP on both stores (demo network), with the attacks.

ana (Oakland) and gus, kim (Boston) consented to matching and cross-region contact, so they
may see each other; eli (Oakland) consented to nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from graph_service.settings import Settings
from tests.api.conftest import SECRET, Api

FIELDS = "id status direction requestedOn answeredOn myContact theirContact family { id }"
REQUEST = f"""mutation($to: ID!, $contact: String) {{
  requestIntroduction(input: {{toId: $to, contact: $contact}}) {{ {FIELDS} }} }}"""
ACCEPT = f"""mutation($id: ID!, $contact: String) {{
  acceptIntroduction(id: $id, contact: $contact) {{ {FIELDS} }} }}"""
DECLINE = f"mutation($id: ID!) {{ declineIntroduction(id: $id) {{ {FIELDS} }} }}"
WITHDRAW = f"mutation($id: ID!) {{ withdrawIntroduction(id: $id) {{ {FIELDS} }} }}"
MINE = f"{{ introductions {{ {FIELDS} }} }}"


@pytest.fixture
def api_settings() -> Settings:
    return Settings(
        secret_key=SECRET,
        embedded_path="unused.sqlite",
        rate_limit_per_minute=0,
        introductions_per_day=3,
        max_concurrent_per_principal=16,  # the concurrent attacks send 8 at once
    )


def _as(api: Api, family: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return api.gql(query, variables, as_=("family", family))


def _ok(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"][field]
    return found


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


def _mine(api: Api, family: str) -> list[dict[str, Any]]:
    body = _as(api, family, MINE, {})
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["introductions"]
    return found


def test_request_accept_withdraw(api: Api) -> None:
    sent = _ok(
        _as(api, "ana", REQUEST, {"to": "gus", "contact": "555-0100"}), "requestIntroduction"
    )
    assert sent["status"] == "REQUESTED" and sent["direction"] == "SENT"
    assert sent["myContact"] == "555-0100" and sent["theirContact"] is None
    assert sent["family"] == {"id": "gus"}
    # gus sees who asks, but not the contact detail before saying yes
    [received] = _mine(api, "gus")
    assert received["direction"] == "RECEIVED" and received["family"] == {"id": "ana"}
    assert received["theirContact"] is None and received["myContact"] is None
    accepted = _ok(
        _as(api, "gus", ACCEPT, {"id": sent["id"], "contact": "gus@example.org"}),
        "acceptIntroduction",
    )
    assert accepted["status"] == "ACCEPTED" and accepted["theirContact"] == "555-0100"
    assert accepted["answeredOn"] is not None
    [seen] = _mine(api, "ana")
    assert seen["theirContact"] == "gus@example.org" and seen["myContact"] == "555-0100"
    withdrawn = _ok(_as(api, "ana", WITHDRAW, {"id": sent["id"]}), "withdrawIntroduction")
    assert withdrawn["status"] == "WITHDRAWN" and withdrawn["theirContact"] is None
    assert _mine(api, "gus")[0]["theirContact"] is None
    # withdrawn twice: the introduction is no longer open
    again = _error(_as(api, "gus", WITHDRAW, {"id": sent["id"]}))
    assert again["extensions"] == {"code": "CONFLICT", "field": "id"}


def test_the_contact_on_file_is_the_default_and_a_decline_shares_nothing(api: Api) -> None:
    sent = _ok(_as(api, "ana", REQUEST, {"to": "kim"}), "requestIntroduction")
    assert sent["myContact"] == "ana@example.org"
    declined = _ok(_as(api, "kim", DECLINE, {"id": sent["id"]}), "declineIntroduction")
    assert declined["status"] == "DECLINED" and declined["theirContact"] is None
    assert _mine(api, "ana")[0]["theirContact"] is None
    late = _error(_as(api, "kim", ACCEPT, {"id": sent["id"]}))
    assert late["extensions"]["code"] == "CONFLICT"
    assert _mine(api, "ana")[0]["status"] == "DECLINED"


def test_a_third_family_cannot_read_answer_or_withdraw(api: Api) -> None:
    sent = _ok(_as(api, "ana", REQUEST, {"to": "gus"}), "requestIntroduction")
    _ok(_as(api, "gus", ACCEPT, {"id": sent["id"], "contact": "gus-secret"}), "acceptIntroduction")
    assert _mine(api, "kim") == []
    for query in (ACCEPT, DECLINE, WITHDRAW):
        error = _error(_as(api, "kim", query, {"id": sent["id"]}))
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    # an organizer of both regions and a researcher see no contact either
    for who in (("organizer", "olga", "oakland", "boston"), ("researcher", "rita")):
        body = api.gql(MINE, as_=who)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "gus-secret" not in str(api.gql(MINE, as_=("family", "kim")))
    assert _mine(api, "ana")[0]["status"] == "ACCEPTED"


def test_the_requester_cannot_accept_its_own_request(api: Api) -> None:
    sent = _ok(_as(api, "ana", REQUEST, {"to": "gus"}), "requestIntroduction")
    for query in (ACCEPT, DECLINE):
        error = _error(_as(api, "ana", query, {"id": sent["id"], "contact": "x"}))
        assert error["extensions"] == {"code": "FORBIDDEN", "field": "id"}
    [mine] = _mine(api, "ana")
    assert mine["status"] == "REQUESTED" and mine["theirContact"] is None


def test_not_to_oneself_nor_to_a_family_who_did_not_consent(api: Api) -> None:
    error = _error(_as(api, "ana", REQUEST, {"to": "ana"}))
    assert error["extensions"] == {"code": "FORBIDDEN", "field": "toId"}
    # eli consented to nothing: hidden like a missing family
    error = _error(_as(api, "ana", REQUEST, {"to": "eli"}))
    assert error["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    assert error["extensions"]["field"] == "toId"
    error = _error(_as(api, "ana", REQUEST, {"to": "nobody"}))
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "toId"}
    organizer = api.gql(REQUEST, {"to": "gus"}, as_=("organizer", "olga", "boston"))
    assert _error(organizer)["extensions"]["code"] == "FORBIDDEN"  # families only
    elsewhere = api.gql(REQUEST, {"to": "gus"}, as_=("organizer", "olga", "oakland"))
    assert _error(elsewhere)["extensions"]["code"] == "NOT_FOUND"  # not a family it may see
    assert _mine(api, "ana") == []


def test_no_duplicate_open_request_either_way(api: Api) -> None:
    _ok(_as(api, "ana", REQUEST, {"to": "gus"}), "requestIntroduction")
    for asker, peer in (("ana", "gus"), ("gus", "ana")):
        error = _error(_as(api, asker, REQUEST, {"to": peer}))
        assert error["extensions"] == {"code": "CONFLICT", "field": "toId"}
    assert len(_mine(api, "ana")) == 1


def test_concurrent_duplicate_requests_make_one_introduction(api: Api) -> None:
    def ask(_: int) -> dict[str, Any]:
        return _as(api, "ana", REQUEST, {"to": "gus"})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    ok = [a for a in answers if "errors" not in a]
    refused = [a for a in answers if "errors" in a]
    assert len(ok) == 1
    assert {a["errors"][0]["extensions"]["code"] for a in refused} == {"CONFLICT"}
    assert len(_mine(api, "ana")) == 1 and len(_mine(api, "gus")) == 1


def test_concurrent_accept_and_withdraw_one_wins(api: Api) -> None:
    sent = _ok(_as(api, "ana", REQUEST, {"to": "gus"}), "requestIntroduction")

    def act(which: int) -> dict[str, Any]:
        if which % 2:
            return _as(api, "gus", ACCEPT, {"id": sent["id"], "contact": "gus@x"})
        return _as(api, "ana", WITHDRAW, {"id": sent["id"]})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(act, range(4)))
    final = _mine(api, "ana")[0]["status"]
    ok = [a for a in answers if "errors" not in a]
    # withdraw may follow an accept (an accepted introduction is still open), never the reverse
    assert final in {"ACCEPTED", "WITHDRAWN"}
    assert all(a["errors"][0]["extensions"]["code"] == "CONFLICT" for a in answers if "errors" in a)
    assert sum(1 for a in ok if "acceptIntroduction" in a["data"]) <= 1
    if final == "WITHDRAWN":
        assert _mine(api, "ana")[0]["theirContact"] is None


def test_at_most_a_few_requests_a_day(api: Api) -> None:
    for peer in ("gus", "hal", "jon"):  # introductions_per_day=3 in this module
        _ok(_as(api, "ana", REQUEST, {"to": peer}), "requestIntroduction")
    error = _error(_as(api, "ana", REQUEST, {"to": "kim"}))
    assert error["extensions"] == {"code": "CONFLICT", "field": "toId"}
    assert error["message"] == "at most 3 introduction requests a day; try again tomorrow"
    assert len(_mine(api, "ana")) == 3


def test_a_duplicate_refused_in_spanish(api: Api) -> None:
    _ok(_as(api, "fay", REQUEST, {"to": "gus"}), "requestIntroduction")
    response = api.http.post(
        f"{api.base}/graphql",
        json={"query": REQUEST, "variables": {"to": "gus"}},
        headers={"Authorization": f"Bearer {api.token('family', 'fay')}"},
    )
    error = response.json()["errors"][0]  # fay speaks only Spanish
    assert error["message"] == "ya hay una presentación abierta entre ustedes y esta familia"
