"""The whole program's ripple summary in one pass over the referral forest, and the
per-root baseline it is checked against."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import networkx as nx

from graph_service.analytics.family_graph import REFERRED, FamilyGraph
from graph_service.analytics.ripple.cascade import join_date, recruits_of, referrer_of
from graph_service.analytics.ripple.measures import (
    check_options,
    month_of,
    month_span,
    ratio,
    referral_problem,
    virality,
)
from graph_service.analytics.ripple.results import (
    DEFAULT_WINDOW_DAYS,
    SIZE_BINS,
    CascadeSummary,
    MonthlyJoins,
    MonthlyReproduction,
    RippleSummary,
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
    months = month_span([*tally.seeds_by_month, *tally.invited_by_month])
    by_month = tuple(
        MonthlyReproduction(m, tally.closed_by_month[m], tally.recruits_by_month[m], r)
        for m in sorted(tally.closed_by_month)
        if (r := ratio(tally.recruits_by_month[m], tally.closed_by_month[m])) is not None
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
        invited_share=ratio(invited, seeds + invited),
        size_distribution={label: bins[label] for label, _, _ in SIZE_BINS},
        reproduction_number=ratio(
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
                raise referral_problem("a family has two referrers")
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
        raise referral_problem("referrals form a cycle")
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
        shapes.append(CascadeSummary(seed, n, deepest[seed], virality(wiener, n)))
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

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    region : str, optional
        Only cascades seeded in this region.
    start, end : datetime.date, optional
        Only seeds that joined in this period.
    window_days : int, default DEFAULT_WINDOW_DAYS
        Recruits within this many days count as fast.
    as_of : datetime.date
        Today.
    top : int, default 10
        How many of the largest cascades to list.

    Returns
    -------
    RippleSummary
        Cascade counts, the size distribution, joins by month and the largest cascades.

    References
    ----------
    Goel et al. (2016); Wiener (1947).

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> ripple_summary(g, as_of=date(2025, 1, 1)).size_distribution["3-5"]
    1
    """
    check_options(window_days, start, end)
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
    (all-pairs shortest paths, quadratic in the cascade size) on every cascade tree.

    Parameters
    ----------
    graph, region, start, end, window_days, as_of, top
        As :func:`ripple_summary`.

    Returns
    -------
    RippleSummary
        Equal to :func:`ripple_summary`'s.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.examples import referral_chain
    >>> g = referral_chain()
    >>> baseline_summary(g, as_of=date(2025, 1, 1)) == ripple_summary(g, as_of=date(2025, 1, 1))
    True
    """
    check_options(window_days, start, end)
    window = timedelta(days=window_days)

    def in_range(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    def is_seed(family: str) -> bool:
        if referrer_of(graph, family) is not None or not in_range(join_date(graph, family)):
            return False
        return region is None or graph.nodes[family]["region"] == region

    tally = _Tally.empty()
    for seed in sorted(f for f in graph if is_seed(f)):
        tree: nx.Graph[str] = nx.Graph()
        tree.add_node(seed)
        level = {seed: 0}
        queue = deque([(seed, join_date(graph, seed))])
        tally.seeds_by_month[month_of(queue[0][1])] += 1
        while queue:
            family, join = queue.popleft()
            recruits = recruits_of(graph, family)
            _tally_windows(tally, month_of(join), join, (at for _, at in recruits), window, as_of)
            for recruit, at in recruits:
                if in_range(at):
                    tree.add_edge(family, recruit)
                    level[recruit] = level[family] + 1
                    tally.invited_by_month[month_of(at)] += 1
                    queue.append((recruit, at))
        wiener = round(nx.wiener_index(tree))
        n = tree.number_of_nodes()
        tally.cascades.append(CascadeSummary(seed, n, max(level.values()), virality(wiener, n)))
    return _assemble(
        tally, region=region, start=start, end=end, window_days=window_days, as_of=as_of, top=top
    )
