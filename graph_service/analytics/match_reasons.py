"""Why a peer was suggested: the typed reasons of :mod:`graph_service.analytics.matching`.

Each reason carries the facts it rests on (goal ids, skill terms, language codes, counts),
never text: the transport renders them in the reader's language
(:func:`graph_service.api.texts.reason_text`). No reason names a third family or carries a
value of another family's private field. :func:`peer_match` builds the reasons of one
returned family, ordered by their share of the score.

Examples
--------
>>> SharedGoals(("buy_home",)).goals
('buy_home',)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt

from graph_service.analytics.match_features import PARTS, Profile, household_band
from graph_service.analytics.match_ties import HELP_BIT, ties_of

if TYPE_CHECKING:
    from graph_service.analytics.matching import MatchIndex


@dataclass(frozen=True)
class SharedGoals:
    """Goals both families are working on now."""

    goals: tuple[str, ...]


@dataclass(frozen=True)
class ComplementaryStrengths:
    """Strengths of one family that meet needs of the other, both ways."""

    their_strengths_meeting_my_needs: tuple[str, ...]
    my_strengths_meeting_their_needs: tuple[str, ...]


@dataclass(frozen=True)
class RoleModel:
    """They already achieved a goal the asking family is working on."""

    goal: str
    achieved_at: date


@dataclass(frozen=True)
class TrustProximity:
    """Families both know. Counts only, never who: ``via_help`` counts common neighbours
    tied to both by help exchanged, ``via_cohort`` the rest (at least one tie is a shared
    cohort), so ``via_help + via_cohort == common_neighbours``."""

    common_neighbours: int
    via_help: int
    via_cohort: int


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


MatchReason: TypeAlias = (
    SharedGoals | ComplementaryStrengths | RoleModel | TrustProximity | SimilarSituation
)


@dataclass(frozen=True)
class PeerMatch:
    """One suggested peer; ``reasons`` are ordered by their share of the score."""

    family_id: str
    score: float
    reasons: tuple[MatchReason, ...]


def peer_match(
    index: MatchIndex,
    me: int,
    query: npt.NDArray[np.float32],
    other: int,
    score: float,
    trust: float,
) -> PeerMatch:
    """The suggestion of the family at row ``other`` to the family at row ``me``, with its
    reasons ordered by their share of the score (ties: goals, strengths, role model, trust,
    situation).

    Parameters
    ----------
    index : MatchIndex
        The match index both rows belong to.
    me : int
        The asking family's row.
    query : numpy.ndarray
        Its query vector ``q_u`` (:meth:`MatchIndex.query_vector`).
    other : int
        The suggested family's row.
    score : float
        Its final score.
    trust : float
        Its trust term ``AA / (1 + AA)`` before weighting.

    Returns
    -------
    PeerMatch
        The suggestion with its typed reasons.

    Examples
    --------
    >>> import networkx as nx
    >>> from datetime import date
    >>> from graph_service.analytics.family_graph import GoalState
    >>> from graph_service.analytics.matching import MatchIndex
    >>> from models import GoalStatus
    >>> g = nx.MultiDiGraph(cohorts={})
    >>> for fid in ("ana", "bo"):
    ...     g.add_node(fid, region="oak", cohort=None, household_size=4, languages=("en",),
    ...                income_band=2, strengths=(), needs=(), consent_matching=True,
    ...                consent_cross_region=False,
    ...                goals={"health": GoalState(GoalStatus.ACTIVE, date(2025, 1, 1))})
    >>> index = MatchIndex.build(g)
    >>> peer_match(index, 0, index.query_vector(0), 1, 1.0, 0.0).reasons[0]
    SharedGoals(goals=('health',))
    """
    mine, theirs = index.profiles[me], index.profiles[other]
    assert mine is not None and theirs is not None  # only live rows are candidates
    parts = _part_scores(index, query, other)
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
        scored.append((index.weights.trust * trust, 3, _trust_reason(index, me, other)))
    situation = _situation_reason(mine, theirs)
    if situation is not None:
        scored.append((parts["situation"], 4, situation))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return PeerMatch(index.family_ids[other], score, tuple(r for _, _, r in scored))


def _part_scores(index: MatchIndex, query: npt.NDArray[np.float32], other: int) -> dict[str, float]:
    columns, values = index.feature_row(other)
    products = values.astype(np.float64) * query[columns]
    totals = np.bincount(index.column_parts[columns], products, minlength=len(PARTS))
    return dict(zip(PARTS, (float(v) for v in totals), strict=True))


def _trust_reason(index: MatchIndex, me: int, other: int) -> TrustProximity:
    my_neighbours, my_bits = ties_of(index, me)
    their_neighbours, their_bits = ties_of(index, other)
    common, mine_at, theirs_at = np.intersect1d(
        my_neighbours, their_neighbours, assume_unique=True, return_indices=True
    )
    both_help = (my_bits[mine_at] & HELP_BIT != 0) & (their_bits[theirs_at] & HELP_BIT != 0)
    via_help = int(both_help.sum())
    return TrustProximity(len(common), via_help, len(common) - via_help)


def _situation_reason(mine: Profile, theirs: Profile) -> SimilarSituation | None:
    similar = household_band(mine.household_size) == household_band(theirs.household_size)
    languages = tuple(sorted(set(mine.languages) & set(theirs.languages)))
    if not similar and not languages:
        return None
    return SimilarSituation(similar, languages)
