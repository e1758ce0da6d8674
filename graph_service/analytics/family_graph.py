"""The graph every analytic works on: one node per family, help and referral edges.

Stores hand analytics a :data:`FamilyGraph` built by :func:`build_family_graph`; analytics
never touch a driver or a file. The contract, which every analytic may rely on:

Nodes are family ids (``str``) with these attributes (no names or contact data, ever):

========================  ==========================================================
``region``                region id (``str``)
``cohort``                id of the family's *active* cohort membership, or ``None``
``household_size``        ``int``
``languages``             ``tuple[str, ...]`` (sorted)
``income_band``           ``int`` 1..5 now; ``baseline_income_band`` ``int | None``
``strengths``, ``needs``  ``tuple[str, ...]`` (sorted skill terms)
``joined_at``             :class:`datetime.date`
``consent_matching``,     ``bool`` each
``consent_cross_region``,
``consent_research``
``goals``                 ``dict[goal_id, GoalState]`` (see :class:`GoalState`)
========================  ==========================================================

Edges (a ``networkx.MultiDiGraph``) have ``kind`` = ``"helped"`` (key: the exchange id;
``help_kind``, ``at``, ``hours``, ``amount``, ``confirmed``) or ``"referred"`` (key
``"referred"``; ``at``), directed giver -> receiver and referrer -> referred.

Graph attributes: ``graph["cohorts"]``: ``{cohort_id: CohortInfo}``;
``graph["regions"]``: ``{region_id: RegionInfo}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeAlias

import networkx as nx

from graph_service.kinds import NetworkRecords
from models import (
    Cohort,
    Family,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
)

FamilyGraph: TypeAlias = "nx.MultiDiGraph[str]"

HELPED = "helped"
REFERRED = "referred"


@dataclass(frozen=True)
class GoalState:
    status: GoalStatus
    since: date
    achieved_at: date | None = None
    description: str = ""


@dataclass
class CohortInfo:
    region: str
    status: str
    origin: str
    focus_goals: tuple[str, ...]
    members: list[str] = field(default_factory=list)  # active members only, sorted


@dataclass(frozen=True)
class RegionInfo:
    name: str
    latitude: float | None
    longitude: float | None


def _family_attributes(family: Family) -> dict[str, Any]:
    """Node attributes of a family (without goals and cohort, which come from edges)."""
    return {
        "region": family.region_id,
        "household_size": family.household_size,
        "languages": family.languages,
        "income_band": family.income_band,
        "baseline_income_band": family.baseline_income_band,
        "strengths": family.strengths,
        "needs": family.needs,
        "joined_at": family.joined_at,
        "consent_matching": family.consent.matching,
        "consent_cross_region": family.consent.cross_region,
        "consent_research": family.consent.research,
    }


def build_family_graph(
    *,
    families: Iterable[Family],
    regions: Iterable[Region] = (),
    cohorts: Iterable[Cohort] = (),
    memberships: Iterable[MemberOf] = (),
    pursuits: Iterable[Pursues] = (),
    helps: Iterable[Helped] = (),
    referrals: Iterable[Referred] = (),
) -> FamilyGraph:
    """Assemble a :data:`FamilyGraph`. Edges whose ends are not among ``families`` are
    dropped, so a store can pass a region's families with all their edges.

    Parameters
    ----------
    families : iterable of Family
        The nodes.
    regions, cohorts : iterables of Region, Cohort
        Kept as graph attributes ``regions`` and ``cohorts``.
    memberships, pursuits : iterables of MemberOf, Pursues
        Folded into the node attributes ``cohort`` and ``goals``.
    helps, referrals : iterables of Helped, Referred
        The edges (``kind`` ``"helped"`` or ``"referred"``).

    Returns
    -------
    FamilyGraph
        A ``networkx.MultiDiGraph``.

    Examples
    --------
    >>> from datetime import date
    >>> from models import Family
    >>> a = Family(id="a", name="A", region_id="r", household_size=3, income_band=2,
    ...            joined_at=date(2025, 1, 1))
    >>> g = build_family_graph(families=[a])
    >>> g.nodes["a"]["region"], g.number_of_edges()
    ('r', 0)
    """
    graph: FamilyGraph = nx.MultiDiGraph()
    for family in sorted(families, key=lambda f: f.id):
        graph.add_node(family.id, **_family_attributes(family), cohort=None, goals={})
    graph.graph["regions"] = {
        r.id: RegionInfo(r.name, r.latitude, r.longitude)
        for r in sorted(regions, key=lambda r: r.id)
    }
    cohort_infos = {
        c.id: CohortInfo(c.region_id, str(c.status), str(c.origin), c.focus_goals)
        for c in sorted(cohorts, key=lambda c: c.id)
    }
    for m in sorted(memberships, key=lambda m: (m.cohort_id, m.family_id)):
        if m.status is MembershipStatus.ACTIVE and m.family_id in graph:
            graph.nodes[m.family_id]["cohort"] = m.cohort_id
            if m.cohort_id in cohort_infos:
                cohort_infos[m.cohort_id].members.append(m.family_id)
    graph.graph["cohorts"] = cohort_infos
    for p in pursuits:
        if p.family_id in graph:
            graph.nodes[p.family_id]["goals"][p.goal_id] = GoalState(
                p.status, p.since, p.achieved_at, p.description
            )
    for h in sorted(helps, key=lambda h: h.id):
        if h.from_id in graph and h.to_id in graph:
            graph.add_edge(
                h.from_id,
                h.to_id,
                key=h.id,
                kind=HELPED,
                help_kind=h.kind,
                at=h.at,
                hours=h.hours,
                amount=h.amount,
                confirmed=h.confirmed,
            )
    for r in sorted(referrals, key=lambda r: (r.from_id, r.to_id)):
        if r.from_id in graph and r.to_id in graph:
            graph.add_edge(r.from_id, r.to_id, key=REFERRED, kind=REFERRED, at=r.at)
    return graph


def graph_of(network: NetworkRecords) -> FamilyGraph:
    """:func:`build_family_graph` of every record of ``network``.

    Parameters
    ----------
    network : NetworkRecords
        Every record of a network (a store's or a generator's).

    Returns
    -------
    FamilyGraph
        :func:`build_family_graph` of them.

    Examples
    --------
    >>> from graph_service.demo import demo_network
    >>> graph_of(demo_network()).number_of_nodes()
    12
    """
    return build_family_graph(
        families=network.families,
        regions=network.regions,
        cohorts=network.cohorts,
        memberships=network.memberships,
        pursuits=network.pursuits,
        helps=network.helps,
        referrals=network.referrals,
    )


def node_values(graph: nx.Graph[str], name: str) -> Iterator[tuple[str, Any]]:
    """``(node, value of attribute name or None)`` for every node: ``graph.nodes(data=name)``
    with a type mypy can check (the networkx stubs type the attribute as the whole dict).

    Parameters
    ----------
    graph : networkx.Graph
        Any networkx graph.
    name : str
        A node attribute.

    Returns
    -------
    iterator of (str, Any)
        ``(node, value)`` for every node, ``None`` where the attribute is missing.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph(); g.add_node("a", region="n")
    >>> list(node_values(g, "region"))
    [('a', 'n')]
    """
    for node, data in graph.nodes(data=True):
        yield node, data.get(name)


def edge_values(graph: nx.Graph[str], name: str) -> Iterator[tuple[str, str, Any]]:
    """``(u, v, value of attribute name or None)`` for every edge (every parallel edge of a
    multigraph): ``graph.edges(data=name)``, typed.

    Parameters
    ----------
    graph : networkx.Graph
        Any networkx graph.
    name : str
        An edge attribute.

    Returns
    -------
    iterator of (str, str, Any)
        ``(u, v, value)`` for every edge, ``None`` where the attribute is missing.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph(); g.add_edge("a", "b", w=2)
    >>> list(edge_values(g, "w"))
    [('a', 'b', 2)]
    """
    for u, v, data in graph.edges(data=True):
        yield u, v, data.get(name)


def tie_graph(graph: FamilyGraph, *, include_cohort: bool = True) -> nx.Graph[str]:
    """The undirected simple graph of ties: help (either direction), referral and, if asked,
    shared active cohort membership. Edge attribute ``kinds`` is the set of tie kinds; nodes
    keep their ``region`` and ``cohort``, and the graph its ``regions`` and ``cohorts``, so
    the analytics that need only ties (regions, bridging) can be given this graph alone.

    Built in one pass into a dict and added in bulk (networkx's per-edge ``has_edge`` /
    ``add_edge`` is the slow part at a million edges).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    include_cohort : bool, default True
        Whether shared active cohort membership is a tie.

    Returns
    -------
    networkx.Graph
        The undirected simple tie graph, edge attribute ``kinds``.

    Examples
    --------
    >>> from graph_service.analytics.examples import two_regions
    >>> g = two_regions()
    >>> list(tie_graph(g).edges(data="kinds"))
    [('a', 'b', {'helped'})]
    """
    kinds: dict[tuple[str, str], set[str]] = {}
    for u, v, kind in edge_values(graph, "kind"):
        if u != v:
            kinds.setdefault((u, v) if u < v else (v, u), set()).add(kind)
    if include_cohort:
        for info in graph.graph.get("cohorts", {}).values():
            members = sorted(m for m in info.members if m in graph)
            for i, u in enumerate(members):
                for v in members[i + 1 :]:
                    kinds.setdefault((u, v), set()).add("cohort")
    ties: nx.Graph[str] = nx.Graph()
    ties.graph["regions"] = graph.graph.get("regions", {})
    ties.graph["cohorts"] = graph.graph.get("cohorts", {})
    ties.add_nodes_from(
        (node, {"region": data.get("region"), "cohort": data.get("cohort")})
        for node, data in graph.nodes(data=True)
    )
    ties.add_edges_from((u, v, {"kinds": k}) for (u, v), k in kinds.items())
    return ties
