r"""The tie graph of peer matching: help and cohort ties as a sparse adjacency with kind bits,
and the friends-of-friends with their Adamic-Adar scores, read from one family's neighbours.

Definition
----------
Two families are tied when they exchanged help (either direction, :data:`HELP_BIT`) or share
an active cohort (:data:`COHORT_BIT`); referral-only ties are left out. The adjacency is a
symmetric CSR matrix whose data are the kind bits. For a family ``u``,
``AA(u, v) = sum over common neighbours z of 1 / ln(deg z)`` is computed from ``u``'s
neighbours' rows only (never all pairs), and rounded to :data:`AA_DECIMALS` decimals so that
the order in which a sum was added up (which depends on row numbers) never decides a tie.

References
----------
Adamic & Adar, "Friends and neighbors on the Web", Social Networks 25 (2003).

Examples
--------
>>> adjacency({(0, 1): HELP_BIT, (1, 2): COHORT_BIT}, 3).toarray().tolist()
[[0, 1, 0], [1, 0, 2], [0, 2, 0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graph_service.analytics.family_graph import FamilyGraph, edge_values, tie_graph

if TYPE_CHECKING:
    from graph_service.analytics.matching import MatchIndex

__all__ = [
    "AA_DECIMALS",
    "COHORT_BIT",
    "HELP_BIT",
    "adjacency",
    "aligned",
    "readonly",
    "tie_pairs",
    "ties_of",
    "two_hop",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BitArray: TypeAlias = npt.NDArray[np.int8]
TieRow: TypeAlias = tuple[IntArray, BitArray]

HELP_BIT = 1
COHORT_BIT = 2
AA_DECIMALS = 12
_EMPTY_ROW: TieRow = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8))


def readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Mark ``array`` read-only and return it (an index shares its arrays between threads).

    Parameters
    ----------
    array : numpy.ndarray
        Any array; it is changed in place.

    Returns
    -------
    numpy.ndarray
        The same array, no longer writeable.

    Examples
    --------
    >>> readonly(np.zeros(2)).flags.writeable
    False
    """
    array.flags.writeable = False
    return array


def tie_pairs(graph: FamilyGraph, position: Mapping[str, int]) -> dict[tuple[int, int], int]:
    """The help and cohort ties among the graph's families, by row.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph (:mod:`~graph_service.analytics.family_graph`).
    position : Mapping[str, int]
        Row of each family id.

    Returns
    -------
    dict[tuple[int, int], int]
        ``(u, v) -> kind bits`` with ``u < v``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(cohorts={})
    >>> g.add_nodes_from(["a", "b"], cohort=None)
    >>> _ = g.add_edge("a", "b", kind="helped")
    >>> tie_pairs(g, {"a": 0, "b": 1})
    {(0, 1): 1}
    """
    pairs: dict[tuple[int, int], int] = {}
    for u, v, kinds in edge_values(tie_graph(graph, include_cohort=True), "kinds"):
        bit = (HELP_BIT if "helped" in kinds else 0) | (COHORT_BIT if "cohort" in kinds else 0)
        if bit:
            a, b = position[u], position[v]
            pairs[(a, b) if a < b else (b, a)] = bit
    return pairs


def adjacency(pairs: Mapping[tuple[int, int], int], n: int) -> sp.csr_matrix:
    """The symmetric adjacency of ``pairs``, kind bits as data, neighbours sorted.

    Parameters
    ----------
    pairs : Mapping[tuple[int, int], int]
        ``(u, v) -> kind bits``, each pair once.
    n : int
        Number of rows.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n`` by ``n``, ``int8``.

    Examples
    --------
    >>> adjacency({}, 2).nnz
    0
    """
    if pairs:
        keys = np.array(list(pairs), dtype=np.int64)
        bits = np.array(list(pairs.values()), dtype=np.int8)
        rows = np.concatenate([keys[:, 0], keys[:, 1]])
        cols = np.concatenate([keys[:, 1], keys[:, 0]])
        data = np.concatenate([bits, bits])
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
        data = np.zeros(0, dtype=np.int8)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return matrix


def ties_of(index: MatchIndex, row: int) -> TieRow:
    """The neighbours of ``row`` and their kind bits, the tie patch before the base.

    Parameters
    ----------
    index : MatchIndex
        The match index.
    row : int
        A row of the index.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        Sorted neighbour rows (``int64``) and their kind bits (``int8``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ties = adjacency({(0, 1): HELP_BIT, (0, 2): COHORT_BIT}, 3)
    >>> rows, bits = ties_of(SimpleNamespace(tie_patch={}, ties_base=ties), 0)
    >>> rows.tolist(), bits.tolist()
    ([1, 2], [1, 2])
    """
    patched = index.tie_patch.get(row)
    if patched is not None:
        return patched
    base = index.ties_base
    if row >= base.shape[0]:
        return _EMPTY_ROW
    start, end = base.indptr[row], base.indptr[row + 1]
    return base.indices[start:end], base.data[start:end]


def two_hop(index: MatchIndex, me: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Families two ties from ``me``, from ``me``'s neighbours' rows only.

    Parameters
    ----------
    index : MatchIndex
        The match index.
    me : int
        The asking family's row.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]
        The rows reached (sorted), their common-neighbour counts and their Adamic-Adar scores.

    References
    ----------
    Adamic & Adar (2003); Liben-Nowell & Kleinberg, "The link-prediction problem for social
    networks", JASIST 58 (2007).

    Examples
    --------
    A path 0 - 1 - 2: family 2 is two ties from 0 through 1 (degree 2, so AA = 1 / ln 2).

    >>> from types import SimpleNamespace
    >>> ties = adjacency({(0, 1): HELP_BIT, (1, 2): HELP_BIT}, 3)
    >>> index = SimpleNamespace(tie_patch={}, ties_base=ties, tie_degree=np.array([1.0, 2, 1]))
    >>> nodes, common, aa = two_hop(index, 0)
    >>> nodes.tolist(), common.tolist(), round(float(aa[0]), 4)
    ([2], [1], 1.4427)
    """
    neighbours, _ = ties_of(index, me)
    if len(neighbours) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    their = [ties_of(index, int(z))[0] for z in neighbours]
    reached = np.concatenate(their)
    # A neighbour of degree 1 reaches only ``me``, which is dropped: clamp avoids 1/ln 1.
    weight = np.repeat(
        1.0 / np.log(np.maximum(index.tie_degree[neighbours], 2.0)), [len(t) for t in their]
    )
    keep = reached != me
    nodes, inverse = np.unique(reached[keep], return_inverse=True)
    common = np.bincount(inverse, minlength=len(nodes)).astype(np.int64)
    adamic_adar: FloatArray = np.bincount(
        inverse, weights=weight[keep], minlength=len(nodes)
    ).astype(np.float64)
    return nodes.astype(np.int64), common, np.round(adamic_adar, AA_DECIMALS)


def aligned(keys: IntArray, values: FloatArray, wanted: IntArray) -> FloatArray:
    """``values`` of sorted ``keys`` looked up at ``wanted``; 0 where a key is missing.

    Parameters
    ----------
    keys : numpy.ndarray
        Sorted, unique keys.
    values : numpy.ndarray
        One value per key.
    wanted : numpy.ndarray
        Keys to look up.

    Returns
    -------
    numpy.ndarray
        One value per wanted key.

    Examples
    --------
    >>> aligned(np.array([1, 4]), np.array([0.5, 2.0]), np.array([4, 2])).tolist()
    [2.0, 0.0]
    """
    out = np.zeros(len(wanted))
    if len(keys) == 0:
        return out
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[at] == wanted
    out[found] = values[at[found]]
    return out
