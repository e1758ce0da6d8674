"""A stored cohort proposal: the pool, weights, quality figures and cohorts organizers manage.

A proposal's cohorts are ordinary ``forming`` cohorts of origin ``proposed`` (ids
``<proposal id>-<n>``) whose places are invitations (``MEMBER_OF {status: invited}``); the
proposal keeps what produced them and what they scored, so an organizer can see it again,
compare it and withdraw it. Families answer the invitations; the proposal never moves anyone.

Stored flat (one level of nesting, as every record): ``weights`` and ``quality`` are nested
models; lists are lists of ids or codes, ``left_over_reasons`` aligned with ``left_over``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from models.base import DomainModel, ExternalId, PastDate


class ProposalStatus(StrEnum):
    PENDING = "pending"  # its invitations are open (the families answer them)
    WITHDRAWN = "withdrawn"  # an organizer withdrew it: open invitations withdrawn
    REPLACED = "replaced"  # a newer proposal for an overlapping pool replaced it


class ProposalWeights(DomainModel):
    """The weights a proposal was made with (the analytics' ``FormationWeights``, which hold
    the defaults), all >= 0."""

    goals: float = Field(ge=0)
    ties: float = Field(ge=0)
    needs: float = Field(ge=0)
    languages: float = Field(ge=0)
    region: float = Field(ge=0)


class ProposalFigures(DomainModel):
    """The quality figures of the proposal when it was made (``ProposalQuality``)."""

    cohorts: int = Field(ge=0)
    mean_goal_similarity: float
    ties_kept_share: float | None = None  # None: the pool had no ties
    ties_total: int = Field(ge=0)
    needs_covered_share: float
    sizes_valid: bool
    cohorts_without_common_language: int = 0
    families_sharing_no_language: int = 0


class CohortProposal(DomainModel):
    id: ExternalId
    region_id: ExternalId
    created_at: PastDate
    status: ProposalStatus = ProposalStatus.PENDING
    proposed_by: str = Field(default="", max_length=200)
    pool: tuple[ExternalId, ...] = ()
    cohort_ids: tuple[ExternalId, ...] = ()
    left_over: tuple[ExternalId, ...] = ()
    left_over_reasons: tuple[str, ...] = ()
    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)
    seed: int = 0
    language_share: float = Field(default=0.5, ge=0, le=1)
    weights: ProposalWeights = Field(default_factory=ProposalWeights)
    quality: ProposalFigures
    replaced_by: ExternalId | None = None

    @model_validator(mode="after")
    def _aligned(self) -> Self:
        if len(self.left_over_reasons) != len(self.left_over):
            raise ValueError("leftOverReasons must have one reason per leftOver family")
        return self
