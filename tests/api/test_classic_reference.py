"""Reference values: classic public networks loaded through the importer, and what a
researcher is told about them over HTTP checked against networkx on the same data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest

from graph_service.analytics.contribution import Bounds, bounded_graph
from graph_service.analytics.family_graph import tie_graph
from graph_service.analytics.network_summary import DEGREE_BINS, bin_of, network_summary
from graph_service.readmodel import graph_of_store
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from loaders.classic import classic_network
from loaders.formats import Format, RecordWriter
from loaders.importer import import_folder
from tests.api.conftest import SECRET, Api, serve

QUERY = """{ networkSummary { tables { name noise { quantity scale interval95 }
  cells { row column count suppressed measures { name value } } } } }"""


def _load_through_importer(store: GraphStore, name: str, folder: Path) -> nx.Graph[str]:
    network = classic_network(name)
    with RecordWriter(folder, Format.CSV) as writer:
        for record in [*network.regions, *network.families, *network.helps]:
            writer.write(record)
    report = import_folder(store, folder, progress=False)
    assert not any(report.rejected.values())
    return tie_graph(graph_of_store(store), include_cohort=False)


@pytest.fixture
def reference_settings() -> Settings:
    return Settings(
        secret_key=SECRET,
        embedded_path="unused.sqlite",
        privacy_test_seed=11,
        background_wait_s=60,  # the answers are compared with networkx: never a stale one
    )


def _served(store: GraphStore, settings: Settings) -> Iterator[Api]:
    for base in serve(settings, store):
        with httpx.Client(timeout=60) as http:
            yield Api(base, settings, store, http)


def _tables(api: Api) -> dict[str, dict[str, Any]]:
    body = api.gql(QUERY, as_=("researcher", "rita"))
    assert "errors" not in body, body
    return {t["name"]: t for t in body["data"]["networkSummary"]["tables"]}


def _measure(table: dict[str, Any], row: str, name: str = "value") -> float | None:
    cell = next(c for c in table["cells"] if c["row"] == row)
    value: float | None = next(m["value"] for m in cell["measures"] if m["name"] == name)
    return value


def _louvain_spread(ties: nx.Graph[str]) -> tuple[float, float]:
    values = [
        nx.community.modularity(ties, nx.community.louvain_communities(ties, seed=s))
        for s in range(20)
    ]
    return min(values), max(values)


@pytest.mark.parametrize("name", ["karate", "florentine", "lesmis"])
def test_researcher_answers_match_networkx(
    name: str, store: GraphStore, reference_settings: Settings, tmp_path: Path
) -> None:
    ties = _load_through_importer(store, name, tmp_path / name)
    for api in _served(store, reference_settings):
        tables = _tables(api)
    measures = tables["network_measures"]
    families = tables["network_figures"]["cells"][0]
    if families["suppressed"]:  # a noisy count of at most 10: everything structural hidden
        assert name == "florentine" and all(c["suppressed"] for c in measures["cells"])
        return
    clustering = _measure(measures, "average_clustering")
    assert clustering == pytest.approx(nx.average_clustering(ties), abs=5e-4)
    low, high = _louvain_spread(ties)
    modularity = _measure(measures, "modularity")
    assert modularity is not None and low - 5e-4 <= modularity <= high + 5e-4
    communities = _measure(measures, "communities")
    assert communities is not None and communities >= 2
    # degree distribution: noisy counts, each within the stated noise of networkx's
    truth = Counter(bin_of(d, DEGREE_BINS) for _, d in ties.degree())
    degrees = tables["degree_distribution"]
    half_width = degrees["noise"][0]["interval95"]
    for cell in degrees["cells"]:
        if cell["row"] != "total" and not cell["suppressed"]:
            assert abs(cell["count"] - truth[cell["row"]]) <= 3 * half_width


def test_karate_modularity_is_published_to_a_researcher(
    store: GraphStore, reference_settings: Settings, tmp_path: Path
) -> None:
    ties = _load_through_importer(store, "karate", tmp_path / "karate")
    for api in _served(store, reference_settings):
        modularity = _measure(_tables(api)["network_measures"], "modularity")
    assert modularity is not None and modularity >= 0.39
    assert modularity == pytest.approx(
        nx.community.modularity(ties, nx.community.louvain_communities(ties, seed=0)), abs=5e-4
    )


def test_the_count_tables_equal_networkx_when_the_bounds_do_not_bite(tmp_path: Path) -> None:
    """Before noise: the bounded graph's degree table is networkx's degree histogram when
    every family's records fit the bound, and is cut when they do not (Les Misérables)."""
    network = classic_network("lesmis")
    from graph_service.analytics.family_graph import build_family_graph

    graph = build_family_graph(
        families=network.families, regions=network.regions, helps=network.helps
    )
    ties = tie_graph(graph, include_cohort=False)
    truth = Counter(bin_of(d, DEGREE_BINS) for _, d in ties.degree())
    wide = Bounds(max_exchanges=2 * max(d for _, d in ties.degree()))
    table = network_summary(bounded_graph(graph, wide), structure=False).degree_distribution
    assert {k: row[0].count for k, row in zip(table.row_keys, table.cells, strict=True)} == {
        label: truth[label] for label, _, _ in DEGREE_BINS
    }
    narrow = network_summary(bounded_graph(graph, Bounds()), structure=False).degree_distribution
    capped = narrow.cell("11+", "count").count
    assert capped is not None and capped < truth["11+"]  # busy characters are capped
