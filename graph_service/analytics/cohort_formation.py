r"""Cohort formation: split a pool of families into proposed cohorts of ``min..max`` families.

Cohorts are groups of friends who chose one another (docs/program.md), so a proposal keeps
existing ties together first and then groups families who pursue the same goals, whose
strengths meet one another's needs and who share a language. It is a *proposal*: families
accept it or not.

Objective
---------
For a partition of the pool :math:`P` into cohorts :math:`C_1..C_k` the method maximises

.. math::

    F = \sum_{C}\Big[\sum_{\{i,j\}\subseteq C} w(i,j) \;+\; w_n\,\mathrm{cov}(C)\Big],
    \qquad
    w(i,j) = w_g\,J(G_i,G_j) + w_t\,[i\sim j] + w_l\,[L_i\cap L_j\neq\varnothing]
             + w_r\,[r_i=r_j]

where :math:`G_i` is the set of *active or achieved* goals of family :math:`i`,
:math:`J(A,B)=|A\cap B|/|A\cup B|` the Jaccard similarity (0 when both are empty),
:math:`i\sim j` an existing tie among pool members (help in either direction or a referral:
:func:`~graph_service.analytics.family_graph.tie_graph` without cohort ties), :math:`L_i` the
languages and :math:`r_i` the region, and
:math:`\mathrm{cov}(C)=\#\{(i,s): i\in C,\ s\in\mathrm{needs}_i,\ \exists j\in C\setminus\{i\}:
s\in\mathrm{strengths}_j\}` counts the needs met by a cohort-mate's strength. The weights are
:class:`FormationWeights` (defaults :math:`w_g=1, w_t=1, w_n=0.5, w_l=0.25, w_r=0.5`).

Hard constraints: every size is in ``[min_size, max_size]``, each group in
``must_stay_together`` (overlapping groups are merged) lands in one cohort, and every family
in the pool has consented to matching (a proposal suggests families to one another).

Method
------
1. *Feasibility, exactly.* ``n`` families fit in ``k`` cohorts iff
   :math:`k\cdot min \le n \le k\cdot max`; some ``k`` exists iff
   :math:`\lceil n/max\rceil \le \lfloor n/min\rfloor`. With must-stay-together groups (blocks)
   the question is a bin-packing one: one block per cohort topped up with single families is
   tried, then first-fit decreasing, and if both fail an exhaustive memoised search over the
   multiset of block sizes decides it (refused beyond ``MAX_EXACT_PACKING_BLOCKS`` blocks).
2. *Friends stay together.* Louvain communities (Blondel et al., 2008,
   ``networkx.community.louvain_communities``, seeded) of the tie graph among the pool, with
   must-stay-together groups added as heavy edges; a community larger than ``max_size`` is
   split recursively by Kernighan–Lin bisection (Kernighan & Lin, 1970, seeded). Ties are a
   strong preference (seeding and the :math:`w_t` term), not a hard rule: a connected group
   larger than ``max_size`` must be cut somewhere. Must-stay-together groups are hard.
3. *Greedy seeding.* The packing fixes the number of cohorts and their sizes (pure-singleton
   cohorts get balanced sizes near :math:`(min+max)/2`). Each cohort is seeded with the next
   community (largest first) and filled one family at a time with the unassigned candidate of
   highest accumulated affinity :math:`\sum_{j\in C} w(i,j)`, candidates being the members'
   tie neighbours, community mates and top-``K`` most similar families.
4. *Local search.* Moves of one unit (a family or a must-stay-together block) to another
   cohort and swaps of two units, keeping sizes in bounds, are applied while they improve
   :math:`F` by more than ``1e-9``. A unit's change in :math:`F` is computed incrementally:
   :math:`\Delta_{move}(u:A\to B)=s(u,B)-s(u,A)+w_n\Delta\mathrm{cov}` with
   :math:`s(u,C)=\sum_{x\in u}\sum_{y\in C\setminus u}w(x,y)`, and for a swap
   :math:`\Delta=s(u,B)-s(u,A)+s(v,A)-s(v,B)-2w(u,v)+w_n\Delta\mathrm{cov}`; coverage changes
   are computed from per-cohort counts of strengths, needs and both per skill (and skipped when
   an upper bound on the coverage gain cannot make the step the best one), so a step costs
   :math:`O(max^2)` however large the pool. With at most ``FULL_SEARCH_COHORTS`` cohorts every
   cohort is a candidate, so the result is a true local optimum for moves and swaps. For larger
   pools the candidate cohorts of a unit are those of its members' tie neighbours and top-``K``
   (``NEIGHBOURS``) most similar families (similarity = ``w`` without the tie term), a unit is
   re-examined only when one of those cohorts changed, and passes stop once one gains less
   than ``MIN_PASS_GAIN`` (2%) of the total gained so far (at most ``MAX_PASSES``): gains fall
   geometrically, so the tail passes cost ~30% of the time for ~2% of the gain.
   Everything random (Louvain, Kernighan–Lin, the visiting order) is driven by ``seed``.

Baselines: :func:`random_partition` (uniform random split into balanced valid sizes) and
:func:`kmeans_partition` (scikit-learn ``KMeans`` on multi-hot goals, strengths, needs and
languages, then a greedy fill of valid sizes in order of distance to the centroids).

>>> g = homophilous_family_graph(12, seed=1)
>>> proposal = propose_cohorts(g, sorted(g), min_size=6, max_size=6, seed=0)
>>> [len(c.members) for c in proposal.cohorts], proposal.quality.sizes_valid
([6, 6], True)
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from graph_service.analytics.family_graph import HELPED, REFERRED, FamilyGraph, GoalState, tie_graph
from graph_service.errors import FieldProblem, ValidationFailed
from models import GoalStatus
from models.vocabulary import GOAL_CATEGORIES, SKILLS, vocabulary

COUNTED_GOAL_STATUSES = frozenset({GoalStatus.ACTIVE, GoalStatus.ACHIEVED})
FULL_SEARCH_COHORTS = 40
NEIGHBOURS = 6
MAX_PASSES = 30
MIN_PASS_GAIN = 0.02
BLOCK_TIE_WEIGHT = 5.0
EPSILON = 1e-9
MAX_EXACT_PACKING_BLOCKS = 400
GOAL_TABLE = 2000  # distinct goal sets up to which pair similarities are tabulated


# ----------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class FormationWeights:
    """Weights of the objective ``F`` (see the module docstring); all must be >= 0.

    The defaults trade kept ties against goal similarity: on the synthetic network
    (``loaders.synthetic``) ``ties=1`` beats k-means on goal similarity by ~40% and keeps
    20-30% of existing ties; ``ties=2`` keeps ~55% but falls below k-means on similarity."""

    goals: float = 1.0
    ties: float = 1.0
    needs: float = 0.5
    languages: float = 0.25
    region: float = 0.5

    def __post_init__(self) -> None:
        for name in ("goals", "ties", "needs", "languages", "region"):
            if getattr(self, name) < 0 or not math.isfinite(getattr(self, name)):
                raise ValidationFailed([FieldProblem(f"weights.{name}", "must be >= 0")])


@dataclass(frozen=True)
class CohortRationale:
    """Why these families: goals held by >= 2 members (goal, count), existing ties inside,
    needs met by a cohort-mate (need, members whose need is met), languages all speak."""

    shared_goals: tuple[tuple[str, int], ...]
    ties_kept: int
    needs_met: tuple[tuple[str, int], ...]
    common_languages: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class ProposedCohort:
    members: tuple[str, ...]  # sorted family ids
    rationale: CohortRationale


@dataclass(frozen=True)
class ProposalQuality:
    """Quality of a partition. Shares are 1.0 when there is nothing to keep or cover."""

    cohorts: int
    mean_goal_similarity: float  # mean Jaccard over all within-cohort pairs
    ties_kept_share: float  # ties among the pool with both ends in one cohort / all such ties
    ties_total: int
    needs_covered_share: float  # needs met by a cohort-mate's strength / all needs
    sizes_valid: bool
    invalid_sizes: int


@dataclass(frozen=True)
class Proposal:
    cohorts: tuple[ProposedCohort, ...]  # ordered by first member id
    quality: ProposalQuality
    objective: float  # F of the proposal
    passes: int  # local-search passes run
    improvements: int  # moves and swaps applied


@dataclass(frozen=True)
class QualityRow:
    method: str  # "proposal", "random" or "kmeans"
    quality: ProposalQuality
    seconds: float


# ----------------------------------------------------------------------------- feasibility


def _problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, reason)])


def feasible_cohort_counts(n: int, min_size: int, max_size: int) -> range:
    """Every ``k`` with ``k*min_size <= n <= k*max_size`` (empty when ``n`` cannot be split).

    >>> list(feasible_cohort_counts(13, 6, 8)), list(feasible_cohort_counts(9, 6, 8))
    ([2], [])
    """
    if n <= 0:
        return range(0)
    return range(-(-n // max_size), n // min_size + 1)


def cohort_sizes(n: int, min_size: int, max_size: int) -> list[int]:
    """Balanced valid sizes for ``n`` families, the count nearest ``n / ((min+max)/2)``.

    >>> cohort_sizes(20, 6, 8)
    [7, 7, 6]
    """
    counts = feasible_cohort_counts(n, min_size, max_size)
    if not counts:
        raise _problem("pool", _size_reason(n, min_size, max_size))
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

    >>> pack_blocks([5, 5, 5], 0, 6, 8) is None, pack_blocks([5, 3], 4, 6, 8)
    (True, [((5,), 1), ((3,), 3)])
    """
    sizes = sorted(block_sizes, reverse=True)
    for grouped in ([[s] for s in sizes], _first_fit(sizes, max_size)):
        packed = _top_up(grouped, singles, min_size, max_size)
        if packed is not None or not sizes:
            return packed
    if len(sizes) > MAX_EXACT_PACKING_BLOCKS:
        raise _problem(
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


# ----------------------------------------------------------------------------- the pool


def _counted_goals(goals: dict[str, GoalState]) -> frozenset[str]:
    return frozenset(g for g, state in goals.items() if state.status in COUNTED_GOAL_STATUSES)


class _Pool:
    """The pool as integer-indexed arrays: goal and language bit masks, skills, ties."""

    def __init__(self, graph: FamilyGraph, ids: Sequence[str], weights: FormationWeights):
        self.ids = list(ids)
        self.index = {family: i for i, family in enumerate(self.ids)}
        self.weights = weights
        nodes = [graph.nodes[f] for f in self.ids]
        self.goal_sets = [_counted_goals(d["goals"]) for d in nodes]
        goal_bits = _bit_positions(g for s in self.goal_sets for g in s)
        self.goal_mask = [_mask(s, goal_bits) for s in self.goal_sets]
        self.goal_count = [len(s) for s in self.goal_sets]
        kinds = sorted(set(self.goal_mask))
        kind_of = {mask: k for k, mask in enumerate(kinds)}
        self.goal_kind = [kind_of[mask] for mask in self.goal_mask]
        self.goal_table = _goal_table(kinds, weights.goals) if len(kinds) <= GOAL_TABLE else None
        languages = [tuple(d["languages"]) for d in nodes]
        language_bits = _bit_positions(lang for langs in languages for lang in langs)
        self.language_mask = [_mask(langs, language_bits) for langs in languages]
        region_codes = _bit_positions(d["region"] for d in nodes)
        self.region = [region_codes[d["region"]] for d in nodes]
        self.skill_names = sorted({s for d in nodes for s in (*d["strengths"], *d["needs"])})
        skill_index = {s: i for i, s in enumerate(self.skill_names)}
        self.strengths = [frozenset(skill_index[s] for s in d["strengths"]) for d in nodes]
        self.needs = [frozenset(skill_index[s] for s in d["needs"]) for d in nodes]
        self.neighbours: list[set[int]] = [set() for _ in self.ids]
        ties = tie_graph(graph.subgraph(self.ids), include_cohort=False)
        for u, v in ties.edges():
            self.neighbours[self.index[u]].add(self.index[v])
            self.neighbours[self.index[v]].add(self.index[u])

    def pair(self, i: int, j: int) -> float:
        """``w(i, j)`` of the objective."""
        w = self.weights
        if self.goal_table is not None:
            score = self.goal_table[self.goal_kind[i]][self.goal_kind[j]]
        else:
            shared = (self.goal_mask[i] & self.goal_mask[j]).bit_count()
            union = self.goal_count[i] + self.goal_count[j] - shared
            score = w.goals * shared / union if union else 0.0
        if self.language_mask[i] & self.language_mask[j]:
            score += w.languages
        if self.region[i] == self.region[j]:
            score += w.region
        if j in self.neighbours[i]:
            score += w.ties
        return score

    def affinity_to(self, x: int, others: Iterable[int]) -> float:
        """``sum(w(x, y) for y in others if y != x)`` (hot: table lookups, locals)."""
        if self.goal_table is None:
            return sum(self.pair(x, y) for y in others if y != x)
        w, kinds, languages, regions = self.weights, self.goal_kind, self.language_mask, self.region
        row, language, region = self.goal_table[kinds[x]], languages[x], regions[x]
        neighbours = self.neighbours[x]
        total = 0.0
        for y in others:
            if y == x:
                continue
            total += row[kinds[y]]
            if language & languages[y]:
                total += w.languages
            if region == regions[y]:
                total += w.region
            if y in neighbours:
                total += w.ties
        return total

    def feature_matrix(self) -> NDArray[np.float64]:
        """Multi-hot goals, strengths, needs and languages (one row per family)."""
        goal_bits = max((m.bit_length() for m in self.goal_mask), default=0)
        lang_bits = max((m.bit_length() for m in self.language_mask), default=0)
        skills = len(self.skill_names)
        matrix = np.zeros((len(self.ids), goal_bits + 2 * skills + lang_bits))
        for i in range(len(self.ids)):
            matrix[i, :goal_bits] = _bits(self.goal_mask[i], goal_bits)
            matrix[i, goal_bits + np.fromiter(self.strengths[i], int)] = 1.0
            matrix[i, goal_bits + skills + np.fromiter(self.needs[i], int)] = 1.0
            matrix[i, goal_bits + 2 * skills :] = _bits(self.language_mask[i], lang_bits)
        return matrix

    def top_neighbours(self, k: int, seed: int) -> list[list[int]]:
        """For each family the ``k`` most similar others by ``w`` without the tie term; equal
        scores are broken by a seeded random jitter (< 1e-6), not by id order."""
        n, w = len(self.ids), self.weights
        rng = np.random.default_rng(seed)
        goals = _bit_matrix(self.goal_mask)
        langs = _bit_matrix(self.language_mask)
        count = goals.sum(axis=1)
        region = np.asarray(self.region)
        k = min(k, n - 1)
        result: list[list[int]] = []
        for start in range(0, n, 512):
            rows = slice(start, min(n, start + 512))
            shared = goals[rows] @ goals.T
            union = count[rows, None] + count[None, :] - shared
            score = w.goals * np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
            score += w.languages * ((langs[rows] @ langs.T) > 0)
            score += w.region * (region[rows, None] == region[None, :])
            score += rng.random(score.shape) * 1e-6
            score[np.arange(score.shape[0]), np.arange(rows.start, rows.stop)] = -np.inf
            for row in score:
                best = np.argpartition(-row, k - 1)[:k] if k > 0 else np.array([], int)
                result.append(best[np.argsort(-row[best], kind="stable")].tolist())
        return result


def _goal_table(masks: Sequence[int], weight: float) -> list[list[float]]:
    """``weight * J`` between every two distinct goal sets (given as bit masks)."""
    bits = _bit_matrix(masks)
    shared = bits @ bits.T
    count = bits.sum(axis=1)
    union = count[:, None] + count[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    table: list[list[float]] = (weight * jaccard).tolist()
    return table


def _bit_positions(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def _mask(values: Iterable[str], bits: dict[str, int]) -> int:
    return sum(1 << bits[v] for v in set(values))


def _bits(mask: int, width: int) -> NDArray[np.float64]:
    return np.array([(mask >> b) & 1 for b in range(width)], dtype=np.float64)


def _bit_matrix(masks: Sequence[int]) -> NDArray[np.float64]:
    width = max((m.bit_length() for m in masks), default=0)
    return np.array([_bits(m, width) for m in masks], dtype=np.float64).reshape(len(masks), width)


# ----------------------------------------------------------------------------- validation


def _validated_blocks(
    graph: FamilyGraph,
    pool: Sequence[str],
    min_size: int,
    max_size: int,
    must_stay_together: Iterable[Collection[str]],
) -> tuple[list[str], list[list[str]]]:
    """The sorted pool and the merged must-stay-together blocks (size >= 2), or an error."""
    if min_size < 1:
        raise _problem("min_size", "must be at least 1")
    if max_size < min_size:
        raise _problem("max_size", f"must be at least min_size ({min_size})")
    _check_pool(graph, pool)
    ids = sorted(pool)
    blocks = _merged_groups(set(ids), must_stay_together)
    too_big = [b for b in blocks if len(b) > max_size]
    if too_big:
        raise _problem(
            "must_stay_together",
            f"a group of {len(too_big[0])} families must stay together, more than the "
            f"largest cohort ({max_size})",
        )
    if not feasible_cohort_counts(len(ids), min_size, max_size):
        raise _problem("pool", _size_reason(len(ids), min_size, max_size))
    in_blocks = sum(len(b) for b in blocks)
    if pack_blocks([len(b) for b in blocks], len(ids) - in_blocks, min_size, max_size) is None:
        raise _problem(
            "must_stay_together",
            f"groups of sizes {sorted((len(b) for b in blocks), reverse=True)} cannot be kept "
            f"whole in cohorts of {min_size} to {max_size} with {len(ids) - in_blocks} other "
            "families",
        )
    return ids, blocks


def _check_pool(graph: FamilyGraph, pool: Sequence[str]) -> None:
    duplicates = sorted(f for f, count in Counter(pool).items() if count > 1)
    if duplicates:
        raise _problem("pool", f"duplicated family ids: {', '.join(duplicates[:5])}")
    unknown = sorted(f for f in pool if f not in graph)
    if unknown:
        raise _problem("pool", f"unknown family ids: {', '.join(unknown[:5])}")
    refused = sorted(f for f in pool if not graph.nodes[f].get("consent_matching", False))
    if refused:
        raise _problem(
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
            raise _problem("must_stay_together", f"not in the pool: {', '.join(outside[:5])}")
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    merged: dict[str, list[str]] = {}
    for member in sorted(parent):
        merged.setdefault(root(member), []).append(member)
    return sorted((m for m in merged.values() if len(m) >= 2), key=lambda m: (-len(m), m))


# ----------------------------------------------------------------------------- seeding


def _communities(
    pool: _Pool, units: Sequence[Sequence[int]], max_size: int, seed: int
) -> list[list[int]]:
    """Louvain communities of the tie graph (blocks as heavy edges), split to <= max_size."""
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

    def __init__(self, pool: _Pool, communities: list[list[int]], top: list[list[int]]):
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


def _seed_cohorts(
    pool: _Pool,
    blocks: list[list[int]],
    plan: list[Bin],
    communities: list[list[int]],
    top: list[list[int]],
) -> list[list[int]]:
    """Initial cohorts (lists of family indices) following the packing plan."""
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


# ----------------------------------------------------------------------------- local search


def _coverage(strong: int, needing: int, both: int) -> int:
    """Members needing a skill who have a cohort-mate with it, from per-cohort counts."""
    if strong >= 2:
        return needing
    return needing - both if strong == 1 else 0


class _Search:
    """Local search over moves and swaps of units with incremental ``F`` deltas (step 4)."""

    def __init__(
        self,
        pool: _Pool,
        units: list[list[int]],
        cohorts: list[list[int]],
        top: list[list[int]],
        bounds: tuple[int, int],
    ):
        self.pool, self.units, self.top = pool, units, top
        self.min_size, self.max_size = bounds
        unit_of = {m: u for u, members in enumerate(units) for m in members}
        self.unit_of = [unit_of[i] for i in range(len(pool.ids))]
        self.members = [list(c) for c in cohorts]
        self.units_in = [sorted({self.unit_of[m] for m in c}) for c in cohorts]
        self.cohort_of = [0] * len(units)
        for c, unit_ids in enumerate(self.units_in):
            for u in unit_ids:
                self.cohort_of[u] = c
        skills = len(pool.skill_names)
        self.strong = [[0] * skills for _ in cohorts]
        self.needing = [[0] * skills for _ in cohorts]
        self.both = [[0] * skills for _ in cohorts]
        for c, members in enumerate(self.members):
            self._count(c, members, 1)
        self.version = [0] * len(cohorts)
        self.affinity_cache: dict[int, tuple[int, float]] = {}
        self.effect = [self._skill_effect(unit) for unit in units]
        self.single = [unit[0] if len(unit) == 1 else -1 for unit in units]
        self.need_list = [sorted(pool.needs[unit[0]]) if len(unit) == 1 else None for unit in units]
        self.need_count = [sum(len(pool.needs[m]) for m in unit) for unit in units]
        self.strength_list = [
            [s for m in unit for s in sorted(pool.strengths[m])] for unit in units
        ]
        self.checked_at = [-1] * len(units)
        self.clock = 0
        self.improvements = 0
        self.visits = 0
        self.pass_gains: list[float] = []
        self.pass_visits: list[int] = []
        self.search_all = len(cohorts) <= FULL_SEARCH_COHORTS

    def _count(self, c: int, members: Iterable[int], sign: int) -> None:
        for m in members:
            strengths, needs = self.pool.strengths[m], self.pool.needs[m]
            for s in strengths:
                self.strong[c][s] += sign
            for s in needs:
                self.needing[c][s] += sign
                if s in strengths:
                    self.both[c][s] += sign

    def affinity(self, u: int, c: int) -> float:
        """``s(u, C)``: affinity of unit ``u`` to the members of ``c`` outside ``u``."""
        x = self.single[u]
        if x >= 0:
            return self.pool.affinity_to(x, self.members[c])
        others = [y for y in self.members[c] if self.unit_of[y] != u]
        return sum(self.pool.affinity_to(x, others) for x in self.units[u])

    def _skill_effect(self, members: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """Per skill: how many of ``members`` have it as strength, need, and both."""
        effect: dict[int, tuple[int, int, int]] = {}
        for m in members:
            strengths, needs = self.pool.strengths[m], self.pool.needs[m]
            for s in strengths | needs:
                has, wants = int(s in strengths), int(s in needs)
                strong, needing, both = effect.get(s, (0, 0, 0))
                effect[s] = (strong + has, needing + wants, both + (has & wants))
        return effect

    def coverage_change(self, c: int, leaving: int | None, joining: int | None) -> int:
        """Change of ``cov(c)`` when unit ``leaving`` leaves and ``joining`` joins ``c``."""
        change: dict[int, list[int]] = {}
        if leaving is not None:
            for s, (strong, needing, both) in self.effect[leaving].items():
                change[s] = [-strong, -needing, -both]
        if joining is not None:
            for s, (strong, needing, both) in self.effect[joining].items():
                row = change.setdefault(s, [0, 0, 0])
                row[0] += strong
                row[1] += needing
                row[2] += both
        counts_s, counts_n, counts_b = self.strong[c], self.needing[c], self.both[c]
        total = 0
        for s, (d_strong, d_needing, d_both) in change.items():
            strong, needing, both = counts_s[s], counts_n[s], counts_b[s]
            total += _coverage(strong + d_strong, needing + d_needing, both + d_both)
            total -= _coverage(strong, needing, both)
        return total

    def cached_affinity(self, u: int, c: int) -> float:
        """``s(u, c)``, remembered until cohort ``c`` changes."""
        key = u * len(self.members) + c
        cached = self.affinity_cache.get(key)
        if cached is None or cached[0] != self.version[c]:
            cached = (self.version[c], self.affinity(u, c))
            self.affinity_cache[key] = cached
        return cached[1]

    def candidates(self, u: int) -> list[int]:
        own = self.cohort_of[u]
        if self.search_all:
            return [c for c in range(len(self.members)) if c != own]
        near: set[int] = set()
        for m in self.units[u]:
            near.update(self.top[m])
            near.update(self.pool.neighbours[m])
        return sorted({self.cohort_of[self.unit_of[j]] for j in near} - {own})

    def settled(self, u: int, candidates: Sequence[int]) -> bool:
        last = self.checked_at[u]
        return self.version[self.cohort_of[u]] <= last and all(
            self.version[c] <= last for c in candidates
        )

    def coverage_bound(self, u: int, c: int) -> int:
        """Upper bound of ``cov(c - x + u) - cov(c)`` for any member ``x`` of ``c`` (coverage
        only grows as members join): the needs of ``u`` that ``c`` could meet, plus the needs
        in ``c`` that a strength of ``u`` newly meets (none of a skill two members have)."""
        strong, needing, both = self.strong[c], self.needing[c], self.both[c]
        own = self.need_list[u]
        gain = self.need_count[u] if own is None else sum(1 for s in own if strong[s])
        for s in self.strength_list[u]:
            held = strong[s]
            gain += needing[s] if held == 0 else (both[s] if held == 1 else 0)
        return gain

    def unit_pair(self, u: int, v: int) -> float:
        """``w(u, v)``: the pair affinities between the members of two units."""
        x, y = self.single[u], self.single[v]
        if x >= 0 and y >= 0:
            return self.pool.pair(x, y)
        return sum(self.pool.pair(x, y) for x in self.units[u] for y in self.units[v])

    def with_coverage(self, pairwise: float, u: int, v: int | None, b: int) -> float:
        """The full delta of a step: ``pairwise`` plus the exact coverage change."""
        a = self.cohort_of[u]
        covered = self.coverage_change(a, u, v) + self.coverage_change(b, v, u)
        return pairwise + self.pool.weights.needs * covered

    def best_step(self, u: int, candidates: Sequence[int]) -> tuple[float, int, int | None]:
        """The best (delta, target cohort, unit swapped back or None) for unit ``u``.

        A step's pairwise delta comes from cached affinities; its coverage change is computed
        only when the pairwise delta plus ``w_n`` times a coverage upper bound can beat the
        best step so far (hot loop: kept flat on purpose)."""
        best: tuple[float, int, int | None] = (EPSILON, -1, None)
        a, size_u, wn = self.cohort_of[u], len(self.units[u]), self.pool.weights.needs
        size_a, low, high = len(self.members[a]), self.min_size, self.max_size
        stay = self.cached_affinity(u, a)
        cache, version, cohorts = self.affinity_cache, self.version, len(self.members)
        for b in candidates:
            size_b = len(self.members[b])
            to_b = self.cached_affinity(u, b) - stay
            bound_u = self.coverage_bound(u, b)
            if (
                size_a - size_u >= low
                and size_b + size_u <= high
                and (to_b + wn * bound_u > best[0])
            ):
                delta = self.with_coverage(to_b, u, None, b)
                if delta > best[0]:
                    best = (delta, b, None)
            for v in self.units_in[b]:
                shift = len(self.units[v]) - size_u
                if not (low <= size_a + shift <= high and low <= size_b - shift <= high):
                    continue
                to_a = cache.get(v * cohorts + a)
                if to_a is None or to_a[0] != version[a]:
                    to_a = (version[a], self.cached_affinity(v, a))
                stay_b = cache.get(v * cohorts + b)
                if stay_b is None or stay_b[0] != version[b]:
                    stay_b = (version[b], self.cached_affinity(v, b))
                pairwise = to_b + to_a[1] - stay_b[1] - 2 * self.unit_pair(u, v)
                if pairwise + wn * (bound_u + self.coverage_bound(v, a)) <= best[0]:
                    continue
                delta = self.with_coverage(pairwise, u, v, b)
                if delta > best[0]:
                    best = (delta, b, v)
        return best

    def move(self, u: int, b: int) -> None:
        a = self.cohort_of[u]
        self._count(a, self.units[u], -1)
        self._count(b, self.units[u], 1)
        for m in self.units[u]:
            self.members[a].remove(m)
            self.members[b].append(m)
        self.units_in[a].remove(u)
        self.units_in[b].append(u)
        self.cohort_of[u] = b
        self.clock += 1
        self.version[a] = self.version[b] = self.clock

    def run(self, seed: int) -> int:
        """Improve until no step helps (or ``MAX_PASSES``); returns the passes run."""
        order = np.random.default_rng(seed).permutation(len(self.units)).tolist()
        while len(self.pass_gains) < MAX_PASSES:
            gain = 0.0
            for u in order:
                candidates = self.candidates(u)
                if self.settled(u, candidates):
                    continue
                self.visits += 1
                delta, b, v = self.best_step(u, candidates)
                if b < 0:
                    self.checked_at[u] = self.clock
                    continue
                a = self.cohort_of[u]
                self.move(u, b)
                if v is not None:
                    self.move(v, a)
                self.improvements += 1
                gain += delta
            self.pass_gains.append(gain)
            self.pass_visits.append(self.visits)
            if gain == 0.0 or self.converging():
                break
        return len(self.pass_gains)

    def converging(self) -> bool:
        """Large pools stop once a pass gains less than ``MIN_PASS_GAIN`` of all gains."""
        total = sum(self.pass_gains)
        return not self.search_all and self.pass_gains[-1] < MIN_PASS_GAIN * total

    def objective(self) -> float:
        pair, wn = self.pool.pair, self.pool.weights.needs
        total = 0.0
        for c, members in enumerate(self.members):
            total += sum(pair(x, y) for i, x in enumerate(members) for y in members[i + 1 :])
            total += wn * sum(
                _coverage(s, n, b)
                for s, n, b in zip(self.strong[c], self.needing[c], self.both[c], strict=True)
            )
        return total


# ----------------------------------------------------------------------------- public API


def propose_cohorts(
    graph: FamilyGraph,
    pool: Sequence[str],
    *,
    min_size: int = 6,
    max_size: int = 8,
    weights: FormationWeights | None = None,
    seed: int = 0,
    must_stay_together: Iterable[Collection[str]] = (),
) -> Proposal:
    """Split ``pool`` into cohorts of ``min_size..max_size`` maximising ``F`` (module doc).

    Raises :class:`ValidationFailed` (field ``pool``, ``must_stay_together``, ``min_size`` or
    ``max_size``) when the pool has duplicated or unknown ids or families without matching
    consent, when it cannot be split into valid sizes, or when a must-stay-together group
    is larger than ``max_size`` or the groups cannot be kept whole.
    """
    weights = weights or FormationWeights()
    ids, blocks = _validated_blocks(graph, pool, min_size, max_size, must_stay_together)
    data = _Pool(graph, ids, weights)
    block_units = [[data.index[f] for f in block] for block in blocks]
    in_blocks = {m for block in block_units for m in block}
    units = block_units + [[i] for i in range(len(ids)) if i not in in_blocks]
    plan = pack_blocks([len(b) for b in blocks], len(ids) - len(in_blocks), min_size, max_size)
    assert plan is not None  # feasibility was checked by _validated_blocks
    top = data.top_neighbours(NEIGHBOURS, seed)
    communities = _communities(data, block_units, max_size, seed)
    cohorts = _seed_cohorts(data, block_units, plan, communities, top)
    search = _Search(data, units, cohorts, top, (min_size, max_size))
    passes = search.run(seed)
    final = [sorted(ids[m] for m in members) for members in search.members]
    final.sort(key=lambda members: members[0])
    return Proposal(
        cohorts=tuple(_proposed(graph, members) for members in final),
        quality=quality(graph, final, min_size=min_size, max_size=max_size),
        objective=search.objective(),
        passes=passes,
        improvements=search.improvements,
    )


def _goal_label(goal: str) -> str:
    return vocabulary().goal_categories.get(goal, GOAL_CATEGORIES.get(goal, goal)).lower()


def _skill_label(skill: str) -> str:
    return vocabulary().skills.get(skill, SKILLS.get(skill, skill)).lower()


def _proposed(graph: FamilyGraph, members: Sequence[str]) -> ProposedCohort:
    goal_counts: dict[str, int] = {}
    for m in members:
        for goal in _counted_goals(graph.nodes[m]["goals"]):
            goal_counts[goal] = goal_counts.get(goal, 0) + 1
    shared = tuple(
        sorted(((g, c) for g, c in goal_counts.items() if c >= 2), key=lambda gc: (-gc[1], gc[0]))
    )
    ties = tie_graph(graph.subgraph(members), include_cohort=False).number_of_edges()
    met = _needs_met(graph, members)
    languages = set.intersection(*(set(graph.nodes[m]["languages"]) for m in members))
    rationale = CohortRationale(
        shared_goals=shared,
        ties_kept=ties,
        needs_met=met,
        common_languages=tuple(sorted(languages)),
        summary=_summary(len(members), shared, ties, met, sorted(languages)),
    )
    return ProposedCohort(members=tuple(members), rationale=rationale)


def _needs_met(graph: FamilyGraph, members: Sequence[str]) -> tuple[tuple[str, int], ...]:
    met: dict[str, int] = {}
    for m in members:
        for need in graph.nodes[m]["needs"]:
            if any(need in graph.nodes[o]["strengths"] for o in members if o != m):
                met[need] = met.get(need, 0) + 1
    return tuple(sorted(met.items(), key=lambda nc: (-nc[1], nc[0])))


def _summary(
    size: int,
    shared: Sequence[tuple[str, int]],
    ties: int,
    met: Sequence[tuple[str, int]],
    languages: Sequence[str],
) -> str:
    parts = [f"{size} families"]
    if shared:
        goals = ", ".join(f"{_goal_label(g)} ({c})" for g, c in shared[:3])
        parts.append(f"shared goals: {goals}")
    if ties:
        parts.append(f"keeps {ties} existing tie{'s' if ties != 1 else ''} together")
    if met:
        needs = ", ".join(f"{_skill_label(s)} ({c})" for s, c in met[:3])
        parts.append(f"needs met inside: {needs}")
    if languages:
        parts.append(f"common language{'s' if len(languages) != 1 else ''}: {', '.join(languages)}")
    return "; ".join(parts) + "."


def quality(
    graph: FamilyGraph,
    cohorts: Sequence[Sequence[str]],
    *,
    min_size: int = 6,
    max_size: int = 8,
) -> ProposalQuality:
    """Quality figures of any partition (see :class:`ProposalQuality`)."""
    goals = {m: _counted_goals(graph.nodes[m]["goals"]) for c in cohorts for m in c}
    similarities = [
        _jaccard(goals[x], goals[y]) for c in cohorts for i, x in enumerate(c) for y in c[i + 1 :]
    ]
    cohort_of = {m: k for k, c in enumerate(cohorts) for m in c}
    ties = tie_graph(graph.subgraph(list(cohort_of)), include_cohort=False)
    kept = sum(1 for u, v in ties.edges() if cohort_of[u] == cohort_of[v])
    needs_total = sum(len(graph.nodes[m]["needs"]) for m in cohort_of)
    needs_met = sum(count for c in cohorts for _, count in _needs_met(graph, c))
    invalid = sum(1 for c in cohorts if not min_size <= len(c) <= max_size)
    return ProposalQuality(
        cohorts=len(cohorts),
        mean_goal_similarity=float(np.mean(similarities)) if similarities else 0.0,
        ties_kept_share=kept / ties.number_of_edges() if ties.number_of_edges() else 1.0,
        ties_total=ties.number_of_edges(),
        needs_covered_share=needs_met / needs_total if needs_total else 1.0,
        sizes_valid=invalid == 0,
        invalid_sizes=invalid,
    )


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


# ----------------------------------------------------------------------------- baselines


def random_partition(
    pool: Sequence[str], min_size: int = 6, max_size: int = 8, seed: int = 0
) -> list[list[str]]:
    """A uniformly random split into balanced valid sizes (each cohort sorted)."""
    ids = sorted(pool)
    sizes = cohort_sizes(len(ids), min_size, max_size)
    shuffled = [ids[i] for i in np.random.default_rng(seed).permutation(len(ids))]
    bounds = np.cumsum([0, *sizes]).tolist()
    return [sorted(shuffled[a:b]) for a, b in itertools.pairwise(bounds)]


def kmeans_partition(
    graph: FamilyGraph,
    pool: Sequence[str],
    min_size: int = 6,
    max_size: int = 8,
    seed: int = 0,
) -> list[list[str]]:
    """KMeans on multi-hot features, then a greedy fill of balanced valid sizes: families in
    order of distance to their nearest centroid take the nearest centroid with room."""
    from sklearn.cluster import KMeans  # imported lazily: only the baseline needs it

    ids = sorted(pool)
    sizes = cohort_sizes(len(ids), min_size, max_size)
    features = _Pool(graph, ids, FormationWeights()).feature_matrix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate points: fewer distinct clusters is fine
        model = KMeans(n_clusters=len(sizes), n_init=1, random_state=seed).fit(features)
    distances = np.asarray(model.transform(features))
    labels = np.asarray(model.labels_)
    popularity = np.bincount(labels, minlength=len(sizes))
    capacity = np.zeros(len(sizes), dtype=int)
    capacity[np.argsort(-popularity, kind="stable")] = sorted(sizes, reverse=True)
    groups: list[list[str]] = [[] for _ in sizes]
    for i in np.argsort(distances.min(axis=1), kind="stable").tolist():
        for c in np.argsort(distances[i], kind="stable").tolist():
            if capacity[c] > 0:
                capacity[c] -= 1
                groups[c].append(ids[i])
                break
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def compare(
    graph: FamilyGraph,
    pool: Sequence[str],
    *,
    min_size: int = 6,
    max_size: int = 8,
    weights: FormationWeights | None = None,
    seed: int = 0,
    must_stay_together: Iterable[Collection[str]] = (),
) -> list[QualityRow]:
    """The proposal against the random and k-means baselines, with wall-clock seconds."""
    rows: list[QualityRow] = []
    began = time.perf_counter()
    proposal = propose_cohorts(
        graph,
        pool,
        min_size=min_size,
        max_size=max_size,
        weights=weights,
        seed=seed,
        must_stay_together=must_stay_together,
    )
    rows.append(QualityRow("proposal", proposal.quality, time.perf_counter() - began))
    for method in ("random", "kmeans"):
        began = time.perf_counter()
        if method == "random":
            cohorts = random_partition(pool, min_size, max_size, seed)
        else:
            cohorts = kmeans_partition(graph, pool, min_size, max_size, seed)
        figures = quality(graph, cohorts, min_size=min_size, max_size=max_size)
        rows.append(QualityRow(method, figures, time.perf_counter() - began))
    return rows


# ----------------------------------------------------------------------------- test data


def homophilous_family_graph(
    families: int, *, seed: int = 0, regions: int = 3, profiles: int = 12
) -> FamilyGraph:
    """A quick synthetic :data:`FamilyGraph` for tests and measurements (a stand-in until
    ``loaders/synthetic.py`` exists): each family has a hidden profile that favours three
    goals, a skill mix and a language; ~1.5 ties per family, 85% of them to the same profile
    in the same region. Every family consents to matching."""
    rng = np.random.default_rng(seed)
    goals, skills = sorted(GOAL_CATEGORIES), sorted(SKILLS)
    favourite = [rng.choice(len(goals), 3, replace=False) for _ in range(profiles)]
    profile_skills = [rng.choice(len(skills), 4, replace=False) for _ in range(profiles)]
    profile_language = [("en", "es", "vi", "zh")[p % 4] for p in range(profiles)]
    graph: FamilyGraph = nx.MultiDiGraph()
    profile = rng.integers(0, profiles, families)
    region = rng.integers(0, regions, families)
    ids = [f"f{i:05d}" for i in range(families)]
    for i, family in enumerate(ids):
        p = int(profile[i])
        graph.add_node(
            family,
            **_synthetic_family(
                rng,
                p,
                favourite[p],
                profile_skills[p],
                profile_language[p],
                int(region[i]),
                goals,
                skills,
            ),
        )
    groups: dict[tuple[int, int], list[int]] = {}
    for i in range(families):
        groups.setdefault((int(profile[i]), int(region[i])), []).append(i)
    for i in range(families):
        for _ in range(int(rng.poisson(0.75))):
            peers = groups[(int(profile[i]), int(region[i]))]
            j = int(rng.choice(peers)) if rng.random() < 0.85 else int(rng.integers(families))
            if j != i:
                kind = HELPED if rng.random() < 0.8 else REFERRED
                key = f"h{i}-{j}" if kind == HELPED else REFERRED
                graph.add_edge(ids[i], ids[j], key=key, kind=kind, at=date(2025, 1, 1))
    graph.graph["cohorts"], graph.graph["regions"] = {}, {}
    return graph


def _synthetic_family(
    rng: np.random.Generator,
    profile: int,
    favourite: NDArray[Any],
    profile_skills: NDArray[Any],
    language: str,
    region: int,
    goals: Sequence[str],
    skills: Sequence[str],
) -> dict[str, Any]:
    chosen = {
        goals[int(rng.choice(favourite))]
        if rng.random() < 0.8
        else goals[int(rng.integers(len(goals)))]
        for _ in range(int(rng.integers(1, 4)))
    }
    strengths = {skills[int(rng.choice(profile_skills))] for _ in range(int(rng.integers(1, 3)))}
    needs = {skills[int(rng.integers(len(skills)))] for _ in range(int(rng.integers(1, 3)))}
    languages = {"en", language} if rng.random() < 0.7 else {language}
    since = date(2025, 1, 1)
    return {
        "region": f"r{region}",
        "cohort": None,
        "household_size": int(rng.integers(1, 8)),
        "languages": tuple(sorted(languages)),
        "income_band": int(rng.integers(1, 6)),
        "baseline_income_band": None,
        "strengths": tuple(sorted(strengths)),
        "needs": tuple(sorted(needs - strengths)),
        "joined_at": since,
        "consent_matching": True,
        "consent_cross_region": True,
        "consent_research": True,
        "goals": {g: GoalState(GoalStatus.ACTIVE, since) for g in sorted(chosen)},
    }
