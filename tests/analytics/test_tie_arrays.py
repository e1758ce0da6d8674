"""The tie arrays: the same ties as networkx's tie graph, whichever way they are made."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.analytics.bridging import matrix_measures, whole_graph_measures
from graph_service.analytics.family_graph import CohortInfo
from graph_service.analytics.tie_arrays import COHORT, HELP, REFERRAL, TieArrays


def _pairs(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = np.array(rows, dtype=np.int64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2].astype(np.int8)


def test_of_pairs_sorts_nodes_merges_kinds_and_drops_loops() -> None:
    # nodes given out of order; (c, a) twice with two kinds, one loop, one pair both ways
    ties = TieArrays.of_pairs(
        ["c", "a", "b"],
        ["s", "n", "n"],
        [None, "k1", "k1"],
        _pairs([(0, 1, HELP), (1, 0, COHORT), (2, 2, HELP), (1, 2, REFERRAL), (2, 1, HELP)]),
        ["n", "s", "e"],
        {"k1": CohortInfo("n", "active", "organizer", (), ["a", "b"])},
    )
    assert ties.ids == ("a", "b", "c")
    assert ties.region == ("n", "n", "s")
    assert ties.cohort == ("k1", "k1", None)
    # a-b: referral | help; a-c: help | cohort; the loop on b is gone
    assert list(zip(ties.u.tolist(), ties.v.tolist(), ties.bits.tolist(), strict=True)) == [
        (0, 1, REFERRAL | HELP),
        (0, 2, HELP | COHORT),
    ]
    assert ties.regions == ("e", "n", "s")


def test_of_graph_reads_the_kinds_of_a_networkx_tie_graph() -> None:
    g: nx.Graph[str] = nx.Graph(regions={"n": None}, cohorts={})
    for node in ("x", "y", "z"):
        g.add_node(node, region="n", cohort=None)
    g.add_edge("z", "x", kinds=frozenset({"cohort"}))
    g.add_edge("x", "y", kinds=frozenset({"helped", "referred", "cohort"}))
    ties = TieArrays.of_graph(g)
    assert ties.ids == ("x", "y", "z")
    assert ties.u.tolist() == [0, 0] and ties.v.tolist() == [1, 2]
    assert ties.bits.tolist() == [HELP | REFERRAL | COHORT, COHORT]
    assert (ties.adjacency().toarray() == [[0, 1, 1], [1, 0, 0], [1, 0, 0]]).all()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=2, max_value=30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=90
            ),
        )
    ),
    st.sampled_from([1, 3, 4096]),
)
def test_blocked_measures_equal_the_whole_products_and_networkx(
    drawn: tuple[int, list[tuple[int, int]]], block: int
) -> None:
    n, edges = drawn
    g: nx.Graph[str] = nx.Graph()
    nodes = [f"f{i:02d}" for i in range(n)]
    g.add_nodes_from(nodes)
    g.add_edges_from((nodes[u], nodes[v]) for u, v in edges if u != v)
    a = sp.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=nodes))
    a.data[:] = 1.0
    effective, constraint = matrix_measures(a.astype(float), block=block)
    whole = whole_graph_measures({u: set(g[u]) for u in g}, nodes)
    assert np.allclose(effective, whole[0], equal_nan=True)
    assert np.allclose(constraint, whole[1], equal_nan=True)
    reference = nx.constraint(g)
    for i, u in enumerate(nodes):
        if g.degree(u):
            assert abs(constraint[i] - reference[u]) < 1e-9
