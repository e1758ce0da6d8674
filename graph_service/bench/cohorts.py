"""Cohort formation benchmark: proposal quality and time against a random partition and
k-means + greedy fill, on pools of the first N consenting families (N = 1,000 and 10,000,
capped at what the synthetic network holds)."""

from __future__ import annotations

from graph_service.analytics.cohort_formation import compare
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph

POOLS = (1_000, 10_000)


@bench_case("cohorts", help="cohort proposals: goal similarity, ties kept, time vs baselines")
def cohorts(ctx: BenchContext) -> list[Measurement]:
    """Mean within-cohort goal similarity of the proposal vs random and k-means, per pool."""
    graph = family_graph(ctx)
    consenting = [f for f in sorted(graph) if graph.nodes[f]["consent_matching"]]
    results: list[Measurement] = []
    sizes = sorted({min(wanted, len(consenting)) for wanted in POOLS})  # small runs: one pool
    for size in sizes:
        pool = consenting[:size]
        if len(pool) < 6:
            continue
        rows = {row.method: row for row in compare(graph, pool, seed=ctx.seed)}
        proposal = rows["proposal"]
        for baseline in ("random", "kmeans"):
            other = rows[baseline]
            results.append(
                Measurement(
                    "cohorts",
                    f"pool {len(pool):,} vs {baseline}",
                    "goal similarity",
                    proposal.quality.mean_goal_similarity,
                    baseline=other.quality.mean_goal_similarity,
                    baseline_label=baseline,
                    extra={
                        "ties_kept_%": 100 * (proposal.quality.ties_kept_share or 0.0),
                        "baseline_ties_kept_%": 100 * (other.quality.ties_kept_share or 0.0),
                        "needs_covered_%": 100 * proposal.quality.needs_covered_share,
                        "seconds": proposal.seconds,
                        "baseline_seconds": other.seconds,
                        "valid_sizes": float(proposal.quality.sizes_valid),
                    },
                )
            )
    return results
