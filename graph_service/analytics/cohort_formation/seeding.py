"""Seeding (method steps 2 and 3): friends stay together, then a greedy fill by affinity."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from graph_service.analytics.cohort_formation.model import BLOCK_TIE_WEIGHT
from graph_service.analytics.cohort_formation.packing import Bin
from graph_service.analytics.cohort_formation.pool import Pool


def communities(
    pool: Pool, units: Sequence[Sequence[int]], max_size: int, seed: int
) -> list[list[int]]:
    """Louvain communities of the tie graph (blocks as heavy edges), split to <= max_size.

    Parameters
    ----------
    pool : Pool
        The pool as integer-indexed arrays.
    units : sequence of sequence of int
        Groups kept together (heavy edges).
    max_size : int
        Largest community kept whole; larger ones are split.
    seed : int
        Seed of Louvain.

    Returns
    -------
    list of list of int
        Communities of pool indices, each at most ``max_size``.

    References
    ----------
    Blondel et al. (2008); networkx ``louvain_communities``.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> from graph_service.analytics.cohort_formation.model import FormationWeights
    >>> from graph_service.analytics.cohort_formation.pool import Pool
    >>> pool = Pool(g, sorted(g), FormationWeights())
    >>> sum(len(c) for c in communities(pool, [[0, 1]], 6, seed=0))
    12
    """
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(pool.ids)))
    for i, neighbours in enumerate(pool.neighbours):
        graph.add_edges_from((i, j, {"weight": 1.0}) for j in sorted(neighbours) if j > i)
    for unit in units:
        for a, b in itertools.pairwise(unit):
            graph.add_edge(a, b, weight=BLOCK_TIE_WEIGHT)
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    parts: list[list[int]] = []
    for community in found:
        parts.extend(_split_to_size(graph, sorted(community), max_size, seed))
    return sorted(parts, key=lambda c: (-len(c), c[0]))


def _split_to_size(graph: Any, members: list[int], max_size: int, seed: int) -> list[list[int]]:
    if len(members) <= max_size:
        return [members]
    sub: nx.Graph[int] = nx.Graph()
    sub.add_nodes_from(members)
    sub.add_edges_from((u, v, d) for u, v, d in sorted(graph.subgraph(members).edges(data=True)))
    left, right = nx.community.kernighan_lin_bisection(sub, weight="weight", seed=seed)
    return _split_to_size(graph, sorted(left), max_size, seed) + _split_to_size(
        graph, sorted(right), max_size, seed
    )


class _Seeder:
    """Fills planned cohorts one family at a time by accumulated affinity (step 3)."""

    def __init__(self, pool: Pool, communities: list[list[int]], top: list[list[int]]):
        self.pool = pool
        self.top = top
        self.community_of = {m: c for c, members in enumerate(communities) for m in members}
        self.communities = communities
        self.order = [m for members in communities for m in members]
        self.cursor = 0
        self.taken = [False] * len(pool.ids)

    def fill(self, start: list[int], wanted: int) -> list[int]:
        cohort: list[int] = []
        scores: dict[int, float] = {}
        for member in start:
            self._add(member, cohort, scores)
        while len(cohort) < len(start) + wanted:
            pick = max(scores, key=lambda j: (scores[j], -j)) if scores else self._next_free()
            self._add(pick, cohort, scores)
        return cohort

    def take(self, members: Iterable[int]) -> None:
        for m in members:
            self.taken[m] = True

    def _next_free(self) -> int:
        while self.taken[self.order[self.cursor]]:
            self.cursor += 1
        return self.order[self.cursor]

    def _add(self, member: int, cohort: list[int], scores: dict[int, float]) -> None:
        self.taken[member] = True
        scores.pop(member, None)
        cohort.append(member)
        nearby = set(self.top[member]) | self.pool.neighbours[member]
        nearby.update(self.communities[self.community_of[member]])
        for j in sorted(nearby):
            if not self.taken[j]:
                scores[j] = scores.get(j, 0.0) + self.pool.pair(member, j)


def seed_cohorts(
    pool: Pool,
    blocks: list[list[int]],
    plan: list[Bin],
    communities: list[list[int]],
    top: list[list[int]],
) -> list[list[int]]:
    """Initial cohorts (lists of family indices) following the packing plan.

    Parameters
    ----------
    pool : Pool
        The pool as integer-indexed arrays.
    blocks : list of list of int
        Groups to keep whole.
    plan : list of Bin
        The packing plan (:func:`~.packing.pack_blocks`).
    communities : list of list of int
        Tie communities (:func:`communities`).
    top : list of list of int
        Each family's best partners (:meth:`Pool.top_neighbours`).

    Returns
    -------
    list of list of int
        One cohort of pool indices per bin of the plan.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> from graph_service.analytics.cohort_formation.model import FormationWeights
    >>> from graph_service.analytics.cohort_formation.pool import Pool
    >>> pool = Pool(g, sorted(g), FormationWeights())
    >>> found = communities(pool, [], 6, seed=0)
    >>> seeded = seed_cohorts(pool, [], [((), 6), ((), 6)], found, pool.top_neighbours(5, 0))
    >>> sorted(len(c) for c in seeded)
    [6, 6]
    """
    seeder = _Seeder(pool, communities, top)
    for block in blocks:
        seeder.take(block)
    by_size: dict[int, list[list[int]]] = {}
    for block in blocks:
        by_size.setdefault(len(block), []).append(block)
    cohorts: list[list[int]] = []
    for block_sizes, singles in sorted(plan, key=lambda b: not b[0]):
        start = [m for size in block_sizes for m in by_size[size].pop(0)]
        cohorts.append(seeder.fill(start, singles))
    return cohorts
