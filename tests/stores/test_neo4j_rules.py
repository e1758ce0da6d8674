"""Neo4j only: program rules across two processes, and driver errors mapped to domain errors.

The deadlocks here are real: a foreign transaction locks a node this store's write needs and
then waits for the ``Meta`` node this store's write holds. Neo4j aborts the younger of the two
(ours, started second), with ``Neo.TransientError.Transaction.DeadlockDetected``. The constraint
violation is real too (a second region with a taken id, written through the store's own
transaction plumbing). Nothing is mocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import neo4j
import pytest
from graphql import GraphQLError

from graph_service.api.errors import classify
from graph_service.errors import Conflict, StoreUnavailable
from graph_service.stores.neo4j_store import Neo4jStore
from models import MembershipStatus, Region
from tests.stores.test_rules import seed

pytestmark = pytest.mark.neo4j

RACER = textwrap.dedent(
    """
    import json, sys, threading
    from collections import Counter
    import neo4j
    from graph_service.auth import Principal, Role
    from graph_service.errors import DomainError
    from graph_service.services.cohorts import create_cohort
    from graph_service.stores.neo4j_store import Neo4jStore

    uri, ids = sys.argv[1], sys.argv[2].split(",")
    driver = neo4j.GraphDatabase.driver(uri, auth=("neo4j", "unused"))
    store = Neo4jStore(driver)
    outcomes = Counter()
    start = threading.Barrier(4)

    def run(k):
        start.wait()
        for i in range(50):
            family = ids[(k * 7 + i * 3) % len(ids)]
            try:
                create_cohort(store, Principal(Role.FAMILY, family), "C " + family, [])
                outcomes["ok"] += 1
            except DomainError as error:
                outcomes[error.code] += 1
            except Exception as error:
                outcomes[type(error).__name__] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps(outcomes))
    driver.close()
    """
)


def uri_of(driver: neo4j.Driver) -> str:
    address = driver.execute_query("RETURN 1").summary.server.address
    return f"bolt://{address.host}:{address.port}"


@pytest.fixture
def neo(neo4j_driver: neo4j.Driver) -> Neo4jStore:
    store = Neo4jStore(neo4j_driver)
    store.open()
    store.clear_all()
    return store


def test_two_processes_keep_one_active_cohort_per_family(
    neo: Neo4jStore, neo4j_driver: neo4j.Driver
) -> None:
    for trial in range(2):
        ids = [f"t{trial}-f{i:02d}" for i in range(20)]
        seed(neo, ids)
        args = [sys.executable, "-c", RACER, uri_of(neo4j_driver), ",".join(ids)]
        racers = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outcomes: Counter[str] = Counter()
        for racer in racers:
            out, _ = racer.communicate(timeout=300)
            assert racer.returncode == 0
            outcomes.update(json.loads(out))
        assert set(outcomes) <= {"ok", "CONFLICT"}, outcomes
        assert outcomes["ok"] == len(ids)  # 400 attempts: one cohort per family
        memberships = neo.memberships_of_families(ids)
        active = {f: sum(m.status is MembershipStatus.ACTIVE for m in memberships[f]) for f in ids}
        assert set(active.values()) == {1}, active


# driver errors -------------------------------------------------------------------------------
def deadlocked_write(driver: neo4j.Driver, store: Neo4jStore) -> tuple[str, str]:
    """Write a region while a foreign transaction holds it and then asks for the Meta node
    this write holds: a real deadlock. The outcomes of (foreign, ours)."""
    holding, ours_started = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def foreign() -> None:
        try:
            with driver.session() as session, session.begin_transaction() as tx:
                tx.run("MATCH (r:Region {id: 'oak'}) SET r.touched = true").consume()
                holding.set()
                ours_started.wait()
                time.sleep(0.5)  # ours now holds Meta and waits for the region
                tx.run("MATCH (m:Meta {key: 'dataVersion'}) SET m.touched = true").consume()
                tx.commit()
            outcome["foreign"] = "ok"
        except neo4j.exceptions.Neo4jError as error:
            outcome["foreign"] = str(error.code)

    thread = threading.Thread(target=foreign)
    thread.start()
    holding.wait()
    ours_started.set()
    try:
        store.upsert_regions([Region(id="oak", name="Oakland (renamed)")])
        outcome["ours"] = "ok"
    except StoreUnavailable as error:
        outcome["ours"] = f"{error.code}: {error.message}"
    thread.join()
    return outcome["foreign"], outcome["ours"]


def test_a_persistent_deadlock_is_unavailable_not_a_driver_error(neo: Neo4jStore) -> None:
    neo.upsert_regions([Region(id="oak", name="Oakland")])
    uri = uri_of(neo._driver)
    no_retries = neo4j.GraphDatabase.driver(uri, auth=("neo4j", "x"), max_transaction_retry_time=0)
    try:
        store = Neo4jStore(no_retries)
        version = store.data_version()
        foreign, ours = deadlocked_write(no_retries, store)
        assert foreign == "ok"
        assert ours.startswith("UNAVAILABLE: ") and "DeadlockDetected" in ours
        assert "ForsetiClient" not in ours  # no driver message reaches the caller
        assert neo.list_regions()[0].name == "Oakland"  # ours wrote nothing
        assert store.data_version() == version
    finally:
        no_retries.close()


def test_a_deadlock_is_retried_by_the_managed_transaction(neo: Neo4jStore) -> None:
    neo.upsert_regions([Region(id="oak", name="Oakland")])
    uri = uri_of(neo._driver)
    retrying = neo4j.GraphDatabase.driver(uri, auth=("neo4j", "x"), max_transaction_retry_time=10)
    try:
        foreign, ours = deadlocked_write(retrying, Neo4jStore(retrying))
        assert (foreign, ours) == ("ok", "ok")
        assert neo.list_regions()[0].name == "Oakland (renamed)"
    finally:
        retrying.close()


def test_a_constraint_violation_is_a_conflict(neo: Neo4jStore) -> None:
    neo.upsert_regions([Region(id="oak", name="Oakland")])
    with pytest.raises(Conflict) as caught:
        neo._write(lambda tx: tx.run("CREATE (:Region {id: 'oak', name: 'Twin'})").consume())
    assert (caught.value.code, caught.value.field) == ("CONFLICT", "id")
    assert [r.name for r in neo.list_regions()] == ["Oakland"]


def test_the_api_maps_a_driver_error_raised_outside_the_store(
    neo: Neo4jStore, neo4j_driver: neo4j.Driver
) -> None:
    neo.upsert_regions([Region(id="oak", name="Oakland")])
    with pytest.raises(neo4j.exceptions.ConstraintError) as raw:
        neo4j_driver.execute_query("CREATE (:Region {id: 'oak'})")
    mapped = classify(GraphQLError("x", original_error=raw.value), hide_suggestions=True)
    assert mapped.extensions == {"code": "CONFLICT", "field": "id"}
    lost = neo4j.exceptions.ServiceUnavailable("connection lost")  # as the driver raises it
    mapped = classify(GraphQLError("x", original_error=lost), hide_suggestions=True)
    assert mapped.extensions == {"code": "UNAVAILABLE"}
