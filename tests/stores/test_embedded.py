"""Embedded-store specifics: durability across reopen, and whole batches after a hard kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import networkx as nx

from graph_service.demo import demo_network, load_network
from graph_service.readmodel import graph_of_store
from graph_service.stores.embedded import EmbeddedStore

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
