"""The analytics graph (:data:`~graph_service.analytics.family_graph.FamilyGraph`) of a
projection, whole or for some regions, and of a store (a full read, for tests and tools).

The graph is the contract of :mod:`graph_service.analytics.family_graph`: the same nodes,
attributes, edges and keys as :func:`~graph_service.analytics.family_graph.build_family_graph`
gives for the same records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from graph_service.analytics.family_graph import HELPED, REFERRED, CohortInfo, FamilyGraph
from graph_service.kinds import KINDS
from graph_service.readmodel.projection import Projection

if TYPE_CHECKING:
    from graph_service.readmodel.live import LiveView
from graph_service.stores.base import ChangeSet, GraphStore

SCAN_BATCH = 20_000


def family_graph(
    projection: Projection, region_ids: Iterable[str] | None = None, *, help_edges: bool = True
) -> FamilyGraph:
    """The graph of the families of ``region_ids`` (None: everyone) and the edges among them;
    ``help_edges=False`` leaves out help (ripple needs only referrals)."""
    wanted = set(region_ids) if region_ids is not None else None
    rows = sorted(
        (
            (family_id, row)
            for family_id, row in projection.row.items()
            if wanted is None or _region(projection, row) in wanted
        ),
    )
    graph: FamilyGraph = nx.MultiDiGraph()
    graph.add_nodes_from((family_id, projection.node(row)) for family_id, row in rows)
    graph.graph["regions"] = dict(sorted(projection.regions.items()))
    graph.graph["cohorts"] = {
        cohort_id: CohortInfo(
            info.region,
            info.status,
            info.origin,
            info.focus_goals,
            [m for m in info.members if m in graph],
        )
        for cohort_id, info in sorted(projection.cohorts.items())
    }
    inside = np.zeros(len(projection.ids), dtype=np.bool_)
    inside[[row for _, row in rows]] = True
    ids = projection.ids
    if help_edges:
        graph.add_edges_from(_help_edges(projection, inside))
    referred = [
        (ids[int(projection.ref_from.data[row])], family_id, int(projection.ref_at.data[row]))
        for family_id, row in rows
        if projection.ref_from.data[row] >= 0 and inside[projection.ref_from.data[row]]
    ]
    graph.add_edges_from(
        (u, v, REFERRED, {"kind": REFERRED, "at": date.fromordinal(at)})
        for u, v, at in sorted(referred)
    )
    return graph


def _region(projection: Projection, row: int) -> str | None:
    attrs = projection.attrs[row]
    return attrs.region if attrs is not None else None


def _help_edges(projection: Projection, inside: np.ndarray) -> Iterable[tuple[object, ...]]:
    live = projection.live_help()
    src, dst = projection.h_from.data[live], projection.h_to.data[live]
    keep = inside[src] & inside[dst]
    ids, kinds = projection.ids, projection.help_kinds
    for at in live[keep].tolist():
        hours = float(projection.h_hours.data[at])
        amount = float(projection.h_amount.data[at])
        yield (
            ids[int(projection.h_from.data[at])],
            ids[int(projection.h_to.data[at])],
            projection.help_ids[at],
            {
                "kind": HELPED,
                "help_kind": kinds[int(projection.h_kind.data[at])],
                "at": date.fromordinal(int(projection.h_at.data[at])),
                "hours": None if np.isnan(hours) else hours,
                "amount": None if np.isnan(amount) else amount,
                "confirmed": bool(projection.h_confirmed.data[at]),
            },
        )


def projection_of_store(store: GraphStore) -> Projection:
    """A projection of everything in ``store``, read kind by kind in batches."""
    projection = Projection()
    version = store.data_version()
    for kind in KINDS:
        if not kind.projected:
            continue
        batch = []
        for record in store.scan(kind.part):
            batch.append(record)
            if len(batch) >= SCAN_BATCH:
                projection.apply(ChangeSet.of_part(kind.part, batch), version)
                batch = []
        if batch:
            projection.apply(ChangeSet.of_part(kind.part, batch), version)
    projection.version = version
    return projection


def graph_of_store(store: GraphStore, region_ids: Iterable[str] | None = None) -> FamilyGraph:
    """The analytics graph of ``store`` (a full read: for tests and tools, not for requests)."""
    return family_graph(projection_of_store(store), region_ids)


def ripple_graph(view: LiveView, family_ids: Iterable[str]) -> FamilyGraph:
    """The referral graph the ripple analytics need for the cascades of ``family_ids``, read
    from the live view (current to the last write): those families, their referral ancestors
    (a cohort's ripple starts from its members with no member above them), everything below
    them, and the referrer of each (a family's join date is the day it was referred).
    Nodes carry ``region``, ``cohort`` and ``joined_at``; edges are ``referred``."""
    index, referrals = view.index, view.referrals
    rows: set[int] = set()
    frontier: list[int] = []
    for family_id in family_ids:
        row = index.position.get(family_id)
        if row is None:
            continue
        up = row
        while up >= 0 and up not in rows:
            rows.add(up)
            frontier.append(up)
            up = int(referrals.referrer[up])
    while frontier:
        row = frontier.pop()
        for child in referrals.children(row).tolist():
            if child not in rows and index.profiles[child] is not None:
                rows.add(child)
                frontier.append(child)
    graph: FamilyGraph = nx.MultiDiGraph()
    for row in sorted(rows, key=lambda r: index.family_ids[r]):
        profile = index.profiles[row]
        if profile is None:
            continue
        graph.add_node(
            index.family_ids[row],
            region=profile.region,
            cohort=profile.cohort,
            joined_at=date.fromordinal(int(referrals.joined[row])),
        )
    for row in rows:
        up = int(referrals.referrer[row])
        if up >= 0 and index.family_ids[row] in graph and index.family_ids[up] in graph:
            at = date.fromordinal(int(referrals.referred_at[row]))
            graph.add_edge(
                index.family_ids[up], index.family_ids[row], REFERRED, kind=REFERRED, at=at
            )
    graph.graph["cohorts"] = dict(view.cohorts)
    return graph
