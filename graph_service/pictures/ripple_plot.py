"""Pictures of ripple growth: a cascade tree and a growth curve, as PNG or SVG bytes.

Rendering uses matplotlib's object API (``Figure`` with the Agg canvas; no pyplot, no global
backend switch, no display), so it is safe inside a server. Pictures carry no names or ids:
nodes are unlabeled dots and legends name generations or regions only.

Radial tree layout (computed here, linear time, no graphviz; after the "radial layout" of
Eades, "Drawing free trees", Bulletin of the Institute for Combinatorics and its Applications
5, 1992): a family in generation ``k`` sits on the circle of radius ``k``; the root owns the
whole circle and every family divides its angular wedge among its recruits in proportion to
the number of leaves below each, drawing itself at the middle of its wedge. Subtrees therefore
never overlap, and a chain is a straight ray.

>>> from datetime import date
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> for fam in "ab":
...     g.add_node(fam, region="r", cohort=None, joined_at=date(2024, 1, 1))
>>> g.add_edge("a", "b", key="referred", kind="referred", at=date(2024, 2, 1))
'referred'
>>> radial_layout(read_cascade(g, "a"))
{'a': (0.0, 0.0), 'b': (-1.0, 0.0)}
>>> cascade_tree_png(g, "a")[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

from babel.numbers import format_decimal
from matplotlib import colormaps, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.ripple import (
    CascadeTree,
    RippleSummary,
    cascade_metrics,
    read_cascade,
)
from graph_service.errors import FieldProblem, ValidationFailed
from graph_service.i18n import DEFAULT_LOCALE, translate

__all__ = ["ColorBy", "ImageFormat", "cascade_tree_png", "growth_curve_png", "radial_layout"]

ImageFormat = Literal["png", "svg"]
ColorBy = Literal["generation", "region"]

#: Categories drawn in their own colour; the rest are grouped as "other".
MAX_LEGEND_ENTRIES = 10
OTHER_COLOR = "#9e9e9e"
EDGE_COLOR = "#b0b0b0"


def _check_format(image_format: str) -> None:
    if image_format not in ("png", "svg"):
        raise ValidationFailed([FieldProblem("format", "must be 'png' or 'svg'")])


def _render(figure: Figure, image_format: ImageFormat) -> bytes:
    """PNG or SVG bytes of ``figure``; SVG output is made reproducible (no date, fixed ids)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if image_format == "svg" else None
    with rc_context({"svg.hashsalt": "ripple", "svg.fonttype": "none"}):
        figure.savefig(buffer, format=image_format, dpi=100, metadata=metadata)
    return buffer.getvalue()


# --------------------------------------------------------------------------- layout


def radial_layout(tree: CascadeTree) -> dict[str, tuple[float, float]]:
    """Positions of a cascade's families (see the module docstring), root at the origin."""
    leaves = dict.fromkeys(tree.order, 0)
    for family in reversed(tree.order):
        leaves[family] = max(leaves[family], 1)
        if family != tree.root:
            leaves[tree.parent[family]] += leaves[family]
    wedge_start = {tree.root: 0.0}
    wedge = {tree.root: 2 * math.pi}
    for family in tree.order:
        start = wedge_start[family]
        for recruit in tree.recruits[family]:
            wedge_start[recruit] = start
            wedge[recruit] = wedge[family] * leaves[recruit] / leaves[family]
            start += wedge[recruit]
    positions = {}
    for family in tree.order:
        radius = float(tree.generation[family])
        angle = wedge_start[family] + wedge[family] / 2
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        positions[family] = (round(x, 12) + 0.0, round(y, 12) + 0.0)  # + 0.0 drops -0.0
    return positions


# --------------------------------------------------------------------------- cascade tree


def _region_colors(
    graph: FamilyGraph, tree: CascadeTree, locale: str = DEFAULT_LOCALE
) -> tuple[list[str], list[tuple[str, str]]]:
    """Colour per family (in ``tree.order``) and legend (label, colour) by region."""
    regions = [str(graph.nodes[f].get("region")) for f in tree.order]
    counts = Counter(regions)
    ranked = sorted(counts, key=lambda r: (-counts[r], r))
    palette = colormaps["tab10"]
    color_of = {r: _hex(palette(i)) for i, r in enumerate(ranked[:MAX_LEGEND_ENTRIES])}
    names = graph.graph.get("regions", {})
    legend = [(getattr(names.get(r), "name", r), color_of[r]) for r in color_of]
    if len(ranked) > MAX_LEGEND_ENTRIES:
        others = len(ranked) - MAX_LEGEND_ENTRIES
        other = translate(locale, "picture.cascade.other_regions", count=others)
        legend.append((other, OTHER_COLOR))
    return [color_of.get(r, OTHER_COLOR) for r in regions], legend


def _hex(rgba: tuple[float, float, float, float]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgba[:3])


def _draw_legend(axes: Axes, legend: Sequence[tuple[str, str]], title: str) -> None:
    handles = [
        Line2D([], [], marker="o", linestyle="", color=color, label=label)
        for label, color in legend
    ]
    axes.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.0, 1.0))


@dataclass(frozen=True)
class _Dots:
    xs: list[float]
    ys: list[float]
    size: float

    def draw(self, axes: Axes, colors: Sequence[str]) -> None:
        axes.scatter(self.xs, self.ys, s=self.size, c=list(colors), zorder=2, linewidths=0)


def _color_by_generation(
    figure: Figure, axes: Axes, tree: CascadeTree, dots: _Dots, locale: str
) -> None:
    title = translate(locale, "picture.cascade.generation")
    generations = [tree.generation[f] for f in tree.order]
    depth = max(generations)
    if depth < MAX_LEGEND_ENTRIES:
        palette = colormaps["viridis"]
        colors = [_hex(palette(g / max(depth, 1))) for g in range(depth + 1)]
        dots.draw(axes, [colors[g] for g in generations])
        legend = [
            (translate(locale, "picture.cascade.generation_n", generation=g), c)
            for g, c in enumerate(colors)
        ]
        _draw_legend(axes, legend, title)
    else:
        points = axes.scatter(
            dots.xs,
            dots.ys,
            s=dots.size,
            c=generations,
            cmap="viridis",
            norm=Normalize(0, depth),
            zorder=2,
            linewidths=0,
        )
        figure.colorbar(points, ax=axes, label=title, shrink=0.7)


def cascade_tree_png(
    graph: FamilyGraph,
    root: str,
    *,
    color_by: ColorBy = "generation",
    format: ImageFormat = "png",  # shadows the builtin on purpose: the API calls it "format"
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    """A radial picture of the cascade of ``root`` as PNG (default) or SVG bytes, coloured by
    generation or by region, titled with size, depth and structural virality; its texts in
    ``locale`` (:mod:`graph_service.i18n`)."""
    _check_format(format)
    if color_by not in ("generation", "region"):
        raise ValidationFailed([FieldProblem("colorBy", "must be 'generation' or 'region'")])
    tree = read_cascade(graph, root)
    metrics = cascade_metrics(graph, root, as_of=max(tree.join.values()))
    positions = radial_layout(tree)
    figure = Figure(figsize=(8, 7), layout="constrained")
    axes = figure.add_subplot()
    segments = [(positions[tree.parent[f]], positions[f]) for f in tree.order[1:]]
    axes.add_collection(LineCollection(segments, colors=EDGE_COLOR, linewidths=0.6, zorder=1))
    dots = _Dots(
        xs=[positions[f][0] for f in tree.order],
        ys=[positions[f][1] for f in tree.order],
        size=max(3.0, 120.0 / math.sqrt(len(tree.order))),
    )
    if color_by == "region":
        colors, legend = _region_colors(graph, tree, locale)
        dots.draw(axes, colors)
        _draw_legend(axes, legend, translate(locale, "picture.cascade.region"))
    else:
        _color_by_generation(figure, axes, tree, dots, locale)
    axes.set_aspect("equal")
    axes.autoscale_view()
    axes.axis("off")
    virality = format_decimal(metrics.structural_virality, format="0.00", locale=locale)
    axes.set_title(
        translate(
            locale,
            "picture.cascade.title",
            size=metrics.size,
            depth=metrics.depth,
            virality=virality,
        )
    )
    return _render(figure, format)


# --------------------------------------------------------------------------- growth curve


def _series(
    data: RippleSummary | Mapping[str, int], locale: str
) -> tuple[list[str], list[tuple[str, list[int]]]]:
    if isinstance(data, RippleSummary):
        months = [m.month for m in data.joins_by_month]
        seeds = [m.seeds for m in data.joins_by_month]
        invited = [m.invited for m in data.joins_by_month]
        return months, [
            (translate(locale, "picture.growth.seeds"), seeds),
            (translate(locale, "picture.growth.invited"), invited),
        ]
    months = sorted(data)
    return months, [(translate(locale, "picture.growth.joins"), [data[m] for m in months])]


def growth_curve_png(
    data: RippleSummary | Mapping[str, int],
    *,
    title: str | None = None,
    format: ImageFormat = "png",  # shadows the builtin on purpose: the API calls it "format"
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    """Monthly joins (stacked bars: seeds vs invited, for a :class:`RippleSummary`; one series
    for a ``{"YYYY-MM": count}`` mapping such as ``CascadeMetrics.joins_per_month``) with the
    cumulative total as a line on a second axis. PNG (default) or SVG bytes; its texts in
    ``locale``, the title ("Ripple growth" translated) unless ``title`` is given."""
    _check_format(format)
    months, series = _series(data, locale)
    figure = Figure(figsize=(9, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title if title is not None else translate(locale, "picture.growth.title"))
    if not months:
        empty = translate(locale, "picture.growth.empty")
        axes.text(0.5, 0.5, empty, ha="center", va="center")
        axes.axis("off")
        return _render(figure, format)
    positions = list(range(len(months)))
    bottom = [0] * len(months)
    for label, counts in series:
        axes.bar(positions, counts, bottom=bottom, label=label, width=0.8)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    cumulative = axes.twinx()
    running = list(accumulate(bottom))
    cumulative.plot(
        positions,
        running,
        color="black",
        linewidth=1.5,
        label=translate(locale, "picture.growth.cumulative"),
    )
    cumulative.set_ylabel(translate(locale, "picture.growth.cumulative_axis"))
    cumulative.set_ylim(bottom=0)
    axes.set_ylabel(translate(locale, "picture.growth.per_month"))
    step = max(1, math.ceil(len(months) / 12))
    axes.set_xticks(positions[::step], months[::step], rotation=45, ha="right")
    handles, labels = axes.get_legend_handles_labels()
    more_handles, more_labels = cumulative.get_legend_handles_labels()
    figure.legend(handles + more_handles, labels + more_labels, loc="outside lower center", ncols=3)
    return _render(figure, format)
