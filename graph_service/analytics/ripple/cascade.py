"""One cascade and one cohort: reading the referral tree, the Wiener index, the metrics."""

from __future__ import annotations

import statistics
from collections import Counter, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import networkx as nx

from graph_service.analytics.family_graph import REFERRED, FamilyGraph
from graph_service.analytics.ripple.measures import (
    check_options,
    month_of,
    month_span,
    ratio,
    referral_problem,
    virality,
)
from graph_service.analytics.ripple.results import DEFAULT_WINDOW_DAYS, CascadeMetrics, CohortRipple
from graph_service.errors import FieldProblem, NotFound, ValidationFailed

# --------------------------------------------------------------------------- small helpers


def _joins_per_month(days: Iterable[date]) -> dict[str, int]:
    """Joins per month, every month from the first to the last present (gaps are 0)."""
    counts = Counter(month_of(day) for day in days)
    return {m: counts[m] for m in month_span(counts)}


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def recruits_of(graph: FamilyGraph, family: str) -> list[tuple[str, date]]:
    """Direct recruits of ``family`` with their referral dates, by (date, id).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    family : str
        A family of the graph.

    Returns
    -------
    list of (str, datetime.date)
        Its recruits and when each was referred.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> recruits_of(g, "a")
    [('b', datetime.date(2024, 2, 1))]
    """
    found = [
        (recruit, data["at"])
        for _, recruit, data in graph.out_edges(family, data=True)
        if data.get("kind") == REFERRED
    ]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def join_date(graph: FamilyGraph, family: str) -> date:
    """When ``family`` joined: the date of its referral, else its own join date.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    family : str
        A family of the graph.

    Returns
    -------
    datetime.date
        The join date.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> join_date(g, "b"), join_date(g, "a")
    (datetime.date(2024, 2, 1), datetime.date(2024, 1, 1))
    """
    for _, _, data in graph.in_edges(family, data=True):
        if data.get("kind") == REFERRED:
            referred_at: date = data["at"]
            return referred_at
    joined_at: date = graph.nodes[family]["joined_at"]
    return joined_at


# --------------------------------------------------------------------------- Wiener index


def _wiener_from_order(order: Sequence[Hashable], parent: Mapping[Any, Any]) -> int:
    """``W = sum over edges of s (n - s)`` for a tree given parents-before-children."""
    subtree = dict.fromkeys(order, 1)
    for node in reversed(order[1:]):
        subtree[parent[node]] += subtree[node]
    size = len(order)
    return sum(subtree[node] * (size - subtree[node]) for node in order[1:])


def tree_wiener_index(tree: nx.Graph[Any]) -> int:
    """Wiener index of an undirected tree in linear time (0 for a single node).

    Parameters
    ----------
    tree : networkx.Graph
        An undirected tree.

    Returns
    -------
    int
        The sum of distances over all pairs: ``sum over edges of s (n - s)``.

    References
    ----------
    Wiener, "Structural determination of paraffin boiling points", *JACS* 69 (1947).

    Examples
    --------
    >>> tree_wiener_index(nx.path_graph(4))  # 3 * 1 + 2 * 2 + 1 * 3
    10
    """
    if tree.number_of_nodes() == 0:
        return 0
    if not nx.is_tree(tree):
        raise ValidationFailed([FieldProblem("tree", "must be a tree")])
    start = min(tree.nodes, key=str)
    parent = {child: node for node, child in nx.bfs_edges(tree, start)}
    return _wiener_from_order([start, *parent], parent)


def structural_virality(tree: nx.Graph[Any]) -> float:
    """Mean shortest-path distance over all pairs of an undirected tree; 0 for one node.

    Parameters
    ----------
    tree : networkx.Graph
        An undirected tree.

    Returns
    -------
    float
        The mean distance between two of its nodes.

    References
    ----------
    Goel et al. (2016).

    Examples
    --------
    >>> structural_virality(nx.star_graph(3))  # W = 3 + 3 * 2 = 9 over 6 pairs
    1.5
    """
    return virality(tree_wiener_index(tree), tree.number_of_nodes())


# --------------------------------------------------------------------------- one cascade


@dataclass(frozen=True)
class CascadeTree:
    """A cascade read from the graph: ``order`` lists it generation by generation (root
    first); ``recruits`` are in (referral date, id) order; ``join`` as in the module doc."""

    root: str
    order: tuple[str, ...]
    parent: dict[str, str]
    generation: dict[str, int]
    join: dict[str, date]
    recruits: dict[str, tuple[str, ...]]


def read_cascade(graph: FamilyGraph, root: str) -> CascadeTree:
    """The referral subtree of ``root``, read breadth-first (no recursion).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    root : str
        The cascade's root.

    Returns
    -------
    CascadeTree
        The subtree's families with their parents and join dates. Raises :class:`NotFound`
        (``root``) for an unknown family and :class:`ValidationFailed` (``referred``) when the
        referrals are not a forest.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> sorted(read_cascade(g, "b").join)
    ['b', 'c']
    """
    if root not in graph:
        raise NotFound("no such family", field="root")
    join = {root: join_date(graph, root)}
    parent: dict[str, str] = {}
    generation = {root: 0}
    recruits: dict[str, tuple[str, ...]] = {}
    order = [root]
    queue = deque([root])
    while queue:
        family = queue.popleft()
        children = recruits_of(graph, family)
        recruits[family] = tuple(child for child, _ in children)
        for child, at in children:
            if child in generation:
                raise referral_problem("referrals form a cycle or a family has two referrers")
            parent[child], generation[child], join[child] = family, generation[family] + 1, at
            order.append(child)
            queue.append(child)
    return CascadeTree(root, tuple(order), parent, generation, join, recruits)


def _generation_counts(tree: CascadeTree) -> list[int]:
    counts = [0] * (max(tree.generation.values()) + 1)
    for level in tree.generation.values():
        counts[level] += 1
    return counts


def _window_counts(trees: Iterable[CascadeTree], window_days: int, as_of: date) -> tuple[int, int]:
    """(families whose window closed, their recruits referred inside the window)."""
    window = timedelta(days=window_days)
    families = recruits = 0
    for tree in trees:
        for family in tree.order:
            closes = tree.join[family] + window
            if closes <= as_of:
                families += 1
                recruits += sum(tree.join[r] <= closes for r in tree.recruits[family])
    return families, recruits


def _days_to_first_recruit(trees: Iterable[CascadeTree]) -> list[int]:
    return [
        (min(tree.join[r] for r in kids) - tree.join[family]).days
        for tree in trees
        for family, kids in tree.recruits.items()
        if kids
    ]


def _attribute_values(graph: FamilyGraph, families: Iterable[str], key: str) -> tuple[str, ...]:
    values = {graph.nodes[f].get(key) for f in families}
    return tuple(sorted(str(v) for v in values if v is not None))


def _metrics(
    graph: FamilyGraph, tree: CascadeTree, window_days: int, as_of: date
) -> CascadeMetrics:
    generations = _generation_counts(tree)
    wiener = _wiener_from_order(tree.order, tree.parent)
    closed, recruits = _window_counts([tree], window_days, as_of)
    regions = _attribute_values(graph, tree.order, "region")
    cohorts = _attribute_values(graph, tree.order, "cohort")
    return CascadeMetrics(
        root=tree.root,
        size=len(tree.order),
        depth=len(generations) - 1,
        families_per_generation=tuple(generations),
        max_breadth=max(generations),
        wiener_index=wiener,
        structural_virality=virality(wiener, len(tree.order)),
        reproduction_number=ratio(recruits, closed),
        families_window_closed=closed,
        growth_ratios=tuple(b / a for a, b in pairwise(generations)),
        regions_reached=regions,
        region_count=len(regions),
        cohorts_reached=cohorts,
        cohort_count=len(cohorts),
        median_days_to_first_recruit=_median(_days_to_first_recruit([tree])),
        joins_per_month=_joins_per_month(tree.join.values()),
    )


def cascade_metrics(
    graph: FamilyGraph, root: str, *, window_days: int = DEFAULT_WINDOW_DAYS, as_of: date
) -> CascadeMetrics:
    """Metrics of the cascade of ``root`` (its referral subtree); see the module docstring.

    Raises :class:`NotFound` for an unknown family and :class:`ValidationFailed` for a
    negative window or referrals that are not a forest.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    root : str
        The family whose cascade is measured.
    window_days : int, default DEFAULT_WINDOW_DAYS
        Recruits within this many days of their referrer's join count as fast.
    as_of : datetime.date
        Today (a cascade is only as old as this).

    Returns
    -------
    CascadeMetrics
        Size, depth, families per generation, Wiener index, structural virality and more.

    References
    ----------
    Goel, Anderson, Hofman & Watts, "The structural virality of online diffusion",
    *Management Science* 62 (2016).

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> cascade_metrics(g, "a", as_of=date(2025, 1, 1)).size
    3
    """
    check_options(window_days)
    return _metrics(graph, read_cascade(graph, root), window_days, as_of)


# --------------------------------------------------------------------------- a cohort


def _top_members(graph: FamilyGraph, members: Sequence[str]) -> list[str]:
    """Members with no other member among their referral ancestors."""
    member_set = set(members)
    top = []
    for member in members:
        seen = {member}
        family = member
        while (up := referrer_of(graph, family)) is not None and up not in member_set:
            if up in seen:
                raise referral_problem("referrals form a cycle")
            seen.add(up)
            family = up
        if up is None:
            top.append(member)
    return top


def referrer_of(graph: FamilyGraph, family: str) -> str | None:
    """The family that referred ``family``, if any.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    family : str
        A family of the graph.

    Returns
    -------
    str or None
        The referrer's id.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> referrer_of(g, "b"), referrer_of(g, "a")
    ('a', None)
    """
    for source, _, data in graph.in_edges(family, data=True):
        if data.get("kind") == REFERRED:
            return str(source)
    return None


def cohort_ripple(
    graph: FamilyGraph, cohort_id: str, *, window_days: int = DEFAULT_WINDOW_DAYS, as_of: date
) -> CohortRipple:
    """The ripple of a cohort: the union of its active members' cascades (see
    :class:`CohortRipple`). Raises :class:`NotFound` for an unknown cohort.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    cohort_id : str
        The cohort.
    window_days : int, default DEFAULT_WINDOW_DAYS
        As :func:`cascade_metrics`.
    as_of : datetime.date
        Today.

    Returns
    -------
    CohortRipple
        The union of the active members' cascades.

    References
    ----------
    Goel et al. (2016).

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> g.graph["cohorts"] = {}
    >>> cohort_ripple(g, "c-1", as_of=date(2025, 1, 1))
    Traceback (most recent call last):
    graph_service.errors.NotFound: no such cohort
    """
    check_options(window_days)
    info = graph.graph.get("cohorts", {}).get(cohort_id)
    if info is None:
        raise NotFound("no such cohort", field="cohort_id")
    members = sorted(m for m in info.members if m in graph)
    trees = [read_cascade(graph, m) for m in _top_members(graph, members)]
    cascades = tuple(_metrics(graph, tree, window_days, as_of) for tree in trees)
    reached = [family for tree in trees for family in tree.order]
    generations: list[int] = []
    for cascade in cascades:
        for level, count in enumerate(cascade.families_per_generation):
            generations += [0] * (level + 1 - len(generations))
            generations[level] += count
    closed, recruits = _window_counts(trees, window_days, as_of)
    regions = _attribute_values(graph, reached, "region")
    cohorts = _attribute_values(graph, reached, "cohort")
    viralities = [c.structural_virality for c in cascades]
    return CohortRipple(
        cohort_id=cohort_id,
        members=len(members),
        cascades=len(cascades),
        families_reached=len(reached),
        recruited_families=len(set(reached) - set(members)),
        depth=max((c.depth for c in cascades), default=0),
        families_per_generation=tuple(generations),
        reproduction_number=ratio(recruits, closed),
        families_window_closed=closed,
        regions_reached=regions,
        region_count=len(regions),
        cohorts_reached=cohorts,
        cohort_count=len(cohorts),
        median_days_to_first_recruit=_median(_days_to_first_recruit(trees)),
        joins_per_month=_joins_per_month(d for tree in trees for d in tree.join.values()),
        mean_structural_virality=statistics.fmean(viralities) if viralities else None,
        member_cascades=cascades,
    )
