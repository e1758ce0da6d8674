"""The live read model: a projection of the graph that follows every committed write.

Stores feed it (their commit listeners and change feed), services read it, analytics
compute on what it hands them (a match index, frozen projections, networkx graphs of the
parts they need). See :mod:`graph_service.readmodel.live` for how it stays fresh,
:mod:`graph_service.readmodel.background` for heavy results and their ``asOf``.
"""

from graph_service.readmodel.background import AsOf, BackgroundResults, Result, background
from graph_service.readmodel.graph import family_graph, graph_of_store, projection_of_store
from graph_service.readmodel.live import (
    LiveView,
    NotReady,
    ReadModel,
    attach_read_model,
    read_model,
)
from graph_service.readmodel.projection import Delta, FamilyAttrs, Projection

__all__ = [
    "AsOf",
    "BackgroundResults",
    "Delta",
    "FamilyAttrs",
    "LiveView",
    "NotReady",
    "Projection",
    "ReadModel",
    "Result",
    "attach_read_model",
    "background",
    "family_graph",
    "graph_of_store",
    "projection_of_store",
    "read_model",
]
