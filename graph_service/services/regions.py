"""Cross-region views for organizers: the region graph, bridging families, the map picture.

Organizers and admins see the region graph (aggregate tie counts between regions); bridging
families only for the regions an organizer serves. Researchers get the region graph through
the research reports (consenting families only, small cells suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.analytics.bridging import BridgingFamily, bridging_families
from graph_service.analytics.region_graph import RegionGraph, region_graph
from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, NotFound
from graph_service.services.access import require_role
from graph_service.services.analysis import analysis_cache
from graph_service.stores.base import GraphStore


def regions_graph(store: GraphStore, principal: Principal | None) -> RegionGraph:
    require_role(principal, Role.ORGANIZER, Role.ADMIN)
    return analysis_cache(store).derived("region_graph", region_graph)


def bridges(
    store: GraphStore, principal: Principal | None, region_ids: Sequence[str] | None, first: int
) -> list[BridgingFamily]:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    graph = analysis_cache(store).graph()
    wanted = (
        set(region_ids)
        if region_ids
        else (set(who.regions) if who.role is Role.ORGANIZER else None)
    )
    for region in sorted(wanted or ()):
        if region not in graph.graph["regions"]:
            raise NotFound(f"region {region!r} does not exist", field="regionIds")
        if not who.serves(region):
            raise Forbidden(f"you do not serve region {region!r}", field="regionIds")
    key = f"bridging:{sorted(wanted) if wanted else None}:{first}"
    return analysis_cache(store).derived(
        key, lambda g: bridging_families(g, regions=wanted, first=first)
    )
