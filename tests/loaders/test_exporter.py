from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from graph_service.stores.base import GraphStore
from loaders.exporter import export_graphml, export_store
from loaders.formats import Format
from loaders.importer import import_folder
from tests.loaders.helpers import embedded, graph_data, write_small


@pytest.mark.parametrize("fmt", [Format.CSV, Format.JSONL])
def test_export_then_import_gives_an_identical_graph(tmp_path: Path, fmt: Format) -> None:
    network = write_small(tmp_path / "in")
    with embedded(tmp_path / "a.sqlite") as source:
        import_folder(source, tmp_path / "in", progress=False)
        counts = export_store(source, tmp_path / "out", fmt, page_size=7)  # many pages
        expected = graph_data(source)
    with embedded(tmp_path / "b.sqlite") as target:
        import_folder(target, tmp_path / "out", progress=False)
        assert graph_data(target) == expected
    assert counts == network.counts()


def test_export_imported_into_an_empty_store_of_each_kind(
    store: GraphStore, tmp_path: Path
) -> None:
    write_small(tmp_path / "in", families=40)
    with embedded(tmp_path / "source.sqlite") as source:
        import_folder(source, tmp_path / "in", progress=False)
        expected = graph_data(source)
        export_store(source, tmp_path / "out", Format.CSV)
    import_folder(store, tmp_path / "out", progress=False)
    assert graph_data(store) == expected


def test_round_trip_on_each_store(store: GraphStore, tmp_path: Path) -> None:
    """The exporter only uses the GraphStore protocol, so it works on every store."""
    write_small(tmp_path / "in", families=30)
    import_folder(store, tmp_path / "in", progress=False)
    expected = graph_data(store)
    export_store(store, tmp_path / "out", Format.JSONL)
    with embedded(tmp_path / "copy.sqlite") as copy:
        import_folder(copy, tmp_path / "out", progress=False)
        assert graph_data(copy) == expected


def test_graphml_has_families_cohorts_regions_and_their_edges(tmp_path: Path) -> None:
    network = write_small(tmp_path / "in")
    with embedded(tmp_path / "a.sqlite") as store:
        import_folder(store, tmp_path / "in", progress=False)
        path = export_graphml(store, tmp_path / "graph.graphml")
        counts = store.counts()
    graph = nx.read_graphml(path, force_multigraph=True)
    kinds = nx.get_node_attributes(graph, "node_type")
    assert sum(k == "family" for k in kinds.values()) == len(network.families)
    assert sum(k == "cohort" for k in kinds.values()) == len(network.cohorts)
    assert sum(k == "region" for k in kinds.values()) == len(network.regions)
    edge_kinds = [d["kind"] for _, _, d in graph.edges(data=True)]
    assert edge_kinds.count("helped") == counts["HELPED"]
    assert edge_kinds.count("referred") == counts["REFERRED"]
    assert edge_kinds.count("lives_in") == counts["Family"]
    family = network.families[0]
    assert graph.nodes[family.id]["region"] == family.region_id
    assert graph.nodes[family.id]["strengths"] == ";".join(family.strengths)
