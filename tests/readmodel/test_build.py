"""The read model's row-based full build (``readmodel.build``) equals the build from whole
records (``graph.projection_of_records``: a model per record, ``Projection.apply``), on both
stores, with pages small enough that every paged kind spans several pages."""

from __future__ import annotations

from pathlib import Path

import pytest

import graph_service.stores.neo4j_store as neo4j_store
from graph_service.readmodel import family_graph
from graph_service.readmodel.build import projection_of_rows
from graph_service.readmodel.graph import projection_of_records
from graph_service.stores.base import GraphStore
from loaders.formats import Format
from loaders.importer import import_folder
from loaders.synthetic import generate, write_network
from tests.readmodel.test_live_equals_rebuild import assert_same_graph


def test_rows_build_equals_records_build(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_network(generate(120, 7), tmp_path / "data", Format.CSV)
    import_folder(store, tmp_path / "data", progress=False)
    monkeypatch.setattr(neo4j_store, "PAGE_FAMILIES", 7)  # Neo4j: 18 pages of families
    timings: dict[str, float] = {}
    rows = projection_of_rows(store, timings)
    records = projection_of_records(store)
    assert rows.version == records.version == store.data_version()
    assert rows.ids == records.ids
    assert rows.memberships == records.memberships
    assert sorted(rows.help_ids) == sorted(records.help_ids)  # order: the scan's, not kept
    assert_same_graph(family_graph(rows), family_graph(records))
    assert set(timings) == {"read_s", "apply_s"}
