"""Scale-out as far as one machine runs it (issue 19): two API processes on a ``neo4j://``
routing URI (what a cluster or Aura is reached by), each with its read model fed by the
change feed. The driver fetches the routing table from the engine and sends reads to its
readers and writes to its writer; on one engine both are that engine, so this checks the
routing path end to end (routing table, read and write sessions, the feed) without a cluster.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest

from graph_service.auth import Role, issue_token
from graph_service.demo import demo_network, load_network
from graph_service.settings import Settings
from tests.conftest import make_neo4j_store
from tests.readmodel.test_two_processes import GIVE_UP_S, MATCHES, REGISTER, SECRET, _gql, _start


def _routing_uri(driver: Any) -> str:
    address = driver._pool.address
    return f"neo4j://{address.host}:{address.port}"


@pytest.fixture
def routed(neo4j_driver: Any) -> Iterator[tuple[str, str, str]]:
    store = make_neo4j_store(neo4j_driver)
    load_network(store, demo_network())
    given = os.environ.get("NEO4J_URI", "")
    uri = given if given.startswith("neo4j") else _routing_uri(neo4j_driver)
    started = [_start(uri), _start(uri)]
    try:
        yield uri, started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=20)
        store.close()


def test_the_engine_hands_out_a_routing_table(neo4j_driver: Any) -> None:
    uri = _routing_uri(neo4j_driver)
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "unused")) as routing:
        routing.verify_connectivity()
        records, _, _ = routing.execute_query("RETURN 1 AS one", routing_=neo4j.RoutingControl.READ)
        assert records[0]["one"] == 1


def test_two_api_processes_on_a_routing_uri_share_writes_through_the_feed(
    routed: tuple[str, str, str],
) -> None:
    uri, writer, reader = routed
    assert uri.startswith("neo4j")
    for base in (writer, reader):
        health = httpx.get(f"{base}/health", timeout=10).json()
        assert health["readModel"] == "ready", health
    admin = issue_token(Settings(secret_key=SECRET), Role.ADMIN, "root", ())
    before = _gql(reader, MATCHES, {"id": "ana"}, admin)["peerMatches"]
    assert "zia" not in {m["peer"]["id"] for m in before}
    family = {
        "id": "zia",
        "name": "Zia",
        "regionId": "oakland",
        "householdSize": 3,
        "incomeBand": 2,
        "strengths": ["car_repair"],
        "consent": {"matching": True, "crossRegion": False, "research": False},
    }
    _gql(writer, REGISTER, {"input": family}, admin)
    written = time.monotonic()
    while time.monotonic() - written < GIVE_UP_S:
        found = _gql(reader, MATCHES, {"id": "ana"}, admin)["peerMatches"]
        if "zia" in {m["peer"]["id"] for m in found}:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the other process never saw the write")
    # a write through the second process reaches the first one too (no process is special)
    _gql(reader, REGISTER, {"input": {**family, "id": "zeb", "name": "Zeb"}}, admin)
    written = time.monotonic()
    while time.monotonic() - written < GIVE_UP_S:
        found = _gql(writer, MATCHES, {"id": "ana"}, admin)["peerMatches"]
        if "zeb" in {m["peer"]["id"] for m in found}:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the first process never saw the second one's write")
