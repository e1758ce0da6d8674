from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from graph_service.analytics.family_graph import tie_graph
from graph_service.readmodel import graph_of_store
from loaders.classic import NAMES, classic_network
from tests.loaders.helpers import embedded


@pytest.mark.parametrize("name", NAMES)
def test_classic_network_loads_and_gives_back_the_published_graph(
    name: str, tmp_path: Path
) -> None:
    network = classic_network(name)
    with embedded(tmp_path / "g.sqlite") as store:
        network.load(store)
        ties = tie_graph(graph_of_store(store), include_cohort=False)
    expected = network.expected
    assert ties.number_of_nodes() == expected["nodes"]
    assert ties.number_of_edges() == expected["edges"]
    if "average_clustering" in expected:
        assert nx.average_clustering(ties) == pytest.approx(
            expected["average_clustering"], abs=5e-5
        )


def test_florentine_medici_are_the_broker() -> None:
    network = classic_network("florentine")
    from graph_service.analytics.family_graph import build_family_graph

    ties = tie_graph(build_family_graph(families=network.families, helps=network.helps))
    betweenness = nx.betweenness_centrality(ties)
    assert max(betweenness, key=betweenness.__getitem__) == "florentine-medici"
    assert betweenness["florentine-medici"] == pytest.approx(0.5220, abs=5e-5)


def test_karate_keeps_the_club_split_as_groups() -> None:
    network = classic_network("karate")
    assert network.groups["karate-00"] == "Mr. Hi" and network.groups["karate-33"] == "Officer"
    assert network.labels["karate-00"] == "00"


def test_unknown_network_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="known: karate"):
        classic_network("nope")
