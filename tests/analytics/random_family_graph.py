"""A fast random :data:`FamilyGraph` for tests and benchmarks (built with networkx directly,
skipping pydantic validation so that 100,000 families take seconds)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from graph_service.analytics.family_graph import (
    HELPED,
    REFERRED,
    CohortInfo,
    FamilyGraph,
    GoalState,
    RegionInfo,
)
from models import GoalStatus

HELP_KINDS = ("childcare", "transport", "food", "job_leads", "tutoring")
GOAL_IDS = ("emergency_savings", "raise_income", "buy_home")


def random_family_graph(
    families: int,
    help_ties: int,
    regions: int,
    *,
    seed: int,
    local_share: float = 0.6,
    cohort_share: float = 0.6,
    cohort_size: int = 7,
    research_share: float = 1.0,
    referrals: int = 0,
) -> FamilyGraph:
    """``families`` families spread evenly over ``regions``; ``help_ties`` help exchanges, a
    ``local_share`` of them inside a region; ``cohort_share`` of families in cohorts of
    ``cohort_size`` inside their region; ``referrals`` referral edges."""
    import networkx as nx

    rng = np.random.default_rng(seed)
    graph: FamilyGraph = nx.MultiDiGraph()
    region_ids = [f"r{i}" for i in range(regions)]
    graph.graph["regions"] = {
        rid: RegionInfo(f"Region {i}", 35.0 + 6 * math.sin(2.3 * i), -120.0 + 5 * i)
        for i, rid in enumerate(region_ids)
    }
    region_of = rng.integers(0, regions, size=families)
    bands = rng.integers(1, 6, size=families)
    baselines = np.clip(bands - rng.integers(-1, 2, size=families), 1, 5)
    start = date(2024, 1, 1)
    for i in range(families):
        goals = {
            g: GoalState(GoalStatus.ACHIEVED if rng.random() < 0.4 else GoalStatus.ACTIVE, start)
            for g in GOAL_IDS[: int(rng.integers(0, 3))]
        }
        graph.add_node(
            f"f{i}",
            region=region_ids[region_of[i]],
            cohort=None,
            household_size=3,
            languages=("en",),
            income_band=int(bands[i]),
            baseline_income_band=int(baselines[i]),
            strengths=(),
            needs=(),
            joined_at=start,
            consent_matching=True,
            consent_cross_region=True,
            consent_research=bool(rng.random() < research_share),
            goals=goals,
        )
    cohorts: dict[str, CohortInfo] = {}
    by_region: list[list[int]] = [[] for _ in range(regions)]
    for i in range(families):
        by_region[region_of[i]].append(i)
    for r, members in enumerate(by_region):
        chosen = [m for m in members if rng.random() < cohort_share]
        for k in range(0, len(chosen), cohort_size):
            cid = f"c{r}_{k // cohort_size}"
            group = sorted(f"f{m}" for m in chosen[k : k + cohort_size])
            cohorts[cid] = CohortInfo(region_ids[r], "active", "self_formed", (), group)
            for m in group:
                graph.nodes[m]["cohort"] = cid
    graph.graph["cohorts"] = cohorts
    for h in range(help_ties):
        u = int(rng.integers(0, families))
        if rng.random() < local_share and len(by_region[region_of[u]]) > 1:
            pool = by_region[region_of[u]]
            v = pool[int(rng.integers(0, len(pool)))]
        else:
            v = int(rng.integers(0, families))
        if u == v:
            continue
        graph.add_edge(
            f"f{u}",
            f"f{v}",
            key=f"h{h}",
            kind=HELPED,
            help_kind=HELP_KINDS[int(rng.integers(0, len(HELP_KINDS)))],
            at=start + timedelta(days=int(rng.integers(0, 700))),
            hours=float(rng.integers(1, 5)),
            amount=float(rng.integers(0, 100)),
            confirmed=True,
        )
    for _ in range(referrals):
        u, v = (int(x) for x in rng.integers(0, families, size=2))
        if u != v:
            at = start + timedelta(days=int(rng.integers(0, 700)))
            graph.add_edge(f"f{u}", f"f{v}", key=REFERRED, kind=REFERRED, at=at)
    return graph
