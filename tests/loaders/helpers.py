"""Shared helpers of the loader tests: a small network on disk and graph comparison."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph_service.readmodel import graph_of_store
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from loaders.formats import Format
from loaders.synthetic import SyntheticNetwork, generate, write_network


def small_network(families: int = 60, seed: int = 5) -> SyntheticNetwork:
    return generate(families, seed)


def write_small(folder: Path, fmt: Format = Format.CSV, families: int = 60) -> SyntheticNetwork:
    network = small_network(families)
    write_network(network, folder, fmt)
    return network


@contextmanager
def embedded(path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(path)
    store.open()
    try:
        yield store
    finally:
        store.close()


def graph_data(store: GraphStore) -> dict[str, Any]:
    """Everything of the store's whole graph, comparable with ``==``."""
    graph = graph_of_store(store)
    return {
        "counts": store.counts(),
        "nodes": sorted((n, sorted(d.items(), key=str)) for n, d in graph.nodes(data=True)),
        "edges": sorted(
            (u, v, k, sorted(d.items(), key=str))
            for u, v, k, d in graph.edges(keys=True, data=True)
        ),
        "cohorts": sorted((k, repr(v)) for k, v in graph.graph["cohorts"].items()),
        "regions": sorted((k, repr(v)) for k, v in graph.graph["regions"].items()),
    }
