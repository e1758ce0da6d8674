"""bridging_families: hand-ranked small network; ego measures agree with networkx."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.analytics.bridging import bridging_families, ego_measures
from graph_service.analytics.family_graph import tie_graph
from graph_service.analytics.network_summary import research_graph
from tests.analytics.small_network import small_network


def test_ranking_and_reasons_by_hand() -> None:
    # path a-b-c-d-e-f: b, c, d, e each have two unconnected partners: ES 2, C 2*(1/2)^2 = 1/2,
    # sqrt(ES/C) = 2. c and d reach the other region (score (1+1)*2 = 4), b and e do not (2).
    # Ties: c before d and b before e by id (same number of regions and cohorts reached).
    found = bridging_families(research_graph(small_network()))
    assert [b.family_id for b in found] == ["c", "d", "b", "e"]
    c = found[0]
    assert (c.region, c.regions_reached, c.cohorts_reached, c.ties) == ("n", ("s",), ("c1",), 2)
    assert (c.effective_size, c.constraint) == (2.0, 0.5)
    assert c.score == pytest.approx(4.0)
    assert found[2].score == pytest.approx(2.0)


def test_regions_and_first_narrow_the_list() -> None:
    graph = research_graph(small_network())
    assert [b.family_id for b in bridging_families(graph, regions={"s"})] == ["d", "e"]
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
    assert hub.constraint == pytest.approx(1.125)


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
