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
    ``previous`` are the profiles before the change (what a row held, spoke, belonged to)."""
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
        touched_goals |= held(old) ^ held(p)
        touched_languages |= spoken(old) ^ spoken(p)
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
            mask[row] = goal in held(p)
        holders[goal] = mask
    for language in touched_languages:
        mask = speakers.get(language)
        mask = np.zeros(n, dtype=np.bool_) if mask is None else np.array(mask)
        for row, p in profiles.items():
            mask[row] = language in spoken(p)
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


def held(profile: Profile | None) -> set[str]:
    if profile is None:
        return set()
    return set(profile.active) | {g for g, _ in profile.achieved}


def spoken(profile: Profile | None) -> set[str]:
    return set(profile.languages) if profile is not None else set()


def ranks_with(
    sorted_ids: tuple[str, ...], id_rank: IntArray, new_ids: Iterable[str]
) -> tuple[tuple[str, ...], IntArray]:
    """``sorted_ids`` and the row ranks after appending rows for ``new_ids``."""
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
    """``base`` grown to ``n`` rows (and ``columns``) with ``rows`` replaced by ``patch``."""
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
