r"""Peer matching: which families should a family meet?

Definition
----------
Each family ``v`` is a sparse feature row ``x_v`` made of blocks, each block L2-normalised
on its own (an empty block stays zero): ``A`` goals pursued now, ``H`` goals achieved,
``S`` strengths, ``N`` needs, ``T`` hashed words of the goal descriptions, ``Z`` household
size band (never the size itself, nor the income band: they are private, see
:mod:`~graph_service.analytics.match_features`), ``L`` languages. Every encoder is stateless, so a family's row depends on its own
profile only (:mod:`graph_service.analytics.match_features` has the column space and why).

The asking family ``u`` is a "what I'm looking for" query row ``q_u`` in the same columns:
my active goals in ``A`` (shared goals) *and* in ``H`` (their achievements meet my goals:
role models), my needs in ``S`` and my strengths in ``N`` (complementarity, both ways), my
descriptions in ``T``, my situation in ``Z`` and my languages in ``L``, each block scaled by
its weight. Because every block is unit length on both sides, one sparse matrix-vector
product ``X q_u`` gives, for every candidate ``v`` at once, a weighted sum of block cosines
(for multi-hot sets the cosine is the Ochiai coefficient
``|P ∩ Q| / sqrt(|P| |Q|)``, the set-similarity closest to Jaccard that a dot product gives)::

    content(u, v) = w_goal  * cos(A_u, A_v)                       # shared active goals
                  + w_role  * cos(A_u, H_v)                       # role models
                  + w_comp  * (cos(N_u, S_v) + cos(S_u, N_v)) / 2 # complementary strengths
                  + w_text  * cos(T_u, T_v)                       # similar written plans
                  + w_sit   * cos(Z_u, Z_v)                       # similar situation
                  + w_lang  * cos(L_u, L_v)                       # shared languages

    score(u, v)   = content(u, v) + w_trust * AA(u, v) / (1 + AA(u, v))

``AA`` is the Adamic-Adar index over the *tie graph* of help exchanged (either direction)
and shared active cohort (referral-only ties are left out):
``AA(u, v) = sum over common neighbours z of 1 / ln(deg z)``. ``AA / (1 + AA)`` maps it
into [0, 1) so that one weight controls it. Weights (:class:`MatchWeights`) default to
goal 1.0, role 0.5, comp 0.8, text 0.3, sit 0.2, lang 0.2, trust 3.0. Among profile
signals a shared goal matters most (cohorts in the program form around goals), meeting a
need next, then a role model; situation and language only break near-ties. Trust weighs
most because help in the program flows along existing ties: one common acquaintance of
degree ~10 (AA/(1+AA) ≈ 0.3) is worth about one fully shared goal. The trust weight is the
only one chosen on data: on a validation network (``loaders.synthetic``, 2,000 families,
seed 1; see :mod:`match_eval`) precision@10 rose from 0.063 (trust 1) to 0.093 (2) and
0.094 (3), flat beyond; the other weights were set a priori and not tuned.

Live updates
------------
:meth:`MatchIndex.with_changes` gives a new index with some families' rows and some ties
changed, sharing everything else with the old one: changed rows live in a small *patch*
matrix beside the base matrix (``X q_u`` is the base product with the patched rows'
products written over it), changed tie rows in a patch of the adjacency. The read model
(:mod:`graph_service.readmodel`) calls it for every committed write and swaps the new index
in; :meth:`MatchIndex.compacted` folds a grown patch back into the base. Rows are never
renumbered: a new family gets the next row, a deleted one leaves an empty row, and every tie
among equal scores is broken by family id (``id_rank``), so a live index answers exactly as
an index built from scratch on the same graph.

Retrieval
---------
1. ``X q_u`` (one sparse mat-vec over all families), a boolean mask (consent, scope,
   self, cohort, goal, existing help partners), ``argpartition`` for the top ``K``
   (:attr:`MatchIndex.pool`, default 200) by content score;
2. the graph candidates: families two ties away (friends of friends), with common
   neighbours and AA computed locally from ``u``'s neighbours' adjacency (never all pairs),
   the best ``K`` of them by AA added to the pool, so a trusted friend-of-friend with
   little profile overlap can still surface;
3. re-rank the pool by ``score``; ties by family id. Reasons are built for the returned
   families only.

Rules
-----
- A candidate must have consented to matching. A candidate in another region must have
  consented to cross-region contact *and* so must the asking family.
- The asking family must itself have consented to matching: :class:`Consent` defines
  ``matching`` as "may be suggested to other families as a peer (and see suggestions)",
  so asking without it raises :class:`~graph_service.errors.Forbidden` (``family_id``).
- A suggested peer shares at least one language with the asking family, unless it asks
  with ``any_language`` (or lists no language: then nothing can be shared and nothing is
  required).
- Never the family itself; members of its active cohort only with ``include_cohort``;
  families it already exchanged help with only with ``include_connected`` (which brings
  them back whether or not they share its cohort; matching is
  for *new* peers, and the evaluation of :mod:`match_eval` follows the usual
  link-prediction protocol of ranking non-neighbours).
- No reason names a third family: :class:`TrustProximity` carries counts only, and the
  free-text descriptions feed the score but are never quoted.

Sources: Adamic & Adar, "Friends and neighbors on the Web", Social Networks 25 (2003);
Liben-Nowell & Kleinberg, "The link-prediction problem for social networks", JASIST 58
(2007); Salton & McGill, *Introduction to Modern Information Retrieval* (TF-IDF, cosine).

Example
-------
>>> import networkx as nx
>>> from datetime import date
>>> from graph_service.analytics.family_graph import GoalState
>>> from models import GoalStatus
>>> g = nx.MultiDiGraph(cohorts={})
>>> def add(fid, goals, strengths=(), needs=()):
...     g.add_node(fid, region="oak", cohort=None, household_size=4, languages=("en",),
...                income_band=2, strengths=strengths, needs=needs,
...                consent_matching=True, consent_cross_region=False,
...                goals={x: GoalState(GoalStatus.ACTIVE, date(2025, 1, 1)) for x in goals})
>>> add("ana", ["buy_home"], needs=("tax_paperwork",))
>>> add("bo", ["buy_home"], strengths=("tax_paperwork",))
>>> add("cy", ["health"])
>>> [m.family_id for m in MatchIndex.build(g).matches("ana")]
['bo', 'cy']
>>> MatchIndex.build(g).matches("ana")[0].reasons[:2]
(SharedGoals(goals=('buy_home',)), ComplementaryStrengths(their_strengths_meeting_my_needs=('tax_paperwork',), my_strengths_meeting_their_needs=()))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graph_service.analytics import match_updates as updates
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.match_features import FeatureEncoder, MatchWeights, Profile, profile_of
from graph_service.analytics.match_reasons import (
    ComplementaryStrengths,
    MatchReason,
    PeerMatch,
    RoleModel,
    SharedGoals,
    SimilarSituation,
    TrustProximity,
    peer_match,
)
from graph_service.analytics.match_ties import (
    AA_DECIMALS,
    HELP_BIT,
    FloatArray,
    IntArray,
    TieRow,
    aligned,
    readonly,
    tie_pairs,
    ties_of,
    two_hop,
)
from graph_service.analytics.match_ties import adjacency as adjacency_of
from graph_service.errors import FieldProblem, Forbidden, NotFound, ValidationFailed

__all__ = [
    "DEFAULT_POOL",
    "MAX_FIRST",
    "SCOPES",
    "ComplementaryStrengths",
    "MatchIndex",
    "MatchReason",
    "MatchWeights",
    "PeerMatch",
    "Profile",
    "RoleModel",
    "Scope",
    "SharedGoals",
    "SimilarSituation",
    "TrustProximity",
]


class Scope(StrEnum):
    """Where to look for peers: the asking family's region, the other regions, or both."""

    SAME_REGION = "same_region"
    OTHER_REGIONS = "other_regions"
    ANY = "any"


SCOPES: tuple[str, ...] = tuple(Scope)
MAX_FIRST = 100
DEFAULT_POOL = 200

BoolArray: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)  # identity equality: fields hold arrays and matrices
class MatchIndex:
    """Everything matching needs. Never changed once made (safe to share between threads);
    :meth:`with_changes` makes a new index that shares what did not change."""

    family_ids: tuple[str, ...]  # row -> id ("" for the row of a deleted family)
    position: Mapping[str, int]
    sorted_ids: tuple[str, ...]  # every id ever given a row, sorted (ranks below)
    id_rank: IntArray  # row -> rank of its id among sorted_ids (ties break by id)
    profiles: tuple[Profile | None, ...]
    encoder: FeatureEncoder
    weights: MatchWeights
    pool: int
    base_matrix: sp.csr_matrix  # X of rows < base_rows (float32, blockwise unit rows)
    base_queries: sp.csr_matrix  # Q of rows < base_rows
    patch_rows: IntArray  # rows whose X and Q are in the patch, sorted
    patch_matrix: sp.csr_matrix
    patch_queries: sp.csr_matrix
    ties_base: sp.csr_matrix  # help/cohort adjacency of the base rows, kind bits as data
    tie_patch: Mapping[int, TieRow]  # rows whose ties changed since the base
    tie_degree: FloatArray
    column_parts: IntArray
    region_number: Mapping[str, int]
    region_code: IntArray
    matchable: BoolArray
    cross_region_ok: BoolArray
    goal_holders: Mapping[str, BoolArray]
    cohort_members: Mapping[str, IntArray]
    language_speakers: Mapping[str, BoolArray]  # language code -> rows that speak it

    # -- making ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls, graph: FamilyGraph, *, weights: MatchWeights | None = None, pool: int = DEFAULT_POOL
    ) -> MatchIndex:
        """The index of every family of ``graph`` (rows in id order)."""
        family_ids = tuple(sorted(graph.nodes))
        position = {f: i for i, f in enumerate(family_ids)}
        profiles = [profile_of(graph.nodes[f]) for f in family_ids]
        return cls.from_rows(
            family_ids, profiles, tie_pairs(graph, position), weights=weights, pool=pool
        )

    @classmethod
    def from_rows(
        cls,
        family_ids: Sequence[str],
        profiles: Sequence[Profile | None],
        ties: Mapping[tuple[int, int], int],
        *,
        weights: MatchWeights | None = None,
        pool: int = DEFAULT_POOL,
        encoder: FeatureEncoder | None = None,
    ) -> MatchIndex:
        """The index of families given by row (``None``: a deleted family's empty row) and
        their ties ``{(u, v): kind bits}``."""
        if pool < 1:
            raise ValueError("pool must be >= 1")
        weights = weights or MatchWeights()
        encoder = encoder or FeatureEncoder.current()
        n = len(family_ids)
        matrix, queries = encoder.encode(profiles, weights)
        adjacency = adjacency_of(ties, n)
        regions = sorted({p.region for p in profiles if p is not None})
        region_number = {r: i for i, r in enumerate(regions)}
        sorted_ids = tuple(sorted({i for i in family_ids if i}))
        empty = sp.csr_matrix((0, matrix.shape[1]), dtype=np.float32)
        index = cls(
            family_ids=tuple(family_ids),
            position={f: i for i, f in enumerate(family_ids) if f},
            sorted_ids=sorted_ids,
            id_rank=readonly(updates.id_ranks(family_ids, sorted_ids)),
            profiles=tuple(profiles),
            encoder=encoder,
            weights=weights,
            pool=pool,
            base_matrix=matrix,
            base_queries=queries,
            patch_rows=readonly(np.zeros(0, dtype=np.int64)),
            patch_matrix=empty,
            patch_queries=empty,
            ties_base=adjacency,
            tie_patch={},
            tie_degree=readonly(np.diff(adjacency.indptr).astype(np.float64)),
            column_parts=encoder.column_parts(),
            region_number=region_number,
            region_code=np.zeros(0, dtype=np.int64),
            matchable=np.zeros(0, dtype=np.bool_),
            cross_region_ok=np.zeros(0, dtype=np.bool_),
            goal_holders={},
            cohort_members={},
            language_speakers={},
        )
        return index._with_masks(profiles, region_number)

    def _with_masks(
        self, profiles: Sequence[Profile | None], region_number: Mapping[str, int]
    ) -> MatchIndex:
        n = len(profiles)
        code = np.array(
            [region_number[p.region] if p is not None else -1 for p in profiles], dtype=np.int64
        )
        matchable = np.array([p is not None and p.matching for p in profiles], dtype=np.bool_)
        cross = np.array([p is not None and p.cross_region for p in profiles], dtype=np.bool_)
        holders: dict[str, npt.NDArray[np.bool_]] = {
            g: np.zeros(n, dtype=np.bool_) for g in self.encoder.goals
        }
        members: dict[str, list[int]] = {}
        speakers: dict[str, npt.NDArray[np.bool_]] = {}
        for row, p in enumerate(profiles):
            if p is None:
                continue
            for goal in p.active | {g for g, _ in p.achieved}:
                holders.setdefault(goal, np.zeros(n, dtype=np.bool_))[row] = True
            for language in p.languages:
                speakers.setdefault(language, np.zeros(n, dtype=np.bool_))[row] = True
            if p.cohort is not None:
                members.setdefault(p.cohort, []).append(row)
        return replace(
            self,
            region_number=dict(region_number),
            region_code=readonly(code),
            matchable=readonly(matchable),
            cross_region_ok=readonly(matchable & cross),
            goal_holders={g: readonly(m) for g, m in holders.items()},
            cohort_members={
                c: readonly(np.array(rows, dtype=np.int64)) for c, rows in members.items()
            },
            language_speakers={code: readonly(m) for code, m in speakers.items()},
        )

    # -- live updates ---------------------------------------------------------------------

    def with_changes(
        self,
        new_ids: Sequence[str] = (),
        profiles: Mapping[int, Profile | None] | None = None,
        ties: Mapping[tuple[int, int], int] | None = None,
    ) -> MatchIndex:
        """A new index with ``new_ids`` appended as rows ``len(family_ids)``, …, the rows in
        ``profiles`` re-encoded (``None``: the family was deleted) and the ties in ``ties``
        set to their new kind bits (0: no tie any more). Everything else is shared."""
        profiles = dict(profiles or {})
        ties = ties or {}
        n_old, n = len(self.family_ids), len(self.family_ids) + len(new_ids)
        for row in range(n_old, n):
            profiles.setdefault(row, None)
        family_ids, position = self.family_ids, self.position
        sorted_ids, id_rank = self.sorted_ids, self.id_rank
        deleted = [r for r, p in profiles.items() if p is None and r < n_old and family_ids[r]]
        if new_ids or deleted:
            ids = list(family_ids) + list(new_ids)
            position = dict(position)
            for row in deleted:
                position.pop(ids[row], None)
                ids[row] = ""
            for offset, family_id in enumerate(new_ids):
                position[family_id] = n_old + offset
            family_ids = tuple(ids)
            sorted_ids, id_rank = updates.ranks_with(sorted_ids, id_rank, new_ids)
        changed = updates.encoded_patch(self, profiles)
        all_profiles = self.profiles
        if profiles:  # a help write changes ties only: the 100,000-entry tuple stays shared
            rows = list(all_profiles) + [None] * (n - n_old)
            for row, profile in profiles.items():
                rows[row] = profile
            all_profiles = tuple(rows)
        index = replace(
            self,
            family_ids=family_ids,
            position=position,
            sorted_ids=sorted_ids,
            id_rank=id_rank,
            profiles=all_profiles,
            **changed,
        )
        masked = updates.masks_changed(index, profiles, n, previous=self.profiles)
        return updates.ties_changed(masked, ties, n)

    @property
    def patch_size(self) -> int:
        """Rows held in the feature and tie patches (the read model compacts past a bound)."""
        return len(self.patch_rows) + len(self.tie_patch)

    def compacted(self) -> MatchIndex:
        """The same index with both patches folded into the base matrices."""
        if not self.patch_size:
            return self
        n = len(self.family_ids)
        matrix = updates.merged(self.base_matrix, self.patch_rows, self.patch_matrix, n)
        queries = updates.merged(self.base_queries, self.patch_rows, self.patch_queries, n)
        tie_rows = np.array(sorted(self.tie_patch), dtype=np.int64)
        neighbours = [self.tie_patch[int(r)] for r in tie_rows]
        patch = sp.csr_matrix(
            (
                np.concatenate([b for _, b in neighbours] or [np.zeros(0, dtype=np.int8)]),
                np.concatenate([c for c, _ in neighbours] or [np.zeros(0, dtype=np.int64)]),
                np.concatenate([[0], np.cumsum([len(c) for c, _ in neighbours])]),
            ),
            shape=(len(tie_rows), n),
            dtype=np.int8,
        )
        ties = updates.merged(self.ties_base, tie_rows, patch, n, columns=n)
        ties.sort_indices()
        empty = sp.csr_matrix((0, matrix.shape[1]), dtype=np.float32)
        return replace(
            self,
            base_matrix=matrix,
            base_queries=queries,
            patch_rows=readonly(np.zeros(0, dtype=np.int64)),
            patch_matrix=empty,
            patch_queries=empty,
            ties_base=ties,
            tie_patch={},
        )

    @property
    def matrix(self) -> sp.csr_matrix:
        """``X`` of every row (base and patch merged)."""
        return self.compacted().base_matrix

    # -- public ---------------------------------------------------------------------------

    def matches(
        self,
        family_id: str,
        *,
        first: int = 10,
        scope: Scope = Scope.SAME_REGION,
        goal: str | None = None,
        include_cohort: bool = False,
        include_connected: bool = False,
        any_language: bool = False,
    ) -> list[PeerMatch]:
        """The ``first`` best peers for ``family_id`` (see the module docstring).

        Raises :class:`NotFound` (``family_id``) for an unknown family, :class:`Forbidden`
        (``family_id``) if it has not consented to matching, :class:`ValidationFailed` for
        ``first`` outside 1..100, an unknown ``scope`` or an unknown ``goal``.
        """
        me = self.family_position(family_id)
        self._check_arguments(first, scope, goal)
        if not self.matchable[me]:
            raise Forbidden("this family has not consented to matching", field="family_id")
        query = self.query_vector(me)
        content = self._content(query)
        eligible = self.eligible_mask(
            me,
            scope=scope,
            goal=goal,
            include_cohort=include_cohort,
            include_connected=include_connected,
            any_language=any_language,
        )
        pool = self._content_pool(content, eligible)
        reached, adamic_adar, graph_pool = self._graph_pool(me, eligible)
        candidates = np.union1d(pool, graph_pool)
        trust = aligned(reached, adamic_adar / (1.0 + adamic_adar), candidates)
        final = content[candidates].astype(np.float64) + self.weights.trust * trust
        order = np.lexsort((self.id_rank[candidates], -np.round(final, AA_DECIMALS)))[:first]
        return [
            peer_match(self, me, query, int(candidates[i]), float(final[i]), float(trust[i]))
            for i in order
        ]

    def family_position(self, family_id: str) -> int:
        """Row of ``family_id``; :class:`NotFound` (``family_id``) if unknown."""
        try:
            return self.position[family_id]
        except KeyError:
            raise NotFound(f"no family {family_id!r}", field="family_id") from None

    def profile(self, family_id: str) -> Profile:
        """What matching knows of ``family_id``; :class:`NotFound` if unknown."""
        profile = self.profiles[self.family_position(family_id)]
        assert profile is not None  # rows of known ids always have a profile
        return profile

    def _row(
        self, matrix_kind: str, row: int
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        at = int(np.searchsorted(self.patch_rows, row))
        if at < len(self.patch_rows) and self.patch_rows[at] == row:
            matrix = self.patch_queries if matrix_kind == "q" else self.patch_matrix
            row = at
        elif row < self.base_matrix.shape[0]:
            matrix = self.base_queries if matrix_kind == "q" else self.base_matrix
        else:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        return matrix.indices[start:end], matrix.data[start:end]

    def feature_row(self, row: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Columns and values of the feature row ``x_v`` of ``row`` (patch before base)."""
        return self._row("x", row)

    def query_vector(self, row: int) -> npt.NDArray[np.float32]:
        """The dense query vector ``q_u`` of the family at ``row``."""
        columns, values = self._row("q", row)
        vector = np.zeros(self.base_queries.shape[1], dtype=np.float32)
        vector[columns] = values
        return vector

    def _content(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        content = np.zeros(len(self.family_ids), dtype=np.float32)
        content[: self.base_matrix.shape[0]] = self.base_matrix @ query
        if len(self.patch_rows):
            content[self.patch_rows] = self.patch_matrix @ query
        return content

    def content_scores(self, row: int) -> npt.NDArray[np.float32]:
        """``X q_u`` for every family: the one sparse matrix-vector product."""
        return self._content(self.query_vector(row))

    # -- steps ----------------------------------------------------------------------------

    def _check_arguments(self, first: int, scope: str, goal: str | None) -> None:
        problems = []
        if not 1 <= first <= MAX_FIRST:
            problems.append(FieldProblem("first", f"must be between 1 and {MAX_FIRST}"))
        if scope not in SCOPES:
            problems.append(FieldProblem("scope", f"must be one of {', '.join(SCOPES)}"))
        if goal is not None and goal not in self.goal_holders:
            problems.append(FieldProblem("goal", f"unknown goal category {goal!r}"))
        if problems:
            raise ValidationFailed(problems)

    def eligible_mask(
        self,
        me: int,
        *,
        scope: str,
        goal: str | None = None,
        include_cohort: bool = False,
        include_connected: bool = False,
        any_language: bool = False,
    ) -> BoolArray:
        """Which rows may be suggested to the family at row ``me`` (the rules of the module
        docstring; arguments as :meth:`matches`, unchecked)."""
        same_region = self.region_code == self.region_code[me]
        cross_allowed = bool(self.cross_region_ok[me])
        mask: BoolArray
        if scope == "same_region":
            mask = self.matchable & same_region
        elif scope == "other_regions":
            mask = self.cross_region_ok & ~same_region if cross_allowed else self.matchable & False
        else:
            mask = self.matchable & same_region
            if cross_allowed:
                mask |= self.cross_region_ok
        if goal is not None:
            mask &= self.goal_holders[goal]
        mask[me] = False
        profile = self.profiles[me]
        cohort = profile.cohort if profile is not None else None
        if not include_cohort and cohort is not None:
            members = self.cohort_members[cohort]
            if include_connected:  # help partners come back, cohort-mates or not
                members = np.setdiff1d(members, self.help_partners(me))
            mask[members] = False
        if not include_connected:
            neighbours, bits = self._ties_of(me)
            mask[neighbours[(bits & HELP_BIT) != 0]] = False
        if not any_language and profile is not None and profile.languages:
            mask &= self.speaks_any(profile.languages)
        return mask

    def help_partners(self, row: int) -> IntArray:
        """Rows of the families that the family at ``row`` exchanged help with."""
        neighbours, bits = self._ties_of(row)
        partners: IntArray = neighbours[(bits & HELP_BIT) != 0]
        return partners

    def speaks_any(self, languages: Sequence[str]) -> BoolArray:
        """Rows of families who speak at least one of ``languages``."""
        found = np.zeros(len(self.family_ids), dtype=np.bool_)
        for language in languages:
            speakers = self.language_speakers.get(language)
            if speakers is not None:
                found[: len(speakers)] |= speakers
        return found

    def _content_pool(self, content: npt.NDArray[np.float32], eligible: BoolArray) -> IntArray:
        """The ``pool`` eligible rows with the best content score; ties by family id."""
        rows = np.flatnonzero(eligible)
        if len(rows) <= self.pool:
            return rows
        scores = content[rows]
        top = np.argpartition(-scores, self.pool - 1)[: self.pool]
        threshold = scores[top].min()
        above = rows[scores > threshold]
        at_threshold = rows[scores == threshold]
        wanted = self.pool - len(above)
        if len(at_threshold) > wanted:
            at_threshold = at_threshold[np.argsort(self.id_rank[at_threshold])[:wanted]]
        return np.sort(np.concatenate([above, at_threshold]))

    def _ties_of(self, row: int) -> TieRow:
        return ties_of(self, row)

    def two_hop(self, me: int) -> tuple[IntArray, IntArray, FloatArray]:
        """Families two ties from ``me`` (:func:`~graph_service.analytics.match_ties.two_hop`)."""
        return two_hop(self, me)

    def _graph_pool(self, me: int, eligible: BoolArray) -> tuple[IntArray, FloatArray, IntArray]:
        """Eligible friends of friends (sorted rows) with their Adamic-Adar scores, and the
        best ``pool`` of them by AA (ties by family id) that join the candidates."""
        nodes, _, adamic_adar = two_hop(self, me)
        keep = eligible[nodes]
        nodes, adamic_adar = nodes[keep], adamic_adar[keep]
        best = nodes
        if len(nodes) > self.pool:
            best = np.sort(nodes[np.lexsort((self.id_rank[nodes], -adamic_adar))[: self.pool]])
        return nodes, adamic_adar, best
