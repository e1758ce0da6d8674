"""Several import batches in flight at once (``Settings.import_writers``) on a store that takes
concurrent writes (Neo4j): the same contents as one writer, the change feed numbering every
commit once and in order, and another writer's transactions neither lost nor deadlocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.settings import get_settings
from graph_service.stores.base import ChangeSet, GraphStore, PreparedWrite
from loaders.importer import import_folder
from tests.conftest import make_neo4j_store
from tests.loaders.helpers import embedded, graph_data, write_small


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("GS_IMPORT_WRITERS", "3")
    get_settings.cache_clear()
    yield 3
    monkeypatch.delenv("GS_IMPORT_WRITERS")
    get_settings.cache_clear()


class InFlight:
    """Counts the writes of ``store`` running at the same moment (the most seen at once, by
    the part of the write that saw it);
    each write first waits a moment, so that writes handed out together do overlap."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.now = 0
        self.most_by_part: dict[str, int] = {}  # the most writes at once while one of a part ran

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name != "write":
            return attribute

        def write(changes: ChangeSet | PreparedWrite) -> None:
            plain = changes.changes if isinstance(changes, PreparedWrite) else changes
            part = next(plain.parts())[0].part
            with self._lock:
                self.now += 1
                self.most_by_part[part] = max(self.most_by_part.get(part, 0), self.now)
            try:
                time.sleep(0.05)  # long enough for the next batches to be handed out meanwhile
                attribute(changes)
            finally:
                with self._lock:
                    self.now -= 1

        return write


def _feed_versions(store: GraphStore, after: int) -> list[int]:
    """The versions of the feed's entries after ``after``, each checked to follow the one
    before it (a test database keeps its version when it is emptied)."""
    feed = store.changes_since(after, limit=100_000)
    assert feed.complete
    versions = [change.version for change in feed.changes]
    assert versions == list(range(after + 1, after + 1 + len(versions)))
    return versions


def test_concurrent_batches_write_what_one_writer_writes(
    tmp_path: Path, store: GraphStore, writers: int
) -> None:
    """On each store (the embedded one writes one batch at a time whatever the setting): the
    graph equals a one-writer import's, and every commit has its own feed entry, numbered
    one after the other in commit order, the data version the last of them."""
    network = write_small(tmp_path / "in", families=60)
    with embedded(tmp_path / "one.sqlite") as alone:
        import_folder(alone, tmp_path / "in", batch_size=7, progress=False)
        expected = graph_data(alone)
    watched: Any = InFlight(store)
    before = store.data_version()
    report = import_folder(watched, tmp_path / "in", batch_size=7, progress=False)
    assert report.rows == network.counts()
    assert graph_data(store) == expected
    versions = _feed_versions(store, before)
    assert store.data_version() == versions[-1]
    # Only new help is written several batches at once; every other kind one at a time.
    helps = writers if store.takes_concurrent_writes else 1
    assert watched.most_by_part == {
        part: helps if part == "helps" else 1 for part in watched.most_by_part
    }
    assert watched.most_by_part["families"] == 1 and watched.most_by_part["helps"] == helps


@pytest.mark.neo4j
def test_a_writer_beside_a_concurrent_import_is_neither_lost_nor_deadlocked(
    tmp_path: Path, neo4j_driver: Any, writers: int
) -> None:
    """The attack: while the import's batches run several at once (their version bumped
    last), another writer updates families in transactions that take the writers' lock
    first. Every write of both commits (the driver retries a transaction the engine stops
    to break a lock cycle), each under its own version."""
    neo4j_store = make_neo4j_store(neo4j_driver)
    network = write_small(tmp_path / "in", families=60)
    before = neo4j_store.data_version()
    stop = threading.Event()
    updates: list[int] = []
    failures: list[BaseException] = []

    def other_writer() -> None:
        families = [
            f.model_copy(update={"name": f"Renamed {i}"})
            for i, f in enumerate(network.families[:5])
        ]
        while not stop.is_set():
            try:
                stored = neo4j_store.get_families([f.id for f in families])
                if len(stored) == len(families):
                    neo4j_store.write(ChangeSet(families=families))
                    updates.append(neo4j_store.data_version())
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)
                return

    beside = threading.Thread(target=other_writer)
    beside.start()
    try:
        report = import_folder(neo4j_store, tmp_path / "in", batch_size=7, progress=False)
    finally:
        stop.set()
        beside.join()
    assert not failures
    assert updates  # the other writer did write during the import
    assert report.rows == network.counts()
    counts = neo4j_store.counts()
    assert counts["Family"] == len(network.families)
    assert counts["HELPED"] == len(network.helps)
    versions = _feed_versions(neo4j_store, before)
    batches = sum(-(-n // 7) for n in network.counts().values() if n)
    assert len(versions) == batches + len(updates)
