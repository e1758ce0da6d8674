"""The tie graph as arrays: what the whole-network region and bridging analytics read.

:func:`~graph_service.analytics.family_graph.tie_graph` gives the ties as a networkx graph;
at 100,000 families that graph holds about 900,000 edges, each an attribute dictionary and two
adjacency entries (a few hundred MB). :class:`TieArrays` holds the same graph as three integer
columns: tie ``t`` joins nodes ``u[t] < v[t]`` with the kinds in the bits ``bits[t]``
(:data:`HELP` 1, :data:`REFERRAL` 2, :data:`COHORT` 4), and node ``i`` is the family
``ids[i]`` (ids sorted) in region ``region[i]`` and cohort ``cohort[i]``. The read model
makes one from its columns without a networkx graph
(:func:`graph_service.readmodel.graph.tie_arrays_of_view`); :meth:`TieArrays.of_graph` makes
one from a networkx tie graph, so both paths give the same analytics.

>>> import networkx as nx
>>> g = nx.Graph(regions={"n": None}, cohorts={})
>>> g.add_node("a", region="n", cohort=None)
>>> g.add_node("b", region="n", cohort=None)
>>> g.add_edge("a", "b", kinds=frozenset({"helped", "referred"}))
>>> t = TieArrays.of_graph(g)
>>> t.ids, t.u.tolist(), t.v.tolist(), t.bits.tolist()
(('a', 'b'), [0], [1], [3])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graph_service.analytics.family_graph import HELPED, REFERRED, CohortInfo, edge_values

HELP = 1
REFERRAL = 2
COHORT = 4
KIND_BITS = {HELPED: HELP, REFERRED: REFERRAL, "cohort": COHORT}


@dataclass(frozen=True, eq=False)  # identity equality: fields hold arrays
class TieArrays:
    """The undirected tie graph of the whole network as columns (see the module doc)."""

    ids: tuple[str, ...]  # node -> family id, sorted
    region: tuple[str | None, ...]  # node -> region id
    cohort: tuple[str | None, ...]  # node -> the family's cohort (or None)
    u: npt.NDArray[np.int64]  # tie -> its lower node
    v: npt.NDArray[np.int64]  # tie -> its higher node (u < v)
    bits: npt.NDArray[np.int8]  # tie -> kinds (HELP | REFERRAL | COHORT)
    regions: tuple[str, ...]  # every listed region id (also those with no families)
    cohorts: Mapping[str, CohortInfo]  # cohort id -> region, status, active members

    @staticmethod
    def of_graph(ties: nx.Graph[str]) -> TieArrays:
        """The arrays of a networkx tie graph (``kinds`` on edges, ``region`` and ``cohort``
        on nodes, ``regions`` and ``cohorts`` on the graph)."""
        ids = tuple(sorted(ties.nodes))
        position = {node: i for i, node in enumerate(ids)}
        rows = []
        for a, b, kinds in edge_values(ties, "kinds"):
            i, j = position[a], position[b]
            if i == j:
                continue
            bit = 0
            for kind in kinds:
                bit |= KIND_BITS[kind]
            rows.append((min(i, j), max(i, j), bit))
        rows.sort()
        table = np.array(rows, dtype=np.int64).reshape(-1, 3)
        data = ties.nodes
        return TieArrays(
            ids=ids,
            region=tuple(data[n].get("region") for n in ids),
            cohort=tuple(data[n].get("cohort") for n in ids),
            u=table[:, 0].copy(),
            v=table[:, 1].copy(),
            bits=table[:, 2].astype(np.int8),
            regions=tuple(sorted(ties.graph.get("regions", {}))),
            cohorts=dict(ties.graph.get("cohorts", {})),
        )

    @staticmethod
    def of_pairs(
        ids: Sequence[str],
        region: Sequence[str | None],
        cohort: Sequence[str | None],
        pairs: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int8]],
        regions: Sequence[str],
        cohorts: Mapping[str, CohortInfo],
    ) -> TieArrays:
        """Arrays from nodes in any order and ties ``(a, b, bits)`` between their positions
        (either order, repeats OR-ed together): nodes are sorted by id, ties by node."""
        order = np.argsort(np.array(ids, dtype=object), kind="stable")
        rank = np.empty(len(ids), dtype=np.int64)
        rank[order] = np.arange(len(ids))
        a, b, bits = pairs
        low, high = np.minimum(rank[a], rank[b]), np.maximum(rank[a], rank[b])
        keep = low != high
        low, high, bits = low[keep], high[keep], bits[keep]
        width = max(len(ids), 1)
        keys = low * width + high
        unique, inverse = np.unique(keys, return_inverse=True)
        merged = np.zeros(len(unique), dtype=np.int8)
        np.bitwise_or.at(merged, inverse, bits.astype(np.int8))
        listed = order.tolist()
        return TieArrays(
            ids=tuple(ids[i] for i in listed),
            region=tuple(region[i] for i in listed),
            cohort=tuple(cohort[i] for i in listed),
            u=unique // width,
            v=unique % width,
            bits=merged,
            regions=tuple(sorted(regions)),
            cohorts=dict(cohorts),
        )

    def adjacency(self) -> sp.csr_matrix:
        """The symmetric 0/1 adjacency matrix (float64), nodes in ``ids`` order."""
        n = len(self.ids)
        ones = np.ones(2 * len(self.u))
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        matrix = sp.csr_matrix((ones, (rows, cols)), shape=(n, n))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return matrix
