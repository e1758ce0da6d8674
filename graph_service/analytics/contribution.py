"""Bounded contributions: the research graph in which every family's influence is capped.

Differential privacy needs a bound on how much one family can move a published figure (the
*sensitivity*). In a network one family can have any number of exchanges and ties, so the
research tables are computed on a projection in which each family takes part in at most
``max_exchanges`` help or referral records, at most ``max_cohort_mates`` cohort ties and
``max_goals`` goals, and each exchange counts at most ``max_hours`` hours and ``max_dollars``
dollars (larger values are clamped, missing ones count 0).

**The projection (stable ranks).** Every help and referral record gets a rank key, a SHA-256
hash of its identity (help: the exchange id; referral: referrer and referred). A record is
kept iff it is among the ``max_exchanges`` smallest keys of *both* of its families, ranked
over all the family's records in the program (consenting or not, all dates). Likewise a
family keeps its cohort membership iff it is among the ``max_cohort_mates + 1`` smallest
family-id hashes of its cohort, and its ``max_goals`` goals of smallest hash. Because ranks
are computed over the whole program, whether one family's data is in the research population
(its research consent) changes no other family's ranks: taking family ``f`` out removes only
records incident to ``f``, at most ``max_exchanges`` of them, and at most
``max_cohort_mates`` cohort ties. Hashes rather than dates rank the records, so the kept
records are spread over the whole period and the period a query asks for does not change
which records are kept (the same records count in every query).

Reference: Day, Li & Lyu, "Publishing graph degree distribution with node differential
privacy", SIGMOD 2016 (projection to bounded degree with a stable ordering); Kasiviswanathan
et al., "Analyzing graphs with node differential privacy", TCC 2013.

>>> from datetime import date
>>> from graph_service.analytics.family_graph import build_family_graph
>>> from models import Family, Helped
>>> fams = [Family(id=i, name=i, region_id="r", household_size=3, income_band=2,
...                joined_at=date(2024, 1, 1)) for i in "abc"]
>>> helps = [Helped(id=f"h{n}", from_id="a", to_id="bc"[n % 2], kind="childcare",
...                 at=date(2024, 2, 1), hours=30) for n in range(4)]
>>> g = bounded_graph(build_family_graph(families=fams, helps=helps), Bounds(max_exchanges=2))
>>> g.number_of_edges(), max(h for _, _, h in g.edges(data="hours"))
(2, 12.0)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from graph_service.analytics.family_graph import HELPED, REFERRED, FamilyGraph, node_values

ALL_COHORTS = "cohorts_unbounded"  # graph attribute: the cohorts with all their members


@dataclass(frozen=True)
class Bounds:
    """Per-family contribution bounds (defaults: ``GS_PRIVACY_*`` settings)."""

    max_exchanges: int = 24
    max_cohort_mates: int = 7
    max_goals: int = 5
    max_hours: float = 12.0
    max_dollars: float = 500.0

    @property
    def max_ties(self) -> int:
        """Ties one family can have in the projection: exchange partners plus cohort mates."""
        return self.max_exchanges + self.max_cohort_mates


def rank_key(*parts: str) -> bytes:
    """The stable rank of a record: SHA-256 of its identity.

    Parameters
    ----------
    *parts : str
        The fields that identify the record.

    Returns
    -------
    bytes
        The SHA-256 digest of the parts, the record's rank among its kind.

    Examples
    --------
    >>> rank_key("h1") == rank_key("h1") != rank_key("h2")
    True
    """
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def _edge_key(u: str, v: str, key: Any, data: dict[str, Any]) -> bytes:
    if data.get("kind") == HELPED:
        return rank_key(HELPED, str(key))
    return rank_key(REFERRED, u, v)


def _clamp(value: float | None, high: float) -> float:
    return 0.0 if value is None else min(max(float(value), 0.0), high)


def _kept_records(graph: FamilyGraph, limit: int) -> set[tuple[str, str, Any]]:
    """``(u, v, key)`` of the help/referral records kept: top ``limit`` at both ends."""
    by_family: dict[str, list[tuple[bytes, tuple[str, str, Any]]]] = defaultdict(list)
    for u, v, key, data in graph.edges(keys=True, data=True):
        if data.get("kind") not in (HELPED, REFERRED):
            continue
        entry = (_edge_key(u, v, key, data), (u, v, key))
        by_family[u].append(entry)
        if v != u:
            by_family[v].append(entry)
    top: dict[str, set[tuple[str, str, Any]]] = {}
    for family, entries in by_family.items():
        entries.sort(key=lambda e: e[0])
        top[family] = {edge for _, edge in entries[:limit]}
    return {
        edge
        for edges in top.values()
        for edge in edges
        if edge in top[edge[0]] and edge in top[edge[1]]
    }


def bounded_graph(graph: FamilyGraph, bounds: Bounds) -> FamilyGraph:
    """A copy of ``graph`` with every family's contribution bounded (see the module doc).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    bounds : Bounds
        The per-family contribution bounds.

    Returns
    -------
    FamilyGraph
        A copy in which no family contributes more than ``bounds`` allow; ``graph`` is unchanged.

    References
    ----------
    Dwork & Roth, *The Algorithmic Foundations of Differential Privacy* (2014), §2.3
    (sensitivity), applied per family.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> bounded_graph(build_family_graph(families=[]), Bounds()).number_of_nodes()
    0
    """
    kept = _kept_records(graph, bounds.max_exchanges)
    cohort_kept: dict[str, set[str]] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for node, cohort in node_values(graph, "cohort"):
        if cohort is not None:
            members[cohort].append(node)
    for cohort, nodes in members.items():
        ranked = sorted(nodes, key=lambda n: rank_key("member", cohort, n))
        cohort_kept[cohort] = set(ranked[: bounds.max_cohort_mates + 1])
    result: FamilyGraph = nx.MultiDiGraph()
    result.graph.update(graph.graph)
    cohorts = graph.graph.get("cohorts", {})
    result.graph[ALL_COHORTS] = cohorts
    result.graph["cohorts"] = {
        c: replace(info, members=[m for m in info.members if m in cohort_kept.get(c, set())])
        for c, info in cohorts.items()
    }
    for node, data in graph.nodes(data=True):
        attributes = dict(data)
        cohort = attributes.get("cohort")
        if cohort is not None and node not in cohort_kept[cohort]:
            attributes["cohort"] = None
        goals = attributes.get("goals") or {}
        if len(goals) > bounds.max_goals:
            chosen = sorted(goals, key=lambda g: rank_key("goal", node, g))[: bounds.max_goals]
            attributes["goals"] = {g: goals[g] for g in sorted(chosen)}
        result.add_node(node, **attributes)
    for u, v, key, data in graph.edges(keys=True, data=True):
        if (u, v, key) not in kept:
            continue
        attributes = dict(data)
        if data.get("kind") == HELPED:
            attributes["hours"] = _clamp(data.get("hours"), bounds.max_hours)
            attributes["amount"] = _clamp(data.get("amount"), bounds.max_dollars)
        result.add_edge(u, v, key=key, **attributes)
    return result
