r"""Offline evaluation of peer matching (the benchmark's timing floors are in
:mod:`~graph_service.analytics.match_timing`).

Protocol (link prediction with hidden ties, Liben-Nowell & Kleinberg 2007)
-------------------------------------------------------------------------
1. The observed help ties are the unordered pairs ``{u, v}`` with at least one ``helped``
   edge. A share ``hide_fraction`` of them, drawn with ``seed``, is *hidden*: every help
   edge of a hidden pair is removed, and :class:`MatchIndex` is rebuilt on what remains.
2. Every family that may ask (matching consent) and has at least one hidden partner it
   could be shown is evaluated. Its candidates are :meth:`MatchIndex.eligible_mask` with
   ``scope=Scope.ANY`` and ``include_cohort=True``: hidden help often runs inside a cohort, and
   leaving cohort mates out would make those ties unrecoverable for every method alike,
   which measures the filter, not the ranking. (``include_cohort=False`` evaluates the
   product's default instead: only ties to families outside one's cohort count.) Families it still has help ties with are
   excluded (the usual protocol: rank non-neighbours). Partners that consent rules hide
   (no matching consent, cross-region without both consents) are not part of the truth.
3. Every method ranks the *same* candidates of the *same* split, keeping its top ``k``:

   - ``matcher``: :meth:`MatchIndex.matches`;
   - ``random``: ``k`` candidates drawn uniformly (seeded);
   - ``goal_jaccard``: Jaccard of the goal sets (pursued now or achieved),
     ``|G_u ∩ G_v| / |G_u ∪ G_v|``;
   - ``adamic_adar``: ``sum 1/ln deg(z)`` over common neighbours in the remaining tie graph
     (help + cohort).

   The baselines rank only candidates with a positive score (a zero is no prediction);
   ties by family id.
4. With ``T`` the hidden partners and ``R`` the top-``k`` list:
   ``precision@k = |R ∩ T| / k``, ``recall@k = |R ∩ T| / |T|``,
   ``NDCG@k = sum_{i: R_i in T} 1/log2(i + 1) / sum_{i=1}^{min(|T|, k)} 1/log2(i + 1)``
   (Järvelin & Kekäläinen 2002), averaged over evaluated families (macro average).

Only aggregates leave this module; no family id appears in an :class:`EvalReport`.

Example
-------
>>> from graph_service.analytics.match_random import random_family_graph
>>> graph = random_family_graph(300, seed=1)
>>> report = evaluate(graph, seed=2)
>>> [row.method for row in report.rows]
['matcher', 'random', 'goal_jaccard', 'adamic_adar']
>>> report.rows[0].families == report.rows[1].families > 0
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.preprocessing import MultiLabelBinarizer

from graph_service.analytics.family_graph import (
    HELPED,
    FamilyGraph,
    edge_values,
)
from graph_service.analytics.match_ties import IntArray
from graph_service.analytics.matching import BoolArray, MatchIndex, MatchWeights, Scope

METHODS = ("matcher", "random", "goal_jaccard", "adamic_adar")

Ranker = Callable[[int, BoolArray], IntArray]


@dataclass(frozen=True)
class EvalRow:
    """One method's averages over the evaluated families."""

    method: str
    precision_at_k: float
    recall_at_k: float
    ndcg_at_k: float
    families: int
    ms_per_query: float


@dataclass(frozen=True)
class LanguageShare:
    """How many of the matcher's suggestions share a language with the asking family, over
    the evaluated families who speak exactly one language (and those of them whose one
    language is not English)."""

    families: int
    suggestions: int
    shared: int
    families_without_shared: int  # got suggestions, none sharing a language
    non_english_families: int
    non_english_suggestions: int
    non_english_shared: int

    @property
    def share(self) -> float:
        return self.shared / self.suggestions if self.suggestions else 1.0

    @property
    def non_english_share(self) -> float:
        if not self.non_english_suggestions:
            return 1.0
        return self.non_english_shared / self.non_english_suggestions


@dataclass(frozen=True)
class EvalReport:
    rows: tuple[EvalRow, ...]
    k: int
    hide_fraction: float
    seed: int
    hidden_pairs: int
    ceiling_precision_at_k: float  # a perfect ranker: mean of min(|T|, k) / k
    language: LanguageShare | None = None

    def row(self, method: str) -> EvalRow:
        return next(r for r in self.rows if r.method == method)

    @property
    def best_baseline(self) -> EvalRow:
        """The baseline with the highest precision@k (then NDCG@k, then listed first)."""
        baselines = [r for r in self.rows if r.method != "matcher"]
        return max(baselines, key=lambda r: (r.precision_at_k, r.ndcg_at_k))

    @property
    def lift(self) -> float:
        """Relative precision@k gain of the matcher over the best baseline (0.2 = +20%)."""
        best = self.best_baseline.precision_at_k
        return self.row("matcher").precision_at_k / best - 1.0 if best > 0 else math.inf

    def table(self) -> str:
        k = self.k
        lines = [
            f"{'method':<14}{'p@' + str(k):>9}{'r@' + str(k):>9}{'ndcg@' + str(k):>10}"
            f"{'families':>10}{'ms/query':>10}"
        ]
        for r in self.rows:
            lines.append(
                f"{r.method:<14}{r.precision_at_k:>9.4f}{r.recall_at_k:>9.4f}"
                f"{r.ndcg_at_k:>10.4f}{r.families:>10}{r.ms_per_query:>10.3f}"
            )
        lines.append(
            f"hidden pairs {self.hidden_pairs}, ceiling p@{k} {self.ceiling_precision_at_k:.4f}, "
            f"best baseline {self.best_baseline.method}, matcher lift on p@{k}: {self.lift:+.1%}"
        )
        if self.language is not None:
            lang = self.language
            lines.append(
                f"one-language families {lang.families}: {lang.shared}/{lang.suggestions} "
                f"suggestions share a language ({lang.share:.1%}), "
                f"{lang.families_without_shared} families got none; not English: "
                f"{lang.non_english_shared}/{lang.non_english_suggestions} "
                f"({lang.non_english_share:.1%}) over {lang.non_english_families} families"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Splitting and metrics


def help_pairs(graph: FamilyGraph) -> list[tuple[str, str]]:
    """Observed help ties as sorted unordered pairs, in a stable order.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.

    Returns
    -------
    list of (str, str)
        Each pair ``(u, v)`` with ``u < v`` that exchanged help, sorted.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> graph = random_family_graph(60, seed=1)
    >>> all(u < v for u, v in help_pairs(graph))
    True
    """
    pairs = {
        (min(u, v), max(u, v))
        for u, v, kind in edge_values(graph, "kind")
        if kind == HELPED and u != v
    }
    return sorted(pairs)


def hide_help_ties(
    graph: FamilyGraph, *, hide_fraction: float, seed: int
) -> tuple[FamilyGraph, list[tuple[str, str]]]:
    """A copy of ``graph`` without every help edge of a seeded random share of help pairs,
    and the hidden pairs.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    hide_fraction : float
        Share of help pairs to hide, in (0, 1).
    seed : int
        Seed of the draw.

    Returns
    -------
    tuple of (FamilyGraph, list of (str, str))
        The graph without the hidden pairs' help edges, and the hidden pairs.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> graph = random_family_graph(60, seed=1)
    >>> kept, hidden = hide_help_ties(graph, hide_fraction=0.5, seed=1)
    >>> len(help_pairs(kept)) + len(hidden) == len(help_pairs(graph))
    True
    """
    if not 0 < hide_fraction < 1:
        raise ValueError("hide_fraction must be in (0, 1)")
    pairs = help_pairs(graph)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pairs), size=round(hide_fraction * len(pairs)), replace=False)
    hidden = sorted(pairs[i] for i in chosen)
    hidden_set = set(hidden)
    remaining = graph.copy()
    remaining.remove_edges_from(
        [
            (u, v, key)
            for u, v, key, data in graph.edges(keys=True, data=True)
            if data.get("kind") == HELPED and (min(u, v), max(u, v)) in hidden_set
        ]
    )
    return remaining, hidden


def precision_recall_ndcg(ranked: Sequence[int], truth: set[int], k: int) -> tuple[float, ...]:
    """``(precision@k, recall@k, NDCG@k)`` of one ranked list against a non-empty truth.

    Parameters
    ----------
    ranked : sequence of int
        A method's ranked list.
    truth : set of int
        The hidden partners (not empty).
    k : int
        The cut-off.

    Returns
    -------
    tuple of float
        ``(precision@k, recall@k, NDCG@k)``.

    References
    ----------
    Järvelin & Kekäläinen (2002).

    Examples
    --------
    >>> precision_recall_ndcg([5, 7, 9], {7}, 2)
    (0.5, 1.0, 0.6309297535714575)
    """
    top = list(ranked)[:k]
    gains = [1.0 / math.log2(i + 2) for i, item in enumerate(top) if item in truth]
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(truth), k)))
    return len(gains) / k, len(gains) / len(truth), sum(gains) / ideal


# ---------------------------------------------------------------------------------------
# Rankers


def _top_positive(scores: npt.NDArray[np.float64], rows: IntArray, k: int) -> IntArray:
    """The ``k`` rows with the best positive scores, ties by row."""
    positive = scores > 0
    rows, scores = rows[positive], scores[positive]
    return rows[np.lexsort((rows, -scores))[:k]]


def _goal_matrix(index: MatchIndex) -> sp.csr_matrix:
    goals = sorted(index.goal_holders)
    sets = [
        set(p.active) | {g for g, _ in p.achieved} if p is not None else set()
        for p in index.profiles
    ]
    encoded = MultiLabelBinarizer(classes=goals, sparse_output=True).fit_transform(sets)
    return sp.csr_matrix(encoded, dtype=np.float64)


def _rankers(
    index: MatchIndex, k: int, seed: int, include_cohort: bool, any_language: bool
) -> dict[str, Ranker]:
    rng = np.random.default_rng(seed)
    goals = _goal_matrix(index)
    sizes = np.asarray(goals.sum(axis=1)).ravel()

    def matcher(me: int, _: BoolArray) -> IntArray:
        found = index.matches(
            index.family_ids[me],
            first=k,
            scope=Scope.ANY,
            include_cohort=include_cohort,
            any_language=any_language,
        )
        return np.array([index.position[m.family_id] for m in found], dtype=np.int64)

    def random(_: int, eligible: BoolArray) -> IntArray:
        rows = np.flatnonzero(eligible)
        return rng.choice(rows, size=min(k, len(rows)), replace=False).astype(np.int64)

    def goal_jaccard(me: int, eligible: BoolArray) -> IntArray:
        rows = np.flatnonzero(eligible)
        overlap = np.asarray(goals[rows] @ goals[me].T.toarray()).ravel()
        union = sizes[rows] + sizes[me] - overlap
        jaccard = np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)
        return _top_positive(jaccard, rows.astype(np.int64), k)

    def adamic_adar(me: int, eligible: BoolArray) -> IntArray:
        nodes, _, scores = index.two_hop(me)
        keep = eligible[nodes]
        return _top_positive(scores[keep], nodes[keep], k)

    return {
        "matcher": matcher,
        "random": random,
        "goal_jaccard": goal_jaccard,
        "adamic_adar": adamic_adar,
    }


# ---------------------------------------------------------------------------------------
# Evaluation


def evaluate(
    graph: FamilyGraph,
    *,
    hide_fraction: float = 0.2,
    seed: int,
    k: int = 10,
    weights: MatchWeights | None = None,
    include_cohort: bool = True,
    any_language: bool = False,
) -> EvalReport:
    """Hide help ties, rebuild, and score the matcher and the baselines (module docstring).

    ``any_language`` asks the matcher without its language requirement. The truth and the
    baselines' candidates never depend on it (they are language-blind, as before the
    requirement existed), so figures with and without it compare; the report's
    :class:`LanguageShare` counts the matcher's suggestions that share a language.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph with its help ties.
    hide_fraction : float, default 0.2
        Share of help pairs hidden, in (0, 1).
    seed : int
        Seed of the split and of the random baseline.
    k : int, default 10
        Length of each ranked list.
    weights : MatchWeights, optional
        The matcher's weights.
    include_cohort : bool, default True
        Whether cohort mates are candidates (module docstring, step 2).
    any_language : bool, default False
        Ask the matcher without its language requirement.

    Returns
    -------
    EvalReport
        One row per method (precision, recall, NDCG at ``k``, families evaluated) and the
        language share of the matcher's suggestions.

    References
    ----------
    Liben-Nowell & Kleinberg, JASIST 58 (2007); Järvelin & Kekäläinen, "Cumulated
    gain-based evaluation of IR techniques", *ACM TOIS* 20 (2002).

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> graph = random_family_graph(60, seed=1)
    >>> [row.method for row in evaluate(graph, seed=2).rows]
    ['matcher', 'random', 'goal_jaccard', 'adamic_adar']
    """
    remaining, hidden = hide_help_ties(graph, hide_fraction=hide_fraction, seed=seed)
    index = MatchIndex.build(remaining, weights=weights)
    partners: dict[int, set[int]] = {}
    for u, v in hidden:
        a, b = index.position[u], index.position[v]
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    rankers = _rankers(index, k, seed + 1, include_cohort, any_language)
    language = np.zeros(7, dtype=np.int64)
    totals = {m: np.zeros(3) for m in METHODS}
    seconds = dict.fromkeys(METHODS, 0.0)
    evaluated = 0
    ceiling = 0.0
    for me in sorted(partners):
        if not index.matchable[me]:
            continue
        eligible = index.eligible_mask(
            me, scope=Scope.ANY, include_cohort=include_cohort, any_language=True
        )
        truth = {p for p in partners[me] if eligible[p]}
        if not truth:
            continue
        evaluated += 1
        ceiling += min(len(truth), k) / k
        for method, ranker in rankers.items():
            began = time.perf_counter()
            ranked = ranker(me, eligible)
            seconds[method] += time.perf_counter() - began
            totals[method] += precision_recall_ndcg(ranked.tolist(), truth, k)
            if method == "matcher":
                language += _language_counts(index, me, ranked)
    per_family = max(evaluated, 1)
    rows = tuple(
        EvalRow(
            method=method,
            precision_at_k=float(totals[method][0] / per_family),
            recall_at_k=float(totals[method][1] / per_family),
            ndcg_at_k=float(totals[method][2] / per_family),
            families=evaluated,
            ms_per_query=1000.0 * seconds[method] / per_family,
        )
        for method in METHODS
    )
    share = LanguageShare(*(int(x) for x in language))
    return EvalReport(rows, k, hide_fraction, seed, len(hidden), ceiling / per_family, share)


def _language_counts(index: MatchIndex, me: int, ranked: IntArray) -> npt.NDArray[np.int64]:
    """The :class:`LanguageShare` counts of one family's suggestions (zeros unless it
    speaks exactly one language)."""
    counts = np.zeros(7, dtype=np.int64)
    mine = index.profiles[me]
    if mine is None or len(set(mine.languages)) != 1 or len(ranked) == 0:
        return counts
    spoken = set(mine.languages)
    shared = sum(
        1
        for row in ranked
        if (p := index.profiles[int(row)]) is not None and spoken & set(p.languages)
    )
    counts[:4] = (1, len(ranked), shared, int(shared == 0))
    if spoken != {"en"}:
        counts[4:] = (1, len(ranked), shared)
    return counts
