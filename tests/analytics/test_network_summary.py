"""network_summary: hand-computed values on the small network (tests/analytics/small_network.py)
and agreement with networkx on generated graphs."""

from __future__ import annotations

from datetime import date

import networkx as nx
import pytest

from graph_service.analytics.disclosure import Table
from graph_service.analytics.family_graph import edge_values, tie_graph
from graph_service.analytics.network_summary import (
    economic_connectedness,
    median_split,
    network_summary,
    research_graph,
)
from graph_service.analytics.periods import quarter_period
from tests.analytics.random_family_graph import random_family_graph
from tests.analytics.small_network import small_network


def column(table: Table) -> dict[str, int | None]:
    return {key: row[0].count for key, row in zip(table.row_keys, table.cells, strict=True)}


def test_families_and_ties_by_kind_leave_out_families_without_research_consent() -> None:
    summary = network_summary(small_network())
    assert summary.families.count == 6  # g has no research consent
    # a-b, b-c, c-d, e-f have help; d-e referral; a-b, c-d, e-f shared cohort; 5 pairs in all
    assert column(summary.ties_by_kind) == {"help": 4, "referral": 1, "cohort": 3, "any": 5}


def test_degree_distribution_is_binned_with_the_family_count_as_total() -> None:
    summary = network_summary(small_network())
    # degrees: a 1 (its tie to g is gone), b 2, c 2, d 2, e 2, f 1
    degrees = column(summary.degree_distribution)
    assert degrees == {"0": 0, "1": 2, "2": 4, "3-5": 0, "6-10": 0, "11+": 0}
    assert summary.degree_distribution.total is not None
    assert summary.degree_distribution.total.count == 6


def test_clustering_and_help_reciprocity_by_hand() -> None:
    summary = network_summary(small_network())
    assert summary.average_clustering.value("value") == 0.0  # a path: no triangles
    # directed help pairs a->b, b->a, b->c, c->d, e->f: 2 of 5 reciprocated
    assert summary.help_reciprocity.count == 5
    assert summary.help_reciprocity.value("value") == pytest.approx(0.4)


def test_bonding_bridging_and_e_i_index_by_hand() -> None:
    table = network_summary(small_network()).boundary_ties
    # exchange ties a-b, b-c, c-d, d-e, e-f. Cohorts: a-b (C1,C1), c-d (C2,C2), e-f (C3,C3)
    # inside; b-c (C1,C2), d-e (C2,C3) across: E-I = (2 - 3) / 5 = -0.2
    assert [c.count for c in table.cells[0]] == [3, 2]
    assert table.row_total("cohort").value("ei_index") == pytest.approx(-0.2)
    # regions: only c-d crosses N-S: E-I = (1 - 4) / 5 = -0.6
    assert [c.count for c in table.cells[1]] == [4, 1]
    assert table.row_total("region").value("ei_index") == pytest.approx(-0.6)


def test_help_exchanged_by_kind_counts_hours_and_dollars() -> None:
    table = network_summary(small_network()).help_by_kind
    childcare = table.cell("childcare", "exchanges")  # h1 + h5 (h6 went to g: dropped)
    assert (childcare.count, childcare.value("hours"), childcare.value("dollars")) == (2, 6, 60)
    assert table.cell("food", "exchanges").count == 1
    assert table.cell("lending_money", "exchanges").count == 0  # fixed vocabulary rows
    assert table.total is not None
    assert (table.total.count, table.total.value("hours"), table.total.value("dollars")) == (
        5,
        11,
        100,
    )


def test_economic_connectedness_by_hand() -> None:
    # bands a1 b2 c3 d2 e4 f5: N=6, median band 2 (cumulative 1, 3 >= 3), q = (1+2-3)/2 = 0,
    # so a, b, d are low and c, e, f high. Shares of high partners: a {b} 0, b {a,c} 1/2,
    # d {c,e} 1. EC = 2 * (0 + 1/2 + 1) / 3 = 1.0
    ec = network_summary(small_network()).economic_connectedness
    assert ec.count == 3
    assert ec.value("value") == pytest.approx(1.0)


def test_economic_connectedness_splits_the_median_band() -> None:
    # path w1 - z3 - x2 - y2; bands [1,2,2,3]: m = 2, q = (1 + 2 - 2)/2 = 1/2.
    # low weights: w 1, x 1/2, y 1/2; "above" weight of partners: z 1, x 1/2, y 1/2, w 0.
    # shares: w {z} 1; x {z, y} (1 + 1/2)/2 = 3/4; y {x} 1/2.
    # EC = 2 * (1*1 + 1/2*3/4 + 1/2*1/2) / (1 + 1/2 + 1/2) = 2 * 1.625 / 2 = 1.625
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(cohorts={})
    for node, band in {"w": 1, "x": 2, "y": 2, "z": 3}.items():
        graph.add_node(node, income_band=band, region="r", cohort=None)
    for u, v in [("w", "z"), ("z", "x"), ("x", "y")]:
        graph.add_edge(u, v, kind="helped")
    assert median_split([1, 2, 2, 3]) == (2, 0.5)
    ec = economic_connectedness(graph, tie_graph(graph), ["w", "x", "y", "z"])
    assert ec.count == 3
    assert ec.value("value") == pytest.approx(1.625)


def test_period_is_widened_to_quarters_and_filters_dated_ties() -> None:
    assert quarter_period(date(2025, 4, 15), date(2025, 4, 30)) == (
        date(2025, 4, 1),
        date(2025, 6, 30),
    )
    assert quarter_period(date(2025, 11, 3), date(2025, 12, 2)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
    summary = network_summary(small_network(), start=date(2025, 4, 15), end=date(2025, 4, 30))
    assert (summary.start, summary.end) == (date(2025, 4, 1), date(2025, 6, 30))
    # Q2 keeps h3 b-c, h4 c-d, h5 e-f; cohort ties stay; h1, h2 and the referral are gone
    assert column(summary.ties_by_kind) == {"help": 3, "referral": 0, "cohort": 3, "any": 4}


def test_region_keeps_ties_that_leave_it() -> None:
    summary = network_summary(small_network(), region="n")
    assert summary.families.count == 3
    # a-b, b-c, c-d (to S) are the ties of a, b, c
    assert column(summary.ties_by_kind) == {"help": 3, "referral": 0, "cohort": 2, "any": 3}
    assert column(summary.degree_distribution)["2"] == 2  # b and c
    assert summary.help_reciprocity.count == 3  # a->b, b->a, b->c (c->d leaves N)


def test_withdrawn_research_consent_removes_the_family_and_its_ties() -> None:
    summary = network_summary(small_network({"c": False}))
    assert summary.families.count == 5
    assert column(summary.ties_by_kind)["any"] == 3  # a-b, d-e, e-f


def test_communities_report_count_and_sizes_only() -> None:
    summary = network_summary(small_network(), seed=3)
    ties = tie_graph(research_graph(small_network()))
    expected = nx.community.louvain_communities(ties, seed=3)
    assert summary.communities.count == len(expected)
    assert summary.communities.value("value") == pytest.approx(
        nx.community.modularity(ties, expected)
    )
    sizes = {
        k: row[0].value("communities")
        for k, row in zip(
            summary.community_sizes.row_keys, summary.community_sizes.cells, strict=True
        )
    }
    assert sum(c or 0 for c in sizes.values()) == len(expected)
    assert all(isinstance(key, str) and not key.startswith(("a", "b")) for key in sizes)


@pytest.mark.parametrize("seed", [1, 2])
def test_agrees_with_networkx_on_generated_graphs(seed: int) -> None:
    graph = random_family_graph(300, 900, 3, seed=seed, research_share=0.8, referrals=60)
    summary = network_summary(graph, seed=seed)
    research = research_graph(graph)
    ties = tie_graph(research)
    assert summary.families.count == research.number_of_nodes() < 300
    assert summary.average_clustering.value("value") == pytest.approx(nx.average_clustering(ties))
    communities = nx.community.louvain_communities(ties, seed=seed)
    assert summary.communities.count == len(communities)
    assert summary.communities.value("value") == pytest.approx(
        nx.community.modularity(ties, communities)
    )
    helps = nx.DiGraph(
        [(u, v) for u, v, k in edge_values(research, "kind") if k == "helped" and u != v]
    )
    assert summary.help_reciprocity.value("value") == pytest.approx(nx.reciprocity(helps))
    degree_total = summary.degree_distribution.total
    assert degree_total is not None and degree_total.count == summary.families.count


def test_same_seed_same_summary() -> None:
    graph = random_family_graph(200, 600, 2, seed=5)
    assert network_summary(graph, seed=7) == network_summary(graph, seed=7)


def test_tables_never_name_families() -> None:
    names = set(small_network().nodes)
    for table in network_summary(small_network()).tables():
        assert not names & set(table.row_keys + table.column_keys)
