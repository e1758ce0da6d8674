"""region_graph and its plot: hand-computed values on the small network."""

from __future__ import annotations

import pytest

from graph_service.analytics.disclosure import assert_safe, suppress
from graph_service.analytics.network_summary import research_graph
from graph_service.analytics.region_graph import region_graph
from graph_service.pictures.region_plot import layout, region_graph_png, region_graph_svg
from tests.analytics.random_family_graph import random_family_graph
from tests.analytics.small_network import small_network


def test_regions_links_and_e_i_by_hand() -> None:
    graph = research_graph(small_network())
    result = region_graph(graph)
    assert {r: s.families for r, s in result.regions.items()} == {"n": 3, "s": 3, "w": 0}
    north = result.regions["n"]
    # n: a-b, b-c inside; c-d leaves: share 1/3, E-I = (1 - 2) / 3
    assert (north.internal, north.external) == (2, 1)
    assert north.share_leaving == pytest.approx(1 / 3)
    assert north.ei_index == pytest.approx(-1 / 3)
    assert result.regions["w"].ei_index is None
    [link] = result.links
    # c-d: help and shared cohort c2; c2 has members in n and s
    assert (link.regions, link.help, link.referral, link.cohort_ties) == (("n", "s"), 1, 0, 1)
    assert (link.shared_cohorts, link.ties) == (1, 1)
    as_graph = result.to_networkx()
    assert as_graph.nodes["n"]["families"] == 3 and as_graph["n"]["s"]["ties"] == 1


def test_families_without_consent_count_only_when_passed_in() -> None:
    assert region_graph(small_network()).regions["n"].families == 4  # g included


def test_region_link_counts_agree_with_family_ties() -> None:
    graph = random_family_graph(400, 1200, 4, seed=8, referrals=50)
    result = region_graph(graph)
    external = sum(s.external for s in result.regions.values())
    assert external == 2 * sum(link.ties for link in result.links)
    assert sum(s.families for s in result.regions.values()) == 400


def test_region_tables_can_be_suppressed() -> None:
    tables = region_graph(research_graph(small_network())).tables()
    for table in tables:
        assert_safe(suppress(table, 10), 10)
    assert [t.name for t in tables] == ["region_families", "region_ties", "region_links"]


def test_plot_returns_png_and_svg() -> None:
    graph = small_network()
    result = region_graph(graph)
    png = region_graph_png(result, graph.graph["regions"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    svg = region_graph_svg(result, graph.graph["regions"])
    assert b"<svg" in svg[:1000] and b"North" in svg


def test_layout_uses_longitude_latitude_and_places_the_rest_around() -> None:
    graph = small_network()
    positions = layout(region_graph(graph), graph.graph["regions"])
    assert positions["n"] == (-100.0, 40.0) and positions["s"] == (-90.0, 30.0)
    assert positions["w"] not in (positions["n"], positions["s"])


def test_a_spanish_plot_has_spanish_texts() -> None:
    graph = small_network()
    svg = region_graph_svg(result := region_graph(graph), graph.graph["regions"], "es")
    text = svg.decode("utf-8")
    assert "Familias y lazos entre regiones" in text and "longitud" in text
    assert "3 familias" in text and "families" not in text
    assert b"Families and ties" in region_graph_svg(result, graph.graph["regions"])
