"""Outcomes by network position (issue 9): descriptive, with the counts behind every figure.

Population: families with ``consent_research`` (the graph is cut to them first, as in
:mod:`graph_service.analytics.network_summary`), optionally one region's. Ties are those among
consenting families (help, referral, shared cohort), all dates.

Groupings (``by``), all fixed categories:

- ``"help_tie_tercile"``: help-tie degree ``h(v)`` = number of distinct families ``v`` helped
  or was helped by. With the sorted degrees ``h_(1) <= ... <= h_(n)``, cut points
  ``c1 = h_(ceil(n/3))`` and ``c2 = h_(ceil(2n/3))``; *low* is ``h <= c1``, *middle*
  ``c1 < h <= c2``, *high* ``h > c2``. Equal degrees always fall in the same group, so groups
  can be unequal (or empty) when many families share a degree.
- ``"bridging"``: *bridging* if the family has a tie to a family of another region, or to a
  family of another cohort (both in cohorts); otherwise *not_bridging*.
- ``"cohort_size"``: active members of the family's cohort (all members: cohort size is an
  attribute of the cohort), binned *none*, 1-5, 6-8 (the program's usual size), 9+.

Outcomes per group:

- income band movement ``Δ = income_band - baseline_income_band`` for families with a
  baseline: counts *up* (Δ > 0), *same*, *down* and, on the row total, the mean Δ;
- goals: goals pursued by the group's families by status (achieved, active, abandoned) and,
  on the row total, the achieved share = achieved / all goals pursued.

Descriptive only: differences between groups are not causal effects.

>>> from graph_service.analytics.family_graph import build_family_graph
>>> result = outcomes_by_network(build_family_graph(families=[]), by="bridging")
>>> result.families.row_keys
('bridging', 'not_bridging')
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.family_graph import HELPED, FamilyGraph, tie_graph
from graph_service.analytics.network_summary import population, research_graph
from models import GoalStatus

Grouping = Literal["help_tie_tercile", "bridging", "cohort_size"]
GROUPS: Mapping[str, tuple[str, ...]] = {
    "help_tie_tercile": ("low", "middle", "high"),
    "bridging": ("bridging", "not_bridging"),
    "cohort_size": ("none", "1-5", "6-8", "9+"),
}
MOVES = ("up", "same", "down")
GOAL_STATUSES = tuple(
    str(s) for s in (GoalStatus.ACHIEVED, GoalStatus.ACTIVE, GoalStatus.ABANDONED)
)


@dataclass(frozen=True)
class Outcomes:
    by: str
    region: str | None
    cut_points: tuple[int, int] | None  # help-tie tercile cut points, else None
    families: Table
    income_movement: Table
    goals: Table

    def tables(self) -> list[Table]:
        return [self.families, self.income_movement, self.goals]


def outcomes_by_network(
    graph: FamilyGraph, *, by: Grouping = "help_tie_tercile", region: str | None = None
) -> Outcomes:
    """Outcome changes grouped by network position (see the module doc)."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {sorted(GROUPS)}")
    research = research_graph(graph)
    members = population(research, region)
    cut_points = None
    if by == "help_tie_tercile":
        degrees = help_degrees(research, members)
        cut_points = tercile_cut_points(list(degrees.values()))
        group_of = _tercile_grouper(degrees, cut_points)
    elif by == "bridging":
        group_of = _bridging_grouper(research)
    else:
        group_of = _cohort_size_grouper(research)
    groups: dict[str, list[str]] = {key: [] for key in GROUPS[by]}
    for node in members:
        groups[group_of(node)].append(node)
    return Outcomes(
        by=by,
        region=region,
        cut_points=cut_points,
        families=make_table(
            f"families_by_{by}",
            by,
            "measure",
            [(k, [Cell(len(v))]) for k, v in groups.items()],
            ["families"],
            margins="columns",
        ),
        income_movement=_income_movement(research, groups, by),
        goals=_goals(research, groups, by),
    )


def help_degrees(research: FamilyGraph, members: Sequence[str]) -> dict[str, int]:
    partners: dict[str, set[str]] = {node: set() for node in members}
    for u, v, kind in research.edges(data="kind"):
        if kind == HELPED and u != v:
            if u in partners:
                partners[u].add(v)
            if v in partners:
                partners[v].add(u)
    return {node: len(p) for node, p in partners.items()}


def tercile_cut_points(values: Sequence[int]) -> tuple[int, int]:
    """``(h_(ceil(n/3)), h_(ceil(2n/3)))`` of the sorted values (1-based ranks).

    >>> tercile_cut_points([0, 0, 1, 2, 3, 9])
    (0, 2)
    """
    if not values:
        return (0, 0)
    ordered = sorted(values)
    n = len(ordered)
    return ordered[math.ceil(n / 3) - 1], ordered[math.ceil(2 * n / 3) - 1]


def _tercile_grouper(degrees: Mapping[str, int], cuts: tuple[int, int]) -> Callable[[str], str]:
    def group(node: str) -> str:
        degree = degrees[node]
        return "low" if degree <= cuts[0] else "middle" if degree <= cuts[1] else "high"

    return group


def is_bridging(research: FamilyGraph, ties: nx.Graph[str], node: str) -> bool:
    """Has a tie to a family of another region, or of another cohort (both in cohorts)."""
    mine = research.nodes[node]
    for other in ties[node]:
        theirs = research.nodes[other]
        if theirs["region"] != mine["region"]:
            return True
        if None not in (mine["cohort"], theirs["cohort"]) and mine["cohort"] != theirs["cohort"]:
            return True
    return False


def _bridging_grouper(research: FamilyGraph) -> Callable[[str], str]:
    ties = tie_graph(research)
    return lambda node: "bridging" if is_bridging(research, ties, node) else "not_bridging"


def _cohort_size_grouper(research: FamilyGraph) -> Callable[[str], str]:
    cohorts = research.graph.get("cohorts", {})

    def group(node: str) -> str:
        cohort = research.nodes[node]["cohort"]
        if cohort is None or cohort not in cohorts:
            return "none"
        size = len(cohorts[cohort].members)
        return "1-5" if size <= 5 else "6-8" if size <= 8 else "9+"

    return group


def _income_movement(research: FamilyGraph, groups: Mapping[str, list[str]], by: str) -> Table:
    changes: dict[str, list[int]] = {}
    for key, nodes in groups.items():
        changes[key] = [
            research.nodes[n]["income_band"] - research.nodes[n]["baseline_income_band"]
            for n in nodes
            if research.nodes[n]["baseline_income_band"] is not None
        ]

    def moves(deltas: list[int]) -> list[Cell]:
        return [
            Cell(sum(1 for d in deltas if d > 0)),
            Cell(sum(1 for d in deltas if d == 0)),
            Cell(sum(1 for d in deltas if d < 0)),
        ]

    everyone = [d for deltas in changes.values() for d in deltas]
    return make_table(
        f"income_movement_by_{by}",
        by,
        "income_band_change",
        [(k, moves(v)) for k, v in changes.items()],
        MOVES,
        margins="both",
        row_total_derived={k: {"mean_band_change": _mean(v)} for k, v in changes.items()},
        total_derived={"mean_band_change": _mean(everyone)},
    )


def _goals(research: FamilyGraph, groups: Mapping[str, list[str]], by: str) -> Table:
    statuses: dict[str, Counter[str]] = {
        key: Counter(str(g.status) for n in nodes for g in research.nodes[n]["goals"].values())
        for key, nodes in groups.items()
    }
    everyone: Counter[str] = sum(statuses.values(), Counter())
    return make_table(
        f"goals_by_{by}",
        by,
        "goal_status",
        [(k, [Cell(c[s]) for s in GOAL_STATUSES]) for k, c in statuses.items()],
        GOAL_STATUSES,
        margins="both",
        row_total_derived={k: {"achieved_share": _share(c)} for k, c in statuses.items()},
        total_derived={"achieved_share": _share(everyone)},
    )


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _share(statuses: Counter[str]) -> float | None:
    total = sum(statuses.values())
    return statuses[str(GoalStatus.ACHIEVED)] / total if total else None
