"""Live updates of the match index: the patch rows, masks and tie rows that
:meth:`graph_service.analytics.matching.MatchIndex.with_changes` changes, and folding the
patches back (:func:`merged`). Every function returns new arrays or a new index; nothing that
an existing index holds is changed, so readers of the old index are never disturbed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from graph_service.analytics.match_features import Profile
from graph_service.analytics.match_ties import IntArray, readonly, ties_of

if TYPE_CHECKING:
    from graph_service.analytics.matching import MatchIndex


def encoded_patch(index: MatchIndex, profiles: Mapping[int, Profile | None]) -> dict[str, Any]:
    """The feature patch of an index with the rows of ``profiles`` re-encoded.

    Parameters
    ----------
    index : MatchIndex
        The index before the change.
    profiles : Mapping of int to Profile or None
        The changed rows' new profiles (``None``: deleted).

    Returns
    -------
    dict of str to Any
        New ``patch_rows``, ``patch_matrix`` and ``patch_queries`` (``{}`` when nothing changed).

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> sorted(encoded_patch(index, {0: index.profiles[0]}))
    ['patch_matrix', 'patch_queries', 'patch_rows']
    """
    if not profiles:
        return {}
    changed = np.array(sorted(profiles), dtype=np.int64)
    x, q = index.encoder.encode([profiles[int(r)] for r in changed], index.weights)
    keep = ~np.isin(index.patch_rows, changed)
    rows = np.concatenate([index.patch_rows[keep], changed])
    order = np.argsort(rows, kind="stable")
    return {
        "patch_rows": readonly(rows[order]),
        "patch_matrix": sp.vstack([index.patch_matrix[keep], x], format="csr")[order],
        "patch_queries": sp.vstack([index.patch_queries[keep], q], format="csr")[order],
    }


def masks_changed(
    index: MatchIndex,
    profiles: Mapping[int, Profile | None],
    n: int,
    previous: Sequence[Profile | None],
) -> MatchIndex:
    """``index`` (which already holds the new ``profiles``) with its masks updated;
    ``previous`` are the profiles before the change (what a row held, spoke, belonged to).

    Parameters
    ----------
    index : MatchIndex
        The index, already holding the new profiles.
    profiles : Mapping of int to Profile or None
        The changed rows' new profiles.
    n : int
        The number of rows after the change.
    previous : sequence of Profile or None
        Every row's profile before the change.

    Returns
    -------
    MatchIndex
        A new index with region, consent, goal, language and cohort masks updated.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> same = masks_changed(index, {}, len(index.family_ids), index.profiles)
    >>> bool((same.matchable == index.matchable).all())
    True
    """
    if not profiles:
        return index
    grow = n - len(index.region_code)
    region_number = dict(index.region_number)
    for p in profiles.values():
        if p is not None and p.region not in region_number:
            region_number[p.region] = len(region_number)
    code = np.concatenate([index.region_code, np.full(grow, -1, dtype=np.int64)])
    matchable = np.concatenate([index.matchable, np.zeros(grow, dtype=np.bool_)])
    cross = np.concatenate([index.cross_region_ok, np.zeros(grow, dtype=np.bool_)])
    holders = dict(index.goal_holders)
    if grow:
        holders = {
            g: np.concatenate([m, np.zeros(grow, dtype=np.bool_)]) for g, m in holders.items()
        }
    members = dict(index.cohort_members)
    speakers = dict(index.language_speakers)
    if grow:
        speakers = {
            c: np.concatenate([m, np.zeros(grow, dtype=np.bool_)]) for c, m in speakers.items()
        }
    touched_languages: set[str] = set()
    touched_goals: set[str] = set()
    touched_cohorts: dict[str, set[int]] = {}
    for row, p in profiles.items():
        old = previous[row] if row < len(previous) else None
        code[row] = region_number[p.region] if p is not None else -1
        matchable[row] = p is not None and p.matching
        cross[row] = p is not None and p.matching and p.cross_region
        touched_goals |= _held(old) ^ _held(p)
        touched_languages |= _spoken(old) ^ _spoken(p)
        for profile, add in ((old, False), (p, True)):
            if profile is not None and profile.cohort is not None:
                current = members.get(profile.cohort)
                found = touched_cohorts.setdefault(
                    profile.cohort,
                    {int(r) for r in current} if current is not None else set(),
                )
                if add:
                    found.add(row)
                else:
                    found.discard(row)
    for goal in touched_goals:
        mask = holders.get(goal)
        mask = np.zeros(n, dtype=np.bool_) if mask is None else np.array(mask)
        for row, p in profiles.items():
            mask[row] = goal in _held(p)
        holders[goal] = mask
    for language in touched_languages:
        mask = speakers.get(language)
        mask = np.zeros(n, dtype=np.bool_) if mask is None else np.array(mask)
        for row, p in profiles.items():
            mask[row] = language in _spoken(p)
        speakers[language] = mask
    for cohort, found in touched_cohorts.items():
        if found:
            members[cohort] = readonly(np.array(sorted(found), dtype=np.int64))
        else:
            members.pop(cohort, None)
    return replace(
        index,
        region_number=region_number,
        region_code=readonly(code),
        matchable=readonly(matchable),
        cross_region_ok=readonly(cross),
        goal_holders={g: readonly(m) for g, m in holders.items()},
        cohort_members=members,
        language_speakers={c: readonly(m) for c, m in speakers.items()},
    )


def ties_changed(index: MatchIndex, ties: Mapping[tuple[int, int], int], n: int) -> MatchIndex:
    """``index`` with the tie rows of ``ties`` changed (kind bits, 0: no tie any more).

    Parameters
    ----------
    index : MatchIndex
        The index.
    ties : Mapping of (int, int) to int
        The changed pairs and their new kind bits.
    n : int
        The number of rows after the change.

    Returns
    -------
    MatchIndex
        A new index with the touched rows in its tie patch and degrees updated.

    Examples
    --------
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> from graph_service.analytics.matching import MatchIndex
    >>> index = MatchIndex.build(random_family_graph(30, seed=1))
    >>> from graph_service.analytics.match_ties import HELP_BIT, ties_of
    >>> changed = ties_changed(index, {(0, 1): HELP_BIT}, len(index.family_ids))
    >>> 1 in ties_of(changed, 0)[0].tolist()
    True
    """
    grow = n - len(index.tie_degree)
    if not ties and not grow:
        return index
    changed: dict[int, dict[int, int]] = {}
    for (u, v), bits in ties.items():
        for a, b in ((u, v), (v, u)):
            if a not in changed:
                neighbours, kinds = ties_of(index, a)
                changed[a] = dict(zip(neighbours.tolist(), kinds.tolist(), strict=True))
            if bits:
                changed[a][b] = bits
            else:
                changed[a].pop(b, None)
    patch = dict(index.tie_patch)
    degree = np.concatenate([index.tie_degree, np.zeros(grow)])
    for row, bits_of in changed.items():
        order = sorted(bits_of)
        patch[row] = (
            readonly(np.array(order, dtype=np.int64)),
            readonly(np.array([bits_of[k] for k in order], dtype=np.int8)),
        )
        degree[row] = len(order)
    return replace(index, tie_patch=patch, tie_degree=readonly(degree))


def _held(profile: Profile | None) -> set[str]:
    if profile is None:
        return set()
    return set(profile.active) | {g for g, _ in profile.achieved}


def _spoken(profile: Profile | None) -> set[str]:
    return set(profile.languages) if profile is not None else set()


def ranks_with(
    sorted_ids: tuple[str, ...], id_rank: IntArray, new_ids: Iterable[str]
) -> tuple[tuple[str, ...], IntArray]:
    """``sorted_ids`` and the row ranks after appending rows for ``new_ids``.

    Parameters
    ----------
    sorted_ids : tuple of str
        Every id given a row so far, sorted.
    id_rank : numpy.ndarray
        Each row's rank among them.
    new_ids : iterable of str
        Ids of the rows appended.

    Returns
    -------
    tuple of (tuple of str, numpy.ndarray)
        The sorted ids and the ranks of every row, new rows included.

    Examples
    --------
    >>> import numpy as np
    >>> ids, ranks = ranks_with(("a", "c"), np.array([0, 1]), ["b"])
    >>> ids, ranks.tolist()
    (('a', 'b', 'c'), [0, 2, 1])
    """
    ids = list(sorted_ids)
    ranks = np.array(id_rank)
    added = []
    for family_id in new_ids:
        at = bisect.bisect_left(ids, family_id)
        if at == len(ids) or ids[at] != family_id:
            ranks[ranks >= at] += 1
            ids.insert(at, family_id)
        added.append(at)
    return tuple(ids), readonly(np.concatenate([ranks, np.array(added, dtype=np.int64)]))


def merged(
    base: sp.csr_matrix, rows: IntArray, patch: sp.csr_matrix, n: int, *, columns: int | None = None
) -> sp.csr_matrix:
    """``base`` grown to ``n`` rows (and ``columns``) with ``rows`` replaced by ``patch``.

    Parameters
    ----------
    base : scipy.sparse.csr_matrix
        The base matrix.
    rows : numpy.ndarray
        Sorted rows to replace.
    patch : scipy.sparse.csr_matrix
        Their new contents, one row each.
    n : int
        Rows of the result.
    columns : int, optional
        Columns of the result (default: ``base``'s).

    Returns
    -------
    scipy.sparse.csr_matrix
        The merged matrix.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> base = sp.csr_matrix(np.eye(2))
    >>> merged(base, np.array([1]), sp.csr_matrix([[5.0, 5.0]]), 3).toarray().tolist()
    [[1.0, 0.0], [5.0, 5.0], [0.0, 0.0]]
    """
    width = columns if columns is not None else base.shape[1]
    nb = base.shape[0]
    indptr = np.concatenate([base.indptr, np.full(n - nb, base.indptr[-1])])
    grown = sp.csr_matrix((base.data, base.indices, indptr), shape=(n, width))
    keep = np.ones(n, dtype=base.dtype)
    keep[rows] = 0
    scatter = sp.csr_matrix(
        (np.ones(len(rows), dtype=base.dtype), (rows, np.arange(len(rows)))),
        shape=(n, len(rows)),
    )
    patch = sp.csr_matrix((patch.data, patch.indices, patch.indptr), shape=(len(rows), width))
    merged = sp.csr_matrix(sp.diags(keep) @ grown + scatter @ patch, dtype=base.dtype)
    merged.eliminate_zeros()
    merged.sort_indices()
    return merged


def id_ranks(family_ids: Sequence[str], sorted_ids: Sequence[str]) -> IntArray:
    """Each row's position in ``sorted_ids`` (the numbering :func:`ranks_with` keeps up when
    rows are added), so that ties among equal scores break by family id.

    Parameters
    ----------
    family_ids : sequence of str
        The id of each row (``""`` for a deleted family).
    sorted_ids : sequence of str
        Every id given a row, sorted.

    Returns
    -------
    numpy.ndarray
        One rank per row; a deleted row gets 0 (it is never a candidate).

    Examples
    --------
    >>> id_ranks(["b", "", "a"], ["a", "b"]).tolist()
    [1, 0, 0]
    """
    rank = {family_id: i for i, family_id in enumerate(sorted_ids)}
    return np.array([rank.get(f, 0) for f in family_ids], dtype=np.int64)
