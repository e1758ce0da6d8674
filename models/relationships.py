"""Relationships of the graph (docs/program.md): LIVES_IN is ``Family.region_id``; the rest here.

Pair-local rules (no self-help, no self-referral, dates in order) are checked by the models;
rules across records (one referrer per family, no referral cycles) live in :mod:`models.rules`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from models.base import DomainModel, ExternalId, PastDate, validator_from_vocabulary
from models.nodes import GoalCategory
from models.vocabulary import vocabulary

HelpKind = Annotated[
    str, AfterValidator(validator_from_vocabulary(lambda: vocabulary().help_kinds, "help kind"))
]


class MembershipStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    LEFT = "left"
    DECLINED = "declined"  # the family declined the invitation
    WITHDRAWN = "withdrawn"  # the invitation was withdrawn (its proposal was withdrawn)


class GoalStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


class MemberOf(DomainModel):
    """``(Family)-[:MEMBER_OF {since, status, invitedBy}]->(Cohort)``; one per family and
    cohort. ``invited_by`` is the member whose invitation brought the family in, if any."""

    family_id: ExternalId
    cohort_id: ExternalId
    since: PastDate
    status: MembershipStatus = MembershipStatus.ACTIVE
    invited_by: ExternalId | None = None


class Pursues(DomainModel):
    """``(Family)-[:PURSUES {since, status, achievedAt}]->(Goal)``; one per family and goal."""

    family_id: ExternalId
    goal_id: GoalCategory
    since: PastDate
    status: GoalStatus = GoalStatus.ACTIVE
    achieved_at: PastDate | None = None
    description: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _achievement_is_consistent(self) -> Self:
        if self.status is GoalStatus.ACHIEVED and self.achieved_at is None:
            raise ValueError("achievedAt is required when status is 'achieved'")
        if self.status is not GoalStatus.ACHIEVED and self.achieved_at is not None:
            raise ValueError("achievedAt is only allowed when status is 'achieved'")
        if self.achieved_at is not None and self.achieved_at < self.since:
            raise ValueError("achievedAt is before since")
        return self


class Helped(DomainModel):
    """``(Family)-[:HELPED {kind, at, hours, amount}]->(Family)``; many per pair, so each
    exchange has its own external ``id``. ``amount`` is the family's own dollar estimate."""

    id: ExternalId
    from_id: ExternalId
    to_id: ExternalId
    kind: HelpKind
    at: PastDate
    hours: float | None = Field(default=None, ge=0, le=1000)
    amount: float | None = Field(default=None, ge=0, le=100_000)
    confirmed: bool = False

    @model_validator(mode="after")
    def _no_self_help(self) -> Self:
        if self.from_id == self.to_id:
            raise ValueError("a family cannot record help to itself")
        return self


class Referred(DomainModel):
    """``(Family)-[:REFERRED {at}]->(Family)``: ``from_id`` brought ``to_id`` into the program."""

    from_id: ExternalId
    to_id: ExternalId
    at: PastDate

    @model_validator(mode="after")
    def _no_self_referral(self) -> Self:
        if self.from_id == self.to_id:
            raise ValueError("a family cannot refer itself")
        return self
