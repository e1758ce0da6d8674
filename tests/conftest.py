"""Shared fixtures: one real Neo4j engine per test run, and a ``store`` fixture parametrised
over both stores so that every test using it runs unchanged on each.

Neo4j: ``NEO4J_URI`` (with ``NEO4J_USER``/``NEO4J_PASSWORD``) selects an existing server;
otherwise the project's own engine is started from Maven Central jars. If it cannot be
started, every Neo4j test *fails* with the reason: the Neo4j half is never skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.neo4j_engine import Neo4jEngine, start_engine
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore

STORE_KINDS = ("embedded", "neo4j")


class _Neo4jServer:
    def __init__(self) -> None:
        self.engine: Neo4jEngine | None = None
        self.error: str | None = None
        self.uri = os.environ.get("NEO4J_URI")
        self.auth = (
            os.environ.get("NEO4J_USER", "neo4j"),
            os.environ.get("NEO4J_PASSWORD", "unused-auth-disabled"),
        )
        self.started_in_s = 0.0

    def ensure(self) -> str:
        if self.uri:
            return self.uri
        if self.error:
            pytest.fail(f"Neo4j could not be started: {self.error}", pytrace=False)
        try:
            began = time.monotonic()
            self.engine = start_engine()
            self.started_in_s = time.monotonic() - began
        except Exception as error:  # report any start failure loudly, never skip
            self.error = str(error)
            pytest.fail(f"Neo4j could not be started: {error}", pytrace=False)
        self.uri = self.engine.uri
        return self.uri


_SERVER = _Neo4jServer()


@pytest.fixture(scope="session")
def neo4j_driver() -> Iterator[Any]:
    import neo4j

    uri = _SERVER.ensure()
    driver = neo4j.GraphDatabase.driver(uri, auth=_SERVER.auth)
    driver.verify_connectivity()
    yield driver
    driver.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _SERVER.engine is not None:
        terminalreporter.write_line(
            f"neo4j engine: {_SERVER.engine.uri} started in {_SERVER.started_in_s:.1f}s"
        )


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if _SERVER.engine is not None:
        _SERVER.engine.stop()


def make_neo4j_store(driver: Any) -> GraphStore:
    from graph_service.stores.neo4j_store import Neo4jStore

    store = Neo4jStore(driver, database=os.environ.get("NEO4J_DATABASE", "neo4j"))
    store.open()
    store.clear_all()
    return store


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty, open store of each kind."""
    if store_kind == "embedded":
        embedded = EmbeddedStore(tmp_path / "graph.sqlite")
        embedded.open()
        yield embedded
        embedded.close()
    else:
        driver = request.getfixturevalue("neo4j_driver")
        neo = make_neo4j_store(driver)
        yield neo
        neo.close()
