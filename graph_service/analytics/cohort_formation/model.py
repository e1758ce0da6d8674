"""The proposal's data: its weights, what it returns, and the method's constants.

Everything here is neutral data (ids, counts, figures); the words an organizer reads are
rendered by the service layer (:mod:`graph_service.services.proposals`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from graph_service.errors import FieldProblem, ValidationFailed
from models import GoalStatus

COUNTED_GOAL_STATUSES = frozenset({GoalStatus.ACTIVE, GoalStatus.ACHIEVED})
FULL_SEARCH_COHORTS = 40
NEIGHBOURS = 6
MAX_PASSES = 30
MIN_PASS_GAIN = 0.02
BLOCK_TIE_WEIGHT = 5.0
EPSILON = 1e-9
MAX_EXACT_PACKING_BLOCKS = 400
GOAL_TABLE = 2000  # distinct goal sets up to which pair similarities are tabulated


@dataclass(frozen=True)
class FormationWeights:
    """Weights of the objective ``F`` (see the module docstring); all must be >= 0.

    The defaults trade kept ties against goal similarity: on the synthetic network
    (``loaders.synthetic``) ``ties=1`` beats k-means on goal similarity by ~40% and keeps
    20-30% of existing ties; ``ties=2`` keeps ~55% but falls below k-means on similarity."""

    goals: float = 1.0
    ties: float = 1.0
    needs: float = 0.5
    languages: float = 0.25
    region: float = 0.5

    def __post_init__(self) -> None:
        for name in ("goals", "ties", "needs", "languages", "region"):
            if getattr(self, name) < 0 or not math.isfinite(getattr(self, name)):
                raise ValidationFailed([FieldProblem(name, "must be >= 0")])


@dataclass(frozen=True)
class CohortRationale:
    """Why these families: goals held by >= 2 members (goal, count), existing ties inside,
    needs met by a cohort-mate (need, members whose need is met), languages all speak."""

    shared_goals: tuple[tuple[str, int], ...]
    ties_kept: int
    needs_met: tuple[tuple[str, int], ...]
    common_languages: tuple[str, ...]


@dataclass(frozen=True)
class ProposedCohort:
    members: tuple[str, ...]  # sorted family ids
    rationale: CohortRationale


@dataclass(frozen=True)
class ProposalQuality:
    """Quality of a partition. ``ties_kept_share`` is None when the pool has no ties;
    ``needs_covered_share`` is 1.0 when nobody needs anything."""

    cohorts: int
    mean_goal_similarity: float  # mean Jaccard over all within-cohort pairs
    ties_kept_share: (
        float | None
    )  # ties among the pool with both ends in one cohort / all such ties
    ties_total: int
    needs_covered_share: float  # needs met by a cohort-mate's strength / all needs
    sizes_valid: bool
    invalid_sizes: int
    # Language (language.py): cohorts with no language all members share; cohorts in which a
    # member shares a language with nobody else, and such members; members with fewer
    # language-mates than the default rule asks (at least half of the others).
    cohorts_without_common_language: int = 0
    cohorts_with_isolated_family: int = 0
    families_sharing_no_language: int = 0
    families_short_of_language_mates: int = 0


class LeftOverReason(StrEnum):
    """Why a family of the pool is in no proposed cohort (codes; services render the text)."""

    NO_SHARED_LANGUAGE = "no_shared_language"  # shares no language with anyone in the pool
    UNEVEN_POOL = "uneven_pool"  # the pool cannot be split evenly: the least-fitting wait


@dataclass(frozen=True)
class LeftOver:
    family_id: str
    reason: LeftOverReason


@dataclass(frozen=True)
class Proposal:
    cohorts: tuple[ProposedCohort, ...]  # ordered by first member id
    quality: ProposalQuality
    objective: float  # F of the proposal
    passes: int  # local-search passes run
    improvements: int  # moves and swaps applied
    left_over: tuple[LeftOver, ...] = ()  # pool families in no cohort, with the reason
    language_deficit: int = 0  # missing language-mates left by the search (0: rule holds)


@dataclass(frozen=True)
class QualityRow:
    method: str  # "proposal", "random" or "kmeans"
    quality: ProposalQuality
    seconds: float
    left_over: int = 0  # pool families in no cohort (the proposal only)
