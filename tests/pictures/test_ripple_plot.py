"""Ripple pictures: the radial layout by hand, and valid PNG/SVG output."""

from __future__ import annotations

import math
from datetime import date

import networkx as nx
import pytest

from graph_service.analytics.family_graph import FamilyGraph, RegionInfo
from graph_service.analytics.ripple import read_cascade, ripple_summary
from graph_service.errors import ValidationFailed
from graph_service.pictures.ripple_plot import (
    ColorBy,
    cascade_tree_png,
    growth_curve_png,
    radial_layout,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAY = date(2024, 1, 1)


def tree_graph(edges: list[tuple[int, int]], n: int, regions: int = 1) -> FamilyGraph:
    graph: FamilyGraph = nx.MultiDiGraph()
    for i in range(n):
        graph.add_node(str(i), region=f"r{i % regions}", cohort=None, joined_at=DAY)
    for u, v in edges:
        month = 1 + v % 12
        graph.add_edge(str(u), str(v), key="referred", kind="referred", at=date(2024, month, 1))
    graph.graph["regions"] = {"r0": RegionInfo("Oakland", None, None)}
    return graph


def star(k: int) -> FamilyGraph:
    return tree_graph([(0, i) for i in range(1, k + 1)], k + 1)


def test_radial_layout_of_a_star_spaces_recruits_evenly_on_the_unit_circle() -> None:
    # each of 4 recruits owns a quarter wedge and sits in its middle: 45, 135, 225, 315 degrees
    positions = radial_layout(read_cascade(star(4), "0"))
    assert positions["0"] == (0.0, 0.0)
    for i, degrees in zip(range(1, 5), (45, 135, 225, 315), strict=True):
        x, y = positions[str(i)]
        assert math.hypot(x, y) == pytest.approx(1.0)
        assert math.degrees(math.atan2(y, x)) % 360 == pytest.approx(degrees)


def test_radial_layout_splits_wedges_by_leaves_and_puts_generations_on_circles() -> None:
    # 0 -> 1 -> {3, 4, 5}; 0 -> 2: family 1 has 3 of the 4 leaves, so its wedge is 270 degrees
    # (centre 135), family 2's is 90 (centre 315); 3, 4, 5 at 45, 135, 225 on radius 2
    positions = radial_layout(
        read_cascade(tree_graph([(0, 1), (0, 2), (1, 3), (1, 4), (1, 5)], 6), "0")
    )

    def polar(family: str) -> tuple[float, float]:
        x, y = positions[family]
        return math.hypot(x, y), math.degrees(math.atan2(y, x)) % 360

    assert polar("1") == pytest.approx((1.0, 135.0))
    assert polar("2") == pytest.approx((1.0, 315.0))
    assert [value for f in "345" for value in polar(f)] == pytest.approx(
        [2.0, 45.0, 2.0, 135.0, 2.0, 225.0]
    )


def test_radial_layout_of_a_deep_chain_is_a_ray() -> None:
    n = 2000
    positions = radial_layout(read_cascade(tree_graph([(i, i + 1) for i in range(n - 1)], n), "0"))
    assert positions[str(n - 1)] == pytest.approx((-(n - 1), 0.0))


@pytest.mark.parametrize("color_by", ["generation", "region"])
def test_cascade_tree_png_is_a_png(color_by: ColorBy) -> None:
    image = cascade_tree_png(
        tree_graph([(0, 1), (0, 2), (1, 3)], 4, regions=12), "0", color_by=color_by
    )
    assert image.startswith(PNG_MAGIC)


def test_cascade_tree_svg_is_svg_text_without_ids() -> None:
    graph = tree_graph([(0, 1), (0, 2)], 3)
    svg = cascade_tree_png(graph, "0", format="svg").decode("utf-8")
    assert "<svg" in svg and "Cascade of 3 families" in svg
    assert "structural virality 1.33" in svg


def test_deep_tree_uses_a_colour_scale_for_generations() -> None:
    image = cascade_tree_png(tree_graph([(i, i + 1) for i in range(30)], 31), "0", format="svg")
    assert b"generation" in image


def test_growth_curve_of_a_summary_and_of_a_mapping() -> None:
    graph = tree_graph([(0, 1), (0, 2), (1, 3)], 4)
    summary = ripple_summary(graph, as_of=date(2025, 1, 1))
    assert growth_curve_png(summary).startswith(PNG_MAGIC)
    svg = growth_curve_png(summary, format="svg").decode("utf-8")
    assert "joined by invitation" in svg and "seed families" in svg
    assert growth_curve_png({"2024-01": 2, "2024-02": 0, "2024-03": 5}).startswith(PNG_MAGIC)
    assert b"no joins" in growth_curve_png({}, format="svg")


def test_bad_options_are_clear_errors() -> None:
    with pytest.raises(ValidationFailed):
        cascade_tree_png(star(2), "0", format="gif")  # type: ignore[arg-type]  # deliberately wrong
    with pytest.raises(ValidationFailed):
        cascade_tree_png(star(2), "0", color_by="cohort")  # type: ignore[arg-type]  # deliberately wrong


def test_a_spanish_cascade_has_spanish_texts() -> None:
    graph = tree_graph([(0, 1), (0, 2)], 3)
    svg = cascade_tree_png(graph, "0", format="svg", locale="es").decode("utf-8")
    assert "Cascada de 3 familias" in svg and "viralidad estructural 1,33" in svg
    assert "generación 1" in svg and "generation" not in svg
    by_region = cascade_tree_png(
        tree_graph([(0, i) for i in range(1, 12)], 12, regions=12),
        "0",
        color_by="region",
        format="svg",
        locale="es",
    ).decode("utf-8")
    assert "región" in by_region and "otras (2 regiones)" in by_region
    deep = cascade_tree_png(tree_graph([(i, i + 1) for i in range(30)], 31), "0", format="svg")
    assert b"generation" in deep  # English stays the default


def test_a_spanish_growth_curve_has_spanish_texts() -> None:
    graph = tree_graph([(0, 1), (0, 2), (1, 3)], 4)
    summary = ripple_summary(graph, as_of=date(2025, 1, 1))
    svg = growth_curve_png(summary, format="svg", locale="es").decode("utf-8")
    assert "Crecimiento por invitaciones" in svg and "se unieron por invitación" in svg
    assert "familias (acumulado)" in svg and "seed families" not in svg
    empty = growth_curve_png({}, format="svg", locale="es").decode("utf-8")
    assert "ninguna incorporación en este período" in empty
