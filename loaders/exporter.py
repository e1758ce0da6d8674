"""Export a whole store: to the import format (CSV or JSON Lines) or to GraphML.

The import-format export reads the store only through the :class:`GraphStore` protocol
(paged ``list_families``/``list_cohorts`` and the per-family relationship reads), so it works
on every store; importing the folder into an empty store gives an identical graph.

GraphML (admin only at the API level): the :data:`FamilyGraph` of the whole store with every
attribute turned into a GraphML scalar (tuples ``;``-joined, dates ISO, ``None`` left out,
``goals`` as the ``;``-joined goal ids plus ``goals_achieved``), plus one node per cohort
(``cohort:<id>``) and per region (``region:<id>``) with ``node_type`` set, and ``member_of``
and ``lives_in`` edges from families to them. Families have ``node_type`` ``family``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from graph_service.analytics.family_graph import FamilyGraph, GoalState
from graph_service.readmodel import graph_of_store
from graph_service.settings import get_settings
from graph_service.stores.base import FamilyFilter, GraphStore
from loaders.formats import Format, RecordWriter
from models import DomainModel, GoalStatus


def iter_store_records(store: GraphStore, *, page_size: int | None = None) -> Iterator[DomainModel]:
    """Every record of ``store``, nodes before relationships, each type in id order."""
    size = page_size or get_settings().batch_size
    yield from store.list_regions()
    yield from store.list_goals()
    chunks: list[list[str]] = []
    after: str | None = None
    while True:
        page = store.list_families(FamilyFilter(), after=after, limit=size)
        yield from page.families
        if page.families:
            chunks.append([f.id for f in page.families])
            after = page.families[-1].id
        if not page.has_next or not page.families:
            break
    cohort_after: str | None = None
    while cohorts := store.list_cohorts(None, after=cohort_after, limit=size):
        yield from cohorts
        cohort_after = cohorts[-1].id
    yield from _relationships(store, chunks)


def _relationships(store: GraphStore, chunks: Sequence[list[str]]) -> Iterator[DomainModel]:
    for ids in chunks:
        for memberships in store.memberships_of_families(ids).values():
            yield from memberships
    for ids in chunks:
        for pursuits in store.pursuits_of(ids).values():
            yield from pursuits
    for ids in chunks:
        for family, helps in store.help_of(ids).items():
            yield from (h for h in helps if h.from_id == family)  # each exchange once
    for ids in chunks:
        yield from store.referrer_of(ids).values()


def export_store(
    store: GraphStore, folder: Path, fmt: Format = Format.CSV, *, page_size: int | None = None
) -> dict[str, int]:
    """Write the whole store to ``folder`` in the import format; returns records per type."""
    with RecordWriter(folder, fmt) as writer:
        for record in iter_store_records(store, page_size=page_size):
            writer.write(record)
    return dict(writer.counts)


# ---------------------------------------------------------------------------- GraphML
def _scalar(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return ";".join(sorted(str(v) for v in value))
    return str(value)


def _scalars(data: dict[str, Any]) -> dict[str, str | int | float | bool]:
    return {k: s for k, v in data.items() if (s := _scalar(v)) is not None}


def graphml_graph(graph: FamilyGraph) -> nx.MultiDiGraph[str]:
    """A GraphML-ready copy of a :data:`FamilyGraph` with cohort and region nodes added."""
    out: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for region_id, info in graph.graph.get("regions", {}).items():
        region = {"name": info.name, "latitude": info.latitude, "longitude": info.longitude}
        out.add_node(f"region:{region_id}", node_type="region", **_scalars(region))
    for cohort_id, info in graph.graph.get("cohorts", {}).items():
        cohort = {
            "region": info.region,
            "status": info.status,
            "origin": info.origin,
            "focus_goals": info.focus_goals,
        }
        out.add_node(f"cohort:{cohort_id}", node_type="cohort", **_scalars(cohort))
    for family, data in graph.nodes(data=True):
        goals: dict[str, GoalState] = data.get("goals", {})
        attributes = {k: v for k, v in data.items() if k != "goals"}
        attributes["goals"] = tuple(goals)
        attributes["goals_achieved"] = tuple(
            g for g, s in goals.items() if s.status is GoalStatus.ACHIEVED
        )
        out.add_node(family, node_type="family", **_scalars(attributes))
        if f"region:{data['region']}" in out:
            out.add_edge(family, f"region:{data['region']}", key="lives_in", kind="lives_in")
        if data.get("cohort") is not None:
            out.add_edge(family, f"cohort:{data['cohort']}", key="member_of", kind="member_of")
    for u, v, key, data in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **_scalars(data))
    return out


def export_graphml(store: GraphStore, path: Path) -> Path:
    """Write the whole store as GraphML to ``path`` (a file, or a folder: ``graph.graphml``)."""
    target = path / "graph.graphml" if path.is_dir() or not path.suffix else path
    target.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(graphml_graph(graph_of_store(store)), target)
    return target
