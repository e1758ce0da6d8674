"""Outcomes by network position (issue 9): descriptive, with the counts behind every figure.

Population: families with ``consent_research``, optionally one region's. A family's network
*position* (its help-tie count, whether it bridges) is read from the whole program's records
(all dates): it is the family's own count of ties, never who they are with, and so one
family's research consent never moves another family between groups (which keeps the
differential-privacy sensitivity of these tables at one family, see
:mod:`graph_service.analytics.privacy`).

Groupings (``by``), all fixed categories:

- ``"help_tie_tercile"``: help-tie degree ``h(v)`` = number of distinct families ``v`` helped
  or was helped by. Families are sorted by ``(h(v), sha256(id))`` (ties between equal
  degrees broken by a stable hash, deterministically) and split into three groups of equal
  size by rank ``r`` (0-based, ``n`` families): *low* ``r < n/3``, *middle* ``r < 2n/3``,
  *high* the rest, i.e. group ``floor(3r/n)``; sizes differ by at most one. The cut points
  published are each group's smallest and largest ``h`` (a structural table).
- ``"bridging"``: *bridging* if the family has a tie to a family of another region, or to a
  family of another cohort (both in cohorts); otherwise *not_bridging*.
- ``"cohort_size"``: active members of the family's cohort (all members: cohort size is an
  attribute of the cohort), binned *none*, 1-5, 6-8 (the program's usual size), 9+.

Stratification (``stratify``): each group is split by the family's tenure band (months from
joining to ``as_of``: 0-5, 6-11, 12-23, 24+), region, or baseline income band (1..5,
``unknown``); rows are ``group|stratum``.

Outcomes per group:

- income band movement ``Δ = income_band - baseline_income_band`` for families with a
  baseline: counts *up* (Δ > 0), *same*, *down* and, on the row total, the share up;
- goals: goals pursued by the group's families by status (achieved, active, abandoned) and,
  on the row total, the achieved share = achieved / all goals pursued.

Descriptive only: differences between groups are not causal effects.

>>> from graph_service.analytics.family_graph import build_family_graph
>>> result = outcomes_by_network(build_family_graph(families=[]), by=Grouping.BRIDGING)
>>> result.families.row_keys
('bridging', 'not_bridging')
>>> tercile_groups({"a": 0, "b": 0, "c": 0, "d": 2, "e": 5, "f": 9})
({'b': 'low', 'c': 'low', 'a': 'middle', 'd': 'middle', 'e': 'high', 'f': 'high'}, ((0, 0), (0, 2), (5, 9)))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import networkx as nx

from graph_service.analytics.contribution import ALL_COHORTS, rank_key
from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.family_graph import HELPED, FamilyGraph, edge_values, tie_graph
from graph_service.analytics.network_summary import population, research_graph
from graph_service.analytics.periods import data_span
from models import GoalStatus


class Grouping(StrEnum):
    """How families are grouped by network position (the module doc defines each)."""

    HELP_TIE_TERCILE = "help_tie_tercile"
    BRIDGING = "bridging"
    COHORT_SIZE = "cohort_size"


class Stratum(StrEnum):
    """How outcome groups are split further (each family in one row)."""

    NONE = "none"
    TENURE = "tenure"
    REGION = "region"
    INCOME_BAND = "income_band"


GROUPS: Mapping[str, tuple[str, ...]] = {
    Grouping.HELP_TIE_TERCILE: ("low", "middle", "high"),
    Grouping.BRIDGING: ("bridging", "not_bridging"),
    Grouping.COHORT_SIZE: ("none", "1-5", "6-8", "9+"),
}
STRATA: tuple[str, ...] = tuple(Stratum)
TENURE_BANDS = ("0-5m", "6-11m", "12-23m", "24m+")
INCOME_BANDS = ("1", "2", "3", "4", "5", "unknown")
MOVES = ("up", "same", "down")
GOAL_STATUSES = tuple(
    str(s) for s in (GoalStatus.ACHIEVED, GoalStatus.ACTIVE, GoalStatus.ABANDONED)
)


@dataclass(frozen=True)
class Outcomes:
    by: str
    region: str | None
    stratify: str
    cut_points: tuple[tuple[int, int], ...] | None  # (min, max) help ties per tercile
    families: Table
    income_movement: Table
    goals: Table

    def tables(self) -> list[Table]:
        tables = [self.families, self.income_movement, self.goals]
        if self.cut_points is not None:
            tables.append(
                make_table(
                    "tercile_cut_points",
                    "help_tie_tercile",
                    "measure",
                    [
                        (g, [Cell(0, {"min_help_ties": lo, "max_help_ties": hi})])
                        for g, (lo, hi) in zip(
                            GROUPS["help_tie_tercile"], self.cut_points, strict=True
                        )
                    ],
                    ["value"],
                )
            )
        return tables


def outcomes_by_network(
    graph: FamilyGraph,
    *,
    by: Grouping = Grouping.HELP_TIE_TERCILE,
    region: str | None = None,
    stratify: Stratum = Stratum.NONE,
    as_of: date | None = None,
) -> Outcomes:
    """Outcome changes grouped by network position (see the module doc).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    by : Grouping, default Grouping.HELP_TIE_TERCILE
        The network position that groups families.
    region : str, optional
        Only families of this region.
    stratify : Stratum, default Stratum.NONE
        How groups are split further.
    as_of : datetime.date, optional
        The day tenure is counted to (default: the data's last day).

    Returns
    -------
    Outcomes
        The tables of families, income moves and goals by group.

    References
    ----------
    Chetty et al., "Social capital I", *Nature* 608 (2022) (network position and
    economic outcomes).

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> outcomes_by_network(build_family_graph(families=[])).families.row_keys
    ('low', 'middle', 'high')
    """
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {sorted(GROUPS)}")
    if stratify not in STRATA:
        raise ValueError(f"unknown stratification {stratify!r}; expected one of {list(STRATA)}")
    research = research_graph(graph)
    members, group_of, cut_points = _grouping(graph, research, by, region)
    strata, stratum_of = _strata(graph, stratify, as_of or data_span(graph)[1])
    keys = [g if stratify == "none" else f"{g}|{s}" for g in GROUPS[by] for s in strata]
    groups: dict[str, list[str]] = {key: [] for key in keys}
    for node in members:
        group = group_of(node)
        groups[group if stratify == "none" else f"{group}|{stratum_of(node)}"].append(node)
    suffix = "" if stratify == "none" else f"@{stratify}"
    header = by if stratify == "none" else f"{by}|{stratify}"
    return Outcomes(
        by=by,
        region=region,
        stratify=stratify,
        cut_points=cut_points,
        families=make_table(
            f"families_by_{by}{suffix}",
            header,
            "measure",
            [(k, [Cell(len(v))]) for k, v in groups.items()],
            ["families"],
            margins="columns",
        ),
        income_movement=_income_movement(research, groups, by, suffix, header),
        goals=_goals(research, groups, by, suffix, header),
    )


def _grouping(
    graph: FamilyGraph, research: FamilyGraph, by: str, region: str | None
) -> tuple[list[str], Callable[[str], str], tuple[tuple[int, int], ...] | None]:
    """The research population (of ``region``), each member's group, the tercile cut points."""
    members = population(research, region)
    cut_points = None
    if by == "help_tie_tercile":
        degrees = _help_degrees(graph, members)
        grouped, cut_points = tercile_groups(degrees)
        group_of: Callable[[str], str] = grouped.__getitem__
    elif by == "bridging":
        group_of = _bridging_grouper(graph)
    else:
        group_of = _cohort_size_grouper(graph)
    return members, group_of, cut_points


def position_groups(
    graph: FamilyGraph, by: Grouping, region: str | None = None
) -> dict[str, list[str]]:
    """The research population (families who consented, of ``region``) by network position
    (the groups of :func:`outcomes_by_network`, in their fixed order).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    by : Grouping
        The network position.
    region : str, optional
        Only families of this region.

    Returns
    -------
    dict of str to list of str
        Each group's families, groups in their fixed order.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> position_groups(build_family_graph(families=[]), Grouping.BRIDGING)
    {'bridging': [], 'not_bridging': []}
    """
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {sorted(GROUPS)}")
    members, group_of, _ = _grouping(graph, research_graph(graph), by, region)
    groups: dict[str, list[str]] = {key: [] for key in GROUPS[by]}
    for node in members:
        groups[group_of(node)].append(node)
    return groups


def _strata(
    graph: FamilyGraph, stratify: str, as_of: date | None
) -> tuple[tuple[str, ...], Callable[[str], str]]:
    nodes = graph.nodes
    if stratify == "none":
        return ("",), lambda node: ""
    if stratify == "region":
        return tuple(sorted(graph.graph.get("regions", {}))), lambda node: str(
            nodes[node]["region"]
        )
    if stratify == "income_band":

        def band(node: str) -> str:
            value = nodes[node]["baseline_income_band"]
            return "unknown" if value is None else str(value)

        return INCOME_BANDS, band

    def tenure(node: str) -> str:
        joined: date | None = nodes[node]["joined_at"]
        if joined is None or as_of is None:
            return TENURE_BANDS[0]
        months = (as_of.year - joined.year) * 12 + as_of.month - joined.month
        return TENURE_BANDS[0 if months < 6 else 1 if months < 12 else 2 if months < 24 else 3]

    return TENURE_BANDS, tenure


def _help_degrees(graph: FamilyGraph, members: Sequence[str]) -> dict[str, int]:
    """Distinct families each member helped or was helped by, in ``graph``."""
    partners: dict[str, set[str]] = {node: set() for node in members}
    for u, v, kind in edge_values(graph, "kind"):
        if kind == HELPED and u != v:
            if u in partners:
                partners[u].add(v)
            if v in partners:
                partners[v].add(u)
    return {node: len(p) for node, p in partners.items()}


def tercile_groups(
    degrees: Mapping[str, int],
) -> tuple[dict[str, str], tuple[tuple[int, int], ...]]:
    """Equal-sized terciles by ``(degree, sha256(id))`` rank; each group's (min, max) degree.

    Parameters
    ----------
    degrees : Mapping of str to int
        Each family's help-tie degree.

    Returns
    -------
    tuple of (dict of str to str, tuple of (int, int))
        Each family's group (``low``, ``middle``, ``high``) and each group's degree range.

    Examples
    --------
    >>> tercile_groups({"a": 1, "b": 2, "c": 3})
    ({'a': 'low', 'b': 'middle', 'c': 'high'}, ((1, 1), (2, 2), (3, 3)))
    """
    ranked = sorted(degrees, key=lambda n: (degrees[n], rank_key("tercile", n)))
    n = len(ranked)
    labels = GROUPS["help_tie_tercile"]
    groups = {node: labels[3 * r // n] for r, node in enumerate(ranked)}
    cuts = []
    for label in labels:
        values = [degrees[node] for node in ranked if groups[node] == label]
        cuts.append((min(values), max(values)) if values else (0, 0))
    return groups, tuple(cuts)


def _is_bridging(graph: FamilyGraph, ties: nx.Graph[str], node: str) -> bool:
    """Has a tie to a family of another region, or of another cohort (both in cohorts)."""
    mine = graph.nodes[node]
    for other in ties[node]:
        theirs = graph.nodes[other]
        if theirs["region"] != mine["region"]:
            return True
        if None not in (mine["cohort"], theirs["cohort"]) and mine["cohort"] != theirs["cohort"]:
            return True
    return False


def _bridging_grouper(graph: FamilyGraph) -> Callable[[str], str]:
    ties = tie_graph(graph)
    return lambda node: "bridging" if _is_bridging(graph, ties, node) else "not_bridging"


def _cohort_size_grouper(graph: FamilyGraph) -> Callable[[str], str]:
    cohorts = graph.graph.get(ALL_COHORTS) or graph.graph.get("cohorts", {})

    def group(node: str) -> str:
        cohort = graph.nodes[node]["cohort"]
        if cohort is None or cohort not in cohorts:
            return "none"
        size = len(cohorts[cohort].members)
        return "1-5" if size <= 5 else "6-8" if size <= 8 else "9+"

    return group


def _income_movement(
    research: FamilyGraph, groups: Mapping[str, list[str]], by: str, suffix: str, header: str
) -> Table:
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
        f"income_movement_by_{by}{suffix}",
        header,
        "income_band_change",
        [(k, moves(v)) for k, v in changes.items()],
        MOVES,
        margins="both",
        row_total_derived={k: {"up_share": _up_share(v)} for k, v in changes.items()},
        total_derived={"up_share": _up_share(everyone)},
    )


def _goals(
    research: FamilyGraph, groups: Mapping[str, list[str]], by: str, suffix: str, header: str
) -> Table:
    statuses: dict[str, Counter[str]] = {
        key: Counter(str(g.status) for n in nodes for g in research.nodes[n]["goals"].values())
        for key, nodes in groups.items()
    }
    everyone: Counter[str] = sum(statuses.values(), Counter())
    return make_table(
        f"goals_by_{by}{suffix}",
        header,
        "goal_status",
        [(k, [Cell(c[s]) for s in GOAL_STATUSES]) for k, c in statuses.items()],
        GOAL_STATUSES,
        margins="both",
        row_total_derived={k: {"achieved_share": _share(c)} for k, c in statuses.items()},
        total_derived={"achieved_share": _share(everyone)},
    )


def _up_share(deltas: Sequence[int]) -> float | None:
    return sum(1 for d in deltas if d > 0) / len(deltas) if deltas else None


def _share(statuses: Counter[str]) -> float | None:
    total = sum(statuses.values())
    return statuses[str(GoalStatus.ACHIEVED)] / total if total else None
