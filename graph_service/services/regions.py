"""Cross-region views for organizers: the region graph, bridging families, the map picture.

Organizers and admins see the region graph (aggregate tie counts between regions); bridging
families only for the regions an organizer serves. Researchers get the region graph through
the research reports (consenting families only, small cells suppressed).
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.analytics.bridging import BridgingFamily, bridging_families_of_arrays
from graph_service.analytics.region_graph import RegionGraph, region_graph_of_arrays
from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, NotFound
from graph_service.readmodel import Result
from graph_service.services.access import require_role, serves
from graph_service.services.analysis import region_exists, ties_of_view
from graph_service.stores.base import GraphStore

# Bridging families kept per set of regions (callers slice; the cache key has no `first`).
MAX_BRIDGING = 500


def regions_graph(store: GraphStore, principal: Principal | None) -> Result[RegionGraph]:
    require_role(principal, Role.ORGANIZER, Role.ADMIN)
    return ties_of_view(store, "region_graph", region_graph_of_arrays)


def bridges(
    store: GraphStore, principal: Principal | None, region_ids: Sequence[str] | None, first: int
) -> Result[list[BridgingFamily]]:
    who = require_role(principal, Role.ORGANIZER, Role.ADMIN)
    wanted = (
        set(region_ids)
        if region_ids
        else (set(who.regions) if who.role is Role.ORGANIZER else None)
    )
    for region in sorted(wanted or ()):
        if not region_exists(store, region):
            raise NotFound(f"region {region!r} does not exist", field="regionIds")
        if not serves(who, region):
            raise Forbidden(f"you do not serve region {region!r}", field="regionIds")
    key = ("bridging", tuple(sorted(wanted)) if wanted else None)
    ranking = ties_of_view(
        store,
        key,
        lambda ties: bridging_families_of_arrays(ties, regions=wanted, first=MAX_BRIDGING),
    )
    return Result(ranking.value[:first], ranking.as_of)
