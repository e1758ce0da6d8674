"""Neo4j-specific behaviour of ``Neo4jStore`` (the shared contract lives in test_contract.py):
schema, the stored shape (labels, relationship types, flat camelCase properties, ``date``
values), idempotent MERGE, the data-version counter, error mapping, and ``subgraph`` ==
``build_family_graph`` on the same data. The rules both stores keep (all-or-nothing batches,
referral rules, help merged on id) are in test_contract_batches.py.

Runs against the one real Neo4j engine of the test run (``neo4j_driver`` in tests/conftest.py).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import neo4j
import networkx as nx
import pytest

from graph_service.analytics.family_graph import build_family_graph
from graph_service.errors import StoreUnavailable
from graph_service.neo4j_engine import free_port
from graph_service.readmodel import graph_of_store
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet
from graph_service.stores.neo4j_store import Neo4jStore
from models import (
    Cohort,
    Consent,
    Goal,
    HouseholdFacts,
    MemberOf,
    Pursues,
    Referred,
    Region,
)
from tests.stores.test_contract_batches import family, help_record, seed_basics

pytestmark = pytest.mark.neo4j

DAY = date(2025, 3, 1)


@pytest.fixture
def driver(neo4j_driver: neo4j.Driver) -> neo4j.Driver:
    return neo4j_driver


@pytest.fixture
def store(driver: neo4j.Driver) -> Neo4jStore:
    the_store = Neo4jStore(driver)
    the_store.open()
    the_store.clear_all()
    return the_store


def cypher_rows(driver: neo4j.Driver, query: Any, **params: Any) -> list[dict[str, Any]]:
    return [record.data() for record in driver.execute_query(query, params).records]


# schema and life cycle ------------------------------------------------------------------------
def test_open_is_idempotent_and_creates_constraints_and_indexes(
    store: Neo4jStore, driver: neo4j.Driver
) -> None:
    store.open()
    constraints = {row["name"]: row for row in cypher_rows(driver, "SHOW CONSTRAINTS")}
    for name in ("family_id", "cohort_id", "goal_id", "region_id", "meta_key"):
        assert constraints[name]["type"] == "UNIQUENESS"
    assert constraints["helped_id"]["type"] == "RELATIONSHIP_UNIQUENESS"
    indexes = {row["name"]: row for row in cypher_rows(driver, "SHOW INDEXES")}
    assert indexes["family_region_id"]["properties"] == ["regionId"]
    assert all(row["state"] == "ONLINE" for row in indexes.values())


def test_close_closes_only_an_owned_driver(driver: neo4j.Driver) -> None:
    Neo4jStore(driver).close()
    assert Neo4jStore(driver).ping()


def test_from_settings_connects_and_owns_its_driver(driver: neo4j.Driver) -> None:
    address = driver.execute_query("RETURN 1").summary.server.address
    uri = f"bolt://{address.host}:{address.port}"
    store = Neo4jStore.from_settings(Settings.model_validate({"NEO4J_URI": uri}))
    assert store.ping()
    store.close()
    assert not store.ping()


# stored shape ---------------------------------------------------------------------------------
def test_family_is_stored_flat_with_dates_and_lives_in(
    store: Neo4jStore, driver: neo4j.Driver
) -> None:
    seed_basics(store)
    store.upsert_families(
        [family("f1", consent=Consent(matching=True, research=True), strengths=("cooking",))]
    )
    [row] = cypher_rows(
        driver, "MATCH (f:Family)-[:LIVES_IN]->(r:Region) RETURN properties(f) AS p, r.id AS r"
    )
    props = row["p"]
    assert row["r"] == "oak"
    assert props["regionId"] == "oak"
    assert props["joinedAt"] == neo4j.time.Date(2025, 1, 1)
    assert (props["consentMatching"], props["consentCrossRegion"], props["consentResearch"]) == (
        True,
        False,
        True,
    )
    assert props["strengths"] == ["cooking"]
    assert "consent" not in props
    assert "baselineIncomeBand" not in props  # None is not stored


def test_relationship_properties_are_stored_with_dates(
    store: Neo4jStore, driver: neo4j.Driver
) -> None:
    seed_basics(store, "f1", "f2")
    store.upsert_cohorts([Cohort(id="c1", name="C", region_id="oak", created_at=DAY)])
    store.upsert_memberships([MemberOf(family_id="f1", cohort_id="c1", since=DAY)])
    store.upsert_pursuits(
        [
            Pursues(
                family_id="f1",
                goal_id="health",
                since=DAY,
                status="achieved",
                achieved_at=DAY + timedelta(days=3),
            )
        ]
    )
    store.upsert_help([help_record("h1", "f1", "f2", hours=2.5, confirmed=True)])
    store.upsert_referrals([Referred(from_id="f1", to_id="f2", at=DAY)])
    query = "MATCH ()-[r]->() WHERE type(r) <> 'LIVES_IN' RETURN type(r) AS t, properties(r) AS p"
    stored = {row["t"]: row["p"] for row in cypher_rows(driver, query)}
    neo_day = neo4j.time.Date(2025, 3, 1)
    assert stored["MEMBER_OF"] == {"since": neo_day, "status": "active"}
    assert stored["PURSUES"]["achievedAt"] == neo4j.time.Date(2025, 3, 4)
    assert stored["HELPED"] == {
        "id": "h1",
        "kind": "food",
        "at": neo_day,
        "hours": 2.5,
        "confirmed": True,
    }
    assert stored["REFERRED"] == {"at": neo_day}


def twins(prefix: str) -> ChangeSet:
    """One record of each kind that ChangeSet.new_records creates, every field given or absent
    somewhere, on families ``{prefix}1`` and ``{prefix}2``."""
    rich = family(
        f"{prefix}1",
        languages=("en", "es"),
        baseline_income_band=1,
        strengths=("cooking",),
        contact="a@example.org",
        consent=Consent(matching=True, research=True),
        household_facts=HouseholdFacts(
            adult_ages=(30, 31), married=True, child_ages=(4,), child_age_bands=("13_to_17",)
        ),
    )
    return ChangeSet(
        families=[rich, family(f"{prefix}2", region_id="bos")],
        memberships=[
            MemberOf(family_id=f"{prefix}1", cohort_id="c1", since=DAY),
            MemberOf(family_id=f"{prefix}2", cohort_id="c1", since=DAY, invited_by=f"{prefix}1"),
        ],
        pursuits=[
            Pursues(family_id=f"{prefix}1", goal_id="health", since=DAY),
            Pursues(
                family_id=f"{prefix}2",
                goal_id="health",
                since=DAY,
                status="achieved",
                achieved_at=DAY + timedelta(days=3),
                description="Walk daily",
            ),
        ],
        helps=[
            help_record(f"{prefix}h1", f"{prefix}1", f"{prefix}2", hours=2.5, confirmed=True),
            help_record(f"{prefix}h2", f"{prefix}2", f"{prefix}1", kind="tutoring", amount=12.0),
        ],
        referrals=[Referred(from_id=f"{prefix}1", to_id=f"{prefix}2", at=DAY)],
    )


def twin_rows(driver: neo4j.Driver) -> dict[str, list[str]]:
    """Per twin prefix, each relationship of its families as text: type, ends, properties and
    the start family's properties, with the twin's ids (``{prefix}1``, ``{prefix}2``,
    ``{prefix}h...``) written alike, so that the twins' texts compare equal."""
    query = """MATCH (a:Family)-[r]->(b)
    RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS r, properties(a) AS p"""
    stored: dict[str, list[str]] = {}
    for row in cypher_rows(driver, query):
        prefix = row["a"][0]
        text = repr(
            (row["t"], row["a"], row["b"], sorted(row["r"].items()), sorted(row["p"].items()))
        )
        for name, same in ((f"{prefix}h", "H"), (f"{prefix}1", "F1"), (f"{prefix}2", "F2")):
            text = text.replace(name, same)
        stored.setdefault(prefix, []).append(text)
    return stored


def test_created_records_have_the_properties_an_upsert_stores(
    store: Neo4jStore, driver: neo4j.Driver
) -> None:
    """New records are created (``create_*.cypher``), not merged: the same properties and
    ends as the merges of ``upsert_*.cypher`` store, an absent value absent."""
    seed_basics(store)
    store.upsert_cohorts([Cohort(id="c1", name="C", region_id="oak", created_at=DAY)])
    store.write(twins("q"))  # merged
    store.write(replace(twins("j"), new_records=True))  # created
    stored = twin_rows(driver)
    assert len(stored["q"]) == 2 + 2 + 2 + 2 + 1  # LIVES_IN, MEMBER_OF, PURSUES, HELPED, REFERRED
    assert sorted(stored["j"]) == sorted(stored["q"])
    assert store.get_families(["j1", "j2"]) == {f.id: f for f in twins("j").families}
    help_props = "MATCH ()-[h:HELPED]->() RETURN h.id AS i, properties(h) AS p"
    props = {row["i"]: row["p"] for row in cypher_rows(driver, help_props)}
    assert props["jh2"] == {
        "id": "jh2",
        "kind": "tutoring",
        "at": neo4j.time.Date(2025, 3, 1),
        "amount": 12.0,
        "confirmed": False,
    }  # no hours


def test_moving_a_family_replaces_its_lives_in(store: Neo4jStore, driver: neo4j.Driver) -> None:
    seed_basics(store, "f1")
    store.upsert_families([family("f1", region_id="bos")])
    rows = cypher_rows(driver, "MATCH (:Family {id: 'f1'})-[:LIVES_IN]->(r) RETURN r.id AS r")
    assert rows == [{"r": "bos"}]


# HELPED: many per pair, merged on id -----------------------------------------------------------
def test_the_help_id_is_unique_across_pairs(store: Neo4jStore, driver: neo4j.Driver) -> None:
    seed_basics(store, "f1", "f2")
    store.upsert_help([help_record("h1", "f1", "f2")])
    with pytest.raises(neo4j.exceptions.ConstraintError):
        driver.execute_query(
            "MATCH (a:Family {id: 'f2'}), (b:Family {id: 'f1'}) "
            "CREATE (a)-[:HELPED {id: 'h1'}]->(b)"
        )


# all-or-nothing batches and the version counter --------------------------------------------------
def test_every_committed_write_bumps_the_version_and_meta_is_not_counted(
    store: Neo4jStore,
) -> None:
    version = store.data_version()
    store.upsert_regions([Region(id="oak", name="Oakland")])
    store.upsert_regions([])  # nothing to write: no transaction
    assert store.data_version() == version + 1
    assert not store.delete_family("nobody")  # nothing deleted: nothing written
    assert store.data_version() == version + 1
    assert store.counts() == {
        "Family": 0,
        "Cohort": 0,
        "Goal": 0,
        "Region": 1,
        "LIVES_IN": 0,
        "MEMBER_OF": 0,
        "PURSUES": 0,
        "HELPED": 0,
        "REFERRED": 0,
        "CohortProposal": 0,
        "INTRODUCTION": 0,
        "MonthlyReport": 0,
        "Action": 0,
        "Verification": 0,
    }


# errors ------------------------------------------------------------------------------------------
def test_an_unreachable_server_is_store_unavailable_without_credentials() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    dead = neo4j.GraphDatabase.driver(
        uri, auth=("neo4j", "s3cret-pw"), max_transaction_retry_time=0, connection_timeout=1
    )
    store = Neo4jStore(dead, uri=uri.replace("bolt://", "bolt://neo4j:s3cret-pw@"))
    assert store.ping() is False
    for call in (store.counts, store.data_version, store.open, lambda: graph_of_store(store)):
        with pytest.raises(StoreUnavailable) as caught:
            call()
        assert uri in caught.value.message
        assert "s3cret" not in caught.value.message
    with pytest.raises(StoreUnavailable):
        store.upsert_regions([Region(id="oak", name="Oakland")])
    dead.close()


# subgraph == build_family_graph -----------------------------------------------------------------
def random_network(seed: int) -> dict[str, list[Any]]:
    """A small random network touching every node and relationship kind."""
    rng = random.Random(seed)
    regions = [
        Region(id=r, name=r.upper(), latitude=rng.uniform(-50, 50)) for r in ("r1", "r2", "r3")
    ]
    goals = [Goal(id=g, label=g) for g in ("health", "buy_home", "build_credit")]
    families = [
        family(
            f"f{i:02d}",
            region_id=rng.choice(regions).id,
            consent=Consent(matching=rng.random() < 0.5),
            baseline_income_band=rng.choice([None, 1, 3]),
            languages=tuple(rng.sample(["en", "es", "vi"], rng.randint(1, 2))),
        )
        for i in range(24)
    ]
    cohorts = [
        Cohort(id=f"c{i}", name=f"C{i}", region_id=rng.choice(regions).id, created_at=DAY)
        for i in range(4)
    ]
    statuses = ["active", "active", "left", "invited"]
    memberships = [
        MemberOf(
            family_id=f.id, cohort_id=rng.choice(cohorts).id, since=DAY, status=rng.choice(statuses)
        )
        for f in rng.sample(families, 16)
    ]
    pursuits = [
        Pursues(family_id=f.id, goal_id=g.id, since=DAY, description=f"{f.id} {g.id}")
        for f in families
        for g in goals
        if rng.random() < 0.4
    ]
    helps = []
    for i in range(60):
        giver, taker = rng.sample(families, 2)
        helps.append(help_record(f"h{i:03d}", giver.id, taker.id, hours=rng.choice([None, 1.5])))
    order = rng.sample(families, len(families))
    referrals = [
        Referred(from_id=order[rng.randrange(i)].id, to_id=order[i].id, at=DAY)
        for i in range(1, len(order))
        if rng.random() < 0.6
    ]
    return {
        "regions": regions,
        "goals": goals,
        "families": families,
        "cohorts": cohorts,
        "memberships": memberships,
        "pursuits": pursuits,
        "helps": helps,
        "referrals": referrals,
    }


def load(store: Neo4jStore, data: dict[str, list[Any]]) -> None:
    store.upsert_regions(data["regions"])
    store.upsert_goals(data["goals"])
    store.upsert_families(data["families"])
    store.upsert_cohorts(data["cohorts"])
    store.upsert_memberships(data["memberships"])
    store.upsert_pursuits(data["pursuits"])
    store.upsert_help(data["helps"])
    store.upsert_referrals(data["referrals"])


def expected_graph(data: dict[str, list[Any]], region_ids: tuple[str, ...] | None) -> Any:
    return build_family_graph(
        families=[f for f in data["families"] if region_ids is None or f.region_id in region_ids],
        regions=data["regions"],
        cohorts=data["cohorts"],
        memberships=data["memberships"],
        pursuits=data["pursuits"],
        helps=data["helps"],
        referrals=data["referrals"],
    )


def assert_same_graph(got: Any, want: Any) -> None:
    assert nx.utils.graphs_equal(got, want)  # nodes, adjacency with edge keys/data, graph attrs
    assert list(got.nodes) == list(want.nodes)
    assert list(got.edges(keys=True, data=True)) == list(want.edges(keys=True, data=True))


@pytest.mark.parametrize("seed", [1, 2])
def test_subgraph_equals_build_family_graph(store: Neo4jStore, seed: int) -> None:
    data = random_network(seed)
    load(store, data)
    for region_ids in (None, ("r1",), ("r2", "r3"), ("nowhere",), ()):
        assert_same_graph(graph_of_store(store, region_ids), expected_graph(data, region_ids))
