"""Map-like picture of a :class:`~graph_service.analytics.region_graph.RegionGraph`.

Layout: each region at ``(longitude, latitude)`` from ``graph.graph["regions"]`` (an
equirectangular "map"); regions without coordinates are put on a circle around the others.
Node area grows with the number of families (``area ∝ families``), edge width with the ties
crossing the two regions (``width ∝ sqrt(ties)``, drawn as arcs so that
links between regions on one line stay apart), labels are region names. Rendering uses
matplotlib's Agg canvas on a private ``Figure`` (no pyplot state, safe in a server thread).

>>> from graph_service.analytics.region_graph import RegionGraph, RegionStats
>>> rg = RegionGraph({"a": RegionStats("a", 3, 1, 0)}, [])
>>> region_graph_png(rg, {})[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from graph_service.analytics.family_graph import RegionInfo
from graph_service.analytics.region_graph import RegionGraph
from graph_service.i18n import DEFAULT_LOCALE, translate

Point = tuple[float, float]


def layout(region_graph: RegionGraph, regions_info: Mapping[str, RegionInfo]) -> dict[str, Point]:
    """Longitude/latitude where known; a circle around the known ones for the rest."""
    positions: dict[str, Point] = {}
    missing: list[str] = []
    for rid in region_graph.regions:
        info = regions_info.get(rid)
        if info is not None and info.latitude is not None and info.longitude is not None:
            positions[rid] = (info.longitude, info.latitude)
        else:
            missing.append(rid)
    if positions:
        xs = [x for x, _ in positions.values()]
        ys = [y for _, y in positions.values()]
        centre = (sum(xs) / len(xs), sum(ys) / len(ys))
        radius = max(1.0, 0.6 * max(max(xs) - min(xs), max(ys) - min(ys)))
    else:
        centre, radius = (0.0, 0.0), 1.0
    for i, rid in enumerate(missing):
        angle = 2 * math.pi * i / len(missing)
        positions[rid] = (
            centre[0] + radius * math.cos(angle),
            centre[1] + radius * math.sin(angle),
        )
    return positions


def _draw(region_graph: RegionGraph, regions_info: Mapping[str, RegionInfo], locale: str) -> Figure:
    figure = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = layout(region_graph, regions_info)
    most_ties = max((link.ties for link in region_graph.links), default=1) or 1
    for link in region_graph.links:
        width = 0.5 + 8 * math.sqrt(link.ties / most_ties)
        arc = FancyArrowPatch(
            positions[link.regions[0]],
            positions[link.regions[1]],
            connectionstyle="arc3,rad=0.2",
            arrowstyle="-",
            linewidth=width,
            color="#4a7ab0",
            alpha=0.6,
            zorder=1,
        )
        axes.add_patch(arc)
    most_families = max((s.families for s in region_graph.regions.values()), default=1) or 1
    for rid, stats in region_graph.regions.items():
        x, y = positions[rid]
        size = 60 + 1500 * stats.families / most_families
        axes.scatter([x], [y], s=size, color="#e07b39", edgecolors="black", zorder=2)
        info = regions_info.get(rid)
        families = translate(locale, "picture.regions.families", count=stats.families)
        label = f"{info.name if info else rid}\n{families}"
        offset = (0, math.sqrt(size) / 2 + 3)  # just above the disc (size is in points^2)
        axes.annotate(
            label,
            (x, y),
            textcoords="offset points",
            xytext=offset,
            ha="center",
            va="bottom",
            fontsize=8,
            zorder=3,
        )
    axes.set_xlabel(translate(locale, "picture.regions.longitude"))
    axes.set_ylabel(translate(locale, "picture.regions.latitude"))
    axes.set_title(translate(locale, "picture.regions.title"))
    axes.margins(0.2)
    figure.tight_layout()
    return figure


def render(
    region_graph: RegionGraph,
    regions_info: Mapping[str, RegionInfo],
    image_format: Literal["png", "svg"] = "png",
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    """PNG or SVG bytes of the region graph, its texts in ``locale``."""
    buffer = io.BytesIO()
    _draw(region_graph, regions_info, locale).savefig(buffer, format=image_format)
    return buffer.getvalue()


def region_graph_png(
    region_graph: RegionGraph,
    regions_info: Mapping[str, RegionInfo],
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    return render(region_graph, regions_info, "png", locale)


def region_graph_svg(
    region_graph: RegionGraph,
    regions_info: Mapping[str, RegionInfo],
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    return render(region_graph, regions_info, "svg", locale)
