"""Feasibility and bin packing (method step 1), and the validation of a pool.

Exact: ``n`` families fit in ``k`` cohorts iff ``k*min <= n <= k*max``; with must-stay-together
blocks, :func:`pack_blocks` tries simple packings and then an exhaustive memoised search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from graph_service.analytics.cohort_formation.model import MAX_EXACT_PACKING_BLOCKS
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.errors import FieldProblem, ValidationFailed


def problem(field: str, reason: str) -> ValidationFailed:
    """The error of one bad parameter.

    Parameters
    ----------
    field : str
        The parameter at fault (the analytics' own name).
    reason : str
        What is wrong.

    Returns
    -------
    ValidationFailed
        The error to raise, with one :class:`FieldProblem`.

    Examples
    --------
    >>> problem("min_size", "must be at least 1").problems[0].field
    'min_size'
    """
    return ValidationFailed([FieldProblem(field, reason)])


def feasible_cohort_counts(n: int, min_size: int, max_size: int) -> range:
    """Every ``k`` with ``k*min_size <= n <= k*max_size`` (empty when ``n`` cannot be split).

    Parameters
    ----------
    n : int
        Families to place.
    min_size, max_size : int
        Cohort sizes allowed.

    Returns
    -------
    range
        The feasible numbers of cohorts.

    Examples
    --------
    >>> list(feasible_cohort_counts(13, 6, 8)), list(feasible_cohort_counts(9, 6, 8))
    ([2], [])
    """
    if n <= 0:
        return range(0)
    return range(-(-n // max_size), n // min_size + 1)


def cohort_sizes(n: int, min_size: int, max_size: int) -> list[int]:
    """Balanced valid sizes for ``n`` families, the count nearest ``n / ((min+max)/2)``.

    Parameters
    ----------
    n, min_size, max_size : int
        As :func:`feasible_cohort_counts`.

    Returns
    -------
    list of int
        The sizes, largest first. Raises :class:`ValidationFailed` (``pool``) when ``n``
        cannot be split.

    Examples
    --------
    >>> cohort_sizes(20, 6, 8)
    [7, 7, 6]
    """
    counts = feasible_cohort_counts(n, min_size, max_size)
    if not counts:
        raise problem("pool", _size_reason(n, min_size, max_size))
    ideal = 2 * n / (min_size + max_size)
    k = min(counts, key=lambda c: (abs(c - ideal), c))
    base, extra = divmod(n, k)
    return [base + 1] * extra + [base] * (k - extra)


def _size_reason(n: int, min_size: int, max_size: int) -> str:
    if n < min_size:
        return f"{n} families cannot form a cohort of at least {min_size}"
    return f"{n} families cannot be split into cohorts of {min_size} to {max_size} families"


Bin = tuple[tuple[int, ...], int]  # (sizes of the blocks in the cohort, number of singles)


def pack_blocks(
    block_sizes: Sequence[int], singles: int, min_size: int, max_size: int
) -> list[Bin] | None:
    """A packing of blocks (size >= 2, kept whole) and ``singles`` single families into
    cohorts of ``min_size..max_size``, or ``None`` when none exists.

    Tried in order: each block in a cohort of its own, first-fit decreasing, then an
    exhaustive memoised search, so the answer is exact. The search is refused (with a
    :class:`ValidationFailed`) beyond ``MAX_EXACT_PACKING_BLOCKS`` blocks.

    Parameters
    ----------
    block_sizes : sequence of int
        Sizes of the groups to keep whole.
    singles : int
        Families without a group.
    min_size, max_size : int
        Cohort sizes allowed.

    Returns
    -------
    list of Bin or None
        Each cohort as ``(sizes of its blocks, number of singles)``; ``None`` when no packing
        exists.

    References
    ----------
    Johnson, *Near-optimal bin packing algorithms*, MIT thesis (1973) (first-fit
    decreasing).

    Examples
    --------
    >>> pack_blocks([5, 5, 5], 0, 6, 8) is None, pack_blocks([5, 3], 4, 6, 8)
    (True, [((5,), 1), ((3,), 3)])
    """
    sizes = sorted(block_sizes, reverse=True)
    for grouped in ([[s] for s in sizes], _first_fit(sizes, max_size)):
        packed = _top_up(grouped, singles, min_size, max_size)
        if packed is not None or not sizes:
            return packed
    if len(sizes) > MAX_EXACT_PACKING_BLOCKS:
        raise problem(
            "must_stay_together",
            f"{len(sizes)} groups are too many to check whether they can be kept whole "
            f"(at most {MAX_EXACT_PACKING_BLOCKS} when no simple packing works)",
        )
    counts = tuple(sizes.count(s) for s in range(max_size + 1))
    failed: set[tuple[tuple[int, ...], int]] = set()
    return _exact_packing(counts, singles, min_size, max_size, failed)


def _singles_bins(singles: int, min_size: int, max_size: int) -> list[Bin] | None:
    if singles == 0:
        return []
    if not feasible_cohort_counts(singles, min_size, max_size):
        return None
    return [((), size) for size in cohort_sizes(singles, min_size, max_size)]


def _first_fit(sizes: Sequence[int], max_size: int) -> list[list[int]]:
    bins: list[list[int]] = []
    for size in sizes:
        target = next((b for b in bins if sum(b) + size <= max_size), None)
        if target is None:
            bins.append([size])
        else:
            target.append(size)
    return bins


def _top_up(
    bins: Sequence[Sequence[int]], singles: int, min_size: int, max_size: int
) -> list[Bin] | None:
    """Singles for grouped blocks: each bin up to ``min_size``, then either spare room in the
    bins or whole cohorts of singles take the rest."""
    tops = [max(0, min_size - sum(b)) for b in bins]
    rest = singles - sum(tops)
    if rest < 0:
        return None
    spare = [max_size - sum(b) - top for b, top in zip(bins, tops, strict=True)]
    for extra_in_bins in range(min(rest, sum(spare)), -1, -1):
        pure = _singles_bins(rest - extra_in_bins, min_size, max_size)
        if pure is not None:
            packed: list[Bin] = []
            for b, top, room in zip(bins, tops, spare, strict=True):
                add = min(room, extra_in_bins)
                extra_in_bins -= add
                packed.append((tuple(b), top + add))
            return packed + pure
    return None


def _exact_packing(
    counts: tuple[int, ...],
    singles: int,
    min_size: int,
    max_size: int,
    failed: set[tuple[tuple[int, ...], int]],
) -> list[Bin] | None:
    """Depth-first search over the multiset of block sizes; the largest block opens a bin."""
    largest = max((s for s, c in enumerate(counts) if c), default=0)
    if largest == 0:
        return _singles_bins(singles, min_size, max_size)
    if (counts, singles) in failed:
        return None
    rest = list(counts)
    rest[largest] -= 1
    for companions in _sub_multisets(rest, max_size - largest, largest):
        total = largest + sum(companions)
        remaining = list(rest)
        for s in companions:
            remaining[s] -= 1
        for add in range(max(0, min_size - total), min(max_size - total, singles) + 1):
            tail = _exact_packing(tuple(remaining), singles - add, min_size, max_size, failed)
            if tail is not None:
                return [((largest, *companions), add), *tail]
    failed.add((counts, singles))
    return None


def _sub_multisets(counts: Sequence[int], room: int, top: int) -> Iterable[tuple[int, ...]]:
    """Multisets of sizes <= top drawn from ``counts`` with sum <= room, fewest first."""
    found: list[tuple[int, ...]] = []

    def grow(prefix: tuple[int, ...], largest_allowed: int, left: int) -> None:
        found.append(prefix)
        for s in range(min(largest_allowed, left), 1, -1):
            used = prefix.count(s)
            if counts[s] > used:
                grow((*prefix, s), s, left - s)

    grow((), top, room)
    return sorted(found, key=lambda m: (len(m), [-s for s in m]))


def _validated_blocks(
    graph: FamilyGraph,
    pool: Sequence[str],
    min_size: int,
    max_size: int,
    must_stay_together: Iterable[Collection[str]],
) -> tuple[list[str], list[list[str]]]:
    """The sorted pool and the merged must-stay-together blocks (size >= 2), or an error."""
    ids, blocks = checked_blocks(graph, pool, min_size, max_size, must_stay_together)
    require_split(len(ids), blocks, min_size, max_size)
    return ids, blocks


def checked_blocks(
    graph: FamilyGraph,
    pool: Sequence[str],
    min_size: int,
    max_size: int,
    must_stay_together: Iterable[Collection[str]],
) -> tuple[list[str], list[list[str]]]:
    """Like :func:`_validated_blocks`, without checking that the pool can be split.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    pool : sequence of str
        The families to split.
    min_size, max_size : int
        Cohort sizes allowed.
    must_stay_together : iterable of collections of str
        Groups to keep whole.

    Returns
    -------
    tuple of (list of str, list of list of str)
        The pool's ids and the must-stay-together groups of two or more (merged where they
        overlap). Raises :class:`ValidationFailed` (``pool``, ``must_stay_together``,
        ``min_size``, ``max_size``) on bad input.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> ids, blocks = checked_blocks(g, sorted(g), 6, 8, [["f00", "f01"], ["f01", "f02"]])
    >>> len(ids), blocks
    (12, [['f00', 'f01', 'f02']])
    """
    if min_size < 1:
        raise problem("min_size", "must be at least 1")
    if max_size < min_size:
        raise problem("max_size", f"must be at least min_size ({min_size})")
    _check_pool(graph, pool)
    ids = sorted(pool)
    blocks = _merged_groups(set(ids), must_stay_together)
    too_big = [b for b in blocks if len(b) > max_size]
    if too_big:
        raise problem(
            "must_stay_together",
            f"a group of {len(too_big[0])} families must stay together, more than the "
            f"largest cohort ({max_size})",
        )
    return ids, blocks


def require_split(n: int, blocks: Sequence[Sequence[str]], min_size: int, max_size: int) -> None:
    """Raise unless ``n`` families with these blocks can be split into valid cohorts.

    Parameters
    ----------
    n : int
        Families in the pool.
    blocks : sequence of sequence of str
        The groups to keep whole.
    min_size, max_size : int
        Cohort sizes allowed.

    Returns
    -------
    None
        Raises :class:`ValidationFailed` (``pool`` or ``must_stay_together``) when no split
        exists.

    Examples
    --------
    >>> require_split(13, [], 6, 8) is None
    True
    >>> require_split(9, [], 6, 8)
    Traceback (most recent call last):
    models.errors.ValidationFailed: pool: ...
    """
    if not feasible_cohort_counts(n, min_size, max_size):
        raise problem("pool", _size_reason(n, min_size, max_size))
    in_blocks = sum(len(b) for b in blocks)
    if pack_blocks([len(b) for b in blocks], n - in_blocks, min_size, max_size) is None:
        raise problem(
            "must_stay_together",
            f"groups of sizes {sorted((len(b) for b in blocks), reverse=True)} cannot be kept "
            f"whole in cohorts of {min_size} to {max_size} with {n - in_blocks} other "
            "families",
        )


def placeable(n: int, min_size: int, max_size: int) -> int:
    """The most of ``n`` families that valid cohorts can hold (0 when ``n < min_size``).

    Parameters
    ----------
    n : int
        Families available.
    min_size, max_size : int
        Cohort sizes allowed.

    Returns
    -------
    int
        The largest ``m <= n`` that some number of valid cohorts holds exactly.

    Examples
    --------
    >>> placeable(11, 6, 8), placeable(13, 6, 8), placeable(5, 6, 8), placeable(17, 6, 8)
    (8, 13, 0, 16)
    """
    for m in range(n, min_size - 1, -1):
        if feasible_cohort_counts(m, min_size, max_size):
            return m
    return 0


def _check_pool(graph: FamilyGraph, pool: Sequence[str]) -> None:
    duplicates = sorted(f for f, count in Counter(pool).items() if count > 1)
    if duplicates:
        raise problem("pool", f"duplicated family ids: {', '.join(duplicates[:5])}")
    unknown = sorted(f for f in pool if f not in graph)
    if unknown:
        raise problem("pool", f"unknown family ids: {', '.join(unknown[:5])}")
    refused = sorted(f for f in pool if not graph.nodes[f].get("consent_matching", False))
    if refused:
        raise problem(
            "pool",
            f"{len(refused)} families have not consented to matching: {', '.join(refused[:5])}",
        )


def _merged_groups(pool: set[str], groups: Iterable[Collection[str]]) -> list[list[str]]:
    """Union of overlapping groups (families who chose each other, transitively)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        members = sorted(group)
        outside = [m for m in members if m not in pool]
        if outside:
            raise problem("must_stay_together", f"not in the pool: {', '.join(outside[:5])}")
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    merged: dict[str, list[str]] = {}
    for member in sorted(parent):
        merged.setdefault(root(member), []).append(member)
    return sorted((m for m in merged.values() if len(m) >= 2), key=lambda m: (-len(m), m))
