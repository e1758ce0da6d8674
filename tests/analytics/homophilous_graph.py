"""A quick homophilous :data:`FamilyGraph` for the cohort-formation tests (test data only).

Each family has a hidden profile that favours three goals, a skill mix and a language; ~1.5
ties per family, 85% of them to the same profile in the same region. The real generator
(``loaders/synthetic.py``) builds whole networks through the record models; these tests need
many small graphs with strong, known structure, quickly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from graph_service.analytics.family_graph import HELPED, REFERRED, FamilyGraph, GoalState
from models import GoalStatus
from models.vocabulary import GOAL_CATEGORIES, SKILLS


def homophilous_family_graph(
    families: int, *, seed: int = 0, regions: int = 3, profiles: int = 12
) -> FamilyGraph:
    """A homophilous graph of ``families`` (see the module docstring); every family
    consents to matching."""
    rng = np.random.default_rng(seed)
    goals, skills = sorted(GOAL_CATEGORIES), sorted(SKILLS)
    favourite = [rng.choice(len(goals), 3, replace=False) for _ in range(profiles)]
    profile_skills = [rng.choice(len(skills), 4, replace=False) for _ in range(profiles)]
    profile_language = [("en", "es", "vi", "zh")[p % 4] for p in range(profiles)]
    graph: FamilyGraph = nx.MultiDiGraph()
    profile = rng.integers(0, profiles, families)
    region = rng.integers(0, regions, families)
    ids = [f"f{i:05d}" for i in range(families)]
    for i, family in enumerate(ids):
        p = int(profile[i])
        graph.add_node(
            family,
            **_synthetic_family(
                rng,
                p,
                favourite[p],
                profile_skills[p],
                profile_language[p],
                int(region[i]),
                goals,
                skills,
            ),
        )
    groups: dict[tuple[int, int], list[int]] = {}
    for i in range(families):
        groups.setdefault((int(profile[i]), int(region[i])), []).append(i)
    for i in range(families):
        for _ in range(int(rng.poisson(0.75))):
            peers = groups[(int(profile[i]), int(region[i]))]
            j = int(rng.choice(peers)) if rng.random() < 0.85 else int(rng.integers(families))
            if j != i:
                kind = HELPED if rng.random() < 0.8 else REFERRED
                key = f"h{i}-{j}" if kind == HELPED else REFERRED
                graph.add_edge(ids[i], ids[j], key=key, kind=kind, at=date(2025, 1, 1))
    graph.graph["cohorts"], graph.graph["regions"] = {}, {}
    return graph


def _synthetic_family(
    rng: np.random.Generator,
    profile: int,
    favourite: NDArray[Any],
    profile_skills: NDArray[Any],
    language: str,
    region: int,
    goals: Sequence[str],
    skills: Sequence[str],
) -> dict[str, Any]:
    chosen = {
        goals[int(rng.choice(favourite))]
        if rng.random() < 0.8
        else goals[int(rng.integers(len(goals)))]
        for _ in range(int(rng.integers(1, 4)))
    }
    strengths = {skills[int(rng.choice(profile_skills))] for _ in range(int(rng.integers(1, 3)))}
    needs = {skills[int(rng.integers(len(skills)))] for _ in range(int(rng.integers(1, 3)))}
    languages = {"en", language} if rng.random() < 0.7 else {language}
    since = date(2025, 1, 1)
    return {
        "region": f"r{region}",
        "cohort": None,
        "household_size": int(rng.integers(1, 8)),
        "languages": tuple(sorted(languages)),
        "income_band": int(rng.integers(1, 6)),
        "baseline_income_band": None,
        "strengths": tuple(sorted(strengths)),
        "needs": tuple(sorted(needs - strengths)),
        "joined_at": since,
        "consent_matching": True,
        "consent_cross_region": True,
        "consent_research": True,
        "goals": {g: GoalState(GoalStatus.ACTIVE, since) for g in sorted(chosen)},
    }
