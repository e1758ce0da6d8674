"""What services read for analytics: the live view, and heavy results from the background.

- :func:`live` is the current :class:`~graph_service.readmodel.LiveView` (the match index is
  in it): always current for this process's writes, and within the feed's poll interval for
  other processes' writes.
- :func:`heavy` serves a result computed in the background from the whole network's graph
  (:mod:`graph_service.readmodel.background`), with its ``asOf``; :func:`of_view` one computed
  from the live view current when it runs (:func:`in_background` for a computation that reads
  the view itself), and :func:`ties_of_view` one from the tie arrays made from that view (no
  networkx graph, no copy of the projection: what the region graph and the bridging ranking
  read).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.tie_arrays import TieArrays
from graph_service.readmodel import LiveView, Result, background, read_model
from graph_service.readmodel.background import whole_graph
from graph_service.readmodel.graph import tie_arrays_of_view
from graph_service.readmodel.projection import Projection
from graph_service.stores.base import GraphStore

T = TypeVar("T")


def live(store: GraphStore) -> LiveView:
    return read_model(store).view()


def heavy(
    store: GraphStore, key: Hashable, build: Callable[[FamilyGraph], T], *, help_edges: bool = True
) -> Result[T]:
    """``build`` of the whole network's graph, computed in the background (see module)."""

    def compute(projection: Projection) -> T:
        return build(whole_graph(projection, help_edges=help_edges))

    return background(read_model(store)).get((key, help_edges), compute)


def in_background(store: GraphStore, key: Hashable, build: Callable[[], T]) -> Result[T]:
    """``build()`` (which reads the live view itself), computed in the background."""
    return of_view(store, ("reads_view", key), lambda _view: build())


def of_view(store: GraphStore, key: Hashable, build: Callable[[LiveView], T]) -> Result[T]:
    """``build`` of the live view current when it runs, computed in the background (no copy
    of the projection: the view is immutable); the answer's ``asOf`` is that view's."""
    return background(read_model(store)).get_of_view(("of_view", key), build)


def ties_of_view(store: GraphStore, key: Hashable, build: Callable[[TieArrays], T]) -> Result[T]:
    """``build`` of the whole network's tie arrays (help, referral, shared cohort), made from
    the live view's columns in the background (:func:`tie_arrays_of_view`)."""
    return of_view(store, ("ties", key), lambda view: build(tie_arrays_of_view(view)))


def network_graph(store: GraphStore, *, help_edges: bool = True) -> Result[FamilyGraph]:
    """The whole network's graph (built in the background per version, served with asOf)."""
    return heavy(store, "graph", lambda graph: graph, help_edges=help_edges)


def region_exists(store: GraphStore, region_id: str) -> bool:
    return region_id in live(store).regions
