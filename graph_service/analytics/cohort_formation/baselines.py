"""Baselines a proposal is measured against: a random split and k-means with a greedy fill."""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from graph_service.analytics.cohort_formation.model import FormationWeights, QualityRow
from graph_service.analytics.cohort_formation.packing import cohort_sizes
from graph_service.analytics.cohort_formation.pool import Pool
from graph_service.analytics.cohort_formation.propose import propose_cohorts, quality
from graph_service.analytics.family_graph import FamilyGraph
from models import COHORT_FULL_SIZE, COHORT_MIN_SIZE


def random_partition(
    pool: Sequence[str],
    min_size: int = COHORT_MIN_SIZE,
    max_size: int = COHORT_FULL_SIZE,
    seed: int = 0,
) -> list[list[str]]:
    """A uniformly random split into balanced valid sizes (each cohort sorted).

    Parameters
    ----------
    pool : sequence of str
        The families to split.
    min_size, max_size : int, default ``models.COHORT_MIN_SIZE`` and ``models.COHORT_FULL_SIZE``
        Cohort sizes allowed.
    seed : int, default 0
        Seed of the shuffle.

    Returns
    -------
    list of list of str
        The cohorts, each sorted.

    Examples
    --------
    >>> [len(c) for c in random_partition([f"f{i}" for i in range(13)], 6, 8, seed=1)]
    [7, 6]
    """
    ids = sorted(pool)
    sizes = cohort_sizes(len(ids), min_size, max_size)
    shuffled = [ids[i] for i in np.random.default_rng(seed).permutation(len(ids))]
    bounds = np.cumsum([0, *sizes]).tolist()
    return [sorted(shuffled[a:b]) for a, b in itertools.pairwise(bounds)]


def kmeans_partition(
    graph: FamilyGraph,
    pool: Sequence[str],
    min_size: int = COHORT_MIN_SIZE,
    max_size: int = COHORT_FULL_SIZE,
    seed: int = 0,
) -> list[list[str]]:
    """KMeans on multi-hot features, then a greedy fill of balanced valid sizes: families in
    order of distance to their nearest centroid take the nearest centroid with room.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    pool : sequence of str
        The families to split.
    min_size, max_size : int, default ``models.COHORT_MIN_SIZE`` and ``models.COHORT_FULL_SIZE``
        Cohort sizes allowed.
    seed : int, default 0
        Seed of k-means.

    Returns
    -------
    list of list of str
        The cohorts, each sorted.

    References
    ----------
    Lloyd (1982); scikit-learn ``KMeans``.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> [len(c) for c in kmeans_partition(g, sorted(g), 6, 6)]
    [6, 6]
    """
    from sklearn.cluster import KMeans  # imported lazily: only the baseline needs it

    ids = sorted(pool)
    sizes = cohort_sizes(len(ids), min_size, max_size)
    features = Pool(graph, ids, FormationWeights()).feature_matrix()
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
    min_size: int = COHORT_MIN_SIZE,
    max_size: int = COHORT_FULL_SIZE,
    weights: FormationWeights | None = None,
    seed: int = 0,
    must_stay_together: Iterable[Collection[str]] = (),
) -> list[QualityRow]:
    """The proposal against the random and k-means baselines, with wall-clock seconds.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    pool : sequence of str
        The families to split.
    min_size, max_size : int, default ``models.COHORT_MIN_SIZE`` and ``models.COHORT_FULL_SIZE``
        Cohort sizes allowed.
    weights : FormationWeights, optional
        The objective's weights (default: :class:`FormationWeights`).
    seed : int, default 0
        Seed of the proposal and of both baselines.
    must_stay_together : iterable of collections of str
        Groups kept in one cohort by the proposal.

    Returns
    -------
    list of QualityRow
        One row each for the proposal, ``random`` and ``kmeans``, with seconds taken.

    References
    ----------
    Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28 (1982)
    (k-means, through scikit-learn).

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> [row.method for row in compare(g, sorted(g), min_size=6, max_size=6)]
    ['proposal', 'random', 'kmeans']
    """
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
    seconds = time.perf_counter() - began
    rows.append(QualityRow("proposal", proposal.quality, seconds, len(proposal.left_over)))
    for method in ("random", "kmeans"):
        began = time.perf_counter()
        if method == "random":
            cohorts = random_partition(pool, min_size, max_size, seed)
        else:
            cohorts = kmeans_partition(graph, pool, min_size, max_size, seed)
        figures = quality(graph, cohorts, min_size=min_size, max_size=max_size)
        rows.append(QualityRow(method, figures, time.perf_counter() - began))
    return rows
