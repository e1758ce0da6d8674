"""Cross-region connections (issue 8): regions as nodes, the ties between them as edges.

Ties are the undirected family pairs of :func:`~graph_service.analytics.family_graph.tie_graph`
(help either way, referral, shared active cohort). For regions ``a != b``:

- ``help`` / ``referral`` / ``cohort_ties``: family pairs, one end in ``a`` and one in ``b``,
  with a tie of that kind (a pair with two kinds counts in both);
- ``shared_cohorts``: cohorts with active members in both ``a`` and ``b``;
- ``ties``: family pairs across ``a``-``b`` with a tie of any kind (the edge weight).

Per region ``r``: ``families``; ``internal`` ties ``I`` (both ends in ``r``) and ``external``
ties ``E`` (one end in ``r``); the share of its ties that leave it ``E / (E + I)``; and the
E-I index ``(E - I) / (E + I)`` (Krackhardt & Stern 1988). Regions listed in
``graph.graph["regions"]`` appear even with no families.

The function counts every family it is given: pass ``research_graph(graph)`` for researchers,
and suppress :meth:`RegionGraph.tables` with :func:`~graph_service.analytics.disclosure.suppress`.

>>> from graph_service.analytics.examples import two_regions
>>> g = two_regions()  # a (region n) helped b (region s)
>>> rg = region_graph(g)
>>> rg.links[0].regions, rg.links[0].help, rg.regions["n"].ei_index
(('n', 's'), 1, 1.0)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.family_graph import (
    HELPED,
    REFERRED,
    FamilyGraph,
    edge_values,
    node_values,
    tie_graph,
)
from graph_service.analytics.network_summary import ei_index

LINK_MEASURES = ("help", "referral", "cohort_ties", "shared_cohorts", "ties")


@dataclass(frozen=True)
class RegionLink:
    regions: tuple[str, str]  # sorted
    help: int
    referral: int
    cohort_ties: int
    shared_cohorts: int
    ties: int

    def measure(self, name: str) -> int:
        value: int = getattr(self, name)
        return value


@dataclass(frozen=True)
class RegionStats:
    region: str
    families: int
    internal: int
    external: int

    @property
    def ties(self) -> int:
        return self.internal + self.external

    @property
    def share_leaving(self) -> float | None:
        return self.external / self.ties if self.ties else None

    @property
    def ei_index(self) -> float | None:
        return ei_index(self.external, self.internal)


@dataclass(frozen=True)
class RegionGraph:
    regions: dict[str, RegionStats]
    links: list[RegionLink]  # sorted by regions; only pairs with a tie or a shared cohort

    def to_networkx(self) -> nx.Graph[str]:
        """Nodes carry ``families``; edges carry the :data:`LINK_MEASURES`."""
        graph: nx.Graph[str] = nx.Graph()
        for rid, stats in self.regions.items():
            graph.add_node(rid, families=stats.families)
        for link in self.links:
            graph.add_edge(link.regions[0], link.regions[1])
            graph.edges[link.regions].update({m: link.measure(m) for m in LINK_MEASURES})
        return graph

    def tables(self) -> list[Table]:
        """Region ties (with share leaving and E-I on the row totals) and region links."""
        regions = make_table(
            "region_ties",
            "region",
            "tie",
            [(r, [Cell(s.internal), Cell(s.external)]) for r, s in self.regions.items()],
            ["internal", "external"],
            margins="rows",
            row_total_derived={
                r: {"share_leaving": s.share_leaving, "ei_index": s.ei_index}
                for r, s in self.regions.items()
            },
        )
        families = make_table(
            "region_families",
            "region",
            "measure",
            [(r, [Cell(s.families)]) for r, s in self.regions.items()],
            ["families"],
            margins="columns",
        )
        links = make_table(
            "region_links",
            "region_pair",
            "measure",
            [
                ("|".join(link.regions), [Cell(link.measure(m)) for m in LINK_MEASURES])
                for link in self.links
            ],
            LINK_MEASURES,
        )
        return [families, regions, links]


PairCounts = defaultdict[tuple[str, str], dict[str, int]]


def _count_shared_cohorts(
    graph: nx.Graph[str], region_of: dict[str, str], by_pair: PairCounts
) -> None:
    for info in graph.graph.get("cohorts", {}).values():
        spanned = sorted({region_of[m] for m in info.members if m in region_of})
        for i, a in enumerate(spanned):
            for b in spanned[i + 1 :]:
                by_pair[(a, b)]["shared_cohorts"] += 1


def region_graph(graph: FamilyGraph) -> RegionGraph:
    """Aggregate the family ties of ``graph`` to regions (see the module doc).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.

    Returns
    -------
    RegionGraph
        The regions with their internal and external ties, and the links between regions.

    References
    ----------
    Krackhardt & Stern, "Informal networks and organizational crises", *Social Psychology
    Quarterly* 51 (1988) (the E-I index).

    Examples
    --------
    >>> from graph_service.analytics.examples import two_regions
    >>> g = two_regions()
    >>> sorted(region_graph(g).regions)
    ['n', 's']
    """
    return region_graph_of_ties(tie_graph(graph))


def region_graph_of_ties(ties: nx.Graph[str]) -> RegionGraph:
    """:func:`region_graph` of the tie graph ``ties`` (:func:`tie_graph` of the family graph,
    or the read model's equal one built from its columns).

    Parameters
    ----------
    ties : networkx.Graph
        The undirected tie graph, nodes carrying ``region``.

    Returns
    -------
    RegionGraph
        As :func:`region_graph`.

    Examples
    --------
    >>> from graph_service.analytics.examples import two_regions
    >>> g = two_regions()
    >>> from graph_service.analytics.family_graph import tie_graph
    >>> region_graph_of_ties(tie_graph(g)).links[0].regions
    ('n', 's')
    """
    graph = ties
    region_of: dict[str, str] = dict(node_values(graph, "region"))
    region_ids = sorted(set(graph.graph.get("regions", {})) | set(region_of.values()))
    families = {r: 0 for r in region_ids}
    for region in region_of.values():
        families[region] += 1
    internal = dict.fromkeys(region_ids, 0)
    external = dict.fromkeys(region_ids, 0)
    by_pair: PairCounts = defaultdict(lambda: dict.fromkeys(LINK_MEASURES, 0))
    for u, v, kinds in edge_values(ties, "kinds"):
        a, b = region_of[u], region_of[v]
        if a == b:
            internal[a] += 1
            continue
        external[a] += 1
        external[b] += 1
        counts = by_pair[(min(a, b), max(a, b))]
        counts["ties"] += 1
        counts["help"] += HELPED in kinds
        counts["referral"] += REFERRED in kinds
        counts["cohort_ties"] += "cohort" in kinds
    _count_shared_cohorts(graph, region_of, by_pair)
    return RegionGraph(
        regions={r: RegionStats(r, families[r], internal[r], external[r]) for r in region_ids},
        links=[RegionLink(pair, **by_pair[pair]) for pair in sorted(by_pair)],
    )
