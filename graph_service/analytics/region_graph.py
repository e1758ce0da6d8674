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

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.family_graph import FamilyGraph, tie_graph
from graph_service.analytics.network_summary import ei_index
from graph_service.analytics.tie_arrays import COHORT, HELP, REFERRAL, TieArrays

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
    """:func:`region_graph` of the tie graph ``ties`` (:func:`tie_graph` of the family
    graph), counted on its :class:`TieArrays`.

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
    return region_graph_of_arrays(TieArrays.of_graph(ties))


def region_graph_of_arrays(ties: TieArrays) -> RegionGraph:
    """:func:`region_graph` of the tie arrays ``ties`` (the read model's, or
    :meth:`TieArrays.of_graph` of a networkx tie graph), counted with array operations.

    Parameters
    ----------
    ties : TieArrays
        The whole network's ties, each node with its region.

    Returns
    -------
    RegionGraph
        As :func:`region_graph`.

    Examples
    --------
    >>> from graph_service.analytics.examples import two_regions
    >>> from graph_service.analytics.family_graph import tie_graph
    >>> link = region_graph_of_arrays(TieArrays.of_graph(tie_graph(two_regions()))).links[0]
    >>> link.regions, link.help
    (('n', 's'), 1)
    """
    region_ids = sorted({*ties.regions, *(r for r in ties.region if r is not None)})
    code = {region: i for i, region in enumerate(region_ids)}
    size = len(region_ids)
    node_code = np.array([code[r] for r in ties.region], dtype=np.int64)  # type: ignore[index]  # every family has a region
    families = np.bincount(node_code, minlength=size)
    a, b = node_code[ties.u], node_code[ties.v]
    same = a == b
    internal = np.bincount(a[same], minlength=size)
    external = np.bincount(a[~same], minlength=size) + np.bincount(b[~same], minlength=size)
    low, high = np.minimum(a[~same], b[~same]), np.maximum(a[~same], b[~same])
    bits = ties.bits[~same]
    pair = low * size + high

    def per_pair(mask: NDArray[np.bool_] | None = None) -> NDArray[np.int64]:
        chosen = pair if mask is None else pair[mask]
        return np.bincount(chosen, minlength=size * size)

    counts = {
        "ties": per_pair(),
        "help": per_pair((bits & HELP) != 0),
        "referral": per_pair((bits & REFERRAL) != 0),
        "cohort_ties": per_pair((bits & COHORT) != 0),
    }
    shared = np.zeros(size * size, dtype=np.int64)
    position = {family_id: i for i, family_id in enumerate(ties.ids)}
    for info in ties.cohorts.values():
        spanned = sorted({int(node_code[position[m]]) for m in info.members if m in position})
        for i, x in enumerate(spanned):
            for y in spanned[i + 1 :]:
                shared[x * size + y] += 1
    counts["shared_cohorts"] = shared
    present = np.flatnonzero(counts["ties"] + shared)
    return RegionGraph(
        regions={
            r: RegionStats(r, int(families[i]), int(internal[i]), int(external[i]))
            for i, r in enumerate(region_ids)
        },
        links=[
            RegionLink(
                (region_ids[k // size], region_ids[k % size]),
                **{m: int(counts[m][k]) for m in LINK_MEASURES},
            )
            for k in present.tolist()
        ],
    )
