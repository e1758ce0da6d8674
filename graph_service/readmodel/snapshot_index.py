"""The match index inside a read-model snapshot, so a restart serves matches at once.

Encoding 100,000 profiles into the index's feature matrices takes seconds (hashing goal
texts, multi-hot blocks, the tie adjacency); a snapshot keeps the matrices and masks of the
(compacted) index as arrays and the profiles as one compact JSON table, and loading them is
a matter of reading arrays. Only an index made with the default weights and pool, and with
the encoder in force when it is loaded (the same vocabularies), is saved or used; any other
is rebuilt from the projection.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graph_service.analytics.match_features import FeatureEncoder, MatchWeights, Profile
from graph_service.analytics.match_ties import readonly
from graph_service.analytics.matching import DEFAULT_POOL, MatchIndex

_SPARSE = ("base_matrix", "base_queries", "ties_base")
_DENSE = ("id_rank", "tie_degree", "region_code", "matchable", "cross_region_ok")


def savable(index: MatchIndex) -> bool:
    """Whether ``index`` is one :func:`index_parts` saves (default weights and pool)."""
    return index.weights == MatchWeights() and index.pool == DEFAULT_POOL


def index_parts(index: MatchIndex) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """The JSON document and the arrays that hold ``index`` (compacted first)."""
    index = index.compacted()
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name in _SPARSE:
        matrix: sp.csr_matrix = getattr(index, name)
        arrays[f"ix_{name}_data"] = matrix.data
        arrays[f"ix_{name}_indices"] = matrix.indices
        arrays[f"ix_{name}_indptr"] = matrix.indptr
        arrays[f"ix_{name}_shape"] = np.array(matrix.shape, dtype=np.int64)
    for name in _DENSE:
        arrays[f"ix_{name}"] = getattr(index, name)
    goals = sorted(index.goal_holders)
    n = len(index.family_ids)
    arrays["ix_goal_holders"] = (
        np.stack([index.goal_holders[g] for g in goals])
        if goals
        else np.zeros((0, n), dtype=np.bool_)
    )
    languages = sorted(index.language_speakers)
    arrays["ix_language_speakers"] = (
        np.stack([index.language_speakers[c] for c in languages])
        if languages
        else np.zeros((0, n), dtype=np.bool_)
    )
    cohorts = sorted(index.cohort_members)
    rows = [index.cohort_members[c] for c in cohorts]
    arrays["ix_cohort_rows"] = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    arrays["ix_cohort_starts"] = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(
        np.int64
    )
    document = {
        "encoder": [list(index.encoder.goals), list(index.encoder.skills)],
        "regions": index.region_number,
        "goals": goals,
        "languages": languages,
        "cohorts": cohorts,
    }
    document["profiles"], profile_arrays = _profiles_out(index.profiles)
    arrays.update(profile_arrays)
    return document, arrays


def index_from(
    document: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]], family_ids: list[str]
) -> MatchIndex | None:
    """The index saved by :func:`index_parts`; None if it was made with another encoder
    (the vocabularies changed since) and must be rebuilt."""
    encoder = FeatureEncoder.current()
    goals, skills = document["encoder"]
    if tuple(goals) != encoder.goals or tuple(skills) != encoder.skills:
        return None
    sparse = {
        name: sp.csr_matrix(
            (
                arrays[f"ix_{name}_data"],
                arrays[f"ix_{name}_indices"],
                arrays[f"ix_{name}_indptr"],
            ),
            shape=tuple(int(x) for x in arrays[f"ix_{name}_shape"]),
        )
        for name in _SPARSE
    }
    dense = {name: readonly(arrays[f"ix_{name}"]) for name in _DENSE}
    holders = arrays["ix_goal_holders"]
    speakers = arrays["ix_language_speakers"]
    starts = arrays["ix_cohort_starts"]
    cohort_rows = arrays["ix_cohort_rows"]
    empty = sp.csr_matrix((0, sparse["base_matrix"].shape[1]), dtype=np.float32)
    return MatchIndex(
        family_ids=tuple(family_ids),
        position={f: i for i, f in enumerate(family_ids) if f},
        sorted_ids=tuple(sorted(f for f in family_ids if f)),
        profiles=_profiles_in(document["profiles"], arrays),
        encoder=encoder,
        weights=MatchWeights(),
        pool=DEFAULT_POOL,
        patch_rows=readonly(np.zeros(0, dtype=np.int64)),
        patch_matrix=empty,
        patch_queries=empty,
        tie_patch={},
        column_parts=encoder.column_parts(),
        region_number=dict(document["regions"]),
        goal_holders={g: readonly(holders[i]) for i, g in enumerate(document["goals"])},
        language_speakers={c: readonly(speakers[i]) for i, c in enumerate(document["languages"])},
        cohort_members={
            c: readonly(cohort_rows[starts[i] : starts[i + 1]])
            for i, c in enumerate(document["cohorts"])
        },
        **sparse,
        **dense,
    )


def _profiles_out(profiles: tuple[Profile | None, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The profiles as columns: scalars per row, term sets as codes with row offsets."""
    terms: dict[str, int] = {}

    def code(term: str) -> int:
        return terms.setdefault(term, len(terms))

    def codes(values: Any) -> list[int]:
        return [code(v) for v in sorted(values)]

    n = len(profiles)
    present = np.array([p is not None for p in profiles], dtype=np.bool_)
    live = [p for p in profiles if p is not None]
    arrays: dict[str, Any] = {
        "ixp_present": present,
        "ixp_region": np.array([code(p.region) for p in live], dtype=np.int32),
        "ixp_cohort": np.array(
            [-1 if p.cohort is None else code(p.cohort) for p in live], dtype=np.int32
        ),
        "ixp_household": np.array([p.household_size for p in live], dtype=np.int64),
        "ixp_band": np.array([p.income_band for p in live], dtype=np.int64),
        "ixp_matching": np.array([p.matching for p in live], dtype=np.bool_),
        "ixp_cross": np.array([p.cross_region for p in live], dtype=np.bool_),
    }
    for name in ("active", "strengths", "needs", "languages"):
        # each distinct term set once (families pick from a few dozen terms), and per row the
        # number of its set: decoding makes each set once and shares it
        distinct: dict[tuple[int, ...], int] = {}
        of = [distinct.setdefault(tuple(codes(getattr(p, name))), len(distinct)) for p in live]
        sets = list(distinct)
        arrays[f"ixp_{name}"] = np.array([c for row in sets for c in row], dtype=np.int32)
        arrays[f"ixp_{name}_at"] = np.cumsum([0] + [len(c) for c in sets]).astype(np.int64)
        arrays[f"ixp_{name}_of"] = np.array(of, dtype=np.int32)
    achieved = [
        (row, code(g), at.toordinal()) for row, p in enumerate(live) for g, at in p.achieved
    ]
    arrays["ixp_achieved"] = np.array(achieved, dtype=np.int64).reshape(-1, 3)
    texts = {row: p.text for row, p in enumerate(live) if p.text}
    document = {"terms": list(terms), "texts": [[r, t] for r, t in texts.items()], "rows": n}
    return document, arrays


def _profiles_in(
    document: dict[str, Any], arrays: Mapping[str, npt.NDArray[Any]]
) -> tuple[Profile | None, ...]:
    """The profiles saved by :func:`_profiles_out`. Equal term sets are shared between
    profiles (most families pick from a few dozen terms), which also saves memory."""
    terms = [sys.intern(t) for t in document["terms"]]
    texts = {int(r): t for r, t in document["texts"]}

    def column(name: str, make: Any) -> list[Any]:
        flat = arrays[f"ixp_{name}"].tolist()
        at = arrays[f"ixp_{name}_at"].tolist()
        sets = [make(terms[c] for c in flat[at[i] : at[i + 1]]) for i in range(len(at) - 1)]
        return [sets[j] for j in arrays[f"ixp_{name}_of"].tolist()]

    active = column("active", frozenset)
    strengths = column("strengths", frozenset)
    needs = column("needs", frozenset)
    languages = column("languages", tuple)
    achieved: dict[int, list[tuple[str, date]]] = {}
    for row, goal, at in arrays["ixp_achieved"].tolist():
        achieved.setdefault(row, []).append((terms[goal], date.fromordinal(at)))
    region = arrays["ixp_region"].tolist()
    cohort = arrays["ixp_cohort"].tolist()
    household = arrays["ixp_household"].tolist()
    band = arrays["ixp_band"].tolist()
    matching = arrays["ixp_matching"].tolist()
    cross = arrays["ixp_cross"].tolist()
    live = [
        Profile(
            region=terms[region[i]],
            cohort=None if cohort[i] < 0 else terms[cohort[i]],
            active=active[i],
            achieved=tuple(achieved.get(i, ())),
            strengths=strengths[i],
            needs=needs[i],
            languages=languages[i],
            household_size=household[i],
            income_band=band[i],
            text=texts.get(i, ""),
            matching=matching[i],
            cross_region=cross[i],
        )
        for i in range(len(region))
    ]
    rows = iter(live)
    return tuple(next(rows) if here else None for here in arrays["ixp_present"].tolist())
