"""Bridging families: families whose ties span the network's structural holes, ranked.

Candidates are the families (of ``regions``, if given) with at least one tie (help, referral
or shared cohort, :func:`~graph_service.analytics.family_graph.tie_graph`): the ranking works
for a program that runs in one region, as well as across regions and cohorts.

For a family ``i`` with tie partners ``N(i)``, ``n = d_i = |N(i)|``, on the undirected,
unweighted tie graph, Burt's structural-hole measures are computed two ways, each named for
what it is:

- **effective size** ``ES(i) = n - 2t/n``, ``t`` the ties among ``N(i)`` (Borgatti 1997's form
  of Burt's redundancy). It depends only on ``i``'s ego network, so the whole-graph and the
  ego-network values are the same; it equals ``nx.effective_size``.
- **constraint** (whole tie graph, Burt 1992; ``nx.constraint``):
  ``C(i) = Σ_{j∈N(i)} (p_ij + Σ_{q∈N(i)} p_iq p_qj)^2`` with ``p_xy = A_xy / d_x`` (each
  family's ties spread evenly over its partners), so a partner ``q`` with many ties outside
  ``i``'s neighbourhood constrains ``i`` little. Computed for every family at once with sparse
  matrices: with ``T = (A D^-1 A) ∘ A`` (``T_ij = Σ_{q∈N(i)∩N(j)} 1/d_q`` on each tie),
  ``C(i) = (d_i + 2 Σ_j T_ij + Σ_j T_ij^2) / d_i^2``.
- **ego-network constraint** (``ego_constraint``): the same formula inside ``i``'s ego
  network only (``p_qj = 1/(1 + |N(q) ∩ N(i)|)``; equals ``nx.constraint`` on
  ``nx.ego_graph(ties, i)``); it ignores the partners' ties outside it, which the whole-graph
  form counts.

The ranking score combines the whole-graph measures with reach:

    ``score(i) = R(i) * sqrt(ES(i) / C(i))``

where ``R(i)`` is the number of distinct regions among ``i`` and its partners (1 = none
outside its own, as in a one-region program). ``sqrt(ES/C)`` grows with non-redundant
contacts (a star of ``k`` partners without other ties scores ``k``; a clique of ``k`` about
``sqrt(k)/2``). Ties in score go to more regions reached, then more cohorts reached, then the
family id. Each result carries its reasons: regions and cohorts reached (ids of regions and
cohorts, never of families), effective size, both constraints, number of ties.

Sources: Burt, *Structural Holes* (Harvard UP 1992), ch. 2; Borgatti, "Structural holes:
unpacking Burt's redundancy measures", *Connections* 20 (1997); networkx
``algorithms.structuralholes`` (the reference the whole-graph values are tested against).

>>> from graph_service.analytics.examples import hub_and_spokes
>>> g = hub_and_spokes()  # hub helped x (another region) and was referred by y (a third)
>>> [(b.family_id, b.regions_reached, b.effective_size) for b in bridging_families(g, first=1)]
[('hub', ('e', 's'), 2.0)]
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from graph_service.analytics.family_graph import FamilyGraph, tie_graph
from graph_service.analytics.tie_arrays import TieArrays


@dataclass(frozen=True)
class BridgingFamily:
    family_id: str
    region: str
    score: float
    regions_reached: tuple[str, ...]  # other regions, sorted
    cohorts_reached: tuple[str, ...]  # other cohorts, sorted
    effective_size: float
    constraint: float  # Burt's constraint on the whole tie graph (nx.constraint)
    ego_constraint: float  # the same inside the family's ego network only
    ties: int


Adjacency = Mapping[str, Collection[str]]


def ego_measures(adjacency: Adjacency, node: str) -> tuple[float, float]:
    """``(effective size, ego-network constraint)`` of ``node`` (module doc); needs a tie.
    The effective size is the whole-graph one too; the constraint is the ego form only.

    ``adjacency`` maps each family to its tie partners: an undirected ``nx.Graph`` or, much
    faster, a ``dict`` of ``set`` s.

    Parameters
    ----------
    adjacency : networkx.Graph or dict of str to set of str
        Each family's tie partners.
    node : str
        A family with at least one tie.

    Returns
    -------
    tuple of (float, float)
        Its effective size and its ego-network constraint.

    References
    ----------
    Burt (1992); networkx ``effective_size`` and ``local_constraint``.

    Examples
    --------
    >>> ego_measures({"a": {"b", "c"}, "b": {"a"}, "c": {"a"}}, "a")
    (2.0, 0.5)
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


def whole_graph_measures(
    adjacency: Adjacency, nodes: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(effective size, constraint)`` of every one of ``nodes`` on the whole tie graph
    (module doc: sparse products, no per-node loop); ``nan`` for a node without ties, as
    networkx. ``adjacency`` must hold every tie partner of ``nodes`` among ``nodes``.

    Parameters
    ----------
    adjacency : networkx.Graph or dict of str to set of str
        Each family's tie partners, holding every partner of ``nodes`` among ``nodes``.
    nodes : sequence of str
        The families to measure.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        Effective size and constraint per node, ``nan`` for a node without ties.

    References
    ----------
    Burt (1992); networkx ``algorithms.structuralholes``.

    Examples
    --------
    >>> whole_graph_measures({"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}, ["a", "b", "c"])
    (array([1., 2., 1.]), array([1. , 0.5, 1. ]))
    """
    index = {node: i for i, node in enumerate(nodes)}
    rows = [index[u] for u in nodes for v in adjacency[u] if v != u]
    cols = [index[v] for u in nodes for v in adjacency[u] if v != u]
    size = len(nodes)
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    a.data[:] = 1.0  # a tie is a tie, however many edges make it
    return matrix_measures(a)


def matrix_measures(
    a: sp.csr_matrix, *, block: int = 4096
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`whole_graph_measures` of the symmetric 0/1 adjacency matrix ``a`` (no per-node
    loop). The products ``A D^-1 A`` and ``A A`` are formed ``block`` rows at a time and
    masked to the ties at once, so memory stays near the size of ``a`` (the full squares of a
    network with cohort cliques hold tens of millions of entries).

    Parameters
    ----------
    a : scipy.sparse.csr_matrix
        Symmetric adjacency matrix with ones on the ties and an empty diagonal.
    block : int, default 4096
        Rows per product (memory against the number of sparse products).

    Returns
    -------
    tuple of numpy.ndarray
        ``(effective size, constraint)`` of every row; ``nan`` for a row without ties.

    References
    ----------
    Burt, *Structural Holes* (1992); Borgatti, *Connections* 20 (1997).

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    >>> matrix_measures(a)
    (array([1., 2., 1.]), array([1. , 0.5, 1. ]))
    """
    n = a.shape[0]
    degree = np.asarray(a.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(degree > 0, 1.0 / degree, 0.0)
    scaled = (sp.diags(inverse) @ a).tocsr()  # D^-1 A
    shared_sum = np.zeros(n)
    shared_square = np.zeros(n)
    triangles = np.zeros(n)
    for lo in range(0, n, block):
        rows = a[lo : lo + block]
        shared = rows.multiply(rows @ scaled).tocsr()  # T_ij on the ties of these rows
        shared_sum[lo : lo + block] = np.asarray(shared.sum(axis=1)).ravel()
        shared_square[lo : lo + block] = np.asarray(shared.multiply(shared).sum(axis=1)).ravel()
        triangles[lo : lo + block] = np.asarray(rows.multiply(rows @ a).sum(axis=1)).ravel() / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = degree - 2 * triangles / degree
        constraint = (degree + 2 * shared_sum + shared_square) / degree**2
    return effective, constraint


class _Partners(Mapping[str, Collection[str]]):
    """The tie partners of each family, read from the adjacency matrix on demand (the ego
    constraint needs them for a few hundred families only)."""

    def __init__(self, ties: TieArrays, a: sp.csr_matrix) -> None:
        self.ids, self.a = ties.ids, a
        self.position = {family_id: i for i, family_id in enumerate(ties.ids)}

    def __getitem__(self, family_id: str) -> set[str]:
        i = self.position[family_id]
        return {self.ids[j] for j in self.a.indices[self.a.indptr[i] : self.a.indptr[i + 1]]}

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


def bridging_families(
    graph: FamilyGraph, *, regions: set[str] | None = None, first: int = 20
) -> list[BridgingFamily]:
    """The ``first`` best-ranked bridging families (of ``regions``, if given), measured on the
    whole tie graph.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    regions : set of str, optional
        Rank only families of these regions (measures still use the whole tie graph).
    first : int, default 20
        How many families to return.

    Returns
    -------
    list of BridgingFamily
        Best first, by the ranking score of the module doc; ties by family id.

    References
    ----------
    Burt, *Structural Holes* (1992), ch. 2; Borgatti, *Connections* 20 (1997).

    Examples
    --------
    >>> from graph_service.analytics.examples import hub_and_spokes
    >>> g = hub_and_spokes()
    >>> [b.family_id for b in bridging_families(g, first=2)]
    ['hub', 'x']
    """
    return bridging_families_of_ties(tie_graph(graph), regions=regions, first=first)


def bridging_families_of_ties(
    ties: nx.Graph[str], *, regions: set[str] | None = None, first: int = 20
) -> list[BridgingFamily]:
    """:func:`bridging_families` of the tie graph ``ties`` (:func:`tie_graph` of the family
    graph), ranked on its :class:`TieArrays`.

    Parameters
    ----------
    ties : networkx.Graph
        The undirected tie graph, nodes carrying ``region``.
    regions : set of str, optional
        Rank only families of these regions.
    first : int, default 20
        How many families to return.

    Returns
    -------
    list of BridgingFamily
        As :func:`bridging_families`.

    Examples
    --------
    >>> from graph_service.analytics.examples import hub_and_spokes
    >>> g = hub_and_spokes()
    >>> from graph_service.analytics.family_graph import tie_graph
    >>> bridging_families_of_ties(tie_graph(g), first=1)[0].family_id
    'hub'
    """
    return bridging_families_of_arrays(TieArrays.of_graph(ties), regions=regions, first=first)


def bridging_families_of_arrays(
    ties: TieArrays, *, regions: set[str] | None = None, first: int = 20
) -> list[BridgingFamily]:
    """:func:`bridging_families` of the tie arrays ``ties`` (the read model's, or
    :meth:`TieArrays.of_graph` of a networkx tie graph): the whole-graph measures for every
    family at once, the reach of each candidate from its row of the adjacency matrix, and the
    ego-network constraint for the ``first`` best only.

    Parameters
    ----------
    ties : TieArrays
        The whole network's ties.
    regions : set of str, optional
        Rank only families of these regions.
    first : int, default 20
        How many families to return.

    Returns
    -------
    list of BridgingFamily
        As :func:`bridging_families`.

    Examples
    --------
    >>> from graph_service.analytics.examples import hub_and_spokes
    >>> from graph_service.analytics.family_graph import tie_graph
    >>> ties = TieArrays.of_graph(tie_graph(hub_and_spokes()))
    >>> [(b.family_id, b.regions_reached) for b in bridging_families_of_arrays(ties, first=1)]
    [('hub', ('e', 's'))]
    """
    a = ties.adjacency()
    effective, constraint = matrix_measures(a)
    codes = {
        region: code
        for code, region in enumerate(sorted({*ties.regions, *filter(None, ties.region)}))
    }
    names = sorted(codes, key=codes.__getitem__)
    region_code = np.array([codes.get(r, -1) if r is not None else -1 for r in ties.region])
    indptr, indices = a.indptr, a.indices
    scored = []
    for i, family_id in enumerate(ties.ids):
        own = ties.region[i]
        lo, hi = int(indptr[i]), int(indptr[i + 1])
        if lo == hi or (regions is not None and own not in regions):
            continue
        partners = indices[lo:hi]
        reached = {names[c] for c in np.unique(region_code[partners]).tolist() if c >= 0}
        reached.discard(own)
        cohorts: set[str] = set()
        mine = ties.cohort[i]
        if mine is not None:
            cohorts = {c for j in partners.tolist() if (c := ties.cohort[j]) is not None}
            cohorts.discard(mine)
        es, c = float(effective[i]), float(constraint[i])
        score = (1 + len(reached)) * math.sqrt(es / c)
        scored.append((-score, -len(reached), -len(cohorts), family_id, i, reached, cohorts))
    scored.sort(key=lambda row: row[:4])
    partners_of = _Partners(ties, a)
    return [
        BridgingFamily(
            family_id=family_id,
            region=str(ties.region[i]),
            score=-negative,
            regions_reached=tuple(sorted(reached)),
            cohorts_reached=tuple(sorted(cohorts)),
            effective_size=float(effective[i]),
            constraint=float(constraint[i]),
            ego_constraint=ego_measures(partners_of, family_id)[1],
            ties=int(indptr[i + 1] - indptr[i]),
        )
        for negative, _, _, family_id, i, reached, cohorts in scored[: max(first, 0)]
    ]
