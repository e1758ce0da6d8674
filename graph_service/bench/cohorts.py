"""Cohort formation benchmark: proposal quality and time against a random partition and
k-means + greedy fill, on pools of the first N consenting families (N = 1,000 and 10,000,
capped at what the synthetic network holds), and the language rule against the proposal
without it (``language_share=0``: main's behaviour before the rule, same seed, same result).

Language figures per row: cohorts in which a family shares no language with anyone
(``isolated_cohorts``, target 0), families in that position (``isolated_families``), cohorts
with no language all members share (``no_common_language_%``) and members with fewer
language-mates than the rule asks (``short_of_mates``)."""

from __future__ import annotations

import time

from graph_service.analytics.cohort_formation import ProposalQuality, compare, propose_cohorts
from graph_service.bench import BenchContext, Measurement, bench_case
from graph_service.bench.graphs import family_graph

POOLS = (1_000, 10_000)


def _language(prefix: str, q: ProposalQuality) -> dict[str, float]:
    return {
        f"{prefix}isolated_cohorts": float(q.cohorts_with_isolated_family),
        f"{prefix}isolated_families": float(q.families_sharing_no_language),
        f"{prefix}no_common_language_%": 100 * q.cohorts_without_common_language / (q.cohorts or 1),
        f"{prefix}short_of_mates": float(q.families_short_of_language_mates),
    }


@bench_case("cohorts", help="cohort proposals: goal similarity, ties kept, language, time")
def cohorts(ctx: BenchContext) -> list[Measurement]:
    """Mean within-cohort goal similarity of the proposal vs random, k-means and the proposal
    without the language rule, per pool, with the language figures of each."""
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
                        **_language("", proposal.quality),
                        **_language("baseline_", other.quality),
                    },
                )
            )
        began = time.perf_counter()
        before = propose_cohorts(graph, pool, seed=ctx.seed, language_share=0.0)
        before_seconds = time.perf_counter() - began
        after = proposal.quality
        results.append(
            Measurement(
                "cohorts",
                f"pool {len(pool):,} language rule vs none",
                "goal similarity",
                after.mean_goal_similarity,
                baseline=before.quality.mean_goal_similarity,
                baseline_label="no language rule",
                extra={
                    "seconds": proposal.seconds,
                    "baseline_seconds": before_seconds,
                    "left_over": float(proposal.left_over),
                    **_language("", after),
                    **_language("baseline_", before.quality),
                },
            )
        )
    return results
