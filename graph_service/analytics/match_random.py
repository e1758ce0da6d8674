"""A fast random family network for the matching evaluation's examples, tests and smoke
runs: 6 regions, goal-centred cohorts and help mostly inside them. It is *not* the project's
calibrated synthetic generator (:mod:`loaders.synthetic`), which the benchmarks use.

Examples
--------
>>> graph = random_family_graph(20, seed=1)
>>> graph.number_of_nodes(), len(graph.graph["regions"])
(20, 0)
"""

from __future__ import annotations

from datetime import date, timedelta

import networkx as nx
import numpy as np
import numpy.typing as npt

from graph_service.analytics.family_graph import HELPED, CohortInfo, FamilyGraph, GoalState
from models import GoalStatus, vocabulary

_REGIONS = ("oakland", "boston", "detroit", "new_orleans", "albuquerque", "san_antonio")
_START = date(2023, 1, 1)


def random_family_graph(n: int, *, seed: int, cohort_share: float = 0.6) -> FamilyGraph:
    """A random :data:`FamilyGraph` with ``n`` families: 6 regions, cohorts of 7 families of
    one region formed around a shared goal, skewed goal popularity, ~1.5 help exchanges per
    family (60% inside the cohort, else with a same-region family sharing a goal, else
    anyone in the region). Built for timing and smoke tests; it is *not* the project's
    calibrated synthetic generator.

    Parameters
    ----------
    n : int
        Number of families.
    seed : int
        Seed of every random choice.
    cohort_share : float, default 0.6
        Share of families placed in cohorts.

    Returns
    -------
    FamilyGraph
        The network, families ``f000000``, ``f000001``, ...

    Examples
    --------
    >>> sorted(random_family_graph(3, seed=1))
    ['f000000', 'f000001', 'f000002']
    """
    rng = np.random.default_rng(seed)
    goals = sorted(vocabulary().goal_categories)
    skills = sorted(vocabulary().skills)
    popularity = 1.0 / np.arange(1, len(goals) + 1)
    popularity /= popularity.sum()
    graph: FamilyGraph = nx.MultiDiGraph(regions={}, cohorts={})
    ids = [f"f{i:06d}" for i in range(n)]
    regions = rng.integers(0, len(_REGIONS), size=n)
    for row, fid in enumerate(ids):
        graph.add_node(
            fid, **_random_attributes(rng, str(_REGIONS[regions[row]]), goals, skills, popularity)
        )
    by_region = {r: np.flatnonzero(regions == r) for r in range(len(_REGIONS))}
    cohort_of = _form_cohorts(graph, ids, by_region, rng, cohort_share)
    _add_help(graph, ids, regions, by_region, cohort_of, rng)
    return graph


def _random_attributes(
    rng: np.random.Generator,
    region: str,
    goals: list[str],
    skills: list[str],
    popularity: npt.NDArray[np.float64],
) -> dict[str, object]:
    chosen = rng.choice(len(goals), size=int(rng.integers(1, 4)), replace=False, p=popularity)
    states = {}
    for g in chosen:
        since = _START + timedelta(days=int(rng.integers(0, 365)))
        if rng.random() < 0.2:
            achieved = since + timedelta(days=int(rng.integers(30, 400)))
            states[goals[g]] = GoalState(GoalStatus.ACHIEVED, since, achieved)
        else:
            states[goals[g]] = GoalState(GoalStatus.ACTIVE, since)
    picks = rng.choice(len(skills), size=5, replace=False)
    languages = ("en", "es") if rng.random() < 0.2 else ("en",)
    return {
        "region": region,
        "cohort": None,
        "household_size": int(rng.integers(1, 9)),
        "languages": languages,
        "income_band": int(rng.integers(1, 6)),
        "baseline_income_band": None,
        "joined_at": _START,
        "strengths": tuple(sorted(skills[i] for i in picks[: int(rng.integers(1, 4))])),
        "needs": tuple(sorted(skills[i] for i in picks[3 : 3 + int(rng.integers(1, 3))])),
        "consent_matching": bool(rng.random() < 0.85),
        "consent_cross_region": bool(rng.random() < 0.5),
        "consent_research": True,
        "goals": states,
    }


def _form_cohorts(
    graph: FamilyGraph,
    ids: list[str],
    by_region: dict[int, npt.NDArray[np.int64]],
    rng: np.random.Generator,
    share: float,
) -> dict[int, list[int]]:
    """Cohorts of 7 in each region, grouped by a goal the members pursue; row -> members."""
    cohort_of: dict[int, list[int]] = {}
    for region, rows in by_region.items():
        joining = rows[rng.random(len(rows)) < share]
        first_goal = [min(graph.nodes[ids[r]]["goals"]) for r in joining]
        ordered = joining[np.lexsort((rng.random(len(joining)), first_goal))]
        for start in range(0, len(ordered) - 6, 7):
            members = sorted(int(r) for r in ordered[start : start + 7])
            cohort_id = f"c{region}-{start // 7}"
            info = CohortInfo(
                _REGIONS[region], "active", "self_formed", (), [ids[m] for m in members]
            )
            graph.graph["cohorts"][cohort_id] = info
            for m in members:
                graph.nodes[ids[m]]["cohort"] = cohort_id
                cohort_of[m] = members
    return cohort_of


def _add_help(
    graph: FamilyGraph,
    ids: list[str],
    regions: npt.NDArray[np.int64],
    by_region: dict[int, npt.NDArray[np.int64]],
    cohort_of: dict[int, list[int]],
    rng: np.random.Generator,
) -> None:
    exchanges = rng.poisson(1.5, size=len(ids))
    for giver, count in enumerate(exchanges):
        for number in range(int(count)):
            receiver = _pick_receiver(graph, ids, giver, regions, by_region, cohort_of, rng)
            if receiver is not None and receiver != giver:
                graph.add_edge(
                    ids[giver],
                    ids[receiver],
                    key=f"h{giver}-{number}",
                    kind=HELPED,
                    help_kind="advice",
                    at=_START,
                    hours=None,
                    amount=None,
                    confirmed=True,
                )


def _pick_receiver(
    graph: FamilyGraph,
    ids: list[str],
    giver: int,
    regions: npt.NDArray[np.int64],
    by_region: dict[int, npt.NDArray[np.int64]],
    cohort_of: dict[int, list[int]],
    rng: np.random.Generator,
) -> int | None:
    draw = rng.random()
    if draw < 0.6 and giver in cohort_of:
        return int(rng.choice(cohort_of[giver]))
    local = by_region[int(regions[giver])]
    if draw < 0.85:
        mine = set(graph.nodes[ids[giver]]["goals"])
        for candidate in rng.choice(local, size=min(20, len(local)), replace=False):
            if mine & set(graph.nodes[ids[int(candidate)]]["goals"]):
                return int(candidate)
    return int(rng.choice(local)) if len(local) else None
