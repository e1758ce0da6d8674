"""The pool as integer-indexed arrays, and the pair weight ``w(i, j)`` of the objective."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from graph_service.analytics.cohort_formation.model import (
    COUNTED_GOAL_STATUSES,
    GOAL_TABLE,
    FormationWeights,
)
from graph_service.analytics.family_graph import FamilyGraph, GoalState, tie_graph


def counted_goals(goals: dict[str, GoalState]) -> frozenset[str]:
    """The goals of a family that count for goal similarity.

    Parameters
    ----------
    goals : dict of str to GoalState
        A family's goals (node attribute ``goals``).

    Returns
    -------
    frozenset of str
        The goals that count for similarity (active or achieved).

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.family_graph import GoalState
    >>> from models import GoalStatus
    >>> sorted(counted_goals({"a": GoalState(GoalStatus.ACTIVE, date(2025, 1, 1)),
    ...                       "b": GoalState(GoalStatus.ABANDONED, date(2025, 1, 1))}))
    ['a']
    """
    return frozenset(g for g, state in goals.items() if state.status in COUNTED_GOAL_STATUSES)


class Pool:
    """The pool as integer-indexed arrays: goal and language bit masks, skills, ties."""

    def __init__(self, graph: FamilyGraph, ids: Sequence[str], weights: FormationWeights):
        self.ids = list(ids)
        self.index = {family: i for i, family in enumerate(self.ids)}
        self.weights = weights
        nodes = [graph.nodes[f] for f in self.ids]
        self.goal_sets = [counted_goals(d["goals"]) for d in nodes]
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

    def top_neighbours(self, k: int, seed: int, language_bonus: float = 0.0) -> list[list[int]]:
        """For each family the ``k`` most similar others by ``w`` without the tie term (plus
        ``language_bonus`` for a shared language: the language rule's candidates); equal
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
            score += (w.languages + language_bonus) * ((langs[rows] @ langs.T) > 0)
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
