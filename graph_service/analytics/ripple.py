"""Ripple growth: how families bring in other families, measured on the referral forest.

``REFERRED`` edges of a :data:`~graph_service.analytics.family_graph.FamilyGraph` form a forest
(each family has at most one referrer). A *cascade* is the subtree of one family; a *seed* (a
root of the forest) is a family nobody referred. A family's *join date* for cascade timing is
the ``at`` of the referral that brought it in, else its ``joined_at``.

Definitions (``n`` = cascade size, generation 0 = the cascade's root):

* depth = largest generation; breadth of generation ``k`` = families in it; growth ratio
  ``k`` = breadth(k + 1) / breadth(k).
* Wiener index ``W`` = sum of the tree distances over all unordered pairs of families.
  Computed in linear time: removing the edge above a family whose subtree has ``s`` families
  separates ``s`` from ``n - s`` families, and every path between the two sides uses that edge,
  so ``W = sum over edges of s (n - s)``.
* Structural virality (Goel, Anderson, Hofman & Watts, "The Structural Virality of Online
  Diffusion", *Management Science* 62(1), 2016) = mean distance between two families of the
  cascade = ``W / (n (n - 1) / 2)``. Convention: 0 for a single family (no pairs), so a lone
  seed reads as "no spread" rather than "undefined". A star with ``k`` recruits tends to 2, a
  chain of ``n`` is ``(n + 1) / 3``.
* Invitation window: a family may invite for ``window_days`` after it joins; its window has
  *closed* when ``join + window_days <= as_of``. Empirical reproduction number = mean number of
  direct recruits referred within the window, over families whose window has closed. Counting
  only recruits inside the window gives every family the same exposure time (no
  right-censoring bias); ``None`` when no family's window has closed.
* Days to first recruit = days from a family's join to the referral date of its earliest
  recruit, over families with at least one recruit; the median is reported.

:func:`ripple_summary` attributes a whole cascade, including recruits living elsewhere, to the
**region of its seed**, and dates it by the seed's join date. Date filtering keeps cascades whose
seed joined in ``[start, end]`` and prunes every family that joined outside the range (with its
subtree), so the summary shows those cascades as they stood at ``end``. Reproduction numbers
still count a family's recruits inside its window even when they joined after ``end``: the
number describes the family, not the period.

>>> from datetime import date
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> for fam in "abc":
...     g.add_node(fam, region="r", cohort=None, joined_at=date(2024, 1, 1))
>>> g.add_edge("a", "b", key="referred", kind="referred", at=date(2024, 2, 1))
'referred'
>>> g.add_edge("b", "c", key="referred", kind="referred", at=date(2024, 3, 1))
'referred'
>>> m = cascade_metrics(g, "a", as_of=date(2025, 1, 1))
>>> m.size, m.depth, m.families_per_generation, m.wiener_index, round(m.structural_virality, 3)
(3, 2, (1, 1, 1), 4, 1.333)
>>> ripple_summary(g, as_of=date(2025, 1, 1)).size_distribution["3-5"]
1
"""

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
from graph_service.errors import FieldProblem, NotFound, ValidationFailed

__all__ = [
    "SIZE_BINS",
    "CascadeMetrics",
    "CascadeSummary",
    "CascadeTree",
    "CohortRipple",
    "MonthlyJoins",
    "MonthlyReproduction",
    "RippleSummary",
    "baseline_summary",
    "cascade_metrics",
    "cohort_ripple",
    "read_cascade",
    "ripple_summary",
    "structural_virality",
    "tree_wiener_index",
]

DEFAULT_WINDOW_DAYS = 180

#: Histogram bins of cascade sizes: (label, smallest size, largest size or None).
SIZE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51+", 51, None),
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CascadeMetrics:
    """Metrics of the cascade rooted at ``root`` (the root included in every count)."""

    root: str
    size: int
    depth: int
    families_per_generation: tuple[int, ...]
    max_breadth: int
    wiener_index: int
    structural_virality: float
    reproduction_number: float | None
    families_window_closed: int
    growth_ratios: tuple[float, ...]
    regions_reached: tuple[str, ...]
    region_count: int
    cohorts_reached: tuple[str, ...]
    cohort_count: int
    median_days_to_first_recruit: float | None
    joins_per_month: dict[str, int]


@dataclass(frozen=True)
class CohortRipple:
    """The cascades started by a cohort's active members, taken together.

    A member recruited (directly or not) by another member belongs to that member's cascade,
    so ``member_cascades`` holds one cascade per *top* member and nothing is counted twice.
    Generations are counted from the nearest top member. ``families_reached`` includes the
    members; ``recruited_families`` does not.
    """

    cohort_id: str
    members: int
    cascades: int
    families_reached: int
    recruited_families: int
    depth: int
    families_per_generation: tuple[int, ...]
    reproduction_number: float | None
    families_window_closed: int
    regions_reached: tuple[str, ...]
    region_count: int
    cohorts_reached: tuple[str, ...]
    cohort_count: int
    median_days_to_first_recruit: float | None
    joins_per_month: dict[str, int]
    mean_structural_virality: float | None
    member_cascades: tuple[CascadeMetrics, ...]


@dataclass(frozen=True)
class CascadeSummary:
    """One cascade in a :class:`RippleSummary` (ids are for families and organizers only)."""

    root: str
    size: int
    depth: int
    structural_virality: float


@dataclass(frozen=True)
class MonthlyJoins:
    month: str
    seeds: int
    invited: int


@dataclass(frozen=True)
class MonthlyReproduction:
    """Families who joined in ``month`` and whose window has closed, and their recruits."""

    month: str
    families: int
    recruits: int
    reproduction_number: float


@dataclass(frozen=True)
class RippleSummary:
    region: str | None
    start: str | None
    end: str | None
    as_of: str
    window_days: int
    families: int
    cascades: int
    invited_share: float | None
    size_distribution: dict[str, int]
    reproduction_number: float | None
    reproduction_by_month: tuple[MonthlyReproduction, ...]
    joins_by_month: tuple[MonthlyJoins, ...]
    largest_cascades: tuple[CascadeSummary, ...]


# --------------------------------------------------------------------------- small helpers


def month_of(day: date) -> str:
    """``YYYY-MM`` of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_span(months: Iterable[str]) -> list[str]:
    """Every month from the first to the last of ``months`` (empty if there are none)."""
    present = set(months)
    return _months_between(min(present), max(present)) if present else []


def _joins_per_month(days: Iterable[date]) -> dict[str, int]:
    """Joins per month, every month from the first to the last present (gaps are 0)."""
    counts = Counter(month_of(day) for day in days)
    return {m: counts[m] for m in _month_span(counts)}


def _virality(wiener: int, size: int) -> float:
    return 0.0 if size < 2 else 2 * wiener / (size * (size - 1))


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _check_options(window_days: int, start: date | None = None, end: date | None = None) -> None:
    problems = []
    if window_days < 0:
        problems.append(FieldProblem("windowDays", "must be zero or more"))
    if start is not None and end is not None and start > end:
        problems.append(FieldProblem("start", "must not be after end"))
    if problems:
        raise ValidationFailed(problems)


def _referral_problem(reason: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("referred", reason)])


def _recruits_of(graph: FamilyGraph, family: str) -> list[tuple[str, date]]:
    """Direct recruits of ``family`` with their referral dates, by (date, id)."""
    found = [
        (recruit, data["at"])
        for _, recruit, data in graph.out_edges(family, data=True)
        if data.get("kind") == REFERRED
    ]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def _join_date(graph: FamilyGraph, family: str) -> date:
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

    >>> structural_virality(nx.star_graph(3))  # W = 3 + 3 * 2 = 9 over 6 pairs
    1.5
    """
    return _virality(tree_wiener_index(tree), tree.number_of_nodes())


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
    """The referral subtree of ``root``, read breadth-first (no recursion)."""
    if root not in graph:
        raise NotFound("no such family", field="root")
    join = {root: _join_date(graph, root)}
    parent: dict[str, str] = {}
    generation = {root: 0}
    recruits: dict[str, tuple[str, ...]] = {}
    order = [root]
    queue = deque([root])
    while queue:
        family = queue.popleft()
        children = _recruits_of(graph, family)
        recruits[family] = tuple(child for child, _ in children)
        for child, at in children:
            if child in generation:
                raise _referral_problem("referrals form a cycle or a family has two referrers")
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
        structural_virality=_virality(wiener, len(tree.order)),
        reproduction_number=_ratio(recruits, closed),
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
    """
    _check_options(window_days)
    return _metrics(graph, read_cascade(graph, root), window_days, as_of)


# --------------------------------------------------------------------------- a cohort


def _top_members(graph: FamilyGraph, members: Sequence[str]) -> list[str]:
    """Members with no other member among their referral ancestors."""
    member_set = set(members)
    top = []
    for member in members:
        seen = {member}
        family = member
        while (up := _referrer(graph, family)) is not None and up not in member_set:
            if up in seen:
                raise _referral_problem("referrals form a cycle")
            seen.add(up)
            family = up
        if up is None:
            top.append(member)
    return top


def _referrer(graph: FamilyGraph, family: str) -> str | None:
    for referrer, _, data in graph.in_edges(family, data=True):
        if data.get("kind") == REFERRED:
            return str(referrer)
    return None


def cohort_ripple(
    graph: FamilyGraph, cohort_id: str, *, window_days: int = DEFAULT_WINDOW_DAYS, as_of: date
) -> CohortRipple:
    """The ripple of a cohort: the union of its active members' cascades (see
    :class:`CohortRipple`). Raises :class:`NotFound` for an unknown cohort."""
    _check_options(window_days)
    info = graph.graph.get("cohorts", {}).get(cohort_id)
    if info is None:
        raise NotFound("no such cohort", field="cohortId")
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
        reproduction_number=_ratio(recruits, closed),
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


# --------------------------------------------------------------------------- summaries


@dataclass
class _Tally:
    """What both summary implementations accumulate before :func:`_assemble`."""

    cascades: list[CascadeSummary]
    seeds_by_month: Counter[str]
    invited_by_month: Counter[str]
    closed_by_month: Counter[str]
    recruits_by_month: Counter[str]

    @classmethod
    def empty(cls) -> _Tally:
        return cls([], Counter(), Counter(), Counter(), Counter())


def _size_bin(size: int) -> str:
    for label, low, high in SIZE_BINS:
        if size >= low and (high is None or size <= high):
            return label
    raise ValueError(f"cascade size must be positive, got {size}")


def _assemble(
    tally: _Tally,
    *,
    region: str | None,
    start: date | None,
    end: date | None,
    window_days: int,
    as_of: date,
    top: int,
) -> RippleSummary:
    seeds, invited = sum(tally.seeds_by_month.values()), sum(tally.invited_by_month.values())
    bins = Counter(_size_bin(c.size) for c in tally.cascades)
    months = _month_span([*tally.seeds_by_month, *tally.invited_by_month])
    by_month = tuple(
        MonthlyReproduction(m, tally.closed_by_month[m], tally.recruits_by_month[m], r)
        for m in sorted(tally.closed_by_month)
        if (r := _ratio(tally.recruits_by_month[m], tally.closed_by_month[m])) is not None
    )
    ranked = sorted(tally.cascades, key=lambda c: (-c.size, -c.depth, c.root))
    return RippleSummary(
        region=region,
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        as_of=as_of.isoformat(),
        window_days=window_days,
        families=seeds + invited,
        cascades=len(tally.cascades),
        invited_share=_ratio(invited, seeds + invited),
        size_distribution={label: bins[label] for label, _, _ in SIZE_BINS},
        reproduction_number=_ratio(
            sum(tally.recruits_by_month.values()), sum(tally.closed_by_month.values())
        ),
        reproduction_by_month=by_month,
        joins_by_month=tuple(
            MonthlyJoins(m, tally.seeds_by_month[m], tally.invited_by_month[m]) for m in months
        ),
        largest_cascades=tuple(ranked[:top]),
    )


@dataclass(frozen=True)
class _Forest:
    """The whole referral forest; ``order`` lists every family parents-before-children."""

    order: list[str]
    parent: dict[str, str]
    children: dict[str, list[str]]
    join: dict[str, date]


def _read_forest(graph: FamilyGraph) -> _Forest:
    parent: dict[str, str] = {}
    join: dict[str, date] = {}
    for referrer, recruit, data in graph.edges(data=True):
        if data.get("kind") == REFERRED:
            if recruit in parent:
                raise _referral_problem("a family has two referrers")
            parent[recruit], join[recruit] = referrer, data["at"]
    children: dict[str, list[str]] = {}
    for recruit, referrer in parent.items():
        children.setdefault(referrer, []).append(recruit)
    for family, attributes in graph.nodes(data=True):
        join.setdefault(family, attributes["joined_at"])
    order = sorted((f for f in graph if f not in parent), key=lambda f: (join[f], f))
    for family in order:  # a generation sweep: the list grows while it is read
        order.extend(children.get(family, ()))
    if len(order) != graph.number_of_nodes():
        raise _referral_problem("referrals form a cycle")
    return _Forest(order, parent, children, join)


def _tally_windows(
    tally: _Tally,
    month: str,
    join: date,
    recruit_dates: Iterable[date],
    window: timedelta,
    as_of: date,
) -> None:
    closes = join + window
    if closes <= as_of:
        tally.closed_by_month[month] += 1
        tally.recruits_by_month[month] += sum(day <= closes for day in recruit_dates)


class _MonthLabels(dict[date, str]):
    """``YYYY-MM`` of dates, each worked out once (many families share a join date)."""

    def __missing__(self, day: date) -> str:
        label = self[day] = month_of(day)
        return label


@dataclass
class _Kept:
    """Families kept by a summary's filters, parents before children."""

    order: list[str]
    seed_of: dict[str, str]
    depth: dict[str, int]


def _keep(
    graph: FamilyGraph, forest: _Forest, region: str | None, start: date | None, end: date | None
) -> _Kept:
    """Forward pass: a seed is kept if in ``region`` and joined in range; a recruit if its
    referrer was kept and it joined in range."""
    kept = _Kept([], {}, {})
    seed_of, depth = kept.seed_of, kept.depth
    for family in forest.order:
        join = forest.join[family]
        if (start is not None and join < start) or (end is not None and join > end):
            continue
        referrer = forest.parent.get(family)
        if referrer is None:
            if region is not None and graph.nodes[family]["region"] != region:
                continue
            seed_of[family], depth[family] = family, 0
        elif referrer in seed_of:
            seed_of[family], depth[family] = seed_of[referrer], depth[referrer] + 1
        else:
            continue
        kept.order.append(family)
    return kept


def _cascade_shapes(forest: _Forest, kept: _Kept) -> list[CascadeSummary]:
    """Backward pass: subtree sizes give every cascade's size, depth and Wiener index."""
    subtree = dict.fromkeys(kept.order, 1)
    sum_sizes: Counter[str] = Counter()
    sum_squares: Counter[str] = Counter()
    deepest: Counter[str] = Counter()
    for family in reversed(kept.order):
        depth = kept.depth[family]
        if depth:
            size, seed = subtree[family], kept.seed_of[family]
            subtree[forest.parent[family]] += size
            sum_sizes[seed] += size
            sum_squares[seed] += size * size
            if depth > deepest[seed]:
                deepest[seed] = depth
    shapes = []
    for seed in (f for f in kept.order if kept.depth[f] == 0):
        n = subtree[seed]
        wiener = n * sum_sizes[seed] - sum_squares[seed]
        shapes.append(CascadeSummary(seed, n, deepest[seed], _virality(wiener, n)))
    return shapes


def _tally_families(
    tally: _Tally, forest: _Forest, kept: _Kept, window: timedelta, as_of: date
) -> None:
    months = _MonthLabels()
    for family in kept.order:
        join = forest.join[family]
        month = months[join]
        if kept.depth[family]:
            tally.invited_by_month[month] += 1
        else:
            tally.seeds_by_month[month] += 1
        closes = join + window
        if closes <= as_of:
            tally.closed_by_month[month] += 1
            recruits = forest.children.get(family, ())
            tally.recruits_by_month[month] += sum(forest.join[r] <= closes for r in recruits)


def ripple_summary(
    graph: FamilyGraph,
    *,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    as_of: date,
    top: int = 10,
) -> RippleSummary:
    """Summary of all cascades (seeded in ``region`` and ``[start, end]``), in linear time.

    One generation sweep orders the forest parents-before-children; a forward pass decides
    who is kept (seed in region and range, every ancestor kept, own join in range) and each
    family's cascade and depth; a backward pass adds subtree sizes, from which the Wiener
    index of every cascade follows as ``n * D - Q`` with ``D`` the sum of subtree sizes below
    the root (= sum of depths) and ``Q`` the sum of their squares. No recursion, no per-seed
    traversal.
    """
    _check_options(window_days, start, end)
    forest = _read_forest(graph)
    kept = _keep(graph, forest, region, start, end)
    tally = _Tally.empty()
    tally.cascades = _cascade_shapes(forest, kept)
    _tally_families(tally, forest, kept, timedelta(days=window_days), as_of)
    return _assemble(
        tally, region=region, start=start, end=end, window_days=window_days, as_of=as_of, top=top
    )


def baseline_summary(
    graph: FamilyGraph,
    *,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    as_of: date,
    top: int = 10,
) -> RippleSummary:
    """:func:`ripple_summary` computed the straightforward way, for benchmarks and
    cross-checks: a breadth-first search from every seed and ``networkx.wiener_index``
    (all-pairs shortest paths, quadratic in the cascade size) on every cascade tree."""
    _check_options(window_days, start, end)
    window = timedelta(days=window_days)

    def in_range(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    def is_seed(family: str) -> bool:
        if _referrer(graph, family) is not None or not in_range(_join_date(graph, family)):
            return False
        return region is None or graph.nodes[family]["region"] == region

    tally = _Tally.empty()
    for seed in sorted(f for f in graph if is_seed(f)):
        tree: nx.Graph[str] = nx.Graph()
        tree.add_node(seed)
        level = {seed: 0}
        queue = deque([(seed, _join_date(graph, seed))])
        tally.seeds_by_month[month_of(queue[0][1])] += 1
        while queue:
            family, join = queue.popleft()
            recruits = _recruits_of(graph, family)
            _tally_windows(tally, month_of(join), join, (at for _, at in recruits), window, as_of)
            for recruit, at in recruits:
                if in_range(at):
                    tree.add_edge(family, recruit)
                    level[recruit] = level[family] + 1
                    tally.invited_by_month[month_of(at)] += 1
                    queue.append((recruit, at))
        wiener = round(nx.wiener_index(tree))
        n = tree.number_of_nodes()
        tally.cascades.append(CascadeSummary(seed, n, max(level.values()), _virality(wiener, n)))
    return _assemble(
        tally, region=region, start=start, end=end, window_days=window_days, as_of=as_of, top=top
    )
