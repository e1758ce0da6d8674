"""Ripple growth for callers: who may see which cascade, and the research view of it.

- a family sees its own cascade;
- organizers see cascades whose seed family lives in a region they serve, and region summaries
  for those regions; admins everything;
- researchers get the same measures as tables, over consenting families, with small cells
  suppressed and no individual cascade (:func:`graph_service.services.research.ripple_release`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from graph_service.analytics import ripple as analytics
from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, NotFound, fields_named
from graph_service.readmodel import Result
from graph_service.readmodel.graph import ripple_graph
from graph_service.services.access import Action, require_principal, serves
from graph_service.services.analysis import live, of_view, region_exists
from graph_service.services.common import authorized_family, known_family_or_404
from graph_service.stores.base import GraphStore
from models import today

# Largest cascades kept in a cached summary (callers ask for at most a page of them).
TOP_CASCADES = 100
# The analytics' parameters as the API names them.
_FIELDS = {"root": "rootId", "cohort_id": "cohortId", "window_days": "windowDays"}


def cascade(
    store: GraphStore, principal: Principal | None, root_id: str, window_days: int
) -> analytics.CascadeMetrics:
    who = require_principal(principal)
    authorized_family(store, who, Action.READ_RIPPLE, root_id, field="rootId")
    graph = ripple_graph(live(store), [root_id])
    known_family_or_404(graph, root_id, "rootId")
    with fields_named(_FIELDS):
        return analytics.cascade_metrics(graph, root_id, window_days=window_days, as_of=today())


def cohort(
    store: GraphStore, principal: Principal | None, cohort_id: str, window_days: int
) -> analytics.CohortRipple:
    who = require_principal(principal)
    view = live(store)
    info = view.cohorts.get(cohort_id)
    if info is None:
        raise NotFound(f"cohort {cohort_id!r} does not exist", field="cohortId")
    is_member = who.family_id is not None and who.family_id in info.members
    if not (is_member or serves(who, info.region)):
        # Hidden answers like missing, so cohort ids cannot be probed.
        raise NotFound(f"cohort {cohort_id!r} does not exist", field="cohortId")
    graph = ripple_graph(view, info.members)
    with fields_named(_FIELDS):
        return analytics.cohort_ripple(graph, cohort_id, window_days=window_days, as_of=today())


def summary(
    store: GraphStore,
    principal: Principal | None,
    region: str | None,
    start: date | None,
    end: date | None,
    window_days: int,
    top: int,
) -> Result[analytics.RippleSummary]:
    """A region's (or the program's) ripple summary, computed in the background with the
    ``TOP_CASCADES`` largest cascades and cut to ``top`` (the cache key holds no ``top``)."""
    who = require_principal(principal)
    if who.role is Role.RESEARCHER:
        raise Forbidden("researchers: use rippleResearch (tables with small cells suppressed)")
    if who.role not in (Role.ORGANIZER, Role.ADMIN):  # allow-list: a new role sees nothing
        raise Forbidden("ripple summaries are for organizers")
    if who.role is Role.ORGANIZER and (region is None or not serves(who, region)):
        raise Forbidden("organizers ask for one of their regions", field="regionId")
    if region is not None and not region_exists(store, region):
        raise NotFound(f"region {region!r} does not exist", field="regionId")
    as_of = today()
    key = ("ripple_summary", region, start, end, window_days, as_of)
    with fields_named(_FIELDS):
        result = of_view(
            store,
            key,
            lambda view: analytics.ripple_summary(
                ripple_graph(view, view.index.family_ids),  # referral ties only, 3 attributes
                region=region,
                start=start,
                end=end,
                window_days=window_days,
                as_of=as_of,
                top=TOP_CASCADES,
            ),
        )
    cut = replace(result.value, largest_cascades=result.value.largest_cascades[:top])
    return Result(cut, result.as_of)
