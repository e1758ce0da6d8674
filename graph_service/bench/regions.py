"""Cross-region and research benchmarks at program scale.

- ``regions``: ``region_graph`` and ``bridging_families`` (all regions) on the synthetic
  network. Bridging's baseline is networkx's own ``effective_size`` and ``constraint`` on each
  candidate's ego network (what the module replaces), timed on a sample of candidates and
  extrapolated to all of them; region_graph's reference is one pass building the tie graph.
- ``research``: ``network_summary`` over the whole network (Louvain, clustering, reciprocity,
  E-I, economic connectedness), against the same tie-graph pass as a scale reference; and
  the extra work of a differentially private release (contribution bounds, the count pass,
  OpenDP noise) against that summary.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import networkx as nx

from graph_service.analytics.bridging import bridging_families, ego_measures
from graph_service.analytics.contribution import Bounds, bounded_graph
from graph_service.analytics.family_graph import tie_graph
from graph_service.analytics.network_summary import STRUCTURAL, network_summary
from graph_service.analytics.privacy import OpenDPNoise, privatize, sensitivity
from graph_service.analytics.region_graph import region_graph
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph

T = TypeVar("T")
SAMPLE = 300


def _timed(run: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


def _networkx_ego_seconds(ties: nx.Graph[str], nodes: list[str]) -> float:
    began = time.perf_counter()
    for node in nodes:
        ego = nx.ego_graph(ties, node)
        nx.effective_size(ego, nodes=[node])
        nx.constraint(ego, nodes=[node])
    return time.perf_counter() - began


@bench_case("regions", help="region graph and bridging families vs networkx ego measures")
def regions(ctx: BenchContext) -> list[Measurement]:
    graph = family_graph(ctx)
    tie_s, ties = _timed(lambda: tie_graph(graph))
    region_s, _ = _timed(lambda: region_graph(graph))
    bridging_s, _ = _timed(lambda: bridging_families(graph, first=20))
    tied = sorted(n for n in ties if ties.degree(n) > 0)
    sample = random.Random(ctx.seed).sample(tied, min(SAMPLE, len(tied)))
    adjacency = {n: set(ties[n]) for n in ties}
    ours_s, _ = _timed(lambda: [ego_measures(adjacency, n) for n in sample])
    theirs_s = _networkx_ego_seconds(ties, sample)
    scale = len(tied) / max(1, len(sample))
    families = float(graph.number_of_nodes())
    return [
        Measurement(
            "regions",
            "regionGraph",
            "seconds",
            region_s,
            baseline=tie_s,
            baseline_label="one tie-graph pass",
            higher_is_better=False,
            extra={"families": families},
        ),
        Measurement(
            "regions",
            "bridgingFamilies (all regions)",
            "seconds",
            bridging_s,
            baseline=theirs_s * scale,
            baseline_label="networkx ego measures, extrapolated",
            higher_is_better=False,
            extra={
                "ego_measures_sample_s": ours_s,
                "networkx_sample_s": theirs_s,
                "sample": float(len(sample)),
                "families": families,
            },
        ),
    ]


@bench_case("research", help="networkSummary over the whole network")
def research(ctx: BenchContext) -> list[Measurement]:
    graph = family_graph(ctx)
    tie_s, _ = _timed(lambda: tie_graph(graph))
    summary_s, _ = _timed(lambda: network_summary(graph, seed=ctx.seed))
    bound_s, bounded = _timed(lambda: bounded_graph(graph, Bounds()))
    counts_s, counts = _timed(lambda: network_summary(bounded, structure=False))
    tables = [t for t in counts.tables() if t.name not in STRUCTURAL]
    noise_s, _ = _timed(
        lambda: privatize(tables, sensitivity(Bounds()), 1.0, OpenDPNoise(), threshold=10)
    )
    return [
        Measurement(
            "research",
            "DP release extra work: bound + count pass + OpenDP noise",
            "seconds",
            bound_s + counts_s + noise_s,
            baseline=summary_s,
            baseline_label="networkSummary (all regions)",
            higher_is_better=False,
            extra={"bound_s": bound_s, "counts_s": counts_s, "noise_s": noise_s},
        ),
        Measurement(
            "research",
            "networkSummary (all regions)",
            "seconds",
            summary_s,
            baseline=tie_s,
            baseline_label="one tie-graph pass",
            higher_is_better=False,
            extra={"families": float(graph.number_of_nodes())},
        ),
    ]
