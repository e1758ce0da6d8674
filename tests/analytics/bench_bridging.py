"""Benchmark (not a test): bridging families, region graph and the network summary on a random
network of 100,000 families, ~500,000 ties, 10 regions. Run:

    python -m tests.analytics.bench_bridging [families]

Prints wall-clock and CPU seconds per step (CPU time is the fairer figure on a shared
machine), the ego-network constraint against networkx's own ``nx.constraint`` on ego graphs
of a sample, and the whole-graph constraint of every family (sparse) against
``nx.constraint`` on the whole graph for a sample (same process, same graph).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TypeVar

import networkx as nx

from graph_service.analytics.bridging import (
    bridging_families,
    ego_measures,
    whole_graph_measures,
)
from graph_service.analytics.family_graph import tie_graph
from graph_service.analytics.network_summary import network_summary
from graph_service.analytics.region_graph import region_graph
from tests.analytics.random_family_graph import random_family_graph

T = TypeVar("T")


def timed(label: str, run: Callable[[], T]) -> T:
    began, cpu = time.perf_counter(), time.process_time()
    result = run()
    wall, used = time.perf_counter() - began, time.process_time() - cpu
    print(f"{label:<48} {wall:8.2f} s wall {used:8.2f} s cpu", flush=True)
    return result


def main(families: int = 100_000) -> None:
    graph = timed(
        f"generate {families} families",
        lambda: random_family_graph(
            families, 7 * families // 2, 10, seed=1, referrals=families // 5
        ),
    )
    ties = timed("tie_graph", lambda: tie_graph(graph))
    print(f"ties: {ties.number_of_edges()}, help edges: {graph.number_of_edges()}")
    top = timed("bridging_families (all regions, first=20)", lambda: bridging_families(graph))
    print("top:", top[0])
    timed(
        "bridging_families (regions={r0, r1})",
        lambda: bridging_families(graph, regions={"r0", "r1"}),
    )
    timed("region_graph", lambda: region_graph(graph))
    timed("network_summary (all regions)", lambda: network_summary(graph, seed=0))
    sample = [n for n in ties.nodes if ties.degree(n)][:500]
    adjacency = {node: set(partners) for node, partners in ties.adjacency()}
    ours = timed("ego_measures, 500 families", lambda: [ego_measures(adjacency, n) for n in sample])
    # nx.effective_size(ties, nodes=[n]) copies the whole graph per node (to_undirected in
    # ego_graph): ~20 s per family at 100,000 families, so networkx is timed on ego graphs
    egos = [nx.ego_graph(ties, n) for n in sample]
    theirs = timed(
        "nx.constraint on ego graphs, 500 families",
        lambda: [nx.constraint(ego, nodes=[n])[n] for ego, n in zip(egos, sample, strict=True)],
    )
    worst = max(abs(a[1] - b) for a, b in zip(ours, theirs, strict=True))
    print(f"largest |difference| in constraint: {worst:.2e}")
    names = sorted(adjacency)
    _, whole = timed(
        f"whole_graph_measures, all {len(names)} families",
        lambda: whole_graph_measures(adjacency, names),
    )
    reference = timed(
        "nx.constraint on the whole graph, 500 families",
        lambda: nx.constraint(ties, nodes=sample),
    )
    at = {n: i for i, n in enumerate(names)}
    worst = max(abs(whole[at[n]] - reference[n]) for n in sample)
    print(f"largest |difference| in whole-graph constraint: {worst:.2e}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
