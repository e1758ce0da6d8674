"""Embedded-store specifics: durability across reopen, and whole batches after a hard kill."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from graph_service.demo import demo_network, load_network
from graph_service.errors import NotFound, StoreUnavailable
from graph_service.readmodel import graph_of_store
from graph_service.stores.base import ChangeSet, FamilyFilter
from graph_service.stores.embedded import EmbeddedStore
from models import Helped, MemberOf, Referred, ValidationFailed

DAY = date(2025, 3, 1)

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from graph_service.demo import demo_network
    from graph_service.stores.embedded import EmbeddedStore
    from models import Family

    store = EmbeddedStore(sys.argv[1])
    store.open()
    store.upsert_regions(demo_network().regions)
    batch_size = int(sys.argv[2])
    for b in range(10_000):
        store.upsert_families([
            Family(id=f"f{b}-{i}", name="x", region_id="oakland", household_size=3,
                   income_band=2, joined_at=date(2024, 1, 1))
            for i in range(batch_size)
        ])
        print(b + 1, flush=True)
    """
)


def test_reopen_gives_identical_graph(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    store = EmbeddedStore(path)
    store.open()
    load_network(store, demo_network())
    store.delete_family("eli")
    graph, counts, version = graph_of_store(store), store.counts(), store.data_version()
    around_ana = store.neighbourhood("ana")
    store.close()

    again = EmbeddedStore(path)
    again.open()
    assert again.counts() == counts
    assert again.data_version() == version
    reopened = graph_of_store(again)
    assert nx.utils.graphs_equal(reopened, graph)
    assert reopened.graph == graph.graph
    assert again.neighbourhood("ana") == around_ana


def test_killed_writer_leaves_whole_batches_only(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    batch_size = 2_000
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(batch_size)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    committed = 0
    deadline = time.monotonic() + 120
    while committed < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed = int(line)
    time.sleep(0.05)  # land somewhere inside the next batch
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert committed >= 3, "the writer never committed three batches"

    store = EmbeddedStore(path)
    store.open()
    families = store.counts()["Family"]
    assert families % batch_size == 0, f"{families} families is not a whole number of batches"
    assert families >= committed * batch_size
    assert store.counts()["LIVES_IN"] == families


# ---------------------------------------------------------------- reads come from the file
def _opened(path: Path) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.open()
    return store


def test_a_write_by_another_process_is_read_at_once(tmp_path: Path) -> None:
    """Two stores on one file stand for two processes: nothing is cached in memory, so each
    reads what the other committed, change feed included."""
    path = tmp_path / "g.sqlite"
    mine, theirs = _opened(path), _opened(path)
    load_network(theirs, demo_network())
    version = mine.data_version()
    assert version == theirs.data_version() and mine.counts()["Family"] == 12
    theirs.upsert_help(
        [Helped(id="other-1", from_id="ana", to_id="lu", kind="food", at=date(2025, 1, 5))]
    )
    assert "other-1" in {h.id for h in mine.help_of(["lu"])["lu"]}
    assert "lu" in mine.neighbourhood("ana")
    feed = mine.changes_since(version)
    assert feed.complete and [h.id for c in feed.changes for h in c.changes.helps] == ["other-1"]
    assert theirs.delete_family("lu")
    assert mine.get_families(["lu"]) == {} and mine.data_version() == version + 2
    mine.close()
    theirs.close()


def _race(
    stores: list[EmbeddedStore], writes: list[Callable[[EmbeddedStore], object]]
) -> list[str]:
    start = threading.Barrier(len(writes))
    outcomes: list[str] = []

    def run(store: EmbeddedStore, write: Callable[[EmbeddedStore], object]) -> None:
        start.wait()
        try:
            write(store)
            outcomes.append("ok")
        except (ValidationFailed, NotFound):
            outcomes.append("rejected")

    threads = [threading.Thread(target=run, args=pair) for pair in zip(stores, writes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _referring(edge: Referred) -> Callable[[EmbeddedStore], object]:
    return lambda store: store.upsert_referrals([edge])


def _two_families(store: EmbeddedStore) -> None:
    store.upsert_regions(demo_network().regions)
    template = next(iter(demo_network().families))
    store.upsert_families([template.model_copy(update={"id": i}) for i in ("a", "b", "c")])


def test_two_processes_cannot_both_close_a_referral_cycle(tmp_path: Path) -> None:
    # Each edge alone is fine; together they close a cycle. Both checks run inside
    # BEGIN IMMEDIATE, so the second writer checks against the first one's committed edge.
    for round_ in range(5):
        path = tmp_path / f"cycle{round_}.sqlite"
        stores = [_opened(path), _opened(path)]
        _two_families(stores[0])
        edges = [Referred(from_id="a", to_id="b", at=DAY), Referred(from_id="b", to_id="a", at=DAY)]
        outcomes = _race(stores, [_referring(e) for e in edges])
        assert outcomes == ["ok", "rejected"]
        assert stores[0].counts()["REFERRED"] == 1
        for store in stores:
            store.close()


def test_two_processes_cannot_give_one_family_two_referrers(tmp_path: Path) -> None:
    for round_ in range(5):
        path = tmp_path / f"second{round_}.sqlite"
        stores = [_opened(path), _opened(path)]
        _two_families(stores[0])
        edges = [Referred(from_id="a", to_id="c", at=DAY), Referred(from_id="b", to_id="c", at=DAY)]
        outcomes = _race(stores, [_referring(e) for e in edges])
        assert outcomes == ["ok", "rejected"]
        assert len(stores[1].referrer_of(["c"])) == 1
        for store in stores:
            store.close()


def test_a_concurrent_delete_never_leaves_a_dangling_help(tmp_path: Path) -> None:
    for round_ in range(5):
        path = tmp_path / f"dangling{round_}.sqlite"
        stores = [_opened(path), _opened(path)]
        _two_families(stores[0])
        help_ = Helped(id="h", from_id="a", to_id="b", kind="food", at=DAY)
        outcomes = _race(
            stores,
            [lambda s: s.upsert_help([help_]), lambda s: s.delete_family("b")],  # noqa: B023 - called before the loop moves on
        )
        assert "ok" in outcomes
        assert stores[0].get_families(["b"]) == {}
        assert stores[0].counts()["HELPED"] == 0  # written before the delete, or refused
        for store in stores:
            store.close()


def test_readers_do_not_wait_for_an_open_write_transaction(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    store = _opened(path)
    load_network(store, demo_network())
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM families")  # not committed
    try:
        assert len(store.get_families(["ana", "lu"])) == 2
        assert store.counts()["Family"] == 12 and store.ping()
        with pytest.raises(StoreUnavailable):  # the write lock is held elsewhere
            EmbeddedStore._write_tables.__get__(_busy(store))(ChangeSet(regions=[]), {})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert store.counts()["Family"] == 12
    store.close()


def _busy(store: EmbeddedStore) -> EmbeddedStore:
    """``store`` with a writer connection that gives up at once when the file is locked."""
    assert store._conn is not None
    store._conn.execute("PRAGMA busy_timeout=0")
    return store


def test_a_file_from_before_the_read_indexes_opens_and_gets_them(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    store = _opened(path)
    load_network(store, demo_network())
    store.close()
    old = sqlite3.connect(path)
    added = ("memberships_cohort", "pursuits_goal", "families_region", "cohorts_region")
    for index in added:
        old.execute(f"DROP INDEX {index}")  # the schema files had before this change
    old.commit()
    old.close()

    again = _opened(path)
    assert again.counts()["Family"] == 12
    cohort = FamilyFilter(cohort_id="oak-1", consent_matching=True)
    assert [f.id for f in again.list_families(cohort, after=None, limit=9).families] == [
        "ana",
        "ben",
        "cruz",
        "dee",
        "fay",
    ]
    check = sqlite3.connect(path)
    names = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    check.close()
    assert set(added) <= names
    again.close()


def test_scan_streams_key_order_from_one_snapshot(tmp_path: Path) -> None:
    store = _opened(tmp_path / "g.sqlite")
    load_network(store, demo_network())
    memberships = store.scan("memberships")
    first = next(memberships)
    store.delete_family("lu")  # a write while the scan is open
    scanned = [first, *memberships]
    keys = [(m.family_id, m.cohort_id) for m in scanned if isinstance(m, MemberOf)]
    assert keys == sorted(keys) and len(keys) == 12  # the scan's snapshot still has lu's
    kept = [h.id for h in demo_network().helps if "lu" not in (h.from_id, h.to_id)]
    assert [h.id for h in store.scan("helps") if isinstance(h, Helped)] == sorted(kept)
    referred = [r.to_id for r in store.scan("referrals") if isinstance(r, Referred)]
    assert referred == sorted(
        r.to_id for r in demo_network().referrals if "lu" not in (r.from_id, r.to_id)
    )
    store.close()
