r"""Peer matching: which families should a family meet?

Definition
----------
Each family ``v`` is a sparse feature row ``x_v`` made of blocks, each block L2-normalised
on its own (an empty block stays zero):

======  ==========================================================  =====================
block   content                                                     encoder (scikit-learn)
======  ==========================================================  =====================
``A``   goals pursued now (status ``active``), multi-hot            ``MultiLabelBinarizer``
``H``   goals achieved, multi-hot                                   ``MultiLabelBinarizer``
``S``   strengths, multi-hot                                        ``MultiLabelBinarizer``
``N``   needs, multi-hot (same skill list as strengths)             ``MultiLabelBinarizer``
``T``   TF-IDF of the free-text goal descriptions (not abandoned)   ``TfidfVectorizer``
``Z``   household size and income band, min-max scaled to [0, 1],   ``MinMaxScaler`` + RBF
        then each expanded on 6 Gaussian bumps (sigma 0.2) so that
        the dot product rewards *closeness* rather than size
``L``   languages, multi-hot                                        ``MultiLabelBinarizer``
======  ==========================================================  =====================

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
  so asking without it raises :class:`~graph_service.errors.Forbidden` (``familyId``).
- Never the family itself; members of its active cohort only with ``include_cohort``;
  families it already exchanged help with only with ``include_connected`` (matching is
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
>>> [r.text for r in MatchIndex.build(g).matches("ana")[0].reasons][:2]
['You are both working on buy a home.', 'They are good at tax and paperwork, which you need.']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeAlias, get_args

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import MinMaxScaler, MultiLabelBinarizer, normalize

from graph_service.analytics.family_graph import FamilyGraph, GoalState, tie_graph
from graph_service.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from models import GoalStatus, vocabulary

Scope: TypeAlias = Literal["same_region", "other_regions", "any"]
SCOPES: tuple[str, ...] = get_args(Scope)
MAX_FIRST = 100
DEFAULT_POOL = 200

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

_HELP_BIT = 1
_COHORT_BIT = 2
_RBF_CENTRES = np.linspace(0.0, 1.0, 6)
_RBF_SIGMA = 0.2
_RBF_FLOOR = 0.01  # bumps below this are dropped to keep the matrix sparse


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the score (see the module docstring for the formula and the defaults'
    rationale). All must be >= 0."""

    shared_goals: float = 1.0
    role_model: float = 0.5
    complementarity: float = 0.8
    text: float = 0.3
    situation: float = 0.2
    language: float = 0.2
    trust: float = 3.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value >= 0:
                raise ValueError(f"weight {name} must be >= 0, got {value}")


# ---------------------------------------------------------------------------------------
# Reasons


def _goal_label(goal: str) -> str:
    return vocabulary().goal_categories.get(goal, goal.replace("_", " ")).lower()


def _skill_label(skill: str) -> str:
    return vocabulary().skills.get(skill, skill.replace("_", " ")).lower()


def _and_list(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class SharedGoals:
    """Goals both families are working on now."""

    goals: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"You are both working on {_and_list([_goal_label(g) for g in self.goals])}."


@dataclass(frozen=True)
class ComplementaryStrengths:
    """Strengths of one family that meet needs of the other, both ways."""

    their_strengths_meeting_my_needs: tuple[str, ...]
    my_strengths_meeting_their_needs: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = []
        if self.their_strengths_meeting_my_needs:
            skills = _and_list([_skill_label(s) for s in self.their_strengths_meeting_my_needs])
            parts.append(f"They are good at {skills}, which you need.")
        if self.my_strengths_meeting_their_needs:
            skills = _and_list([_skill_label(s) for s in self.my_strengths_meeting_their_needs])
            parts.append(f"You are good at {skills}, which they need.")
        return " ".join(parts)


@dataclass(frozen=True)
class RoleModel:
    """They already achieved a goal the asking family is working on."""

    goal: str
    achieved_at: date

    @property
    def text(self) -> str:
        when = self.achieved_at.strftime("%B %Y")
        return f"They reached {_goal_label(self.goal)} in {when}, a goal you are working on."


@dataclass(frozen=True)
class TrustProximity:
    """Families both know. Counts only, never who: ``via_help`` counts common neighbours
    tied to both by help exchanged, ``via_cohort`` the rest (at least one tie is a shared
    cohort), so ``via_help + via_cohort == common_neighbours``."""

    common_neighbours: int
    via_help: int
    via_cohort: int

    @property
    def text(self) -> str:
        noun = "family" if self.common_neighbours == 1 else "families"
        detail = []
        if self.via_help:
            detail.append(f"{self.via_help} through help exchanged")
        if self.via_cohort:
            detail.append(f"{self.via_cohort} through cohorts")
        return f"You know {self.common_neighbours} {noun} in common ({', '.join(detail)})."


@dataclass(frozen=True)
class SimilarSituation:
    """A household of a similar size (the same band: 1-2, 3-4, 5-6 or 7 and more people),
    shared languages. Household size and income band count in the score but no number
    derived from them is ever shown: a reason carried the size difference once, and a family
    that set its own size to 1 could read every peer's household size from it. Bands (not
    "at most one apart") keep a family that changes its own size again and again from
    learning more than a peer's band."""

    similar_household: bool
    shared_languages: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = ["A household of a similar size"] if self.similar_household else []
        if self.shared_languages:
            parts.append(f"you both speak {_and_list(list(self.shared_languages))}")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


MatchReason: TypeAlias = (
    SharedGoals | ComplementaryStrengths | RoleModel | TrustProximity | SimilarSituation
)


@dataclass(frozen=True)
class PeerMatch:
    """One suggested peer; ``reasons`` are ordered by their share of the score."""

    family_id: str
    score: float
    reasons: tuple[MatchReason, ...]


# ---------------------------------------------------------------------------------------
# Profiles and features


@dataclass(frozen=True)
class _Profile:
    region: str
    cohort: str | None
    active: frozenset[str]
    achieved: tuple[tuple[str, date], ...]
    strengths: frozenset[str]
    needs: frozenset[str]
    languages: tuple[str, ...]
    household_size: int
    income_band: int
    text: str


def _profile(attrs: dict[str, Any]) -> _Profile:
    goals: dict[str, GoalState] = attrs.get("goals", {})
    active = frozenset(g for g, s in goals.items() if s.status == GoalStatus.ACTIVE)
    achieved = tuple(
        sorted(
            (g, s.achieved_at or s.since)
            for g, s in goals.items()
            if s.status == GoalStatus.ACHIEVED
        )
    )
    text = " ".join(
        s.description
        for _, s in sorted(goals.items())
        if s.description and s.status != GoalStatus.ABANDONED
    )
    return _Profile(
        region=str(attrs["region"]),
        cohort=attrs.get("cohort"),
        active=active,
        achieved=achieved,
        strengths=frozenset(attrs.get("strengths", ())),
        needs=frozenset(attrs.get("needs", ())),
        languages=tuple(sorted(attrs.get("languages", ()))),
        household_size=int(attrs["household_size"]),
        income_band=int(attrs["income_band"]),
        text=text,
    )


def _multi_hot(rows: Iterable[Iterable[str]], classes: Sequence[str]) -> sp.csr_matrix:
    binarizer = MultiLabelBinarizer(classes=list(classes), sparse_output=True)
    encoded = binarizer.fit_transform([set(r) for r in rows])
    return sp.csr_matrix(encoded, dtype=np.float32)


def _unit_rows(block: sp.spmatrix) -> sp.csr_matrix:
    return sp.csr_matrix(normalize(block, norm="l2", axis=1), dtype=np.float32)


def _tfidf(texts: list[str]) -> sp.csr_matrix:
    """TF-IDF rows (already unit length); zero columns if nobody wrote anything usable."""
    if not any(texts):
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, dtype=np.float32)
    try:
        return sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
    except ValueError:  # only stop words: sklearn's "empty vocabulary"
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)


def _situation(profiles: Sequence[_Profile]) -> sp.csr_matrix:
    numbers = np.array([[p.household_size, p.income_band] for p in profiles], dtype=np.float64)
    scaled = MinMaxScaler().fit_transform(numbers) if len(profiles) else numbers
    bumps = np.exp(-((scaled[:, :, None] - _RBF_CENTRES) ** 2) / (2 * _RBF_SIGMA**2))
    bumps[bumps < _RBF_FLOOR] = 0.0
    return _unit_rows(sp.csr_matrix(bumps.reshape(len(profiles), -1)))


@dataclass(frozen=True)
class _Blocks:
    active: sp.csr_matrix
    achieved: sp.csr_matrix
    strengths: sp.csr_matrix
    needs: sp.csr_matrix
    text: sp.csr_matrix
    situation: sp.csr_matrix
    languages: sp.csr_matrix


def _blocks(profiles: Sequence[_Profile]) -> _Blocks:
    goals = sorted(
        set(vocabulary().goal_categories)
        .union(*(p.active for p in profiles))
        .union(g for p in profiles for g, _ in p.achieved)
    )
    skills = sorted(set(vocabulary().skills).union(*(p.strengths | p.needs for p in profiles)))
    languages = sorted(set().union(*(p.languages for p in profiles)))
    return _Blocks(
        active=_unit_rows(_multi_hot((p.active for p in profiles), goals)),
        achieved=_unit_rows(_multi_hot(([g for g, _ in p.achieved] for p in profiles), goals)),
        strengths=_unit_rows(_multi_hot((p.strengths for p in profiles), skills)),
        needs=_unit_rows(_multi_hot((p.needs for p in profiles), skills)),
        text=_tfidf([p.text for p in profiles]),
        situation=_situation(profiles),
        languages=_unit_rows(_multi_hot((p.languages for p in profiles), languages)),
    )


# Which part of the score each column block of X belongs to (for reasons).
_PARTS = ("goals", "role", "comp", "text", "situation")


def _index_and_query(b: _Blocks, w: MatchWeights) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    index = [b.active, b.achieved, b.strengths, b.needs, b.text, b.situation, b.languages]
    half_comp = w.complementarity / 2
    query = [
        b.active * w.shared_goals,
        b.active * w.role_model,
        b.needs * half_comp,
        b.strengths * half_comp,
        b.text * w.text,
        b.situation * w.situation,
        b.languages * w.language,
    ]
    stack = sp.hstack(index, format="csr", dtype=np.float32)
    queries = sp.hstack(query, format="csr", dtype=np.float32)
    return stack, queries


def _column_parts(b: _Blocks) -> IntArray:
    """For each column of X, the index in ``_PARTS`` of the score part it feeds."""
    blocks = (b.active, b.achieved, b.strengths, b.needs, b.text, b.situation, b.languages)
    widths = [m.shape[1] for m in blocks]
    return _readonly(np.repeat(np.array([0, 1, 2, 2, 3, 4, 4], dtype=np.int64), widths))


def _tie_adjacency(graph: FamilyGraph, position: dict[str, int]) -> sp.csr_matrix:
    """Symmetric adjacency of help and cohort ties; data holds kind bits (1 help, 2 cohort)."""
    ties = tie_graph(graph, include_cohort=True)
    rows: list[int] = []
    cols: list[int] = []
    bits: list[int] = []
    for u, v, kinds in ties.edges(data="kinds"):
        bit = (_HELP_BIT if "helped" in kinds else 0) | (_COHORT_BIT if "cohort" in kinds else 0)
        if bit:
            rows += [position[u], position[v]]
            cols += [position[v], position[u]]
            bits += [bit, bit]
    n = len(position)
    adjacency = sp.csr_matrix(
        (
            np.array(bits, dtype=np.int8),
            (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)),
        ),
        shape=(n, n),
    )
    adjacency.sort_indices()
    return adjacency


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


# ---------------------------------------------------------------------------------------
# The index


@dataclass(frozen=True, eq=False)  # identity equality: fields hold arrays and matrices
class MatchIndex:
    """Everything matching needs, built once per graph version and never changed (safe to
    share between threads; cache it keyed on the store's data version)."""

    family_ids: tuple[str, ...]
    position: dict[str, int]
    matrix: sp.csr_matrix  # X: n x d, float32, blockwise unit rows
    queries: sp.csr_matrix  # Q: n x d, float32, weighted query rows
    column_parts: IntArray  # column -> index in _PARTS
    ties: sp.csr_matrix  # n x n help/cohort adjacency with kind bits
    tie_degree: FloatArray
    region_code: IntArray
    matchable: BoolArray
    cross_region_ok: BoolArray
    goal_holders: dict[str, BoolArray]
    cohort_members: dict[str, IntArray]
    profiles: tuple[_Profile, ...]
    weights: MatchWeights
    pool: int

    @classmethod
    def build(
        cls, graph: FamilyGraph, *, weights: MatchWeights | None = None, pool: int = DEFAULT_POOL
    ) -> MatchIndex:
        """Fit the encoders on ``graph`` and build the candidate and query matrices."""
        if pool < 1:
            raise ValueError("pool must be >= 1")
        weights = weights or MatchWeights()
        family_ids = tuple(sorted(graph.nodes))
        position = {f: i for i, f in enumerate(family_ids)}
        profiles = tuple(_profile(graph.nodes[f]) for f in family_ids)
        blocks = _blocks(profiles)
        matrix, queries = _index_and_query(blocks, weights)
        ties = _tie_adjacency(graph, position)
        regions = sorted({p.region for p in profiles})
        region_number = {r: i for i, r in enumerate(regions)}
        matchable = np.array([bool(graph.nodes[f].get("consent_matching")) for f in family_ids])
        cross = np.array([bool(graph.nodes[f].get("consent_cross_region")) for f in family_ids])
        return cls(
            family_ids=family_ids,
            position=position,
            matrix=matrix,
            queries=queries,
            column_parts=_column_parts(blocks),
            ties=ties,
            tie_degree=_readonly(np.diff(ties.indptr).astype(np.float64)),
            region_code=_readonly(
                np.array([region_number[p.region] for p in profiles], dtype=np.int64)
            ),
            matchable=_readonly(matchable.astype(np.bool_)),
            cross_region_ok=_readonly((matchable & cross).astype(np.bool_)),
            goal_holders=_goal_holders(profiles),
            cohort_members=_cohort_members(profiles),
            profiles=profiles,
            weights=weights,
            pool=pool,
        )

    # -- public ---------------------------------------------------------------------------

    def matches(
        self,
        family_id: str,
        *,
        first: int = 10,
        scope: Scope = "same_region",
        goal: str | None = None,
        include_cohort: bool = False,
        include_connected: bool = False,
    ) -> list[PeerMatch]:
        """The ``first`` best peers for ``family_id`` (see the module docstring).

        Raises :class:`NotFound` (``familyId``) for an unknown family, :class:`Forbidden`
        (``familyId``) if it has not consented to matching, :class:`ValidationFailed` for
        ``first`` outside 1..100, an unknown ``scope`` or an unknown ``goal``.
        """
        me = self.family_position(family_id)
        self._check_arguments(first, scope, goal)
        if not self.matchable[me]:
            raise Forbidden("this family has not consented to matching", field="familyId")
        query = self.query_vector(me)
        content = np.asarray(self.matrix @ query, dtype=np.float32)
        eligible = self.eligible_mask(
            me,
            scope=scope,
            goal=goal,
            include_cohort=include_cohort,
            include_connected=include_connected,
        )
        pool = self._content_pool(content, eligible)
        reached, adamic_adar, graph_pool = self._graph_pool(me, eligible)
        candidates = np.union1d(pool, graph_pool)
        trust = _aligned(reached, adamic_adar / (1.0 + adamic_adar), candidates)
        final = content[candidates].astype(np.float64) + self.weights.trust * trust
        order = np.lexsort((candidates, -final))[:first]
        return [
            self._peer_match(me, query, int(candidates[i]), float(final[i]), float(trust[i]))
            for i in order
        ]

    def family_position(self, family_id: str) -> int:
        """Row of ``family_id``; :class:`NotFound` (``familyId``) if unknown."""
        try:
            return self.position[family_id]
        except KeyError:
            raise NotFound(f"no family {family_id!r}", field="familyId") from None

    def query_vector(self, row: int) -> npt.NDArray[np.float32]:
        """The dense query vector ``q_u`` of the family at ``row``."""
        start, end = self.queries.indptr[row], self.queries.indptr[row + 1]
        vector = np.zeros(self.queries.shape[1], dtype=np.float32)
        vector[self.queries.indices[start:end]] = self.queries.data[start:end]
        return vector

    def content_scores(self, row: int) -> npt.NDArray[np.float32]:
        """``X q_u`` for every family: the one sparse matrix-vector product."""
        return np.asarray(self.matrix @ self.query_vector(row), dtype=np.float32)

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
        cohort = self.profiles[me].cohort
        if not include_cohort and cohort is not None:
            mask[self.cohort_members[cohort]] = False
        if not include_connected:
            neighbours, bits = self._ties_of(me)
            mask[neighbours[(bits & _HELP_BIT) != 0]] = False
        return mask

    def _content_pool(self, content: npt.NDArray[np.float32], eligible: BoolArray) -> IntArray:
        """The ``pool`` eligible rows with the best content score; ties by row (= id)."""
        rows = np.flatnonzero(eligible)
        if len(rows) <= self.pool:
            return rows
        scores = content[rows]
        top = np.argpartition(-scores, self.pool - 1)[: self.pool]
        threshold = scores[top].min()
        above = rows[scores > threshold]
        at_threshold = rows[scores == threshold][: self.pool - len(above)]
        return np.sort(np.concatenate([above, at_threshold]))

    def _ties_of(self, row: int) -> tuple[IntArray, npt.NDArray[np.int8]]:
        start, end = self.ties.indptr[row], self.ties.indptr[row + 1]
        return self.ties.indices[start:end], self.ties.data[start:end]

    def two_hop(self, me: int) -> tuple[IntArray, IntArray, FloatArray]:
        """Families two ties from ``me`` (sorted), their common-neighbour counts and
        Adamic-Adar scores, from ``me``'s neighbours' adjacency only."""
        neighbours, _ = self._ties_of(me)
        if len(neighbours) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        starts, ends = self.ties.indptr[neighbours], self.ties.indptr[neighbours + 1]
        reached = np.concatenate(
            [self.ties.indices[s:e] for s, e in zip(starts, ends, strict=True)]
        )
        # A neighbour of degree 1 reaches only ``me``, which is dropped: clamp avoids 1/ln 1.
        weight = np.repeat(
            1.0 / np.log(np.maximum(self.tie_degree[neighbours], 2.0)), ends - starts
        )
        keep = reached != me
        nodes, inverse = np.unique(reached[keep], return_inverse=True)
        common = np.bincount(inverse, minlength=len(nodes)).astype(np.int64)
        adamic_adar: FloatArray = np.bincount(
            inverse, weights=weight[keep], minlength=len(nodes)
        ).astype(np.float64)
        return nodes.astype(np.int64), common, adamic_adar

    def _graph_pool(self, me: int, eligible: BoolArray) -> tuple[IntArray, FloatArray, IntArray]:
        """Eligible friends of friends (sorted rows) with their Adamic-Adar scores, and the
        best ``pool`` of them by AA (ties by row) that join the candidates."""
        nodes, _, adamic_adar = self.two_hop(me)
        keep = eligible[nodes]
        nodes, adamic_adar = nodes[keep], adamic_adar[keep]
        best = nodes
        if len(nodes) > self.pool:
            best = np.sort(nodes[np.lexsort((nodes, -adamic_adar))[: self.pool]])
        return nodes, adamic_adar, best

    # -- reasons --------------------------------------------------------------------------

    def _part_scores(self, query: npt.NDArray[np.float32], other: int) -> dict[str, float]:
        start, end = self.matrix.indptr[other], self.matrix.indptr[other + 1]
        columns = self.matrix.indices[start:end]
        products = self.matrix.data[start:end].astype(np.float64) * query[columns]
        values = np.bincount(self.column_parts[columns], products, minlength=len(_PARTS))
        return dict(zip(_PARTS, (float(v) for v in values), strict=True))

    def _peer_match(
        self, me: int, query: npt.NDArray[np.float32], other: int, score: float, trust: float
    ) -> PeerMatch:
        mine, theirs = self.profiles[me], self.profiles[other]
        parts = self._part_scores(query, other)
        scored: list[tuple[float, int, MatchReason]] = []
        shared = tuple(sorted(mine.active & theirs.active))
        if shared:
            scored.append((parts["goals"], 0, SharedGoals(shared)))
        theirs_for_me = tuple(sorted(theirs.strengths & mine.needs))
        mine_for_them = tuple(sorted(mine.strengths & theirs.needs))
        if theirs_for_me or mine_for_them:
            scored.append((parts["comp"], 1, ComplementaryStrengths(theirs_for_me, mine_for_them)))
        for goal, achieved_at in theirs.achieved:
            if goal in mine.active:
                scored.append((parts["role"], 2, RoleModel(goal, achieved_at)))
        if trust > 0:
            scored.append((self.weights.trust * trust, 3, self._trust_reason(me, other)))
        situation = self._situation_reason(mine, theirs)
        if situation is not None:
            scored.append((parts["situation"], 4, situation))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return PeerMatch(self.family_ids[other], score, tuple(r for _, _, r in scored))

    def _trust_reason(self, me: int, other: int) -> TrustProximity:
        my_neighbours, my_bits = self._ties_of(me)
        their_neighbours, their_bits = self._ties_of(other)
        common, mine_at, theirs_at = np.intersect1d(
            my_neighbours, their_neighbours, assume_unique=True, return_indices=True
        )
        both_help = (my_bits[mine_at] & _HELP_BIT != 0) & (their_bits[theirs_at] & _HELP_BIT != 0)
        via_help = int(both_help.sum())
        return TrustProximity(len(common), via_help, len(common) - via_help)

    @staticmethod
    def _situation_reason(mine: _Profile, theirs: _Profile) -> SimilarSituation | None:
        similar = _household_band(mine.household_size) == _household_band(theirs.household_size)
        languages = tuple(sorted(set(mine.languages) & set(theirs.languages)))
        if not similar and not languages:
            return None
        return SimilarSituation(similar, languages)


def _household_band(size: int) -> int:
    """1-2 -> 0, 3-4 -> 1, 5-6 -> 2, 7 and more -> 3."""
    return min((size - 1) // 2, 3)


def _aligned(keys: IntArray, values: FloatArray, wanted: IntArray) -> FloatArray:
    """``values`` of sorted ``keys`` looked up at ``wanted``; 0 where a key is missing."""
    out = np.zeros(len(wanted))
    if len(keys) == 0:
        return out
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[at] == wanted
    out[found] = values[at[found]]
    return out


def _goal_holders(profiles: Sequence[_Profile]) -> dict[str, BoolArray]:
    """goal -> which families pursue it now or have achieved it."""
    goals = set(vocabulary().goal_categories).union(*(p.active for p in profiles))
    goals |= {g for p in profiles for g, _ in p.achieved}
    holders = {g: np.zeros(len(profiles), dtype=np.bool_) for g in sorted(goals)}
    for row, p in enumerate(profiles):
        for g in p.active | {g for g, _ in p.achieved}:
            holders[g][row] = True
    return {g: _readonly(mask) for g, mask in holders.items()}


def _cohort_members(profiles: Sequence[_Profile]) -> dict[str, IntArray]:
    members: dict[str, list[int]] = {}
    for row, p in enumerate(profiles):
        if p.cohort is not None:
            members.setdefault(p.cohort, []).append(row)
    return {c: _readonly(np.array(rows, dtype=np.int64)) for c, rows in members.items()}
