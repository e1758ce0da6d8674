"""A read model saved to a snapshot and loaded back equals the one that was saved, catches up
with writes made after the save, and refuses a snapshot of another database."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from graph_service.analytics.matching import MatchIndex
from graph_service.readmodel import ReadModel, family_graph, graph_of_store
from graph_service.readmodel import snapshot as snapshots
from graph_service.stores.base import GraphStore
from models import extend_vocabulary, reset_vocabulary
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
    assert second.stats.index_from_snapshot
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


def test_the_saved_match_index_serves_the_same_matches(store: GraphStore, tmp_path: Path) -> None:
    """Nothing written after the save: the restarted model serves the saved index (with
    its patches folded in) and it matches exactly like an index built from the store."""
    path = tmp_path / "readmodel.npz"
    store.write(_base())
    first = _model(store, path)
    for op in [
        ("cohort", "c1", "oak"),
        ("membership", "f0", "c1", "active"),
        ("membership", "f2", "c1", "active"),
        ("help", "h1", "f1", "f3", True),
    ]:
        store.write(_change(op))
    assert first.view().index.patch_size > 0  # the live index has patches, not yet folded
    first.stop()

    second = _model(store, path)
    assert second.stats.index_from_snapshot and second.stats.rebuilds == 0
    assert second.view().version == store.data_version()
    assert_same_matches(second.view().index, MatchIndex.build(graph_of_store(store)))
    second.stop()


def test_a_saved_index_of_other_vocabularies_is_rebuilt(store: GraphStore, tmp_path: Path) -> None:
    """The vocabularies grew since the save (a new skill): the saved index has another
    column space, so the model rebuilds the index from the projection it loaded."""
    path = tmp_path / "readmodel.npz"
    store.write(_base())
    _model(store, path).stop()
    extend_vocabulary(skills={"beekeeping": "Beekeeping"})
    try:
        second = _model(store, path)
        assert not second.stats.index_from_snapshot and second.stats.rebuilds == 0
        assert "beekeeping" in second.view().index.encoder.skills
        assert_same_matches(second.view().index, MatchIndex.build(graph_of_store(store)))
        second.stop()
    finally:
        reset_vocabulary()


@pytest.mark.parametrize("entry", ["body_attrs", "h_from", "index_document"])
def test_a_snapshot_with_a_damaged_entry_is_rebuilt_from_the_store(
    store: GraphStore, tmp_path: Path, entry: str
) -> None:
    """The entries are read when first needed (the match index first): one that cannot be
    read, found after the file was opened and checked, makes the read model read the store
    instead, never a model without a projection."""
    path = tmp_path / "readmodel.npz"
    store.write(_base())
    store.write(_change(("help", "h1", "f0", "f2", True)))
    _model(store, path).stop()
    damaged = tmp_path / "damaged.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == f"{entry}.npy":
                data = data[:20]  # a header cut short
            target.writestr(info, data)
    damaged.replace(path)
    model = _model(store, path)
    assert model.stats.rebuilds == 1
    rebuilt = graph_of_store(store)
    assert_same_graph(family_graph(model.frozen()), rebuilt)
    assert_same_matches(model.view().index, MatchIndex.build(rebuilt))
    model.stop()
