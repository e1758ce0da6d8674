"""bridging_families: hand-ranked small network; whole-graph and ego measures agree with
networkx (the Florentine families as a one-region program)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.analytics.bridging import (
    bridging_families,
    ego_measures,
    whole_graph_measures,
)
from graph_service.analytics.family_graph import tie_graph
from graph_service.analytics.network_summary import research_graph
from tests.analytics.small_network import small_network


def test_ranking_and_reasons_by_hand() -> None:
    # path a-b-c-d-e-f: b, c, d, e each have two unconnected partners: ES 2, C 2*(1/2)^2 = 1/2,
    # sqrt(ES/C) = 2. c and d reach the other region (score (1+1)*2 = 4), b and e do not (2).
    # Ties: c before d and b before e by id (same number of regions and cohorts reached).
    # a and f have one partner each: ES 1, C 1, score 1 (or 2 for reaching another region).
    found = bridging_families(research_graph(small_network()))
    assert [b.family_id for b in found] == ["c", "d", "b", "e", "a", "f"]
    c = found[0]
    assert (c.region, c.regions_reached, c.cohorts_reached, c.ties) == ("n", ("s",), ("c1",), 2)
    assert (c.effective_size, c.constraint, c.ego_constraint) == (2.0, 0.5, 0.5)
    assert c.score == pytest.approx(4.0)
    assert found[2].score == pytest.approx(2.0)


def test_regions_and_first_narrow_the_list() -> None:
    graph = research_graph(small_network())
    assert [b.family_id for b in bridging_families(graph, regions={"s"})] == ["d", "e", "f"]
    assert [b.family_id for b in bridging_families(graph, first=1)] == ["c"]
    assert bridging_families(graph, first=0) == []


def test_clustered_partners_lower_the_score() -> None:
    # triangle hub-x-y with x and y in another region: ES = 2 - 2/2 = 1,
    # C = 2 * ((1 + 1/2) / 2)^2 = 1.125
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(cohorts={})
    graph.add_nodes_from([("hub", {"region": "n", "cohort": None})])
    graph.add_nodes_from([(v, {"region": "s", "cohort": None}) for v in ("x", "y")])
    for u, v in [("hub", "x"), ("hub", "y"), ("x", "y")]:
        graph.add_edge(u, v, kind="helped")
    [hub, *_] = bridging_families(graph)
    assert hub.family_id == "hub"
    assert hub.effective_size == 1.0
    assert hub.constraint == pytest.approx(1.125)  # the triangle is the whole graph
    assert hub.ego_constraint == pytest.approx(1.125)


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 18), st.floats(0.1, 0.6), st.integers(0, 10_000))
def test_ego_measures_agree_with_networkx(nodes: int, p: float, seed: int) -> None:
    ties = nx.gnp_random_graph(nodes, p, seed=seed)
    for node in ties:
        if ties.degree(node) == 0:
            continue
        effective_size, constraint = ego_measures(ties, node)
        assert effective_size == pytest.approx(nx.effective_size(ties, nodes=[node])[node])
        ego = nx.ego_graph(ties, node)
        assert constraint == pytest.approx(nx.constraint(ego, nodes=[node])[node])


def test_tie_graph_of_small_network_is_the_documented_path() -> None:
    ties = tie_graph(research_graph(small_network()))
    assert sorted(map(sorted, ties.edges)) == [
        ["a", "b"],
        ["b", "c"],
        ["c", "d"],
        ["d", "e"],
        ["e", "f"],
    ]


def florentine() -> nx.MultiDiGraph[str]:
    """Padgett's Florentine families (``nx.florentine_families_graph``) as a one-region
    program without cohorts: each marriage tie is help both ways."""
    marriages = nx.florentine_families_graph()
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(cohorts={})
    graph.add_nodes_from((f, {"region": "florence", "cohort": None}) for f in marriages)
    for k, (u, v) in enumerate(sorted(marriages.edges())):
        graph.add_edge(u, v, key=f"m{k}", kind="helped")
        graph.add_edge(v, u, key=f"m{k}r", kind="helped")
    return graph


def test_florentine_whole_graph_constraint_equals_networkx_for_every_family() -> None:
    marriages = nx.florentine_families_graph()
    expected_c, expected_es = nx.constraint(marriages), nx.effective_size(marriages)
    found = {b.family_id: b for b in bridging_families(florentine(), first=100)}
    assert set(found) == set(marriages)  # one region: every family is ranked
    for family, b in found.items():
        assert b.constraint == pytest.approx(expected_c[family]), family
        assert b.effective_size == pytest.approx(expected_es[family]), family
        ego = nx.ego_graph(marriages, family)
        assert b.ego_constraint == pytest.approx(nx.constraint(ego, nodes=[family])[family])
    # Burt's classic reading: the Medici are the least constrained, the top broker.
    assert next(iter(found)) == "Medici"
    # By hand: six partners, p = 1/6 each; Ridolfi and Tornabuoni (3 ties each) are tied to
    # each other: (1/6 + 1/6 * 1/3)^2 = 4/81 twice, (1/6)^2 for the other four: 17/81.
    assert found["Medici"].constraint == pytest.approx(17 / 81)
    # the whole-graph and ego forms differ where partners have ties outside the ego network
    assert found["Medici"].constraint != pytest.approx(found["Medici"].ego_constraint)


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 30), st.floats(0.05, 0.6), st.integers(0, 10_000))
def test_whole_graph_measures_agree_with_networkx(nodes: int, p: float, seed: int) -> None:
    ties = nx.gnp_random_graph(nodes, p, seed=seed)
    names = [str(n) for n in ties]
    adjacency = {str(n): {str(m) for m in ties[n]} for n in ties}
    effective, constraint = whole_graph_measures(adjacency, names)
    expected_c, expected_es = nx.constraint(ties), nx.effective_size(ties)
    for i, n in enumerate(ties):
        if ties.degree(n) == 0:
            assert np.isnan(constraint[i]) and np.isnan(effective[i])
            continue
        assert constraint[i] == pytest.approx(expected_c[n])
        assert effective[i] == pytest.approx(expected_es[n])
