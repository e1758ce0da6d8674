"""Classic social networks from networkx as fixtures, so analytics can be checked against
published values.

Mapping (the same for every network):

- one :class:`~models.Region` per network (id = the network's name, e.g. ``karate``);
- one :class:`~models.Family` per node: id ``<network>-<slug of the node>`` (karate:
  ``karate-00`` .. ``karate-33``), ``name`` = the node's original name, household size 4,
  income band 2, languages ``("en",)``, joined ``JOINED``, consent to everything;
- every undirected edge ``{u, v}`` becomes two :class:`~models.Helped` exchanges, ``u -> v``
  and ``v -> u`` (kind ``emotional_support``, at ``HELPED_AT``, ``hours`` = the edge's
  ``weight`` if it has one), so :func:`~graph_service.analytics.family_graph.tie_graph`
  with ``include_cohort=False`` gives back the original graph;
- no cohorts, goals pursued or referrals. The original node names and known groups
  (karate: the ``club`` after the split) are in :attr:`ClassicNetwork.labels` and
  :attr:`ClassicNetwork.groups`.

Networks and published values (:attr:`ClassicNetwork.expected`):

==============  ======================================  =====  =====  ==================
name            source                                  nodes  edges  other
==============  ======================================  =====  =====  ==================
``karate``      Zachary (1977), karate club              34     78     avg clustering
                                                                       0.5706
``florentine``  Padgett & Ansell (1993), marriages       15     20     Medici betweenness
                (Pucci, an isolate, left out)                          0.5220
``lesmis``      Knuth (1993), Les Misérables             77     254    avg clustering
                co-appearances                                         0.5731
``davis``       Davis, Gardner & Gardner (1941),         18     139    avg clustering
                Southern Women, projected onto women                   0.9367
                (weight = events attended together)
==============  ======================================  =====  =====  ==================

>>> net = classic_network("karate")
>>> len(net.families), len(net.helps) // 2
(34, 78)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx
from networkx.algorithms import bipartite

from graph_service.stores.base import GraphStore
from models import Consent, DomainModel, Family, Helped, Region

JOINED = date(2024, 1, 1)
HELPED_AT = date(2024, 6, 1)
EVERYTHING = Consent(matching=True, cross_region=True, research=True)


@dataclass
class ClassicNetwork:
    name: str
    regions: list[Region]
    families: list[Family]
    helps: list[Helped]
    labels: dict[str, str]  # family id -> original node name
    groups: dict[str, str] = field(default_factory=dict)  # family id -> known group, if any
    expected: dict[str, float] = field(default_factory=dict)

    def records(self) -> Iterator[DomainModel]:
        yield from self.regions
        yield from self.families
        yield from self.helps

    def load(self, store: GraphStore) -> None:
        """Write the network into ``store`` (idempotent)."""
        store.upsert_regions(self.regions)
        store.upsert_families(self.families)
        store.upsert_help(self.helps)


def _slug(value: Any) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
    return text or "node"


def _davis() -> nx.Graph[Any]:
    graph = nx.davis_southern_women_graph()
    projected: nx.Graph[Any] = bipartite.weighted_projected_graph(graph, graph.graph["top"])
    return projected


def _karate() -> nx.Graph[Any]:
    graph: nx.Graph[Any] = nx.karate_club_graph()
    return nx.relabel_nodes(graph, {n: f"{n:02d}" for n in graph.nodes})


SOURCES: dict[str, tuple[str, Callable[[], nx.Graph[Any]], dict[str, float]]] = {
    "karate": (
        "Zachary's karate club",
        _karate,
        {"nodes": 34, "edges": 78, "average_clustering": 0.5706},
    ),
    "florentine": (
        "Florentine families (marriages)",
        nx.florentine_families_graph,
        {"nodes": 15, "edges": 20, "betweenness_medici": 0.5220},
    ),
    "lesmis": (
        "Les Misérables co-appearances",
        nx.les_miserables_graph,
        {"nodes": 77, "edges": 254, "average_clustering": 0.5731},
    ),
    "davis": (
        "Davis Southern Women (projected onto women)",
        _davis,
        {"nodes": 18, "edges": 139, "average_clustering": 0.9367},
    ),
}
NAMES = tuple(SOURCES)


def classic_network(name: str) -> ClassicNetwork:
    """One of :data:`NAMES` in the domain model (see the module docstring for the mapping)."""
    if name not in SOURCES:
        raise KeyError(f"unknown classic network {name!r}; known: {', '.join(NAMES)}")
    title, build, expected = SOURCES[name]
    graph = build()
    region = Region(id=name, name=title)
    ids = {node: f"{name}-{_slug(node)}" for node in graph.nodes}
    if len(set(ids.values())) != len(ids):
        raise ValueError(f"node names of {name!r} do not give unique ids")
    families = [
        Family(
            id=ids[node],
            name=str(node),
            region_id=name,
            household_size=4,
            income_band=2,
            joined_at=JOINED,
            consent=EVERYTHING,
        )
        for node in graph.nodes
    ]
    helps: list[Helped] = []
    for number, (u, v, data) in enumerate(sorted(graph.edges(data=True), key=_edge_key)):
        weight = data.get("weight")
        hours = float(weight) if weight is not None else None
        for index, (giver, receiver) in enumerate(((u, v), (v, u))):
            helps.append(
                Helped(
                    id=f"{name}-h{number:04d}-{index}",
                    from_id=ids[giver],
                    to_id=ids[receiver],
                    kind="emotional_support",
                    at=HELPED_AT,
                    hours=hours,
                )
            )
    groups = {ids[n]: str(d["club"]) for n, d in graph.nodes(data=True) if "club" in d}
    labels = {family_id: str(node) for node, family_id in ids.items()}
    return ClassicNetwork(name, [region], families, helps, labels, groups, dict(expected))


def _edge_key(edge: tuple[Any, Any, dict[str, Any]]) -> tuple[str, str]:
    return (str(edge[0]), str(edge[1]))
