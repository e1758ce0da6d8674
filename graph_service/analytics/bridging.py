"""Bridging families (issue 8): families whose ties span regions or cohorts, ranked.

Candidates are the families (of ``regions``, if given) with at least one tie (help, referral
or shared cohort, :func:`~graph_service.analytics.family_graph.tie_graph`) to a family of
another region, or of another cohort when both are in one.

For a candidate ``i`` with tie partners ``N(i)``, ``n = |N(i)|``, on the undirected,
unweighted tie graph, Burt's structural-hole measures are taken on ``i``'s ego network
(``i``, its partners and the ties among them — the ego-network form of Burt 1992, which needs
only the candidates' neighbourhoods and so stays fast at 100,000 families):

- effective size ``ES(i) = n - 2t/n``, ``t`` the ties among ``N(i)`` (Borgatti 1997's form
  of Burt's redundancy; equals ``nx.effective_size``);
- constraint ``C(i) = Σ_j (p_ij + Σ_q p_iq p_qj)^2`` with ``p_xy = 1/deg(x)`` inside the ego
  network, so ``p_ij = 1/n`` and ``p_qj = 1/(1 + |N(q) ∩ N(i)|)`` (equals
  ``nx.constraint`` on ``nx.ego_graph(ties, i)``).

The ranking score combines them with reach:

    ``score(i) = R(i) * sqrt(ES(i) / C(i))``

where ``R(i)`` is the number of distinct regions among ``i`` and its partners (1 = none
outside its own). ``sqrt(ES/C)`` grows with non-redundant contacts (a star of ``k``
unconnected partners scores ``k``; a clique of ``k`` about ``sqrt(k)/2``). Ties in score go to
more regions reached, then more cohorts reached, then the family id. Each result carries
its reasons: regions and cohorts reached (ids of regions and cohorts, never of families),
effective size, constraint, number of ties.

Sources: Burt, *Structural Holes* (Harvard UP 1992), ch. 2; Borgatti, "Structural holes:
unpacking Burt's redundancy measures", *Connections* 20 (1997).

>>> import networkx as nx
>>> g = nx.MultiDiGraph(cohorts={})
>>> g.add_nodes_from([("hub", {"region": "n", "cohort": None}),
...                   ("x", {"region": "s", "cohort": None}),
...                   ("y", {"region": "e", "cohort": None})])
>>> _ = g.add_edge("hub", "x", kind="helped"); _ = g.add_edge("y", "hub", kind="referred")
>>> [(b.family_id, b.regions_reached, b.effective_size) for b in bridging_families(g, first=1)]
[('hub', ('e', 's'), 2.0)]
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from graph_service.analytics.family_graph import FamilyGraph, node_values, tie_graph


@dataclass(frozen=True)
class BridgingFamily:
    family_id: str
    region: str
    score: float
    regions_reached: tuple[str, ...]  # other regions, sorted
    cohorts_reached: tuple[str, ...]  # other cohorts, sorted
    effective_size: float
    constraint: float
    ties: int


Adjacency = Mapping[str, Collection[str]]


def ego_measures(adjacency: Adjacency, node: str) -> tuple[float, float]:
    """``(effective size, ego-network constraint)`` of ``node`` (module doc); needs a tie.

    ``adjacency`` maps each family to its tie partners: an undirected ``nx.Graph`` or, much
    faster, a ``dict`` of ``set`` s.
    """
    partners = set(adjacency[node])
    n = len(partners)
    if n == 0:
        raise ValueError(f"{node} has no ties: its ego measures are undefined")
    common = {j: partners.intersection(adjacency[j]) for j in partners}
    among = sum(len(c) for c in common.values()) / 2
    effective_size = n - 2 * among / n
    constraint = 0.0
    for j in partners:
        indirect = sum(1 / (1 + len(common[q])) for q in common[j])
        constraint += ((1 + indirect) / n) ** 2
    return effective_size, constraint


@dataclass(frozen=True)
class _Places:
    region: Mapping[str, str]
    cohort: Mapping[str, str | None]

    def reach(self, adjacency: Adjacency, node: str) -> tuple[set[str], set[str]]:
        """Other regions, and other cohorts (when both are in one), among the partners."""
        region, cohort = self.region[node], self.cohort[node]
        regions = {self.region[o] for o in adjacency[node]} - {region}
        cohorts: set[str] = set()
        if cohort is not None:
            cohorts = {c for o in adjacency[node] if (c := self.cohort[o]) is not None}
            cohorts.discard(cohort)
        return regions, cohorts


def _ranked(places: _Places, adjacency: Adjacency, nodes: Iterable[str]) -> list[BridgingFamily]:
    found = []
    for node in nodes:
        regions, cohorts = places.reach(adjacency, node)
        if not regions and not cohorts:
            continue
        effective_size, constraint = ego_measures(adjacency, node)
        found.append(
            BridgingFamily(
                family_id=node,
                region=places.region[node],
                score=(1 + len(regions)) * math.sqrt(effective_size / constraint),
                regions_reached=tuple(sorted(regions)),
                cohorts_reached=tuple(sorted(cohorts)),
                effective_size=effective_size,
                constraint=constraint,
                ties=len(adjacency[node]),
            )
        )
    found.sort(
        key=lambda b: (-b.score, -len(b.regions_reached), -len(b.cohorts_reached), b.family_id)
    )
    return found


def bridging_families(
    graph: FamilyGraph, *, regions: set[str] | None = None, first: int = 20
) -> list[BridgingFamily]:
    """The ``first`` best-ranked bridging families (of ``regions``, if given)."""
    return bridging_families_of_ties(tie_graph(graph), regions=regions, first=first)


def bridging_families_of_ties(
    ties: nx.Graph[str], *, regions: set[str] | None = None, first: int = 20
) -> list[BridgingFamily]:
    """:func:`bridging_families` of the tie graph ``ties`` (:func:`tie_graph` of the family
    graph, or the read model's equal one built from its columns)."""
    adjacency = {node: set(partners) for node, partners in ties.adjacency()}
    places = _Places(dict(node_values(ties, "region")), dict(node_values(ties, "cohort")))
    nodes = sorted(n for n, r in places.region.items() if regions is None or r in regions)
    return _ranked(places, adjacency, nodes)[: max(first, 0)]
