"""The floors the matching benchmark compares :meth:`MatchIndex.matches` with, and the timing
of all three (``graph-service bench matching`` prints them with their ratio).

- ``numpy_floor``: the least any retrieval over the index must do, one sparse mat-vec
  ``X q_u``;
- ``sklearn_floor``: scikit-learn's exact cosine search over the same matrix (no masks, no
  graph).

Examples
--------
>>> from graph_service.analytics.match_random import random_family_graph
>>> index = MatchIndex.build(random_family_graph(50, seed=1))
>>> numpy_floor(index, index.family_ids[0]).shape == (50,)
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.neighbors import NearestNeighbors

from graph_service.analytics.match_ties import IntArray
from graph_service.analytics.matching import MatchIndex, Scope


def numpy_floor(index: MatchIndex, family_id: str) -> npt.NDArray[np.float32]:
    """The least any retrieval over this index must do: one sparse mat-vec ``X q_u``.

    Parameters
    ----------
    index : MatchIndex
        The match index.
    family_id : str
        The asking family.

    Returns
    -------
    numpy.ndarray
        The content score of every row.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> numpy_floor(index, index.family_ids[0]).shape
    (30,)
    """
    return index.content_scores(index.family_position(family_id))


def fit_sklearn_floor(index: MatchIndex) -> NearestNeighbors:
    """scikit-learn's exact cosine search over the same matrix (fit once, outside timing).

    Parameters
    ----------
    index : MatchIndex
        The match index.

    Returns
    -------
    sklearn.neighbors.NearestNeighbors
        Fitted on ``X`` with cosine distance, brute force.

    References
    ----------
    Pedregosa et al., "Scikit-learn: machine learning in Python", *JMLR* 12 (2011).

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> fit_sklearn_floor(index).n_samples_fit_
    30
    """
    return NearestNeighbors(metric="cosine", algorithm="brute").fit(index.matrix)


def sklearn_bruteforce_floor(
    model: NearestNeighbors, index: MatchIndex, family_id: str, *, k: int = 10
) -> IntArray:
    """Rows of the ``k`` nearest neighbours of ``q_u`` by cosine (no masks, no graph).

    Parameters
    ----------
    model : sklearn.neighbors.NearestNeighbors
        :func:`fit_sklearn_floor` of the index.
    index : MatchIndex
        The match index.
    family_id : str
        The asking family.
    k : int, default 10
        How many neighbours.

    Returns
    -------
    numpy.ndarray
        Their rows, nearest first.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> model = fit_sklearn_floor(index)
    >>> len(sklearn_bruteforce_floor(model, index, index.family_ids[0], k=3))
    3
    """
    query = index.query_vector(index.family_position(family_id)).reshape(1, -1)
    _, rows = model.kneighbors(query, n_neighbors=k)
    return np.asarray(rows[0], dtype=np.int64)


@dataclass(frozen=True)
class Timing:
    """Latency percentiles of one operation, milliseconds."""

    name: str
    p50_ms: float
    p99_ms: float


def time_queries(
    index: MatchIndex,
    family_ids: Sequence[str],
    *,
    scope: Scope = Scope.ANY,
    progress: Callable[[str], None] | None = None,
) -> tuple[Timing, Timing, Timing]:
    """p50/p99 of :meth:`MatchIndex.matches` and of the two floors over ``family_ids``.

    Each operation runs over all families in its own pass (interleaving them per family
    would let sklearn's large temporaries evict the matrix from cache before the next
    operation), in the order matches, numpy, sklearn and then again in reverse, so that a
    drift in machine load hits all three alike.

    Parameters
    ----------
    index : MatchIndex
        The match index.
    family_ids : sequence of str
        The asking families.
    scope : Scope, default Scope.ANY
        The matcher's scope.
    progress : callable, optional
        Called with each operation's name when its pass ends.

    Returns
    -------
    tuple of (Timing, Timing, Timing)
        ``matches``, ``numpy_floor`` and ``sklearn_floor``.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> [t.name for t in time_queries(index, index.family_ids[:3])]
    ['matches', 'numpy_floor', 'sklearn_floor']
    """
    model = fit_sklearn_floor(index)
    operations: dict[str, Callable[[str], object]] = {
        "matches": lambda f: index.matches(f, scope=scope),
        "numpy_floor": lambda f: numpy_floor(index, f),
        "sklearn_floor": lambda f: sklearn_bruteforce_floor(model, index, f),
    }
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for name in [*operations, *reversed(operations)]:
        operation = operations[name]
        for family_id in family_ids:
            began = time.perf_counter()
            operation(family_id)
            samples[name].append(1000.0 * (time.perf_counter() - began))
        if progress is not None:
            progress(name)
    timings = [
        Timing(name, float(np.percentile(values, 50)), float(np.percentile(values, 99)))
        for name, values in samples.items()
    ]
    return timings[0], timings[1], timings[2]
