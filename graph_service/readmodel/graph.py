"""The analytics graph (:data:`~graph_service.analytics.family_graph.FamilyGraph`) of a
projection, whole or for some regions, and of a store (a full read, for tests and tools).

The graph is the contract of :mod:`graph_service.analytics.family_graph`: the same nodes,
attributes, edges and keys as :func:`~graph_service.analytics.family_graph.build_family_graph`
gives for the same records.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from datetime import date
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from graph_service.analytics.family_graph import HELPED, REFERRED, CohortInfo, FamilyGraph
from graph_service.analytics.match_ties import COHORT_BIT, HELP_BIT
from graph_service.analytics.tie_arrays import COHORT, HELP, REFERRAL, TieArrays
from graph_service.kinds import KINDS, referenced_ids
from graph_service.readmodel.build import projection_of_rows
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
    graph.graph["cohorts"] = _cohorts_of(projection, graph)
    inside = np.zeros(len(projection.ids), dtype=np.bool_)
    inside[[row for _, row in rows]] = True
    ids = projection.ids
    if help_edges:
        graph.add_edges_from(_help_edges(projection, inside))  # type: ignore[arg-type]  # (u, v, key, data): the stubs miss the keyed form
    referred = [
        (ids[int(projection.ref_from.data[row])], family_id, int(projection.ref_at.data[row]))
        for family_id, row in rows
        if projection.ref_from.data[row] >= 0 and inside[projection.ref_from.data[row]]
    ]
    graph.add_edges_from(
        (u, v, REFERRED, {"kind": REFERRED, "at": date.fromordinal(at)})  # type: ignore[misc]  # keyed form
        for u, v, at in sorted(referred)
    )
    return graph


def tie_graph_of(projection: Projection, *, help_edges: bool = True) -> nx.Graph[str]:
    """:func:`~graph_service.analytics.family_graph.tie_graph` of the whole network, made from
    the projection's columns without building the family multigraph first (at 100,000
    families that graph holds about 870,000 edge dictionaries; the tie graph a few hundred
    thousand edges sharing eight kind sets). ``help_edges=False`` leaves help ties out."""
    ids = projection.ids
    rows = sorted(projection.row.items())
    ties: nx.Graph[str] = nx.Graph()
    ties.graph["regions"] = dict(sorted(projection.regions.items()))
    ties.graph["cohorts"] = _cohorts_of(projection, projection.row)
    ties.add_nodes_from(
        (family_id, {"region": _region(projection, row), "cohort": projection.cohort_of[row]})
        for family_id, row in rows
    )
    bits: dict[tuple[int, int], int] = {}
    if help_edges:
        bits = {(u, v): 1 for (u, v), n in projection.pair_help.items() if n > 0 and u != v}
    referrer = projection.ref_from.data[: len(ids)]
    for row in np.flatnonzero(referrer >= 0).tolist():
        up = int(referrer[row])
        if ids[row] and ids[up] and up != row:
            key = (up, row) if up < row else (row, up)
            bits[key] = bits.get(key, 0) | 2
    for info in ties.graph["cohorts"].values():
        members = sorted(projection.row[m] for m in info.members)
        for i, u in enumerate(members):
            for v in members[i + 1 :]:
                bits[(u, v)] = bits.get((u, v), 0) | 4
    names = (HELPED, REFERRED, "cohort")
    shared = {
        b: frozenset(name for i, name in enumerate(names) if b & (1 << i)) for b in range(1, 8)
    }
    ties.add_edges_from(
        (ids[u], ids[v], {"kinds": shared[b]})
        if ids[u] < ids[v]
        else (ids[v], ids[u], {"kinds": shared[b]})
        for (u, v), b in bits.items()
    )
    return ties


def _cohorts_of(projection: Projection, present: Container[str]) -> dict[str, CohortInfo]:
    """The cohorts, each with its active members among ``present``."""
    return {
        cohort_id: CohortInfo(
            info.region,
            info.status,
            info.origin,
            info.focus_goals,
            [m for m in info.members if m in present],
        )
        for cohort_id, info in sorted(projection.cohorts.items())
    }


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


def projection_of_store(store: GraphStore, timings: dict[str, float] | None = None) -> Projection:
    """A projection of everything in ``store``: the read model's full build, from the
    store's rows (:func:`~graph_service.readmodel.build.projection_of_rows`; ``timings``
    gets its ``read_s`` and ``apply_s``).

    The version is read first. A store whose reads are not one snapshot (Neo4j is
    read-committed, and reads page by page) may show a record written during the scan whose
    referenced record was written after that kind was read: such a record is left out here,
    and the read model's catch-up from the change feed after ``version`` applies both in
    order.
    """
    return projection_of_rows(store, timings)


def projection_of_records(store: GraphStore) -> Projection:
    """The same projection from whole records (:meth:`GraphStore.scan`, a model per record,
    :meth:`Projection.apply` batch by batch): the reference the tests hold the row path to."""
    projection = Projection()
    version = store.data_version()
    for kind in KINDS:
        if not kind.projected:
            continue
        batch = []
        for record in store.scan(kind.part):
            if not all(
                projection.holds(target, ref)
                for field, target in kind.references
                for ref in referenced_ids(kind, field, record)
            ):
                continue
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


def tie_arrays_of_view(view: LiveView) -> TieArrays:
    """The whole network's tie graph (help, referral, shared active cohort) as
    :class:`~graph_service.analytics.tie_arrays.TieArrays`, read from a live view: the match
    index's tie adjacency (help and cohort bits, base rows and the rows patched since) and the
    referral columns. Equal to ``TieArrays.of_graph(tie_graph_of(projection))`` of the same
    version, without a networkx graph or a copy of the projection."""
    index, referrals = view.index, view.referrals
    n = len(index.family_ids)
    base = index.ties_base
    patched = np.zeros(n, dtype=np.bool_)
    patched[list(index.tie_patch)] = True
    counts = np.diff(base.indptr)
    rows = np.repeat(np.arange(base.shape[0], dtype=np.int64), counts)
    cols = base.indices.astype(np.int64)
    kept = ~patched[rows] & (rows < cols)
    parts_u, parts_v, parts_b = [rows[kept]], [cols[kept]], [base.data[kept].astype(np.int8)]
    for row, (neighbours, row_bits) in index.tie_patch.items():
        upper = neighbours > row
        parts_u.append(np.full(int(upper.sum()), row, dtype=np.int64))
        parts_v.append(neighbours[upper].astype(np.int64))
        parts_b.append(row_bits[upper].astype(np.int8))
    u, v, index_bits = np.concatenate(parts_u), np.concatenate(parts_v), np.concatenate(parts_b)
    bits = np.where((index_bits & HELP_BIT) != 0, HELP, 0) | np.where(
        (index_bits & COHORT_BIT) != 0, COHORT, 0
    )
    alive = np.array(
        [bool(f) and p is not None for f, p in zip(index.family_ids, index.profiles, strict=True)],
        dtype=np.bool_,
    )
    referrer = referrals.referrer[:n]
    child = np.flatnonzero((referrer >= 0) & alive)
    child = child[alive[referrer[child]] & (referrer[child] != child)]
    u = np.concatenate([u, referrer[child]])
    v = np.concatenate([v, child])
    bits = np.concatenate([bits.astype(np.int8), np.full(len(child), REFERRAL, dtype=np.int8)])
    present = np.flatnonzero(alive)
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[present] = np.arange(len(present))
    keep = (renumber[u] >= 0) & (renumber[v] >= 0)
    profiles = [index.profiles[r] for r in present.tolist()]
    return TieArrays.of_pairs(
        [index.family_ids[r] for r in present.tolist()],
        [p.region if p is not None else None for p in profiles],
        [p.cohort if p is not None else None for p in profiles],
        (renumber[u[keep]], renumber[v[keep]], bits[keep].astype(np.int8)),
        sorted(view.regions),
        view.cohorts,
    )
