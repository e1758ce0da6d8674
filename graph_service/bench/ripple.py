"""Ripple benchmark: the one-pass region and program summaries against the straightforward
baseline (a BFS per cascade root plus networkx's all-pairs ``wiener_index`` per tree)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.ripple import RippleSummary, baseline_summary, ripple_summary
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph


def _timed(
    summarise: Callable[..., RippleSummary], graph: FamilyGraph, region: str | None
) -> tuple[float, RippleSummary]:
    began = time.perf_counter()
    result = summarise(graph, region=region, as_of=date.today())
    return time.perf_counter() - began, result


@bench_case("ripple", help="ripple summary: one pass over the referral forest vs per-root BFS")
def ripple(ctx: BenchContext) -> list[Measurement]:
    """Seconds for the whole-program and the largest region's ripple summary."""
    graph = family_graph(ctx)
    regions = sorted(
        graph.graph["regions"],
        key=lambda r: -sum(1 for _, d in graph.nodes(data=True) if d["region"] == r),
    )
    results = []
    for label, region in (("all regions", None), (f"region {regions[0]}", regions[0])):
        fast, one_pass = _timed(ripple_summary, graph, region)
        slow, baseline = _timed(baseline_summary, graph, region)
        assert one_pass == baseline, "one-pass and baseline summaries disagree"
        results.append(
            Measurement(
                "ripple",
                label,
                "seconds",
                fast,
                baseline=slow,
                baseline_label="per-root BFS + nx.wiener_index",
                higher_is_better=False,
                extra={"families": float(graph.number_of_nodes())},
            )
        )
    return results
