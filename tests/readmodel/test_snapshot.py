"""A read model saved to a snapshot and loaded back equals the one that was saved, catches up
with writes made after the save, and refuses a snapshot of another database."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_service.analytics.matching import MatchIndex
from graph_service.readmodel import ReadModel, family_graph, graph_of_store
from graph_service.readmodel import snapshot as snapshots
from graph_service.stores.base import GraphStore
from tests.readmodel.test_live_equals_rebuild import (
    _base,
    _change,
    assert_same_graph,
    assert_same_matches,
)


def _model(store: GraphStore, path: Path) -> ReadModel:
    model = ReadModel(store, snapshot=path, snapshot_every_s=0)
    model.start(follow=False, background=False)
    return model


def test_a_snapshot_round_trips_and_catches_up(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "readmodel.npz"
    store.write(_base())
    for op in [
        ("cohort", "c1", "oak"),
        ("membership", "f1", "c1", "active"),
        ("membership", "f3", "c1", "active"),
        ("help", "h1", "f0", "f2", True),
        ("referral", "f1", "f3"),
        ("delete", "f4"),
    ]:
        store.write(_change(op))
    first = _model(store, path)
    saved_graph = family_graph(first.frozen())
    first.stop()  # saves
    assert path.exists()
    store.write(_change(("help", "h2", "f1", "f3", False)))  # after the save

    second = _model(store, path)
    assert second.stats.rebuilds == 0  # loaded, not rebuilt
    assert second.view().version == store.data_version()
    rebuilt = graph_of_store(store)
    assert_same_graph(family_graph(second.frozen()), rebuilt)
    assert_same_matches(second.view().index, MatchIndex.build(rebuilt))
    assert saved_graph.number_of_edges() + 1 == rebuilt.number_of_edges()
    second.stop()


def test_a_snapshot_of_another_database_is_refused(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "readmodel.npz"
    store.write(_base())
    model = _model(store, path)
    snapshots.save(model.frozen(), path, "another-database")
    with pytest.raises(snapshots.SnapshotRefused, match="another database"):
        snapshots.load(path, store.instance_id(), store.data_version())
    model.stop()
    again = _model(store, path)
    assert again.ready and again.stats.rebuilds <= 1
    again.stop()
